"""Security headers on every response, and the vault lock in front of every private page.

The Content-Security-Policy allows scripts, styles, images and requests from this origin only:
no inline script or style, no ``eval``, no frames, no plugins, no form posting elsewhere. A
harasser's text that slipped past escaping still could not run. Responses that carry
evidence set their own, stricter ``sandbox`` policy (``views.evidence``), which is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from onrecord.vault.home import Vault
from onrecord.web.staff import serve_staff
from onrecord.web.state import current
from onrecord.web.views.common import RefusedError, refused

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "manifest-src 'self'",
    ]
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Reachable while locked: they show nothing from the vault.
OPEN_PREFIXES = ("/static/", "/unlock", "/setup", "/safety", "/lock", "/healthz", "/favicon.ico")

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """The same strict headers on every response; private pages are never cached."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CSP
        for name, value in HEADERS.items():
            response.setdefault(name, value)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class VaultLockMiddleware:
    """Send a session that has not unlocked the open vault to the unlock (or setup) page.

    In server mode the gate is a staff login instead (``web.staff.serve_staff``).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = current()
        if state.server_mode:
            return serve_staff(request, state, self.get_response)
        state.lock_if_idle()
        if request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        if not Vault.exists(state.settings.home):
            return _redirect(request, reverse("setup"))
        if not state.is_unlocked_for(request.session.get("generation")):
            target = reverse("unlock")
            if request.method == "GET" and request.path != "/":
                target += "?" + urlencode({"next": request.get_full_path()})
            return _redirect(request, target)
        state.touch()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A staff account refused an action on a case it may see: a 403 saying why."""
        if isinstance(exception, RefusedError):
            return refused(request, str(exception))
        return None


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
