"""WhatsApp "Export chat" text files, alone or inside the export's ``.zip`` with media.

A message starts with a date-and-time header; any other line continues the message above.
The header depends on the phone's system and locale, so the file's own layout is decided
from the WHOLE file in a first pass (the stream is read twice, never held):

* Android ``DD/MM/YY, HH:MM - Name: text`` and its variants: ``M/D/YY``, ``YYYY/MM/DD``,
  ``DD.MM.YY``, ``D.M.YYYY``, ``h:mm a.m.``, ``h:mm p. m.``, an en dash, a trailing ``.``;
* iOS ``[DD/MM/YYYY, HH:MM:SS] Name: text`` and ``[M/D/YY, h:mm:ss AM]`` (``_chat.txt``);
* U+200E marks at line starts, U+202F / U+2009 / U+00A0 before AM/PM, a byte-order mark.

The most frequent header layout wins; a line shaped like another layout (a pasted
timestamp) continues the message above. Day and month order: any first field above 12 means
day-first, any second field above 12 month-first; otherwise the locale decides (12-hour
``AM`` with slashes is US month-first, anything else day-first) and every item records that
the order was ambiguous. Times have no zone: the case's zone is used and marked assumed.

Authors are display names or phone numbers (the handle is the number's digits); names may
hold ``": "``, so the split prefers a known participant. System lines (encryption notice,
joins, leaves, subject changes, missed calls) are kind ``system``; deleted messages are kept
with ``deleted=True``; ``<This message was edited>`` is stripped and recorded; media
placeholders and attached files become attachments, present when the file is in the zip.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

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

MARKS = "\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SP = "[ \u00a0\u202f\u2009]"
HEADER = re.compile(
    r"(?P<open>\[)?"
    r"(?P<a>\d{1,4})(?P<ds>[./-])(?P<b>\d{1,2})(?P=ds)(?P<c>\d{2,4})\.?"
    rf"(?P<comma>,)?{_SP}+"
    r"(?P<h>\d{1,2})(?P<ts>[:.])(?P<mi>\d{2})(?:(?P=ts)(?P<s>\d{2}))?"
    rf"(?:{_SP}*(?P<ap>[AaPp]\.?{_SP}?[Mm]\.?))?\.?"
    rf"(?(open)\]{_SP}?|{_SP}?(?P<dash>[-\u2013]){_SP})"
)
_PHONE = re.compile(r"\+?[\d \u00a0\u202f\u2010\u2011\u2012\u2013()./-]+")
_N = r"(?:(?!: ).)+?"  # an actor: a name without ": "
_SYSTEM = re.compile(
    r"Messages (?:and calls )?(?:to this (?:group|chat) )?are (?:now secured with )?end-to-end.*"
    rf"|{_N} created group \".*\"|{_N} changed the subject (?:from \".*\" )?to \".*\""
    rf"|{_N} (?:changed the group description|changed this group's (?:icon|settings)"
    r"|deleted this group's icon|changed their phone number.*|left|was removed|were added"
    r"|joined using this group's invite link|turned (?:on|off) disappearing messages.*)"
    rf"|{_N} (?:added|removed) .+|{_N}'s security code changed.*"
    r"|You're now an admin|Your security code with .+ changed.*|This chat is with a business.*"
    r"|Disappearing messages .+|Waiting for this message.*|You (?:un)?blocked this contact.*",
    re.IGNORECASE,
)
_ACTORS = re.compile(
    r"(.+?) (?:added|removed) (.+)|(.+?) (?:left|joined using .+|created group .+)"
)
_EDITED = re.compile(
    r"[\s\u200e]*<(?:This message was edited|Diese Nachricht wurde bearbeitet"
    r"|Se editó este mensaje\.?|Ce message a été modifié|Mensagem editada)>$"
)
_DELETED = {
    "this message was deleted", "you deleted this message", "diese nachricht wurde gelöscht",
    "du hast diese nachricht gelöscht", "se eliminó este mensaje", "eliminaste este mensaje",
    "ce message a été supprimé", "vous avez supprimé ce message", "essa mensagem foi apagada",
    "você apagou esta mensagem",
}  # fmt: skip
_OMITTED = re.compile(
    r"<(?:media omitted|medien ausgeschlossen|multimedia omitido|médias omis|media weggelaten"
    r"|mídia oculta|media omessi)>"
    r"|(?:.* )?(?:image|video|audio|sticker|gif|document|contact card) omitted",
    re.IGNORECASE,
)
_FILE_ATTACHED = re.compile(
    r"(?P<name>\S.*?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint"
    r"|arquivo anexado|file allegato)\)"
)
_IOS_ATTACHED = re.compile(r"<(?:attached|Anhang|adjunto|pièce jointe|anexo): (?P<name>[^>]+)>")
_CALLS = ("missed voice call", "missed video call", "missed group voice call", "missed group video")
MISSING_MEDIA = "media was not included in the export"
MAX_KNOWN = 50_000


@dataclass
class Layout:
    """What the first pass decided about one chat file."""

    signature: tuple[object, ...]
    order: str  # "day-first", "month-first" or "year-first"
    ambiguous: bool
    reason: str
    participants: set[str] = field(default_factory=set)
    colon_names: tuple[str, ...] = ()  # known names holding ": "

    def __post_init__(self) -> None:
        self.colon_names = tuple(sorted(n for n in self.participants if ": " in n))


@dataclass
class _Message:
    number: int
    header: re.Match[str]
    line: str
    lines: list[str]
    error: str = ""


class WhatsAppImporter:
    key = "whatsapp"
    label = "WhatsApp exported chat"
    reads = "WhatsApp 'Export chat' .txt (Android or iPhone), alone or in the export .zip"

    def score(self, source: Source) -> float:
        best = 0.0
        for path in [p for p in source.paths() if p.lower().endswith(".txt")][:20]:
            hits = _head_hits(source, path)
            if not hits:
                continue
            value = 0.6 if len(hits) == 1 else 0.85
            if not hits[0]["comma"]:
                value -= 0.3  # WhatsApp writes "date, time"; other tools do not
            name = PurePosixPath(path).name.lower()
            if name == "_chat.txt" or "chat with" in name or "whatsapp" in name:
                value += 0.1
            best = max(best, value)
        return best

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        chats = [p for p in source.paths() if p.lower().endswith(".txt") and _head_hits(source, p)]
        if not chats and source.kind == "file":
            chats = source.paths()  # named with --format: iter_items says what is wrong
        for path in chats:
            yield Unit(path, label=chat_name(source, path))

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        conversation = chat_name(source, unit.path)
        layout = decide_layout(source, unit.path, conversation)
        files = _files_beside(source, unit.path)
        current: _Message | None = None
        for number, line, raw in _lines(source, unit.path):
            where = f"{unit.path} line {number}"
            if line is None:
                yield Unparsed(
                    where, f"line {number} is not valid UTF-8 text; it was not read", raw
                )
                continue
            bare = line.lstrip(MARKS)
            match = HEADER.match(bare)
            if match and _signature(match) == layout.signature:
                if current is not None:
                    yield self._finish(current, unit, layout, conversation, files, context)
                current = _Message(number, match, bare, [line])
                try:
                    _local_time(match, layout.order)
                except ValueError as exc:
                    current.error = f"the date or time in this header cannot be read ({exc})"
            elif current is not None:
                current.lines.append(line)
            else:
                yield Unparsed(where, "text before the first message header", line)
        if current is not None:
            yield self._finish(current, unit, layout, conversation, files, context)

    def _finish(
        self,
        message: _Message,
        unit: Unit,
        layout: Layout,
        conversation: str,
        files: dict[str, str],
        context: ImportContext,
    ) -> ImportedItem | Unparsed:
        where = f"{unit.path} line {message.number}"
        raw = "\n".join(message.lines)
        if message.error:
            return Unparsed(where, message.error, raw)
        header = message.header
        local = _local_time(header, layout.order).replace(tzinfo=context.time_zone)
        rest = message.line[header.end() :].lstrip(MARKS)
        author_name, first = split_author(rest, layout.participants, layout.colon_names)
        body = "\n".join([first, *(ln.lstrip(MARKS) for ln in message.lines[1:])]).lstrip(MARKS)
        extra: dict[str, object] = {"date_order": layout.order}
        if layout.ambiguous:
            extra |= {"date_order_ambiguous": True, "date_order_reason": layout.reason}
        edited = _EDITED.search(body)
        if edited:
            body = body[: edited.start()]
            extra["edited"] = True
        kind = "message" if author_name is not None else "system"
        if author_name is not None and is_ios_system(first, layout.colon_names):
            kind, author_name, extra["shown_under"] = "system", None, author_name
        plain = body.strip(MARKS + " .").lower()
        deleted = plain in _DELETED
        if plain.startswith(_CALLS):
            kind = "system"
        if plain == "null":
            extra["view_once"] = True
        if deleted:
            kind = "message"
        author = account(author_name) if author_name is not None else None
        if author_name is not None and author_name.lstrip().startswith("~"):
            extra["not_a_saved_contact"] = True
        return ImportedItem(
            platform="whatsapp",
            kind=kind,
            position=where,
            text=body,
            author=author,
            sent_at=local.astimezone(dt.UTC),
            sent_at_original=message.line[: header.end()].strip(" -\u2013[]\u00a0\u202f"),
            time_zone_assumed=True,
            conversation=conversation,
            attachments=_attachments(body, files),
            deleted=deleted,
            raw=raw,
            extra=extra,
        )


def chat_name(source: Source, path: str) -> str:
    """The chat's name: the file's name, or the zip's or folder's for an iPhone ``_chat.txt``."""
    pure = PurePosixPath(path)
    if pure.stem.lower() != "_chat" or source.kind == "file":
        return pure.stem
    if len(pure.parts) > 1:
        return pure.parent.name
    return PurePosixPath(source.name).stem if source.kind == "zip" else source.name


def decide_layout(source: Source, path: str, conversation: str) -> Layout:
    """First pass: the header layout, the date order and the participants of the whole file."""
    counts: Counter[tuple[object, ...]] = Counter()
    highest: dict[tuple[object, ...], list[int]] = {}
    known: set[str] = set()
    named = re.sub(
        r"^(?:WhatsApp )?Chat (?:with|mit|con|avec|com) |^WhatsApp Chat - ", "", conversation
    )
    if named != conversation:
        known.add(named)
    empty = True
    for _number, line, _raw in _lines(source, path):
        empty = empty and not (line or "").strip(MARKS + " ")
        match = HEADER.match(line.lstrip(MARKS)) if line else None
        if match is None or line is None:
            continue
        signature = _signature(match)
        counts[signature] += 1
        top = highest.setdefault(signature, [0, 0])
        top[0], top[1] = max(top[0], int(match["a"])), max(top[1], int(match["b"]))
        if len(known) < MAX_KNOWN:
            _learn_names(line.lstrip(MARKS)[match.end() :].lstrip(MARKS), known)
    if empty:
        raise ImportFormatError(
            f"{path} is empty. Export the chat from WhatsApp again (open the chat, then "
            "More → Export chat) and import the new file.",
            f"{path} line 1",
        )
    if not counts:
        raise ImportFormatError(
            f"No line of {path} starts like a WhatsApp message (a date, a time, then a name). "
            "It may not be a WhatsApp chat export, or it may be damaged: export the chat again.",
            f"{path} line 1",
        )
    signature = counts.most_common(1)[0][0]
    for name in [n for n in known if ": " in n]:
        known.discard(name.split(": ", 1)[0])  # "Dr" was only read off "Dr: Who left"
    first, second = highest[signature]
    if signature[6] or first > 12 or second > 12:
        order = "year-first" if signature[6] else "day-first" if first > 12 else "month-first"
        return Layout(signature, order, False, "", known)
    if signature[4] == "AM" and signature[1] == "/":
        reason = "no day above 12 in the file; 12-hour AM/PM with slashes is US month-first"
        return Layout(signature, "month-first", True, reason, known)
    reason = "no day above 12 in the file; day-first assumed from the date layout"
    return Layout(signature, "day-first", True, reason, known)


def split_author(
    rest: str, known: set[str], colon_names: tuple[str, ...] = ()
) -> tuple[str | None, str]:
    """(author, text) of a header's remainder; author None for a system line.

    ``colon_names`` are the known names holding ": " (they can start system lines).
    """
    cuts = [m.start() for m in re.finditer(": ", rest)][:6]
    if not cuts:
        return None, rest
    names = [_clean_name(rest[:cut]) for cut in cuts]
    if names[0] not in known:
        longer = [i for i, name in enumerate(names) if name in known]
        if longer:
            cut = cuts[longer[-1]]
            return rest[:cut].strip(MARKS + " "), rest[cut + 2 :]
        if is_system(rest, colon_names):
            return None, rest
    return rest[: cuts[0]].strip(MARKS + " "), rest[cuts[0] + 2 :]


def account(name: str) -> ImportedAccount:
    """The author: the phone number's digits (with ``+``) or the name as the handle."""
    shown = _clean_name(name)
    digits = re.sub(r"\D", "", shown)
    if _PHONE.fullmatch(shown) and len(digits) >= 6:
        handle = ("+" if shown.startswith("+") else "") + digits
    else:
        handle = shown
    return ImportedAccount(platform="whatsapp", handle=handle, display_name=shown)


def _clean_name(name: str) -> str:
    name = name.strip(MARKS + " \u00a0")
    if name.startswith("~"):
        name = name[1:].lstrip(MARKS + " \u00a0\u202f")
    return name


def _learn_names(rest: str, known: set[str]) -> None:
    bare = rest.strip(MARKS + " ")
    head, _, tail = rest.partition(": ")
    if not _SYSTEM.fullmatch(bare) and is_ios_system(tail):
        bare = tail.strip(MARKS + " ")  # iPhone: "Group: \u200eAlex added Sam"
    if _SYSTEM.fullmatch(bare):
        actors = _ACTORS.fullmatch(bare)
        for group in actors.groups() if actors else ():
            for name in re.split(r", | and ", group or ""):
                if name and name.lower() not in ("you", "your"):
                    known.add(_clean_name(name))
    elif rest.count(": ") == 1:
        known.add(_clean_name(head))


def is_system(text: str, colon_names: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` is a system line ("X added Y"), also about a known "Dr: Who"."""
    bare = text.strip(MARKS + " ")
    if _SYSTEM.fullmatch(bare):
        return True
    return any(
        bare.startswith(name + " ") and _SYSTEM.fullmatch("X" + bare[len(name) :])
        for name in colon_names
    )


def is_ios_system(text: str, colon_names: tuple[str, ...] = ()) -> bool:
    """An iPhone system line shown under the chat's name: the text opens with U+200E."""
    return text.startswith("\u200e") and is_system(text, colon_names)


def _head_hits(source: Source, path: str) -> list[re.Match[str]]:
    head = source.read_head(path).decode("utf-8", "ignore").splitlines()[:12]
    return [m for m in (HEADER.match(line.lstrip(MARKS)) for line in head) if m]


def _signature(match: re.Match[str]) -> tuple[object, ...]:
    ampm = match["ap"]
    style = None if not ampm else ("AM" if "." not in ampm else "a.m.")
    return (
        bool(match["open"]),
        match["ds"],
        match["ts"],
        bool(match["s"]),
        style,
        match["dash"],
        len(match["a"]) == 4,
        len(match["c"]),
    )


def _local_time(match: re.Match[str], order: str) -> dt.datetime:
    a, b, c = int(match["a"]), int(match["b"]), int(match["c"])
    orders = {"day-first": (c, b, a), "month-first": (c, a, b), "year-first": (a, b, c)}
    year, month, day = orders[order]
    if year < 100:
        year += 2000
    hour, minute, second = int(match["h"]), int(match["mi"]), int(match["s"] or 0)
    if match["ap"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with AM/PM")
        pm = match["ap"].lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return dt.datetime(year, month, day, hour, minute, second)


def _lines(source: Source, path: str) -> Iterator[tuple[int, str | None, str]]:
    """(number, text or None when not UTF-8, text as best read) of every line."""
    with source.open_file(path) as stream:
        for number, data in enumerate(stream, 1):
            if number == 1 and data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
            data = data.removesuffix(b"\n").removesuffix(b"\r")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None, data.decode("utf-8", "replace")
                continue
            yield number, text, text


def _files_beside(source: Source, chat: str) -> dict[str, str]:
    """File name → path of the export's media, those beside the chat file first."""
    folder = str(PurePosixPath(chat).parent)
    files: dict[str, str] = {}
    for path in sorted(source.paths(), key=lambda p: str(PurePosixPath(p).parent) != folder):
        files.setdefault(PurePosixPath(path).name, path)
    return files


def _attachments(body: str, files: dict[str, str]) -> list[AttachmentRef]:
    refs: list[AttachmentRef] = []
    first = body.split("\n", 1)[0].strip(MARKS + " ")
    names = [m["name"].strip(MARKS + " ") for m in _IOS_ATTACHED.finditer(body)]
    attached = _FILE_ATTACHED.match(first)
    if attached:
        names.insert(0, attached["name"].strip(MARKS + " "))
    for name in names:
        path = files.get(name)
        refs.append(AttachmentRef(name, path, "" if path else "the file is not in this export"))
    if not names and _OMITTED.fullmatch(first):
        refs.append(AttachmentRef(first, None, MISSING_MEDIA))
    return refs


IMPORTER = WhatsAppImporter()
