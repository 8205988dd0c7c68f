"""Harasser-controlled strings never run: over 200 payloads placed in message text, names,
handles, file names, URLs and OCR text, shown on every page that shows them, in Chromium.

Run twice: with the page's Content-Security-Policy bypassed (escaping alone must hold) and
with it on. A dialog, a console line from the hook, or a page error fails the test; so does
any element or attribute the payloads would have made.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import FAST_KDF, PASSPHRASE
from onrecord.cases.evidence import Acquired, NamedStream, add_files
from onrecord.cases.items import add_items, find_or_create_account
from onrecord.cases.models import Evidence, Item, ItemAttachment, Party
from onrecord.cases.records import add_journal_entry, create_case
from onrecord.cases.triage import triage_case
from onrecord.vault.home import Vault
from web.live import Live, start_live, stop_live, unlock
from web.xss_corpus import payloads

PAYLOADS = payloads()
INJECTED = """() => {
    const bad = [];
    for (const e of document.querySelectorAll('*')) {
        for (const a of e.attributes) {
            const name = a.name.toLowerCase();
            if (name.startsWith('on') || name.startsWith('hx-on') || name === 'formaction'
                || (name === 'hx-trigger' && a.value === 'load')
                || (['href', 'src', 'action', 'data'].includes(name)
                    && /^\\s*(javascript|data):/i.test(a.value))) {
                bad.push(e.tagName + ' ' + name + '=' + a.value.slice(0, 40));
            }
        }
    }
    for (const e of document.querySelectorAll(
            'iframe, object, embed, base, meta[http-equiv], marquee, template, isindex')) {
        bad.push(e.tagName);
    }
    for (const s of document.scripts) {
        if (!s.src.includes('/static/onrecord/')) { bad.push('script ' + s.text.slice(0, 40)); }
    }
    return bad;
}"""


# Click every "Show the words" button of the page in turn, as a person would, each after the
# previous one's words arrived (the app hides the one shown before); count the shown ones.
# Words that never arrive fail the test after 20 s instead of leaving it waiting for ever.
REVEAL_ALL = """async () => {
    let shown = 0;
    for (const button of document.querySelectorAll('button.reveal')) {
        const slot = document.getElementById(button.getAttribute('aria-controls'));
        const arrived = new Promise((resolve, reject) => {
            const watch = new MutationObserver(() => {
                if (slot.querySelector('.revealed')) { watch.disconnect(); resolve(); }
            });
            watch.observe(slot, {childList: true, subtree: true});
            setTimeout(() => reject(new Error('no words arrived for ' + slot.id)), 20000);
        });
        button.click();
        await arrived;
        if (document.querySelectorAll('.revealed').length === 1) { shown += 1; }
    }
    return shown;
}"""


@pytest.fixture(scope="module")
def xss_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("web-xss") / "home"
    vault, _ = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF)
    try:
        case = create_case(
            vault, title=PAYLOADS[0], jurisdiction="US-CA", time_zone="UTC", operator="t"
        )
        Party.objects.bulk_create(Party(case=case, role="suspect", name=p) for p in PAYLOADS)
        files = [
            NamedStream(p, (lambda n: lambda: io.BytesIO(f"synthetic {n}".encode()))(i))
            for i, p in enumerate(PAYLOADS)
        ]
        for i, payload in enumerate(PAYLOADS[:50]):
            add_files(vault, case, [files[i]], Acquired(operator="t", source_url=payload))
        add_files(vault, case, files[50:], Acquired(operator="t", note=PAYLOADS[1]))
        exhibits = list(Evidence.objects.filter(case=case).order_by("exhibit"))
        start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        items = []
        for i, payload in enumerate(PAYLOADS):
            account = find_or_create_account(
                case, platform="example", handle=payload, display_name=payload
            )
            items.append(
                Item(
                    platform="example",
                    kind="message",
                    author=account,
                    text=payload,
                    url=payload,
                    sent_at=start + dt.timedelta(minutes=i),
                    evidence=exhibits[i % len(exhibits)],
                    position=f"line {i}",
                )
            )
            items.append(  # what OCR read from a screenshot
                Item(
                    platform="screenshot",
                    kind="other",
                    text=f"OCR: {payload}",
                    sent_at=start + dt.timedelta(minutes=i, seconds=30),
                    evidence=exhibits[i % len(exhibits)],
                    position="ocr",
                    extra={"ocr_text": payload},
                )
            )
        saved = add_items(vault, case, items, "t", source="xss corpus")
        ItemAttachment.objects.bulk_create(
            ItemAttachment(item=item, name=PAYLOADS[n // 2], evidence=exhibits[0])
            for n, item in enumerate(saved)
            if n % 2 == 0
        )
        add_journal_entry(
            vault,
            case,
            date=dt.date(2026, 10, 2),
            what_happened=PAYLOADS[2],
            impact=PAYLOADS[3],
            cost=None,
            currency="",
            operator="t",
        )
        triage_case(vault, case, "t")
        case_id = case.pk
    finally:
        vault.close()
    live = start_live(home, case_id=case_id)
    yield live
    stop_live(live)


def test_the_corpus_is_big_and_distinct() -> None:
    assert len(PAYLOADS) >= 200
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def _assert_nothing_injected(page: Any) -> None:
    assert page.evaluate(INJECTED) == []


@pytest.mark.parametrize("bypass_csp", [True, False], ids=["escaping-alone", "with-csp"])
def test_no_payload_runs_anywhere(xss_live: Live, new_page: Any, bypass_csp: bool) -> None:
    page = new_page(bypass_csp=bypass_csp)
    unlock(page, xss_live)
    case_url = xss_live.url + f"/cases/{xss_live.case_id}"
    for path in ("/", "/", "/evidence", "/patterns", "/journal", "/plan"):
        page.goto((case_url + path) if path != "/" else xss_live.url + "/")
        _assert_nothing_injected(page)
    page.goto(case_url + "/")
    assert PAYLOADS[0] in page.locator("h1").inner_text()  # shown as text, exactly
    page.goto(case_url + "/evidence")
    shown = page.locator("td.filename").all_inner_texts()
    assert set(PAYLOADS[-20:]) & set(shown)
    page.goto(case_url + "/plan")
    preview = page.locator("#doc-police-packet button.preview").first
    preview.click()
    page.locator("#preview-police-packet pre").wait_for()
    _assert_nothing_injected(page)

    pages = 2 * len(PAYLOADS) // 25 + 1
    revealed = 0
    for number in range(1, pages + 1):
        page.goto(case_url + f"/review?page={number}")
        _assert_nothing_injected(page)
        revealed += page.evaluate(REVEAL_ALL)
        _assert_nothing_injected(page)
    assert revealed == 2 * len(PAYLOADS)
    texts = set(page.locator(".revealed .words").all_inner_texts())
    assert texts  # the last one shown is there, as text
    page.goto(case_url + "/review?page=1")
    page.locator("button.reveal").first.click()
    page.locator(".revealed").wait_for()
    _assert_nothing_injected(page)
