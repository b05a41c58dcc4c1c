"""What the replica answers to one request."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """Status, body and headers, sent with a Content-Length over a kept-alive connection.

    ``content_type`` None sends no Content-Type header. ``deliver``, set by a fault only, sends
    the reply its own way on the raw socket (its status line and headers included); the
    connection is closed after it.
    """

    status: int
    body: bytes
    content_type: str | None = HTML
    headers: dict[str, str] = field(default_factory=dict)
    deliver: Callable[[Reply, socket.socket], None] | None = None
