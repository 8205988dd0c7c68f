"""The web app through Django's test client, on the laptop's SQLCipher: the lock, sessions,
CSRF, the security headers, helper mode's refusals, downloads, the idle lock and tickets."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from conftest import FAST_KDF, PASSPHRASE
from onrecord.cases.evidence import Acquired, NamedStream, add_files
from onrecord.cases.items import add_items
from onrecord.cases.models import Item
from onrecord.cases.records import create_case
from onrecord.vault.home import Vault
from onrecord.web.app import make_app
from onrecord.web.state import WebSettings, WebState

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848c8c21"
    "0000000049454e44ae426082"
)


@pytest.fixture
def db_url() -> str:
    """The laptop's own database: a PostgreSQL vault is the organisation server, whose
    staff login replaces the passphrase (tests/web/test_server_*.py)."""
    return ""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(vault: Vault, db_url: str) -> Iterator[tuple[WebState, Clock, int]]:
    case = create_case(
        vault, title="Synthetic", jurisdiction="US-CA", time_zone="UTC", operator="t"
    )
    add_files(
        vault,
        case,
        [
            NamedStream("page.html", lambda: io.BytesIO(b"<script>alert(1)</script>")),
            NamedStream("shot.png", lambda: io.BytesIO(PNG)),
        ],
        Acquired(operator="t"),
    )
    add_items(
        vault, case, [Item(platform="example", kind="message", text="synthetic words")], "t", "test"
    )
    clock = Clock()
    state = WebState(
        WebSettings(
            home=vault.home, operator="t", database_url=db_url, kdf=FAST_KDF, idle_lock_s=600
        ),
        clock=clock,
    )
    make_app(state)
    yield state, clock, case.pk
    state.lock()


def unlocked(role: str = "person") -> Client:
    client = Client()
    response = client.post("/unlock", {"passphrase": PASSPHRASE, "role": role})
    assert response.status_code == 302
    return client


def test_nothing_private_before_unlocking(app: tuple[WebState, Clock, int]) -> None:
    state, _clock, case_id = app
    client = Client()
    response = client.get(f"/cases/{case_id}/review")
    assert response.status_code == 302
    assert response["Location"] == f"/unlock?next=%2Fcases%2F{case_id}%2Freview"
    htmx = client.get(f"/cases/{case_id}/items/1/reveal", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/unlock")
    wrong = client.post("/unlock", {"passphrase": "wrong", "role": "person"})
    assert wrong.status_code == 200 and b"does not unlock" in wrong.content
    assert not state.is_open
    unlocked()  # someone else unlocks: this client's session is still locked out
    assert state.is_open
    assert client.get(f"/cases/{case_id}/").status_code == 302


def test_security_headers_on_every_page(app: tuple[WebState, Clock, int]) -> None:
    _state, _clock, case_id = app
    client = unlocked()
    for path in ("/", f"/cases/{case_id}/", "/safety", "/unlock", f"/cases/{case_id}/plan"):
        response = client.get(path)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cache-Control"] == "no-store"


def test_every_form_needs_its_csrf_token(app: tuple[WebState, Clock, int]) -> None:
    state, _clock, case_id = app
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/unlock", {"passphrase": PASSPHRASE, "role": "person"}).status_code == 403
    assert not state.is_open
    page = strict.get("/unlock")
    token = page.cookies["onrecord_csrf"].value
    response = strict.post(
        "/unlock", {"passphrase": PASSPHRASE, "role": "person", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and state.is_open
    refused = strict.post(f"/cases/{case_id}/journal", {"what_happened": "x", "date": "2026-01-01"})
    assert refused.status_code == 403
    assert strict.post("/lock").status_code == 403
    assert state.is_open


def test_downloads_never_render_inline(app: tuple[WebState, Clock, int]) -> None:
    _state, _clock, case_id = app
    client = unlocked()
    html = client.get(f"/cases/{case_id}/exhibits/1?inline=1")
    assert b"".join(html.streaming_content) == b"<script>alert(1)</script>"
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment;")
    assert html["Content-Security-Policy"].startswith("sandbox")
    image = client.get(f"/cases/{case_id}/exhibits/2?inline=1")
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith(
        "inline"
    )
    assert b"".join(image.streaming_content) == PNG


def test_helper_mode_refuses_content_to_the_person(app: tuple[WebState, Clock, int]) -> None:
    state, _clock, case_id = app
    person = unlocked("person")
    item_id = Item.objects.get(case_id=case_id).pk
    assert b"synthetic words" in person.get(f"/cases/{case_id}/items/{item_id}/reveal").content
    person.post("/helper", {"mode": "on"})
    assert state.helper_mode
    assert person.get(f"/cases/{case_id}/items/{item_id}/reveal").status_code == 403
    decided = person.post(f"/cases/{case_id}/items/{item_id}/decide", {"action": "dismiss"})
    assert decided.status_code == 403
    assert person.get(f"/cases/{case_id}/review").status_code == 302
    helper = unlocked("helper")
    assert helper.get(f"/cases/{case_id}/items/{item_id}/reveal").status_code == 200
    person.post("/helper", {"mode": "off", "passphrase": "wrong"})
    assert state.helper_mode  # a wrong passphrase leaves it on
    person.post("/helper", {"mode": "off", "passphrase": PASSPHRASE})
    assert not state.helper_mode


def test_idle_lock_closes_the_vault(app: tuple[WebState, Clock, int]) -> None:
    state, clock, case_id = app
    client = unlocked()
    clock.now += 599
    assert client.get(f"/cases/{case_id}/").status_code == 200  # activity resets the timer
    clock.now += 599
    assert not state.lock_if_idle()
    clock.now += 2
    response = client.get(f"/cases/{case_id}/")
    assert response.status_code == 302 and not state.is_open
    assert state.vault is None


def test_a_ticket_unlocks_one_browser_once(
    app: tuple[WebState, Clock, int], tmp_path: Path
) -> None:
    state, clock, case_id = app
    assert Client().get("/unlock?ticket=made-up").status_code == 200  # no ticket: the form
    state.unlock(PASSPHRASE)
    ticket = state.mint_ticket()
    first = Client()
    response = first.get(f"/unlock?ticket={ticket}&next=/cases/{case_id}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case_id}/"
    assert first.get(f"/cases/{case_id}/").status_code == 200
    second = Client()
    second.get(f"/unlock?ticket={ticket}")
    assert second.get(f"/cases/{case_id}/").status_code == 302  # used up
    late = state.mint_ticket()
    clock.now += 121
    third = Client()
    third.get(f"/unlock?ticket={late}")
    assert third.get(f"/cases/{case_id}/").status_code == 302  # expired


def test_laptop_mode_has_health_but_no_staff_login(app: tuple[WebState, Clock, int]) -> None:
    client = Client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert client.get("/")["Location"].startswith("/unlock")
    assert client.get("/login")["Location"].startswith("/unlock")
    assert unlocked().get("/login").status_code == 404
