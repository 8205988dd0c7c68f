"""Recording actions and their deadlines, each change with its custody-log entry.

``record_action`` and ``update_action`` make one change in one transaction that also appends
the entry recording it (``action.record`` / ``action.update``, with a digest of the action's
fields and of every deadline the change created or closed), then sign the log's head
(``seal``). Which deadlines an action starts, and the source of each rule, is
``onrecord.steps.deadlines``. Deadlines close when they are done: an answer closes the
follow-up; "resolved" closes every deadline of the action; a complaint sent to eSafety closes
the case's open eSafety reminders (the person has done what they said)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from onrecord.cases.models import Case
from onrecord.cases.records import digest, seal
from onrecord.errors import InputError
from onrecord.steps.deadlines import (
    ESAFETY_IMAGE_RULE,
    ESAFETY_NOTICE_RULE,
    ESAFETY_REMINDERS,
    ESAFETY_RULE,
    FOLLOW_UP_DAYS,
    FOLLOW_UP_RULE,
    TAKE_IT_DOWN_RULE,
    is_to_esafety,
    rules_for,
)
from onrecord.steps.models import Action, Deadline
from onrecord.vault.custody import utc_now
from onrecord.vault.home import Vault

__all__ = [
    "ESAFETY_IMAGE_RULE",
    "ESAFETY_NOTICE_RULE",
    "ESAFETY_RULE",
    "FOLLOW_UP_DAYS",
    "FOLLOW_UP_RULE",
    "TAKE_IT_DOWN_RULE",
    "Due",
    "action_fields",
    "action_row",
    "deadline_fields",
    "deadline_row",
    "due",
    "find_action",
    "record_action",
    "update_action",
]
ANSWERS = {Action.Status.ACKNOWLEDGED, Action.Status.RESOLVED, Action.Status.REFUSED}
FINAL = {Action.Status.RESOLVED, Action.Status.REFUSED}


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def action_fields(action: Action) -> dict[str, Any]:
    """What the custody log fixes about an action (by digest)."""
    return {
        "case": action.case_id,
        "step": action.step,
        "kind": action.kind,
        "target": action.target,
        "status": action.status,
        "reference": action.reference,
        "sent_at": _iso(action.sent_at),
        "answered_at": _iso(action.answered_at),
        "note": action.note,
        "document_sha256": action.document_sha256,
        "created_at": _iso(action.created_at),
    }


def deadline_fields(deadline: Deadline) -> dict[str, Any]:
    """What the custody log fixes about a deadline (by digest)."""
    return {
        "action": deadline.action_id,
        "due_at": _iso(deadline.due_at),
        "rule": deadline.rule,
        "source_url": deadline.source_url,
        "checked_on": _iso(deadline.checked_on),
        "done": deadline.done,
    }


def record_action(
    vault: Vault,
    case: Case,
    *,
    step: str,
    kind: str,
    target: str,
    operator: str,
    status: str = Action.Status.DRAFTED,
    reference: str = "",
    note: str = "",
    sent_at: dt.datetime | None = None,
    document_sha256: str = "",
    at: dt.datetime | None = None,
) -> Action:
    """Record an action (a report, a notice, a letter) and the deadlines it starts."""
    now = at or utc_now()
    _check_choice(step, Action.Step.values, "step")
    _check_choice(status, Action.Status.values, "status")
    if not kind.strip() or not target.strip():
        raise InputError("Say what kind of action it is (--kind) and to whom (--target).")
    action = Action(
        case=case,
        step=step,
        kind=kind.strip(),
        target=target.strip(),
        status=status,
        reference=reference.strip(),
        note=note,
        document_sha256=document_sha256.strip().lower(),
        created_at=now,
        log_index=-1,
    )
    if status != Action.Status.DRAFTED:
        action.sent_at = sent_at or now
    if status in ANSWERS:
        action.answered_at = now
    with transaction.atomic():
        action.save()
        changed = _new_deadlines(action, case)
        changed += _closed_deadlines(action)
        _log(vault, case, action, changed, "action.record", operator)
    seal(vault, case)
    return action


def update_action(
    vault: Vault,
    action: Action,
    *,
    operator: str,
    status: str | None = None,
    reference: str | None = None,
    note: str | None = None,
    answered_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Action:
    """Change an action's status, reference or note; start or close deadlines to match."""
    now = at or utc_now()
    if status is not None:
        _check_choice(status, Action.Status.values, "status")
        action.status = status
    if reference is not None:
        action.reference = reference.strip()
    if note is not None:
        action.note = note
    if action.status != Action.Status.DRAFTED and action.sent_at is None:
        action.sent_at = now
    if answered_at is not None:
        action.answered_at = answered_at
    elif action.status in ANSWERS and action.answered_at is None:
        action.answered_at = now
    case = action.case
    with transaction.atomic():
        action.save()
        changed = _new_deadlines(action, case)
        changed += _closed_deadlines(action)
        _log(vault, case, action, changed, "action.update", operator)
    seal(vault, case)
    return action


def find_action(case: Case, number: int) -> Action:
    """An action of ``case`` by its number."""
    found = Action.objects.filter(case=case, pk=number).first()
    if found is None:
        raise InputError(
            f"Case {case.pk} has no action {number}. `onrecord action list {case.pk}` lists them."
        )
    return found


def _check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise InputError(f"{value!r} is not a {what}: use one of {', '.join(allowed)}.")


def _log(
    vault: Vault,
    case: Case,
    action: Action,
    deadlines: Sequence[Deadline],
    name: str,
    operator: str,
) -> None:
    log = vault.log(case.log_name)
    index = log.next_index()
    action.log_index = index
    action.save(update_fields=["log_index"])
    for deadline in deadlines:
        deadline.log_index = index
        deadline.save(update_fields=["log_index"])
    log.append(
        name,
        operator,
        {
            "case": case.uid.hex,
            "action_id": action.pk,
            "digest": digest(action_fields(action)),
            "deadlines": [
                {"deadline": d.pk, "digest": digest(deadline_fields(d))} for d in deadlines
            ],
        },
    )


def _new_deadlines(action: Action, case: Case) -> list[Deadline]:
    if action.sent_at is None:
        return []
    existing = set(Deadline.objects.filter(action=action).values_list("rule", flat=True))
    made = []
    for rule in rules_for(action, case.jurisdiction):
        if rule.text in existing:
            continue
        made.append(
            Deadline.objects.create(
                action=action,
                due_at=action.sent_at + rule.after,
                rule=rule.text,
                source_url=rule.source_url,
                checked_on=rule.checked_on,
                log_index=-1,
            )
        )
    return made


def _closed_deadlines(action: Action) -> list[Deadline]:
    """An answer closes the follow-up; "resolved" closes every deadline of the action; a
    complaint sent to eSafety closes the case's open eSafety reminders."""
    closed: list[Deadline] = []
    open_ones = Deadline.objects.filter(action=action, done=False)
    if action.status == Action.Status.RESOLVED:
        closed += open_ones
    elif action.answered_at is not None:
        closed += open_ones.filter(rule=FOLLOW_UP_RULE)
    if action.sent_at is not None and is_to_esafety(action):
        reminders = Deadline.objects.filter(
            action__case_id=action.case_id, rule__in=ESAFETY_REMINDERS, done=False
        ).exclude(pk__in=[d.pk for d in closed])
        closed += reminders
    for deadline in closed:
        deadline.done = True
        deadline.save(update_fields=["done"])
    return closed


@dataclass(frozen=True)
class Due:
    """Deadlines not done: those past due, and those still ahead (soonest first)."""

    overdue: list[Deadline]
    upcoming: list[Deadline]


def due(now: dt.datetime | None = None, case: Case | None = None) -> Due:
    """What is due across every case (or one): overdue first, then upcoming."""
    now = now or utc_now()
    query = Deadline.objects.filter(done=False).select_related("action", "action__case")
    if case is not None:
        query = query.filter(action__case=case)
    rows = list(query.order_by("due_at", "pk"))
    return Due(
        overdue=[d for d in rows if d.due_at < now],
        upcoming=[d for d in rows if d.due_at >= now],
    )


def deadline_row(deadline: Deadline, now: dt.datetime) -> dict[str, Any]:
    """A deadline as plain JSON-ready values (for the CLI and the plan)."""
    action = deadline.action
    return {
        "id": deadline.pk,
        "case": action.case_id,
        "action": action.pk,
        "kind": action.kind,
        "target": action.target,
        "due_at": deadline.due_at.isoformat(),
        "overdue": deadline.due_at < now and not deadline.done,
        "rule": deadline.rule,
        "source_url": deadline.source_url or None,
        "checked_on": _iso(deadline.checked_on),
        "done": deadline.done,
    }


def action_row(action: Action) -> dict[str, Any]:
    """An action as plain JSON-ready values: its logged fields and its id."""
    fields = action_fields(action)
    return {"id": action.pk, **fields, "document_sha256": fields["document_sha256"] or None}
