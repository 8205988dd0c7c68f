"""Structured logs of the organisation server: one JSON line per request or login event.

A request line holds the time, the staff account's id, the method, the address *template*
(``cases/<int:case_id>/review``, never the address with its numbers, never a query string),
the status and the duration. Nothing a message says, no email address and no case title
ever reaches the log: the people who read server logs are not the people a case is
shared with. Lines go to stderr, where systemd's journal or ``docker logs`` collect them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

REQUESTS = logging.getLogger("onrecord.web.requests")
AUTH = logging.getLogger("onrecord.web.auth")
FIELDS = ("user", "method", "path", "status", "duration_ms", "event", "reason")


class JsonLineFormatter(logging.Formatter):
    """``{"time": ..., "level": ..., "logger": ..., <fields>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        return json.dumps(line, ensure_ascii=True, sort_keys=False)


class JsonLinesHandler(logging.StreamHandler[TextIO]):
    """stderr, one JSON object a line."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(JsonLineFormatter())


class WithoutAddress(logging.Filter):
    """Django's own lines name the address ("Not Found: /cases/12/", "Internal Server
    Error: /cases/12/items/7/decide"): keep what happened, drop where."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and str(args[-1]).startswith("/"):
            record.args = (*args[:-1], "(address not logged)")
        return True


def configure_server_logging() -> None:
    """Send the request and login logs to stderr as JSON lines (once per process)."""
    for logger in (REQUESTS, AUTH):
        logger.setLevel(logging.INFO)
        if not any(isinstance(h, JsonLinesHandler) for h in logger.handlers):
            logger.addHandler(JsonLinesHandler())
    django_requests = logging.getLogger("django.request")
    if not any(isinstance(f, WithoutAddress) for f in django_requests.filters):
        django_requests.addFilter(WithoutAddress())


def log_request(
    user_id: int | None, method: str, path: str, status: int, duration_ms: float
) -> None:
    REQUESTS.info(
        "request",
        extra={
            "user": user_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 1),
        },
    )


def log_auth(event: str, user_id: int | None, reason: str = "", *, warning: bool = False) -> None:
    """A login event: ``login``, ``login_failed``, ``locked``, ``logout``, ``session_ended``."""
    AUTH.log(
        logging.WARNING if warning else logging.INFO,
        event,
        extra={"event": event, "user": user_id, "reason": reason},
    )
