"""Mailboxes in ``mbox`` format: Gmail Takeout, Thunderbird, Apple Mail, ``mutt`` exports.

An mbox is e-mails one after another, each opening with a ``From `` separator line
(``From sender@example.com  Thu Feb 26 17:23:40 1998``; Gmail Takeout writes
``From 1787…@xxx Tue Jan 02 10:00:00 +0000 2024``). The file is read line by line, one
message in memory at a time, so a mailbox of several gigabytes imports in flat memory
(``mailbox.mbox`` is not used: it indexes the whole file). A line counts as a separator only
when it follows a blank line (or opens the file), carries a time and a year, and is followed
by a header line, so an unescaped ``From `` sentence inside a body does not split a message.
Body lines escaped as ``>From `` are unescaped the mboxrd way (one ``>`` is removed from
``>+From ``; for mboxo files this is the same for ``>From ``). Line endings may be mixed.

Each message becomes an item through ``email_eml.message_to_item`` (same fields, headers,
bodies, dates and attachments as ``.eml``), including Gmail's ``X-GM-THRID`` (the
conversation) and ``X-Gmail-Labels`` (decoded, in ``extra["labels"]``). A message without
e-mail headers, or that fails to parse, is ``Unparsed``; the others still import. Text before
the first separator is ``Unparsed`` too; a file with no separator at all is not an mbox.

One unit per mbox file (``.mbox``, ``.mbx``, or a file without extension that starts like
one); positions read ``"<file> message N (line L)"``.

Attachments: ``extra["attachment_parts"][i]["key"]`` is ``[message number, part number,
byte offset of the message's From line]``; ``IMPORTER.attachment_bytes(source, unit, key)``
returns that attachment's decoded bytes, reading the file from the offset on (seeking where
the stream allows) instead of parsing every earlier message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from onrecord.errors import InputError
from onrecord.importers.base import (
    ImportContext,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
)
from onrecord.importers.email_eml import (
    NotAnEmailError,
    looks_like_headers,
    message_attachment_bytes,
    message_to_item,
)
from onrecord.importers.source import Source

_SEPARATOR = re.compile(rb"From \S*[ \t].*\d{1,2}:\d{2}.*\d{4}")
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_ESCAPED = re.compile(rb">(>*From )")
_UNPARSED_RAW = 64 * 1024


@dataclass
class _Chunk:
    """The lines of one message (or of the text before the first one)."""

    number: int  # 0: text before the first separator
    line: int
    offset: int
    separator: bytes
    lines: list[bytes]

    def data(self) -> bytes:
        lines = self.lines
        if lines and not lines[-1].strip():
            lines = lines[:-1]  # the blank line that precedes the next separator
        return b"".join(_ESCAPED.sub(rb"\1", line, count=1) for line in lines)


def split_mbox(stream: Iterable[bytes], first_line: int = 1, offset: int = 0) -> Iterator[_Chunk]:
    """The messages of an mbox stream, one at a time (the text before the first as number 0)."""
    current = _Chunk(0, first_line, offset, b"", [])
    pending: tuple[bytes, int, int] | None = None
    previous_blank = True
    line_number = first_line - 1
    for line in stream:
        line_number += 1
        if pending is not None:
            separator, at_line, at_offset = pending
            pending = None
            if _HEADER_LINE.match(line):
                if current.number or current.lines:
                    yield current
                current = _Chunk(current.number + 1, at_line, at_offset, separator, [])
            else:
                current.lines.append(separator)
        if line.startswith(b"From ") and previous_blank and _SEPARATOR.match(line):
            pending = (line, line_number, offset)
        else:
            current.lines.append(line)
        previous_blank = not line.strip()
        offset += len(line)
    if pending is not None:
        current.lines.append(pending[0])
    if current.number or current.lines:
        yield current


def _text(data: bytes) -> str:
    return data[:_UNPARSED_RAW].decode("utf-8", "replace")


class MboxImporter:
    key = "mbox"
    label = "Mailbox file (.mbox: Gmail Takeout, Thunderbird, Apple Mail)"
    reads = ".mbox files (one unit per file)"

    def _looks_like_mbox(self, source: Source, path: str) -> bool:
        head = source.read_head(path)
        return bool(_SEPARATOR.match(head)) and looks_like_headers(head)

    def _mbox_paths(self, source: Source) -> list[str]:
        found = []
        for path in source.paths():
            name = path.rsplit("/", 1)[-1].lower()
            named = name.endswith((".mbox", ".mbx"))
            maybe = "." not in name or source.kind == "file"
            if named or (maybe and self._looks_like_mbox(source, path)):
                found.append(path)
        return found

    def score(self, source: Source) -> float:
        paths = self._mbox_paths(source)
        if not paths:
            return 0.0
        named = paths[0].lower().endswith((".mbox", ".mbx"))
        if self._looks_like_mbox(source, paths[0]):
            return 1.0 if named else 0.85
        if named and source.size(paths[0]) == 0:
            return 0.5
        return 0.2 if named else 0.0

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in self._mbox_paths(source):
            yield Unit(path=path, label=path)

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        found = False
        with source.open_file(unit.path) as stream:
            for chunk in split_mbox(stream):
                data = chunk.data()
                if chunk.number == 0:
                    if data.strip():
                        yield Unparsed(
                            f"{unit.path} line 1",
                            "Text before the first message (no 'From ' line starts it); "
                            "it was kept as it is.",
                            _text(data),
                        )
                    continue
                found = True
                yield self._item(unit, chunk, data, context)
        if not found and source.size(unit.path) > 0:
            raise ImportFormatError(
                f"{unit.path} does not look like a mailbox: no line starts a message with "
                "'From sender date'. If it is one e-mail, save it as .eml; otherwise export "
                "the mailbox again (for Gmail: Google Takeout, Mail).",
                unit.path,
            )

    def _item(
        self, unit: Unit, chunk: _Chunk, data: bytes, context: ImportContext
    ) -> ImportedItem | Unparsed:
        position = f"{unit.path} message {chunk.number} (line {chunk.line})"
        raw: dict[str, Any] = {
            "mbox_from_line": chunk.separator.rstrip(b"\r\n").decode("utf-8", "replace"),
            "mbox_line": chunk.line,
            "mbox_offset": chunk.offset,
        }
        try:
            item = message_to_item(data, position, context, raw)
        except NotAnEmailError:
            return Unparsed(
                position,
                f"Message {chunk.number} has no e-mail headers (From, To, Date, Subject); "
                "it was kept as it is.",
                _text(data),
            )
        except Exception as exc:  # one damaged message must not stop the mailbox
            return Unparsed(
                position, f"Message {chunk.number} could not be read ({exc}).", _text(data)
            )
        for part in item.extra.get("attachment_parts", []):
            part["key"] = [chunk.number, part["key"], chunk.offset]
        item.attachments = [
            dataclasses.replace(ref, part=[chunk.number, ref.part, chunk.offset])
            if ref.part is not None
            else ref
            for ref in item.attachments
        ]
        return item

    def attachment_bytes(self, source: Source, unit: Unit, key: Sequence[int]) -> bytes:
        """Decoded bytes of the attachment whose ``extra["attachment_parts"]`` key is ``key``.

        ``key`` is ``[message number, part number]`` or, as the importer writes it,
        ``[message number, part number, byte offset]``; with the offset only that message
        is read.
        """
        number, part = int(key[0]), int(key[1])
        offset = int(key[2]) if len(key) > 2 else 0
        with source.open_file(unit.path) as stream:
            if offset:
                _skip(stream, offset)
            for chunk in split_mbox(stream, offset=offset):
                if offset and (chunk.number != 1 or chunk.offset != offset):
                    break  # the offset does not open a message: the file changed
                if offset or chunk.number == number:
                    return message_attachment_bytes(chunk.data(), part)
        raise InputError(f"{unit.path} has no message {number} at the place recorded for it.")


def _skip(stream: IO[bytes], offset: int) -> None:
    if stream.seekable():
        stream.seek(offset)
        return
    left = offset
    while left > 0:
        data = stream.read(min(left, 1 << 20))
        if not data:
            break
        left -= len(data)


IMPORTER = MboxImporter()
