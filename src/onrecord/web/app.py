"""Make the WSGI application for one ``WebState``: one vault, for one person at this computer
or, in server mode, for the organisation's staff (JSON request logs on stderr)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from onrecord.django_setup import setup_django
from onrecord.web.logs import configure_server_logging
from onrecord.web.state import WebState, install


def make_app(state: WebState, *, extra_hosts: tuple[str, ...] = ()) -> WSGIHandler:
    """The app serving ``state``; a fresh secret per run, so nothing signed outlives it."""
    setup_django()
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    for host in extra_hosts:
        if host not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS.append(host)
    install(state)
    if state.server_mode:
        configure_server_logging()
    return WSGIHandler()
