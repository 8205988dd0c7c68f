"""Starting the Chromium that captures drive.

The system's Chromium is preferred (Debian's ``chromium`` on these machines, or the path in
``ONRECORD_BROWSER``); Playwright's own download is the fallback. Chromium is started with
the flags that keep it from contacting anything by itself: no background networking,
component updates, sync or first-run pages. Extra trusted certificates (a test authority,
an internal site) are passed as SPKI hashes so nothing is installed system-wide.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Browser, Playwright, sync_playwright

from onrecord.config import Config
from onrecord.errors import ConfigError

QUIET_FLAGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
)
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAC_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)

INSTALL_HELP = (
    "No Chromium was found for captures. Install one: on Debian or Ubuntu "
    "`sudo apt-get install chromium`; on macOS `brew install --cask chromium`; anywhere "
    "`.venv/bin/playwright install chromium`. Or set ONRECORD_BROWSER to its path."
)


def find_chromium(config: Config) -> str | None:
    """The Chromium binary to drive, or None to let Playwright use its own."""
    chosen = config.get("browser")
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"ONRECORD_BROWSER names {path}, which is not a file. {INSTALL_HELP}")
        return str(path)
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for candidate in MAC_PATHS:
        if Path(candidate).is_file():
            return candidate
    return None


def spki_hashes(pem_file: Path) -> list[str]:
    """Base64 SHA-256 of each certificate's public key, as Chromium's SPKI allow-list wants."""
    try:
        certificates = x509.load_pem_x509_certificates(pem_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"ONRECORD_TRUSTED_CERTIFICATES names {pem_file}, which holds no readable PEM "
            f"certificates ({exc})."
        ) from None
    hashes = []
    for certificate in certificates:
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        hashes.append(base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii"))
    return hashes


def launch_args(config: Config) -> list[str]:
    args = ["--no-sandbox", *QUIET_FLAGS]  # no-sandbox: root in containers cannot sandbox
    trusted = config.get("trusted_certificates")
    if trusted:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(spki_hashes(Path(trusted))))
    return args


@contextmanager
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


def launch(playwright: Playwright, config: Config, *, headless: bool = True) -> Browser:
    """A running Chromium, or a ConfigError that says how to install one."""
    executable = find_chromium(config)
    try:
        return playwright.chromium.launch(
            executable_path=executable, headless=headless, args=launch_args(config)
        )
    except Exception as exc:  # Playwright raises its own Error with the browser's words
        raise ConfigError(
            f"Chromium could not be started ({_first_line(exc)}). {INSTALL_HELP}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
