"""Home ("what's next"), the list of cases, opening a case, and a case's overview.

The overview is also what the person harassed sees in helper mode: counts by severity and
by kind, never the words.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onrecord.analysis.severity import LEVEL_NAMES
from onrecord.cases.models import Case, Item, Party, Triage
from onrecord.cases.records import create_case
from onrecord.errors import InputError
from onrecord.reference.lookup import jurisdiction_codes
from onrecord.server.accounts import share_case
from onrecord.server.permissions import visible_cases
from onrecord.steps.plan import plan
from onrecord.steps.tracking import deadline_row, due
from onrecord.vault.custody import utc_now
from onrecord.web.views.common import (
    case_or_404,
    operator,
    page,
    server_mode,
    staff,
    state,
    vault,
)

PLAN_ON_HOME_LIMIT = 20_000  # items: above this, the home page links to the plan instead


class CaseForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("A name for this case"),
        max_length=200,
        help_text=gettext_lazy("Only you see it. For example: Messages from an old classmate."),
    )
    jurisdiction = forms.CharField(
        label=gettext_lazy("Where you live"),
        max_length=16,
        help_text=gettext_lazy("A country code, with a region if you know it: US-CA, GB, AU-NSW."),
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Your time zone"),
        max_length=64,
        help_text=gettext_lazy("For example America/Los_Angeles, Europe/London or UTC."),
    )
    victim = forms.CharField(
        label=gettext_lazy("Your name (as the police should write it)"),
        max_length=200,
        required=False,
    )
    suspects = forms.CharField(
        label=gettext_lazy("Who is doing it, if you know (names or handles, one a line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    witnesses = forms.CharField(
        label=gettext_lazy("Who saw it happen (one a line)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean_time_zone(self) -> str:
        value = str(self.cleaned_data["time_zone"]).strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("%(v)s is not a time zone name: use one such as Europe/London or UTC.")
                % {"v": value}
            ) from None
        return value


def home(request: HttpRequest) -> HttpResponse:
    """What is overdue or due soon, each case's most urgent step, and the cases."""
    now = utc_now()
    found = due(now)
    listed = Case.objects.all()
    if server_mode():  # only the cases shared with this staff account, and their deadlines
        shown = {c.pk for c in visible_cases(staff(request))}
        listed = listed.filter(pk__in=shown)
        found.overdue[:] = [d for d in found.overdue if d.action.case_id in shown]
        found.upcoming[:] = [d for d in found.upcoming if d.action.case_id in shown]
    cases = list(
        listed.annotate(
            n_items=Count("items", distinct=True), n_evidence=Count("evidence", distinct=True)
        ).order_by("pk")
    )
    next_steps: list[dict[str, Any]] = []
    for case in cases:
        if case.n_items > PLAN_ON_HOME_LIMIT:
            next_steps.append({"case": case, "step": None})
            continue
        made = plan(case, now=now)
        next_steps.append({"case": case, "step": made.steps[0], "safety": made.safety})
    return page(
        request,
        "home.html",
        {
            "overdue": [deadline_row(d, now) for d in found.overdue],
            "upcoming": [deadline_row(d, now) for d in found.upcoming][:10],
            "cases": cases,
            "next_steps": next_steps,
        },
    )


@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    initial = {"time_zone": state().settings.time_zone}
    form = CaseForm(request.POST or None, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = create_case(
                vault(),
                title=data["title"],
                jurisdiction=data["jurisdiction"],
                time_zone=data["time_zone"],
                operator=operator(request),
            )
        except InputError as exc:
            error = str(exc)
        else:
            if server_mode():  # whoever opens a case leads it until they share it
                share_case(vault(), made, operator(request), "owner", operator=operator(request))
            _add_parties(made, data)
            return HttpResponseRedirect(reverse("case", args=[made.pk]) + "?new=1")
    return page(
        request,
        "case_new.html",
        {"form": form, "error": error, "jurisdictions": jurisdiction_codes()},
    )


def _add_parties(case: Case, data: dict[str, Any]) -> None:
    rows = []
    if str(data.get("victim", "")).strip():
        rows.append(Party(case=case, role=Party.Role.VICTIM, name=data["victim"].strip()))
    for role, field in ((Party.Role.SUSPECT, "suspects"), (Party.Role.WITNESS, "witnesses")):
        for line in str(data.get(field, "")).splitlines():
            if line.strip():
                rows.append(Party(case=case, role=role, name=line.strip()[:200]))
    with transaction.atomic():
        Party.objects.bulk_create(rows)


def case_overview(request: HttpRequest, case_id: int) -> HttpResponse:
    """Counts only: how many items at each level and of each kind; nothing quoted."""
    case = case_or_404(request, case_id)
    levels = Counter(
        dict(
            Triage.objects.filter(item__case=case)
            .values_list("level")
            .annotate(n=Count("id"))
            .values_list("level", "n")
        )
    )
    labels: Counter[str] = Counter()
    for row in (
        Triage.objects.filter(item__case=case)
        .exclude(labels=[])
        .values_list("labels", flat=True)
        .iterator(chunk_size=5000)
    ):
        labels.update(row)
    return page(
        request,
        "case.html",
        {
            "case": case,
            "tab": "overview",
            "levels": [(name, levels.get(name, 0)) for name in LEVEL_NAMES],
            "labels": sorted(labels.items(), key=lambda kv: -kv[1]),
            "items": Item.objects.filter(case=case).count(),
            "exhibits": case.evidence.count(),
            "parties": list(case.parties.all()),
            "is_new": request.GET.get("new") == "1",
        },
    )
