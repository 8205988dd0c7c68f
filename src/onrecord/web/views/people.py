"""Who may see a case, from the web: its people, their roles, and the invites still open.

Only an account allowed to ``share`` the case (``server.permissions``; today its owners)
reaches these pages; anyone else with a share gets a 403 saying so, and anyone without one
the 404 of a case that does not exist. An owner invites by email and role, revokes an
invite not yet used, changes a member's role or removes them; the last owner can be
neither demoted nor removed (``server.accounts``). Each change is an entry in the case's
custody log, written by the same functions the command line uses.

A new invite's link is shown once, in the answer to the form that made it, with a button
that copies it. It is never stored: only its token's hash is (``server.invites``), and it
is not put in the session, which lives in the database. It starts with the server's public
address (``public_url``); without one the page shows the path and says what to put in
front of it, rather than guess the address from the request's Host header.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onrecord.cases.models import Case
from onrecord.errors import InputError
from onrecord.server.accounts import case_people, share_case, unshare_case
from onrecord.server.invites import (
    DEFAULT_HOURS,
    create_invite,
    invite_link,
    pending_invites,
    revoke_invite,
)
from onrecord.server.models import CaseShare, Role
from onrecord.web.addresses import public_url
from onrecord.web.views.common import case_or_404, operator, page, state, vault

NOTICE = "people_notice"
ROLE_CHOICES = [
    (Role.OWNER.value, gettext_lazy("Owner: sees and does everything, and can share the case")),
    (Role.ADVOCATE.value, gettext_lazy("Advocate: reviews, labels, adds evidence and exports")),
    (Role.LAWYER.value, gettext_lazy("Lawyer: reads everything and exports it")),
    (Role.VIEWER.value, gettext_lazy("Viewer: reads, changes nothing")),
]
ROLE_NAMES = {
    Role.OWNER.value: gettext_lazy("owner"),
    Role.ADVOCATE.value: gettext_lazy("advocate"),
    Role.LAWYER.value: gettext_lazy("lawyer"),
    Role.VIEWER.value: gettext_lazy("viewer"),
}
LIFETIMES = [
    (24, gettext_lazy("1 day")),
    (int(DEFAULT_HOURS), gettext_lazy("3 days")),
    (7 * 24, gettext_lazy("7 days")),
]


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Their email address"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Their role on this case"),
        choices=ROLE_CHOICES,
        initial=Role.ADVOCATE.value,
        widget=forms.RadioSelect,
    )
    hours = forms.TypedChoiceField(
        label=gettext_lazy("The link works for"),
        choices=LIFETIMES,
        coerce=int,
        initial=int(DEFAULT_HOURS),
    )


def _case(request: HttpRequest, case_id: int) -> Case:
    if not state().server_mode:
        raise Http404(_("Sharing a case with staff accounts is for the organisation server."))
    return case_or_404(request, case_id, "share")


def _context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    people = [
        {"share": share, "role_name": ROLE_NAMES.get(share.role, share.role)}
        for share in case_people(case)
    ]
    invites = [
        {"invite": invite, "role_name": ROLE_NAMES.get(invite.role, invite.role)}
        for invite in pending_invites(case)
    ]
    notice = request.session.pop(NOTICE, None)
    kind, text = notice if isinstance(notice, list) and len(notice) == 2 else ("", "")
    return {
        "case": case,
        "tab": "people",
        "people": people,
        "invites": invites,
        "roles": list(ROLE_NAMES.items()),
        "notice": text if kind == "ok" else "",
        "error": text if kind == "error" else "",
        "form": InviteForm(),
        "link": "",
        "public_url": public_url(),
        **extra,
    }


def _back(request: HttpRequest, case: Case, kind: str, text: str) -> HttpResponse:
    request.session[NOTICE] = [kind, text]
    return HttpResponseRedirect(reverse("people", args=[case.pk]))


@require_http_methods(["GET", "POST"])
def people_page(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's people and open invites; a POST makes an invite and shows its link once."""
    case = _case(request, case_id)
    if request.method != "POST":
        return page(request, "people.html", _context(request, case))
    form = InviteForm(request.POST)
    if not form.is_valid():
        return page(request, "people.html", _context(request, case, form=form))
    try:
        made = create_invite(
            vault(),
            case,
            form.cleaned_data["email"],
            form.cleaned_data["role"],
            operator=operator(request),
            hours=form.cleaned_data["hours"],
        )
    except InputError as exc:
        return page(request, "people.html", _context(request, case, form=form, error=str(exc)))
    extra = {
        "link": invite_link(public_url(), made.token),
        "invited": made.invite,
        "invited_role": ROLE_NAMES.get(made.invite.role, made.invite.role),
    }
    return page(request, "people.html", _context(request, case, **extra))


@require_POST
def revoke(request: HttpRequest, case_id: int, invite_id: int) -> HttpResponse:
    """Withdraw an invite that was not used yet."""
    case = _case(request, case_id)
    try:
        invite = revoke_invite(vault(), case, invite_id, operator=operator(request))
    except InputError as exc:
        return _back(request, case, "error", str(exc))
    message = _("The invite for %(email)s is withdrawn; its link no longer works.")
    return _back(request, case, "ok", message % {"email": invite.email})


def _member(case: Case, user_id: int) -> User:
    share = CaseShare.objects.select_related("user").filter(case=case, user_id=user_id).first()
    if share is None:
        raise Http404(_("That person has no share of this case."))
    return share.user


@require_POST
def change_role(request: HttpRequest, case_id: int, user_id: int) -> HttpResponse:
    """Give a member another role."""
    case = _case(request, case_id)
    member = _member(case, user_id)
    role = request.POST.get("role", "")
    try:
        share_case(vault(), case, member.username, role, operator=operator(request))
    except InputError as exc:
        return _back(request, case, "error", str(exc))
    if member.pk == request.user.pk and role != Role.OWNER:  # no longer sees this page
        return HttpResponseRedirect(reverse("case", args=[case.pk]))
    message = _("%(email)s is now %(role)s of this case.")
    return _back(
        request, case, "ok", message % {"email": member.username, "role": ROLE_NAMES[role]}
    )


@require_POST
def remove(request: HttpRequest, case_id: int, user_id: int) -> HttpResponse:
    """Take a member's share of the case away (their sessions lose it at once)."""
    case = _case(request, case_id)
    member = _member(case, user_id)
    try:
        unshare_case(vault(), case, member.username, operator=operator(request))
    except InputError as exc:
        return _back(request, case, "error", str(exc))
    if member.pk == request.user.pk:
        return HttpResponseRedirect(reverse("home"))
    message = _("%(email)s no longer has access to this case.")
    return _back(request, case, "ok", message % {"email": member.username})
