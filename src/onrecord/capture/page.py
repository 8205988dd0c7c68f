"""One page, captured by a real browser into the artefacts that make it hold up.

For each URL the browser loads the page, scrolls to bring in lazy content (within bounds of
time and height, saying where it stopped) and then keeps: a full-page screenshot, the same
with a banner of URL and UTC time, a PDF, an MHTML snapshot, the final DOM, the visible
text, a WARC of all network traffic and a metadata JSON (URLs and redirects, status and
headers, server address, TLS certificate, times, versions, operator, viewport).

A URL that is a file (a PDF to download, an image) is kept as that file. Every failure
(DNS, refused connection, TLS, redirect loop, no answer) becomes a recorded outcome with no
artefacts: nothing half-stored. Downloads are never opened or run.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page, Response, Route
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from onrecord import __version__
from onrecord.capture.annotate import banner_copy
from onrecord.capture.urls import AddressPolicy
from onrecord.capture.verdict import PageFacts, judge
from onrecord.capture.warc import Exchange, exchanges_from_har, write_warc
from onrecord.vault.custody import iso_utc, utc_now

T = TypeVar("T")
Outcome = Literal["captured", "content not captured", "failed"]
ContextFactory = Callable[[Path], BrowserContext]

VIEWPORT = {"width": 1280, "height": 900}
MAX_FILE_BYTES = 512 * 1024 * 1024
QUIET_MS = 200  # no request in flight for this long: the page has settled

SCROLL_SCRIPT = """
async ({maxHeight, maxMs}) => {
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const start = performance.now();
  const height = () => Math.max(document.documentElement.scrollHeight,
                                document.body ? document.body.scrollHeight : 0);
  let y = 0, quiet = 0, h = height();
  for (;;) {
    h = height();
    if (h > maxHeight) { window.scrollTo(0, 0); return {stopped: "height", height: h}; }
    if (performance.now() - start > maxMs) {
      window.scrollTo(0, 0); return {stopped: "time", height: h};
    }
    if (y + window.innerHeight >= h) {
      quiet += 1;
      if (quiet >= 3) { window.scrollTo(0, 0); return {stopped: "end", height: h}; }
      await sleep(150);  // at the bottom: give lazy content time to arrive
    } else {
      quiet = 0; y = Math.min(y + window.innerHeight, h); window.scrollTo(0, y);
      await sleep(100);
    }
  }
}
"""

NET_ERRORS = (
    ("ERR_NAME_NOT_RESOLVED", "the host name could not be found (DNS)"),
    ("ERR_NAME_RESOLUTION_FAILED", "the host name could not be found (DNS)"),
    ("ERR_CONNECTION_REFUSED", "the site refused the connection"),
    ("ERR_CONNECTION_RESET", "the connection was reset"),
    ("ERR_CONNECTION_CLOSED", "the site closed the connection without an answer"),
    ("ERR_EMPTY_RESPONSE", "the site closed the connection without an answer"),
    ("ERR_CONNECTION_TIMED_OUT", "the site could not be reached (timed out)"),
    ("ERR_ADDRESS_UNREACHABLE", "the site could not be reached"),
    ("ERR_INTERNET_DISCONNECTED", "this computer is not connected to the internet"),
    ("ERR_TOO_MANY_REDIRECTS", "the site redirects in a loop"),
    ("ERR_CERT_", "the site's TLS certificate is not trusted"),
    ("ERR_SSL_", "the secure (TLS) connection failed"),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", "the site wants a client certificate"),
    ("ERR_BLOCKED_BY_CLIENT", "onrecord refused an address this page led to"),
    ("ERR_INVALID_URL", "the address is not a valid URL"),
    ("ERR_UNSAFE_PORT", "the browser refuses that port as unsafe"),
)


@dataclass(frozen=True)
class Limits:
    load_timeout_s: float = 30.0
    scroll_s: float = 10.0
    max_height: int = 30_000  # px scrolled before stopping
    max_screenshot_height: int = 16_000  # px of the full-page screenshot


@dataclass
class Artefact:
    role: str
    name: str
    path: Path
    media_type: str


@dataclass
class PageCapture:
    requested_url: str
    status: Outcome
    reason: str = ""
    final_url: str = ""
    text: str = ""
    artefacts: list[Artefact] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Run:
    url: str
    workdir: Path
    limits: Limits
    policy: AddressPolicy
    started: str
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: list[Exchange] = field(default_factory=list)
    in_flight: int = 0


def capture_page(
    open_context: ContextFactory,
    url: str,
    *,
    workdir: Path,
    limits: Limits,
    policy: AddressPolicy,
    about: dict[str, Any],
) -> PageCapture:
    """Capture ``url``; ``about`` adds operator, browser version and profile to the metadata."""
    run = _Run(url, workdir, limits, policy, iso_utc(utc_now()))
    har = workdir / "traffic.har"
    context = open_context(har)
    closed = False
    try:
        _guard(context, run)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")  # so the certificate can be read after loading
        page.on("dialog", lambda dialog: dialog.dismiss())
        _count_requests(page, run)
        page.set_default_timeout(limits.load_timeout_s * 1000)
        result = _load_and_keep(context, page, cdp, run, about)
        context.close()
        closed = True
        if result.status != "failed":
            _write_warc(result, run, har, about)
        return result
    finally:
        if not closed:
            with contextlib.suppress(PlaywrightError):
                context.close()
        har.unlink(missing_ok=True)


def _count_requests(page: Page, run: _Run) -> None:
    def started(_request: object) -> None:
        run.in_flight += 1

    def ended(_request: object) -> None:
        run.in_flight = max(run.in_flight - 1, 0)

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)


def _guard(context: BrowserContext, run: _Run) -> None:
    """On a server, every request (redirects and sub-resources too) must go to public addresses.

    The browser follows redirects without asking the route again, so on a server each
    request is fetched here without following redirects; a redirect is handed to the browser
    only after its target passes the same check.
    """
    if not run.policy.public_only:
        return

    def refuse(why: str, route: Route) -> None:
        run.refused.append(why)
        route.abort("blockedbyclient")

    def check(route: Route) -> None:
        url = route.request.url
        if not url.startswith(("http://", "https://")):
            route.continue_()
            return
        why = run.policy.refusal(urlsplit(url).hostname or "")
        if why:
            refuse(why, route)
            return
        try:
            response = route.fetch(max_redirects=0)
        except PlaywrightError:
            route.abort("failed")
            return
        location = response.headers.get("location", "")
        if 300 <= response.status < 400 and location:
            target = urljoin(url, location)
            why = run.policy.refusal(urlsplit(target).hostname or "")
            if why:
                refuse(f"a redirect led to {target}, and {why}", route)
                return
        route.fulfill(response=response)

    context.route("**/*", check)


def _load_and_keep(
    context: BrowserContext, page: Page, cdp: CDPSession, run: _Run, about: dict[str, Any]
) -> PageCapture:
    deadline = time.monotonic() + run.limits.load_timeout_s
    try:
        response = page.goto(run.url, wait_until="commit")
    except PlaywrightTimeout:
        return _failed(run, f"no answer within {run.limits.load_timeout_s:g} s")
    except PlaywrightError as exc:
        if "Download is starting" in str(exc):
            return _keep_download(context, run, about)
        return _failed(run, _explain(str(exc), run))
    if response is None:
        return _failed(run, "the browser did not load the address")
    loaded = _wait(page, "load", deadline)
    if not loaded:
        run.notes.append(
            f"the page did not finish loading within {run.limits.load_timeout_s:g} s; "
            "it was captured as it stood"
        )
    _settle(page, run, min(deadline, time.monotonic() + 3))
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    scroll = (
        _scroll(page, run) if content_type.startswith(("text/html", "application/xhtml")) else {}
    )
    return _keep_page(page, cdp, response, run, about, scroll, content_type)


def _settle(page: Page, run: _Run, deadline: float) -> None:
    """Wait until no request has been in flight for a moment (or the deadline passes).

    Playwright's "networkidle" always waits half a second; counting requests ends as soon
    as the page is quiet, and a page that polls for ever is cut off at the deadline.
    """
    while time.monotonic() < deadline:
        if run.in_flight == 0:
            page.wait_for_timeout(QUIET_MS)
            if run.in_flight == 0:
                return
        else:
            page.wait_for_timeout(50)


def _wait(page: Page, state: Literal["load", "networkidle"], deadline: float) -> bool:
    remaining = max(deadline - time.monotonic(), 0.1)
    try:
        page.wait_for_load_state(state, timeout=remaining * 1000)
    except PlaywrightTimeout:
        return False
    return True


def _scroll(page: Page, run: _Run) -> dict[str, Any]:
    try:
        result = page.evaluate(
            SCROLL_SCRIPT,
            {"maxHeight": run.limits.max_height, "maxMs": run.limits.scroll_s * 1000},
        )
    except PlaywrightError as exc:
        run.notes.append(f"scrolling stopped: {_first_line(str(exc))}")
        return {"stopped": "error"}
    stopped = result.get("stopped")
    height = int(result.get("height") or 0)
    if stopped == "height":
        run.notes.append(
            f"scrolling stopped at {run.limits.max_height:,} px (the page is {height:,} px or "
            "more); content further down was not loaded"
        )
    elif stopped == "time":
        run.notes.append(
            f"scrolling stopped after {run.limits.scroll_s:g} s with the page still growing "
            f"({height:,} px); content further down may be missing"
        )
    page.wait_for_timeout(200)
    return {"stopped": stopped, "height": height}


def _keep_page(
    page: Page,
    cdp: CDPSession,
    response: Response,
    run: _Run,
    about: dict[str, Any],
    scroll: dict[str, Any],
    content_type: str,
) -> PageCapture:
    work = run.workdir
    title = _safely(page.title, "")
    text = _safely(lambda: page.inner_text("body", timeout=5000), "")
    html = _safely(page.content, "")
    passwords = _safely(lambda: page.locator("input[type=password]:visible").count(), 0)
    artefacts: list[Artefact] = []

    def keep(role: str, name: str, data: bytes, media_type: str) -> None:
        path = work / name
        path.write_bytes(data)
        artefacts.append(Artefact(role, name, path, media_type))

    shot = _screenshot(page, run)
    keep("screenshot", "screenshot.png", shot, "image/png")
    mhtml = _safely(lambda: cdp.send("Page.captureSnapshot", {"format": "mhtml"})["data"], "")
    if mhtml:
        keep("mhtml", "page.mhtml", mhtml.encode("utf-8", "surrogateescape"), "multipart/related")
    keep("dom", "dom.html", html.encode("utf-8", "surrogatepass"), "text/html")
    keep("text", "text.txt", text.encode("utf-8", "surrogatepass"), "text/plain")
    pdf = _safely(lambda: page.pdf(print_background=True), b"")
    if pdf:
        keep("pdf", "page.pdf", pdf, "application/pdf")
    else:
        run.notes.append("the browser could not print this page to PDF")
    if content_type and not content_type.startswith(("text/html", "application/xhtml")):
        body = _safely(response.body, b"")
        if body:
            keep("file", _file_name(page.url, content_type), body, content_type)
    certificate = _certificate(cdp, page.url)
    finished = iso_utc(utc_now())
    chain = _redirects(response)
    verdict = judge(
        PageFacts(response.status, page.url, title, text, passwords, content_type or "text/html")
    )
    metadata = {
        **_common(run, about, finished),
        "final_url": page.url,
        "redirects": chain,
        "http_status": response.status,
        "http_reason": response.status_text,
        "response_headers": _header_pairs(response),
        "content_type": content_type,
        "title": title,
        "server_address": _safely(response.server_addr, None),
        "tls": _tls(response, certificate),
        "scroll": scroll,
        "screenshot_height": _png_height(shot),
        "verdict": verdict.status,
        "verdict_reason": verdict.reason,
        "text_sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    }
    keep(
        "screenshot-annotated",
        "screenshot-annotated.png",
        banner_copy(shot, page.url, finished),
        "image/png",
    )
    return PageCapture(
        run.url,
        verdict.status,
        verdict.reason,
        final_url=page.url,
        text=text,
        artefacts=artefacts,
        metadata=metadata,
        notes=run.notes,
    )


def _screenshot(page: Page, run: _Run) -> bytes:
    height = _safely(
        lambda: int(page.evaluate("Math.max(document.documentElement.scrollHeight, 1)")), 0
    )
    limit = run.limits.max_screenshot_height
    if height > limit:
        run.notes.append(
            f"the screenshot covers the first {limit:,} px of a {height:,} px page; "
            "the PDF, DOM and text hold the rest"
        )
        width = int(page.viewport_size["width"]) if page.viewport_size else VIEWPORT["width"]
        return page.screenshot(
            full_page=True, clip={"x": 0, "y": 0, "width": width, "height": limit}
        )
    return page.screenshot(full_page=True)


def _keep_download(context: BrowserContext, run: _Run, about: dict[str, Any]) -> PageCapture:
    """The URL is a file: fetch its bytes (never open them) and keep the file itself."""
    try:
        reply = context.request.get(run.url, timeout=run.limits.load_timeout_s * 1000)
        declared = int(reply.headers.get("content-length") or 0)
        if declared > MAX_FILE_BYTES:
            return _failed(
                run,
                f"the file is {declared / 1e6:,.0f} MB, over the {MAX_FILE_BYTES / 1e6:,.0f} MB "
                "a capture keeps; download it yourself and `onrecord add` it",
            )
        body = reply.body()
    except PlaywrightError as exc:
        return _failed(run, _explain(str(exc), run))
    content_type = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    name = _file_name(reply.url, content_type)
    path = run.workdir / name
    path.write_bytes(body)
    finished = iso_utc(utc_now())
    run.extra.append(
        Exchange(
            url=reply.url,
            method="GET",
            request_headers=[],
            request_body=b"",
            status=reply.status,
            reason=reply.status_text,
            protocol="HTTP/1.1",
            response_headers=[(h["name"], h["value"]) for h in reply.headers_array],
            body=body,
            started=run.started,
        )
    )
    verdict_status: Outcome = "captured" if reply.status < 400 else "content not captured"
    reason = "" if reply.status < 400 else f"the site answered HTTP {reply.status}"
    metadata = {
        **_common(run, about, finished),
        "final_url": reply.url,
        "http_status": reply.status,
        "http_reason": reply.status_text,
        "response_headers": [(h["name"], h["value"]) for h in reply.headers_array],
        "content_type": content_type,
        "kept_as": "file (the address is a download; it was stored, not opened)",
        "verdict": verdict_status,
        "verdict_reason": reason,
    }
    run.notes.append("the address is a file, not a page: the file itself was kept, unopened")
    return PageCapture(
        run.url,
        verdict_status,
        reason,
        final_url=reply.url,
        artefacts=[Artefact("file", name, path, content_type or "application/octet-stream")],
        metadata=metadata,
        notes=run.notes,
    )


def _write_warc(result: PageCapture, run: _Run, har: Path, about: dict[str, Any]) -> None:
    exchanges = [*exchanges_from_har(har), *run.extra]
    path = run.workdir / "traffic.warc.gz"
    software = f"onrecord {__version__}; {about.get('browser', 'Chromium')}"
    result.metadata["warc_records"] = len(exchanges)
    meta_path = run.workdir / "metadata.json"
    result.metadata["notes"] = list(result.notes)
    with path.open("wb") as out:
        write_warc(out, exchanges, filename=path.name, software=software, metadata=result.metadata)
    result.artefacts.append(Artefact("warc", path.name, path, "application/warc"))
    meta_path.write_text(json.dumps(result.metadata, indent=2, sort_keys=True), encoding="utf-8")
    result.artefacts.append(Artefact("metadata", meta_path.name, meta_path, "application/json"))


def _common(run: _Run, about: dict[str, Any], finished: str) -> dict[str, Any]:
    return {
        "requested_url": run.url,
        "capture_started": run.started,
        "capture_finished": finished,
        "viewport": dict(VIEWPORT),
        "onrecord_version": __version__,
        **about,
    }


def _failed(run: _Run, reason: str) -> PageCapture:
    if run.refused:
        reason = run.refused[0]
    return PageCapture(run.url, "failed", reason, notes=run.notes)


def _explain(message: str, run: _Run) -> str:
    for code, meaning in NET_ERRORS:
        if code in message:
            if code == "ERR_BLOCKED_BY_CLIENT" and run.refused:
                return run.refused[0]
            return f"{meaning} ({_net_code(message, code)})"
    return f"the browser could not load the page: {_first_line(message)}"


def _net_code(message: str, code: str) -> str:
    start = message.find("net::")
    if start < 0:
        return code.rstrip("_")
    return message[start:].split()[0]


def _redirects(response: Response) -> list[dict[str, Any]]:
    chain = []
    request = response.request.redirected_from
    while request is not None:
        earlier = request.response()
        chain.append(
            {
                "url": request.url,
                "status": earlier.status if earlier else None,
                "location": earlier.headers.get("location", "") if earlier else "",
            }
        )
        request = request.redirected_from
    return list(reversed(chain))


def _certificate(cdp: CDPSession, url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme != "https":
        return []
    origin = f"{parts.scheme}://{parts.netloc}"
    table: dict[str, Any] = _safely(
        lambda: cdp.send("Network.getCertificate", {"origin": origin}), {}
    )
    return [str(der) for der in table.get("tableNames", [])]


def _tls(response: Response, chain: list[str]) -> dict[str, Any] | None:
    details = _safely(response.security_details, None)
    if not details and not chain:
        return None
    info: dict[str, Any] = dict(details or {})
    if chain:
        leaf = base64.b64decode(chain[0])
        info["certificate_sha256"] = hashlib.sha256(leaf).hexdigest()
        info["chain_sha256"] = [hashlib.sha256(base64.b64decode(c)).hexdigest() for c in chain]
    return info


def _header_pairs(response: Response) -> list[list[str]]:
    try:
        return [[h["name"], h["value"]] for h in response.headers_array()]
    except PlaywrightError:
        return []


def _png_height(png: bytes) -> int:
    return int.from_bytes(png[20:24], "big") if png[:8] == b"\x89PNG\r\n\x1a\n" else 0


def _file_name(url: str, content_type: str) -> str:
    tail = urlsplit(url).path.rsplit("/", 1)[-1]
    suffix = {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "image/svg+xml": ".svg",
        "video/mp4": ".mp4",
    }.get(content_type, "")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in tail)[:80].strip("._")
    if not safe:
        safe = "file"
    if suffix and not safe.lower().endswith(suffix):
        safe += suffix
    return "download-" + safe


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else text


def _safely(make: Callable[[], T], default: T) -> T:
    try:
        return make()
    except PlaywrightError:
        return default
