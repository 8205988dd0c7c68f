"""Captures into the vault: artefacts as exhibits, the capture as one logged group.

Each URL is captured into a private work folder first. Only a finished capture is stored:
its artefacts become exhibits and the ``Capture`` record with its ``capture.page`` log entry
(every artefact's exhibit number and hash, the verdict, the metadata digest) is written in
the same transaction, so a capture is in the vault whole or not at all. A failed attempt is
recorded too (``capture.failed``: the URL, when, and why), with no artefacts.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.db import DatabaseError, transaction
from playwright.sync_api import Browser, BrowserContext, Playwright

from onrecord.capture.browser import launch, launch_args
from onrecord.capture.page import VIEWPORT, Limits, PageCapture, capture_page
from onrecord.capture.read import artefact_bytes
from onrecord.capture.urls import AddressPolicy, check_url
from onrecord.cases.evidence import Acquired, NamedStream, add_files
from onrecord.cases.models import Capture, Case, Evidence
from onrecord.cases.records import seal
from onrecord.config import Config
from onrecord.errors import InputError, OnrecordError
from onrecord.vault.custody import CustodyLog, canonical_json
from onrecord.vault.home import Vault

MAX_DIFF_CHARS = 200_000


@dataclass
class CaptureOutcome:
    """What came of one URL."""

    url: str
    status: str  # captured | content not captured | failed
    message: str = ""
    capture_id: int | None = None
    evidence_ids: list[int] = field(default_factory=list)
    exhibits: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)


Opener = Callable[[Path], BrowserContext]


def policy_for(config: Config) -> AddressPolicy:
    """Public addresses only on an organisation server, unless the operator allows others."""
    server = bool(config.database_url)
    allowed = config.get("capture_allow_private").strip().lower() in {"yes", "true", "1"}
    return AddressPolicy(public_only=server and not allowed)


def capture_urls(
    vault: Vault,
    case: Case,
    urls: Sequence[str],
    *,
    config: Config,
    note: str = "",
    profile: str | None = None,
    previous: dict[str, Capture] | None = None,
    report: Callable[[CaptureOutcome], None] | None = None,
    ocr: bool = True,
) -> list[CaptureOutcome]:
    """Capture each URL into ``case``; a refused or failed URL never stops the others."""
    policy = policy_for(config)
    outcomes: list[CaptureOutcome] = []
    allowed: list[str] = []
    for url in urls:
        try:
            checked = check_url(url)
            policy.check([checked])
            allowed.append(checked)
        except InputError as exc:
            outcome = CaptureOutcome(url, "failed", str(exc))
            outcomes.append(outcome)
            if report:
                report(outcome)
    if not allowed:
        return outcomes
    limits = Limits(load_timeout_s=float(config.integer("capture_timeout")))
    with contextlib.ExitStack() as folders:
        # The browser runs first and alone: Playwright's sync API runs an event loop in this
        # thread, and the database is written only once the browser has gone.
        pages: list[PageCapture] = []
        with _browser(vault, config, profile) as (opener, version):
            about = {"operator": config.operator, "browser": version, "profile": profile or ""}
            for url in allowed:
                work = Path(folders.enter_context(_work_folder(vault)))
                pages.append(
                    capture_page(
                        opener, url, workdir=work, limits=limits, policy=policy, about=about
                    )
                )
        lost: DatabaseError | None = None
        for page in pages:
            before = (previous or {}).get(page.requested_url)
            try:
                outcome = _store(vault, case, page, config.operator, note, profile, before)
            except DatabaseError as exc:
                # Every other page is still stored; the error is raised once they are, so
                # a queued job is retried (for this page only) and the command fails.
                lost = lost or exc
                outcome = CaptureOutcome(
                    page.requested_url,
                    "failed",
                    f"the capture was taken but the database refused it ({exc}); "
                    "nothing of this page was stored: capture it again",
                )
            if outcome.capture_id is not None:
                _after_storing(vault, case, outcome, ocr=ocr)
            outcomes.append(outcome)
            if report:
                report(outcome)
    seal(vault, case)
    if lost is not None:
        raise lost
    return outcomes


def _after_storing(vault: Vault, case: Case, outcome: CaptureOutcome, *, ocr: bool) -> None:
    """Trusted time for the capture's hash, and its screenshot read into items.

    Both come after the capture is safely stored; either failing leaves the capture whole
    and says so in the outcome's notes.
    """
    from onrecord.cases.screenshots import read_screenshot
    from onrecord.vault.timestamp import stamp

    assert outcome.capture_id is not None
    capture = Capture.objects.get(pk=outcome.capture_id)
    digest = str(capture.metadata.get("capture_sha256", ""))
    try:
        token = stamp("capture", digest, digest) if digest else None
    except OnrecordError as exc:
        outcome.notes.append(f"no trusted time for this capture: {exc}")
    else:
        if token is not None:
            outcome.notes.append(f"trusted time: {token.gen_time:%Y-%m-%d %H:%M:%S} UTC")
    shot = capture.artefacts.get("screenshot")
    if not ocr or shot is None or capture.status != Capture.Status.CAPTURED:
        return
    evidence = Evidence.objects.get(case=case, exhibit=shot)
    try:
        reading = read_screenshot(vault, case, evidence, platform=_host(capture.final_url))
    except OnrecordError as exc:
        outcome.notes.append(f"the screenshot could not be read by OCR: {exc}")
        return
    outcome.notes.append(reading.summary)


def _work_folder(vault: Vault) -> tempfile.TemporaryDirectory[str]:
    """Work folders live in the vault's folder, not in a shared /tmp, and are removed after."""
    root = vault.home / "work"
    root.mkdir(mode=0o700, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="capture-", dir=root)


@contextlib.contextmanager
def _browser(vault: Vault, config: Config, profile: str | None) -> Iterator[tuple[Opener, str]]:
    from onrecord.capture.browser import playwright_session

    if profile:
        from onrecord.capture.profiles import opened_profile

        with opened_profile(vault, profile) as user_data, playwright_session() as playwright:
            yield _persistent_opener(playwright, config, user_data)
        return
    with playwright_session() as playwright:
        browser = launch(playwright, config)
        try:
            yield _fresh_opener(browser), f"Chromium {browser.version}"
        finally:
            browser.close()


def _fresh_opener(browser: Browser) -> Opener:
    def open_context(har: Path) -> BrowserContext:
        return browser.new_context(
            record_har_path=har,
            record_har_content="embed",
            viewport=dict(VIEWPORT),  # type: ignore[arg-type]
            accept_downloads=False,
            service_workers="block",
        )

    return open_context


def _persistent_opener(
    playwright: Playwright, config: Config, user_data: Path
) -> tuple[Opener, str]:
    from onrecord.capture.browser import find_chromium
    from onrecord.capture.profiles import restore_state

    executable = find_chromium(config)
    seen: list[str] = []

    def open_context(har: Path) -> BrowserContext:
        context = playwright.chromium.launch_persistent_context(
            user_data,
            executable_path=executable,
            headless=True,
            args=launch_args(config),
            record_har_path=har,
            record_har_content="embed",
            viewport=dict(VIEWPORT),  # type: ignore[arg-type]
            accept_downloads=False,
            service_workers="block",
        )
        restore_state(context, user_data)
        if context.browser is not None:
            seen.append(context.browser.version)
        return context

    return open_context, "Chromium (persistent profile)"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "page").replace(":", "_")


def _store(
    vault: Vault,
    case: Case,
    page: PageCapture,
    operator: str,
    note: str,
    profile: str | None,
    before: Capture | None,
) -> CaptureOutcome:
    started = page.metadata.get("capture_started") or _now_iso()
    finished = page.metadata.get("capture_finished") or started
    outcome = CaptureOutcome(page.requested_url, page.status, page.reason, notes=list(page.notes))
    stamp = started.replace("-", "").replace(":", "").split(".")[0] + "Z"
    prefix = f"{_host(page.final_url or page.requested_url)}-{stamp}-"
    streams = [NamedStream(prefix + a.name, _opener(a.path)) for a in page.artefacts]
    how = Acquired(
        operator=operator,
        method="web-capture",
        source_url=page.final_url or page.requested_url,
        note=note,
        tool=f"onrecord + {page.metadata.get('browser', 'Chromium')}",
    )
    changes = _changes(vault, before, page)
    log = vault.log(case.log_name)
    try:
        with transaction.atomic():
            exhibits: dict[str, int] = {}
            hashes: dict[str, str] = {}
            if streams:
                added = add_files(vault, case, streams, how)
                failed = [a for a in added if a.exhibit is None and a.status != "already held"]
                if failed:
                    raise OnrecordError(failed[0].message or "an artefact could not be stored")
                for artefact, result in zip(page.artefacts, added, strict=True):
                    exhibit = result.exhibit or _exhibit_of(case, result.sha256)
                    exhibits[artefact.role] = exhibit
                    hashes[artefact.role] = result.sha256 or ""
            digest = _digest(page, hashes)
            details = {
                "case": case.uid.hex,
                "requested_url": page.requested_url,
                "final_url": page.final_url,
                "status": page.status,
                "reason": page.reason,
                "started": started,
                "finished": finished,
                "profile": profile or "",
                "artefacts": {
                    role: {"exhibit": exhibits[role], "sha256": hashes[role]} for role in exhibits
                },
                "capture_sha256": digest,
                "notes": page.notes,
                "previous_log_index": before.log_index if before else None,
                "changes": {k: v for k, v in changes.items() if k != "diff"},
            }
            action = "capture.failed" if page.status == "failed" else "capture.page"
            entry = log.append(action, operator, details)
            capture = Capture.objects.create(
                case=case,
                requested_url=page.requested_url,
                final_url=page.final_url,
                status=page.status,
                reason=page.reason,
                started_at=_parse(started),
                finished_at=_parse(finished),
                operator=operator,
                profile=profile or "",
                metadata={**page.metadata, "capture_sha256": digest},
                artefacts=exhibits,
                text_sha256=page.metadata.get("text_sha256", ""),
                previous=before,
                changes=changes,
                log_index=entry.index,
            )
    except OnrecordError as exc:
        message = f"the capture could not be stored: {exc}"
        _log_store_failure(log, case, page, operator, started, message)
        return CaptureOutcome(page.requested_url, "failed", message)
    outcome.capture_id = capture.pk
    outcome.exhibits = exhibits
    outcome.evidence_ids = list(
        Evidence.objects.filter(case=case, exhibit__in=exhibits.values()).values_list(
            "pk", flat=True
        )
    )
    outcome.changes = changes
    return outcome


def _log_store_failure(
    log: CustodyLog, case: Case, page: PageCapture, operator: str, started: str, message: str
) -> None:
    """Put on record that a page was captured but could not be stored (nothing of it was)."""
    details = {
        "case": case.uid.hex,
        "requested_url": page.requested_url,
        "final_url": page.final_url,
        "status": "failed",
        "reason": message,
        "started": started,
        "stored": False,
    }
    with transaction.atomic():
        log.append("capture.not_stored", operator, details)


def _opener(path: Path) -> Callable[[], Any]:
    return lambda: path.open("rb")


def _exhibit_of(case: Case, sha256: str | None) -> int:
    return int(
        Evidence.objects.filter(case=case, blob__sha256=sha256).values_list("exhibit", flat=True)[0]
    )


def _digest(page: PageCapture, hashes: dict[str, str]) -> str:
    """The capture's own hash: what was asked, what came back, and every artefact's hash."""
    summary = {
        "requested_url": page.requested_url,
        "final_url": page.final_url,
        "status": page.status,
        "started": page.metadata.get("capture_started", ""),
        "finished": page.metadata.get("capture_finished", ""),
        "artefacts": hashes,
    }
    return hashlib.sha256(canonical_json(summary)).hexdigest()


def _changes(vault: Vault, before: Capture | None, page: PageCapture) -> dict[str, Any]:
    """What changed at the source since ``before``: status and a diff of the visible text."""
    if before is None:
        return {}
    old_text = _capture_text(vault, before)
    new_text = page.text
    diff = list(
        difflib.unified_diff(
            old_text.splitlines(),
            new_text.splitlines(),
            fromfile=f"capture {before.pk} ({before.started_at:%Y-%m-%d %H:%M} UTC)",
            tofile="this capture",
            lineterm="",
        )
    )
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    was = before.status
    now = page.status
    if was == "captured" and now != "captured":
        summary = f"gone: the content is no longer there ({page.reason})"
    elif was != "captured" and now == "captured":
        summary = "back: the content can be seen again"
    elif old_text == new_text:
        summary = "unchanged"
    else:
        summary = f"changed: {added} line(s) added, {removed} removed"
    text = "\n".join(diff)
    return {
        "summary": summary,
        "before": was,
        "after": now,
        "lines_added": added,
        "lines_removed": removed,
        "previous_capture": before.pk,
        "diff": text[:MAX_DIFF_CHARS],
        "diff_truncated": len(text) > MAX_DIFF_CHARS,
    }


def _capture_text(vault: Vault, capture: Capture) -> str:
    data = artefact_bytes(vault, capture, "text")
    return data.decode("utf-8", "replace") if data is not None else ""


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _now_iso() -> str:
    from onrecord.vault.custody import iso_utc, utc_now

    return iso_utc(utc_now())
