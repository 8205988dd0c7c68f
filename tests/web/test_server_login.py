"""Staff login on the organisation server (real PostgreSQL, Django's test client): CSRF,
session fixation, logout, logout everywhere, disabled accounts, lockout, TOTP, expiry,
the health endpoint and the JSON request log."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from conftest import run_onrecord
from onrecord.server.accounts import (
    change_password,
    disable_user,
    enrol_totp,
    security_of,
)
from onrecord.server.models import LoginFailure
from onrecord.web.logs import JsonLineFormatter
from onrecord.web.sessions import SessionStore
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE
NEW_PASSWORD = "quartz lantern meadow orbit"


def log_in(client: Client, org: Org, name: str, password: str = STAFF_PASSWORD) -> int:
    response = client.post("/login", {"email": org.email(name), "password": password})
    return response.status_code


def home_status(client: Client) -> int:
    return client.get("/").status_code


def test_private_pages_send_to_the_login(org: Org) -> None:
    client = Client()
    response = client.get(f"/cases/{org.case_a.pk}/review")
    assert response["Location"] == f"/login?next=%2Fcases%2F{org.case_a.pk}%2Freview"
    assert client.post(f"/cases/{org.case_a.pk}/journal")["Location"] == "/login"
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == "/login"


def test_login_goes_where_it_was_asked_and_no_further(org: Org) -> None:
    client = Client()
    wanted = f"/cases/{org.case_a.pk}/plan"
    response = client.post(
        "/login", {"email": org.email("owner"), "password": STAFF_PASSWORD, "next": wanted}
    )
    assert response["Location"] == wanted
    other = Client().post(
        "/login",
        {"email": org.email("owner"), "password": STAFF_PASSWORD, "next": "https://evil.example/"},
    )
    assert other["Location"] == "/"


def test_csrf_on_the_login_and_on_forms(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/login", {"email": org.email("owner"), "password": STAFF_PASSWORD})
    assert refused.status_code == 403
    client.get("/login")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post(
        "/login",
        {"email": org.email("owner"), "password": STAFF_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/"
    journal = f"/cases/{org.case_a.pk}/journal"
    form = {"date": "2025-01-02", "what_happened": "synthetic"}
    assert client.post(journal, form).status_code == 403  # no token
    assert client.post(journal, form | {"csrfmiddlewaretoken": token}).status_code == 403  # old
    fresh = client.cookies[settings.CSRF_COOKIE_NAME].value  # rotated at login
    assert fresh != token
    assert client.post(journal, form | {"csrfmiddlewaretoken": fresh}).status_code == 302


def test_a_session_id_planted_before_login_is_worthless(org: Org) -> None:
    planted = SessionStore()
    planted["note"] = "made by someone else"
    planted.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key or ""
    assert log_in(client, org, "owner") == 302
    issued = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert issued != planted.session_key
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key or ""
    assert home_status(attacker) == 302
    assert home_status(client) == 200


def test_an_old_session_is_dead_after_logout(org: Org) -> None:
    client = Client()
    log_in(client, org, "owner")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post("/logout")["Location"] == "/login"
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert home_status(replay) == 302
    assert "You are logged out" in client.get("/login").content.decode()


def test_a_password_change_logs_out_everywhere(org: Org) -> None:
    laptop, phone, colleague = Client(), Client(), Client()
    for client in (laptop, phone):
        log_in(client, org, "advocate")
    log_in(colleague, org, "lawyer")
    change_password(org.email("advocate"), NEW_PASSWORD)
    assert home_status(laptop) == 302 and home_status(phone) == 302
    assert "the account changed" in laptop.get("/login").content.decode()
    assert home_status(colleague) == 200
    assert log_in(laptop, org, "advocate") == 200  # the old password no longer works
    assert log_in(laptop, org, "advocate", NEW_PASSWORD) == 302 and home_status(laptop) == 200


def test_the_session_generation_alone_ends_sessions(org: Org) -> None:
    """The generation check stands even where the password hash did not change."""
    client = Client()
    log_in(client, org, "viewer")
    row = security_of(org.users["viewer"])
    row.session_generation += 1
    row.save()
    assert home_status(client) == 302


def test_a_disabled_account_is_refused_at_once(org: Org) -> None:
    client = Client()
    log_in(client, org, "advocate")
    assert home_status(client) == 200
    disable_user(org.email("advocate"))
    assert client.get(f"/cases/{org.case_a.pk}/exhibits/1").status_code == 302
    again = Client().post("/login", {"email": org.email("advocate"), "password": STAFF_PASSWORD})
    assert again.status_code == 200 and "disabled" in again.content.decode()


def test_five_failures_lock_the_account(org: Org, caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    caplog.set_level(logging.INFO, logger="onrecord.web.auth")
    for _ in range(5):
        wrong = client.post("/login", {"email": org.email("lawyer"), "password": "wrong guess"})
        assert wrong.status_code == 200
    assert "locked" in wrong.content.decode()
    right = client.post("/login", {"email": org.email("lawyer"), "password": STAFF_PASSWORD})
    assert right.status_code == 200 and "This account is locked" in right.content.decode()
    events = [(r.event, r.user) for r in caplog.records if hasattr(r, "event")]  # type: ignore[attr-defined]
    assert ("locked", org.users["lawyer"].pk) in events
    assert ("login_refused", org.users["lawyer"].pk) in events
    assert log_in(Client(), org, "viewer") == 302  # per account: the others are not locked
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    LoginFailure.objects.filter(user=org.users["lawyer"]).update(at=earlier)
    assert log_in(client, org, "lawyer") == 302


def test_unknown_accounts_get_the_same_answer(org: Org) -> None:
    unknown = Client().post("/login", {"email": "nobody@helpline.example", "password": "x"})
    wrong = Client().post("/login", {"email": org.email("owner"), "password": "x"})
    assert unknown.status_code == wrong.status_code == 200
    text = "do not match a staff account"
    assert text in unknown.content.decode() and text in wrong.content.decode()


def test_totp_second_factor(org: Org) -> None:
    uri = enrol_totp(org.vault, org.email("owner"))
    totp = pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])
    client = Client()
    first = client.post("/login", {"email": org.email("owner"), "password": STAFF_PASSWORD})
    assert first["Location"] == "/login/code"
    assert home_status(client) == 302  # a right password alone is not a login
    wrong_code = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    wrong = client.post("/login/code", {"code": wrong_code})
    assert wrong.status_code == 200 and "do not match" in wrong.content.decode()
    code = totp.now()
    right = client.post("/login/code", {"code": code})
    assert right.status_code == 302 and home_status(client) == 200
    replay = Client()
    replay.post("/login", {"email": org.email("owner"), "password": STAFF_PASSWORD})
    assert replay.post("/login/code", {"code": code}).status_code == 200  # used once already
    assert home_status(replay) == 302


def test_the_code_page_waits_five_minutes_at_most(org: Org) -> None:
    enrol_totp(org.vault, org.email("viewer"))
    client = Client()
    client.post("/login", {"email": org.email("viewer"), "password": STAFF_PASSWORD})
    org.clock.now += 301
    assert client.get("/login/code")["Location"] == "/login"
    assert "not given in time" in client.get("/login").content.decode()


def test_sessions_expire_when_idle_and_at_their_limit(org: Org) -> None:
    client = Client()
    log_in(client, org, "owner")
    org.clock.now += org.state.settings.staff_idle_s - 1
    assert home_status(client) == 200
    org.clock.now += org.state.settings.staff_idle_s + 1
    assert home_status(client) == 302
    assert "without activity" in client.get("/login").content.decode()
    log_in(client, org, "owner")
    limit = org.state.settings.staff_absolute_s
    for _ in range(limit // (org.state.settings.staff_idle_s - 60) + 1):
        org.clock.now += org.state.settings.staff_idle_s - 60  # busy all the while
        if home_status(client) == 302:
            break
    assert "time limit" in client.get("/login").content.decode()


def test_health_needs_no_login_and_says_nothing_else(org: Org) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_requests_are_logged_as_json_without_content(
    org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="onrecord.web.requests")
    client = Client()
    log_in(client, org, "lawyer")
    client.get(f"/cases/{org.case_a.pk}/items/{org.item_a}/reveal?q=secret")
    records = [r for r in caplog.records if r.name == "onrecord.web.requests"]
    lines = [json.loads(JsonLineFormatter().format(r)) for r in records]
    reveal = lines[-1]
    assert set(reveal) == {
        "time",
        "level",
        "logger",
        "user",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert reveal["path"] == "/cases/<int:case_id>/items/<int:item_id>/reveal"
    assert (reveal["user"], reveal["method"], reveal["status"]) == (
        org.users["lawyer"].pk,
        "GET",
        200,
    )
    assert lines[0]["user"] is None and lines[0]["path"] == "/login"
    text = "\n".join(JsonLineFormatter().format(r) for r in caplog.records)
    assert "synthetic words" not in text and "secret" not in text
    assert org.email("lawyer") not in text


def test_user_password_and_totp_commands(org: Org, tmp_path: Path) -> None:
    env = {"ONRECORD_DATABASE_URL": org.db_url}
    enrolled = run_onrecord(org.vault.home, "user", "totp", org.email("lawyer"), **env)
    assert enrolled.returncode == 0, enrolled.stderr
    uri = next(line for line in enrolled.stdout.splitlines() if line.startswith("otpauth://"))
    assert "issuer=onrecord" in uri
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    stored = security_of(org.users["lawyer"]).totp_secret
    assert stored is not None and secret.encode() not in bytes(stored)
    again = run_onrecord(org.vault.home, "user", "totp", org.email("lawyer"), **env)
    assert again.returncode == 1 and "--replace" in again.stderr

    client = Client()
    log_in(client, org, "lawyer")
    assert client.post("/login/code", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert home_status(client) == 200
    password_file = tmp_path / "new-password.txt"
    password_file.write_text(NEW_PASSWORD + "\n")
    changed = run_onrecord(
        org.vault.home,
        "user",
        "password",
        org.email("lawyer"),
        "--password-file",
        str(password_file),
        **env,
    )
    assert changed.returncode == 0 and "sessions have ended" in changed.stdout
    assert home_status(client) == 302
