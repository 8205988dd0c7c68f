"""The People page in real Chromium: an owner invites, copies the link with the button (no
inline script under the strict CSP), withdraws it, and every state passes axe-core."""

from __future__ import annotations

from django.core.handlers.wsgi import WSGIHandler

from onrecord.server.models import Invite
from onrecord.web.server import start
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org
from web.live import PageFactory, check_axe

pytestmark = SERVER_MODE


def test_an_owner_invites_copies_and_withdraws_in_chromium(org: Org, new_page: PageFactory) -> None:
    running = start(WSGIHandler(), org.state)
    try:
        page = new_page(permissions=["clipboard-read", "clipboard-write"])
        page.goto(running.url + "/login")
        page.get_by_label("Email").fill(org.email("owner"))
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(running.url + "/")
        page.goto(running.url + f"/cases/{org.case_a.pk}/")
        page.get_by_role("link", name="People").click()
        page.wait_for_url(f"**/cases/{org.case_a.pk}/people")
        assert page.get_by_role("cell", name=org.email("viewer"), exact=True).is_visible()
        check_axe(page)

        page.get_by_label("Their email address").fill("ash.fern@example.org")
        page.get_by_role("radio", name="Lawyer").check()
        page.get_by_label("The link works for").select_option("24")
        page.get_by_role("button", name="Make the invite link").click()
        field = page.locator("#invite-link")
        field.wait_for()
        link = field.input_value()
        assert "/invite/" in link
        check_axe(page)
        page.get_by_role("button", name="Copy the link").click()
        page.wait_for_function("document.getElementById('copy-status').textContent !== ''")
        assert page.locator("#copy-status").inner_text() == "The link is copied."
        assert page.evaluate("navigator.clipboard.readText()") == link

        page.get_by_role("button", name="Withdraw the invite").click()
        page.wait_for_selector("#people-notice")
        assert "withdrawn" in page.locator("#people-notice").inner_text()
        check_axe(page)
        assert Invite.objects.get().revoked_by == org.email("owner")
    finally:
        running.stop()
