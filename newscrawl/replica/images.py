"""Image renditions: small real JPEGs, deterministic from the uuid in the path.

``/<uuid>.jpg`` is the original (640 x 360); ``/<uuid>_w250_r1_s.jpg``, ``_w1080_h608``,
``_cx0_cy10_cw0_w100_r1``, ``_r1_s_w900`` ... are renditions whose width (and height, when
given) is read from the parameters.
"""

from __future__ import annotations

import hashlib
import io
import re
from functools import lru_cache

from PIL import Image, ImageDraw

ORIGINAL = (640, 360)
MAX_SIDE = 1600
_PATH = re.compile(
    r"^/(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"(?P<params>(?:_[a-z]+\d*)*)\.(?:jpg|jpeg)$"
)


def parse_image_path(path: str) -> tuple[str, tuple[int, int]] | None:
    """The uuid and the pixel size an image path asks for, or None if it is no image path.

    >>> parse_image_path("/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w900.jpg")
    ('a8893f07-8b2e-405b-ba8e-402cddabef3c', (900, 506))
    >>> parse_image_path("/a8893f07-8b2e-405b-ba8e-402cddabef3c_w1080_h608.jpg")[1]
    (1080, 608)
    >>> parse_image_path("/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg")[1]
    (640, 360)
    >>> parse_image_path("/favicon.ico") is None
    True
    """
    match = _PATH.match(path)
    if not match:
        return None
    params = dict(re.findall(r"_([wh])(\d+)", match["params"]))
    width = min(int(params.get("w", ORIGINAL[0])) or ORIGINAL[0], MAX_SIDE)
    height = min(int(params["h"]) if "h" in params else width * ORIGINAL[1] // ORIGINAL[0], MAX_SIDE)
    return match["uuid"].lower(), (width, max(height, 1))


@lru_cache(maxsize=512)
def jpeg(uuid: str, size: tuple[int, int]) -> bytes:
    """A JPEG of the given size whose colours follow from the uuid."""
    digest = hashlib.sha256(uuid.encode()).digest()
    image = Image.new("RGB", size, tuple(digest[:3]))
    width, height = size
    ImageDraw.Draw(image).rectangle((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=tuple(digest[3:6]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()
