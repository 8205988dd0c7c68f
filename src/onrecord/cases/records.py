"""Every change to a case, written together with its custody-log entry.

Each function here makes one change in one database transaction that also appends the
entry recording it, so a crash leaves both or neither; the log's new head is signed when
the command's batch ends (``seal``). Nothing else in onrecord writes case data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Max, Q

from onrecord import __version__
from onrecord.cases.media import evidence_kind, sniff_media_type
from onrecord.cases.models import Account, Acquisition, Case, Evidence, Item, JournalEntry
from onrecord.errors import CaseNotFoundError, InputError, StorageFullError
from onrecord.vault.blobs import StoredBlob
from onrecord.vault.custody import canonical_json, iso_utc, utc_now
from onrecord.vault.home import Vault
from onrecord.vault.models import Blob

BATCH_FILES = 64
BATCH_BYTES = 64 * 1024 * 1024

Progress = Callable[[int], None]


# -- cases ------------------------------------------------------------------------------


def create_case(
    vault: Vault, *, title: str, jurisdiction: str, time_zone: str, operator: str
) -> Case:
    """A new case, validated, with its log's first entry and first signed head."""
    case = Case(
        title=title.strip(),
        jurisdiction=jurisdiction.strip().upper(),
        time_zone=time_zone.strip(),
        created_at=utc_now(),
        created_by=operator,
    )
    try:
        case.full_clean(exclude=["uid"])
    except ValidationError as exc:
        raise InputError(_validation_text(exc)) from None
    with transaction.atomic():
        case.save()
        vault.log(case.log_name).append(
            "case.create",
            operator,
            {
                "case": case.uid.hex,
                "title": case.title,
                "jurisdiction": case.jurisdiction,
                "time_zone": case.time_zone,
            },
        )
    seal(vault, case)
    return case


def find_case(reference: str) -> Case:
    """A case by number, by the start of its id, or by its exact title."""
    ref = reference.strip()
    query = Q(title=ref)
    if ref.isdigit():
        query |= Q(pk=int(ref))
    matches = list(Case.objects.filter(query))
    if not matches and len(ref) >= 6:
        matches = [c for c in Case.objects.all() if c.uid.hex.startswith(ref.lower())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CaseNotFoundError(
            f"No case matches {reference!r}. `onrecord case list` shows the cases and numbers."
        )
    raise CaseNotFoundError(
        f"{len(matches)} cases match {reference!r}; use the case number instead."
    )


def seal(vault: Vault, case: Case) -> None:
    """Sign the case log's head over everything appended so far."""
    with transaction.atomic():
        vault.log(case.log_name).seal(vault.signer)


def _validation_text(exc: ValidationError) -> str:
    return " ".join(str(m) for messages in exc.message_dict.values() for m in messages)


# -- evidence ---------------------------------------------------------------------------


@dataclass
class AddOutcome:
    """What happened to one file of an ``add``."""

    path: str
    status: Literal["added", "already held", "failed"]
    message: str = ""
    exhibit: int | None = None
    sha256: str | None = None
    size: int = 0


@dataclass
class _Pending:
    path: Path
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
    paths: Sequence[Path],
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
            outcome = AddOutcome(path=str(path), status="failed")
            outcomes.append(outcome)
            try:
                stored = vault.blobs.put_file(path, progress)
                outcome.sha256, outcome.size = stored.sha256, stored.size
                media_type = sniff_media_type(stored.head, file_label(path))
                pending.append(_Pending(path, stored, media_type, outcome))
                pending_bytes += stored.size
                if len(pending) >= BATCH_FILES or pending_bytes >= BATCH_BYTES:
                    batch, pending, pending_bytes = pending, [], 0
                    _record_batch(vault, case, batch, how)
            except InputError as exc:
                outcome.message = str(exc)
            except StorageFullError as exc:
                outcome.status, outcome.message = "failed", str(exc)
                outcomes += [
                    AddOutcome(str(rest), "failed", "not tried: the disk is full")
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
        raise StorageFullError(
            "The disk holding the vault is full, so the last files could not be recorded. "
            "Free some space and add them again; everything recorded before is safe."
        ) from None


def _write_batch(vault: Vault, case: Case, batch: Sequence[_Pending], how: Acquired) -> None:
    log = vault.log(case.log_name)
    with transaction.atomic():
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
                "original_name": file_label(item.path),
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
                    original_name=file_label(item.path),
                    kind=evidence_kind(item.media_type, file_label(item.path)),
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
                    original_name=file_label(item.path),
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


# -- items and journal ------------------------------------------------------------------


def item_fields(item: Item) -> dict[str, Any]:
    """The fields of an item that its custody-log entry fixes (by digest)."""
    return {
        "platform": item.platform,
        "kind": item.kind,
        "author": item.author_id,
        "recipients": list(item.recipients),
        "text": item.text,
        "sent_at": iso_utc(item.sent_at) if item.sent_at else None,
        "sent_at_original": item.sent_at_original,
        "time_zone_assumed": item.time_zone_assumed,
        "url": item.url,
        "platform_id": item.platform_id,
        "reply_to": item.reply_to_id,
        "evidence": item.evidence_id,
        "position": item.position,
    }


def journal_fields(entry: JournalEntry) -> dict[str, Any]:
    return {
        "date": entry.date.isoformat(),
        "what_happened": entry.what_happened,
        "impact": entry.impact,
        "cost": f"{Decimal(entry.cost):.2f}" if entry.cost is not None else None,
        "currency": entry.currency,
    }


def digest(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def find_or_create_account(
    case: Case,
    *,
    platform: str,
    handle: str = "",
    platform_id: str | None = None,
    display_name: str = "",
) -> Account:
    """The case's account for this platform id, else for this handle; created if new."""
    query = Account.objects.filter(case=case, platform=platform)
    if platform_id:
        account = query.filter(platform_id=platform_id).first()
        if account is not None:
            return account
    elif handle:
        account = query.filter(handle=handle).first()
        if account is not None:
            return account
    return Account.objects.create(
        case=case,
        platform=platform,
        handle=handle,
        platform_id=platform_id or None,
        display_name=display_name,
    )


def add_items(
    vault: Vault, case: Case, items: Iterable[Item], operator: str, source: str
) -> list[Item]:
    """Record items (already built, unsaved) in one transaction; one log entry each."""
    log = vault.log(case.log_name)
    saved: list[Item] = []
    with transaction.atomic():
        for item in items:
            item.case = case
            item.log_index = -1
            item.save()
            entry = log.append(
                "item.add",
                operator,
                {
                    "case": case.uid.hex,
                    "item": item.pk,
                    "exhibit": item.evidence.exhibit if item.evidence else None,
                    "source": source,
                    "digest": digest(item_fields(item)),
                },
            )
            item.log_index = entry.index
            item.save(update_fields=["log_index"])
            saved.append(item)
    seal(vault, case)
    return saved


def add_journal_entry(
    vault: Vault,
    case: Case,
    *,
    date: dt.date,
    what_happened: str,
    impact: str = "",
    cost: Decimal | None = None,
    currency: str = "",
    operator: str,
) -> JournalEntry:
    if not what_happened.strip():
        raise InputError("Say what happened (the --what text is empty).")
    if cost is not None:
        if not cost.is_finite() or cost < 0:
            raise InputError(f"The cost must be an amount of zero or more, not {cost}.")
        cost = cost.quantize(Decimal("0.01"))
    entry = JournalEntry(
        case=case,
        date=date,
        what_happened=what_happened,
        impact=impact,
        cost=cost,
        currency=currency.upper(),
        log_index=-1,
    )
    with transaction.atomic():
        entry.save()
        logged = vault.log(case.log_name).append(
            "journal.add",
            operator,
            {
                "case": case.uid.hex,
                "journal_entry": entry.pk,
                "digest": digest(journal_fields(entry)),
            },
        )
        entry.log_index = logged.index
        entry.save(update_fields=["log_index"])
    seal(vault, case)
    return entry


# -- purge ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    case_number: int
    exhibits: int
    blobs_deleted: int
    items: int


def purge_case(vault: Vault, case: Case, operator: str) -> PurgeReport:
    """The quick delete: the case's data and bytes gone, the fact of deletion kept.

    The vault's own log records which case was purged, when, by whom, how much, and the
    last signed head of the case's log; everything else of the case is removed.
    """
    case_log = vault.log(case.log_name)
    with transaction.atomic():
        case_log.seal(vault.signer)
        head = case_log.latest_head()
        evidence = list(Evidence.objects.filter(case=case).select_related("blob"))
        shas = {e.blob_id for e in evidence}
        elsewhere = set(
            Evidence.objects.filter(blob_id__in=shas)
            .exclude(case=case)
            .values_list("blob_id", flat=True)
        )
        report = PurgeReport(
            case_number=case.pk,
            exhibits=len(evidence),
            blobs_deleted=len(shas - elsewhere),
            items=Item.objects.filter(case=case).count(),
        )
        vault.log("vault").append(
            "case.purge",
            operator,
            {
                "case": case.uid.hex,
                "case_number": case.pk,
                "exhibits": report.exhibits,
                "items": report.items,
                "last_head": {"tree_size": head.tree_size, "root_hash": head.root_hash}
                if head
                else None,
            },
        )
        case_log_name = case.log_name
        case.delete()
        Blob.objects.filter(sha256__in=shas - elsewhere).delete()
        from onrecord.vault.models import LogEntry, TreeHead

        LogEntry.objects.filter(log=case_log_name).delete()
        TreeHead.objects.filter(log=case_log_name).delete()
        vault.log("vault").seal(vault.signer)
    for sha in shas - elsewhere:
        vault.blobs.delete(sha)
    return report


def purge_exhibits(vault: Vault, case: Case, exhibits: Sequence[int], operator: str) -> list[int]:
    """Delete these exhibits' bytes and the items read from them; keep the record."""
    chosen = list(Evidence.objects.filter(case=case, exhibit__in=exhibits, purged_at=None))
    missing = sorted(set(exhibits) - {e.exhibit for e in chosen})
    if missing:
        raise InputError(
            f"Case {case.pk} has no exhibit {', '.join(map(str, missing))} to purge "
            "(or it was purged already). `onrecord case show` lists the exhibits."
        )
    now = utc_now()
    to_delete: list[str] = []
    with transaction.atomic():
        log = vault.log(case.log_name)
        for evidence in chosen:
            items = Item.objects.filter(evidence=evidence)
            count = items.count()
            items.delete()
            evidence.purged_at = now
            evidence.save(update_fields=["purged_at"])
            log.append(
                "evidence.purge",
                operator,
                {
                    "case": case.uid.hex,
                    "exhibit": evidence.exhibit,
                    "sha256": evidence.blob_id,
                    "items_deleted": count,
                },
            )
            in_use = Evidence.objects.filter(blob_id=evidence.blob_id, purged_at=None).exists()
            if not in_use:
                Blob.objects.filter(sha256=evidence.blob_id).update(purged_at=now)
                to_delete.append(evidence.blob_id)
        log.seal(vault.signer)
    for sha in to_delete:
        vault.blobs.delete(sha)
    return [e.exhibit for e in chosen]
