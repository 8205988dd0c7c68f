"""Getting in and out, in the browser: unlock, a wrong passphrase, lock, quick exit, safety."""

from __future__ import annotations

from typing import Any

from web.live import EXIT_URL, Live, check_axe, unlock


def test_a_wrong_passphrase_says_so_and_opens_nothing(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/review")
    assert "/unlock" in page.url  # nothing private before unlocking
    check_axe(page)
    page.get_by_label("Passphrase").fill("not the passphrase")
    page.get_by_role("button", name="Unlock").click()
    assert "does not unlock" in page.locator("#unlock-error").inner_text()
    assert page.get_by_role("heading", name="Unlock your vault").is_visible()


def test_unlock_goes_where_the_person_was_going(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/plan")
    from conftest import PASSPHRASE

    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"**/cases/{demo_live.case_id}/plan")
    assert page.get_by_role("heading", name="What you can do").is_visible()
    check_axe(page)


def test_quick_exit_by_escape_twice_replaces_the_page(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    unlock(page, demo_live)
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/")
    length = page.evaluate("history.length")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    assert page.evaluate("history.length") == length  # replaced, not added


def test_quick_exit_button_is_on_every_page_and_keyboard_reachable(
    demo_live: Live, new_page: Any
) -> None:
    page = new_page()
    unlock(page, demo_live)
    for path in ("/", f"/cases/{demo_live.case_id}/review", "/safety", "/helper"):
        page.goto(demo_live.url + path)
        page.keyboard.press("Tab")  # skip link first
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "quick-exit"
    page.keyboard.press("Enter")
    page.wait_for_url(EXIT_URL)


def test_safety_page_works_locked_and_names_no_weapons(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    page.goto(demo_live.url + "/safety?country=US")
    text = page.locator("main").inner_text()
    assert "911" in text and "safety plan" in text.lower()
    assert "weapon" not in text.lower() and "gun" not in text.lower()
    check_axe(page)


def test_lock_ends_the_session(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    unlock(page, demo_live)
    page.get_by_role("button", name="Lock").click()
    page.wait_for_url("**/unlock?locked=1")
    assert not demo_live.state.is_open
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/")
    assert "/unlock" in page.url
