"""What the views share: the state, who is acting, the case, and small response helpers."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _

from onrecord.cases.models import Case
from onrecord.vault.home import Vault
from onrecord.web.state import WebState, current


def state() -> WebState:
    return current()


def vault() -> Vault:
    """The open vault (the lock middleware has made sure there is one)."""
    opened = current().vault
    if opened is None:
        raise Http404(_("The vault is locked."))
    return opened


def operator(request: HttpRequest) -> str:
    """Who is acting, as the custody log records it: the helper says so."""
    name = current().settings.operator
    if request.session.get("role") == "helper":
        helper = str(request.session.get("helper_name") or _("a helper"))
        return f"{helper} (helping {name})"
    return name


def case_or_404(case_id: int) -> Case:
    found = Case.objects.filter(pk=case_id).first()
    if found is None:
        raise Http404(_("There is no case number %(n)s.") % {"n": case_id})
    return found


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def summaries_only(request: HttpRequest) -> bool:
    """Helper mode is on and this is the person harassed: show counts, never content."""
    return current().helper_mode and request.session.get("role") != "helper"


def refuse_content(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden(
        _(
            "Helper mode is on: your helper reviews the messages, and you see summaries only. "
            "Turn helper mode off on the Helper page to see them yourself."
        )
    )


def page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"onrecord/{template}", context)
