"""Packaging for Scrapyd: ``scrapyd-deploy`` builds an egg of the ``newscrawl`` package from
this file. The egg carries no dependencies: install requirements.txt where Scrapyd runs."""

from setuptools import find_packages, setup

setup(
    name="newscrawl",
    version="0.1",
    packages=find_packages(include=["newscrawl", "newscrawl.*"]),
    package_data={"newscrawl": ["schema/*.json"]},
    entry_points={"scrapy": ["settings = newscrawl.settings"]},
    zip_safe=True,
)
