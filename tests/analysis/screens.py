"""Synthetic screenshots for the OCR tests and benchmark: known text rendered with Pillow.

Every name, handle and message here is invented. Fonts are DejaVu, bundled with matplotlib,
so the pictures are the same on every machine.
"""

from __future__ import annotations

import difflib
import functools
import io
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont

from onrecord.analysis.ocr import OcrPage, read_image

FONTS = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
WIDTH, HEIGHT = 1080, 2400


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size
    )


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def similar(a: str, b: str) -> float:
    """How alike two texts are once case and spacing are set aside (1.0: the same)."""

    def norm(text: str) -> str:
        return " ".join(text.lower().split())

    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


@dataclass(frozen=True)
class Bubble:
    side: str  # "left" or "right"
    text: str
    time: str | None = None
    author: str | None = None  # a group chat's name line above a left bubble


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, limit: float
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=face) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def render_chat(
    bubbles: list[tuple[str | None, Bubble]] | list[Bubble],
    *,
    title: str | None = None,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> bytes:
    """A phone chat: status bar, optional header title, centred day separators
    (``(separator, bubble)`` pairs) and bubbles with the time under the text."""
    width, height = size
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    text_face, small = font(40), font(28)
    draw.text((48, 22), "9:41", font=font(34, bold=True), fill="black")
    draw.text((width - 150, 22), "87%", font=font(34), fill="black")
    y = 110
    if title is not None:
        draw.text((40, y + 8), "<", font=font(48), fill=(0, 122, 255))
        name_width = draw.textlength(title, font=font(44, bold=True))
        draw.text(((width - name_width) / 2, y), title, font=font(44, bold=True), fill="black")
        y += 80
    draw.line((0, y + 20, width, y + 20), fill=(220, 220, 220), width=2)
    y += 70
    for entry in bubbles:
        separator, bubble = entry if isinstance(entry, tuple) else (None, entry)
        if separator:
            sep_width = draw.textlength(separator, font=small)
            draw.text(((width - sep_width) / 2, y), separator, font=small, fill=(120, 120, 120))
            y += 70
        if bubble.author:
            draw.text((64, y), bubble.author, font=small, fill=(200, 80, 30))
            y += 44
        lines = _wrap(draw, bubble.text, text_face, 0.68 * width)
        text_width = max(draw.textlength(line, font=text_face) for line in lines)
        time_width = draw.textlength(bubble.time, font=small) if bubble.time else 0
        inner = max(text_width, time_width)
        box_height = 54 * len(lines) + (44 if bubble.time else 0) + 30
        x = 64 if bubble.side == "left" else width - 64 - inner
        fill = (233, 233, 238) if bubble.side == "left" else (0, 122, 255)
        ink = "black" if bubble.side == "left" else "white"
        draw.rounded_rectangle((x - 24, y - 14, x + inner + 24, y + box_height - 14), 34, fill=fill)
        for number, line in enumerate(lines):
            draw.text((x, y + 54 * number), line, font=text_face, fill=ink)
        if bubble.time:
            draw.text(
                (x + inner - time_width, y + 54 * len(lines) + 4),
                bubble.time,
                font=small,
                fill=(90, 90, 90) if bubble.side == "left" else (225, 235, 255),
            )
        y += box_height + 34
    draw.rounded_rectangle(
        (40, height - 130, width - 40, height - 40), 44, outline=(200, 200, 200), width=3
    )
    draw.text((90, height - 108), "Message", font=font(38), fill=(160, 160, 160))
    return png(image)


ONE_TO_ONE = [
    ("Yesterday", Bubble("left", "Hey, are you going to the meeting tonight?", "21:03")),
    (None, Bubble("right", "Yes, see you there", "21:05")),
    ("Today", Bubble("left", "I know where you park your car every day", "10:42")),
    (None, Bubble("left", "Delete your post or you will regret it", "10:43")),
    (None, Bubble("right", "Please stop contacting me", "10:50")),
    (None, Bubble("left", "ok sure", "10:51")),
    (None, Bubble("left", "ok sure", "10:52")),
]

GROUP = [
    Bubble("left", "Did everyone see what she wrote?", "18:20", author="Riley Park"),
    Bubble("left", "Send me her new address", "18:21", author="Casey Lund"),
    Bubble("left", "I have it already", "18:22"),
    Bubble("right", "Leave me alone, all of you", "18:30"),
    Bubble("left", "Nobody will help you", "18:31", author="Riley Park"),
]


def render_post() -> bytes:
    """A social-media post in detail view, then a reply in feed style."""
    width = WIDTH
    image = Image.new("RGB", (width, 1500), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((470, 40), "Post", font=font(44, bold=True), fill="black")
    draw.line((0, 120, width, 120), fill=(230, 230, 230), width=2)
    draw.ellipse((40, 160, 140, 260), fill=(120, 160, 200))
    draw.text((170, 165), "Dana Whitfield", font=font(40, bold=True), fill="black")
    draw.text((170, 220), "@dana_whitfield", font=font(36), fill=(100, 110, 120))
    body = [
        "Everyone should know what kind of",
        "person she really is. Share this",
        "before it gets taken down.",
    ]
    for number, line in enumerate(body):
        draw.text((40, 300 + 60 * number), line, font=font(42), fill="black")
    draw.text((40, 510), "10:42 PM · Mar 3, 2026", font=font(34), fill=(100, 110, 120))
    draw.line((0, 580, width, 580), fill=(230, 230, 230), width=2)
    draw.text((40, 610), "12 Reposts", font=font(34), fill=(100, 110, 120))
    draw.text((400, 610), "40 Likes", font=font(34), fill=(100, 110, 120))
    draw.line((0, 680, width, 680), fill=(230, 230, 230), width=2)
    draw.ellipse((40, 720, 140, 820), fill=(200, 150, 110))
    draw.text((170, 722), "Sam Ortiz", font=font(38, bold=True), fill="black")
    draw.text((390, 725), "@samortiz · 2h", font=font(36), fill=(100, 110, 120))
    reply = ["She deserves everything that is", "coming to her."]
    for number, line in enumerate(reply):
        draw.text((170, 790 + 58 * number), line, font=font(40), fill="black")
    return png(image)


NOTE = [
    "Notes for the police report.",
    "The messages started on the first of",
    "March and came from three accounts.",
    "",
    "Keep every screenshot and write down",
    "the date of each call.",
]


def render_note() -> bytes:
    """A plain note: two paragraphs, no chat, no post."""
    image = Image.new("RGB", (1080, 900), (255, 253, 240))
    draw = ImageDraw.Draw(image)
    y = 80
    for line in NOTE:
        if line:
            draw.text((60, y), line, font=font(42), fill="black")
            y += 60
        else:
            y += 70
    return png(image)


def render_noise(seed: int = 5) -> bytes:
    """A photo-like picture with no text: smooth colour fields and grain."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480))
    pixels = image.load()
    assert pixels is not None
    for y in range(480):
        for x in range(640):
            base = (int(120 + 80 * (x / 640)), int(90 + 100 * (y / 480)), 140)
            pixels[x, y] = tuple(min(255, max(0, c + rng.randint(-18, 18))) for c in base)
    return png(image)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels and holds none (a decompression bomb's
    header): enough for any reader to learn the size before it decodes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def render(name: str) -> bytes:
    """One of the synthetic screenshots by name: one-to-one, group, post, note, noise."""
    makers = {
        "one-to-one": lambda: render_chat(ONE_TO_ONE, title="Jordan Reeve"),
        "group": lambda: render_chat(GROUP),
        "post": render_post,
        "note": render_note,
        "noise": render_noise,
    }
    return makers[name]()


@functools.cache
def page(name: str) -> OcrPage:
    """The OCR of a synthetic screenshot, read once per test session (OCR is slow)."""
    return read_image(render(name))
