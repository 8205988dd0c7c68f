"""The annotated copy of a capture's screenshot: a banner with the URL and the UTC time.

The clean screenshot is kept as it was taken; this copy is for printing and for people who
look at it later, so what it shows and when can never be separated from the picture. The
banner is added above the page, never over it.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

BANNER_BACKGROUND = (24, 24, 27)
BANNER_TEXT = (255, 255, 255)
FONT_SIZE = 18
MAX_PIXELS = 400_000_000


def banner_copy(png: bytes, url: str, when_utc: str) -> bytes:
    """A PNG of the screenshot with a banner of ``url`` and ``when_utc`` on top."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(io.BytesIO(png)) as shot:
        shot.load()
        width = shot.width
        font = _font()
        per_line = max(width // (FONT_SIZE * 6 // 10), 20)
        lines = [f"Captured {when_utc} (UTC) by onrecord", *textwrap.wrap(url, per_line)[:4]]
        line_height = FONT_SIZE + 8
        banner = line_height * len(lines) + 16
        out = Image.new("RGB", (width, shot.height + banner), BANNER_BACKGROUND)
        out.paste(shot.convert("RGB"), (0, banner))
        draw = ImageDraw.Draw(out)
        for number, line in enumerate(lines):
            draw.text((12, 8 + number * line_height), line, fill=BANNER_TEXT, font=font)
        buffer = io.BytesIO()
        out.save(buffer, format="PNG")
        return buffer.getvalue()


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        path = font_manager.findfont("DejaVu Sans Mono", fallback_to_default=True)
        return ImageFont.truetype(path, FONT_SIZE)
    except (OSError, ValueError):
        return ImageFont.load_default()
