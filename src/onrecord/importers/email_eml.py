"""E-mail saved as ``.eml`` files: one RFC 5322 / MIME message per file.

A unit is one ``.eml`` file (given alone, or in a folder or zip of them; a single file with
another name is read when its first lines are e-mail headers). Parsing uses the standard
``email`` package with ``policy.default``; a header that policy cannot parse (it raises on
some malformed address and id headers) is decoded with the ``compat32`` rules instead, and
8-bit header bytes are read as UTF-8, or shown as U+FFFD with a note in
``extra["header_notes"]`` (the bytes stay in ``raw["headers"]`` as ``\\xNN`` escapes).

Handled: encoded-word headers (``=?UTF-8?B?``, ``=?iso-8859-1?Q?``, ``=?GB2312?B?``), display
names holding commas, line breaks or another address; base64, quoted-printable, 7bit and
8bit bodies; a charset per part (an unknown or missing charset is read as UTF-8 when the
bytes allow, else Latin-1, and ``extra["charset_notes"]`` says so); mixed line endings;
HTML-only mail (converted to text, the HTML kept in ``extra["html"]``); a ``Date`` that is
missing or invalid (the newest readable ``Received:`` date is used, and
``extra["date_source"]`` says ``"date header"``, ``"received header"`` or ``"none"``);
threading by ``References`` / ``In-Reply-To`` / ``Message-ID`` and Gmail's ``X-GM-THRID``;
Gmail's ``X-Gmail-Labels`` (decoded, in ``extra["labels"]``). ``extra["headers"]`` keeps
every header, decoded, as ``[name, value]`` pairs in order (every ``Received`` line).

Attachments: every part with ``Content-Disposition: attachment``, a file name (RFC 2231
``filename*=`` too), a non-text type, or ``message/rfc822`` (a forwarded message, kept
whole). Each is an ``AttachmentRef(name)`` (no path: the bytes are inside the message) and
an entry of ``extra["attachment_parts"]``: ``{"key", "name", "content_type", "size",
"sha256"}`` (plus ``"note"`` when its base64 was damaged). ``IMPORTER.attachment_bytes(
source, unit, key)`` returns the decoded bytes of the attachment whose ``"key"`` (an int,
counting from 0) was given, so the caller can store them as evidence.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.errors import InvalidBase64CharactersDefect, InvalidBase64PaddingDefect
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_tz
from html.parser import HTMLParser
from typing import Any

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

PLATFORM = "email"
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+")
_IDS = re.compile(r"<[^<>]*>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_ZONE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s*(?P<zone>[+-]\d{4}|[A-Za-z]+)?")
_KNOWN_ZONES = {"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
_VERBATIM = {"message-id", "in-reply-to", "references", "x-gm-thrid", "date"}
_EMAIL_HEADERS = {"from", "to", "date", "subject", "message-id", "received", "mime-version"}
_KNOWN_HEADERS = _EMAIL_HEADERS | {"x-gm-thrid", "delivered-to", "return-path", "dkim-signature"}
_HTML_HIDDEN = {"script", "style", "head", "title", "noscript", "template"}
_HTML_BLOCKS = {"br", "p", "div", "tr", "li", "table", "hr", "blockquote", "pre", "ul", "ol"}
_HTML_BLOCKS |= {f"h{level}" for level in range(1, 7)}
_BAD_BASE64 = (InvalidBase64CharactersDefect, InvalidBase64PaddingDefect)


class NotAnEmailError(ValueError):
    """The bytes hold no e-mail headers."""


# -- headers ---------------------------------------------------------------------------------


@dataclass
class _Header:
    name: str
    raw: str  # unfolded, 8-bit bytes as \xNN escapes (JSON-able)
    value: str  # decoded
    parsed: Any = None  # the policy.default header object, when it parsed


@dataclass
class _Headers:
    items: list[_Header] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def all(self, name: str) -> list[_Header]:
        return [h for h in self.items if h.name.lower() == name]

    def first(self, name: str) -> str:
        found = self.all(name)
        return found[0].value.strip() if found else ""


def _read_headers(message: Message) -> _Headers:
    headers = _Headers()
    for name, raw in message.raw_items():
        text = _FOLD.sub("", str(raw)).replace("\r", "").replace("\n", "")
        shown = text
        if any("\udc80" <= char <= "\udcff" for char in text):
            data = text.encode("utf-8", "surrogateescape")
            shown = data.decode("utf-8", "backslashreplace")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("utf-8", "replace")
                headers.notes.append(
                    f"The {name} header holds bytes that are not UTF-8; they are shown as \ufffd."
                )
        parsed: Any = None
        if name.lower() in _VERBATIM:
            value = text.strip()
        else:
            try:
                parsed = policy.default.header_fetch_parse(name, text)
                value = str(parsed)
            except Exception:  # policy.default raises on some malformed headers
                parsed = None
                value = _compat_decode(text)
        headers.items.append(_Header(name, shown, value, parsed))
    return headers


def _compat_decode(text: str) -> str:
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # an encoded word that cannot be decoded: keep the text as written
        return text


def _addresses(headers: _Headers, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) of every address in every ``name`` header."""
    found: list[tuple[str, str]] = []
    for header in headers.all(name):
        pairs = [(a.display_name, a.addr_spec) for a in getattr(header.parsed, "addresses", ())]
        if header.parsed is None:
            pairs = getaddresses([header.value])
        if not all(_ADDRESS.fullmatch(address.strip()) for _, address in pairs):
            pairs = [("", found) for found in _ADDRESS.findall(header.value)] or pairs
        for display, address in pairs:
            if address.strip():
                found.append((" ".join(display.split()), address.strip().lower()))
    return found


def _first_id(text: str) -> str:
    ids = _IDS.findall(text)
    return ids[0] if ids else text.strip()


def _labels(text: str) -> list[str]:
    if not text:
        return []
    row = next(csv.reader([text], skipinitialspace=True), [])
    return [label.strip() for label in row if label.strip()]


# -- dates -----------------------------------------------------------------------------------


def parse_date(text: str, context: ImportContext) -> tuple[dt.datetime | None, bool]:
    """An RFC 5322 date in UTC, and whether its zone was assumed (none, or an unknown name)."""
    try:
        parts = parsedate_tz(text)
        if parts is None:
            return None, False
        naive = dt.datetime(*parts[:6])  # the zone is applied below
        match = _ZONE.search(text)
        zone = match.group("zone") if match else None
        if zone is None or (zone.isalpha() and zone.upper() not in _KNOWN_ZONES):
            return naive.replace(tzinfo=context.time_zone).astimezone(dt.UTC), True
        offset = dt.timezone(dt.timedelta(seconds=parts[9] or 0))
        return naive.replace(tzinfo=offset).astimezone(dt.UTC), False
    except (ValueError, IndexError, TypeError, OverflowError):
        return None, False


def _sent_at(
    headers: _Headers, context: ImportContext, extra: dict[str, Any]
) -> tuple[dt.datetime | None, str, bool]:
    date_text = headers.first("date")
    if date_text:
        when, assumed = parse_date(date_text, context)
        if when is not None:
            extra["date_source"] = "date header"
            return when, date_text, assumed
        extra["date_header"] = date_text
    for received in headers.all("received"):
        stamp = received.value.rpartition(";")[2].strip()
        when, assumed = parse_date(stamp, context) if stamp else (None, False)
        if when is not None:
            extra["date_source"] = "received header"
            return when, stamp, assumed
    extra["date_source"] = "none"
    return None, date_text, False


# -- bodies and attachments ------------------------------------------------------------------


@dataclass
class _Parts:
    plain: list[Message] = field(default_factory=list)
    html: list[Message] = field(default_factory=list)
    attachments: list[Message] = field(default_factory=list)


def _walk(part: Message, found: _Parts) -> None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        found.attachments.append(part)
    elif part.is_multipart():
        if not ctype.startswith("message/"):
            for child in part.get_payload():
                if isinstance(child, Message):
                    _walk(child, found)
    elif part.get_content_disposition() == "attachment" or part.get_filename() is not None:
        found.attachments.append(part)
    elif ctype == "text/plain":
        found.plain.append(part)
    elif ctype == "text/html":
        found.html.append(part)
    elif part.get_content_maintype() not in {"text", "message"}:
        found.attachments.append(part)


def _structure(data: bytes) -> tuple[Message, _Parts]:
    """The parsed message and its parts; compat32 where policy.default cannot walk it."""
    message: Message = BytesParser(policy=policy.default).parsebytes(data)
    found = _Parts()
    try:
        _walk(message, found)
    except Exception:  # a malformed MIME header policy.default cannot parse
        message = BytesParser(policy=policy.compat32).parsebytes(data)
        found = _Parts()
        _walk(message, found)
    return message, found


def _decode_text(part: Message, notes: list[str]) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    declared = part.get_content_charset() or ""
    codec = ""
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = ""
    try:
        text = data.decode(codec or "ascii")
    except UnicodeDecodeError:
        if codec and codec != "ascii":
            text = data.decode(codec, "replace")
            notes.append(f"Some bytes were not valid {declared}; they are shown as \ufffd.")
        else:
            try:
                text, used = data.decode("utf-8"), "UTF-8"
            except UnicodeDecodeError:
                text, used = data.decode("latin-1"), "Latin-1"
            said = f'declared the unknown charset "{declared}"' if declared else "declared none"
            notes.append(f"A text part {said} and was not plain ASCII; it was read as {used}.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def _tag(self, tag: str, step: int) -> None:
        if tag in _HTML_HIDDEN:
            self.skipping = max(0, self.skipping + step)
        elif tag in _HTML_BLOCKS:
            self.chunks.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, -1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(re.sub(r"[ \t\n\r\f]+", " ", data))  # not U+00A0


def html_to_text(markup: str) -> str:
    """Visible text of an HTML body: no scripts or styles, entities unescaped."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.chunks).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_bytes(part: Message) -> tuple[bytes, str]:
    """Decoded bytes of an attachment part, and a note when its encoding was damaged."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return (inner.as_bytes(policy=policy.compat32) if isinstance(inner, Message) else b""), ""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    if any(isinstance(defect, _BAD_BASE64) for defect in part.defects):
        return data, "The attachment's base64 was damaged; what could be decoded was kept."
    return data, ""


def _attachment_name(part: Message, number: int) -> str:
    name = part.get_filename() or ""
    if "=?" in name:
        name = _compat_decode(name)
    if name:
        return name
    if part.get_content_type() == "message/rfc822":
        return f"attached-message-{number}.eml"
    return f"attachment-{number}"


def message_attachment_bytes(data: bytes, key: int) -> bytes:
    """Decoded bytes of attachment ``key`` (from ``extra["attachment_parts"]``) of a message."""
    _, parts = _structure(data)
    if not 0 <= key < len(parts.attachments):
        raise InputError(f"This e-mail has no attachment number {key}.")
    return _part_bytes(parts.attachments[key])[0]


# -- one message -----------------------------------------------------------------------------


def message_to_item(
    data: bytes, position: str, context: ImportContext, raw: dict[str, Any] | None = None
) -> ImportedItem:
    """One e-mail as an item; ``NotAnEmailError`` when the bytes hold no e-mail headers."""
    message, parts = _structure(data)
    headers = _read_headers(message)
    if not {h.name.lower() for h in headers.items} & _EMAIL_HEADERS:
        raise NotAnEmailError("no e-mail headers (From, To, Date, Subject, Message-ID)")
    extra: dict[str, Any] = {"subject": headers.first("subject")}
    sent_at, original, assumed = _sent_at(headers, context, extra)
    extra["headers"] = [[h.name, h.value] for h in headers.items]
    if headers.notes:
        extra["header_notes"] = headers.notes
    labels = _labels(headers.first("x-gmail-labels"))
    if labels:
        extra["labels"] = labels
    notes: list[str] = []
    plain = [_decode_text(part, notes) for part in parts.plain]
    markup = [_decode_text(part, notes) for part in parts.html]
    text = "\n".join(plain) if plain else "\n\n".join(html_to_text(m) for m in markup)
    if markup:
        extra["html"] = "\n".join(markup)
    if notes:
        extra["charset_notes"] = notes
    attachments: list[AttachmentRef] = []
    described: list[dict[str, Any]] = []
    for key, part in enumerate(parts.attachments):
        content, note = _part_bytes(part)
        name = _attachment_name(part, key + 1)
        attachments.append(AttachmentRef(name=name, part=key))
        entry: dict[str, Any] = {"key": key, "name": name, "content_type": part.get_content_type()}
        entry |= {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        described.append(entry | ({"note": note} if note else {}))
    extra["attachment_parts"] = described
    senders = _addresses(headers, "from")
    author = None
    if senders:
        author = ImportedAccount(PLATFORM, handle=senders[0][1], display_name=senders[0][0])
    bcc = [address for _, address in _addresses(headers, "bcc")]
    if bcc:
        extra["bcc"] = bcc
    message_id = headers.first("message-id") or None
    reply_to = _first_id(headers.first("in-reply-to")) or None
    references = _IDS.findall(headers.first("references"))
    conversation = headers.first("x-gm-thrid") or (references[0] if references else "")
    bodies = parts.plain + parts.html
    record: dict[str, Any] = {
        "headers": [[h.name, h.raw] for h in headers.items],
        "parts": [[p.get_content_type(), p.get_content_charset() or ""] for p in bodies],
    }
    return ImportedItem(
        platform=PLATFORM,
        kind="email",
        position=position,
        text=text.rstrip("\n"),
        author=author,
        sent_at=sent_at,
        sent_at_original=original,
        time_zone_assumed=assumed,
        recipients=[a for _, a in _addresses(headers, "to") + _addresses(headers, "cc")],
        platform_id=message_id,
        conversation=conversation or reply_to or message_id or "",
        reply_to=reply_to,
        attachments=attachments,
        raw=record | (raw or {}),
        extra=extra,
    )


def looks_like_headers(head: bytes) -> bool:
    """Whether ``head`` opens with e-mail headers (after an optional ``From `` line)."""
    lines = head.replace(b"\r", b"").split(b"\n")[:-1]  # the last one may be cut short
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]
    names = set()
    for line in lines:
        if not line.strip():
            break
        if line[:1] not in b" \t":
            if not _HEADER_LINE.match(line):
                return False
            names.add(line.split(b":", 1)[0].decode("ascii").lower())
    return bool(names & _KNOWN_HEADERS)


# -- the importer ----------------------------------------------------------------------------


class EmlImporter:
    key = "eml"
    label = "E-mail messages (.eml files)"
    reads = ".eml files: one, or a folder or zip of them"

    def _eml_paths(self, source: Source) -> list[str]:
        paths = [p for p in source.paths() if p.lower().endswith(".eml")]
        if not paths and source.kind == "file" and source.paths():
            head = source.read_head(source.paths()[0])
            if looks_like_headers(head) and not head.startswith(b"From "):  # "From ": an mbox
                paths = source.paths()
        return paths

    def score(self, source: Source) -> float:
        paths = self._eml_paths(source)
        if not paths:
            return 0.0
        named = paths[0].lower().endswith(".eml")
        if looks_like_headers(source.read_head(paths[0])):
            return 0.95 if named else 0.6
        return 0.3 if named else 0.0

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in self._eml_paths(source):
            yield Unit(path=path, label=path)

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        data = source.read_bytes(unit.path)
        if not data.strip():
            raise ImportFormatError(
                f"{unit.path} is empty. It may not have been saved completely — save the "
                "e-mail again from your mail program.",
                unit.path,
            )
        try:
            record: ImportedItem | Unparsed = message_to_item(data, unit.path, context)
        except NotAnEmailError:
            raise ImportFormatError(
                f"{unit.path} does not look like an e-mail: it has no From, To, Date or "
                "Subject lines. Save the message again with your mail program's "
                '"Save as" or "Download message" (.eml).',
                unit.path,
            ) from None
        except Exception as exc:  # the e-mail library failed on a damaged message
            text = data[:65536].decode("utf-8", "replace")
            record = Unparsed(unit.path, f"This e-mail could not be read ({exc}).", text)
        yield record

    def attachment_bytes(self, source: Source, unit: Unit, key: int) -> bytes:
        """Decoded bytes of the attachment ``extra["attachment_parts"][n]["key"] == key``."""
        return message_attachment_bytes(source.read_bytes(unit.path), key)


IMPORTER = EmlImporter()
