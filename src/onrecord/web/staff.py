"""Server mode's gate: who is logged in, whether their session still holds, and the log line.

In server mode every request outside the login, safety, health and static pages needs a
staff session that passes every one of these, checked on each request, in this order:

1. Django's own session check (``auth.get_user``): the account exists, is active, and its
   password hash is the one the session logged in with;
2. the account's session generation (``server.accounts.session_generation``) is the one
   the session logged in with: ``onrecord user password`` bumps it (logout everywhere);
3. the session was used within ``staff_idle_s`` and logged in within ``staff_absolute_s``.

A session that fails is flushed at once (its data and its id gone), the event is logged
with its reason, and the login page says why. Then every request gets one JSON log line
(``web.logs``).

The time of the last request is written to the session at most once every
``SEEN_STEP_S``: writing it on every request would make every page a database commit.
The idle limit therefore holds to within that step; the session's row expires on the
same clock, so the two never disagree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import auth
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from onrecord.server.accounts import session_generation
from onrecord.web.logs import log_auth, log_request
from onrecord.web.state import WebState

Handler = Callable[[HttpRequest], HttpResponse]
# Reachable without logging in: they show nothing from the vault.
OPEN_PREFIXES = ("/static/", "/login", "/invite/", "/safety", "/healthz", "/favicon.ico")
LOGIN_AT, SEEN_AT, GENERATION = "staff_login_at", "staff_seen_at", "staff_generation"
NOTICE = "login_notice"
SEEN_STEP_S = 60.0


def start_session(request: HttpRequest, state: WebState, user: User) -> None:
    """Log ``user`` in: a new session id (no fixation), the generation and the clocks."""
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    now = state.clock()
    request.session[GENERATION] = session_generation(user)
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    type(request.session).clear_expired()  # rows of sessions idle past their age
    log_auth("login", user.pk)


def end_session(request: HttpRequest, user_id: int | None, reason: str) -> None:
    """Flush the session (data and id) and leave the reason for the login page."""
    auth.logout(request)
    if reason != "logout":
        request.session[NOTICE] = reason
    log_auth("logout" if reason == "logout" else "session_ended", user_id, reason)


def session_user(request: HttpRequest, state: WebState) -> User | None:
    """The staff account this request acts for, or None (the session is then ended)."""
    had_session = request.session.get(LOGIN_AT) is not None
    user = auth.get_user(request)  # flushes a session whose password hash is out of date
    if not isinstance(user, User) or not user.is_authenticated:
        if had_session:  # Django refused it: account disabled, or a new password
            end_session(request, None, "account_changed")
        request.user = AnonymousUser()
        return None
    now = state.clock()
    seen = float(request.session.get(SEEN_AT, 0.0))
    login_at = float(request.session.get(LOGIN_AT, 0.0))
    reason = ""
    if not user.is_active or request.session.get(GENERATION) != session_generation(user):
        reason = "account_changed"
    elif now - seen > state.settings.staff_idle_s:
        reason = "idle"
    elif now - login_at > state.settings.staff_absolute_s:
        reason = "expired"
    if reason:
        end_session(request, user.pk, reason)
        request.user = AnonymousUser()
        return None
    if now - seen >= SEEN_STEP_S:
        request.session[SEEN_AT] = now
    request.user = user
    return user


def route_of(request: HttpRequest) -> str:
    """The address template (``cases/<int:case_id>/review``): no ids, no query."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return "(none)"
    return "/" + str(match.route)


def serve_staff(request: HttpRequest, state: WebState, get_response: Handler) -> HttpResponse:
    started = time.perf_counter()
    user = session_user(request, state)
    if request.path.startswith(OPEN_PREFIXES):
        response = get_response(request)
    elif state.vault is None:
        response = unavailable(request)
    elif user is None:
        target = "/login"
        if request.method == "GET" and request.path != "/":
            target += "?" + urlencode({"next": request.get_full_path()})
        response = redirect(request, target)
    else:
        response = get_response(request)
    log_request(
        user.pk if user is not None else None,
        request.method or "",
        route_of(request),
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
    return response


def unavailable(request: HttpRequest) -> HttpResponse:
    """The server was started without the vault open: say what the operator must do."""
    context: dict[str, Any] = {
        "title": _("This server is not ready"),
        "message": _(
            "The organisation server was started without the vault passphrase, so nothing "
            "can be shown. The administrator must restart it with ONRECORD_PASSPHRASE_FILE set "
            "(as for `onrecord worker`)."
        ),
    }
    return render(request, "onrecord/error.html", context, status=503)


def redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
