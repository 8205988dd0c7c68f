"""Failed logins per client address in the web app (real PostgreSQL, Django's test client):
one address is stopped with a 429 and Retry-After while another logs in, codes and invite
links count too, the window slides, a trusted proxy names the client, and an office logging
its staff in from one address is never stopped by its successes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from django.test import Client

from onrecord.config import load_config
from onrecord.server.accounts import enrol_totp
from onrecord.server.invites import create_invite
from onrecord.server.models import AddressFailure
from onrecord.server.ratelimit import ADDRESS_FAILURES, ADDRESS_WINDOW, record_failure
from onrecord.vault.custody import utc_now
from web.conftest import SERVER_MODE, STAFF, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE
A, B, PROXY = "198.51.100.7", "203.0.113.9", "10.0.0.5"


def wrong_login(client: Client, n: int, **extra: str) -> int:
    form = {"email": f"nobody{n}@helpline.example", "password": "a guessed password"}
    return client.post("/login", form, **extra).status_code


def right_login(client: Client, org: Org, name: str = "owner", **extra: str) -> int:
    form = {"email": org.email(name), "password": STAFF_PASSWORD}
    return client.post("/login", form, **extra).status_code


def seed(address: str, count: int, ago: dt.timedelta = dt.timedelta(0)) -> None:
    for _ in range(count):
        record_failure(address, "password", utc_now() - ago)


def test_one_address_is_stopped_and_another_is_not(org: Org) -> None:
    from_a, from_b = Client(REMOTE_ADDR=A), Client(REMOTE_ADDR=B)
    assert [wrong_login(from_a, n) for n in range(ADDRESS_FAILURES)] == [200] * ADDRESS_FAILURES
    stopped = from_a.post("/login", {"email": org.email("owner"), "password": STAFF_PASSWORD})
    assert stopped.status_code == 429
    wait = int(stopped["Retry-After"])
    assert 0 < wait <= ADDRESS_WINDOW.total_seconds()
    page = stopped.content.decode()
    assert "Too many failed attempts" in page and "Try again after" in page and " UTC" in page
    assert stopped["Content-Security-Policy"].startswith("default-src 'none'")
    assert from_a.get("/").status_code == 302  # the right password did not log it in
    assert from_a.get("/login").status_code == 200  # the form itself is still shown

    assert right_login(from_b, org) == 302
    assert from_b.get(f"/cases/{org.case_a.pk}/").status_code == 200
    assert AddressFailure.objects.filter(address=A).count() == ADDRESS_FAILURES  # no more
    assert not AddressFailure.objects.filter(address=B).exists()


def test_codes_and_invite_links_count_and_are_stopped_too(org: Org) -> None:
    enrol_totp(org.vault, org.email("lawyer"))
    client = Client(REMOTE_ADDR=A)
    seed(A, ADDRESS_FAILURES - 3)
    assert client.get("/invite/not-a-real-token").status_code == 404
    assert right_login(client, org, "lawyer") == 302  # to the code page
    assert client.post("/login/code", {"code": "000000"}).status_code == 200  # wrong
    made = create_invite(org.vault, org.case_a, org.email("other"), "viewer", operator="lead")
    wrong = client.post(f"/invite/{made.token}", {"password": "not the password at all"})
    assert "not the password" in wrong.content.decode()
    steps = sorted(AddressFailure.objects.filter(address=A).values_list("step", flat=True))
    assert steps.count("invite") == 2 and steps.count("code") == 1

    assert client.post("/login/code", {"code": "123456"}).status_code == 429
    assert client.get(f"/invite/{made.token}").status_code == 429  # a good link, but wait
    assert right_login(client, org, "viewer") == 429
    assert Client(REMOTE_ADDR=B).get(f"/invite/{made.token}").status_code == 200


def test_the_window_slides(org: Org) -> None:
    seed(A, ADDRESS_FAILURES, ago=dt.timedelta(minutes=10))
    client = Client(REMOTE_ADDR=A)
    stopped = client.post("/login", {"email": org.email("owner"), "password": STAFF_PASSWORD})
    assert stopped.status_code == 429
    remaining = ADDRESS_WINDOW.total_seconds() - 600
    assert remaining / 2 < int(stopped["Retry-After"]) <= remaining
    AddressFailure.objects.update(at=utc_now() - ADDRESS_WINDOW)  # the time has passed
    assert right_login(client, org) == 302


def test_many_logins_from_one_office_address_are_not_stopped(org: Org) -> None:
    """50 staff logins from one address (an office behind NAT, a load test on loopback),
    with a few typos of the morning already counted against it."""
    seed("127.0.0.1", ADDRESS_FAILURES - 1)
    names = [*STAFF, "other"]
    results = [right_login(Client(), org, names[n % len(names)]) for n in range(50)]
    assert results == [302] * 50
    assert AddressFailure.objects.filter(address="127.0.0.1").count() == ADDRESS_FAILURES - 1


def test_a_trusted_proxy_names_the_client_and_others_cannot(org: Org, tmp_path: Path) -> None:
    config = load_config(
        environ={
            "ONRECORD_CONFIG": str(tmp_path / "none.toml"),
            "ONRECORD_TRUSTED_PROXIES": PROXY,
            "ONRECORD_DATABASE_URL": org.db_url,
        }
    )
    org.state.settings = dataclasses.replace(org.state.settings, config=config)
    via_proxy = Client(REMOTE_ADDR=PROXY)
    seed(A, ADDRESS_FAILURES - 1)
    assert wrong_login(via_proxy, 0, HTTP_X_FORWARDED_FOR=A) == 200
    assert right_login(via_proxy, org, HTTP_X_FORWARDED_FOR=A) == 429
    assert right_login(via_proxy, org, HTTP_X_FORWARDED_FOR=f"{A}, {PROXY}") == 429
    assert right_login(Client(REMOTE_ADDR=PROXY), org, HTTP_X_FORWARDED_FOR=B) == 302
    assert not AddressFailure.objects.filter(address=PROXY).exists()  # the proxy is not blamed

    direct = Client(REMOTE_ADDR=B)  # not a proxy: a made-up header changes nothing
    seed(B, ADDRESS_FAILURES - 1)
    assert wrong_login(direct, 1, HTTP_X_FORWARDED_FOR="192.0.2.1") == 200
    assert right_login(direct, org, HTTP_X_FORWARDED_FOR="192.0.2.2") == 429
    assert not AddressFailure.objects.filter(address__startswith="192.0.2.").exists()
