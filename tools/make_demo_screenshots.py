"""Regenerate the demo's synthetic screenshots (run by hand; needs Pillow and DejaVu fonts).

The people, handles and messages are invented for onrecord's demo and tests.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "src" / "onrecord" / "demo" / "data"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

SCREENS = {
    "screenshot-dm-2026-10-14.png": [
        ("n1ght_watch_4417", "Oct 14, 2026 11:52 PM", "nobody wants you here. log off for good"),
        (
            "n1ght_watch_4417",
            "Oct 14, 2026 11:53 PM",
            "you think blocking me works? i have 6 accounts",
        ),
    ],
    "screenshot-post-2026-10-20.png": [
        (
            "n1ght_watch_4417",
            "Oct 20, 2026 8:03 AM",
            "Sam Rivera lives at 4417 Birchwood Lane, Fairview. go say hi",
        ),
    ],
}


def render(name: str, rows: list[tuple[str, str, str]]) -> None:
    width, line = 720, 96
    image = Image.new("RGB", (width, 40 + line * len(rows)), "white")
    draw = ImageDraw.Draw(image)
    bold, regular = ImageFont.truetype(BOLD, 22), ImageFont.truetype(FONT, 22)
    small = ImageFont.truetype(FONT, 16)
    y = 20
    for author, when, text in rows:
        draw.text((24, y), "@" + author, font=bold, fill="#111111")
        draw.text((360, y + 4), when, font=small, fill="#666666")
        draw.text((24, y + 36), text, font=regular, fill="#111111")
        y += line
    image.save(OUT / name, optimize=True)


if __name__ == "__main__":
    for filename, rows in SCREENS.items():
        render(filename, rows)
