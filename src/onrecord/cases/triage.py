"""Triage of a case's items, and people's reviews, each logged.

``triage_case`` labels every item not yet labelled by the current classifier version, a
batch per transaction with one custody-log entry (``triage.batch``) fixing the digest of
what the model decided. ``review`` records a person's decision on an item (``label.set``);
it always beats the model: an item's counted labels and severity are the model's, then
every review applied in order.

On the organisation server one case's items are triaged by many workers at once:
``plan_parts`` cuts the unlabelled items into id ranges and ``triage_range`` labels one
range. Classifying happens outside any lock; each batch is written in a short transaction
that first takes the case log's lock, then keeps only the items still unlabelled by this
version and reads their reviews, so two parts, a retried part or a person's review at the
same moment never overwrite one another and nothing is labelled twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from onrecord.analysis.classify import Classifier, Result
from onrecord.analysis.labels import LABELS
from onrecord.analysis.patterns import Message
from onrecord.analysis.severity import level, severity
from onrecord.cases.items import label_fields, sha256_of, triage_fields
from onrecord.cases.models import Case, Item, Label, Triage
from onrecord.cases.records import seal
from onrecord.errors import InputError
from onrecord.vault.custody import utc_now
from onrecord.vault.home import Vault

BATCH = 500
PART = 5000  # items per queued part: a few seconds of one worker's time


@dataclass(frozen=True)
class TriageReport:
    model_version: str
    labelled: int
    already: int


def triage_case(
    vault: Vault,
    case: Case,
    operator: str,
    classifier: Classifier | None = None,
    progress: Callable[[int], None] | None = None,
) -> TriageReport:
    """Label every item of ``case`` not yet labelled by this classifier version."""
    classifier = classifier or Classifier()
    items = Item.objects.filter(case=case)
    done = items.filter(triage__model_version=classifier.version).count()
    todo = items.exclude(triage__model_version=classifier.version).order_by("pk")
    ids = list(todo.values_list("pk", flat=True))
    labelled = _label(vault, case, operator, classifier, ids, progress)
    seal(vault, case)
    return TriageReport(classifier.version, labelled, done)


@dataclass(frozen=True)
class Part:
    """A range of a case's item ids (both ends included) and how many of them need labels."""

    first: int
    last: int
    items: int


def plan_parts(
    case: Case, version: str, size: int = PART, skip: Sequence[tuple[int, int]] = ()
) -> list[Part]:
    """Cut the items of ``case`` not labelled by ``version`` into parts of ``size`` items.

    Items inside a ``skip`` range (parts already queued) are left out.
    """
    todo = Item.objects.filter(case=case).exclude(triage__model_version=version)
    for low, high in skip:
        todo = todo.exclude(pk__range=(low, high))
    parts: list[Part] = []
    first = last = count = 0
    for pk in todo.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=20_000):
        if count == 0:
            first = pk
        last, count = pk, count + 1
        if count == size:
            parts.append(Part(first, last, count))
            count = 0
    if count:
        parts.append(Part(first, last, count))
    return parts


def triage_range(
    vault: Vault, case: Case, operator: str, first: int, last: int, classifier: Classifier
) -> TriageReport:
    """Label the items of ``case`` with ids ``first``..``last`` not labelled by this version."""
    items = Item.objects.filter(case=case, pk__gte=first, pk__lte=last)
    done = items.filter(triage__model_version=classifier.version).count()
    todo = items.exclude(triage__model_version=classifier.version).order_by("pk")
    labelled = _label(vault, case, operator, classifier, list(todo.values_list("pk", flat=True)))
    if labelled:
        seal(vault, case)
    return TriageReport(classifier.version, labelled, done)


def _label(
    vault: Vault,
    case: Case,
    operator: str,
    classifier: Classifier,
    ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> int:
    labelled = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = list(Item.objects.filter(pk__in=chunk).order_by("pk").values_list("pk", "text"))
        results = classifier.classify([text for _pk, text in rows])
        labelled += _store(
            vault, case, operator, classifier.version, [pk for pk, _ in rows], results
        )
        if progress is not None:
            progress(len(rows))
    return labelled


def _store(
    vault: Vault,
    case: Case,
    operator: str,
    version: str,
    item_ids: Sequence[int],
    results: Sequence[Result],
) -> int:
    """Write one batch; return how many items it labelled (others did the rest meanwhile)."""
    log = vault.log(case.log_name)
    with transaction.atomic():
        index = log.next_index()  # the log's lock: reviews and other parts wait from here
        still = set(
            Item.objects.filter(pk__in=item_ids)
            .exclude(triage__model_version=version)
            .values_list("pk", flat=True)
        )
        todo = [(i, r) for i, r in zip(item_ids, results, strict=True) if i in still]
        if not todo:
            return 0
        reviews = _reviews_by_item(still)
        Triage.objects.filter(item_id__in=still).delete()
        running = hashlib.sha256()
        rows = []
        for item_id, result in todo:
            scores = {k: round(float(v), 4) for k, v in result.scores.items()}
            running.update(
                bytes.fromhex(sha256_of(triage_fields(item_id, version, scores, result.labels)))
            )
            labels, value = effective(result.labels, scores, _kinds(result), reviews.get(item_id))
            rows.append(
                Triage(
                    item_id=item_id,
                    model_version=version,
                    scores=scores,
                    model_labels=result.labels,
                    labels=labels,
                    severity=value,
                    level=level(value),
                    spans=[
                        {
                            "label": s.label,
                            "start": s.start,
                            "end": s.end,
                            "text": s.text,
                            "why": s.why,
                            "kind": s.kind,
                        }
                        for s in result.spans
                    ],
                    log_index=index,
                )
            )
        Triage.objects.bulk_create(rows, batch_size=BATCH)
        log.append(
            "triage.batch",
            operator,
            {
                "case": case.uid.hex,
                "model_version": version,
                "items": len(rows),
                "digest": running.hexdigest(),
            },
        )
    return len(rows)


def _kinds(result: Result) -> list[str]:
    return result.doxing_kinds


def _reviews_by_item(item_ids: Iterable[int]) -> dict[int, list[Label]]:
    found: dict[int, list[Label]] = {}
    for review in Label.objects.filter(item_id__in=list(item_ids)).order_by("at", "pk"):
        found.setdefault(review.item_id, []).append(review)
    return found


def effective(
    model_labels: Sequence[str],
    scores: dict[str, float],
    doxing_kinds: Sequence[str],
    reviews: Sequence[Label] | None,
) -> tuple[list[str], float]:
    """The labels that count after people's reviews, and their severity."""
    labels = list(model_labels)
    scores = dict(scores)
    for review in reviews or []:
        if review.decision == Label.Decision.DISMISSED:
            labels = []
        elif review.decision == Label.Decision.CONFIRMED:
            if review.label not in labels:
                labels.append(review.label)
            scores[review.label] = 1.0
        elif review.decision == Label.Decision.REJECTED and review.label in labels:
            labels.remove(review.label)
    ordered = [label for label in LABELS if label in labels]
    return ordered, severity(ordered, scores, doxing_kinds)


def review(
    vault: Vault,
    case: Case,
    item_id: int,
    *,
    label: str,
    decision: str,
    operator: str,
    note: str = "",
) -> Label:
    """Record a person's decision on an item; it beats the model from now on."""
    if decision not in Label.Decision.values:
        raise InputError(f"{decision!r} is not a decision: use confirmed, rejected or dismissed.")
    if decision != Label.Decision.DISMISSED and label not in LABELS:
        raise InputError(f"{label!r} is not a label. Labels: {', '.join(LABELS)}.")
    item = Item.objects.filter(case=case, pk=item_id).first()
    if item is None:
        raise InputError(f"Case {case.pk} has no item {item_id}. `onrecord items` lists them.")
    log = vault.log(case.log_name)
    with transaction.atomic():
        made = Label(
            item=item,
            label=label if decision != Label.Decision.DISMISSED else "",
            decision=decision,
            by=operator,
            at=utc_now(),
            note=note,
            log_index=log.next_index(),
        )
        made.save()
        log.append(
            "label.set",
            operator,
            {
                "case": case.uid.hex,
                "label_id": made.pk,
                "item": item.pk,
                "exhibit": item.evidence.exhibit if item.evidence else None,
                "digest": sha256_of(label_fields(made)),
            },
        )
        triage = Triage.objects.filter(item=item).first()
        reviews = _reviews_by_item([item.pk]).get(item.pk, [])
        if triage is None:
            labels, value = effective([], {}, [], reviews)
            Triage.objects.create(
                item=item,
                model_version="",
                labels=labels,
                severity=value,
                level=level(value),
                log_index=made.log_index,
            )
        else:
            kinds = [s.get("kind", "") for s in triage.spans if s.get("label") == "doxing"]
            labels, value = effective(triage.model_labels, triage.scores, kinds, reviews)
            triage.labels, triage.severity, triage.level = labels, value, level(value)
            triage.save(update_fields=["labels", "severity", "level"])
    seal(vault, case)
    return made


def messages_of(case: Case) -> list[Message]:
    """The case's items as ``analysis.patterns.Message`` records (latest versions only)."""
    found = []
    rows = (
        Item.objects.filter(case=case, later_versions__isnull=True)
        .select_related("author", "triage")
        .order_by("pk")
    )
    for item in rows.iterator(chunk_size=2000):
        triage = getattr(item, "triage", None)
        author = item.author
        key = (
            f"{author.platform}:{author.handle or author.platform_id or author.display_name}"
            if author
            else "unknown"
        )
        kinds = tuple(
            s.get("kind", "")
            for s in (triage.spans if triage else [])
            if s.get("label") == "doxing"
        )
        found.append(
            Message(
                id=item.pk,
                author=key,
                sent_at=item.sent_at,
                text=item.text,
                severity=triage.severity if triage else 0.0,
                labels=tuple(triage.labels) if triage else (),
                doxing_kinds=kinds,
            )
        )
    return found
