"""The review queue in the browser: worst first, words hidden until shown one at a time,
decisions by button and by keyboard, and a person's label winning over the model's."""

from __future__ import annotations

from typing import Any

from onrecord.cases.models import Item, Label, Triage
from web.live import Live, check_axe, fresh_connection, unlock


def _queue(page: Any, live: Live) -> None:
    unlock(page, live)
    page.goto(live.url + f"/cases/{live.case_id}/review")


def test_worst_first_and_no_words_until_shown(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    _queue(page, demo_live)
    fresh_connection()
    texts = list(Item.objects.filter(case_id=demo_live.case_id).values_list("text", flat=True))
    html = page.content()
    assert not [t for t in texts if len(t) > 20 and t in html]  # no message's words in the page
    levels = page.locator(".item .level").all_inner_texts()
    order = ["most serious", "serious", "harmful", "mild", "nothing found"]
    ranks = [order.index(level) for level in levels]
    assert ranks == sorted(ranks) and ranks[0] == 0
    check_axe(page)


def test_showing_one_message_hides_the_other(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    _queue(page, demo_live)
    first, second = page.locator(".queue .item").nth(0), page.locator(".queue .item").nth(1)
    first.get_by_role("button", name="Show the words").click()
    first.locator(".revealed").wait_for()
    fresh_connection()
    item = Item.objects.get(pk=int(first.get_attribute("data-item")))
    assert item.text[:30] in first.locator(".revealed .words").inner_text()
    second.get_by_role("button", name="Show the words").click()
    second.locator(".revealed").wait_for()
    assert first.locator(".revealed").count() == 0  # one at a time
    assert first.locator(".placeholder").is_visible()  # blurred again
    assert page.locator(".revealed").count() == 1
    second.get_by_role("button", name="Hide the words").click()
    assert page.locator(".revealed").count() == 0
    assert (
        second.get_by_role("button", name="Show the words").get_attribute("aria-expanded")
        == "false"
    )
    check_axe(page)


def test_keyboard_confirm_dismiss_and_relabel_are_recorded(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    _queue(page, demo_live)
    first = page.locator(".queue .item").nth(0)
    item_id = int(first.get_attribute("data-item"))
    page.keyboard.press("j")  # focus the first message
    assert page.evaluate("document.activeElement.dataset.item") == str(item_id)
    page.keyboard.press("s")
    first.locator(".revealed").wait_for()
    page.keyboard.press("c")  # confirm what was found
    page.locator(f"#item-{item_id} .review-state").filter(has_text="confirmed").wait_for()
    fresh_connection()
    made = Label.objects.filter(item_id=item_id).latest("pk")
    assert made.decision == "confirmed" and made.by == "test-operator"

    second = page.locator(".queue .item").nth(1)
    second_id = int(second.get_attribute("data-item"))
    second.locator("select").select_option("defamation_risk")
    second.get_by_role("button", name="Save label").click()
    page.locator(f"#item-{second_id} .review-state").filter(has_text="confirmed").wait_for()
    fresh_connection()
    assert Triage.objects.get(item_id=second_id).labels == ["defamation_risk"]  # a person wins

    page.locator(f"#item-{second_id}").focus()
    page.keyboard.press("x")  # nothing harmful
    page.locator(f"#item-{second_id} .review-state").filter(has_text="nothing harmful").wait_for()
    fresh_connection()
    triage = Triage.objects.get(item_id=second_id)
    assert triage.labels == [] and triage.level == "none"
