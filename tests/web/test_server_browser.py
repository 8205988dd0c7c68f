"""The staff login in real Chromium: password, then the TOTP code, then the shared case."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyotp

from onrecord.server.accounts import enrol_totp
from onrecord.web.server import start
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org
from web.live import PageFactory

pytestmark = SERVER_MODE


def test_login_with_a_code_in_chromium(org: Org, new_page: PageFactory) -> None:
    uri = enrol_totp(org.vault, org.email("lawyer"))
    totp = pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])
    from django.core.handlers.wsgi import WSGIHandler

    running = start(WSGIHandler(), org.state)
    try:
        page = new_page()
        page.goto(running.url + f"/cases/{org.case_a.pk}/")
        page.wait_for_url("**/login?next=*")
        page.get_by_label("Email").fill(org.email("lawyer"))
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        assert "do not match" in page.locator("#login-error").inner_text()
        page.get_by_label("Email").fill(org.email("lawyer"))
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/login/code")
        page.get_by_label("6-digit code").fill(totp.now())
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"**/cases/{org.case_a.pk}/")
        assert "Synthetic case A" in page.content()
        assert page.locator("#staff-account").inner_text() == org.email("lawyer")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login")
        page.goto(running.url + "/")
        page.wait_for_url("**/login")
        assert "Synthetic case A" not in page.content()
    finally:
        running.stop()
