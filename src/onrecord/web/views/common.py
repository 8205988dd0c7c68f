"""What the views share: the state, who is acting, the case, and small response helpers.

``case_or_404`` is where server mode's permissions meet every view: a case the staff
account may not view is the same 404 as a case that does not exist (ids can be guessed),
and a case it may view but not act on in that way is a 403 that says so.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _

from onrecord.cases.models import Case
from onrecord.errors import CaseNotFoundError
from onrecord.server.permissions import Action, PermissionDeniedError, case_for, check
from onrecord.vault.home import Vault
from onrecord.web.state import WebState, current


class RefusedError(Exception):
    """A staff account may see the case but not do this; shown as a 403 with the reason."""


def state() -> WebState:
    return current()


def vault() -> Vault:
    """The open vault (the lock middleware has made sure there is one)."""
    opened = current().vault
    if opened is None:
        raise Http404(_("The vault is locked."))
    return opened


def server_mode() -> bool:
    return current().server_mode


def staff(request: HttpRequest) -> User | AnonymousUser:
    """The logged-in staff account (server mode), set by ``web.staff`` for this request."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else AnonymousUser()


def operator(request: HttpRequest) -> str:
    """Who is acting, as the custody log records it: the staff account, or the helper."""
    if server_mode():
        return str(staff(request).get_username())
    name = current().settings.operator
    if request.session.get("role") == "helper":
        helper = str(request.session.get("helper_name") or _("a helper"))
        return f"{helper} (helping {name})"
    return name


def case_or_404(request: HttpRequest, case_id: int, action: Action = "view") -> Case:
    """The case, if this request may do ``action`` on it (``server.permissions``)."""
    if server_mode():
        try:
            found = case_for(staff(request), case_id, "view")
        except CaseNotFoundError as exc:
            raise Http404(str(exc)) from None
        if action != "view":
            try:
                check(staff(request), found, action)
            except PermissionDeniedError as exc:
                raise RefusedError(str(exc)) from None
        return found
    local = Case.objects.filter(pk=case_id).first()
    if local is None:
        raise Http404(_("There is no case number %(n)s.") % {"n": case_id})
    return local


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def summaries_only(request: HttpRequest) -> bool:
    """Helper mode is on and this is the person harassed: show counts, never content."""
    web = current()
    return web.helper_mode and not web.server_mode and request.session.get("role") != "helper"


def refuse_content(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden(
        _(
            "Helper mode is on: your helper reviews the messages, and you see summaries only. "
            "Turn helper mode off on the Helper page to see them yourself."
        )
    )


def page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"onrecord/{template}", context)


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 page naming what this account may not do, and whom to ask."""
    response = page(request, "error.html", {"title": _("Not allowed"), "message": message})
    response.status_code = 403
    return response
