"""The network traffic of a capture as a WARC file (ISO 28500), the format web archives use.

The browser records every request and response it made (a HAR with bodies embedded); each
becomes a WARC ``request`` and ``response`` record pair, with the server's IP address and the
time it happened. Bodies arrive decoded from the browser, so a ``Content-Encoding`` or
``Transfer-Encoding`` header no longer describes them: such headers are kept under an
``X-Archive-Orig-`` name (as archive tools do) and ``Content-Length`` is set to the stored
body, which lets ``warcio`` and replay tools read the file without guessing.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REWRITTEN = frozenset({"content-encoding", "transfer-encoding", "content-length"})
WARC_VERSION = "1.1"


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as the browser saw them."""

    url: str
    method: str
    request_headers: Sequence[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    protocol: str
    response_headers: Sequence[tuple[str, str]]
    body: bytes
    started: str  # ISO 8601 UTC
    server_ip: str = ""


def exchanges_from_har(har_path: Path) -> list[Exchange]:
    """Every finished exchange of a Playwright HAR (embedded content), in order."""
    try:
        data = json.loads(har_path.read_bytes())
    except (OSError, ValueError):
        return []
    exchanges = []
    for entry in data.get("log", {}).get("entries", []):
        response = entry.get("response", {})
        status = int(response.get("status") or 0)
        if status <= 0:  # aborted or never answered: nothing to archive
            continue
        request = entry.get("request", {})
        exchanges.append(
            Exchange(
                url=request.get("url", ""),
                method=request.get("method", "GET"),
                request_headers=_pairs(request.get("headers", [])),
                request_body=_post_data(request.get("postData")),
                status=status,
                reason=str(response.get("statusText") or ""),
                protocol=str(response.get("httpVersion") or ""),
                response_headers=_pairs(response.get("headers", [])),
                body=_content(response.get("content", {})),
                started=str(entry.get("startedDateTime") or ""),
                server_ip=str(entry.get("serverIPAddress") or "").strip("[]"),
            )
        )
    return exchanges


def _pairs(headers: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [(str(h.get("name", "")), str(h.get("value", ""))) for h in headers if h.get("name")]


def _post_data(post: Mapping[str, Any] | None) -> bytes:
    if not post:
        return b""
    return str(post.get("text") or "").encode("utf-8", "surrogatepass")


def _content(content: Mapping[str, Any]) -> bytes:
    text = content.get("text")
    if not text:
        return b""
    if content.get("encoding") == "base64":
        return base64.b64decode(text)
    return str(text).encode("utf-8", "surrogatepass")


def write_warc(
    out: IO[bytes],
    exchanges: Sequence[Exchange],
    *,
    filename: str,
    software: str,
    metadata: Mapping[str, Any],
) -> int:
    """Write a gzipped WARC: warcinfo, then request/response pairs, then the capture metadata.

    Returns the number of response records.
    """
    writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    writer.write_record(
        writer.create_warcinfo_record(
            filename,
            {
                "software": software,
                "format": f"WARC File Format {WARC_VERSION}",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "description": "Network traffic of one page capture by onrecord",
            },
        )
    )
    first_response_id = ""
    for exchange in exchanges:
        response_id = _write_exchange(writer, exchange)
        first_response_id = first_response_id or response_id
    record_headers = {"WARC-Date": str(metadata.get("capture_finished", ""))}
    if first_response_id:
        record_headers["WARC-Concurrent-To"] = first_response_id
    writer.write_record(
        writer.create_warc_record(
            str(metadata.get("final_url") or metadata.get("requested_url") or ""),
            "metadata",
            payload=io.BytesIO(json.dumps(metadata, indent=2, sort_keys=True).encode()),
            warc_content_type="application/json",
            warc_headers_dict={k: v for k, v in record_headers.items() if v},
        )
    )
    return len(exchanges)


def _write_exchange(writer: WARCWriter, exchange: Exchange) -> str:
    headers = []
    for name, value in exchange.response_headers:
        if name.lower() in REWRITTEN:
            headers.append(("X-Archive-Orig-" + name, value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(exchange.body))))
    status_line = f"{exchange.status} {exchange.reason or 'OK'}".strip()
    warc_headers = {"WARC-Date": exchange.started}
    if exchange.server_ip:
        warc_headers["WARC-IP-Address"] = exchange.server_ip
    if exchange.protocol and exchange.protocol.upper() not in {"HTTP/1.1", "HTTP/1.0"}:
        warc_headers["WARC-Protocol"] = exchange.protocol.lower()
    response = writer.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.body),
        http_headers=StatusAndHeaders(status_line, headers, protocol="HTTP/1.1"),
        warc_headers_dict={k: v for k, v in warc_headers.items() if v},
    )
    writer.write_record(response)
    response_id = str(response.rec_headers.get_header("WARC-Record-ID"))
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [(n, v) for n, v in exchange.request_headers if not n.startswith(":")]
    if not any(n.lower() == "host" for n, _ in request_headers):
        request_headers.insert(0, ("Host", parts.netloc))
    request = writer.create_warc_record(
        exchange.url,
        "request",
        payload=io.BytesIO(exchange.request_body),
        http_headers=StatusAndHeaders(
            f"{exchange.method} {target} HTTP/1.1", request_headers, is_http_request=True
        ),
        warc_headers_dict={
            k: v
            for k, v in {"WARC-Date": exchange.started, "WARC-Concurrent-To": response_id}.items()
            if v
        },
    )
    writer.write_record(request)
    return response_id
