"""``onrecord verify``: the vault's own checks plus what every case's records claim.

For each case: its custody log and signed heads; every exhibit, acquisition, item and
journal entry against the log entry that recorded it (a row changed, added or removed
outside onrecord shows here); and every exhibit's bytes re-hashed from its blob.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError, connection

from onrecord.cases.imports import gone_digest
from onrecord.cases.items import item_digest, label_fields, sha256_of, triage_fields
from onrecord.cases.models import (
    Acquisition,
    Capture,
    Case,
    Evidence,
    Item,
    JournalEntry,
    Label,
    Triage,
)
from onrecord.cases.records import digest, journal_fields
from onrecord.steps.verify import check_actions
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import VAULT_LOG, LogEntry
from onrecord.vault.verify import (
    Check,
    State,
    check_blob,
    check_blob_store,
    check_database,
    check_log,
)

Progress = Callable[[int], None]


def verify(vault: Vault, case: Case | None = None, progress: Progress | None = None) -> list[Check]:
    """Every check; ``case`` limits it to one case (plus the database file)."""
    checks = [check_database()]
    if checks[0].state != "ok" and "cannot be read" in checks[0].detail:
        checks.append(Check("everything else", "could not check", "the database cannot be read"))
        return checks
    if case is None:
        checks += check_log(VAULT_LOG, vault.verifier, "the vault")
    try:
        cases = [case] if case is not None else list(Case.objects.order_by("pk"))
    except DatabaseError as exc:
        return [*checks, Check("cases", "could not check", str(exc))]
    for one in cases:
        parts: list[Callable[[Case], list[Check]]] = [
            lambda c: check_log(c.log_name, vault.verifier, f"case {c.pk}"),
            check_records,
            lambda c: list(check_exhibits(vault, c, progress)),
        ]
        for part in parts:
            try:
                checks += part(one)
            except DatabaseError as exc:
                connection.close()  # a damaged page poisons the connection; start afresh
                checks.append(
                    Check(f"case {one.pk}", "could not check", f"its records cannot be read: {exc}")
                )
    if case is None:
        checks += check_blob_store(vault.blobs)
    return checks


def bytes_to_verify(case: Case | None = None) -> int:
    query = Evidence.objects.filter(purged_at=None)
    if case is not None:
        query = query.filter(case=case)
    return sum(query.values_list("size", flat=True))


def check_exhibits(vault: Vault, case: Case, progress: Progress | None) -> Iterator[Check]:
    for evidence in Evidence.objects.filter(case=case).order_by("exhibit"):
        subject = f"case {case.pk}, exhibit {evidence.exhibit} ({evidence.original_name})"
        if evidence.purged_at is not None:
            yield Check(subject, "ok", f"purged on {evidence.purged_at:%Y-%m-%d}, as logged")
            continue
        yield check_blob(vault.blobs, evidence.blob_id, evidence.size, subject, progress)


def check_records(case: Case) -> list[Check]:
    """Each row against the entry that recorded it, and each entry against its row."""
    logged = LogEntry.objects.filter(log=case.log_name)
    entries = {e.index: _with_exhibits(entry_body(e)) for e in logged}
    problems: list[Check] = []
    claimed: set[int] = set()

    def expect(subject: str, index: int, wanted: dict[str, Any]) -> None:
        body = entries.get(index)
        claimed.add(index)
        if body is None:
            problems.append(Check(subject, "altered", "no custody-log entry records it"))
            return
        for key, value in wanted.items():
            if body.get(key) != value:
                problems.append(
                    Check(
                        subject,
                        "altered",
                        f"{key} is {value!r} in the database but {body.get(key)!r} in the "
                        f"custody log (entry {index})",
                    )
                )
                return

    case_number = f"case {case.pk}"
    for ev in Evidence.objects.filter(case=case):
        expect(
            f"{case_number}, exhibit {ev.exhibit} record",
            ev.log_index,
            {
                "action": "evidence.add",
                "exhibit": ev.exhibit,
                "sha256": ev.blob_id,
                "size": ev.size,
                "original_name": ev.original_name,
            },
        )
    for acq in Acquisition.objects.filter(evidence__case=case).select_related("evidence"):
        expect(
            f"{case_number}, exhibit {acq.evidence.exhibit} acquisition {acq.pk}",
            acq.log_index,
            {
                "action": "evidence.reacquire",
                "sha256": acq.evidence.blob_id,
                "original_name": acq.original_name,
            },
        )
    purged = {b.get("exhibit") for b in entries.values() if b.get("action") == "evidence.purge"}
    imported: dict[int, tuple[int, Any]] = {}
    gone: dict[int, list[int]] = {}
    for item in Item.objects.filter(case=case).order_by("pk").iterator(chunk_size=2000):
        body = entries.get(item.log_index, {})
        version = int(body.get("fields_version", 1))
        if item.gone_log_index is not None:
            gone.setdefault(item.gone_log_index, []).append(item.pk)
        if body.get("action") == "import.unit":
            count, running = imported.get(item.log_index, (0, hashlib.sha256()))
            running.update(bytes.fromhex(item_digest(item, version)))
            imported[item.log_index] = (count + 1, running)
            continue
        expect(
            f"{case_number}, item {item.pk}",
            item.log_index,
            {"action": "item.add", "item": item.pk, "digest": item_digest(item, version)},
        )
    for index, body in sorted(entries.items()):
        if body.get("action") != "import.unit":
            continue
        claimed.add(index)
        count, running = imported.get(index, (0, hashlib.sha256()))
        subject = f"{case_number}, items imported from {body.get('unit')!r} (entry {index})"
        if body.get("exhibit") in purged:
            continue  # the exhibit was purged with the items read from it, as logged
        if count != body.get("items") or running.hexdigest() != body.get("items_digest"):
            state: State = "missing" if count < int(body.get("items", 0)) else "altered"
            problems.append(
                Check(
                    subject,
                    state,
                    f"the database holds {count} of them, the custody log recorded "
                    f"{body.get('items')} with another digest",
                )
            )
    for index, body in sorted(entries.items()):
        if body.get("action") != "import.gone":
            continue
        claimed.add(index)
        marked = gone.pop(index, [])
        if len(marked) != body.get("gone") or gone_digest(marked) != body.get("gone_digest"):
            problems.append(
                Check(
                    f"{case_number}, items marked gone from the source (entry {index})",
                    "altered",
                    "the items marked gone are not the ones the custody log recorded",
                )
            )
    for index, ids in gone.items():
        problems.append(
            Check(
                f"{case_number}, items {ids[:5]}",
                "altered",
                f"marked gone from the source by entry {index}, which does not record it",
            )
        )
    for journal in JournalEntry.objects.filter(case=case):
        expect(
            f"{case_number}, journal entry {journal.pk}",
            journal.log_index,
            {
                "action": "journal.add",
                "journal_entry": journal.pk,
                "digest": digest(journal_fields(journal)),
            },
        )
    for made in Label.objects.filter(item__case=case):
        expect(
            f"{case_number}, review {made.pk} of item {made.item_id}",
            made.log_index,
            {"action": "label.set", "label_id": made.pk, "digest": sha256_of(label_fields(made))},
        )
    for capture in Capture.objects.filter(case=case):
        expect(
            f"{case_number}, capture {capture.pk} of {capture.requested_url}",
            capture.log_index,
            {
                "action": "capture.failed" if capture.status == "failed" else "capture.page",
                "requested_url": capture.requested_url,
                "final_url": capture.final_url,
                "status": capture.status,
                "capture_sha256": capture.metadata.get("capture_sha256"),
                "artefacts_exhibits": capture.artefacts,
            },
        )
    problems += _check_triage(case, entries, claimed)
    problems += check_actions(case, entries, claimed)
    recorded_rows = {
        "evidence.add": "exhibit",
        "item.add": "item",
        "journal.add": "journal_entry",
        "label.set": "label_id",
        "capture.page": "requested_url",
        "capture.failed": "requested_url",
    }
    for index, body in sorted(entries.items()):
        key = recorded_rows.get(str(body.get("action")))
        if key is None or index in claimed:
            continue
        from_purged = body.get("exhibit") in purged - {None}
        if body.get("action") in ("item.add", "label.set") and from_purged:
            continue  # items read from a purged exhibit are deleted with it, as logged
        problems.append(
            Check(
                f"{case_number}, {key.replace('_', ' ')} {body.get(key)}",
                "missing",
                f"recorded in custody-log entry {index} but gone from the database",
            )
        )
    if not problems:
        return [Check(f"{case_number} records", "ok", "every record matches its log entry")]
    return problems


def _with_exhibits(body: dict[str, Any]) -> dict[str, Any]:
    """A capture entry's artefacts as the ``role -> exhibit`` map its row keeps."""
    if str(body.get("action", "")).startswith("capture."):
        artefacts = body.get("artefacts") or {}
        body["artefacts_exhibits"] = {role: a.get("exhibit") for role, a in artefacts.items()}
    return body


def _check_triage(case: Case, entries: dict[int, dict[str, Any]], claimed: set[int]) -> list[Check]:
    """Each ``triage.batch`` entry against the model output stored for its items."""
    batches: dict[int, tuple[int, Any]] = {}
    rows = Triage.objects.filter(item__case=case).order_by("item_id")
    for item_id, index, version, scores, model_labels in rows.values_list(
        "item_id", "log_index", "model_version", "scores", "model_labels"
    ).iterator(chunk_size=2000):
        if entries.get(index, {}).get("action") != "triage.batch":
            continue  # made by a review before any triage: nothing of the model's in it
        count, running = batches.get(index, (0, hashlib.sha256()))
        running.update(
            bytes.fromhex(sha256_of(triage_fields(item_id, version, scores, model_labels)))
        )
        batches[index] = (count + 1, running)
    problems = []
    for index, body in entries.items():
        if body.get("action") != "triage.batch":
            continue
        claimed.add(index)
        count, running = batches.get(index, (0, hashlib.sha256()))
        if count < int(body.get("items", 0)):
            continue  # partly replaced by a later triage (derived data, not evidence)
        if count != body.get("items") or running.hexdigest() != body.get("digest"):
            problems.append(
                Check(
                    f"case {case.pk}, triage recorded in entry {index}",
                    "altered",
                    "the stored model labels do not match what the custody log recorded",
                )
            )
    return problems
