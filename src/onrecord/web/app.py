"""Make the WSGI application for one ``WebState``: one vault, for one person at this computer
or, in server mode, for the organisation's staff (JSON request logs on stderr)."""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from onrecord.django_setup import setup_django
from onrecord.web.logs import configure_server_logging
from onrecord.web.sessions import use_laptop_sessions, use_server_sessions
from onrecord.web.state import WebState, install


def make_app(state: WebState, *, extra_hosts: tuple[str, ...] = ()) -> WSGIHandler:
    """The app serving ``state``.

    On a laptop, sessions live in memory under a fresh secret per run, so nothing signed
    outlives it. On the organisation server they live in the shared database under a key
    derived from the vault's master key, so every web process (and the next one after a
    restart) accepts them (``web.sessions``), and the ``public_url`` setting names the host
    and form origin Django accepts (``web.addresses``).
    """
    setup_django()
    if state.server_mode:
        use_server_sessions(state.vault, state.settings.staff_idle_s)
    else:
        use_laptop_sessions()
    for host in extra_hosts:
        if host not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS.append(host)
    if state.server_mode and state.settings.config is not None:
        from onrecord.web.addresses import allow_public_url  # needs Django set up

        allow_public_url(state.settings.config.public_url)
    install(state)
    if state.server_mode:
        configure_server_logging()
    return WSGIHandler()
