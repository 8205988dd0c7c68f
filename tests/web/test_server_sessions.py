"""Staff sessions on the organisation server live in the shared database under a key derived
from the vault's master key: a second app (another web process, or the same one restarted)
accepts them, a password change still ends them, and the key is written nowhere."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from conftest import PASSPHRASE
from onrecord.server.accounts import change_password
from onrecord.server.models import StaffSession
from onrecord.vault.home import Vault
from onrecord.web.app import make_app
from onrecord.web.sessions import SERVER_ENGINE, session_secret
from onrecord.web.state import WebState
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE
NEW_PASSWORD = "copper willow harbour seven"


def log_in(org: Org, name: str) -> str:
    """Log in through the first app; return the session cookie."""
    client = Client()
    response = client.post("/login", {"email": org.email(name), "password": STAFF_PASSWORD})
    assert response.status_code == 302
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def home_with(cookie: str) -> int:
    """GET / from a fresh client (fresh middleware, as a new process has) with ``cookie``."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client.get("/").status_code


@pytest.fixture
def second_app(org: Org) -> Iterator[Callable[[], WebState]]:
    """Start another app on the same database and vault folder, as a second web process (or
    the first one restarted) does: its own ``Vault.open``, its own state, its own
    ``make_app``, which begins with a random key until the vault is adopted."""
    made: list[WebState] = []

    def start() -> WebState:
        reopened = Vault.open(org.vault.home, passphrase=PASSPHRASE, database_url=org.db_url)
        state = WebState(org.state.settings, clock=org.clock)
        make_app(state)
        state.adopt(reopened)
        made.append(state)
        return state

    yield start
    for state in made:
        state.vault = None  # the vault fixture closes the connection


def test_a_session_made_by_one_app_is_accepted_by_another(
    org: Org, second_app: Callable[[], WebState]
) -> None:
    cookie = log_in(org, "advocate")
    assert home_with(cookie) == 200
    second = second_app()
    assert second is not org.state and settings.SESSION_ENGINE == SERVER_ENGINE
    assert home_with(cookie) == 200  # served by the second app's settings and middleware
    change_password(org.email("advocate"), NEW_PASSWORD)
    assert home_with(cookie) == 302  # logout everywhere still holds


def test_the_key_comes_from_the_vault_and_nowhere_else(org: Org) -> None:
    cookie = log_in(org, "lawyer")
    derived = settings.SECRET_KEY
    assert derived == session_secret(org.vault)
    settings.SECRET_KEY = secrets.token_urlsafe(50)  # a process that made up its own key
    try:
        assert home_with(cookie) == 302
    finally:
        settings.SECRET_KEY = derived
    assert home_with(cookie) == 200
    needle = derived.encode()
    for path in Path(org.vault.home).rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), path
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM server_staffsession")
        assert all(derived not in row[0] for row in cursor.fetchall())


def test_sessions_are_rows_that_name_their_account_and_go_at_logout(org: Org) -> None:
    client = Client()
    client.post("/login", {"email": org.email("viewer"), "password": STAFF_PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = StaffSession.objects.get(session_key=key)
    assert row.user_id == org.users["viewer"].pk
    client.post("/logout")
    assert not StaffSession.objects.filter(session_key=key).exists()
    assert home_with(key) == 302


def test_a_laptop_app_goes_back_to_memory_sessions(org: Org) -> None:
    from onrecord.web.state import WebSettings

    laptop = WebState(WebSettings(home=org.vault.home, operator="someone"))
    make_app(laptop)
    try:
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"
        assert session_secret(org.vault) != settings.SECRET_KEY
    finally:
        make_app(org.state)
        org.state.adopt(org.vault)
