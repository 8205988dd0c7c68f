"""Recapture, logged-in profiles, address policy and the real CLI, on each backend."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from conftest import run_onrecord
from onrecord.capture import capture_urls
from onrecord.capture.browser import launch, playwright_session
from onrecord.capture.page import Limits, capture_page
from onrecord.capture.profiles import login, pack
from onrecord.capture.read import latest_captures
from onrecord.capture.store import policy_for
from onrecord.capture.urls import AddressPolicy, check_url
from onrecord.cases.models import BrowserProfile, Capture
from onrecord.cases.records import create_case
from onrecord.errors import InputError
from onrecord.vault.home import Vault

from .conftest import capture_config
from .site import POST_TEXT, Site


def new_case(vault: Vault) -> object:
    return create_case(
        vault, title="flows", jurisdiction="US-NY", time_zone="UTC", operator="test-operator"
    )


def test_recapture_records_what_changed_and_what_disappeared(vault: Vault, site: Site) -> None:
    config = capture_config()
    case = new_case(vault)
    url = site.url("/post")
    site.state.pop("post_text", None)
    [first] = capture_urls(vault, case, [url], config=config, ocr=False)
    assert first.status == "captured"

    site.state["post_text"] = "Synthetic post, edited: now it says something else."
    try:
        [second] = capture_urls(
            vault, case, [url], config=config, previous=latest_captures(case.pk), ocr=False
        )
        assert second.changes["summary"].startswith("changed")
        assert f"-{POST_TEXT}" in second.changes["diff"]
        assert "+Synthetic post, edited" in second.changes["diff"]
        capture = Capture.objects.get(pk=second.capture_id)
        assert capture.previous_id == first.capture_id

        [third] = capture_urls(
            vault,
            case,
            [url],
            config=config,
            previous=latest_captures(case.pk),
            ocr=False,
        )
        assert third.changes["summary"] == "unchanged"
    finally:
        site.state.pop("post_text", None)

    gone_url = site.url("/members")  # without a login: sent to the login wall
    before = {gone_url: Capture.objects.get(pk=first.capture_id)}
    Capture.objects.filter(pk=first.capture_id).update(requested_url=gone_url)
    [fourth] = capture_urls(vault, case, [gone_url], config=config, previous=before, ocr=False)
    assert fourth.status == "content not captured"
    assert fourth.changes["summary"].startswith("gone")


def fill_login_form(site: Site) -> object:
    def drive(context: BrowserContext, save: Callable[[], None]) -> None:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(site.url("/login-wall"))
        page.fill("input[name=user]", "synthetic-user")
        page.fill("input[type=password]", "not-a-real-password")
        page.click("button")
        page.wait_for_url("**/members")

    return drive


def test_logged_in_profile_captures_what_is_behind_the_login(
    local_vault: Vault, site: Site
) -> None:
    config = capture_config()
    case = new_case(local_vault)
    members = site.url("/members")
    [walled] = capture_urls(local_vault, case, [members], config=config, ocr=False)
    assert walled.status == "content not captured" and "login" in walled.message

    login(local_vault, config, "forum", fill_login_form(site), headless=True)  # type: ignore[arg-type]
    profile = BrowserProfile.objects.get(name="forum")
    stored = local_vault.blobs.path_for(profile.blob_id).read_bytes()
    assert b"session" not in stored and b"synthetic-user" not in stored  # encrypted at rest
    packed = b"".join(local_vault.blobs.open_chunks(profile.blob_id))
    with tarfile.open(fileobj=io.BytesIO(packed)) as archive:
        names = archive.getnames()
    assert names and not any("Login Data" in n or "Web Data" in n for n in names)

    [inside] = capture_urls(local_vault, case, [members], config=config, profile="forum", ocr=False)
    assert inside.status == "captured", inside.message
    capture = Capture.objects.get(pk=inside.capture_id)
    assert capture.profile == "forum"
    assert not any((local_vault.home / "work").iterdir())  # plain profile removed after use

    with pytest.raises(InputError, match="no browser profile called 'other'"):
        capture_urls(local_vault, case, [members], config=config, profile="other")


def test_pack_leaves_out_passwords_and_caches(tmp_path: Path) -> None:
    for name in (
        "Default/Cookies",
        "Default/Login Data",
        "Default/Login Data-journal",
        "Default/Web Data",
        "Default/Cache/data_0",
        "Default/Local Storage/leveldb/1.log",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    with tarfile.open(fileobj=io.BytesIO(pack(tmp_path))) as archive:
        names = sorted(archive.getnames())
    assert names == ["Default/Cookies", "Default/Local Storage/leveldb/1.log"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "chrome://settings",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/x",
        "view-source:https://example.org",
        "example.org/no-scheme",
        "https://user:secret@example.org/",
        "http:///no-host",
    ],
)
def test_non_web_urls_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="Refused"):
        check_url(url)


def test_server_mode_refuses_private_addresses() -> None:
    server = capture_config(database_url="postgresql://x@127.0.0.1/onrecord")
    assert policy_for(server).public_only
    allowed = capture_config(
        database_url="postgresql://x@127.0.0.1/onrecord", capture_allow_private="yes"
    )
    assert not policy_for(allowed).public_only
    assert not policy_for(capture_config()).public_only  # the laptop captures anything

    policy = AddressPolicy(
        public_only=True,
        resolver=lambda host: {
            "inside.example": ["10.1.2.3"],
            "rebind.example": ["93.184.215.14", "127.0.0.1"],
            "public.example": ["93.184.215.14"],
        }.get(host, []),
    )
    for url in (
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest",
        "http://inside.example/",
        "http://rebind.example/",
        "http://[::ffff:10.0.0.1]/",
    ):
        with pytest.raises(InputError, match="private or local"):
            policy.check([url])
    policy.check(["https://public.example/post"])


def test_server_mode_blocks_a_redirect_into_the_private_network(tmp_path: Path, site: Site) -> None:
    """The first host looks public; the page then redirects to 127.0.0.1, which is refused."""
    config = capture_config()
    policy = AddressPolicy(
        public_only=True,
        resolver=lambda host: ["93.184.215.14"] if host == "localhost" else [],
    )
    url = site.url("/away").replace("127.0.0.1", "localhost")
    with playwright_session() as playwright:
        browser = launch(playwright, config)
        try:
            result = capture_page(
                lambda har: browser.new_context(record_har_path=har),
                url,
                workdir=tmp_path,
                limits=Limits(load_timeout_s=6),
                policy=policy,
                about={},
            )
        finally:
            browser.close()
    assert result.status == "failed"
    assert "a redirect led to http://127.0.0.1" in result.reason
    assert "private or local address" in result.reason
    assert result.artefacts == []


def test_cli_capture_with_trusted_time_verifies(tmp_path: Path, site: Site, local_tsa) -> None:  # type: ignore[no-untyped-def]
    capture_config()  # skips or fails without Chromium
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Captured", "--jurisdiction", "US-CA", check=True)
    done = run_onrecord(
        home,
        "capture",
        "1",
        site.url("/post"),
        site.url("/deleted"),
        "--json",
        "--no-ocr",
        ONRECORD_TSA_URL=local_tsa.url,
    )
    assert done.returncode == 0, done.stderr
    rows = {row["url"]: row for row in json.loads(done.stdout)}
    assert rows[site.url("/post")]["status"] == "captured"
    assert rows[site.url("/deleted")]["status"] == "content not captured"
    assert any("trusted time" in n for n in rows[site.url("/post")]["notes"])
    refused = run_onrecord(home, "capture", "1", "file:///etc/passwd")
    assert refused.returncode == 1 and "only web pages" in refused.stdout
    checked = run_onrecord(home, "verify", ONRECORD_TSA_URL=local_tsa.url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "trusted time of exhibits and captures" in checked.stdout
    again = run_onrecord(home, "recapture", "1", "--json", ONRECORD_TSA_URL=local_tsa.url)
    assert again.returncode == 0, again.stderr
    summaries = {row["url"]: row["changes"]["summary"] for row in json.loads(again.stdout)}
    assert summaries[site.url("/post")] == "unchanged"
