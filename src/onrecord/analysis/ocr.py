"""Reading the text in an image (OCR), offline, with the models installed beside the code.

Screenshots are most victims' evidence, so an image becomes lines of text with where each
line sits (pixel boxes) and how sure the engine is. The engine is RapidOCR (PP-OCR models
run by ONNX Runtime) with the detection and recognition models its wheel ships: every
model path is given explicitly, so nothing is ever downloaded, and an image is handed over
as decoded pixels, never as a path or URL the engine might fetch. The engine is loaded once
per process, on first use (loading takes about a second).

Untrusted bytes are checked before they are decoded: the pixel count in the header is
refused above ``MAX_PIXELS`` (a small PNG can claim 50,000 x 50,000 pixels), and a file
that is empty, truncated or not an image raises ``InputError`` saying so.

Tesseract is not used: RapidOCR is a required dependency, and one engine gives one
``engine`` string per result that says exactly what read the text.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from onrecord.errors import ConfigError, InputError

MAX_PIXELS = 60_000_000  # a 1280 x 46,000 full-page capture; far above any phone screen
MAX_SIDE = 2000  # the engine shrinks an image to this longest side before it reads it
TALL = 2.5  # an image taller than this many widths is read in overlapping tiles
TILE = 2.0  # tile height, in widths
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM", b"II*\x00", b"MM\x00*")
MIN_CONFIDENCE = 0.5  # the engine drops lines it is less sure of than this

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class OcrLine:
    """One line of text as the engine read it."""

    text: str
    box: Box  # x0, y0, x1, y1 in pixels of the image as stored
    confidence: float  # 0..1, the engine's own score


@dataclass(frozen=True)
class OcrPage:
    """Every line read from one image, in reading order (top to bottom, left to right)."""

    width: int
    height: int
    lines: tuple[OcrLine, ...]
    engine: str  # name, version and models: what read it


class OcrEngine:
    """RapidOCR with the shipped models, and the string that names it.

    ``options`` (RapidOCR's dotted parameter names) change the defaults chosen here; the
    benchmark uses them to compare settings. Any option shows in the engine's name.
    """

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        try:
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as exc:  # a broken install: say what to do
            raise ConfigError(
                f"The OCR engine (rapidocr) cannot be loaded ({exc}). Reinstall onrecord "
                "with its dependencies (pip install onrecord) to read text in images."
            ) from None
        models = Path(rapidocr.__file__).resolve().parent / "models"
        det, rec = models / "PP-OCRv6_det_small.onnx", models / "PP-OCRv6_rec_small.onnx"
        for model in (det, rec):
            if not model.is_file():
                raise ConfigError(
                    f"The OCR model {model.name} is missing from {models}: this rapidocr "
                    "install does not ship it. Reinstall rapidocr (pip install --force-reinstall "
                    "rapidocr); onrecord never downloads models."
                )
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,  # screenshots are upright; the 180-degree check costs time
            "Global.max_side_len": MAX_SIDE,
            "Global.text_score": MIN_CONFIDENCE,
            "Global.model_root_dir": str(models),
            "Det.model_path": str(det),
            "Rec.model_path": str(rec),
            "Cls.model_path": str(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
        }
        params.update(options or {})
        self.reader = RapidOCR(params=params)
        self.name = (
            f"rapidocr {metadata.version('rapidocr')} "
            f"(onnxruntime {metadata.version('onnxruntime')}; "
            f"{det.name} sha256:{_file_sha256(det)[:16]}, "
            f"{rec.name} sha256:{_file_sha256(rec)[:16]})"
        )
        if options:
            self.name += " options " + ", ".join(f"{k}={v}" for k, v in sorted(options.items()))
        self.lock = threading.Lock()  # one image at a time: the sessions use every core

    def read(self, pixels: np.ndarray) -> list[OcrLine]:
        """Lines of one BGR image (shape h x w x 3), boxes in its own pixels."""
        with self.lock:
            result = self.reader(pixels)
        boxes, texts, scores = (getattr(result, n, None) for n in ("boxes", "txts", "scores"))
        if boxes is None or texts is None or scores is None:
            return []
        height, width = pixels.shape[:2]
        lines = []
        for points, text, score in zip(boxes, texts, scores, strict=True):
            xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
            box = (
                _clamp(min(xs), width),
                _clamp(min(ys), height),
                _clamp(max(xs), width),
                _clamp(max(ys), height),
            )
            cleaned = " ".join(str(text).split())
            if cleaned:
                lines.append(OcrLine(cleaned, box, round(float(score), 4)))
        return lines


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def engine() -> OcrEngine:
    """The process's engine, loaded on first use."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = OcrEngine()
    return _engine


def engine_name() -> str:
    """What reads images here: engine, version and models (loads the engine)."""
    return engine().name


def read_image(data: bytes, *, using: OcrEngine | None = None) -> OcrPage:
    """Every line of text in an image file's bytes (PNG, JPEG, GIF, WebP, BMP, TIFF);
    ``using`` another engine than the process's own (the benchmark compares settings)."""
    pixels = decode_image(data)
    height, width = pixels.shape[:2]
    reader = using or engine()
    lines: list[OcrLine] = []
    for top, bottom, keep_from, keep_to in _tiles(width, height):
        for line in reader.read(pixels[top:bottom]):
            x0, y0, x1, y1 = line.box
            middle = top + (y0 + y1) / 2
            if keep_from <= middle < keep_to:
                lines.append(OcrLine(line.text, (x0, y0 + top, x1, y1 + top), line.confidence))
    return OcrPage(width, height, reading_order(lines), reader.name)


def decode_image(data: bytes) -> np.ndarray:
    """The image's pixels as BGR (what the engine takes), upright as its EXIF says.

    Refuses, with ``InputError``, bytes that are not a whole image and images over
    ``MAX_PIXELS`` (checked from the header, before any pixel is decoded).
    """
    if not data:
        raise InputError("The file is empty (0 bytes), so there is no picture to read.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InputError(
                    f"The image says it is {width:,} x {height:,} pixels, more than the "
                    f"{MAX_PIXELS:,} pixels onrecord reads; it was not opened (a file this "
                    "size is usually broken or built to exhaust memory). It stays stored as "
                    "it is; crop or split it to read its text."
                )
            image.seek(0)  # the first frame of an animation
            image.load()
            image = ImageOps.exif_transpose(image) or image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"The image claims more than {MAX_PIXELS:,} pixels; it was not opened. "
            "It stays stored as it is."
        ) from None
    except UnidentifiedImageError:
        if data.startswith(_IMAGE_MAGIC):
            raise InputError(
                "The file starts like an image but cannot be decoded: it is probably "
                "truncated or damaged. It stays stored as it is; take or download the picture "
                "again to read its text."
            ) from None
        raise InputError(
            "The file is not an image this install can read (PNG, JPEG, GIF, WebP, BMP or "
            "TIFF). It stays stored as it is; export it as PNG to read its text."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(
            f"The image cannot be decoded ({exc}): it is probably truncated or damaged. "
            "It stays stored as it is; take or download the picture again to read its text."
        ) from None
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def reading_order(lines: list[OcrLine]) -> tuple[OcrLine, ...]:
    """Top to bottom; lines whose middles share a row, left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda one: (one.box[1], one.box[0])):
        if rows and _same_row(rows[-1][0].box, line.box):
            rows[-1].append(line)
            continue
        rows.append([line])
    return tuple(line for row in rows for line in sorted(row, key=lambda one: one.box[0]))


def _same_row(first: Box, other: Box) -> bool:
    """Each line's middle lies within the other's height (a tall avatar or a big title
    beside two small lines does not pull them into one row)."""
    first_middle, other_middle = (first[1] + first[3]) / 2, (other[1] + other[3]) / 2
    return first[1] <= other_middle <= first[3] and other[1] <= first_middle <= other[3]


def _tiles(width: int, height: int) -> list[tuple[int, int, float, float]]:
    """(top, bottom, keep from, keep to) of each tile a tall image is read in.

    The engine shrinks an image to ``MAX_SIDE`` pixels on its longest side, which makes the
    text of a tall full-page capture too small to read; tiles about two widths tall, with
    an overlap, keep it legible. A line is kept from the tile where its middle is farthest
    from a cut, so a line crossing one cut is read whole from the neighbouring tile.
    """
    if height <= max(MAX_SIDE, TALL * width):
        return [(0, height, float("-inf"), float("inf"))]
    tile = max(int(TILE * width), 400)
    overlap = max(tile // 5, 120)
    step = tile - overlap
    tops = list(range(0, max(height - tile, 0) + step, step))
    tops = [t for t in tops if t < height]
    out = []
    for number, top in enumerate(tops):
        bottom = min(top + tile, height)
        keep_from = float("-inf") if number == 0 else top + overlap / 2
        keep_to = float("inf") if number == len(tops) - 1 else bottom - overlap / 2
        out.append((top, bottom, keep_from, keep_to))
        if bottom == height:
            out[-1] = (top, bottom, keep_from, float("inf"))
            break
    return out


def _clamp(value: float, limit: int) -> int:
    return max(0, min(round(value), limit))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = [
    "MAX_PIXELS",
    "OcrEngine",
    "OcrLine",
    "OcrPage",
    "decode_image",
    "engine_name",
    "read_image",
]
