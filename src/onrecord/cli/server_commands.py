"""Organisation-server commands: worker, queue ..., user add|disable|password|totp,
case share, case invite.

They need ``ONRECORD_DATABASE_URL`` (PostgreSQL) and say so plainly when it is missing.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from onrecord.cli.session import Session

if TYPE_CHECKING:
    from onrecord.cases.models import Case

pass_session = click.make_pass_decorator(Session)


@click.command("worker")
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jobs this process runs at once (threads).",
)
@click.option(
    "--stalled-after",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=2.0),
    help="Seconds without a heartbeat before another worker's running jobs are retried.",
)
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then stop.")
@pass_session
def worker(session: Session, concurrency: int, stalled_after: float, once: bool) -> None:
    """Run queued imports, triage, OCR and captures (organisation server).

    Give the vault passphrase as a file only this service reads: ONRECORD_PASSPHRASE_FILE.
    """
    from onrecord.server.worker import WorkerOptions, run_worker, server_database_url

    url = server_database_url(session.config)
    vault = session.open_vault()
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format='{"time": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s", '
        '"message": "%(message)s"}',
    )
    threads = session.config.integer("worker_triage_threads")
    click.echo(f"Worker started: {concurrency} job(s) at a time.", err=True)
    run_worker(vault, url, WorkerOptions(concurrency, stalled_after, once, threads))


@click.group()
def queue() -> None:
    """Queue work for the organisation server's workers."""


def _case(session: Session, case_ref: str) -> Case:
    from onrecord.cases.records import find_case

    session.open_vault()
    return find_case(case_ref)


def _queued(session: Session, what: str, job_id: int, as_json: bool) -> None:
    if as_json:
        session.print_json({"job": job_id, "what": what})
    else:
        click.echo(f"Queued {what} as job {job_id}. `onrecord queue list` shows its progress.")


@queue.command("import")
@click.argument("case_ref", metavar="CASE")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "format_key", help="The export's format (default: detected).")
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@pass_session
def queue_import(
    session: Session, case_ref: str, path: Path, format_key: str | None, as_json: bool
) -> None:
    """Store an export as an exhibit and queue its import (one transaction)."""
    from onrecord.server.jobs import store_and_enqueue_import

    case = _case(session, case_ref)
    evidence, job_id = store_and_enqueue_import(
        session.open_vault(), case, path, operator=session.config.operator, format_key=format_key
    )
    _queued(session, f"the import of exhibit {evidence.exhibit}", job_id, as_json)


@queue.command("triage")
@click.argument("case_ref", metavar="CASE")
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@pass_session
def queue_triage(session: Session, case_ref: str, as_json: bool) -> None:
    """Queue the triage of a case's unlabelled items."""
    from onrecord.server.jobs import enqueue_triage

    case = _case(session, case_ref)
    _queued(session, "triage", enqueue_triage(case, operator=session.config.operator), as_json)


@queue.command("ocr")
@click.argument("case_ref", metavar="CASE")
@click.argument("exhibit", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@pass_session
def queue_ocr(session: Session, case_ref: str, exhibit: int, as_json: bool) -> None:
    """Queue reading an image exhibit's messages."""
    from onrecord.cases.models import Evidence
    from onrecord.errors import InputError
    from onrecord.server.jobs import enqueue_ocr

    case = _case(session, case_ref)
    found = Evidence.objects.filter(case=case, exhibit=exhibit).first()
    if found is None:
        raise InputError(
            f"Case {case.pk} has no exhibit {exhibit}; `onrecord case show` lists them."
        )
    job_id = enqueue_ocr(case, found, operator=session.config.operator)
    _queued(session, f"OCR of exhibit {exhibit}", job_id, as_json)


@queue.command("capture")
@click.argument("case_ref", metavar="CASE")
@click.argument("urls", nargs=-1, required=True)
@click.option("--note", default="", help="A note kept with each capture.")
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@pass_session
def queue_capture(
    session: Session, case_ref: str, urls: tuple[str, ...], note: str, as_json: bool
) -> None:
    """Queue capturing web pages you name."""
    from onrecord.server.jobs import enqueue_capture

    case = _case(session, case_ref)
    job_id = enqueue_capture(case, urls, operator=session.config.operator, note=note)
    _queued(session, f"capture of {len(urls)} page(s)", job_id, as_json)


@queue.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def queue_list(session: Session, as_json: bool) -> None:
    """List the latest jobs and their state."""
    from dataclasses import asdict

    from onrecord.server.jobs import list_jobs

    session.open_vault()
    found = list_jobs()
    if as_json:
        session.print_json([asdict(j) | {"state": j.state, "detail": j.detail} for j in found])
        return
    rows = [[str(j.id), j.task, j.status, str(j.attempts), j.case[:12], j.detail] for j in found]
    session.print_table(rows, ["job", "task", "status", "attempts", "case", "on"])


@click.group()
def user() -> None:
    """Staff accounts of the organisation server."""


@user.command("add")
@click.argument("email")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the password from the first line of this file (default: ask, or none).",
)
@click.option("--no-password", is_flag=True, help="Make the account without a password yet.")
@pass_session
def user_add(session: Session, email: str, password_file: Path | None, no_password: bool) -> None:
    """Make a staff account named by its email address."""
    from onrecord.config import read_secret_file
    from onrecord.server.accounts import add_user

    session.open_vault()
    password: str | None = None
    if password_file is not None:
        password = read_secret_file(password_file)
    elif not no_password:
        if not sys.stdin.isatty():
            raise click.UsageError("Give --password-file or --no-password (no terminal to ask in).")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    made = add_user(email, password)
    state = "can log in" if made.has_usable_password() else "has no password yet"
    click.echo(f"Staff account {made.username} made; it {state} and sees no case until shared.")


@user.command("disable")
@click.argument("email")
@pass_session
def user_disable(session: Session, email: str) -> None:
    """Stop an account from doing anything (its history stays on record)."""
    from onrecord.server.accounts import disable_user

    session.open_vault()
    disabled = disable_user(email)
    click.echo(f"Staff account {disabled.username} is disabled.")


@user.command("password")
@click.argument("email")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the new password from the first line of this file (default: ask).",
)
@pass_session
def user_password(session: Session, email: str, password_file: Path | None) -> None:
    """Set a new password; every session of the account ends at once (logout everywhere)."""
    from onrecord.config import read_secret_file
    from onrecord.server.accounts import change_password

    session.open_vault()
    if password_file is not None:
        password = read_secret_file(password_file)
    elif sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        raise click.UsageError("Give --password-file (no terminal to ask in).")
    changed = change_password(email, password)
    click.echo(f"The password of {changed.username} is changed; its sessions have ended.")


@user.command("totp")
@click.argument("email")
@click.option("--replace", is_flag=True, help="Enrol a new key even if the account has one.")
@pass_session
def user_totp(session: Session, email: str, replace: bool) -> None:
    """Enrol a second factor: prints the otpauth:// address and key for an authenticator app.

    Print it where only the account's owner sees it; from now on the web login asks for
    the 6-digit code.
    """
    from urllib.parse import parse_qs, urlsplit

    from onrecord.server.accounts import enrol_totp

    uri = enrol_totp(session.open_vault(), email, replace=replace)
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    click.echo("Add this account to an authenticator app (scan or paste the address):")
    click.echo(uri)
    click.echo(f"Or type the key by hand: {secret}")
    click.echo("The web login now asks for the 6-digit code it shows.")


@click.command("share")
@click.argument("case_ref", metavar="CASE")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["owner", "advocate", "lawyer", "viewer"]),
    help="owner: everything and sharing; advocate: edit and export; lawyer: read and "
    "export; viewer: read only.",
)
@pass_session
def case_share(session: Session, case_ref: str, email: str, role: str) -> None:
    """Share a case with a staff account in a role (logged in the case)."""
    from onrecord.server.accounts import share_case

    case = _case(session, case_ref)
    share_case(session.open_vault(), case, email, role, operator=session.config.operator)
    click.echo(f"Case {case.pk} is shared with {email.strip().lower()} as {role}.")


@click.command("invite")
@click.argument("case_ref", metavar="CASE")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["owner", "advocate", "lawyer", "viewer"]),
    help="The role the link gives (owner for the person harassed on their own case).",
)
@click.option(
    "--hours",
    default=72.0,
    show_default=True,
    type=click.FloatRange(min=0.1, max=720),
    help="How long the link works.",
)
@click.option(
    "--url",
    "base_url",
    default=None,
    help="The server's address as the invited person reaches it (https://...). "
    "Default: the public_url setting (ONRECORD_PUBLIC_URL).",
)
@pass_session
def case_invite(
    session: Session, case_ref: str, email: str, role: str, hours: float, base_url: str | None
) -> None:
    """Print a one-time link that gives EMAIL a role on CASE (logged in the case).

    The link works once and expires; only its hash is stored, so it is shown this once.
    Send it to the person yourself, by a channel the harasser does not read.
    """
    from onrecord.config import check_public_url
    from onrecord.server.invites import create_invite, invite_link

    public = check_public_url(base_url, "--url") if base_url else session.config.public_url
    case = _case(session, case_ref)
    made = create_invite(
        session.open_vault(), case, email, role, operator=session.config.operator, hours=hours
    )
    expires = made.invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    click.echo(f"Invite for {made.invite.email} as {role} on case {case.pk}, until {expires}:")
    click.echo(invite_link(public, made.token))
    click.echo("It works once and is not shown again. Send it only to that person.")
    if not public:
        click.echo(
            "The server's public address is not set, so this is only the link's path: put the "
            "address staff open the server at in front of it, or set ONRECORD_PUBLIC_URL "
            "(https://onrecord.example.org) or give --url to print whole links.",
            err=True,
        )


def _register_case_share() -> None:
    from onrecord.cli.case_commands import case

    case.add_command(case_share)
    case.add_command(case_invite)


_register_case_share()

COMMANDS = [worker, queue, user]
