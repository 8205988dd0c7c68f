"""Captures of every kind of local test page, made once for the module, checked one by one."""

from __future__ import annotations

import email
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from conftest import FAST_KDF, PASSPHRASE
from onrecord.capture import CaptureOutcome, capture_urls
from onrecord.capture.read import artefact_bytes
from onrecord.cases.models import Capture, Case, Evidence, Item
from onrecord.cases.records import create_case
from onrecord.cases.verify import verify
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

from .conftest import capture_config
from .site import PDF_BYTES, PNG_1PX, POST_TEXT, Site

PAGE_ROLES = {
    "screenshot",
    "screenshot-annotated",
    "pdf",
    "mhtml",
    "dom",
    "text",
    "warc",
    "metadata",
}
# One page is read by OCR, as every capture is by default; the others are captured without
# it (reading a 16,000 px screenshot costs minutes and proves nothing more). The pages that
# never finish get a short timeout of their own.
OCR_PATHS = ["/post"]
PATHS = [
    "/redirect",
    "/loop",
    "/login-wall",
    "/deleted",
    "/missing",
    "/broken",
    "/file.pdf",
    "/image.png",
    "/huge",
]
HANG_PATHS = ["/slow", "/never"]
HANG_TIMEOUT_S = 3


class Run:
    def __init__(
        self,
        vault: Vault,
        case: Case,
        outcomes: list[CaptureOutcome],
        site: Site,
        tls_site: Site,
        certificate: Path,
    ) -> None:
        self.vault, self.case, self.site, self.tls_site = vault, case, site, tls_site
        self.certificate = certificate
        self.by_url = {o.url: o for o in outcomes}

    def outcome(self, path: str, site: Site | None = None) -> CaptureOutcome:
        return self.by_url[(site or self.site).url(path)]

    def capture(self, path: str, site: Site | None = None) -> Capture:
        return Capture.objects.get(requested_url=(site or self.site).url(path))

    def artefact(self, path: str, role: str, site: Site | None = None) -> bytes:
        data = artefact_bytes(self.vault, self.capture(path, site), role)
        assert data is not None, f"{path} has no {role}"
        return data


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    site: Site,
    tls_site: Site,
    certificate: tuple[Path, Path],
) -> Iterator[Run]:
    config = capture_config(certificate)
    site.state["hang_seconds"] = HANG_TIMEOUT_S + 3
    home = tmp_path_factory.mktemp("capture") / "home"
    vault, _ = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF)
    case = create_case(
        vault, title="captures", jurisdiction="US-CA", time_zone="UTC", operator="test-operator"
    )
    urls = [site.url(p) for p in PATHS] + [
        tls_site.url("/post"),
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://no-such-host.invalid/",
    ]
    outcomes = capture_urls(vault, case, [site.url(p) for p in OCR_PATHS], config=config)
    outcomes += capture_urls(vault, case, urls, config=config, ocr=False)
    hang_config = capture_config(certificate, capture_timeout=str(HANG_TIMEOUT_S))
    hang_urls = [site.url(p) for p in HANG_PATHS]
    outcomes += capture_urls(vault, case, hang_urls, config=hang_config, ocr=False)
    yield Run(vault, case, outcomes, site, tls_site, certificate[0])
    vault.close()


def test_a_page_keeps_every_artefact(run: Run) -> None:
    outcome = run.outcome("/post")
    assert outcome.status == "captured", outcome.message
    assert set(outcome.exhibits) == PAGE_ROLES
    kinds = {
        e.exhibit: e.media_type
        for e in Evidence.objects.filter(case=run.case, exhibit__in=outcome.exhibits.values())
    }
    assert kinds[outcome.exhibits["screenshot"]] == "image/png"
    assert kinds[outcome.exhibits["pdf"]] == "application/pdf"
    shot = Image.open(io.BytesIO(run.artefact("/post", "screenshot")))
    annotated = Image.open(io.BytesIO(run.artefact("/post", "screenshot-annotated")))
    assert annotated.width == shot.width and annotated.height > shot.height  # banner above
    assert run.artefact("/post", "pdf").startswith(b"%PDF")
    mhtml = email.message_from_bytes(run.artefact("/post", "mhtml"))
    assert mhtml.get_content_type() == "multipart/related"
    html_parts = [
        part.get_payload(decode=True).decode()
        for part in mhtml.walk()
        if part.get_content_type() == "text/html"
    ]
    assert any("Synthetic forum" in part for part in html_parts)
    assert POST_TEXT in run.artefact("/post", "dom").decode()
    text = run.artefact("/post", "text").decode()
    assert POST_TEXT in text
    assert "Lazy reply number 1" in text  # scrolling loaded the lazy content
    assert Evidence.objects.get(case=run.case, exhibit=outcome.exhibits["screenshot"]).method == (
        "web-capture"
    )


def test_metadata_says_what_where_when_and_how(run: Run) -> None:
    meta = json.loads(run.artefact("/redirect", "metadata"))
    assert meta["requested_url"] == run.site.url("/redirect")
    assert meta["final_url"] == run.site.url("/post")
    assert [(r["url"], r["status"]) for r in meta["redirects"]] == [
        (run.site.url("/redirect"), 302),
        (run.site.url("/redirect-2"), 301),
    ]
    assert meta["http_status"] == 200
    assert ["X-Test", "yes"] in [[n, v] for n, v in meta["response_headers"]] or [
        "x-test",
        "yes",
    ] in [[n.lower(), v] for n, v in meta["response_headers"]]
    assert meta["title"] == "A synthetic post"
    assert meta["capture_started"] <= meta["capture_finished"]
    assert meta["browser"].startswith("Chromium ")
    assert meta["operator"] == "test-operator"
    assert meta["viewport"] == {"width": 1280, "height": 900}
    assert meta["server_address"]["ipAddress"] == "127.0.0.1"
    assert meta["onrecord_version"]
    assert meta["verdict"] == "captured"


def test_https_capture_records_the_certificate_fingerprint(run: Run) -> None:
    outcome = run.outcome("/post", run.tls_site)
    assert outcome.status == "captured", outcome.message
    meta = json.loads(run.artefact("/post", "metadata", run.tls_site))
    der = x509.load_pem_x509_certificate(run.certificate.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    assert meta["tls"]["certificate_sha256"] == hashlib.sha256(der).hexdigest()
    assert meta["tls"]["protocol"].startswith("TLS")


def test_warc_holds_every_request_and_response(run: Run) -> None:
    records: list[tuple[str, Any, bytes]] = []
    stream = io.BytesIO(run.artefact("/redirect", "warc"))
    for record in ArchiveIterator(stream, check_digests="raise"):
        records.append((record.rec_type, record, record.content_stream().read()))
    types = [r[0] for r in records]
    assert types[0] == "warcinfo" and types[-1] == "metadata"
    responses = {
        r[1].rec_headers.get_header("WARC-Target-URI"): r for r in records if r[0] == "response"
    }
    requests = [r for r in records if r[0] == "request"]
    assert set(responses) >= {run.site.url(p) for p in ("/redirect", "/redirect-2", "/post")}
    assert len(requests) == len([r for r in records if r[0] == "response"])
    post = responses[run.site.url("/post")]
    assert post[1].http_headers.get_statuscode() == "200"
    assert POST_TEXT.encode() in post[2]
    assert post[1].rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    redirect = responses[run.site.url("/redirect")]
    assert redirect[1].http_headers.get_statuscode() == "302"
    assert redirect[1].http_headers.get_header("Location") == "/redirect-2"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/login-wall", "login wall"),
        ("/deleted", "this post was deleted"),
        ("/missing", "HTTP 404"),
        ("/broken", "HTTP 500"),
    ],
)
def test_walls_errors_and_deleted_pages_are_not_content(run: Run, path: str, reason: str) -> None:
    outcome = run.outcome(path)
    assert outcome.status == "content not captured"
    assert reason in outcome.message
    capture = run.capture(path)
    assert capture.status == "content not captured"
    assert "screenshot" in capture.artefacts  # kept: it shows what the page was then


@pytest.mark.parametrize(
    ("url_path", "words"),
    [
        ("/loop", "redirects in a loop"),
        ("/never", f"no answer within {HANG_TIMEOUT_S} s"),
    ],
)
def test_failures_are_recorded_with_nothing_half_stored(
    run: Run, url_path: str, words: str
) -> None:
    outcome = run.outcome(url_path)
    assert outcome.status == "failed" and words in outcome.message
    capture = run.capture(url_path)
    assert capture.artefacts == {}
    entry = LogEntry.objects.get(log=run.case.log_name, index=capture.log_index)
    body = json.loads(entry.data)
    assert body["action"] == "capture.failed" and words in body["reason"]


def test_dns_failure_and_refused_schemes(run: Run) -> None:
    dns = run.by_url["http://no-such-host.invalid/"]
    assert dns.status == "failed" and "DNS" in dns.message
    for url in ("file:///etc/passwd", "javascript:alert(1)"):
        refused = run.by_url[url]
        assert refused.status == "failed" and "only web pages" in refused.message
        assert not Capture.objects.filter(requested_url=url).exists()


def test_slow_page_is_taken_as_it_stood(run: Run) -> None:
    outcome = run.outcome("/slow")
    assert outcome.status == "captured"
    assert any("did not finish loading" in note for note in outcome.notes)
    assert "Slow page text" in run.artefact("/slow", "text").decode()


def test_a_file_url_keeps_the_file_itself(run: Run) -> None:
    pdf = run.outcome("/file.pdf")
    assert pdf.status == "captured" and "file" in pdf.exhibits
    assert run.artefact("/file.pdf", "file") == PDF_BYTES
    assert "warc" in pdf.exhibits
    assert run.outcome("/image.png").status == "captured"
    assert run.artefact("/image.png", "file") == PNG_1PX


def test_huge_page_says_where_it_stopped(run: Run) -> None:
    outcome = run.outcome("/huge")
    assert outcome.status == "captured"
    notes = " ".join(outcome.notes)
    assert "scrolling stopped at 30,000 px" in notes
    assert "screenshot covers the first 16,000 px" in notes
    assert Image.open(io.BytesIO(run.artefact("/huge", "screenshot"))).height == 16_000


def test_each_capture_is_one_logged_group_and_verifies(run: Run) -> None:
    capture = run.capture("/post")
    entry = LogEntry.objects.get(log=run.case.log_name, index=capture.log_index)
    body = json.loads(entry.data)
    assert body["action"] == "capture.page"
    assert {role: a["exhibit"] for role, a in body["artefacts"].items()} == capture.artefacts
    for role, artefact in body["artefacts"].items():
        evidence = Evidence.objects.get(case=run.case, exhibit=artefact["exhibit"])
        assert evidence.blob_id == artefact["sha256"], role
    assert body["capture_sha256"] == capture.metadata["capture_sha256"]
    checks = verify(run.vault, run.case)
    assert all(c.is_ok for c in checks), [c for c in checks if not c.is_ok]


def test_screenshot_text_becomes_items(run: Run) -> None:
    capture = run.capture("/post")
    evidence = Evidence.objects.get(case=run.case, exhibit=capture.artefacts["screenshot"])
    texts = " ".join(Item.objects.filter(evidence=evidence).values_list("text", flat=True))
    assert "regret posting that" in texts
    assert any("read " in note for note in run.outcome("/post").notes)


def test_altered_capture_record_is_found(run: Run) -> None:
    capture = run.capture("/deleted")
    original = capture.status
    Capture.objects.filter(pk=capture.pk).update(status="captured")
    try:
        problems = [c for c in verify(run.vault, run.case) if not c.is_ok]
        assert any(f"capture {capture.pk}" in c.subject for c in problems)
    finally:
        Capture.objects.filter(pk=capture.pk).update(status=original)
