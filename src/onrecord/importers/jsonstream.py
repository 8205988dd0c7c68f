"""Streaming JSON for importers: read big exports event by event with ijson, and say
exactly where a broken file breaks (line and byte), so a person knows it is incomplete.

``Tracked`` wraps the byte stream given to ijson; ``build`` rebuilds one value from the
events, ``skip`` reads past one. Used by the Discord, Slack and Telegram importers.
"""

from __future__ import annotations

import ast
import codecs
from collections.abc import Iterator
from typing import IO, Any

from onrecord.importers.base import ImportFormatError


def build(events: Iterator[tuple[str, str, Any]], event: str, value: Any) -> Any:
    """The whole value that starts with ``event`` (the rest is read from ``events``)."""
    if event == "start_map":
        result: dict[str, Any] = {}
        for _prefix, next_event, key in events:
            if next_event == "end_map":
                return result
            _p, start, start_value = next(events)
            result[key] = build(events, start, start_value)
    if event == "start_array":
        items: list[Any] = []
        for _prefix, next_event, next_value in events:
            if next_event == "end_array":
                return items
            items.append(build(events, next_event, next_value))
    return value


def skip(events: Iterator[tuple[str, str, Any]], event: str) -> None:
    """Read past the value that starts with ``event`` without keeping it."""
    depth = 1 if event in ("start_map", "start_array") else 0
    while depth:
        _prefix, next_event, _value = next(events)
        if next_event in ("start_map", "start_array"):
            depth += 1
        elif next_event in ("end_map", "end_array"):
            depth -= 1


class Tracked:
    """A byte stream for ijson that knows where it is, to say where a broken file breaks.

    A leading UTF-8 byte-order mark is dropped (yajl refuses it).
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._started = False
        self.chunk = b""
        self.chunk_start = 0
        self.lines_before = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if not data:
            return data
        start = self.chunk_start + len(self.chunk)
        if not self._started:
            self._started = True
            if data.startswith(codecs.BOM_UTF8):
                data, start = data[3:], 3
        self.lines_before += self.chunk.count(b"\n")
        self.chunk, self.chunk_start = data, start
        return data

    def error(self, path: str, exc: Exception) -> ImportFormatError:
        raw = _message_bytes(str(exc))
        message = raw.decode("utf-8", "replace")
        if "premature EOF" in message or "ncomplete" in message:
            offset, why = len(self.chunk.rstrip()), "the file ends too early"
        else:
            offset = self._offset(raw)
            why = (
                "it holds bytes that are not UTF-8 text"
                if "UTF8" in message
                else "the text there is not valid JSON"
            )
        line = self.lines_before + self.chunk[:offset].count(b"\n") + 1
        byte = self.chunk_start + offset
        return ImportFormatError(
            f"Could not read {path} at line {line:,} (byte {byte:,}): {why}. The export may be "
            "incomplete or damaged: download or export it again.",
            f"{path} line {line}",
        )

    def _offset(self, message: bytes) -> int:
        """Where in the last chunk yajl stopped: find its quoted snippet, read its caret."""
        lines = message.split(b"\n")
        if len(lines) < 3 or b"^" not in lines[2]:
            return len(self.chunk)
        needle = lines[1].lstrip(b" ")
        padding = len(lines[1]) - len(needle)
        found = self.chunk.replace(b"\n", b" ").replace(b"\r", b" ").find(needle)
        if not needle or found < 0:
            return len(self.chunk)
        return max(0, min(len(self.chunk), found + lines[2].index(b"^") - padding - 1))


def _message_bytes(message: str) -> bytes:
    """yajl's message as bytes (ijson gives the repr of bytes when they are not UTF-8)."""
    if message.startswith(("b'", 'b"')):
        try:
            value = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, bytes):
            return value
    return message.encode("utf-8", "replace")


def json_error(path: str, where: str, exc: Exception, again: str) -> ImportFormatError:
    """A clear error for a JSON file that ijson could not read at ``where``.

    ``again`` says where to get the file again ("download it again from Mastodon").
    """
    detail = exc.args[0] if exc.args else ""
    detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    first = (detail.strip().splitlines() or ["unknown error"])[0]
    reason = f"it is not valid JSON ({first})"
    if "premature EOF" in first:
        reason = "the file ends too early"
    elif "UTF8" in first:
        reason = "it holds bytes that are not UTF-8 text"
    return ImportFormatError(
        f"Could not read {path} at {where}: {reason}. The export may be incomplete or "
        f"damaged: {again}. Nothing from this file was imported.",
        f"{path} {where}",
    )
