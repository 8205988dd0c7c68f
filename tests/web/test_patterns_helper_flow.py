"""Who and when (timeline chart, actors, campaigns), and helper mode: the helper reviews,
the person harassed sees summaries only."""

from __future__ import annotations

from typing import Any

from conftest import PASSPHRASE
from web.live import Live, check_axe, unlock


def test_timeline_chart_and_actors(demo_live: Live, new_page: Any) -> None:
    page = new_page()
    unlock(page, demo_live)
    page.goto(demo_live.url + f"/cases/{demo_live.case_id}/patterns")
    assert page.locator("svg.chart rect").count() > 0
    assert page.locator("svg.chart title").first.text_content().startswith("Messages per day")
    rows = page.locator("#actors-h + table tbody tr")
    assert rows.count() >= 2
    assert "@" in rows.first.inner_text() or ":" in rows.first.inner_text()
    check_axe(page)


def test_helper_mode_shows_the_person_summaries_only(demo_live: Live, new_page: Any) -> None:
    person = new_page()
    unlock(person, demo_live)
    person.goto(demo_live.url + "/helper")
    person.get_by_role("button", name="Turn helper mode on").click()
    assert "Helper mode is on" in person.locator("main").inner_text()
    case_url = demo_live.url + f"/cases/{demo_live.case_id}"
    person.goto(case_url + "/review")
    assert person.url.endswith(f"/cases/{demo_live.case_id}/")  # summaries instead
    assert person.get_by_role("heading", name="Summary").is_visible()
    assert person.get_by_role("link", name="Review").count() == 0
    item_id = demo_live.extra.setdefault("item", 1)
    refused = person.request.get(case_url + f"/items/{item_id}/reveal")
    assert refused.status == 403
    check_axe(person)

    helper = new_page()
    unlock(helper, demo_live, role="helper", helper_name="Robin (synthetic helper)")
    helper.goto(case_url + "/review")
    first = helper.locator(".queue .item").first
    first.get_by_role("button", name="Show the words").click()
    first.locator(".revealed").wait_for()
    first.get_by_role("button", name="Nothing harmful").click()
    first_id = first.get_attribute("data-item")
    helper.locator(f"#item-{first_id} .review-state").filter(has_text="Robin").wait_for()

    person.goto(demo_live.url + "/helper")
    person.get_by_label("Type the passphrase").fill(PASSPHRASE)
    person.get_by_role("button", name="Turn helper mode off").click()
    assert "Helper mode is off" in person.locator("main").inner_text()
