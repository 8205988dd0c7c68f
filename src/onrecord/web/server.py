"""A small threaded WSGI server for one person's laptop, and for the browser tests.

The standard library's ``wsgiref`` with a thread per request: enough for one person and a
helper, no extra dependency, and it starts in a thread so tests drive a real server. A
ticker thread locks the vault when it has been idle for the configured time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.handlers.wsgi import WSGIHandler

from onrecord.web.state import WebState

TICK_S = 5.0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """No request log: the addresses themselves (case numbers, items) are private."""

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class RunningServer:
    """A server started by ``start``: its address, and how to stop it."""

    url: str
    server: WSGIServer
    thread: threading.Thread
    stopping: threading.Event

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start(
    app: WSGIHandler, state: WebState, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Serve ``app`` in a background thread; ``port`` 0 takes a free port."""
    server = make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    stopping = threading.Event()
    thread = threading.Thread(target=server.serve_forever, name="onrecord-web", daemon=True)
    thread.start()

    def tick() -> None:
        while not stopping.wait(TICK_S):
            state.lock_if_idle()

    threading.Thread(target=tick, name="onrecord-idle-lock", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    return RunningServer(f"http://{shown}:{server.server_port}", server, thread, stopping)
