"""``onrecord serve``: the web app on this computer, in the person's own browser."""

from __future__ import annotations

import ipaddress
import threading
import webbrowser
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import click

from onrecord.cli.session import Session
from onrecord.errors import ConfigError
from onrecord.web.state import DEFAULT_EXIT_URL, DEFAULT_IDLE_LOCK_S

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler

    from onrecord.web.state import WebState

pass_session = click.make_pass_decorator(Session)
DEFAULT_PORT = 8765


def run_app(
    session: Session,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    idle_lock_minutes: float = DEFAULT_IDLE_LOCK_S / 60,
    exit_url: str = DEFAULT_EXIT_URL,
    path: str = "/",
    workers: int = 0,
    threads: int = 0,
) -> None:
    """Serve until Ctrl+C. A vault the command already opened is handed over (one-time link).

    On the organisation server (``database_url`` set) staff are served by several
    processes (``web.prefork``, ``workers`` and ``threads`` each; 0 takes the default).
    """
    from onrecord.web.app import make_app
    from onrecord.web.server import start
    from onrecord.web.state import WebSettings, WebState

    config = session.config
    server_mode = bool(config.database_url)
    if (workers or threads) and not server_mode:
        raise click.UsageError(
            "--workers and --threads are for the organisation server (ONRECORD_DATABASE_URL "
            "set); on this computer one process serves you."
        )
    settings = WebSettings(
        home=config.home,
        operator=config.operator,
        database_url=config.database_url,
        time_zone=config.get("time_zone"),
        kdf=session.kdf_params(),
        idle_lock_s=int(idle_lock_minutes * 60),
        exit_url=exit_url,
        config=config,
    )
    state = WebState(settings)
    app = make_app(state, extra_hosts=() if _is_loopback(host) else (host,))
    if not _is_loopback(host):
        page = "login page" if server_mode else "unlock page"
        click.secho(
            f"Warning: listening on {host}, not only on this computer. Anyone who can reach it "
            f"on the network sees the {page}.",
            fg="yellow",
            err=True,
        )
    if server_mode:
        if session.vault is not None:
            state.adopt(session.vault)
            session.vault = None  # the app owns it now, and locks it
        _serve_staff(state, app, host, port, workers, threads, path)
        return
    running = start(app, state, host, port)
    url = running.url + path
    if session.vault is not None:
        state.adopt(session.vault)
        session.vault = None  # the app owns it now, and locks it
        ticket = state.mint_ticket()
        url = running.url + "/unlock?" + urlencode({"ticket": ticket, "next": path})
    click.echo(f"onrecord is open at {running.url}{path}  (Ctrl+C stops it and locks the vault)")
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    elif url != running.url + path:
        click.echo(f"This link unlocks it once, for the next two minutes: {url}")
    try:
        running.thread.join()
    except KeyboardInterrupt:
        click.echo("\nStopping: the vault is locked.")
    finally:
        state.lock()
        running.stop()


def _serve_staff(
    state: WebState, app: WSGIHandler, host: str, port: int, workers: int, threads: int, path: str
) -> None:
    """The organisation server: gunicorn's processes until SIGTERM or Ctrl+C."""
    try:
        from onrecord.web import prefork
    except ModuleNotFoundError as missing:
        raise ConfigError(
            f"The organisation server's web app runs on gunicorn, which is not installed "
            f"({missing}). Install onrecord with its server extra: "
            "pip install 'onrecord[server]'."
        ) from None

    options = prefork.PreforkOptions(
        host, port, workers or prefork.default_workers(), threads or prefork.DEFAULT_THREADS
    )

    def ready(url: str) -> None:
        click.echo(
            f"onrecord is open at {url}{path}  ({options.workers} processes, {options.threads} "
            "threads each; SIGTERM or Ctrl+C stops it and locks the vault)"
        )

    def stopped() -> None:
        state.lock()
        click.echo("Stopped: the vault is locked.")

    prefork.run(app, options, ready=ready, stopped=stopped)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port (0: any free)."
)
@click.option("--no-browser", is_flag=True, help="Do not open the browser; print the address.")
@click.option(
    "--idle-lock",
    "idle_lock",
    default=DEFAULT_IDLE_LOCK_S / 60,
    show_default=True,
    type=float,
    help="Lock the vault after this many minutes with nothing done (0: never).",
)
@click.option(
    "--exit-url", default=DEFAULT_EXIT_URL, show_default=True, help="Where Quick exit goes."
)
@click.option(
    "--workers",
    default=0,
    type=click.IntRange(min=0),
    help="Organisation server only: web processes (default: one per core).",
)
@click.option(
    "--threads",
    default=0,
    type=click.IntRange(min=0),
    help="Organisation server only: requests each process answers at once (default: 8).",
)
@pass_session
def serve(
    session: Session,
    host: str,
    port: int,
    no_browser: bool,
    idle_lock: float,
    exit_url: str,
    workers: int,
    threads: int,
) -> None:
    """Open onrecord in your browser: everything, on this computer only, unlocked with your
    passphrase. Ctrl+C stops it.

    With ONRECORD_DATABASE_URL set (the organisation server) it serves staff instead, from
    several processes, the vault unlocked once with ONRECORD_PASSPHRASE_FILE."""
    from onrecord.vault.home import Vault

    if Vault.exists(session.config.home) and session.config.passphrase() is not None:
        session.open_vault()  # a passphrase given for scripts: unlock once, hand it over
    run_app(
        session,
        host=host,
        port=port,
        open_browser=not no_browser,
        idle_lock_minutes=idle_lock,
        exit_url=exit_url,
        workers=workers,
        threads=threads,
    )


COMMANDS = [serve]
