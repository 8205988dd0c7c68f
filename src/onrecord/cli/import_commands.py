"""Commands that bring messages in: import, formats, item add."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import click

from onrecord.cli.session import Session, safe
from onrecord.errors import InputError

pass_session = click.make_pass_decorator(Session)


@click.command("import")
@click.argument("case_ref", metavar="CASE")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "format_key", help="Use this importer (see `onrecord formats`).")
@click.option("--time-zone", help="Time zone for times the export gives without one.")
@click.option("--map", "mapping", help="For --format csv: columns, e.g. text=Message,author=From.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_session
def import_command(
    session: Session,
    case_ref: str,
    path: Path,
    format_key: str | None,
    time_zone: str | None,
    mapping: str | None,
    as_json: bool,
) -> None:
    """Import a platform export, chat log, mailbox or phone backup (file, folder or zip).

    The original is stored untouched as evidence first. Importing the same export again
    adds nothing twice; messages missing from a later export are kept and marked.
    """
    from onrecord.cases.imports import import_path
    from onrecord.cases.records import find_case

    vault = session.open_vault()
    case = find_case(case_ref)
    importer = None
    if mapping:
        from onrecord.importers import generic_csv

        if format_key not in (None, "csv"):
            raise InputError("--map goes with --format csv.")
        importer = generic_csv.GenericCsvImporter(generic_csv.mapping_from_option(mapping))
    size = _size(path)
    with session.progress(size, "Storing the original") as progress:
        report = import_path(
            vault,
            case,
            path,
            operator=session.config.operator,
            format_key=format_key,
            time_zone=time_zone,
            progress=progress,
            importer=importer,
        )
    if as_json:
        session.print_json(report.as_json())
    else:
        click.echo(
            f"Imported {report.items_added:,} item(s) from {safe(path.name)} ({report.format}) "
            f"into case {case.pk}: {report.duplicates:,} already held, {report.edits:,} edited "
            f"version(s), {report.gone_from_source:,} now gone from the source, "
            f"{report.attachments:,} attachment(s) stored, {report.attachments_missing:,} missing."
        )
        for problem in report.problems:
            where = f" at {problem.position}" if problem.position else ""
            click.echo(safe(f"problem: {problem.file}{where}: {problem.message}"), err=True)
    if report.failed:
        raise click.exceptions.Exit(1)


def _size(path: Path) -> int:
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def formats(session: Session, as_json: bool) -> None:
    """List every importer and what it reads."""
    from onrecord.importers.registry import IMPORTERS

    rows = [{"key": i.key, "label": i.label, "reads": i.reads} for i in IMPORTERS]
    if as_json:
        session.print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['key']:<18} {row['label']}")
        click.echo(f"{'':<18} {row['reads']}")


@click.group()
def item() -> None:
    """Record one message by hand."""


@item.command("add")
@click.argument("case_ref", metavar="CASE")
@click.option("--platform", required=True, help="Where it was posted or sent (e.g. instagram).")
@click.option("--author", required=True, help="Who wrote it: handle, name or number.")
@click.option("--text", required=True, help="The message, exactly as written.")
@click.option("--time", "when", help="When it was sent (YYYY-MM-DD HH:MM, case time zone).")
@click.option("--url", default="", help="Where it can be seen.")
@click.option(
    "--kind",
    default="message",
    type=click.Choice(["message", "post", "comment", "email", "sms", "other"]),
)
@pass_session
def item_add(
    session: Session,
    case_ref: str,
    platform: str,
    author: str,
    text: str,
    when: str | None,
    url: str,
    kind: str,
) -> None:
    """Record a message typed or pasted by hand (keep a screenshot too: `onrecord add`)."""
    from onrecord.cases.items import add_items, find_or_create_account
    from onrecord.cases.models import Item
    from onrecord.cases.records import find_case

    vault = session.open_vault()
    case = find_case(case_ref)
    sent_at, assumed = _parse_time(when, case.time_zone) if when else (None, False)
    account = find_or_create_account(case, platform=platform.lower(), handle=author)
    [saved] = add_items(
        vault,
        case,
        [
            Item(
                platform=platform.lower(),
                kind=kind,
                author=account,
                text=text,
                sent_at=sent_at,
                sent_at_original=when or "",
                time_zone_assumed=assumed,
                url=url,
            )
        ],
        session.config.operator,
        source="typed by hand",
    )
    click.echo(f"Recorded item {saved.pk} in case {case.pk}.")


def _parse_time(value: str, zone_name: str) -> tuple[dt.datetime, bool]:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise InputError(
            f"{value!r} is not a time: write it as YYYY-MM-DD HH:MM (e.g. 2026-10-14 23:52)."
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zoneinfo.ZoneInfo(zone_name)).astimezone(dt.UTC), True
    return moment.astimezone(dt.UTC), False


COMMANDS = [import_command, formats, item]
