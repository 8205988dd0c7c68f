"""Long work started from the web on the organisation server goes through the shared queue:
the upload is stored and its job enqueued in one transaction, nothing runs in the web
process, and the job's page reads its state from procrastinate's table (real PostgreSQL,
a real ``onrecord worker --once`` process)."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from conftest import run_onrecord
from onrecord.cases.models import Evidence, Item
from server.exports import slack_zip
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

pytestmark = SERVER_MODE


def logged_in(org: Org, name: str) -> Client:
    client = Client()
    response = client.post("/login", {"email": org.email(name), "password": STAFF_PASSWORD})
    assert response.status_code == 302
    return client


def jobs_table() -> list[tuple[int, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, task_name, status::text FROM procrastinate_jobs ORDER BY id")
        return list(cursor.fetchall())


def job_state(client: Client, location: str) -> tuple[str, str]:
    page = client.get(location).content.decode()
    found = re.search(r'data-state="(\w+)"', page)
    assert found is not None, page[:600]
    return found.group(1), page


def run_worker_once(org: Org) -> None:
    run_onrecord(org.vault.home, "worker", "--once", ONRECORD_DATABASE_URL=org.db_url, check=True)


def test_an_uploaded_export_is_stored_queued_and_done_by_a_worker(org: Org, tmp_path: Path) -> None:
    export = tmp_path / "workspace.zip"
    expected = slack_zip(export, days=3, per_day=5)
    advocate = logged_in(org, "advocate")
    before = Item.objects.filter(case=org.case_a).count()
    sent = advocate.post(
        f"/cases/{org.case_a.pk}/evidence/import",
        {"export": SimpleUploadedFile("workspace.zip", export.read_bytes()), "format": ""},
    )
    assert sent.status_code == 302
    [(job_id, task, status)] = jobs_table()
    assert sent["Location"] == f"/jobs/{job_id}"
    assert (task, status) == ("onrecord.import", "todo")
    stored = Evidence.objects.get(case=org.case_a, original_name="workspace.zip")
    assert stored.size == export.stat().st_size  # the original is kept before any worker runs
    assert org.state.jobs == {}  # nothing ran in the web process
    state, page = job_state(advocate, sent["Location"])
    assert state == "queued" and "waiting for a worker" in page
    assert Item.objects.filter(case=org.case_a).count() == before

    run_worker_once(org)
    state, page = job_state(advocate, sent["Location"])
    assert state == "done"
    assert f"Imported {expected} message(s)" in page
    assert Item.objects.filter(case=org.case_a).count() == before + expected
    polled = advocate.get(sent["Location"], headers={"HX-Request": "true"}).content.decode()
    assert polled.startswith("<div") and "hx-get" not in polled  # finished: polling stops


def test_a_job_that_fails_says_so(org: Org) -> None:
    owner = logged_in(org, "owner")
    sent = owner.post(
        f"/cases/{org.case_a.pk}/evidence/import",
        {"export": SimpleUploadedFile("mystery.bin", b"\x00synthetic bytes of no known kind")},
    )
    assert sent.status_code == 302
    run_worker_once(org)
    state, page = job_state(owner, sent["Location"])
    assert state == "failed"
    assert "It did not work" in page and "Failed after 1 attempt(s)" in page
    # the original stays: a failed import never loses what was uploaded
    assert Evidence.objects.filter(case=org.case_a, original_name="mystery.bin").exists()


def test_captures_and_triage_are_queued_for_the_workers(org: Org) -> None:
    advocate = logged_in(org, "advocate")
    captured = advocate.post(
        f"/cases/{org.case_a.pk}/evidence/capture",
        {"urls": "https://example.org/post/1\nhttps://example.org/post/2", "note": "synthetic"},
    )
    sorted_ = advocate.post(f"/cases/{org.case_a.pk}/triage")
    assert captured.status_code == sorted_.status_code == 302
    assert [(t, s) for _id, t, s in jobs_table()] == [
        ("onrecord.capture", "todo"),
        ("onrecord.triage", "todo"),
    ]
    assert org.state.jobs == {}
    state, page = job_state(advocate, sorted_["Location"])
    assert state == "queued" and "Sorting messages" in page
    assert logged_in(org, "viewer").post(f"/cases/{org.case_a.pk}/triage").status_code == 403
    assert len(jobs_table()) == 2


def test_a_job_page_is_only_for_staff_of_its_case(org: Org) -> None:
    sent = logged_in(org, "advocate").post(f"/cases/{org.case_a.pk}/triage")
    [(job_id, _task, _status)] = jobs_table()
    assert logged_in(org, "lawyer").get(sent["Location"]).status_code == 200  # may view case A
    other = logged_in(org, "other")
    refused = other.get(f"/jobs/{job_id}")
    unknown = other.get(f"/jobs/{job_id + 1000}")
    assert refused.status_code == unknown.status_code == 404
    assert refused.content == unknown.content
    assert other.get("/jobs/not-a-number").status_code == 404
    assert Client().get(f"/jobs/{job_id}").status_code == 302  # to the login


def test_a_triage_job_in_parts_says_how_many_parts_are_done(org: Org) -> None:
    advocate = logged_in(org, "advocate")
    sent = advocate.post(f"/cases/{org.case_a.pk}/triage")
    run_worker_once(org)
    assert [t for _id, t, _s in jobs_table()] == ["onrecord.triage", "onrecord.triage_part"]
    state, page = job_state(advocate, sent["Location"])
    assert state == "done"
    with connection.cursor() as cursor:  # as if its part were still waiting for a worker
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'todo' WHERE task_name = %s",
            ["onrecord.triage_part"],
        )
    state, page = job_state(advocate, sent["Location"])
    assert state == "running"
    assert "Sorting in 1 parts, by every free worker: 0 done" in page
    assert "attempt" not in page
