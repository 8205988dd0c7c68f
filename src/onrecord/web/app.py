"""Make the WSGI application for one ``WebState`` (one vault, one person at this computer)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from onrecord.django_setup import setup_django
from onrecord.web.state import WebState, install


def make_app(state: WebState, *, extra_hosts: tuple[str, ...] = ()) -> WSGIHandler:
    """The app serving ``state``; a fresh secret per run, so nothing signed outlives it."""
    setup_django()
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    for host in extra_hosts:
        if host not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS.append(host)
    install(state)
    return WSGIHandler()
