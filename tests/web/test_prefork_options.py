"""What the organisation server's gunicorn set-up promises without a database: no request
address reaches its log, and its options are refused on a laptop, saying why."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from gunicorn.config import Config

from conftest import run_onrecord
from onrecord.web.logs import configure_server_logging
from onrecord.web.prefork import PreforkOptions, PrivateLogger

PRIVATE = "/cases/417/items/90210/reveal"


def test_gunicorn_lines_that_would_quote_a_request_do_not() -> None:
    logger = PrivateLogger(Config())
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger.error_log.addHandler(handler)
    try:
        try:
            raise OSError("connection reset")
        except OSError:
            logger.exception("Error handling request %s %s", "GET", PRIVATE)
        logger.warning(f"Invalid request from ip=127.0.0.1: Invalid HTTP request line: {PRIVATE}")
        logger.info("Booting worker with pid: %s", 4242)
    finally:
        logger.error_log.removeHandler(handler)
    written = out.getvalue()
    assert "Error handling a request (its address is not logged)" in written
    assert "Refused a malformed request (its address is not logged)" in written
    assert "Booting worker with pid: 4242" in written  # everything else is unchanged
    assert "417" not in written and "90210" not in written


def test_django_request_lines_keep_what_happened_but_not_where() -> None:
    configure_server_logging()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    django_requests = logging.getLogger("django.request")
    django_requests.addHandler(handler)
    try:
        django_requests.warning("%s: %s", "Not Found", PRIVATE)
        django_requests.warning("Forbidden (%s): %s", "CSRF token missing.", PRIVATE)
    finally:
        django_requests.removeHandler(handler)
    written = out.getvalue()
    assert "Not Found: (address not logged)" in written
    assert "Forbidden (CSRF token missing.): (address not logged)" in written
    assert "417" not in written


def test_bind_addresses_for_ipv4_and_ipv6() -> None:
    assert PreforkOptions("127.0.0.1", 8765).bind == "127.0.0.1:8765"
    assert PreforkOptions("::1", 8765).bind == "[::1]:8765"
    assert PreforkOptions("[::1]", 0).bind == "[::1]:0"


def test_workers_are_refused_on_a_laptop_with_the_reason(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    result = run_onrecord(home, "serve", "--port", "0", "--no-browser", "--workers", "2")
    assert result.returncode == 2
    assert "--workers and --threads are for the organisation server" in result.stderr
