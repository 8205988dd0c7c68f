"""Helpers of the browser tests: a real server on 127.0.0.1, the system Chromium driving it.

One browser per test session, one vault and server per module (``start_live``), a fresh
browser context per test. Every page fails its test on a JavaScript dialog, a page error or
an ``XSS-FIRED`` console line, and leaves a screenshot in the pytest tmp dir (or in
``$ONRECORD_TEST_ARTIFACTS``). Under ``CI=true`` a missing Chromium fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import FAST_KDF, PASSPHRASE
from onrecord.cases.models import Case
from onrecord.cases.triage import triage_case
from onrecord.demo import build_demo_case
from onrecord.vault.home import Vault
from onrecord.web.app import make_app
from onrecord.web.server import RunningServer, start
from onrecord.web.state import WebSettings, WebState

ASSETS = Path(__file__).parent / "assets"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXIT_URL = "about:blank"


def chromium_path() -> str:
    wanted = os.environ.get("ONRECORD_BROWSER") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(wanted).is_file():
        return wanted
    message = f"No Chromium at {wanted}: install it (make browser) to run the browser tests."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def fresh_connection() -> None:
    """Let this (test) thread see the database the server opened: connections are per thread."""
    from django.db import connections

    connections["default"].close()
    del connections["default"]


@dataclass
class Live:
    """A running app: its address, its vault folder, its state, and the case it holds."""

    url: str
    home: Path
    state: WebState
    server: RunningServer
    case_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def build_demo(home: Path) -> int:
    made, _recovery = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF)
    try:
        case = build_demo_case(made, "test-operator")
        triage_case(made, case, "test-operator")
        return int(case.pk)
    finally:
        made.close()


def start_live(home: Path, *, idle_lock_s: int = 0, case_id: int = 0) -> Live:
    settings = WebSettings(
        home=home,
        operator="test-operator",
        time_zone="America/Los_Angeles",
        kdf=FAST_KDF,
        idle_lock_s=idle_lock_s,
        exit_url=EXIT_URL,
    )
    state = WebState(settings)
    running = start(make_app(state), state)
    return Live(running.url, home, state, running, case_id)


def stop_live(live: Live) -> None:
    live.state.lock()
    live.server.stop()


@dataclass
class Watch:
    """What a page did that it must not: dialogs, script errors, XSS markers."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.dialogs, f"a dialog opened: {self.dialogs[:5]}"
        assert not self.fired, f"injected script ran: {self.fired[:5]}"
        assert not self.errors, f"page errors: {self.errors[:5]}"


PageFactory = Callable[..., Any]


def unlock(page: Any, live: Live, *, role: str = "person", helper_name: str = "") -> None:
    page.goto(live.url + "/unlock")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.locator(f"input[name=role][value={role}]").check()
    if helper_name:
        page.get_by_label("Helper's name", exact=False).fill(helper_name)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(lambda url: "/unlock" not in url)


def check_axe(page: Any) -> None:
    """axe-core in the page: no serious or critical WCAG 2.x A/AA violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated over the DevTools protocol: the page's CSP (no inline script) stays on
        page.evaluate((ASSETS / "axe.min.js").read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    bad = [v for v in result if v["impact"] in {"serious", "critical"}]
    assert not bad, f"axe-core: {bad}"


def demo_case(live: Live) -> Case:
    fresh_connection()
    return Case.objects.get(pk=live.case_id)
