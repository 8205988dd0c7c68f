"""Fixtures for capture tests: the local site, a Chromium, a config that trusts the test site."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from onrecord.config import Config, load_config

from .site import Site, make_certificate, serve


def chromium_or_skip() -> None:
    """Browser tests need a Chromium; in CI its absence is a failure, not a skip."""
    if any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        return
    message = "no Chromium installed (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    yield from serve()


@pytest.fixture(scope="session")
def tls_site(certificate: tuple[Path, Path]) -> Iterator[Site]:
    yield from serve(certificate)


def capture_config(certificate: tuple[Path, Path] | None = None, **settings: str) -> Config:
    chromium_or_skip()
    environ = {
        "ONRECORD_CONFIG": "/nonexistent/onrecord.toml",
        "ONRECORD_CAPTURE_TIMEOUT": "6",
        "ONRECORD_OPERATOR": "test-operator",
    }
    if certificate:
        environ["ONRECORD_TRUSTED_CERTIFICATES"] = str(certificate[0])
    environ.update({f"ONRECORD_{k.upper()}": v for k, v in settings.items()})
    return load_config(environ=environ)
