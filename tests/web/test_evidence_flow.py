"""Adding evidence in the browser: choose, drag and drop, paste a screenshot, import an
export with its progress shown; and an uploaded HTML or SVG file only ever comes back as a
download, never as a page of this app."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from onrecord.cases.models import Evidence, Item
from web.live import Live, check_axe, fresh_connection, unlock

DATA = Path(__file__).parent.parent / "data" / "imports"
# A 1x1 PNG, synthetic.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _evidence_page(page: Any, live: Live) -> None:
    unlock(page, live)
    page.goto(live.url + f"/cases/{live.case_id}/evidence")


def test_choose_files_and_get_them_back_only_as_downloads(
    demo_live: Live, new_page: Any, tmp_path: Path
) -> None:
    page = new_page()
    _evidence_page(page, demo_live)
    html = b"<html><script>window.__xss(1)</script>evil page</html>"
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss(2)">'
        b"<script>window.__xss(3)</script></svg>"
    )
    page.get_by_label("Files to add").set_input_files(
        [
            {"name": "saved page.html", "mimeType": "text/html", "buffer": html},
            {"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": svg},
        ]
    )
    page.get_by_role("button", name="Add these files").click()
    page.wait_for_url("**/evidence#added")
    assert page.locator("#added li").count() == 2
    fresh_connection()
    kept = Evidence.objects.get(case_id=demo_live.case_id, original_name="saved page.html")
    assert kept.blob_id == hashlib.sha256(html).hexdigest()
    for name, body in (("saved page.html", html), ("drawing.svg", svg)):
        found = Evidence.objects.get(case_id=demo_live.case_id, original_name=name)
        response = page.request.get(
            demo_live.url + f"/cases/{demo_live.case_id}/exhibits/{found.exhibit}?inline=1"
        )
        assert response.body() == body  # the exact bytes
        headers = response.headers
        assert headers["content-disposition"].startswith("attachment")
        assert headers["content-type"] == "application/octet-stream"
        assert headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in headers["content-security-policy"]
    # Opening it in the browser downloads it instead of running it.
    with page.expect_download() as info:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.click(); }",
            f"/cases/{demo_live.case_id}/exhibits/{kept.exhibit}",
        )
    saved = tmp_path / "back.html"
    info.value.save_as(saved)
    assert saved.read_bytes() == html
    check_axe(page)


def test_drag_and_drop_and_paste_a_screenshot(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    _evidence_page(page, demo_live)
    data = list(PNG)
    page.evaluate(
        """bytes => {
            const t = new DataTransfer();
            t.items.add(new File([new Uint8Array(bytes)], 'dropped.png', {type: 'image/png'}));
            const zone = document.getElementById('dropzone');
            zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: t, bubbles: true}));
            zone.dispatchEvent(new DragEvent('drop', {dataTransfer: t, bubbles: true}));
        }""",
        data,
    )
    assert page.evaluate("document.getElementById('files').files[0].name") == "dropped.png"
    page.get_by_role("button", name="Add these files").click()
    page.wait_for_url("**/evidence#added")
    pasted = bytes(reversed(PNG[:8])) + PNG  # different bytes: a second exhibit
    page.evaluate(
        """bytes => {
            const t = new DataTransfer();
            t.items.add(new File([new Uint8Array(bytes)], 'image.png', {type: 'image/png'}));
            document.getElementById('dropzone').dispatchEvent(
                new ClipboardEvent('paste', {clipboardData: t, bubbles: true}));
        }""",
        list(pasted),
    )
    assert "pasted" in page.locator("#drop-help").inner_text()
    page.get_by_role("button", name="Add these files").click()
    page.wait_for_url("**/evidence#added")
    fresh_connection()
    names = set(
        Evidence.objects.filter(case_id=demo_live.case_id).values_list("original_name", flat=True)
    )
    assert "dropped.png" in names
    assert any(n.startswith("pasted-screenshot-") and n.endswith(".png") for n in names)


def test_import_an_export_with_progress(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    _evidence_page(page, demo_live)
    fresh_connection()
    before = Item.objects.filter(case_id=demo_live.case_id).count()
    page.get_by_label("Export file").set_input_files(
        str(DATA / "whatsapp" / "Chat with Alex Doe.txt")
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/jobs/*")
    assert page.locator("progress").count() == 1
    page.locator("#job").filter(has_text="Imported").wait_for(timeout=60_000)
    assert page.locator("progress").get_attribute("value") == "100"
    fresh_connection()
    assert Item.objects.filter(case_id=demo_live.case_id).count() > before
    check_axe(page)
