"""Triage in parts (the server's workers share a case): ranges, retries, races, reviews."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from onrecord.analysis.classify import Classifier, Result
from onrecord.cases.models import Case, Item, Triage
from onrecord.cases.triage import plan_parts, review, triage_case, triage_range
from onrecord.cases.verify import verify
from onrecord.demo import build_demo_case
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry


class Meanwhile(Classifier):
    """The shipped classifier that runs ``during`` once, after classifying its first batch:
    what another worker or a person does between a part's reading and its writing."""

    def __init__(self, during: Callable[[], object]) -> None:
        super().__init__()
        self.during: Callable[[], object] | None = during

    def classify(self, texts: Sequence[str]) -> list[Result]:
        results = super().classify(texts)
        if self.during is not None:
            during, self.during = self.during, None
            during()
        return results


def batch_items(case: Case) -> int:
    bodies = (entry_body(e) for e in LogEntry.objects.filter(log=case.log_name))
    return sum(int(b["items"]) for b in bodies if b["action"] == "triage.batch")


def test_parts_cover_the_unlabelled_items_and_skip_the_queued_ones(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    ids = list(Item.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
    version = Classifier().version
    parts = plan_parts(case, version, size=3)
    assert [(p.first, p.last, p.items) for p in parts] == [
        (ids[0], ids[2], 3),
        (ids[3], ids[5], 3),
        (ids[6], ids[7], 2),
    ]
    skipped = plan_parts(case, version, size=3, skip=[(ids[0], ids[2])])
    assert [(p.first, p.last) for p in skipped] == [(ids[3], ids[5]), (ids[6], ids[7])]
    report = triage_range(vault, case, "worker-1", ids[3], ids[5], Classifier())
    assert (report.labelled, report.already) == (3, 0)
    assert [(p.first, p.items) for p in plan_parts(case, version, size=10)] == [
        (ids[0], 5)
    ]  # the part's three items are labelled: only the other five are left


def test_a_retried_part_labels_nothing_twice_and_the_case_still_verifies(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    first, last = Item.objects.filter(case=case).order_by("pk").values_list("pk", flat=True)[::7]
    assert triage_range(vault, case, "worker-1", first, last, Classifier()).labelled == 8
    again = triage_range(vault, case, "worker-2", first, last, Classifier())
    assert (again.labelled, again.already) == (0, 8)
    assert batch_items(case) == 8
    assert triage_case(vault, case, "tester").labelled == 0  # the laptop's way agrees
    assert all(c.is_ok for c in verify(vault)), [c for c in verify(vault) if not c.is_ok]


def test_a_part_finished_meanwhile_by_another_worker_is_not_written_again(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    first, last = Item.objects.filter(case=case).order_by("pk").values_list("pk", flat=True)[::7]

    def other_worker() -> None:
        assert triage_range(vault, case, "worker-2", first, last, Classifier()).labelled == 8

    report = triage_range(vault, case, "worker-1", first, last, Meanwhile(other_worker))
    assert report.labelled == 0
    assert Triage.objects.filter(item__case=case).count() == batch_items(case) == 8
    assert all(c.is_ok for c in verify(vault))


def test_a_review_made_while_the_model_classifies_is_kept(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    ids = list(Item.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
    target = Item.objects.get(text__contains="Birchwood Lane")

    def person_dismisses() -> None:
        review(vault, case, target.pk, label="", decision="dismissed", operator="helper")

    triage_range(vault, case, "worker-1", ids[0], ids[-1], Meanwhile(person_dismisses))
    found = Triage.objects.get(item=target)
    assert "doxing" in found.model_labels, "the model still says what it found"
    assert found.labels == [] and found.severity == 0.0, "the person's review counts"
    assert all(c.is_ok for c in verify(vault))
