"""What every importer is and yields.

An importer reads one kind of export and never writes anything: ``units`` names the source
files it will read (in order), ``iter_items`` turns one unit into ``ImportedItem`` s (and
``Unparsed`` records for what it could not read). The caller (``onrecord.cases.imports``)
writes each unit in one transaction: a unit that raises ``ImportFormatError`` imports
nothing, and the other units still import.

Rules every importer follows (see ../shared/formats.md):

* times are aware UTC datetimes; where the source has no offset, the context's time zone is
  used and ``time_zone_assumed`` is True; the original text is kept in ``sent_at_original``;
* ids are strings, exactly as the source writes them;
* the raw record is kept in ``raw`` (JSON-able), next to the normalised fields;
* a record that cannot be read is yielded as ``Unparsed``, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from onrecord.errors import InputError
from onrecord.importers.source import Source


class ImportFormatError(InputError):
    """A unit cannot be read at all (truncated, not this format): nothing of it is imported."""

    def __init__(self, message: str, position: str = "") -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class ImportedAccount:
    """Who wrote an item, as the source names them. A stable ``platform_id`` wins."""

    platform: str
    platform_id: str | None = None
    handle: str = ""
    display_name: str = ""
    url: str = ""


@dataclass(frozen=True)
class AttachmentRef:
    """A file the item refers to: a path inside the source, or missing with the reason."""

    name: str
    path: str | None = None
    missing: str = ""  # why it is not in the export ("not included in the export", ...)
    part: Any = None  # a file embedded in the record (e-mail, MMS): the key that the
    # importer's ``attachment_bytes(source, unit, part) -> bytes`` takes


@dataclass
class ImportedItem:
    """One message, post, comment, email or SMS, normalised, with where it came from."""

    platform: str
    kind: str  # message | post | comment | email | sms | system | other
    position: str  # "data/tweets.js $[12]", "chat.txt line 42"
    text: str
    author: ImportedAccount | None = None
    sent_at: dt.datetime | None = None  # aware, UTC
    sent_at_original: str = ""
    time_zone_assumed: bool = False
    recipients: list[str] = field(default_factory=list)
    url: str = ""
    platform_id: str | None = None  # the message's own id where the source gives one
    conversation: str = ""  # chat, channel, thread or mailbox: the scope of the id
    reply_to: str | None = None  # platform id of the item this answers
    attachments: list[AttachmentRef] = field(default_factory=list)
    deleted: bool = False  # the source says it was deleted or unsent (the fact is kept)
    edited_at: dt.datetime | None = None
    earlier_versions: list[str] = field(default_factory=list)  # edit history, oldest first
    raw: Any = None  # the source's own record (JSON-able)
    extra: dict[str, Any] = field(default_factory=dict)  # subject, headers, reactions...


@dataclass(frozen=True)
class Unparsed:
    """A record the importer could not read: reported, counted, never silently dropped."""

    position: str
    message: str
    raw: str = ""


@dataclass(frozen=True)
class Unit:
    """One source file (or one logical part of it) that imports as a whole or not at all.

    ``meta["own_messages_only"]``: the unit holds only its owner's messages (a platform's
    own data package), so it says nothing of other people's messages being gone.
    """

    path: str  # inside the source
    label: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportContext:
    """What an importer may need beyond the source: the time zone for naive times."""

    time_zone: dt.tzinfo
    time_zone_name: str


def iso_time(text: str, context: ImportContext) -> tuple[dt.datetime | None, bool]:
    """An ISO 8601 time as aware UTC, and whether its zone was assumed (it had no offset).

    (None, False) when the text is not an ISO time.
    """
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None, False
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=context.time_zone).astimezone(dt.UTC), True
    return parsed.astimezone(dt.UTC), False


class Importer(Protocol):
    """One kind of export."""

    key: str  # "whatsapp", used by --format
    label: str  # "WhatsApp exported chat"
    reads: str  # what files it reads, for `onrecord formats`

    def score(self, source: Source) -> float:
        """0 when this is certainly not the format; up to 1 when it certainly is."""
        ...

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        """The units to import, in order."""
        ...

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        """Every item of one unit; raise ImportFormatError when the unit cannot be read."""
        ...
