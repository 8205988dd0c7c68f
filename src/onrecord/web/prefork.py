"""The organisation server's web server: gunicorn, several processes, threads in each.

On a laptop ``onrecord serve`` is one process for one person (``web.server``). An
organisation's staff are many at once, and one Python process keeps one core busy at
most, so in server mode ``serve`` runs gunicorn instead: a master that only supervises,
``workers`` processes forked from it, each answering ``threads`` requests at a time
(gunicorn's ``gthread`` worker), with keep-alive for the TLS proxy in front.

The vault is unlocked once, in the master, before any worker exists: the passphrase file
goes through Argon2id (slow and memory-hungry by design) one time, the app is built with
the open vault, the master's database connection is closed, and then the workers are
forked with the unlocked vault already in memory; each opens database connections of its
own and keeps them between requests (``CONN_MAX_AGE_S``). A worker replaced later (it
crashed, or SIGHUP) is forked again from the same master: no second unlock, no second
read of the passphrase file. Staff sessions live in the shared database under a key
derived from the vault (``web.sessions``), so any worker on any machine serves them.

Signals: SIGTERM (systemd's stop) stops once the requests in flight have finished (at
most ``GRACEFUL_S``); SIGINT (Ctrl+C) stops at once; SIGHUP (``systemctl reload``)
replaces the workers, the old ones finishing their requests first. Code is not reloaded
by SIGHUP: restart after an upgrade. Either way the master locks the vault last.

No access log: addresses hold case and item numbers, which the people who read server
logs must not see. gunicorn's own lines that would quote a request say only that one
failed (``PrivateLogger``). The JSON request lines of ``web.logs`` are unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

GRACEFUL_S = 30
TIMEOUT_S = 60  # a worker whose main loop is stuck this long is replaced
KEEPALIVE_S = 5
CONN_MAX_AGE_S = 300
DEFAULT_THREADS = 8  # a kept-alive connection stays with its process: room for several
_QUOTES_REQUEST = ("Error handling request", "Invalid request from")


def default_workers() -> int:
    """One worker process per core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


@dataclass(frozen=True)
class PreforkOptions:
    """Where to listen and how many processes and threads answer."""

    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = field(default_factory=default_workers)
    threads: int = DEFAULT_THREADS

    @property
    def bind(self) -> str:
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class PrivateLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's error log, less the request lines: no address reaches the log."""

    def access(self, *args: Any, **kwargs: Any) -> None:
        return

    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if str(msg).startswith(_QUOTES_REQUEST):
            msg, args = "Error handling a request (its address is not logged)", ()
        super().exception(msg, *args, **kwargs)

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if str(msg).startswith(_QUOTES_REQUEST):
            msg, args = "Refused a malformed request (its address is not logged)", ()
        super().warning(msg, *args, **kwargs)


class _Application(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, app: WSGIHandler, settings: dict[str, object]) -> None:
        self._app = app
        self._settings = settings
        super().__init__(prog="onrecord serve")

    def load_config(self) -> None:
        for key, value in self._settings.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        return self._app


def run(
    app: WSGIHandler,
    options: PreforkOptions,
    *,
    ready: Callable[[str], None],
    stopped: Callable[[], None],
) -> None:
    """Serve ``app`` until SIGTERM or SIGINT; ``ready(url)`` once listening, ``stopped()``
    in the master after the last worker has gone. Call it with the vault's database
    connection open or closed: it is closed before the workers are forked."""

    def when_ready(server: Any) -> None:
        ready(str(server.LISTENERS[0]))

    def on_exit(server: Any) -> None:
        stopped()

    connections["default"].settings_dict["CONN_MAX_AGE"] = CONN_MAX_AGE_S
    connections.close_all()  # a connection shared by forked processes would be corrupted
    settings: dict[str, object] = {
        "bind": [options.bind],
        "workers": options.workers,
        "worker_class": "gthread",
        "threads": options.threads,
        "timeout": TIMEOUT_S,
        "graceful_timeout": GRACEFUL_S,
        "keepalive": KEEPALIVE_S,
        "preload_app": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": PrivateLogger,
        "proc_name": "onrecord-web",
        "control_socket_disable": True,
        "when_ready": when_ready,
        "on_exit": on_exit,
    }
    _Application(app, settings).run()


__all__ = ["PreforkOptions", "PrivateLogger", "default_workers", "run"]
