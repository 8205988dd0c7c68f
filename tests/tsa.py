"""A local RFC 3161 time-stamping authority for tests: OpenSSL's ``ts`` behind HTTP.

``local_tsa`` serves ``http://127.0.0.1:<port>/``; each POSTed request goes to
``openssl ts -reply`` as it is, so the client meets a real TSA's answers and nothing
leaves the machine. The certificates (a root CA and a TSA certificate with the critical
``timeStamping`` extended key usage) are made once per session with the ``openssl`` CLI.

The root is an RSA-3072 key and the TSA's an EC P-256 one on purpose: OpenSSL writes the
certificates of a reply signer first, and rfc3161-client reads that SET strictly in DER
order, so the signer's certificate must also be the shorter one.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_EXTENSIONS = """\
[tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

_TS_CONFIG = """\
[tsa]
default_tsa = tsa_config

[tsa_config]
serial = {folder}/serial
crypto_device = builtin
signer_cert = {certs}/tsa.pem
certs = {certs}/ca.pem
signer_key = {certs}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

[tsa_leaf_only]
serial = {folder}/serial
crypto_device = builtin
signer_cert = {certs}/tsa.pem
signer_key = {certs}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256
ess_cert_id_alg = sha256

[tsa_refuses_sha256]
serial = {folder}/serial
crypto_device = builtin
signer_cert = {certs}/tsa.pem
signer_key = {certs}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha512
"""


def openssl(*args: str, cwd: Path) -> bytes:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout


@pytest.fixture(scope="session")
def tsa_certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root CA and a time-stamping certificate it issued (openssl CLI)."""
    folder = tmp_path_factory.mktemp("tsa-certs")
    openssl(
        "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "3650", "-subj", "/O=onrecord tests/CN=Test Root CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Test TSA",
        cwd=folder,
    )  # fmt: skip
    (folder / "ext.cnf").write_text(_EXTENSIONS)
    openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tsa.pem", "-days", "3650",
        "-extfile", "ext.cnf", "-extensions", "tsa",
        cwd=folder,
    )  # fmt: skip
    return folder


@dataclass
class LocalTsa:
    """The running authority; tests may make it refuse, replay, or go away."""

    folder: Path
    url: str = ""
    # "tsa_leaf_only" sends no root with its tokens; "tsa_refuses_sha256" rejects every request
    section: str = "tsa_config"
    replay: bytes | None = None  # when set, sent instead of a fresh reply
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reply_to(self, query: bytes) -> bytes:
        """What ``openssl ts -reply`` answers to a request, under the current section."""
        with self._lock:
            self.requests += 1
            if self.replay is not None:
                return self.replay
            (self.folder / "query.tsq").write_bytes(query)
            openssl(
                "ts", "-reply", "-config", "ts.cnf", "-section", self.section,
                "-queryfile", "query.tsq", "-out", "reply.tsr",
                cwd=self.folder,
            )  # fmt: skip
            return (self.folder / "reply.tsr").read_bytes()

    def reply_for_digest(self, digest: bytes) -> bytes:
        """A genuine reply to some other request for ``digest`` (its own random nonce)."""
        self.replay = None
        openssl(
            "ts", "-query", "-digest", digest.hex(), "-sha256", "-cert", "-out", "other.tsq",
            cwd=self.folder,
        )  # fmt: skip
        return self.reply_to((self.folder / "other.tsq").read_bytes())


@pytest.fixture
def local_tsa(tsa_certificates: Path, tmp_path: Path) -> Iterator[LocalTsa]:
    """A time-stamping authority on 127.0.0.1 for one test; ``.url`` is its address."""
    folder = tmp_path / "tsa"
    folder.mkdir()
    (folder / "serial").write_text("01\n")
    (folder / "ts.cnf").write_text(_TS_CONFIG.format(folder=folder, certs=tsa_certificates))
    tsa = LocalTsa(folder)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/tsr")
                self.end_headers()
                return
            if self.path != "/tsr":
                self.send_error(404)
                return
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415, "expected application/timestamp-query")
                return
            try:
                body = tsa.reply_to(query)
            except AssertionError as exc:
                self.send_error(500, str(exc)[:200])
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tsa.url = f"http://127.0.0.1:{server.server_address[1]}/tsr"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tsa
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
