"""The People page of a case (real PostgreSQL, Django's test client): only owners reach it,
an invite made there lets its person in, invites are revoked, roles change, the last owner
stays, and links start with the public address and never with the request's Host."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from onrecord.config import load_config
from onrecord.server.invites import create_invite
from onrecord.server.models import CaseShare, Invite, StaffSession
from onrecord.vault.models import LogEntry
from onrecord.web.app import make_app
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE
PUBLIC = "https://onrecord.clinic.example"
NEWCOMER = "ash.fern@example.org"
NEW_PASSWORD = "cobalt meadow lantern spruce"
EXPECTED = {"owner": 200, "advocate": 403, "lawyer": 403, "viewer": 403, "other": 404}


def logged_in(org: Org, name: str, **defaults: str) -> Client:
    client = Client(**defaults)
    response = client.post("/login", {"email": org.email(name), "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:400]
    return client


def people_url(org: Org, rest: str = "") -> str:
    return f"/cases/{org.case_a.pk}/people{rest}"


def link_in(html: str) -> str:
    found = re.search(r'<input id="invite-link"[^>]*value="([^"]+)"', html)
    assert found is not None, html[:2000]
    return found.group(1)


def access_log(org: Org) -> list[dict[str, object]]:
    rows = LogEntry.objects.filter(log=org.case_a.log_name).values_list("data", flat=True)
    return [e for e in map(json.loads, rows) if str(e["action"]).startswith("access.")]


def roles(org: Org) -> dict[str, str]:
    shares = CaseShare.objects.filter(case=org.case_a).select_related("user")
    return {share.user.username.split("@")[0]: share.role for share in shares}


@pytest.fixture
def public(org: Org, tmp_path: Path) -> Iterator[str]:
    """The app made again as ``serve`` makes it, with ``public_url`` set."""
    saved_hosts, saved_origins = list(settings.ALLOWED_HOSTS), list(settings.CSRF_TRUSTED_ORIGINS)
    config = load_config(
        environ={
            "ONRECORD_CONFIG": str(tmp_path / "none.toml"),
            "ONRECORD_PUBLIC_URL": PUBLIC + "/",
            "ONRECORD_DATABASE_URL": org.db_url,
        }
    )
    org.state.settings = dataclasses.replace(org.state.settings, config=config)
    make_app(org.state)
    yield PUBLIC
    settings.ALLOWED_HOSTS[:] = saved_hosts
    settings.CSRF_TRUSTED_ORIGINS = saved_origins


def test_only_owners_reach_the_people_page_and_its_forms(org: Org) -> None:
    waiting = create_invite(org.vault, org.case_a, "waiting@example.org", "viewer", operator="x")
    viewer_id = org.users["viewer"].pk
    before = roles(org)
    for name, status in EXPECTED.items():
        client = logged_in(org, name)
        assert client.get(people_url(org)).status_code == status, name
        invite = {"email": f"{name}.friend@example.org", "role": "owner", "hours": "72"}
        assert client.post(people_url(org), invite).status_code == status, name
        if name == "owner":
            continue
        revoke = people_url(org, f"/invites/{waiting.invite.pk}/revoke")
        assert client.post(revoke).status_code == status, name
        role = people_url(org, f"/{viewer_id}/role")
        assert client.post(role, {"role": "owner"}).status_code == status, name
        assert client.post(people_url(org, f"/{viewer_id}/remove")).status_code == status, name
        overview = client.get(f"/cases/{org.case_a.pk}/")
        if overview.status_code == 200:
            assert people_url(org) not in overview.content.decode()  # no People tab
    assert roles(org) == before
    assert sorted(Invite.objects.values_list("email", flat=True)) == [
        "owner.friend@example.org",
        "waiting@example.org",
    ]
    assert Invite.objects.get(pk=waiting.invite.pk).revoked_at is None
    anonymous = Client().get(people_url(org))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")
    owner_overview = logged_in(org, "owner").get(f"/cases/{org.case_a.pk}/").content.decode()
    assert f'href="{people_url(org)}"' in owner_overview


def test_an_invite_made_on_the_page_lets_its_person_in(org: Org, public: str) -> None:
    owner = logged_in(org, "owner")
    page = owner.get(people_url(org)).content.decode()
    for name in ("owner", "advocate", "lawyer", "viewer"):
        assert org.email(name) in page
    assert org.email("other") not in page
    made = owner.post(people_url(org), {"email": NEWCOMER.upper(), "role": "lawyer", "hours": "24"})
    shown = made.content.decode()
    link = link_in(shown)
    assert link.startswith(f"{public}/invite/") and made["Cache-Control"] == "no-store"
    token = link.rsplit("/", 1)[1]
    assert NEWCOMER in shown and 'id="no-public-url"' not in shown
    assert token not in owner.get(people_url(org)).content.decode()  # shown once
    assert NEWCOMER in owner.get(people_url(org)).content.decode()  # listed as waiting
    stored = json.dumps(list(StaffSession.objects.values_list("session_data", flat=True)))
    assert token not in stored and not Invite.objects.filter(token_sha256=token).exists()

    newcomer = Client()
    path = link.removeprefix(public)
    accepted = newcomer.post(path, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert accepted["Location"] == "/account/second-factor"
    assert newcomer.get(f"/cases/{org.case_a.pk}/export").status_code == 200  # a lawyer
    assert newcomer.get(people_url(org)).status_code == 403
    assert newcomer.get(f"/cases/{org.case_b.pk}/").status_code == 404

    after = owner.get(people_url(org)).content.decode()
    assert 'id="no-invites"' in after and NEWCOMER in after
    [invited, joined] = [e for e in access_log(org) if e.get("user") == NEWCOMER]
    assert (invited["action"], invited["by"], invited["role"]) == (
        "access.invite",
        org.email("owner"),
        "lawyer",
    )
    assert (joined["action"], joined["invited_by"]) == ("access.accept", org.email("owner"))
    assert token not in json.dumps(access_log(org))


def test_without_a_public_address_the_link_is_a_path_and_says_so(org: Org) -> None:
    owner = logged_in(org, "owner", HTTP_HOST="localhost")
    made = owner.post(people_url(org), {"email": NEWCOMER, "role": "viewer", "hours": "72"})
    shown = made.content.decode()
    assert link_in(shown).startswith("/invite/")  # not http://localhost/invite/...
    assert 'id="no-public-url"' in shown and "ONRECORD_PUBLIC_URL" in shown
    refused = owner.post(people_url(org), {"email": "not an address", "role": "viewer"})
    assert refused.status_code == 200 and 'id="invite-link"' not in refused.content.decode()
    assert Invite.objects.count() == 1


def test_an_owner_withdraws_an_invite_and_its_link_dies(org: Org) -> None:
    owner = logged_in(org, "owner")
    made = owner.post(people_url(org), {"email": NEWCOMER, "role": "advocate", "hours": "168"})
    path = link_in(made.content.decode())
    invite = Invite.objects.get()
    assert (invite.expires_at - invite.created_at).days == 7
    done = owner.post(people_url(org, f"/invites/{invite.pk}/revoke"), follow=True)
    assert "is withdrawn" in done.content.decode()
    assert 'id="no-invites"' in done.content.decode()
    again = owner.post(people_url(org, f"/invites/{invite.pk}/revoke"), follow=True)
    assert "already revoked" in again.content.decode()
    dead = Client().get(path)
    assert dead.status_code == 410 and "withdrawn" in dead.content.decode()
    [entry] = [e for e in access_log(org) if e["action"] == "access.revoke"]
    assert (entry["by"], entry["user"]) == (org.email("owner"), NEWCOMER)


def test_roles_change_members_leave_and_the_last_owner_stays(org: Org) -> None:
    owner = logged_in(org, "owner")
    viewer, advocate = logged_in(org, "viewer"), logged_in(org, "advocate")
    assert viewer.get(f"/cases/{org.case_a.pk}/export").status_code == 403
    changed = owner.post(
        people_url(org, f"/{org.users['viewer'].pk}/role"), {"role": "lawyer"}, follow=True
    )
    assert "is now lawyer" in changed.content.decode()
    assert viewer.get(f"/cases/{org.case_a.pk}/export").status_code == 200  # at once
    owner.post(people_url(org, f"/{org.users['advocate'].pk}/remove"))
    assert advocate.get(f"/cases/{org.case_a.pk}/").status_code == 404

    for action, form in (("role", {"role": "viewer"}), ("remove", {})):
        attempt = owner.post(people_url(org, f"/{org.users['owner'].pk}/{action}"), form)
        shown = owner.get(attempt["Location"]).content.decode()
        assert "only owner" in shown and 'id="people-error"' in shown
    wrong = owner.post(people_url(org, f"/{org.users['viewer'].pk}/role"), {"role": "boss"})
    assert "is not a role" in owner.get(wrong["Location"]).content.decode()
    stranger = owner.post(people_url(org, f"/{org.users['other'].pk}/remove"))
    assert stranger.status_code == 404  # a member of another case only
    assert roles(org) == {"owner": "owner", "lawyer": "lawyer", "viewer": "lawyer"}

    owner.post(people_url(org, f"/{org.users['viewer'].pk}/role"), {"role": "owner"})
    stepped_down = owner.post(people_url(org, f"/{org.users['owner'].pk}/role"), {"role": "viewer"})
    assert stepped_down["Location"] == f"/cases/{org.case_a.pk}/"
    assert owner.get(people_url(org)).status_code == 403
    actions = [(e["action"], e["user"], e["role"]) for e in access_log(org)][-4:]
    assert actions == [
        ("access.share", org.email("viewer"), "lawyer"),
        ("access.unshare", org.email("advocate"), "advocate"),
        ("access.share", org.email("viewer"), "owner"),
        ("access.share", org.email("owner"), "viewer"),
    ]


def test_the_forms_need_their_csrf_token(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    credentials = {"email": org.email("owner"), "password": STAFF_PASSWORD}
    client.post("/login", credentials | {"csrfmiddlewaretoken": token})
    fresh = client.cookies[settings.CSRF_COOKIE_NAME].value  # rotated at login
    invite = {"email": NEWCOMER, "role": "owner", "hours": "72"}
    assert client.post(people_url(org), invite).status_code == 403
    remove = people_url(org, f"/{org.users['viewer'].pk}/remove")
    assert client.post(remove).status_code == 403
    assert not Invite.objects.exists() and "viewer" in roles(org)
    made = client.post(people_url(org), invite | {"csrfmiddlewaretoken": fresh})
    assert made.status_code == 200 and Invite.objects.count() == 1


def test_hosts_and_form_origins_follow_the_public_address(org: Org, public: str) -> None:
    host = public.removeprefix("https://")
    assert host in settings.ALLOWED_HOSTS and public in settings.CSRF_TRUSTED_ORIGINS
    assert Client(HTTP_HOST="evil.example").get("/login").status_code == 400
    # behind the TLS proxy the app sees http, the browser's origin is https://<host>
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host)
    client.get("/login")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    form = {"email": org.email("owner"), "password": STAFF_PASSWORD, "csrfmiddlewaretoken": token}
    forged = client.post("/login", form, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == 403
    accepted = client.post("/login", form, HTTP_ORIGIN=public)
    assert accepted.status_code == 302 and accepted["Location"] == "/"
