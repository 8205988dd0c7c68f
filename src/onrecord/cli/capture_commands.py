"""Commands that capture web pages: capture, recapture, browser login|list|forget."""

from __future__ import annotations

import datetime as dt

import click

from onrecord.cli.session import Session, safe

pass_session = click.make_pass_decorator(Session)


def _say(outcome: object, as_json: bool) -> None:
    from onrecord.capture import CaptureOutcome

    assert isinstance(outcome, CaptureOutcome)
    if as_json:
        return
    exhibits = ", ".join(f"{role} #{number}" for role, number in sorted(outcome.exhibits.items()))
    line = f"{outcome.status}: {safe(outcome.url)}"
    if outcome.message:
        line += f" ({safe(outcome.message)})"
    click.echo(line)
    if exhibits:
        click.echo(f"  exhibits: {exhibits}")
    if outcome.changes:
        click.echo(f"  since the last capture: {safe(outcome.changes.get('summary', ''))}")
    for note in outcome.notes:
        click.echo(f"  note: {safe(note)}")


def _as_json(outcomes: list[object]) -> list[dict[str, object]]:
    rows = []
    for outcome in outcomes:
        data = dict(vars(outcome))
        changes = dict(data.get("changes") or {})
        changes.pop("diff", None)
        data["changes"] = changes
        rows.append(data)
    return rows


@click.command("capture")
@click.argument("case_ref", metavar="CASE")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--note", default="", help="A note kept with each capture.")
@click.option("--profile", help="Capture logged in, with a profile from `onrecord browser login`.")
@click.option("--no-ocr", is_flag=True, help="Do not read the screenshots' text into items.")
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
@pass_session
def capture(
    session: Session,
    case_ref: str,
    urls: tuple[str, ...],
    note: str,
    profile: str | None,
    no_ocr: bool,
    as_json: bool,
) -> None:
    """Capture web pages with a real browser: screenshot, PDF, MHTML, HTML, text, WARC.

    Each capture is stored as exhibits and logged as one group. A login wall, an error page
    or a "deleted" notice is kept but marked "content not captured".
    """
    from onrecord.capture import capture_urls
    from onrecord.cases.records import find_case

    vault = session.open_vault()
    case = find_case(case_ref)
    if not as_json:
        click.echo(f"Capturing {len(urls)} page(s) with Chromium...")
    outcomes = capture_urls(
        vault,
        case,
        list(urls),
        config=session.config,
        note=note,
        profile=profile,
        report=lambda o: _say(o, as_json),
        ocr=not no_ocr,
    )
    if as_json:
        session.print_json(_as_json(list(outcomes)))
    if any(o.status == "failed" for o in outcomes):
        raise click.exceptions.Exit(1)


@click.command("recapture")
@click.argument("case_ref", metavar="CASE")
@click.option(
    "--since",
    "since_days",
    type=click.IntRange(min=0),
    help="Only URLs whose last capture is at least this many days old.",
)
@click.option("--profile", help="Capture logged in, with this browser profile.")
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
@pass_session
def recapture(
    session: Session, case_ref: str, since_days: int | None, profile: str | None, as_json: bool
) -> None:
    """Capture every URL of the case again and record what changed or disappeared."""
    from onrecord.capture import capture_urls
    from onrecord.capture.read import latest_captures
    from onrecord.cases.records import find_case
    from onrecord.vault.custody import utc_now

    vault = session.open_vault()
    case = find_case(case_ref)
    latest = latest_captures(case.pk)
    if since_days is not None:
        cutoff = utc_now() - dt.timedelta(days=since_days)
        latest = {url: c for url, c in latest.items() if c.started_at <= cutoff}
    if not latest:
        click.echo("No captured URLs to capture again.")
        return
    outcomes = capture_urls(
        vault,
        case,
        list(latest),
        config=session.config,
        note="recapture",
        profile=profile,
        previous=latest,
        report=lambda o: _say(o, as_json),
    )
    if as_json:
        session.print_json(_as_json(list(outcomes)))
    if any(o.status == "failed" for o in outcomes):
        raise click.exceptions.Exit(1)


@click.group("browser")
def browser() -> None:
    """Logged-in browser profiles for captures (kept encrypted; passwords never stored)."""


@browser.command("login")
@click.argument("name")
@click.option("--url", default="", help="Page to open first, e.g. the site's login page.")
@pass_session
def browser_login(session: Session, name: str, url: str) -> None:
    """Open a browser window to log in; close it when done. The profile is kept encrypted."""
    from onrecord.capture.profiles import login, wait_for_person

    vault = session.open_vault()
    click.echo("Log in in the browser window, then close the window to keep the profile.")
    profile = login(vault, session.config, name, wait_for_person(url))
    click.echo(f"Kept browser profile {safe(profile.name)}. Capture with --profile {name}.")


@browser.command("list")
@pass_session
def browser_list(session: Session) -> None:
    """List the browser profiles kept in the vault."""
    from onrecord.cases.models import BrowserProfile

    session.open_vault()
    rows = [
        [p.name, f"{p.updated_at:%Y-%m-%d %H:%M} UTC", p.created_by]
        for p in BrowserProfile.objects.order_by("name")
    ]
    if not rows:
        click.echo("No browser profiles yet: `onrecord browser login NAME`.")
        return
    session.print_table(rows, ["profile", "updated", "created by"])


@browser.command("forget")
@click.argument("name")
@pass_session
def browser_forget(session: Session, name: str) -> None:
    """Delete a browser profile (its cookies) from the vault."""
    from onrecord.capture.profiles import forget

    vault = session.open_vault()
    if not forget(vault, name, session.config.operator):
        raise click.ClickException(f"There is no browser profile called {name!r}.")
    click.echo(f"Forgot browser profile {safe(name)}.")


COMMANDS = (capture, recapture, browser)
