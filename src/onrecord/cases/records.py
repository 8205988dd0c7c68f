"""Cases, the journal and purges, each change written with its custody-log entry.

Each function here (and in ``evidence``, ``items`` and ``imports``) makes one change in one
database transaction that also appends the entry recording it, so a crash leaves both or
neither; the log's new head is signed when the command's batch ends (``seal``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from onrecord.cases.models import Case, Evidence, Item, JournalEntry
from onrecord.errors import CaseNotFoundError, InputError
from onrecord.vault.custody import canonical_json, utc_now
from onrecord.vault.home import Vault
from onrecord.vault.models import Blob, LogEntry, TreeHead

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


# -- exports ----------------------------------------------------------------------------


def record_export(vault: Vault, case: Case, operator: str, details: Mapping[str, Any]) -> None:
    """Log that something left the vault (a document, a bag): what, when, by whom, its hash."""
    with transaction.atomic():
        vault.log(case.log_name).append("export.made", operator, {"case": case.uid.hex, **details})
    seal(vault, case)


# -- journal ------------------------------------------------------------------


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
