"""Pages from before the current templates: loose-text bodies and older body containers."""

from __future__ import annotations

import pytest

from newscrawl.extract.pangea import PangeaArticle

URL = "https://www.voachinese.com/a/old-story/1234567.html"
LOOSE = (
    "\u3000\u3000第一段，<strong>重要</strong>的话。<br /><br />\n"
    "\u3000\u3000第二段第一行。<br />第二段第二行。<br/>&nbsp;<br/>"
    "第三段<a href=\"/a/1.html\">链接</a>。<br><br><br>"
)
PARAGRAPHS = ["第一段，重要的话。", "第二段第一行。\n第二段第二行。", "第三段链接。"]


def page(container_open: str, container_close: str, body: str, title: str = '<h1 class="pg-title">旧文章</h1>') -> str:
    return f'<html lang="zh-Hans"><body>{title}{container_open}{body}{container_close}</body></html>'


@pytest.mark.parametrize(
    ("container_open", "container_close"),
    [
        ('<div id="article-content"><div class="wsw">', "</div></div>"),  # an old article in today's template
        ('<div class="articleContent"><div class="wysiwyg">', "</div></div>"),
        ('<div class="article__text">', "</div>"),
        ('<div class="articleContent"><div class="zoomMe">', "</div></div>"),
    ],
)
def test_loose_text_gives_one_block_per_paragraph(container_open, container_close):
    article = PangeaArticle(page(container_open, container_close, LOOSE), URL, "zh-Hans")
    assert article.is_article()
    assert [(b["type"], b["text"]) for b in article.body()] == [("p", text) for text in PARAGRAPHS]
    assert article.body()[0]["html"] == "第一段，<strong>重要</strong>的话。"
    assert article.body()[2]["html"] == '第三段<a href="https://www.voachinese.com/a/1.html">链接</a>。'


def test_loose_paragraphs_between_blocks_keep_page_order():
    body = "引言。<br><br>第一段。<h2>小标题</h2>第二段。<br><br>第三段。<p>末段。</p>"
    article = PangeaArticle(page('<div class="wysiwyg">', "</div>", body), URL, "zh-Hans")
    assert [(b["type"], b["text"]) for b in article.body()] == [
        ("p", "引言。"), ("p", "第一段。"), ("h2", "小标题"), ("p", "第二段。"), ("p", "第三段。"), ("p", "末段。")
    ]


def test_a_page_without_title_markup_is_an_article_by_its_old_body():
    html = page('<div class="article__text">', "</div>", "正文。", title="<h1>旧标题</h1>")
    assert PangeaArticle(html, URL, "zh-Hans").is_article()


def test_the_current_container_wins_over_an_old_one_elsewhere():
    html = page('<div id="article-content"><div class="wsw">', "</div></div><div class=\"wysiwyg\">旁注</div>", "<p>正文。</p>")
    assert [b["text"] for b in PangeaArticle(html, URL, "zh-Hans").body()] == ["正文。"]
