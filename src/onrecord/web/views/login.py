"""Staff login on the organisation server: email and password, then a TOTP code; logout;
and the health endpoint.

Every answer to a wrong email, password or code is the same sentence, so the form does not
tell a stranger which accounts exist. Failures count against the account
(``server.accounts.record_failure``): at five within fifteen minutes it is locked for the
rest of that window, which the page says plainly, and the event is logged. They also count
against the client's address (``web.addresses``): an address with too many recent failures
gets a 429 page before any password is checked, whichever accounts it tried. The session id
changes when the password is right (before the code) and again when the login completes
(``web.staff.start_session``), so an id planted before login is worth nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onrecord.server.accounts import (
    LOCKOUT_FAILURES,
    LOCKOUT_WINDOW,
    check_totp,
    has_totp,
    is_locked_out,
    record_failure,
)
from onrecord.web.addresses import count_failure, limited
from onrecord.web.logs import log_auth
from onrecord.web.staff import NOTICE, end_session, start_session
from onrecord.web.views.common import page, staff, state, vault

PENDING_S = 5 * 60  # seconds between a right password and its code
PENDING_USER, PENDING_AT, PENDING_NEXT = "pending_user", "pending_at", "pending_next"


class LoginForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    password = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def _wrong() -> str:
    return _(
        "That email and password (or code) do not match a staff account. Check them and try "
        "again; after %(n)s failures in %(m)s minutes the account is locked for a while."
    ) % {"n": LOCKOUT_FAILURES, "m": int(LOCKOUT_WINDOW.total_seconds() // 60)}


def _locked() -> str:
    return _(
        "This account is locked: %(n)s logins failed within %(m)s minutes. Wait %(m)s minutes "
        "and try again, or ask the server's administrator to check the account."
    ) % {"n": LOCKOUT_FAILURES, "m": int(LOCKOUT_WINDOW.total_seconds() // 60)}


def _notices() -> dict[str, str]:
    return {
        "idle": _("You were logged out after a while without activity. Log in again."),
        "expired": _("Your session reached its time limit. Log in again."),
        "account_changed": _(
            "Your session ended because the account changed (a new password, or it was "
            "disabled). Log in again, or ask the server's administrator."
        ),
        "slow": _("The code was not given in time. Start again with your password."),
        "out": _("You are logged out."),
    }


def _target(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(wanted, allowed_hosts=None):
        return reverse("home")
    return wanted


def _server_only() -> None:
    if not state().server_mode:
        raise Http404(_("Staff login is for the organisation server; unlock this vault instead."))


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Email and password; then the code page for an account with a second factor."""
    _server_only()
    target = _target(request)
    notice = _notices().get(str(request.session.pop(NOTICE, "")), "")
    if request.method == "POST" and (blocked := limited(request, "password")) is not None:
        return blocked
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        password = form.cleaned_data["password"]
        known = User.objects.filter(username=email).first()
        if known is not None and known.is_active and is_locked_out(known):
            log_auth("login_refused", known.pk, "locked", warning=True)
            error = _locked()
        else:
            found = authenticate(request, username=email, password=password)
            if isinstance(found, User):
                if has_totp(found):
                    request.session.cycle_key()
                    request.session[PENDING_USER] = found.pk
                    request.session[PENDING_AT] = state().clock()
                    request.session[PENDING_NEXT] = target
                    return HttpResponseRedirect(reverse("login_code"))
                start_session(request, state(), found)
                return HttpResponseRedirect(target)
            count_failure(request, "password")
            error = _failed(known, password)
    return page(
        request, "login.html", {"form": form, "error": error, "notice": notice, "next": target}
    )


def _failed(known: User | None, password: str) -> str:
    if known is None:
        log_auth("login_failed", None, "password", warning=True)
        return _wrong()
    if not known.is_active:
        log_auth("login_failed", known.pk, "disabled", warning=True)
        if known.check_password(password):
            return _(
                "This staff account is disabled. Ask the server's administrator if it "
                "should not be."
            )
        return _wrong()
    log_auth("login_failed", known.pk, "password", warning=True)
    if record_failure(known, "password"):
        log_auth("locked", known.pk, "password", warning=True)
        return _locked()
    return _wrong()


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second factor, for the account whose password was right a moment ago."""
    _server_only()
    web = state()
    pending = request.session.get(PENDING_USER)
    started = float(request.session.get(PENDING_AT, 0.0))
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None or web.clock() - started > PENDING_S:
        for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
            request.session.pop(key, None)
        request.session[NOTICE] = "slow" if user is not None else ""
        return HttpResponseRedirect(reverse("login"))
    if request.method == "POST" and (blocked := limited(request, "code")) is not None:
        return blocked
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if is_locked_out(user):
            log_auth("login_refused", user.pk, "locked", warning=True)
            error = _locked()
        elif check_totp(vault(), user, form.cleaned_data["code"]):
            target = str(request.session.get(PENDING_NEXT) or reverse("home"))
            for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
                request.session.pop(key, None)
            start_session(request, web, user)
            return HttpResponseRedirect(target)
        else:
            count_failure(request, "code")
            log_auth("login_failed", user.pk, "code", warning=True)
            if record_failure(user, "code"):
                log_auth("locked", user.pk, "code", warning=True)
                error = _locked()
            else:
                error = _wrong()
    return page(request, "login_code.html", {"form": form, "error": error})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End this session (its id and data); other sessions of the account stay."""
    user = staff(request)
    end_session(request, user.pk if user.is_authenticated else None, "logout")
    request.session[NOTICE] = "out"
    return HttpResponseRedirect(reverse("login"))


@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"}`` when the database answers; no login, nothing from the vault."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    web = state()
    if web.server_mode and web.vault is None:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
