"""Signs that a script builds what a page's HTML lacks: the crawl renders such a page in a
browser (``NEWSCRAWL_RENDER=auto``) when plain HTML gave it no article body or no article link.

Each function returns the sign it found (a short name, used in stats) or None. They read the
page as fetched, without running anything.
"""

from __future__ import annotations

from lxml.etree import XPath

from newscrawl.extract.pangea import PangeaArticle

NOSCRIPT = "noscript"  # a <noscript> notice with text ("turn JavaScript on to read this page")
SCRIPTED_CONTAINER = "scripted_container"  # the content container holds an inline script instead of text
JSON_LD_WITHOUT_BODY = "json_ld_without_body"  # JSON-LD names an article that the HTML has no body for

TEXT_KINDS = ("article", "live")
_NOSCRIPT_NOTICE = XPath("//body//noscript[normalize-space()]")
# An inline script that is not data (JSON-LD, templates): code that can write into the page.
_INLINE_CODE = XPath(
    ".//script[not(@src)][normalize-space()]"
    "[not(@type) or @type='text/javascript' or @type='module' or @type='application/javascript']"
)


def script_builds_article(page: PangeaArticle) -> str | None:
    """Why a script seems to build the article of ``page``, a page that yielded no body
    (no item, or a video, audio or gallery item without text).

    >>> script_builds_article(PangeaArticle(
    ...     '<h1 class="pg-title">T</h1><div id="article-content"><div class="wsw">'
    ...     '<script>document.write("<p>text</p>")</script></div></div>', "https://x/a/1.html"))
    'scripted_container'
    >>> script_builds_article(PangeaArticle('<h1 class="pg-title">T</h1><div id="article-content"></div>',
    ...     "https://x/a/1.html")) is None
    True
    """
    if _NOSCRIPT_NOTICE(page.root):
        return NOSCRIPT
    if page.container is not None and _INLINE_CODE(page.container):
        return SCRIPTED_CONTAINER
    # Video, audio and gallery pages may have no text: their JSON-LD alone is no sign.
    if page.main_ld and page.kind() in TEXT_KINDS and not page.body():
        return JSON_LD_WITHOUT_BODY
    return None


def script_builds_listing(page: PangeaArticle) -> str | None:
    """Why a script seems to build the links of ``page``, a listing that yielded no article link."""
    if _NOSCRIPT_NOTICE(page.root):
        return NOSCRIPT
    content = page.root.get_element_by_id("content", None)
    if content is not None and _INLINE_CODE(content):
        return SCRIPTED_CONTAINER
    return None
