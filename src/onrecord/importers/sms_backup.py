"""Android "SMS Backup & Restore" (SyncTech) XML backups: ``sms-*.xml`` and ``calls-*.xml``.

``<smses count backup_date>`` holds ``<sms …/>`` (``address``, ``date`` in epoch ms UTC,
``type`` 1 received / 2 sent / 3 draft / 4 outbox / 5 failed / 6 queued, ``body``,
``contact_name``, ``readable_date``) and ``<mms …>`` (``date`` in ms, or seconds when below
10^11, ``msg_box`` 1 in / 2 out, ``address`` joined by ``~`` for groups, ``<parts><part seq
ct text data/></parts>`` and ``<addrs><addr address type/></addrs>`` with types 137 from,
151 to, 130 cc, 129 bcc). ``<calls>`` holds ``<call number duration date type/>``; each call
becomes a ``system`` item ("Call from N, duration S s", "Missed call from N", …): a run of
calls is evidence.

Handled: files of hundreds of MB (``iterparse``, each top-level element cleared once read);
emoji written as UTF-16 surrogate references (``&#55357;&#56838;``), which strict parsers
reject — a streaming reader rewrites each pair into one reference (``&#128518;``) before
parsing, holding back a reference cut by a read boundary, and turns a lone surrogate into
U+FFFD (``extra["notes"]`` says so); ``&#10;`` newlines in attributes; literal ``"null"``
values (empty); ``contact_name="(Unknown)"`` (no name); a ``count`` that does not match the
children (ignored); SMIL parts (``seq="-1"``, skipped); invalid base64 in an MMS part (the
attachment is reported missing with the reason, the message imports); a truncated or
invalid file (``ImportFormatError`` with line and column).

The phone owner is the account ``me``. SMS have no id: ``platform_id`` is None and
``extra["dedupe_key"]`` (SHA-256 of ``address|date|type|body``) lets overlapping backups be
de-duplicated. ``conversation`` is the normalised number (spaces, dashes, dots and brackets
removed), or the sorted numbers joined by ``~`` for a group.

MMS attachments: ``AttachmentRef(name)`` plus ``extra["attachment_parts"]`` entries
``{"key", "name", "content_type", "size", "sha256"}``; ``IMPORTER.attachment_bytes(source,
unit, key)`` returns the decoded bytes for one key (it reads the file up to that MMS), and
``IMPORTER.iter_attachment_bytes(source, unit)`` yields ``(key, bytes)`` for all in one pass.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO, Any

from onrecord.errors import InputError
from onrecord.importers.base import (
    AttachmentRef,
    ImportContext,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
)
from onrecord.importers.source import Source

PLATFORM = "sms"
ME = ImportedAccount(PLATFORM, platform_id="me", handle="me", display_name="me")
_REF = rb"&#(?:[xX]0*([dD][89a-fA-F][0-9a-fA-F]{2})|0*(5[5-7][0-9]{3}));"
_SURROGATE_REF = re.compile(_REF)
_REF_AND_NEXT = re.compile(_REF + rb"(?:(?=" + _REF + rb")|)")  # groups 3, 4: the next one
_PARTIAL_REF = re.compile(rb"&(?:#(?:[xX][0-9a-fA-F]*|[0-9]*))?")
_LONE = b"&#64976;"  # U+FDD0, a noncharacter: marks a lone surrogate until the text is read
_MARK = "\ufdd0"
_SMS_TYPES = {"1": "received", "2": "sent", "3": "draft", "4": "outbox", "5": "failed"}
_SMS_TYPES |= {"6": "queued"}
_CALLS = {"1": "Call from", "2": "Call to", "3": "Missed call from", "4": "Voicemail from"}
_CALLS |= {"5": "Rejected call from", "6": "Blocked call from"}
_ADDR_TO = {"151", "130", "129"}


# -- repairing surrogate references while streaming --------------------------------------------


def _value(hexa: bytes | None, decimal: bytes | None) -> int:
    return int(hexa, 16) if hexa else int(decimal) if decimal else 0


def repair_surrogates(data: bytes) -> tuple[bytes, int]:
    """Pairs of surrogate references joined into one; lone ones marked. Returns the count."""
    skip, lone = False, 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal skip, lone
        if skip:  # the low half of a pair already written
            skip = False
            return b""
        value = _value(match.group(1), match.group(2))
        if not 0xD800 <= value <= 0xDFFF:
            return match.group(0)
        after = _value(match.group(3), match.group(4))
        if value < 0xDC00 and 0xDC00 <= after <= 0xDFFF:
            skip = True
            return b"&#%d;" % (0x10000 + ((value - 0xD800) << 10) + (after - 0xDC00))
        lone += 1
        return _LONE

    return _REF_AND_NEXT.sub(replace, data), lone


def _safe_end(data: bytes) -> int:
    """Where to cut ``data`` so that no reference (or surrogate pair) is split."""
    amp = data.rfind(b"&", max(0, len(data) - 24))
    if amp == -1:
        return len(data)
    tail = data[amp:]
    if _PARTIAL_REF.fullmatch(tail):
        found = list(_SURROGATE_REF.finditer(data, max(0, amp - 24), amp))
        before = found[-1] if found else None
        if before and before.end() == amp and 0xD800 <= _value(*before.groups()) < 0xDC00:
            return before.start()  # a high surrogate whose low half may follow
        return amp
    whole = _SURROGATE_REF.fullmatch(tail)
    if whole and 0xD800 <= _value(*whole.groups()) < 0xDC00:
        return amp  # a high surrogate: its pair may be in the next read
    return len(data)


class SurrogateRepairReader:
    """A binary stream that rewrites surrogate references as it is read."""

    def __init__(self, inner: IO[bytes], chunk_size: int = 1 << 14) -> None:
        self._inner = inner
        self._chunk = chunk_size
        self._pending = b""
        self._ready = bytearray()
        self._done = False
        self.lone = 0

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._ready) < size):
            data = self._inner.read(self._chunk)
            buffer = self._pending + data
            if not data:
                self._done, cut = True, len(buffer)
            else:
                cut = _safe_end(buffer)
            repaired, lone = repair_surrogates(buffer[:cut])
            self._ready += repaired
            self._pending = buffer[cut:]
            self.lone += lone
        size = len(self._ready) if size < 0 else size
        out = bytes(self._ready[:size])
        del self._ready[:size]
        return out


# -- fields ----------------------------------------------------------------------------------


def _attr(element: ET.Element, name: str) -> str:
    value = element.get(name) or ""
    return "" if value == "null" else value.replace(_MARK, "\ufffd")


def _attrs(element: ET.Element) -> dict[str, str]:
    return {k: v.replace(_MARK, "\ufffd") for k, v in element.attrib.items()}


def _shown(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode").strip().replace(_MARK, "\ufffd")


def normalise(address: str) -> str:
    """A phone number without spaces, dashes, dots or brackets; names are kept as written."""
    return (
        re.sub(r"[\s\-().]", "", address) if re.fullmatch(r"[\d\s\-().+*#]+", address) else address
    )


def _conversation(addresses: list[str]) -> str:
    return "~".join(sorted({normalise(a) for a in addresses if a}))


def _epoch(text: str, extra: dict[str, Any]) -> dt.datetime | None:
    try:
        value = int(text)
        if value < 10**11:
            value *= 1000
            extra["date_unit"] = "seconds"
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    except (ValueError, OverflowError, OSError):
        if text:
            extra["notes"] = [*extra.get("notes", []), f'The date "{text}" is not a time.']
        return None


def _key(*fields: str) -> str:
    return hashlib.sha256("|".join(fields).encode("utf-8", "replace")).hexdigest()


def _other(address: str, contact: str) -> ImportedAccount | None:
    """The other party; None for a withheld number."""
    if not address:
        return None
    name = "" if contact == "(Unknown)" or "~" in address else contact
    return ImportedAccount(PLATFORM, normalise(address), handle=address, display_name=name)


# -- records ---------------------------------------------------------------------------------


def _sms(element: ET.Element, position: str) -> ImportedItem:
    address, date, kind = _attr(element, "address"), _attr(element, "date"), _attr(element, "type")
    body, contact = _attr(element, "body"), _attr(element, "contact_name")
    if not address and not body:
        raise ValueError("an <sms> with neither an address nor a text")
    extra: dict[str, Any] = {
        "type": _SMS_TYPES.get(kind, kind),
        "dedupe_key": _key(address, date, kind, body),
    }
    readable = _attr(element, "readable_date")
    extra |= {"readable_date": readable, "contact_name": "" if contact == "(Unknown)" else contact}
    incoming = kind == "1"
    return ImportedItem(
        platform=PLATFORM,
        kind="sms",
        position=position,
        text=body,
        author=_other(address, contact) if incoming else ME,
        sent_at=_epoch(date, extra),
        sent_at_original=readable or date,
        recipients=["me"] if incoming else [normalise(a) for a in address.split("~")],
        conversation=_conversation(address.split("~")),
        raw=_attrs(element),
        extra=extra,
    )


def _mms_parts(element: ET.Element, number: int) -> Iterator[tuple[str, ET.Element]]:
    """(key, part) for every binary part (not text, not SMIL) of MMS ``number``."""
    for index, part in enumerate(element.iterfind("parts/part")):
        ctype = _attr(part, "ct").lower()
        if _attr(part, "seq") == "-1" or ctype in {"application/smil", "text/plain"}:
            continue
        yield f"mms {number} part {index}", part


def _decode_part(part: ET.Element) -> bytes:
    """A part's base64 ``data`` decoded; ValueError (binascii.Error) when absent or invalid."""
    data = "".join(_attr(part, "data").split())
    if not data:
        raise ValueError("the part has no data")
    return base64.b64decode(data, validate=True)


def _mms_attachments(
    element: ET.Element, number: int
) -> tuple[list[AttachmentRef], list[dict[str, Any]]]:
    attachments: list[AttachmentRef] = []
    described: list[dict[str, Any]] = []
    for key, part in _mms_parts(element, number):
        name = _attr(part, "cl") or _attr(part, "fn") or _attr(part, "name") or key
        if not _attr(part, "data"):
            attachments.append(AttachmentRef(name, missing="not included in the backup"))
            continue
        try:
            data = _decode_part(part)
        except (binascii.Error, ValueError) as exc:
            reason = f"the backup holds damaged data for this file (invalid base64: {exc})"
            attachments.append(AttachmentRef(name, missing=reason))
            continue
        attachments.append(AttachmentRef(name, part=key))
        entry = {"key": key, "name": name, "content_type": _attr(part, "ct"), "size": len(data)}
        described.append(entry | {"sha256": hashlib.sha256(data).hexdigest()})
    return attachments, described


def _raw_part(part: ET.Element) -> dict[str, str]:
    return {
        k: f"<{len(v)} base64 characters>" if k == "data" else v for k, v in _attrs(part).items()
    }


def _mms(element: ET.Element, position: str, number: int) -> ImportedItem:
    address, date, box = (
        _attr(element, "address"),
        _attr(element, "date"),
        _attr(element, "msg_box"),
    )
    parts = list(element.iterfind("parts/part"))
    text_parts = [p for p in parts if _attr(p, "ct").lower() == "text/plain"]
    text = "\n".join(
        _attr(p, "text") for p in text_parts if _attr(p, "seq") != "-1" and _attr(p, "text")
    )
    addrs = [(_attr(a, "address"), _attr(a, "type")) for a in element.iterfind("addrs/addr")]
    others = [a for a, _ in addrs if a and a != "insert-address-token"]
    sender = next((a for a, t in addrs if t == "137" and a in others), "")
    attachments, described = _mms_attachments(element, number)
    contact, readable = _attr(element, "contact_name"), _attr(element, "readable_date")
    extra: dict[str, Any] = {
        "msg_box": {"1": "received", "2": "sent"}.get(box, box),
        "readable_date": readable,
        "contact_name": "" if contact == "(Unknown)" else contact,
        "addrs": [{"address": a, "type": t} for a, t in addrs],
        "attachment_parts": described,
        "dedupe_key": _key(address, date, box, text),
    }
    if _attr(element, "sub"):
        extra["subject"] = _attr(element, "sub")
    incoming = box == "1"
    return ImportedItem(
        platform=PLATFORM,
        kind="sms",
        position=position,
        text=text,
        author=_other(sender or address, contact) if incoming else ME,
        sent_at=_epoch(date, extra),
        sent_at_original=readable or date,
        recipients=[normalise(a) for a, t in addrs if t in _ADDR_TO and a in others],
        conversation=_conversation(address.split("~") if address else others),
        attachments=attachments,
        raw={
            "mms": _attrs(element),
            "addrs": [_attrs(a) for a in element.iterfind("addrs/addr")],
            "parts": [_raw_part(p) for p in parts],
        },
        extra=extra,
    )


def _call(element: ET.Element, position: str) -> ImportedItem:
    number, kind = _attr(element, "number"), _attr(element, "type")
    duration, date = _attr(element, "duration") or "0", _attr(element, "date")
    shown = number or "a withheld number"
    text = f"{_CALLS.get(kind, f'Call (type {kind}) with')} {shown}"
    if kind in {"1", "2", "4"} or kind not in _CALLS:
        text += f", duration {duration} s"
    extra: dict[str, Any] = {"call_type": kind, "duration_s": duration}
    readable, contact = _attr(element, "readable_date"), _attr(element, "contact_name")
    extra |= {"readable_date": readable, "dedupe_key": _key(number, date, kind, duration)}
    return ImportedItem(
        platform=PLATFORM,
        kind="system",
        position=position,
        text=text,
        author=ME if kind == "2" else _other(number, contact),
        sent_at=_epoch(date, extra),
        sent_at_original=readable or date,
        recipients=[normalise(number)] if kind == "2" else ["me"],
        conversation=normalise(number),
        raw=_attrs(element),
        extra=extra,
    )


# -- the importer ----------------------------------------------------------------------------


def _elements(source: Source, unit: Unit) -> Iterator[tuple[str, int, ET.Element]]:
    """(tag, number among its tag, element) for each child of the root, then cleared."""
    counts: dict[str, int] = {}
    with source.open_file(unit.path) as stream:
        reader = SurrogateRepairReader(stream)
        depth = 0
        root: ET.Element | None = None
        try:
            for event, element in ET.iterparse(reader, events=("start", "end")):  # noqa: S314
                # safe: expat >= 2.4 bounds entity expansion; external entities are never fetched
                if event == "start":
                    depth += 1
                    if root is None:
                        root = element
                        if element.tag not in {"smses", "calls"}:
                            raise ImportFormatError(
                                f"{unit.path} is not an SMS Backup & Restore file (its "
                                f"content is <{element.tag}>, not <smses> or <calls>).",
                                unit.path,
                            )
                    continue
                depth -= 1
                if depth == 1 and root is not None:
                    counts[element.tag] = counts.get(element.tag, 0) + 1
                    yield f"{root.tag}/{element.tag}", counts[element.tag], element
                    root.clear()
        except ET.ParseError as exc:
            line, column = exc.position[0], exc.position[1] + 1  # expat counts from 0
            reason = str(exc).split(":")[0]
            raise ImportFormatError(
                f"Could not read {unit.path} at line {line:,}, column {column}: {reason}. "
                "The backup may be incomplete or damaged — copy it from the phone again, or "
                "make a new backup with SMS Backup & Restore.",
                f"{unit.path} line {line}",
            ) from None


class SmsBackupImporter:
    key = "sms-backup"
    label = "Android SMS Backup & Restore (XML)"
    reads = "sms-*.xml and calls-*.xml from SMS Backup & Restore"

    def _kind(self, source: Source, path: str) -> str:
        head = source.read_head(path)
        if b"<smses" in head:
            return "smses"
        if b"<calls" in head and b"<call " in head:
            return "calls"
        return ""

    def score(self, source: Source) -> float:
        kinds = [self._kind(source, p) for p in source.paths() if p.lower().endswith(".xml")]
        if "smses" in kinds:
            return 1.0
        return 0.9 if "calls" in kinds else 0.0

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in source.paths():
            if path.lower().endswith(".xml") and self._kind(source, path):
                yield Unit(path=path, label=path)

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        for tag, number, element in _elements(source, unit):
            position = f"{unit.path} /{tag}[{number}]"
            try:
                if tag == "smses/sms":
                    item = _sms(element, position)
                elif tag == "smses/mms":
                    item = _mms(element, position, number)
                elif tag == "calls/call":
                    item = _call(element, position)
                else:
                    yield Unparsed(
                        position,
                        f"A record of an unknown kind <{element.tag}> (not an SMS, MMS or call).",
                        _shown(element),
                    )
                    continue
            except ValueError as exc:
                yield Unparsed(
                    position,
                    f"Could not read this record: {exc}.",
                    _shown(element),
                )
                continue
            if any(_MARK in v for e in element.iter() for v in e.attrib.values()):
                note = "A character was written as half of an emoji code and is shown as \ufffd."
                item.extra["notes"] = [*item.extra.get("notes", []), note]
            yield item

    def iter_attachment_bytes(self, source: Source, unit: Unit) -> Iterator[tuple[str, bytes]]:
        """(key, decoded bytes) of every readable MMS attachment of the unit, in one pass."""
        for tag, number, element in _elements(source, unit):
            if tag == "smses/mms":
                for key, part in _mms_parts(element, number):
                    try:
                        yield key, _decode_part(part)
                    except (binascii.Error, ValueError):
                        continue

    def attachment_bytes(self, source: Source, unit: Unit, key: str) -> bytes:
        """Decoded bytes of the attachment with this ``extra["attachment_parts"]`` key."""
        match = re.fullmatch(r"mms (\d+) part \d+", key)
        if match:
            wanted = int(match.group(1))
            for tag, number, element in _elements(source, unit):
                if tag == "smses/mms" and number == wanted:
                    for found, part in _mms_parts(element, number):
                        if found == key:
                            try:
                                return _decode_part(part)
                            except (binascii.Error, ValueError):
                                break
                    break
        raise InputError(f"{unit.path} has no readable attachment {key!r}.")


IMPORTER = SmsBackupImporter()
