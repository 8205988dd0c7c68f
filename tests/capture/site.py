"""A small web site on 127.0.0.1 for capture tests: every kind of page a capture meets.

Served over HTTP and, with a certificate made for the test, over HTTPS. Page text is
synthetic. ``Site.state`` lets a test change what a page says between two captures.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

POST_TEXT = "Synthetic post: you will regret posting that, everyone will know where you live."
LAZY_SCRIPT = """
<script>
let loaded = 0;
window.addEventListener('scroll', () => {
  if (loaded < 3 && window.innerHeight + window.scrollY >= document.body.scrollHeight - 50) {
    loaded += 1;
    const p = document.createElement('p');
    p.textContent = 'Lazy reply number ' + loaded;
    p.style.height = '1200px';
    document.body.appendChild(p);
  }
});
</script>
"""
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005010201a4a0e2d7"
    "0000000049454e44ae426082"
)
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def html(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body>{body}</body></html>"
    ).encode()


@dataclass
class Site:
    base: str
    state: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path


class Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path == "/login":
            self.send(
                302, b"", headers={"Location": "/members", "Set-Cookie": "session=ok; Path=/"}
            )
        else:
            self.send(404, html("Not found", "<p>Not found</p>"))

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        state = type(self).site.state
        if path == "/post":
            text = state.get("post_text", POST_TEXT)
            body = f"<h1>Synthetic forum</h1><p id='post'>{text}</p>"
            body += "<p style='height:1500px'>Comments below.</p>" + LAZY_SCRIPT
            self.send(200, html("A synthetic post", body), headers={"X-Test": "yes"})
        elif path == "/redirect":
            self.send(302, b"", headers={"Location": "/redirect-2"})
        elif path == "/redirect-2":
            self.send(301, b"", headers={"Location": "/post"})
        elif path == "/away":  # to the same server by its loopback address
            self.send(302, b"", headers={"Location": type(self).site.base + "/post"})
        elif path == "/loop":
            self.send(302, b"", headers={"Location": "/loop"})
        elif path == "/login-wall":
            body = (
                "<h2>Log in to see this post</h2><form method='post' action='/login'>"
                "<input name='user'><input type='password' name='pw'>"
                "<button>Log in</button></form>"
            )
            self.send(200, html("Log in", body))
        elif path == "/deleted":
            self.send(200, html("Post", "<p>Sorry, this post was deleted by its author.</p>"))
        elif path == "/missing":
            self.send(404, html("Not found", "<p>Nothing here.</p>"))
        elif path == "/broken":
            self.send(500, html("Error", "<p>Internal server error.</p>"))
        elif path == "/slow":
            body = "<p>Slow page text is here.</p><img src='/hang' alt='never arrives'>"
            self.send(200, html("Slow page", body))
        elif path in {"/hang", "/never"}:
            time.sleep(float(state.get("hang_seconds", 20)))
            with _Suppress():
                self.send(200, b"late")
        elif path == "/file.pdf":
            self.send(
                200,
                PDF_BYTES,
                "application/pdf",
                headers={"Content-Disposition": "attachment; filename=file.pdf"},
            )
        elif path == "/image.png":
            self.send(200, PNG_1PX, "image/png")
        elif path == "/huge":
            rows = "".join(f"<p style='height:100px'>Row {n}</p>" for n in range(400))
            self.send(200, html("Huge page", rows))
        elif path == "/members":
            if "session=ok" in (self.headers.get("Cookie") or ""):
                self.send(200, html("Members", "<p>Members-only synthetic thread: go away.</p>"))
            else:
                self.send(302, b"", headers={"Location": "/login-wall"})
        elif path == "/favicon.ico":
            self.send(404, b"")
        else:
            self.send(404, html("Not found", "<p>Not found</p>"))


class _Suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


def serve(certificate: tuple[Path, Path] | None = None) -> Iterator[Site]:
    site = Site("")
    handler = type("SiteHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    scheme = "http"
    if certificate:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    site.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (PEM certificate, PEM key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "onrecord test site")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "site.pem", folder / "site.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
