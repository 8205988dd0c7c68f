"""The review queue's order: every latest item of a case, worst first, as a list of ids.

Sorting 100,000 joined rows on each page costs hundreds of milliseconds in an encrypted
database, so the ordered ids of a case (per severity floor) are kept in memory and reused
until the case's custody log grows: every change that can move an item in the queue (an
import, triage, a person's review, an item added by hand) appends an entry to it, so the
log's latest index is the order's version. A page is then a slice of ids and one query.
Locking the vault drops the cache (``WebState.lock``).
"""

from __future__ import annotations

import threading

from django.db.models import F, Max, QuerySet

from onrecord.analysis.severity import level_floor
from onrecord.cases.models import Case, Item
from onrecord.vault.models import LogEntry


def queue_items(case: Case, min_level: str = "none") -> QuerySet[Item]:
    """The latest version of each item, worst first (unlabelled items last).

    "Latest" excludes the ids some item names as its previous version: one pass over the
    case's edits (SQLite builds the lookup once), where a ``later_versions`` join would
    search the whole table for every item (``previous_version`` has no index of its own).
    """
    superseded = Item.objects.filter(case=case, previous_version__isnull=False).values(
        "previous_version_id"
    )
    query = Item.objects.filter(case=case).exclude(pk__in=superseded)
    floor = level_floor(min_level)
    if floor > 0:
        query = query.filter(triage__severity__gte=floor)
    return query.select_related("author", "triage").order_by(
        F("triage__severity").desc(nulls_last=True), "sent_at", "pk"
    )


class QueueOrder:
    """Ordered ids per (case, severity floor), valid while the case's log has not grown."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[int, str], tuple[int, list[int]]] = {}

    def ids(self, case: Case, min_level: str) -> list[int]:
        version = LogEntry.objects.filter(log=case.log_name).aggregate(v=Max("index"))["v"]
        key = (int(case.pk), min_level)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        ids = list(queue_items(case, min_level).values_list("pk", flat=True))
        with self._lock:
            self._kept[key] = (-1 if version is None else int(version), ids)
        return ids

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
