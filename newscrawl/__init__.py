"""newscrawl: a Scrapy crawler for Voice of America's Chinese site and its Pangea siblings."""
