"""Media type and evidence kind of an acquired file, from its first bytes and its name."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"WARC/", 0, "application/warc"),
)
_SCREENSHOT_NAME = re.compile(r"screen ?shot|screenshot|bildschirmfoto|capture d", re.IGNORECASE)


def sniff_media_type(head: bytes, name: str) -> str:
    """Media type from the file's first bytes; the name only when the bytes say nothing."""
    for magic, offset, media_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"heic", b"heix", b"mif1"}:
            return "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    if not head:
        return "application/x-empty"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def evidence_kind(media_type: str, name: str) -> str:
    """One of ``Evidence.Kind``'s values."""
    if media_type.startswith("image/"):
        return "screenshot" if _SCREENSHOT_NAME.search(Path(name).name) else "image"
    if media_type.startswith("video/"):
        return "video"
    if media_type.startswith("audio/"):
        return "audio"
    if media_type == "application/pdf":
        return "pdf"
    if media_type in {"message/rfc822", "application/mbox"}:
        return "email"
    if media_type in {"application/zip", "application/json", "text/csv"}:
        return "export"
    if media_type.startswith("text/") or "document" in media_type:
        return "document"
    return "other"
