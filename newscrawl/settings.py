"""Scrapy settings for newscrawl.

Scrapy's own settings are set only where our default differs from Scrapy's (its default is
noted). newscrawl's own settings are prefixed ``NEWSCRAWL_`` and documented where they are
defined; every one can be overridden with ``-s NAME=VALUE`` and the ones that name places or
secrets also from the environment.
"""

import os
import shutil

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

# --- newscrawl's own settings -------------------------------------------------------------
# Where all state lives: feeds, store, images, archive, job state.
NEWSCRAWL_DATA_DIR = os.environ.get("NEWSCRAWL_DATA_DIR", "data")
# Replay origin: every request to the site's hosts goes here instead (same path and query).
# Also settable per run with `-a base_url=...`. Empty: crawl the real site.
NEWSCRAWL_BASE_URL = os.environ.get("NEWSCRAWL_BASE_URL", "")
# Listing pages ("load more", ?p=N) followed per section at most.
NEWSCRAWL_MAX_LISTING_PAGES = 500
# In a whole-site crawl (no start_urls, no date window), also follow links to other articles
# found on article pages (related blocks, promos); otherwise only what the sources list.
NEWSCRAWL_FOLLOW_ARTICLE_LINKS = True
# Seconds between progress lines (articles/min, queued requests, errors). 0 disables.
NEWSCRAWL_PROGRESS_INTERVAL = 30.0
# Where the crawl stats are written as JSON at the end of a run ("" = <data dir>/stats/
# <spider>-<UTC timestamp>.json); %(name)s and %(time)s are filled in.
NEWSCRAWL_STATS_FILE = ""
# Retry back-off: first delay in seconds, doubled per retry, and the cap (also for Retry-After).
NEWSCRAWL_RETRY_BACKOFF_BASE = 1.0
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0

# Where articles are stored: "" = SQLite at <data dir>/newscrawl.sqlite3; a postgresql:// URL
# = PostgreSQL (shared by several workers).
NEWSCRAWL_DATABASE_URL = os.environ.get("NEWSCRAWL_DATABASE_URL", "")
# Distributed crawl (newscrawl.frontier): a redis:// URL makes every worker share one request
# queue and seen-set on that Redis server (scrapy-redis); needs a PostgreSQL store. "" = off.
NEWSCRAWL_REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL", "")
# Seconds a worker's taken requests stay its own after its last heartbeat (every third of it);
# then another worker puts them back in the queue (the worker was killed or its machine lost).
NEWSCRAWL_REDIS_LEASE = 30.0
# Close a worker once nothing is queued or in flight anywhere for this many seconds; 0 = wait
# for new work until stopped (SIGTERM).
NEWSCRAWL_REDIS_IDLE_CLOSE = 0.0
# Saves per commit at most. The store's one writer commits what came together (a group
# commit) and lets each article go on to the feeds only once its save is committed,
# whatever N, so a crash never emits one twice.
NEWSCRAWL_STORE_COMMIT_EVERY = 100
# Skip article pages whose feed pubDate / sitemap lastmod is not newer than the stored copy.
# -s NEWSCRAWL_INCREMENTAL=false forces a full re-crawl.
NEWSCRAWL_INCREMENTAL = True
# The Markdown archive (the mirror document format), written during the crawl when enabled.
NEWSCRAWL_ARCHIVE_ENABLED = os.environ.get("NEWSCRAWL_ARCHIVE_ENABLED", "false")
NEWSCRAWL_ARCHIVE_DIR = os.environ.get("NEWSCRAWL_ARCHIVE_DIR", "")  # "" = <data dir>/archive
NEWSCRAWL_ARCHIVE_IMAGE_PROXY = ""  # e.g. https://images.weserv.nl?url=
NEWSCRAWL_ARCHIVE_IMAGE_WIDTH = 0  # width of the linked image rendition; 0 = the original
# Images (newscrawl.pipelines.images): width of the rendition fetched (<uuid>_r1_s_w<width>.jpg;
# 0 = the original), the largest download in bytes, and the most pixels decoded (bombs).
NEWSCRAWL_IMAGE_WIDTH = 1080
NEWSCRAWL_IMAGE_MAX_BYTES = 10 * 1024 * 1024
NEWSCRAWL_IMAGE_MAX_PIXELS = 40_000_000
# IMAGES_THUMBS (Scrapy's, e.g. {"small": (320, 320)}): none unless asked; each costs a decode.
# IMAGES_STORE unset: <data dir>/images. IMAGES_EXPIRES: Scrapy's 90 days.

# Near-duplicates (newscrawl.pipelines.near_duplicates): an article whose body is this similar
# (Jaccard similarity of character 5-grams, estimated by MinHash) to an earlier article's is
# marked with duplicate_of = that article; compared with the stored articles published in the
# last N days (0 = all of them) and every article met in the crawl. A new threshold makes the
# stored LSH band keys again at the next start; workers sharing a store must use the same one.
NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD = 0.8
NEWSCRAWL_NEAR_DUPLICATE_DAYS = 30
# Crawl health (newscrawl.extensions.CrawlHealth): finish with "site_returned_non_articles" when
# at least this share of the article pages fetched (and at least this many) were not articles.
NEWSCRAWL_HEALTH_MAX_UNEXTRACTABLE_RATIO = 0.5
NEWSCRAWL_HEALTH_MIN_ARTICLE_PAGES = 5

# Rendering pages in headless Chromium (newscrawl.rendering, through scrapy-playwright), for
# pages that need JavaScript; also per run as -a render=... . "auto": a page goes through the
# browser only when its plain HTML shows that a script builds it (or the site registry says
# so), and Chromium starts with the first such page. "always": every article page too.
# "never": no browser. The browser fetches the page and nothing else (inline scripts run; no
# script, image, style or frame is fetched).
NEWSCRAWL_RENDER = "auto"
# The Chromium executable (a path, or a name on PATH). Missing: "always" stops the crawl at
# start; "auto" logs one ERROR and counts each page that needed it (failed/.../not_rendered).
NEWSCRAWL_CHROMIUM_PATH = shutil.which("chromium") or "chromium-browser"
# Browser contexts alive at once (PLAYWRIGHT_MAX_CONTEXTS), pages rendered at once per context
# (all told: contexts x pages), and pages a context renders before it is closed for a fresh
# one (long-lived contexts leak memory).
NEWSCRAWL_RENDER_MAX_CONTEXTS = 2
NEWSCRAWL_RENDER_CONCURRENT_PAGES = 4
NEWSCRAWL_RENDER_PAGES_PER_CONTEXT = 100
# In a replay, the browser's proxy for every host but the replay origin: a closed loopback port,
# so that nothing the browser does (a redirect to the real site, say) leaves the machine.
NEWSCRAWL_RENDER_REPLAY_PROXY = "http://127.0.0.1:9"
# The browser cannot render when this many rendered pages failed before any succeeded (at the
# first failure when it never launched): "always" finishes the crawl as "browser_unavailable",
# "auto" goes on without it.
NEWSCRAWL_RENDER_MAX_STARTUP_FAILURES = 3
# Times a page is rendered again after the browser failed it (crashed, or hung until the
# navigation timeout, DOWNLOAD_TIMEOUT) once it had rendered others.
NEWSCRAWL_RENDER_RETRIES = 2

# Scheduled runs (newscrawl.schedule): the cron expression in UTC, e.g. "*/15 * * * *" ("" = every
# NEWSCRAWL_SCHEDULE_INTERVAL seconds), and how old the last successful run may be before
# `python -m newscrawl.schedule health` says unhealthy.
NEWSCRAWL_SCHEDULE = os.environ.get("NEWSCRAWL_SCHEDULE", "")
NEWSCRAWL_SCHEDULE_INTERVAL = float(os.environ.get("NEWSCRAWL_SCHEDULE_INTERVAL", 3600))
NEWSCRAWL_SCHEDULE_STALE_AFTER = float(os.environ.get("NEWSCRAWL_SCHEDULE_STALE_AFTER", 86400))
# After each scheduled run, commit the archive's new and changed documents to the git repository
# in the archive directory (created if missing), one commit per run, and push to this remote
# when the repository has it.
NEWSCRAWL_ARCHIVE_GIT = os.environ.get("NEWSCRAWL_ARCHIVE_GIT", "false")
NEWSCRAWL_ARCHIVE_GIT_REMOTE = os.environ.get("NEWSCRAWL_ARCHIVE_GIT_REMOTE", "origin")

# Monitoring (newscrawl.monitors, Spidermon close monitors). A run fails its checks when it saw
# fewer articles than this (fetched, or skipped as not modified since the stored copy), when
# errors (logged or download exceptions) or retries exceed these shares of its requests, or when
# one failure reason (newscrawl/failed/...) exceeds this share of the articles seen.
NEWSCRAWL_MONITOR_MIN_ARTICLES = 1
NEWSCRAWL_MONITOR_MAX_ERROR_RATE = 0.05
NEWSCRAWL_MONITOR_MAX_RETRY_RATE = 0.25
NEWSCRAWL_MONITOR_MAX_FAILURE_RATE = 0.25
# A failed check POSTs a JSON alert here ("" = no alert).
NEWSCRAWL_ALERT_WEBHOOK = os.environ.get("NEWSCRAWL_ALERT_WEBHOOK", "")
SPIDERMON_ENABLED = True  # Spidermon: False
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.monitors.NewscrawlCloseMonitors"]
SPIDERMON_ADD_FIELD_COVERAGE = True  # Spidermon: False
SPIDERMON_FIELD_COVERAGE_SKIP_IF_NO_ITEM = True  # an incremental run may have nothing new
# Every item has its title, date and body; most have images.
SPIDERMON_FIELD_COVERAGE_RULES = {
    "ArticleItem/title": 1.0,
    "ArticleItem/published_at": 1.0,
    "ArticleItem/body": 1.0,
    "ArticleItem/images": 0.5,
}
# "shutdown" is a stop asked for (SIGTERM, Ctrl-C): the next run resumes it.
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "shutdown"]

# --- Politeness -----------------------------------------------------------------------------
USER_AGENT = "newscrawl/0.1 (news archiver for research; Scrapy)"
ROBOTSTXT_OBEY = True  # Scrapy: False
AUTOTHROTTLE_ENABLED = True  # Scrapy: False
AUTOTHROTTLE_START_DELAY = 1.0  # Scrapy: 5.0
AUTOTHROTTLE_MAX_DELAY = 30.0  # Scrapy: 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0  # Scrapy: 1.0
CONCURRENT_REQUESTS = 16
# Scrapy: 100. An article page yields one item and a few requests; Scrapy starts this many
# tasks per response, which cost more CPU than they save (measured: +40% pages/s with 8).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # Scrapy: 8
DOWNLOAD_TIMEOUT = 30  # Scrapy: 180
RETRY_TIMES = 4  # Scrapy: 2
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # Scrapy: 1 GiB; a news page is well under 1 MiB
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # Scrapy: 32 MiB

# --- Components -----------------------------------------------------------------------------
ADDONS = {
    "newscrawl.datadir.DefaultFeedAddon": 0,
    "newscrawl.rendering.RenderingAddon": 0,
    "newscrawl.frontier.FrontierAddon": 0,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.middlewares.BackoffRetryMiddleware": 550,
    "newscrawl.middlewares.RedirectGuardMiddleware": 650,
    # Pages through the browser (NEWSCRAWL_RENDER): after the HTTP cache (900), so a cached
    # page takes no browser context; it closes used pages before retries and redirects copy
    # their requests.
    "newscrawl.rendering.RenderMiddleware": 920,
    # Last before the download handler, so redirects and robots.txt see the real URLs.
    "newscrawl.middlewares.ReplayMiddleware": 950,
}
EXTENSIONS = {
    # Off by default in Scrapy too (REMOTE_CONTROL_ENABLED); None keeps its module, which
    # imports aiohttp (0.12 s), out of every start.
    "scrapy.extensions.remote_control.RemoteControl": None,
    "newscrawl.extensions.ProgressLog": 500,
    # Spidermon's extension. Before StatsFile: its close monitors write their result into the
    # stats that file keeps.
    "newscrawl.monitors.Monitoring": 400,
    "newscrawl.extensions.StatsFile": 500,
    "newscrawl.extensions.CrawlHealth": 500,
}
ITEM_PIPELINES = {
    "newscrawl.pipelines.validate.ValidationPipeline": 100,
    "newscrawl.pipelines.images.ArticleImagesPipeline": 300,
    # After validation, before the store: the stored item carries duplicate_of.
    "newscrawl.pipelines.near_duplicates.NearDuplicatePipeline": 350,
    "newscrawl.pipelines.store.StorePipeline": 400,
    "newscrawl.pipelines.archive.ArchivePipeline": 500,
}

# --- Crash safety: the store is the source of truth, not JOBDIR --------------------------------
DUPEFILTER_CLASS = "newscrawl.crawl_state.RunDupeFilter"  # Scrapy: RFPDupeFilter (persists in JOBDIR)
SCHEDULER = "newscrawl.crawl_state.CrashSafeScheduler"  # Scrapy: Scheduler (trusts a crashed queue)

# --- Output ---------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"  # Scrapy: None (escaped \uXXXX in JSON)
FEED_STORAGES = {"": "newscrawl.exports.AtomicFileFeedStorage", "file": "newscrawl.exports.AtomicFileFeedStorage"}
FEED_EXPORTERS = {"jsonlines": "newscrawl.exports.OrjsonLinesItemExporter"}  # Scrapy's, by the json module
FEED_STORE_EMPTY = False  # Scrapy: True; an empty run writes no empty file
LOG_LEVEL = "INFO"  # Scrapy: DEBUG
# Scrapy: True, which reads and parses a callback's source at every response (its cache is
# keyed by the bound method, a new one each time): 2.5% of a crawl's CPU. The test suite checks
# the spider's callbacks once instead (tests/test_spider.py).
WARN_ON_GENERATOR_RETURN_VALUE = False
LOGSTATS_INTERVAL = 0.0  # Scrapy: 60; ProgressLog says more
