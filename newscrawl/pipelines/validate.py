"""Drops items that break the item contract, ``newscrawl/schema/article.schema.json``.

Each dropped item is logged once, as a warning naming its URL and every failing field path
with what is wrong, and counted in the stats: ``newscrawl/invalid_items`` per item and
``newscrawl/invalid_items/<field>`` per top-level field that failed, so a site redesign that
breaks one field shows up in the stats at the end of the run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator, ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newscrawl.sites import SITES

logger = logging.getLogger(__name__)

SCHEMA_FILE = files("newscrawl") / "schema" / "article.schema.json"
STATS_PREFIX = "newscrawl/invalid_items"
MESSAGE_WIDTH = 160  # jsonschema quotes the bad value: a whole body must not land in the log


def load_schema() -> dict:
    """The item's JSON Schema, checked against the draft 2020-12 meta-schema, with its local
    ``$ref``s replaced by what they point to (validating each item then resolves nothing)."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    schema["properties"]["site"]["enum"] = list(SITES)  # the registry, not a copy of it, is the list
    Draft202012Validator.check_schema(schema)
    return inline_refs(schema, schema.get("$defs", {}))


def inline_refs(node: Any, defs: dict) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/name", ...}`` merged with the definition (as an
    ``allOf`` when they share a keyword, so the meaning stays that of ``$ref``).

    >>> inline_refs({"type": "string", "$ref": "#/$defs/id"}, {"id": {"pattern": "^[0-9]+$"}})
    {'type': 'string', 'pattern': '^[0-9]+$'}
    >>> inline_refs({"pattern": "a", "$ref": "#/$defs/id"}, {"id": {"pattern": "b"}})
    {'pattern': 'a', 'allOf': [{'pattern': 'b'}]}
    """
    if isinstance(node, list):
        return [inline_refs(value, defs) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: inline_refs(value, defs) for key, value in node.items()}
    reference = node.pop("$ref", None)
    if reference is None or not reference.startswith("#/$defs/"):
        return node if reference is None else {**node, "$ref": reference}
    target = inline_refs(defs[reference.removeprefix("#/$defs/")], defs)
    return {**node, "allOf": [target]} if node.keys() & target.keys() else {**node, **target}


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # e.g. "body/2/text"
    message: str

    @property
    def field(self) -> str:
        return self.path.split("/", 1)[0]

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def problems(validator: Draft202012Validator, item: dict) -> list[Problem]:
    """What is wrong with the item, one problem per failing path, sorted by path."""
    return sorted({problem for error in validator.iter_errors(item) for problem in _problems(error)})


def _problems(error: ValidationError) -> Iterator[Problem]:
    path = [str(part) for part in error.absolute_path]
    # "required" and "additionalProperties" name the field only inside their message.
    if error.validator == "required":
        for name in error.validator_value:
            if name not in error.instance:
                yield Problem("/".join([*path, name]), "missing")
    elif error.validator == "additionalProperties":
        for name in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
            yield Problem("/".join([*path, name]), "not a field of the item")
    else:
        yield Problem("/".join(path) or "(item)", shorten(error.message))


def shorten(text: str, width: int = MESSAGE_WIDTH) -> str:
    """
    >>> shorten("abcdef", 4)
    'abc…'
    >>> shorten("abc", 4)
    'abc'
    """
    return text if len(text) <= width else text[: width - 1] + "…"


class ValidationPipeline:
    """Passes valid items on unchanged; drops the others with a :class:`DropItem` that lists
    every problem."""

    def __init__(self, stats: StatsCollector, schema: dict):
        self.stats = stats
        self.validator = Draft202012Validator(schema)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationPipeline:
        return cls(crawler.stats, load_schema())

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        found = problems(self.validator, adapter.asdict())
        if not found:
            return item
        self.stats.inc_value(STATS_PREFIX)
        for field in sorted({problem.field for problem in found}):
            self.stats.inc_value(f"{STATS_PREFIX}/{field}")
        listed = "; ".join(map(str, found))
        logger.warning("Invalid item %(url)s: %(problems)s", {"url": adapter.get("url"), "problems": listed})
        # Logged above without the whole item, which Scrapy's own "Dropped" line would repeat.
        raise DropItem(f"invalid item {adapter.get('url')}: {listed}", log_level="DEBUG")
