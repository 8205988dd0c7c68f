"""Checks of a case's actions and deadlines against the custody-log entries recording them.

``check_actions`` follows ``onrecord.cases.verify.check_records``: every Action and Deadline
row must match the digest in the latest ``action.record`` / ``action.update`` entry naming
it, and every action or deadline an entry names must still be in the database.
"""

from __future__ import annotations

from typing import Any

from onrecord.cases.models import Case
from onrecord.cases.records import digest
from onrecord.steps.models import Action, Deadline
from onrecord.steps.tracking import action_fields, deadline_fields
from onrecord.vault.verify import Check

ACTION_ENTRIES = ("action.record", "action.update")


def check_actions(case: Case, entries: dict[int, dict[str, Any]], claimed: set[int]) -> list[Check]:
    """Problems found (an empty list when every row matches); claims the entries it checks."""
    latest_action: dict[int, tuple[int, str]] = {}
    latest_deadline: dict[int, tuple[int, str]] = {}
    for index, body in sorted(entries.items()):
        if body.get("action") not in ACTION_ENTRIES:
            continue
        claimed.add(index)
        latest_action[int(body.get("action_id", -1))] = (index, str(body.get("digest")))
        for made in body.get("deadlines") or []:
            latest_deadline[int(made.get("deadline", -1))] = (index, str(made.get("digest")))
    prefix = f"case {case.pk}"
    problems: list[Check] = []
    for action in Action.objects.filter(case=case).order_by("pk"):
        subject = f"{prefix}, action {action.pk} ({action.kind})"
        problems += _compare(
            subject, action.log_index, latest_action.pop(action.pk, None), action_fields(action)
        )
    deadlines = Deadline.objects.filter(action__case=case).order_by("pk")
    for deadline in deadlines:
        subject = f"{prefix}, deadline {deadline.pk} of action {deadline.action_id}"
        problems += _compare(
            subject,
            deadline.log_index,
            latest_deadline.pop(deadline.pk, None),
            deadline_fields(deadline),
        )
    for what, gone in (("action", latest_action), ("deadline", latest_deadline)):
        for number, (index, _digest) in sorted(gone.items()):
            problems.append(
                Check(
                    f"{prefix}, {what} {number}",
                    "missing",
                    f"recorded in custody-log entry {index} but gone from the database",
                )
            )
    return problems


def _compare(
    subject: str, log_index: int, latest: tuple[int, str] | None, fields: dict[str, Any]
) -> list[Check]:
    if latest is None:
        return [Check(subject, "altered", "no custody-log entry records it")]
    index, logged = latest
    if log_index != index:
        return [
            Check(
                subject,
                "altered",
                f"it points at custody-log entry {log_index}, but its latest entry is {index}",
            )
        ]
    if digest(fields) != logged:
        return [
            Check(
                subject,
                "altered",
                f"its fields do not match the digest in custody-log entry {index}",
            )
        ]
    return []
