"""Invite links in the web app (real PostgreSQL, Django's test client): the person harassed,
invited as owner of their own case, sets a password, enrols a second factor and sees that
case and nothing else; used, expired and altered links get a page that says which."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pyotp
from django.contrib.auth.models import User
from django.test import Client

from onrecord.server.invites import create_invite
from onrecord.server.models import Invite
from onrecord.vault.models import LogEntry
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE
VICTIM = "river.stone@example.org"
VICTIM_PASSWORD = "heron lantern quiet mosaic"


def invite_path(org: Org, email: str = VICTIM, role: str = "owner", case: object = None) -> str:
    made = create_invite(org.vault, case or org.case_a, email, role, operator="lead")
    return f"/invite/{made.token}"


def accept_new(client: Client, path: str) -> str:
    response = client.post(path, {"password": VICTIM_PASSWORD, "again": VICTIM_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:800]
    return str(response["Location"])


def case_log(org: Org) -> list[dict[str, object]]:
    return [json.loads(e.data) for e in LogEntry.objects.filter(log=org.case_a.log_name)]


def test_the_person_harassed_gets_their_own_case_and_nothing_else(org: Org) -> None:
    path = invite_path(org)
    client = Client()
    shown = client.get(path).content.decode()
    assert VICTIM in shown and "owner" in shown and "Choose a password" in shown
    assert "Synthetic case A" not in shown  # the link alone does not name the case
    assert accept_new(client, path) == "/account/second-factor"

    offered = client.get("/account/second-factor").content.decode()
    assert "Set up an authenticator app" in offered
    enrol = client.post("/account/second-factor", {"action": "enrol"}).content.decode()
    key = re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', enrol)
    assert key is not None
    wrong = client.post("/account/second-factor", {"action": "confirm", "code": "000000"})
    assert "does not match" in wrong.content.decode() and key.group(1) in wrong.content.decode()
    done = client.post(
        "/account/second-factor", {"action": "confirm", "code": pyotp.TOTP(key.group(1)).now()}
    ).content.decode()
    assert "is set up" in done and f'href="/cases/{org.case_a.pk}/"' in done
    assert key.group(1) not in client.get("/account/second-factor").content.decode()

    home = client.get("/").content.decode()
    assert "Synthetic case A" in home and "Synthetic case B" not in home
    assert client.get(f"/cases/{org.case_a.pk}/export").status_code == 200  # owner
    assert client.get(f"/cases/{org.case_b.pk}/").status_code == 404
    assert client.get(f"/cases/{org.case_b.pk}/exhibits/1").status_code == 404

    entries = case_log(org)
    invited = next(e for e in entries if e["action"] == "access.invite")
    accepted = next(e for e in entries if e["action"] == "access.accept")
    assert (invited["by"], invited["user"], invited["role"]) == ("lead", VICTIM, "owner")
    assert (accepted["by"], accepted["user"], accepted["invited_by"]) == (VICTIM, VICTIM, "lead")
    assert path.split("/")[-1] not in json.dumps(entries)  # the token is not logged

    again = Client()  # the second factor is now asked at login
    first = again.post("/login", {"email": VICTIM, "password": VICTIM_PASSWORD})
    assert first["Location"] == "/login/code"


def test_a_link_works_once(org: Org) -> None:
    path = invite_path(org)
    accept_new(Client(), path)
    reused = Client().get(path)
    assert reused.status_code == 410 and "already used" in reused.content.decode()
    posted = Client().post(path, {"password": "x" * 20, "again": "x" * 20})
    assert posted.status_code == 410
    assert User.objects.get(username=VICTIM).check_password(VICTIM_PASSWORD)


def test_expired_and_altered_links_are_refused_with_a_clear_page(org: Org) -> None:
    path = invite_path(org)
    token = path.split("/")[-1]
    altered = path[:-1] + ("A" if token[-1] != "A" else "B")
    refused = Client().get(altered)
    assert refused.status_code == 404 and "not valid" in refused.content.decode()
    Invite.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    expired = Client().get(path)
    assert expired.status_code == 410 and "has expired" in expired.content.decode()
    late = Client().post(path, {"password": VICTIM_PASSWORD, "again": VICTIM_PASSWORD})
    assert late.status_code == 410
    assert not User.objects.filter(username=VICTIM).exists()


def test_an_existing_account_confirms_its_password_and_keeps_it(org: Org) -> None:
    path = invite_path(org, email=org.email("other"), role="viewer")
    client = Client()
    assert "give its password" in client.get(path).content.decode()
    wrong = client.post(path, {"password": "not the password at all"})
    assert wrong.status_code == 200 and "not the password" in wrong.content.decode()
    assert client.post(path, {"password": STAFF_PASSWORD})["Location"] == ("/account/second-factor")
    home = client.get("/").content.decode()
    assert "Synthetic case A" in home and "Synthetic case B" in home
    assert client.get(f"/cases/{org.case_a.pk}/export").status_code == 403  # a viewer


def test_weak_or_mismatched_passwords_are_refused_and_the_link_stays_valid(org: Org) -> None:
    path = invite_path(org)
    client = Client()
    short = client.post(path, {"password": "short", "again": "short"})
    assert "too short" in short.content.decode()
    differ = client.post(path, {"password": VICTIM_PASSWORD, "again": VICTIM_PASSWORD + "!"})
    assert "differ" in differ.content.decode()
    assert accept_new(client, path) == "/account/second-factor"


def test_an_account_with_a_second_factor_logs_in_the_usual_way(org: Org) -> None:
    from onrecord.server.accounts import enrol_totp

    uri = enrol_totp(org.vault, org.email("other"))
    path = invite_path(org, email=org.email("other"), role="lawyer")
    client = Client()
    response = client.post(path, {"password": STAFF_PASSWORD})
    assert response["Location"] == f"/login?next=/cases/{org.case_a.pk}/"
    assert client.get("/").status_code == 302  # not logged in by the link alone
    client.post("/login", {"email": org.email("other"), "password": STAFF_PASSWORD})
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    client.post("/login/code", {"code": pyotp.TOTP(secret).now()})
    assert client.get(f"/cases/{org.case_a.pk}/export").status_code == 200
