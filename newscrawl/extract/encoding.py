"""Decoding HTML bytes when the server and the page disagree about the encoding."""

from __future__ import annotations

from w3lib.encoding import html_body_declared_encoding, resolve_encoding


def decode_html(body: bytes, header_encoding: str) -> str:
    """The page's text. The encoding the HTTP header names wins when the bytes are valid in
    it; when they are not and the page itself declares another one (``<meta charset>``), the
    page is right (a Big5 or GBK page served as UTF-8). Otherwise stray bytes are replaced.

    >>> page = '<meta charset="big5"><p>美國</p>'.encode("big5")
    >>> decode_html(page, "utf-8")
    '<meta charset="big5"><p>美國</p>'
    >>> decode_html("<p>美国</p>".encode() + b"\\xff", "utf-8")
    '<p>美国</p>\\ufffd'
    """
    encoding = resolve_encoding(header_encoding) or "utf-8"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        pass
    declared = resolve_encoding(html_body_declared_encoding(body) or "")
    if declared and declared != encoding:
        try:
            return body.decode(declared)
        except UnicodeDecodeError:
            pass
    return body.decode(encoding, errors="replace")
