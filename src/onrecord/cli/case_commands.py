"""Commands about cases: case new|list|show, add, journal add."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from onrecord.cli.session import Session, safe
from onrecord.errors import InputError

pass_session = click.make_pass_decorator(Session)


@click.group()
def case() -> None:
    """Create, list and show cases."""


@case.command("new")
@click.argument("title")
@click.option(
    "--jurisdiction",
    required=True,
    help="Where you are: a country code with an optional region (US-CA, GB, AU-NSW).",
)
@click.option("--time-zone", help="Time zone of the case (default: the time_zone setting).")
@click.option("--json", "as_json", is_flag=True, help="Print the new case as JSON.")
@pass_session
def case_new(
    session: Session, title: str, jurisdiction: str, time_zone: str | None, as_json: bool
) -> None:
    """Open a new case."""
    from onrecord.cases.records import create_case

    vault = session.open_vault()
    made = create_case(
        vault,
        title=title,
        jurisdiction=jurisdiction,
        time_zone=time_zone or session.config.get("time_zone"),
        operator=session.config.operator,
    )
    if as_json:
        session.print_json(_case_dict(made))
    else:
        click.echo(
            f"Opened case {made.pk}: {safe(made.title)} ({made.jurisdiction}, {made.time_zone})."
        )


@case.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def case_list(session: Session, as_json: bool) -> None:
    """List the cases in the vault."""
    from django.db.models import Count

    from onrecord.cases.models import Case

    session.open_vault()
    cases = Case.objects.annotate(
        n_evidence=Count("evidence", distinct=True), n_items=Count("items", distinct=True)
    ).order_by("pk")
    rows = [_case_dict(c) | {"exhibits": c.n_evidence, "items": c.n_items} for c in cases]
    if as_json:
        session.print_json(rows)
    elif not rows:
        click.echo('No cases yet. Open one with: onrecord case new "TITLE" --jurisdiction US-CA')
    else:
        session.print_table(
            [
                [
                    str(r["number"]),
                    r["title"],
                    r["jurisdiction"],
                    str(r["exhibits"]),
                    str(r["items"]),
                    r["created_at"][:10],
                ]
                for r in rows
            ],
            ["#", "title", "where", "exhibits", "items", "opened"],
        )


@case.command("show")
@click.argument("case_ref", metavar="CASE")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def case_show(session: Session, case_ref: str, as_json: bool) -> None:
    """Show a case: its exhibits, items and journal (message text only when asked)."""
    from onrecord.cases.models import Evidence
    from onrecord.cases.records import find_case

    session.open_vault()
    chosen = find_case(case_ref)
    exhibits: list[dict[str, Any]] = [
        {
            "exhibit": e.exhibit,
            "original_name": e.original_name,
            "media_type": e.media_type,
            "kind": e.kind,
            "size": e.size,
            "sha256": e.blob_id,
            "source_url": e.source_url,
            "acquired_at": e.acquired_at.isoformat(),
            "acquired_by": e.acquired_by,
            "method": e.method,
            "tool": f"{e.tool} {e.tool_version}",
            "note": e.note,
            "purged": e.purged_at is not None,
            "acquisitions": 1 + e.acquisitions.count(),
        }
        for e in Evidence.objects.filter(case=chosen).order_by("exhibit")
    ]
    journal = [
        {
            "date": j.date.isoformat(),
            "what_happened": j.what_happened,
            "impact": j.impact,
            "cost": str(j.cost) if j.cost is not None else None,
            "currency": j.currency,
        }
        for j in chosen.journal.all()
    ]
    result: dict[str, Any] = _case_dict(chosen) | {
        "exhibits": exhibits,
        "items": chosen.items.count(),
        "parties": [{"role": p.role, "name": p.name} for p in chosen.parties.all()],
        "accounts": chosen.accounts.count(),
        "journal": journal,
    }
    if as_json:
        session.print_json(result)
        return
    click.echo(f"Case {chosen.pk}: {safe(chosen.title)}")
    click.echo(
        f"  {chosen.jurisdiction}, {chosen.time_zone}; opened {chosen.created_at:%Y-%m-%d} "
        f"by {chosen.created_by}"
    )
    for party in result["parties"]:
        click.echo(f"  {party['role']}: {safe(party['name'])}")
    click.echo(f"\n{len(exhibits)} exhibit(s):")
    session.print_table(
        [
            [
                str(e["exhibit"]),
                e["original_name"][:40],
                e["kind"],
                f"{e['size']:,}",
                e["sha256"][:16] + "…",
                "purged" if e["purged"] else e["acquired_at"][:19],
            ]
            for e in exhibits
        ],
        ["#", "file", "kind", "bytes", "sha256", "acquired (UTC)"],
    )
    click.echo(
        f"\n{result['items']} item(s) from {result['accounts']} account(s). "
        "Message text is not shown here."
    )
    if journal:
        click.echo(f"\nJournal: {len(journal)} entr{'y' if len(journal) == 1 else 'ies'}.")


def _case_dict(c: Any) -> dict[str, Any]:
    return {
        "number": c.pk,
        "id": c.uid.hex,
        "title": c.title,
        "jurisdiction": c.jurisdiction,
        "time_zone": c.time_zone,
        "created_at": c.created_at.isoformat(),
        "created_by": c.created_by,
    }


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@click.option("--source-url", default="", help="Where the files came from (a web address).")
@click.option("--note", default="", help="A note kept with each file.")
@click.option("--json", "as_json", is_flag=True, help="Print one result per file as JSON.")
@click.option("--no-ocr", is_flag=True, help="Do not read the text in pictures (see `ocr`).")
@pass_session
def add(
    session: Session,
    case_ref: str,
    files: tuple[Path, ...],
    source_url: str,
    note: str,
    as_json: bool,
    no_ocr: bool,
) -> None:
    """Add any files as evidence: screenshots, PDFs, photos, videos.

    Each file is hashed, encrypted and logged. A file that cannot be read is reported;
    the others are still added. The text in each new picture is read (OCR) into items
    that point back at it, unless --no-ocr.
    """
    from onrecord.cases.evidence import Acquired, add_files
    from onrecord.cases.records import find_case
    from onrecord.cli.ocr_commands import added_exhibits, read_images

    vault = session.open_vault()
    chosen = find_case(case_ref)
    total = sum(_size_or_zero(p) for p in files)
    how = Acquired(operator=session.config.operator, source_url=source_url, note=note)
    with session.progress(total, "Adding") as progress:
        outcomes = add_files(vault, chosen, list(files), how, progress)
    failed = [o for o in outcomes if o.status == "failed"]
    if not as_json:
        for o in outcomes:
            if o.status == "failed":
                click.echo(f"not added  {safe(o.path)}: {safe(o.message)}", err=True)
            elif o.status == "already held":
                click.echo(f"held       {safe(o.path)} — {o.message}")
            else:
                click.echo(f"exhibit {o.exhibit:<3} {safe(o.path)}  sha256 {o.sha256}")
    read: dict[int, dict[str, Any]] = {}
    if not no_ocr:  # pictures: read their text into items (a failed read fails nothing)
        pictures = added_exhibits(chosen, [o.exhibit for o in outcomes if o.status == "added"])
        read = read_images(session, chosen, pictures, platform="screenshot", echo=not as_json)
    if as_json:
        session.print_json([o.__dict__ | {"ocr": read.get(o.exhibit or 0)} for o in outcomes])
    else:
        click.echo(
            f"{len(outcomes) - len(failed)} of {len(outcomes)} file(s) added to case {chosen.pk}."
        )
    if failed:
        raise click.exceptions.Exit(1)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


@click.group()
def journal() -> None:
    """The journal of what happened, what it did to you, and what it cost."""


@journal.command("add")
@click.argument("case_ref", metavar="CASE")
@click.option("--what", "what_happened", required=True, help="What happened.")
@click.option("--date", "day", help="The day it happened (YYYY-MM-DD; default today).")
@click.option("--impact", default="", help="What it did to you (sleep, work, safety...).")
@click.option("--cost", help="What it cost you, as a number (e.g. 120.50).")
@click.option("--currency", default="", help="Currency of the cost (USD, GBP, EUR...).")
@pass_session
def journal_add(
    session: Session,
    case_ref: str,
    what_happened: str,
    day: str | None,
    impact: str,
    cost: str | None,
    currency: str,
) -> None:
    """Write down what happened on a day (for the record and for damages)."""
    from onrecord.cases.records import add_journal_entry, find_case

    try:
        when = dt.date.fromisoformat(day) if day else dt.date.today()
    except ValueError:
        raise InputError(
            f"{day!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-20."
        ) from None
    amount: Decimal | None = None
    if cost:
        try:
            amount = Decimal(cost)
        except InvalidOperation:
            raise InputError(
                f"{cost!r} is not an amount: write it as a number, e.g. 120.50."
            ) from None
    vault = session.open_vault()
    chosen = find_case(case_ref)
    entry = add_journal_entry(
        vault,
        chosen,
        date=when,
        what_happened=what_happened,
        impact=impact,
        cost=amount,
        currency=currency,
        operator=session.config.operator,
    )
    click.echo(f"Journal entry {entry.pk} written for {entry.date}.")


COMMANDS = [case, add, journal]
