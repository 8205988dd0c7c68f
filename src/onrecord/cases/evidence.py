"""Adding files as exhibits: stored, fsynced, then recorded with their log entries in batches."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from django.db import OperationalError, transaction
from django.db.models import Max

from onrecord import __version__
from onrecord.cases.media import evidence_kind, sniff_media_type
from onrecord.cases.models import Acquisition, Case, Evidence
from onrecord.cases.records import seal
from onrecord.errors import InputError, StorageFullError
from onrecord.vault.blobs import StoredBlob
from onrecord.vault.custody import iso_utc, utc_now
from onrecord.vault.home import Vault
from onrecord.vault.models import Blob

BATCH_FILES = 64
BATCH_BYTES = 64 * 1024 * 1024

Progress = Callable[[int], None]


@dataclass
class AddOutcome:
    """What happened to one file of an ``add``."""

    path: str
    status: Literal["added", "already held", "failed"]
    message: str = ""
    exhibit: int | None = None
    sha256: str | None = None
    size: int = 0
    disk_full: bool = False  # failed only because the vault's disk is full: try again later


@dataclass(frozen=True)
class NamedStream:
    """Bytes that are not a file of their own: a zip member, an e-mail attachment."""

    name: str
    open: Callable[[], IO[bytes]]


Incoming = Path | NamedStream


def incoming_name(incoming: Incoming) -> str:
    """The name recorded as the exhibit's original file name."""
    if isinstance(incoming, NamedStream):
        return incoming.name
    return file_label(incoming)


@dataclass
class _Pending:
    path: Incoming
    stored: StoredBlob
    media_type: str
    outcome: AddOutcome
    when: dt.datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class Acquired:
    """How bytes came in: the part of an acquisition that is not the bytes."""

    operator: str
    method: str = "file"
    source_url: str = ""
    note: str = ""
    tool: str = "onrecord"
    tool_version: str = __version__


def add_files(
    vault: Vault,
    case: Case,
    paths: Sequence[Incoming],
    how: Acquired,
    progress: Progress | None = None,
) -> list[AddOutcome]:
    """Store each file as an exhibit; a file that cannot be read fails alone.

    Blobs are written and fsynced first, then recorded in batches (one transaction each),
    so an interruption leaves every file either fully recorded or absent. A full disk
    stops the command after recording what was already stored.
    """
    outcomes: list[AddOutcome] = []
    pending: list[_Pending] = []
    pending_bytes = 0
    try:
        for number, path in enumerate(paths):
            outcome = AddOutcome(path=_shown(path), status="failed")
            outcomes.append(outcome)
            try:
                stored = _store(vault, path, progress)
                outcome.sha256, outcome.size = stored.sha256, stored.size
                media_type = sniff_media_type(stored.head, incoming_name(path))
                pending.append(_Pending(path, stored, media_type, outcome))
                pending_bytes += stored.size
                if len(pending) >= BATCH_FILES or pending_bytes >= BATCH_BYTES:
                    batch, pending, pending_bytes = pending, [], 0
                    _record_batch(vault, case, batch, how)
            except InputError as exc:
                outcome.message = str(exc)
            except StorageFullError as exc:
                outcome.status, outcome.message, outcome.disk_full = "failed", str(exc), True
                outcomes += [
                    AddOutcome(
                        _shown(rest), "failed", "not tried: the disk is full", disk_full=True
                    )
                    for rest in paths[number + 1 :]
                ]
                break
        if pending:
            _record_batch(vault, case, pending, how)
    except StorageFullError:
        pass  # each file of the batch that failed says so in its outcome
    finally:
        with contextlib.suppress(OperationalError):  # disk full: the next command signs it
            seal(vault, case)
    return outcomes


def _shown(incoming: Incoming) -> str:
    return str(incoming) if isinstance(incoming, Path) else incoming.name


def _store(vault: Vault, incoming: Incoming, progress: Progress | None) -> StoredBlob:
    if isinstance(incoming, Path):
        return vault.blobs.put_file(incoming, progress)
    try:
        with incoming.open() as stream:
            return vault.blobs.put_stream(stream, progress)
    except OSError as exc:
        raise InputError(f"{incoming.name} could not be read: {exc}.") from None


def file_label(path: Path) -> str:
    """A file's name as text that any database takes: bytes that are not UTF-8 shown as \\xNN."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _record_batch(vault: Vault, case: Case, batch: Sequence[_Pending], how: Acquired) -> None:
    vault.blobs.sync()
    try:
        _write_batch(vault, case, batch, how)
    except OperationalError as exc:
        if "full" not in str(exc):
            raise
        for item in batch:
            item.outcome.status = "failed"
            item.outcome.message = "the disk is full; it was not recorded"
            item.outcome.disk_full = True
        raise StorageFullError(
            "The disk holding the vault is full, so the last files could not be recorded. "
            "Free some space and add them again; everything recorded before is safe."
        ) from None


def _write_batch(vault: Vault, case: Case, batch: Sequence[_Pending], how: Acquired) -> None:
    log = vault.log(case.log_name)
    with transaction.atomic():
        log.lock()  # held to commit: one writer numbers the case's exhibits at a time
        next_exhibit = (
            Evidence.objects.filter(case=case).aggregate(m=Max("exhibit"))["m"] or 0
        ) + 1
        for item in batch:
            stored = item.stored
            blob, created = Blob.objects.get_or_create(
                sha256=stored.sha256,
                defaults={
                    "size": stored.size,
                    "stored_name": stored.stored_name,
                    "encrypted": vault.blobs.encrypted,
                    "stored_at": item.when,
                },
            )
            if not created and blob.purged_at is not None:
                blob.purged_at = None
                blob.save(update_fields=["purged_at"])
            details: dict[str, Any] = {
                "case": case.uid.hex,
                "sha256": stored.sha256,
                "size": stored.size,
                "media_type": item.media_type,
                "original_name": incoming_name(item.path),
                "source_url": how.source_url,
                "acquired_at": iso_utc(item.when),
                "method": how.method,
                "acquired_with": f"{how.tool} {how.tool_version}",
                "note": how.note,
            }
            existing = Evidence.objects.filter(case=case, blob=blob).first()
            if existing is None:
                details["exhibit"] = next_exhibit
                entry = log.append("evidence.add", how.operator, details)
                Evidence.objects.create(
                    case=case,
                    exhibit=next_exhibit,
                    blob=blob,
                    size=stored.size,
                    media_type=item.media_type,
                    original_name=incoming_name(item.path),
                    kind=evidence_kind(item.media_type, incoming_name(item.path)),
                    source_url=how.source_url,
                    acquired_at=item.when,
                    acquired_by=how.operator,
                    method=how.method,
                    tool=how.tool,
                    tool_version=how.tool_version,
                    note=how.note,
                    log_index=entry.index,
                )
                item.outcome.status, item.outcome.exhibit = "added", next_exhibit
                next_exhibit += 1
            else:
                details["exhibit"] = existing.exhibit
                entry = log.append("evidence.reacquire", how.operator, details)
                Acquisition.objects.create(
                    evidence=existing,
                    original_name=incoming_name(item.path),
                    source_url=how.source_url,
                    acquired_at=item.when,
                    acquired_by=how.operator,
                    method=how.method,
                    tool=how.tool,
                    tool_version=how.tool_version,
                    note=how.note,
                    log_index=entry.index,
                )
                if existing.purged_at is not None:
                    existing.purged_at = None
                    existing.save(update_fields=["purged_at"])
                item.outcome.status, item.outcome.exhibit = "already held", existing.exhibit
                item.outcome.message = (
                    f"the same bytes are already exhibit {existing.exhibit}; "
                    "this acquisition was recorded too"
                )
