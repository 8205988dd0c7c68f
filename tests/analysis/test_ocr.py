"""OCR of synthetic screenshots: the text comes back, with boxes, in reading order, offline;
broken and hostile files are refused before they are decoded."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from onrecord.analysis.ocr import MAX_PIXELS, decode_image, read_image
from onrecord.errors import InputError

from .screens import (
    ONE_TO_ONE,
    font,
    page,
    png,
    png_header_only,
    render,
    similar,
)


def best_match(expected: str, lines: list[str]) -> float:
    """The best similarity of ``expected`` to one to three consecutive lines joined."""
    best = 0.0
    for start in range(len(lines)):
        for count in (1, 2, 3):
            best = max(best, similar(expected, " ".join(lines[start : start + count])))
    return best


def test_every_message_of_a_chat_is_read_with_its_box() -> None:
    read = page("one-to-one")
    assert (read.width, read.height) == (1080, 2400)
    texts = [line.text for line in read.lines]
    for _separator, bubble in ONE_TO_ONE:
        assert best_match(bubble.text, texts) >= 0.9, (bubble.text, texts)
    for line in read.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= read.width and 0 <= y0 < y1 <= read.height
        assert 0.5 <= line.confidence <= 1.0
    [stop] = [line for line in read.lines if similar(line.text, "Please stop contacting me") > 0.9]
    assert stop.box[2] > 0.85 * read.width  # a right-hand bubble: the phone owner's
    [title] = [line for line in read.lines if line.text == "Jordan Reeve"]
    assert title.box[1] < 200


def test_lines_come_in_reading_order() -> None:
    lines = page("one-to-one").lines
    for before, after in itertools.pairwise(lines):
        same_row = after.box[1] < before.box[3] and before.box[1] < after.box[3]
        assert after.box[1] >= before.box[1] or same_row
        if same_row:
            assert after.box[0] > before.box[0]
    assert lines[0].text == "9:41" and lines[1].text == "87%"  # the clock left of the battery


def test_the_engine_names_itself_and_its_models() -> None:
    engine = page("note").engine
    assert engine.startswith("rapidocr 3.")
    assert "PP-OCRv6_det_small.onnx sha256:" in engine and "onnxruntime" in engine


def test_a_picture_without_text_reads_as_no_lines() -> None:
    assert page("noise").lines == ()


def test_a_tall_capture_is_read_in_tiles_without_losing_or_doubling_lines() -> None:
    image = Image.new("RGB", (800, 6000), "white")
    draw = ImageDraw.Draw(image)
    wanted = [f"Comment number {n} on the long page" for n in range(1, 16)]
    for number, text in enumerate(wanted):
        draw.text((40, 150 + 380 * number), text, font=font(36), fill="black")
    read = read_image(png(image))
    texts = [line.text for line in read.lines]
    assert len(texts) == len(wanted), texts
    for text, line, number in zip(wanted, read.lines, range(len(wanted)), strict=True):
        assert similar(text, line.text) >= 0.9
        assert abs(line.box[1] - (150 + 380 * number)) < 40  # boxes in the whole image


def test_runs_offline_with_the_models_in_the_package() -> None:
    """In a fresh process where any network connection or model download fails."""
    script = textwrap.dedent(
        """
        import socket, sys
        def refuse(*args, **kwargs):
            raise AssertionError("OCR tried to reach the network")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from rapidocr.utils import download_file
        download_file.DownloadFile.run = staticmethod(refuse)
        sys.path.insert(0, sys.argv[1])
        from analysis.screens import render
        from onrecord.analysis.ocr import read_image
        page = read_image(render("note"))
        print(len(page.lines), page.lines[0].text)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent.parent)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    count, first = done.stdout.split(" ", 1)
    assert int(count) == 5 and similar(first, "Notes for the police report.") >= 0.9


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"just some text, not a picture", "not an image"),
        (render("note")[:2000], "truncated or damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "truncated or damaged"),
        (png_header_only(50_000, 50_000), "pixels"),
        (png_header_only(9_000, 9_000), "9,000 x 9,000"),
    ],
    ids=["empty", "text", "truncated", "garbage-after-signature", "bomb", "too-many-pixels"],
)
def test_broken_and_hostile_files_are_refused_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(InputError) as refused:
        read_image(data)
    assert words in str(refused.value)
    assert "stays stored" in str(refused.value) or data == b""


def test_the_pixel_limit_is_checked_before_decoding() -> None:
    assert 9_000 * 9_000 > MAX_PIXELS > 1080 * 2400
    with pytest.raises(InputError, match="was not opened"):
        decode_image(png_header_only(9_000, 9_000))  # holds no pixels: decoding would fail


def test_transparency_becomes_white_and_exif_rotation_is_applied() -> None:
    clear = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
    pixels = decode_image(png(clear))
    assert pixels.shape == (20, 30, 3) and pixels.min() == 255
    rotated = Image.new("RGB", (30, 20), "red")
    exif = rotated.getexif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to show
    out = io.BytesIO()
    rotated.save(out, format="JPEG", exif=exif)
    assert decode_image(out.getvalue()).shape == (30, 20, 3)
