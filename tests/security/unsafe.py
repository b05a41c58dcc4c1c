"""What "safe HTML" means for the tests: what a browser would make of the markup, checked
element by element, not by string matching alone."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html

ACTIVE_TAGS = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "form",
     "input", "button", "textarea", "base", "meta", "link", "template", "noscript", "video", "audio", "source"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "poster", "data", "xlink:href", "background"}
)
SAFE_SCHEMES = frozenset({"", "http", "https"})
_SCHEME_NOISE = re.compile(r"[\x00-\x20]")  # browsers ignore these inside a scheme: "java\tscript:"


def unsafe_parts(fragment: str) -> list[str]:
    """Every active element, event handler and non-web URL in an HTML fragment."""
    found = ["<script" for _ in re.finditer(r"<\s*script", fragment, re.I)]
    for element in lxml.html.fragments_fromstring(f"<div>{fragment}</div>")[0].iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in ACTIVE_TAGS:
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{name}=")
            elif name.lower() in URL_ATTRIBUTES and _scheme(value) not in SAFE_SCHEMES:
                found.append(f"{name}={value[:40]}")
    return found


def _scheme(url: str) -> str:
    """The scheme of an attribute value as a browser reads it (lxml already decoded entities)."""
    try:
        return urlsplit(_SCHEME_NOISE.sub("", url)).scheme.lower()
    except ValueError:
        return "unparseable"


def assert_safe_html(fragment: str) -> None:
    assert not unsafe_parts(fragment), (unsafe_parts(fragment), fragment[:300])
