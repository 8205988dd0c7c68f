"""Fixtures of the web tests: one browser per session, one served vault per module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
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


# -- the organisation server (server mode, PostgreSQL) ------------------------------------

STAFF_PASSWORD = "plum anchor violet tractor"
# Who holds which role on case A; "other" owns case B and has no share on A.
STAFF = {"owner": "owner", "advocate": "advocate", "lawyer": "lawyer", "viewer": "viewer"}
SERVER_MODE = [
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


class Clock:
    """A clock the test moves, for session expiry without waiting."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Org:
    """One organisation server: two cases, five staff, the app's state and its clock."""

    state: Any
    clock: Clock
    vault: Any
    case_a: Any
    case_b: Any
    item_a: int
    users: dict[str, Any]
    db_url: str

    @staticmethod
    def email(name: str) -> str:
        return f"{name}@helpline.example"


@pytest.fixture
def org(vault: Any, db_url: str) -> Iterator[Org]:
    """A served organisation vault on PostgreSQL, opened by the operator, as ``serve`` does."""
    import io

    from django.contrib.auth.models import User

    from conftest import FAST_KDF
    from onrecord.cases.evidence import Acquired, NamedStream, add_files
    from onrecord.cases.items import add_items
    from onrecord.cases.models import Item
    from onrecord.cases.records import create_case
    from onrecord.server.accounts import add_user, share_case
    from onrecord.web.app import make_app
    from onrecord.web.state import WebSettings, WebState

    cases = []
    for title in ("Synthetic case A", "Synthetic case B"):
        case = create_case(vault, title=title, jurisdiction="GB", time_zone="UTC", operator="lead")
        add_files(
            vault,
            case,
            [NamedStream("note.txt", lambda: io.BytesIO(b"synthetic exhibit bytes\n"))],
            Acquired(operator="lead"),
        )
        add_items(
            vault,
            case,
            [Item(platform="example", kind="message", text=f"synthetic words of {title}")],
            "lead",
            "test",
        )
        cases.append(case)
    case_a, case_b = cases
    users = {}
    for name, case, role in [
        *((n, case_a, r) for n, r in STAFF.items()),
        ("other", case_b, "owner"),
    ]:
        add_user(Org.email(name), STAFF_PASSWORD)
        share_case(vault, case, Org.email(name), role, operator="lead")
        users[name] = User.objects.get(username=Org.email(name))
    clock = Clock()
    settings = WebSettings(
        home=vault.home, operator="lead", database_url=db_url, kdf=FAST_KDF, exit_url="about:blank"
    )
    state = WebState(settings, clock=clock)
    make_app(state)
    state.adopt(vault)
    item_a = Item.objects.get(case=case_a).pk
    yield Org(state, clock, vault, case_a, case_b, item_a, users, db_url)
    state.vault = None  # the vault fixture closes it
