"""Starting from nothing in the browser: make the vault, open a case with the people
involved, write in the journal, check the vault and download the bag."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onrecord.cases.models import Case, JournalEntry, Party
from web.live import Live, check_axe, fresh_connection, start_live, stop_live


@pytest.fixture(scope="module")
def empty_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """No vault at all yet: the app offers to make one."""
    live = start_live(tmp_path_factory.mktemp("web-new") / "home")
    yield live
    stop_live(live)


def test_from_nothing_to_a_case_journal_check_and_bag(
    empty_live: Live, new_page: Any, tmp_path: Path
) -> None:
    page = new_page()
    page.goto(empty_live.url + "/")
    page.wait_for_url("**/setup")
    check_axe(page)
    page.get_by_label("Choose a passphrase").fill("a long synthetic passphrase")
    page.get_by_label("Type it again").fill("a long synthetic passphrase")
    page.get_by_role("button", name="Create my vault").click()
    assert len(page.locator(".recovery code").inner_text()) > 20
    page.get_by_role("link", name="Start a case").click()

    page.get_by_label("A name for this case").fill("Messages after the <b>match</b>")
    page.get_by_label("Where you live").fill("gb")
    page.get_by_label("Your time zone").fill("Europe/London")
    page.get_by_label("Your name").fill("Sam Example")
    page.get_by_label("Who is doing it").fill("@synthetic_troll\nAnother Person")
    check_axe(page)
    page.get_by_role("button", name="Create the case").click()
    page.wait_for_url("**/cases/*/?new=1")
    assert page.get_by_role("heading", name="Messages after the <b>match</b>").is_visible()
    fresh_connection()
    case = Case.objects.get()
    assert case.jurisdiction == "GB" and case.time_zone == "Europe/London"
    assert sorted(Party.objects.filter(case=case).values_list("role", "name")) == [
        ("suspect", "@synthetic_troll"),
        ("suspect", "Another Person"),
        ("victim", "Sam Example"),
    ]

    page.get_by_role("link", name="Journal").click()
    page.get_by_label("The day it happened").fill("2026-10-01")
    page.get_by_label("What happened").fill("Could not sleep after the messages.")
    page.get_by_label("What it cost you").fill("120.50")
    page.get_by_label("Currency").fill("gbp")
    page.get_by_role("button", name="Save this day").click()
    page.wait_for_url("**/journal?saved=1")
    assert "120.50 GBP" in page.locator("main").inner_text()
    fresh_connection()
    entry = JournalEntry.objects.get(case=case)
    assert str(entry.cost) == "120.50" and entry.currency == "GBP"
    check_axe(page)

    page.get_by_role("link", name="Check").click()
    page.get_by_role("button", name="Check now").click()
    summary = page.locator("#verify-summary").inner_text()
    assert "ok" in summary and "altered" not in summary and "missing" not in summary
    check_axe(page)

    page.get_by_role("link", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the bag (zip)").click()
    saved = tmp_path / "bag.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as bag:
        names = bag.namelist()
    assert any(n.endswith("bagit.txt") for n in names)
    assert any(n.endswith("data/verify_bag.py") for n in names)
