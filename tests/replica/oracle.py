"""A deliberately plain reading of replica article pages, to check that the truth the replica
reports is what its markup says (the project's real extractor lives in newscrawl.extract)."""

from __future__ import annotations

import json
import re
from html import escape

from lxml import html as lxml_html

# The replica's script-built body: its script and the data it writes after itself.
_SCRIPTED = re.compile(r"<script>\(function \(parts, spacer\) \{.*?\}\)\((\[.*?\]), (\".*?\")\);</script>", re.S)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\ufeff"), None) | {0x3000: " ", 0xA0: " "}


def clean(value: str) -> str:
    return re.sub(r"\s+", " ", value.translate(_INVISIBLE)).strip()


def inline_html(element) -> str:
    """em/strong/a (href only) and br kept, any other element unwrapped."""
    out = escape(element.text or "", quote=False)
    for child in element:
        if child.tag == "br":
            out += "<br>"
        elif child.tag in ("em", "strong", "a"):
            attributes = f' href="{escape(child.get("href", ""))}"' if child.tag == "a" else ""
            out += f"<{child.tag}{attributes}>{inline_html(child)}</{child.tag}>"
        else:
            out += inline_html(child)
        tail = child.tail or ""
        out += escape(tail.lstrip() if child.tag == "br" else tail, quote=False)
    return out


def block_text(element) -> str:
    for br in element.iter("br"):
        br.tail = "\u2028" + (br.tail or "")  # a mark no page holds: the line break of a <br>
    return "\n".join(clean(line) for line in element.text_content().split("\u2028"))


def as_browser_shows(page: str) -> str:
    """The page with what its body script writes (the ``scripted`` variant) in its place."""
    match = _SCRIPTED.search(page)
    if not match:
        return page
    parts, spacer = json.loads(match[1]), json.loads(match[2])
    return page[:match.start()] + spacer.join(parts) + page[match.end():]


# The body's container in the current template, then in older ones.
CONTAINERS = ("#article-content .wsw", "div.wysiwyg", "div.article__text")
BLOCK_TAGS = ("p", "h2", "h3", "blockquote", "ul", "ol", "div", "span")


def paragraphs_from_loose_text(container) -> None:
    """Older pages: text straight in the container, paragraphs ended by two ``<br />``. Each
    such paragraph is wrapped in a ``<p>``, in place."""
    if container.find("br") is None:
        return
    pieces, loose = [], escape(container.text or "", quote=False)
    for child in list(container):
        if child.tag in BLOCK_TAGS:
            pieces += _wrapped(loose) + [child]
            loose = escape(child.tail or "", quote=False)
            child.tail = None
        else:
            loose += lxml_html.tostring(child, encoding="unicode")
        container.remove(child)
    container.text = None
    container.extend(pieces + _wrapped(loose))


def _wrapped(loose: str) -> list:
    return [lxml_html.fragment_fromstring(f"<p>{part}</p>") for part in re.split(r"<br ?/?>\s*<br ?/?>", loose)
            if part.strip()]


def read(page: str) -> dict:
    root = lxml_html.fromstring(as_browser_shows(page))
    wsw = next(found[0] for found in map(root.cssselect, CONTAINERS) if found)
    paragraphs_from_loose_text(wsw)
    blocks, images, dateline = [], [], None
    for cover in root.cssselect(".cover-media figure"):
        images.append(_image(cover, is_cover=True))
    for poster in root.cssselect(".cover-media .c-mmp__poster img"):
        images.append({"url": _original(poster.get("src")), "caption": "", "is_cover": True})
    for child in wsw:
        if child.tag == "span" and "dateline" in child.get("class", ""):
            dateline = clean(child.text_content()).removesuffix("—").strip()
        elif child.tag in ("p", "h2", "h3", "blockquote"):
            blocks.append(_block(child.tag, child))
        elif child.tag in ("ul", "ol"):
            blocks += [_block("li", li) for li in child.iter("li")]
        elif child.tag == "div":
            images += [_image(figure, is_cover=False) for figure in child.cssselect("figure.media-image")]
    blocks = [b for b in blocks if b["text"]]
    ld = [json.loads(s.text) for s in root.cssselect('script[type="application/ld+json"]')]
    keywords = root.cssselect('meta[name="keywords"]')[0].get("content")
    description = root.cssselect('meta[name="description"]')
    kind = re.search(r"\bpg-(\w+)", root.find("body").get("class"))[1]
    players = root.cssselect(".cover-media .c-mmp video, .cover-media .c-mmp audio")
    sources = re.search(r"本文依据了(.+?)的报道", blocks[-1]["text"]) if blocks else None
    return {
        "url": root.cssselect('link[rel="canonical"]')[0].get("href"),
        "language": root.get("lang"),
        "direction": root.get("dir"),
        "kind": kind,
        "title": clean(root.cssselect("h1.pg-title")[0].text_content()),
        "summary": description[0].get("content") if description else "",
        "authors": [clean(a.text_content()) for a in root.cssselect(".links__item-link")],
        "section": clean(root.cssselect(".category a")[0].text_content()),
        "tags": list(dict.fromkeys(w.strip() for w in keywords.split(",") if w.strip())),
        "published_at": _utc(ld[0]["datePublished"]) if ld else _time(root),
        "updated_at": _utc(ld[0]["dateModified"]) if ld else None,
        "dateline": dateline,
        "body": blocks,
        "body_text": "\n\n".join(b["text"] for b in blocks),
        "sources": sources[1].split("、") if sources else [],
        "images": images,
        "media": [{"url": p.get("src"), "type": p.tag} for p in players],
    }


def _block(kind: str, element) -> dict:
    return {"type": kind, "text": block_text(element), "html": clean(inline_html(element))}


def _image(figure, is_cover: bool) -> dict:
    caption = figure.cssselect("figcaption .caption")
    return {
        "url": _original(figure.cssselect(".thumb img")[0].get("src")),
        "caption": clean(caption[0].text_content()) if caption else "",
        "is_cover": is_cover,
    }


def _original(rendition: str) -> str:
    return "https://gdb.voanews.com/" + re.sub(r"_[^/]*(?=\.jpg$)", "", rendition.rsplit("/", 1)[1])


def _utc(value: str) -> str:
    return value.replace(" ", "T")


def _time(root) -> str:
    from datetime import datetime, timezone

    moment = datetime.fromisoformat(root.cssselect("time[pubdate]")[0].get("datetime"))
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
