"""Opening an invite link, and enrolling a second factor (organisation server only).

The invite page needs no login: the link is the credential, used once (``server.invites``).
An unknown link or a wrong password counts against the client's address like a failed
login (``web.addresses``), so the page cannot be used to guess links or passwords.
It says only what the link gives (a role on one case of this server) and never the
case's title, which can name the person harassed. A person without a password sets one;
an existing account confirms its password instead, so a link cannot replace anyone's
password. A new account is then logged in (a fresh session id) and taken to enrol a
second factor; an account that already has one logs in through the usual code page.

The enrolment page shows the authenticator key only to its logged-in owner, and only
during the enrolment it started; a code from the app confirms it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django import forms
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onrecord.errors import InputError
from onrecord.server.accounts import check_totp, enrol_totp, has_totp, totp_uri
from onrecord.server.invites import (
    InviteRefusedError,
    WrongPasswordError,
    accept_invite,
    find_invite,
    needs_new_password,
)
from onrecord.web.addresses import count_failure, limited
from onrecord.web.logs import log_auth
from onrecord.web.staff import start_session
from onrecord.web.views.common import page, staff, state, vault
from onrecord.web.views.login import CodeForm

ENROLLING, AFTER_ENROL = "totp_enrolling", "after_enrol"


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Choose a password (at least 12 characters; a few words are good)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label=gettext_lazy("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") != data.get("again"):
            raise forms.ValidationError(_("The two passwords differ. Type the same one twice."))
        return data


class ExistingPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("The password of your account"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _server_only() -> None:
    if not state().server_mode:
        raise Http404(_("Invite links are for the organisation server."))


def _role_words() -> dict[str, str]:
    return {
        "owner": _("owner: sees and does everything on the case, and can share it"),
        "advocate": _("advocate: reviews, labels, adds evidence and exports"),
        "lawyer": _("lawyer: reads everything and exports it"),
        "viewer": _("viewer: reads, changes nothing"),
    }


def _refused(request: HttpRequest, refusal: InviteRefusedError) -> HttpResponse:
    titles = {
        "unknown": _("This invite link does not work"),
        "used": _("This invite link was already used"),
        "revoked": _("This invite link was withdrawn"),
        "expired": _("This invite link has expired"),
    }
    response = page(
        request, "error.html", {"title": titles[refusal.reason], "message": str(refusal)}
    )
    response.status_code = 404 if refusal.reason == "unknown" else 410
    if refusal.reason == "unknown":
        count_failure(request, "invite")
    log_auth("invite_refused", None, refusal.reason, warning=True)
    return response


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Show what the invite gives, and take the password that accepts it."""
    _server_only()
    if (blocked := limited(request, "invite")) is not None:
        return blocked
    try:
        invite = find_invite(token)
    except InviteRefusedError as refusal:
        return _refused(request, refusal)
    new = needs_new_password(invite)
    form_class = NewPasswordForm if new else ExistingPasswordForm
    form = form_class(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = accept_invite(vault(), token, form.cleaned_data["password"])
        except InviteRefusedError as refusal:
            return _refused(request, refusal)
        except InputError as exc:
            if isinstance(exc, WrongPasswordError):
                count_failure(request, "invite")
            error = str(exc)
        else:
            log_auth("invite_accepted", user.pk)
            target = reverse("case", args=[invite.case_id])
            if has_totp(user):  # an account with a second factor logs in the usual way
                return HttpResponseRedirect(reverse("login") + f"?next={target}")
            start_session(request, state(), user)
            request.session[AFTER_ENROL] = target
            return HttpResponseRedirect(reverse("second_factor"))
    context = {
        "form": form,
        "error": error,
        "new": new,
        "email": invite.email,
        "role": _role_words().get(invite.role, invite.role),
        "expires": invite.expires_at,
        "token": token,
    }
    return page(request, "invite.html", context)


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP key for the logged-in account, confirmed by a code from the app."""
    _server_only()
    user = staff(request)
    if not isinstance(user, User):  # the staff gate sends anonymous visitors to the login
        raise Http404
    target = str(request.session.get(AFTER_ENROL) or reverse("home"))
    enrolling = bool(request.session.get(ENROLLING))
    form = CodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    error, done = "", False
    if request.method == "POST" and request.POST.get("action") == "enrol":
        if not has_totp(user):
            enrol_totp(vault(), user.get_username())
            request.session[ENROLLING] = enrolling = True
            log_auth("totp_enrolled", user.pk)
    elif request.method == "POST" and enrolling and form.is_valid():
        if check_totp(vault(), user, form.cleaned_data["code"]):
            request.session.pop(ENROLLING, None)
            request.session.pop(AFTER_ENROL, None)
            enrolling, done = False, True
        else:
            error = _(
                "That code does not match. Type the code the app shows now; if it still "
                "fails, check that your phone's clock is right."
            )
    uri = totp_uri(vault(), user) if enrolling else None
    context = {
        "form": form,
        "error": error,
        "done": done,
        "enrolled": has_totp(user),
        "uri": uri,
        "key": parse_qs(urlsplit(uri).query)["secret"][0] if uri else "",
        "target": target,
    }
    return page(request, "second_factor.html", context)
