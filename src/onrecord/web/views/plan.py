"""The five steps: each explained, its documents previewed and downloaded, its actions recorded.

Downloading a document records it in the custody log, as ``onrecord document`` does.
Recording an action (a report sent, an answer received) starts and closes its deadlines
through ``steps.tracking``; the plan and the home page then show what is due.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from onrecord.cases.records import record_export
from onrecord.documents import KINDS, Request, find_kind, render_document
from onrecord.documents.render import Format
from onrecord.errors import InputError, OnrecordError
from onrecord.server.permissions import record_export as staff_record_export
from onrecord.steps.models import Action
from onrecord.steps.plan import plan as make_plan
from onrecord.steps.tracking import action_row, deadline_row, find_action, record_action
from onrecord.steps.tracking import update_action as change_action
from onrecord.vault.custody import utc_now
from onrecord.web.views.common import (
    case_or_404,
    operator,
    page,
    refuse_content,
    server_mode,
    staff,
    summaries_only,
    vault,
)
from onrecord.web.words import STATUS_WORDS, word

STATUS_CHOICES = [(s, word(STATUS_WORDS, s)) for s in Action.Status.values]


class ActionForm(forms.Form):
    step = forms.ChoiceField(choices=[(s, s) for s in Action.Step.values], widget=forms.HiddenInput)
    kind = forms.CharField(
        label=gettext_lazy("What you did"),
        max_length=100,
        help_text=gettext_lazy('For example "police report" or "platform report".'),
    )
    target = forms.CharField(
        label=gettext_lazy("Sent to (the police, the platform...)"), max_length=200
    )
    status = forms.ChoiceField(label=gettext_lazy("Where it stands"), choices=STATUS_CHOICES)
    reference = forms.CharField(
        label=gettext_lazy("Reference or ticket number (if you got one)"),
        max_length=200,
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def plan_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    made = make_plan(case)
    now = utc_now()
    titles = {k.key: k for k in KINDS}
    steps: list[dict[str, Any]] = []
    for step in made.steps:
        actions = []
        for found in Action.objects.filter(case=case, step=step.key).prefetch_related("deadlines"):
            actions.append(
                action_row(found)
                | {"deadlines": [deadline_row(d, now) for d in found.deadlines.all()]}
            )
        steps.append(
            {
                "step": step,
                "documents": [titles[k] for k in step.documents if k in titles],
                "actions": actions,
                "form": ActionForm(initial={"step": step.key, "status": "sent"}),
            }
        )
    return page(
        request,
        "plan.html",
        {
            "case": case,
            "tab": "plan",
            "plan": made,
            "steps": steps,
            "statuses": STATUS_CHOICES,
            "other_documents": [
                k for k in KINDS if not any(k.key in s.documents for s in made.steps)
            ],
        },
    )


@require_GET
def preview(request: HttpRequest, case_id: int, kind_key: str) -> HttpResponse:
    """The document as plain text, shown on the page only when asked (it quotes messages)."""
    case = case_or_404(request, case_id)
    if summaries_only(request):
        return refuse_content(request)
    try:
        kind = find_kind(kind_key)
        text = render_document(Request(vault(), case, operator(request)), kind.key, "text")
    except OnrecordError as exc:
        return HttpResponseBadRequest(str(exc))
    return page(
        request, "_preview.html", {"kind": kind, "text": text.decode("utf-8"), "case": case}
    )


@require_POST
def download(request: HttpRequest, case_id: int, kind_key: str) -> HttpResponse:
    """The document as a PDF (or text) file, recorded in the custody log like the CLI's."""
    case = case_or_404(request, case_id, "export")
    fmt: Format = "text" if request.POST.get("format") == "text" else "pdf"
    try:
        kind = find_kind(kind_key)
        made = render_document(Request(vault(), case, operator(request)), kind.key, fmt)
    except OnrecordError as exc:
        return HttpResponseBadRequest(str(exc))
    details = {
        "document": kind.key,
        "format": fmt,
        "sha256": hashlib.sha256(made).hexdigest(),
        "size": len(made),
        "items": [],
        "platform": "",
    }
    if server_mode():
        staff_record_export(vault(), staff(request), case, details)
    else:
        record_export(vault(), case, operator(request), details)
    name = get_valid_filename(f"case-{case.pk}-{kind.key}.{'pdf' if fmt == 'pdf' else 'txt'}")
    response = HttpResponse(
        made, content_type="application/pdf" if fmt == "pdf" else "text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_POST
def add_action(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id, "edit")
    form = ActionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            _("Fill in what you did and who it went to, then send again.")
        )
    data = form.cleaned_data
    try:
        made = record_action(
            vault(),
            case,
            step=data["step"],
            kind=data["kind"],
            target=data["target"],
            status=data["status"],
            reference=data["reference"],
            note=data["note"],
            operator=operator(request),
        )
    except InputError as exc:
        return HttpResponseBadRequest(str(exc))
    return HttpResponseRedirect(
        reverse("plan", args=[case.pk]) + f"?saved={made.pk}#step-{made.step}"
    )


@require_POST
def update_action(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    case = case_or_404(request, case_id, "edit")
    status = request.POST.get("status") or None
    reference = request.POST.get("reference")
    if status is not None and status not in Action.Status.values:
        return HttpResponseBadRequest(_("Choose where it stands from the list."))
    try:
        found = find_action(case, action_id)
        change_action(
            vault(),
            found,
            status=status,
            reference=reference if reference else None,
            note=None,
            operator=operator(request),
        )
    except InputError as exc:
        return HttpResponseBadRequest(str(exc))
    return HttpResponseRedirect(
        reverse("plan", args=[case.pk]) + f"?saved={action_id}#step-{found.step}"
    )
