"""The five steps in the browser: plain words, documents previewed and downloaded, actions
recorded with their deadlines, and "what's next" on the home page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onrecord.steps.models import Action
from onrecord.vault.models import LogEntry
from web.live import Live, check_axe, fresh_connection, unlock


def test_police_packet_preview_and_pdf_download(
    demo_live: Live, new_page: Any, tmp_path: Path
) -> None:
    page = new_page()
    unlock(page, demo_live)
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/plan")
    assert page.locator("#step-police").is_visible()
    document = page.locator("#doc-police-packet").first
    assert document.locator("pre").count() == 0  # nothing quoted until asked
    document.get_by_role("button", name="Preview").click()
    preview = document.locator("pre.document-text")
    preview.wait_for()
    assert "POLICE" in preview.inner_text().upper()
    with page.expect_download() as info:
        document.get_by_role("button", name="Download Police report packet (PDF)").click()
    saved = tmp_path / "packet.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert info.value.suggested_filename.endswith(".pdf")
    fresh_connection()
    logged = [e.data for e in LogEntry.objects.order_by("-pk")[:5]]
    assert any("export.made" in data and "police-packet" in data for data in logged)
    check_axe(page)


def test_recording_a_platform_report_starts_its_follow_up(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    unlock(page, demo_live)
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/plan")
    step = page.locator("#step-platform")
    step.locator("summary").click()
    step.get_by_label("What you did").fill("platform report")
    step.get_by_label("Sent to").fill("social.example")
    step.get_by_label("Reference or ticket number").fill("T-4411")
    step.get_by_role("button", name="Save").click()
    page.wait_for_url("**/plan?saved=*")
    assert "Saved" in page.locator("[role=status]").first.inner_text()
    fresh_connection()
    made = Action.objects.get(reference="T-4411")
    assert made.status == "sent" and made.deadlines.filter(done=False).exists()
    action = page.locator(f"#action-{made.pk}")
    assert "Due" in action.inner_text()
    action.locator("select").select_option("acknowledged")
    action.get_by_role("button", name="Update").click()
    page.wait_for_url("**/plan?saved=*")
    fresh_connection()
    made.refresh_from_db()
    assert made.status == "acknowledged"

    page.goto(demo_live.url + "/")
    assert page.get_by_role("heading", name="What's next").is_visible()
    assert page.locator(".card.next").count() >= 1
    check_axe(page)
