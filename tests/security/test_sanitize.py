"""Hostile HTML in article pages: what the extractor stores (each body block's ``html``) and
what the archive renders carry no script, no event handler and no ``javascript:`` link,
however the page spells them. nh3 does the sanitizing; these tests prove it is in the path."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newscrawl.archive.document import parse_document, render_document
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.loaders import load_article
from newscrawl.processors import clean_html
from newscrawl.sites import get_site
from tests.security.unsafe import assert_safe_html, unsafe_parts

URL = "https://www.voachinese.com/a/story-20250218/7978772.html"
FETCHED_AT = datetime(2025, 3, 1, tzinfo=timezone.utc)

HOSTILE = {
    "javascript-link": '<a href="javascript:alert(1)">链接</a>',
    "mixed-case": '<a href="JaVaScRiPt:alert(1)">链接</a>',
    "leading-space": '<a href="  javascript:alert(1)">链接</a>',
    "tab-inside": '<a href="java\tscript:alert(1)">链接</a>',
    "entity-tab": '<a href="java&#x09;script:alert(1)">链接</a>',
    "entity-newline": '<a href="jav&#x0A;ascript:alert(1)">链接</a>',
    "entity-colon": '<a href="javascript&#58;alert(1)">链接</a>',
    "named-colon": '<a href="javascript&colon;alert(1)">链接</a>',
    "all-entities": '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">链接</a>',
    "decimal-entities": '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">链接</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">链接</a>',
    "data-url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">链接</a>',
    "img-onerror": '<img src="x" onerror="alert(1)">',
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-onload": '<svg onload="alert(1)"><circle r="1"/></svg>',
    "math-script": "<math><mtext><script>alert(1)</script></mtext></math>",
    "onclick": '<strong onclick="alert(1)" onmouseover="alert(2)">粗体</strong>',
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "object": '<object data="javascript:alert(1)"></object>',
    "form": '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">按</button></form>',
    "style-import": "<style>@import 'javascript:alert(1)';</style>",
    "style-attribute": '<em style="background:url(javascript:alert(1))">斜体</em>',
    "split-script": "<scr<script>ipt>alert(1)</script>",
    "double-open": "<<script>script>alert(1)</script>",
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base": '<base href="javascript:alert(1)//">',
    "template": "<template><script>alert(1)</script></template>",
    "escaped-text": "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;",
    "unquoted": "<a href=javascript:alert(1) onmouseover=alert(2)>链接</a>",
    "comment": "<!--><script>alert(1)</script>-->",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
}


def page(fragment: str) -> str:
    return f"""<html lang="zh-Hans"><head>
<meta property="og:title" content="标题"></head><body class="pg-article">
<h1 class="pg-title">标题</h1>
<time pubdate="pubdate" datetime="2025-02-18T15:27:23+08:00">2025年2月18日</time>
<div id="article-content"><div class="wsw">
<p>第一段 {fragment} 之后。</p>
{fragment}
<ul><li>{fragment}</li></ul><blockquote>{fragment}</blockquote><h2>{fragment}小标题</h2>
<div><p>{fragment}</p></div>
</div></div></body></html>"""


def extract(fragment: str) -> dict:
    return dict(load_article(PangeaArticle(page(fragment), URL), get_site("voachinese"), FETCHED_AT))


@pytest.fixture(params=sorted(HOSTILE), name="hostile")
def hostile_item(request: pytest.FixtureRequest) -> dict:
    return extract(HOSTILE[request.param])


def test_the_oracle_sees_what_is_unsafe():
    """unsafe_parts() is what the other tests rely on: it must flag each hostile fragment."""
    for name, fragment in HOSTILE.items():
        if name not in ("escaped-text", "style-attribute"):  # text only; CSS is checked apart
            assert unsafe_parts(fragment), name


def test_stored_block_html_is_safe(hostile):
    assert hostile["body"][0]["text"].startswith("第一段")
    for block in hostile["body"]:
        assert_safe_html(block["html"])
        assert "style=" not in block["html"]


def test_rendered_documents_are_safe(hostile):
    document = render_document(hostile)
    assert_safe_html(document.split("\n")[4])
    assert parse_document(document).blocks[0].startswith("第一段")


def test_links_keep_only_web_urls():
    item = extract('<a href="/a/other/1.html">站内</a><a href="javascript:alert(1)">脚本</a>')
    assert item["body"][0]["html"] == (
        '第一段 <a href="https://www.voachinese.com/a/other/1.html">站内</a><a>脚本</a> 之后。'
    )


def test_escaped_markup_stays_text():
    item = extract("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert item["body"][0]["text"] == "第一段 <script>alert(1)</script> 之后。"
    assert item["body"][0]["html"] == "第一段 &lt;script&gt;alert(1)&lt;/script&gt; 之后。"


@pytest.mark.parametrize("fragment", list(HOSTILE.values()), ids=list(HOSTILE))
def test_rendering_sanitizes_block_html_again(fragment):
    """Items also come from feeds on disk (python -m newscrawl.archive): their block HTML is
    not trusted either."""
    item = {"title": "标题", "url": URL, "published_at": "2025-02-18T07:27:23Z",
            "fetched_at": "2025-02-18T07:39:02Z", "images": [], "body": [{"html": fragment + "正文"}]}
    assert_safe_html(render_document(item).split("\n")[4])
    assert_safe_html(clean_html(fragment))
