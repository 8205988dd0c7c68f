"""Capturing a web page from the browser: the address typed, the capture run as a job with
its progress, and the page's exhibits kept (a synthetic page served on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from onrecord.cases.models import Capture
from onrecord.config import load_config
from web.live import (
    Live,
    build_demo,
    chromium_path,
    fresh_connection,
    start_live,
    stop_live,
    unlock,
)

PAGE = b"""<!doctype html><html><head><title>Synthetic post</title></head>
<body><main><p>Synthetic post by @synthetic_troll: you will regret this.</p></main></body></html>"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def capture_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, str]]:
    site = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    home = tmp_path_factory.mktemp("web-capture") / "home"
    case_id = build_demo(home)
    live = start_live(home, case_id=case_id)
    config = load_config({"home": str(home), "browser": chromium_path()}, environ={})
    live.state.settings = dataclasses.replace(live.state.settings, config=config)
    yield live, f"http://127.0.0.1:{site.server_port}/post/1"
    stop_live(live)
    site.shutdown()


def test_capture_a_page_with_progress(capture_live: tuple[Live, str], new_page: Any) -> None:
    live, url = capture_live
    page = new_page()
    unlock(page, live)
    page.goto(live.url + f"/cases/{live.case_id}/evidence")
    page.get_by_label("Web addresses").fill(url)
    page.get_by_role("button", name="Capture").click()
    page.wait_for_url("**/jobs/*")
    page.locator("#job").filter(has_text="Done").wait_for(timeout=120_000)
    assert "captured" in page.locator(".job-lines").inner_text()
    fresh_connection()
    made = Capture.objects.get(case_id=live.case_id, requested_url=url)
    assert made.status == "captured" and made.artefacts
