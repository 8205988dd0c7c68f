"""The organisation server's matrix: every role x every endpoint, through Django's test
client against the real PostgreSQL, returns exactly what that role may see.

Forms are sent in a way that passes the permission check and then fails validation where
doing the work would start a job (an import without a file, a capture without an address):
400 then means "allowed, and the form was checked"; 403 and 404 mean refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onrecord.cases.models import Evidence
from onrecord.vault.models import LogEntry
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE

# Written out, not derived from permissions.MATRIX: what each person may do on case A.
MAY = {
    "owner": {"view", "view_evidence", "edit", "label", "export"},
    "advocate": {"view", "view_evidence", "edit", "label", "export"},
    "lawyer": {"view", "view_evidence", "export"},
    "viewer": {"view", "view_evidence"},
    "other": set(),
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {case} and {item} are filled in
    needs: str
    ok: int
    data: Callable[[], dict[str, object]] = dict


ENDPOINTS = [
    Endpoint("case", "get", "/cases/{case}/", "view", 200),
    Endpoint("review queue", "get", "/cases/{case}/review", "view", 200),
    Endpoint("item reveal", "get", "/cases/{case}/items/{item}/reveal", "view_evidence", 200),
    Endpoint("evidence list", "get", "/cases/{case}/evidence", "view", 200),
    Endpoint("evidence download", "get", "/cases/{case}/exhibits/1", "view_evidence", 200),
    Endpoint("thumbnail", "get", "/cases/{case}/exhibits/1?inline=1", "view_evidence", 200),
    Endpoint("plan", "get", "/cases/{case}/plan", "view", 200),
    Endpoint("patterns", "get", "/cases/{case}/patterns", "view", 200),
    Endpoint("verify", "get", "/cases/{case}/verify", "view", 200),
    Endpoint("journal", "get", "/cases/{case}/journal", "view", 200),
    Endpoint(
        "document",
        "post",
        "/cases/{case}/documents/public-reply/download",
        "export",
        200,
        lambda: {"format": "text"},
    ),
    Endpoint("export page", "get", "/cases/{case}/export", "export", 200),
    Endpoint("export bag", "post", "/cases/{case}/export/bag", "export", 200),
    Endpoint(
        "label",
        "post",
        "/cases/{case}/items/{item}/decide",
        "label",
        302,
        lambda: {"action": "dismiss"},
    ),
    Endpoint(
        "journal add",
        "post",
        "/cases/{case}/journal",
        "edit",
        302,
        lambda: {"date": "2025-01-02", "what_happened": "synthetic entry"},
    ),
    Endpoint("action add", "post", "/cases/{case}/actions", "edit", 400),
    Endpoint(
        "upload",
        "post",
        "/cases/{case}/evidence/upload",
        "edit",
        302,
        lambda: {"files": SimpleUploadedFile("new.txt", b"synthetic upload\n")},
    ),
    Endpoint("import form", "post", "/cases/{case}/evidence/import", "edit", 400),
    Endpoint("capture form", "post", "/cases/{case}/evidence/capture", "edit", 400),
    Endpoint("triage", "post", "/cases/{case}/triage", "label", 302),
]


def logged_in(org: Org, name: str) -> Client:
    client = Client()
    response = client.post("/login", {"email": org.email(name), "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.content[:400]
    return client


def call(client: Client, endpoint: Endpoint, case_id: int, item_id: int) -> tuple[int, bytes]:
    path = endpoint.path.format(case=case_id, item=item_id)
    send = client.get if endpoint.method == "get" else client.post
    response = send(path, endpoint.data())
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return response.status_code, body


def test_every_role_on_every_endpoint(org: Org) -> None:
    seen: dict[tuple[str, str], int] = {}
    expected: dict[tuple[str, str], int] = {}
    for name, may in MAY.items():
        client = logged_in(org, name)
        for endpoint in ENDPOINTS:
            status, _body = call(client, endpoint, org.case_a.pk, org.item_a)
            seen[name, endpoint.name] = status
            if endpoint.needs in may:
                expected[name, endpoint.name] = endpoint.ok
            else:
                expected[name, endpoint.name] = 403 if "view" in may else 404
    assert seen == expected


def test_the_case_list_and_home_show_only_shared_cases(org: Org) -> None:
    for name in MAY:
        page = logged_in(org, name).get("/").content.decode()
        assert ("Synthetic case A" in page) is (name != "other"), name
        assert ("Synthetic case B" in page) is (name == "other"), name


def test_guessed_ids_look_exactly_like_missing_ones(org: Org) -> None:
    client = logged_in(org, "other")
    missing = org.case_a.pk + org.case_b.pk + 1000
    for endpoint in ENDPOINTS:
        shared_status, shared_body = call(client, endpoint, org.case_a.pk, org.item_a)
        gone_status, gone_body = call(client, endpoint, missing, org.item_a)
        assert shared_status == gone_status == 404, endpoint.name
        assert shared_body == gone_body, endpoint.name
    # an exhibit or item of case B asked for through case A (where the lawyer has a role)
    lawyer = logged_in(org, "lawyer")
    b_item = org.item_a + 1
    assert lawyer.get(f"/cases/{org.case_b.pk}/items/{b_item}/reveal").status_code == 404
    assert lawyer.get(f"/cases/{org.case_a.pk}/items/{b_item}/reveal").status_code == 400
    assert lawyer.get(f"/cases/{org.case_a.pk}/exhibits/999").status_code == 404


def test_reading_and_exporting_are_in_the_case_log(org: Org) -> None:
    lawyer = logged_in(org, "lawyer")
    download = lawyer.get(f"/cases/{org.case_a.pk}/exhibits/1")
    assert b"".join(download.streaming_content) == b"synthetic exhibit bytes\n"  # type: ignore[attr-defined]
    reveal = lawyer.get(f"/cases/{org.case_a.pk}/items/{org.item_a}/reveal")
    assert "synthetic words of Synthetic case A" in reveal.content.decode()
    document = lawyer.post(
        f"/cases/{org.case_a.pk}/documents/public-reply/download", {"format": "text"}
    )
    assert document.status_code == 200
    entries = [json.loads(e.data) for e in LogEntry.objects.filter(log=org.case_a.log_name)]
    view, item, export = entries[-3:]
    assert (view["action"], view["by"], view["exhibit"]) == (
        "evidence.view",
        org.email("lawyer"),
        1,
    )
    assert (item["action"], item["by"], item["item"]) == (
        "item.view",
        org.email("lawyer"),
        org.item_a,
    )
    assert (export["action"], export["by"], export["document"]) == (
        "export.made",
        org.email("lawyer"),
        "public-reply",
    )
    before = len(entries)
    viewer = logged_in(org, "viewer")
    refused = viewer.post(f"/cases/{org.case_a.pk}/documents/public-reply/download")
    assert refused.status_code == 403 and b"may not export" in refused.content
    assert LogEntry.objects.filter(log=org.case_a.log_name).count() == before


def test_edits_are_made_in_the_staff_members_name(org: Org) -> None:
    advocate = logged_in(org, "advocate")
    advocate.post(
        f"/cases/{org.case_a.pk}/evidence/upload",
        {"files": SimpleUploadedFile("added.txt", b"synthetic added\n")},
    )
    added = Evidence.objects.filter(case=org.case_a).order_by("-exhibit").first()
    assert added is not None and added.original_name == "added.txt"
    last = json.loads(LogEntry.objects.filter(log=org.case_a.log_name).order_by("-index")[0].data)
    assert last["by"] == org.email("advocate")


def test_a_case_made_on_the_server_is_owned_by_its_maker(org: Org) -> None:
    viewer = logged_in(org, "viewer")
    made = viewer.post(
        "/cases/new", {"title": "Synthetic new", "jurisdiction": "GB", "time_zone": "UTC"}
    )
    assert made.status_code == 302
    new_id = int(made["Location"].split("/")[2])
    assert viewer.get(f"/cases/{new_id}/export").status_code == 200  # owner: everything
    assert logged_in(org, "other").get(f"/cases/{new_id}/").status_code == 404


def test_laptop_pages_are_not_the_servers(org: Org) -> None:
    client = logged_in(org, "owner")
    assert client.get("/unlock")["Location"] == "/login"
    assert client.get("/setup")["Location"] == "/login"
    assert client.get("/helper").status_code == 404
    locked = client.post("/lock")  # the Lock button logs this person out; the vault stays open
    assert locked["Location"] == "/login"
    assert org.state.vault is not None
    assert client.get("/").status_code == 302
