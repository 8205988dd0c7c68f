"""Fixtures of the web tests: one browser per session, one served vault per module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop in the test thread; the database calls the tests
# make there are plain synchronous ones, so Django's guard against async misuse stands down.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from web.live import (
    CHROMIUM_ARGS,
    Live,
    PageFactory,
    Watch,
    build_demo,
    chromium_path,
    start_live,
    stop_live,
)


@pytest.fixture(scope="module")
def demo_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A vault holding the triaged demo case, served."""
    home = tmp_path_factory.mktemp("web") / "home"
    case_id = build_demo(home)
    live = start_live(home, case_id=case_id)
    yield live
    stop_live(live)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("ONRECORD_TEST_ARTIFACTS")
    folder = Path(given) if given else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_page(
    browser: Any, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PageFactory]:
    """Make pages (``new_page(bypass_csp=False)``); each is watched and screenshotted."""
    made: list[tuple[Any, Any, Watch]] = []

    def factory(**options: Any) -> Any:
        context = browser.new_context(accept_downloads=True, **options)
        context.add_init_script("window.__xss = function (n) { console.error('XSS-FIRED ' + n); };")
        page = context.new_page()
        watch = Watch()

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_console(message: Any) -> None:
            if "XSS-FIRED" in message.text:
                watch.fired.append(message.text)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
        page.watch = watch
        made.append((context, page, watch))
        return page

    yield factory
    folder = artifacts_dir(tmp_path_factory)
    for number, (context, page, watch) in enumerate(made):
        try:
            if not page.is_closed() and page.url.startswith("http"):
                page.screenshot(
                    path=str(folder / f"{request.node.name}-{number}.png"), full_page=True
                )
        finally:
            context.close()
        watch.assert_clean()
