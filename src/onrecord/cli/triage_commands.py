"""Commands that find the dangerous items first: triage, items, label, actors, campaigns,
timeline, and classify (text outside any case, for pipelines)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import click

from onrecord.cli.session import Session, safe
from onrecord.errors import InputError

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_session
def triage(session: Session, case_ref: str, as_json: bool) -> None:
    """Label every item not yet labelled by the current model, offline."""
    from onrecord.cases.models import Item
    from onrecord.cases.records import find_case
    from onrecord.cases.triage import triage_case

    vault = session.open_vault()
    case = find_case(case_ref)
    total = Item.objects.filter(case=case).count()
    with session.progress(total, "Triage", unit="items") as progress:
        report = triage_case(vault, case, session.config.operator, progress=progress)
    if as_json:
        session.print_json(report.__dict__)
        return
    click.echo(
        f"Triage of case {case.pk}: {report.labelled:,} item(s) labelled, {report.already:,} "
        f"already labelled by this model ({report.model_version}).\n"
        f"Next: onrecord items {case.pk} --min-severity high"
    )


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--label", "labels", multiple=True, help="Only items with this label (repeatable).")
@click.option(
    "--min-severity",
    type=click.Choice(["critical", "high", "medium", "low", "none"]),
    default="none",
    help="Only items at least this severe.",
)
@click.option("--actor", help="Only items by this account (handle or id).")
@click.option("--show-text", is_flag=True, help="Show the message text (it may be upsetting).")
@click.option("--limit", type=int, default=50, help="At most this many (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (text included).")
@pass_session
def items(
    session: Session,
    case_ref: str,
    labels: tuple[str, ...],
    min_severity: str,
    actor: str | None,
    show_text: bool,
    limit: int,
    as_json: bool,
) -> None:
    """The review queue: items, most dangerous first."""
    from django.db.models import Q

    from onrecord.analysis.severity import level_floor
    from onrecord.cases.models import Item
    from onrecord.cases.records import find_case

    session.open_vault()
    case = find_case(case_ref)
    query = Item.objects.filter(case=case, later_versions__isnull=True).select_related(
        "author", "triage"
    )
    floor = level_floor(min_severity)
    if floor > 0:
        query = query.filter(triage__severity__gte=floor)
    if actor:
        handle = actor.lstrip("@")
        query = query.filter(
            Q(author__handle__iexact=handle)
            | Q(author__platform_id=handle)
            | Q(author__handle__iexact=actor)
        )
    rows = []
    for item in query.order_by("-triage__severity", "sent_at", "pk").iterator(chunk_size=2000):
        triage = getattr(item, "triage", None)
        found = list(triage.labels) if triage else []
        if labels and not set(labels) & set(found):
            continue
        rows.append(_item_row(item, triage))
        if limit and len(rows) >= limit:
            break
    if as_json:
        session.print_json(rows)
        return
    if not rows:
        click.echo("No items match. (Has `onrecord triage` run on this case?)")
        return
    for row in rows:
        who = row["author"] or "unknown"
        when = (row["sent_at"] or "")[:16].replace("T", " ")
        click.echo(
            safe(
                f"{row['level']:<8} item {row['id']:<6} {when:<16} {who}: "
                f"{', '.join(row['labels']) or '-'}"
            )
        )
        if show_text:
            click.echo(safe(f"         {row['text'][:500]}"))
    if not show_text:
        click.echo("Message text is hidden; add --show-text to see it.")


def _item_row(item: Any, triage: Any) -> dict[str, Any]:
    author = item.author
    return {
        "id": item.pk,
        "platform": item.platform,
        "author": (author.handle or author.platform_id or author.display_name) if author else None,
        "sent_at": item.sent_at.isoformat() if item.sent_at else None,
        "labels": list(triage.labels) if triage else [],
        "severity": triage.severity if triage else 0.0,
        "level": triage.level if triage else "none",
        "text": item.text,
        "spans": list(triage.spans) if triage else [],
        "gone_from_source": item.gone_from_source_at is not None,
        "deleted_at_source": item.deleted_at_source,
    }


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.argument("item_id", type=int)
@click.argument("label", required=False, default="")
@click.option("--not", "rejected", is_flag=True, help="The item is NOT this (the model was wrong).")
@click.option("--dismiss", is_flag=True, help="Nothing harmful in this item.")
@click.option("--note", default="", help="Why (kept in the custody log).")
@pass_session
def label(
    session: Session,
    case_ref: str,
    item_id: int,
    label: str,
    rejected: bool,
    dismiss: bool,
    note: str,
) -> None:
    """Review an item: confirm a label, reject one (--not), or dismiss it. People beat the model."""
    from onrecord.cases.records import find_case
    from onrecord.cases.triage import review

    if not dismiss and not label:
        raise InputError("Name a label (e.g. threat), or use --dismiss.")
    decision = "dismissed" if dismiss else "rejected" if rejected else "confirmed"
    vault = session.open_vault()
    case = find_case(case_ref)
    made = review(
        vault,
        case,
        item_id,
        label=label,
        decision=decision,
        operator=session.config.operator,
        note=note,
    )
    click.echo(f"Recorded: item {item_id} {decision} {made.label}".rstrip() + ".")


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def actors(session: Session, case_ref: str, as_json: bool) -> None:
    """Who: each account, how often, how bad, getting worse or not."""
    from onrecord.analysis.patterns import actors as find_actors
    from onrecord.cases.records import find_case
    from onrecord.cases.triage import messages_of

    session.open_vault()
    found = find_actors(messages_of(find_case(case_ref)))
    rows = [
        a.__dict__ | {"first_seen": _iso(a.first_seen), "last_seen": _iso(a.last_seen)}
        for a in found
    ]
    if as_json:
        session.print_json(rows)
        return
    for row in rows:
        worse = ", getting worse" if row["escalating"] else ""
        click.echo(
            safe(
                f"{row['worst_level']:<8} {row['author']}: {row['count']} item(s), "
                f"{(row['first_seen'] or '?')[:10]} to {(row['last_seen'] or '?')[:10]}, "
                f"{row['trend']}{worse}; {', '.join(row['labels']) or 'no labels'}"
            )
        )


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--window-minutes", type=int, default=60, help="Burst window.")
@click.option("--min-accounts", type=int, default=5, help="Accounts that make a burst.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def campaigns(
    session: Session, case_ref: str, window_minutes: int, min_accounts: int, as_json: bool
) -> None:
    """Together: bursts of many accounts, the same text from many accounts, escalation."""
    import datetime as dt

    from onrecord.analysis.patterns import campaigns as find_campaigns
    from onrecord.analysis.patterns import escalation
    from onrecord.cases.records import find_case
    from onrecord.cases.triage import messages_of

    session.open_vault()
    messages = messages_of(find_case(case_ref))
    found = find_campaigns(messages, dt.timedelta(minutes=window_minutes), min_accounts)
    notes = escalation(messages)
    result: dict[str, list[Any]] = {
        "bursts": [b.__dict__ | {"start": _iso(b.start), "end": _iso(b.end)} for b in found.bursts],
        "near_duplicates": [g.__dict__ for g in found.duplicates],
        "escalation": notes,
    }
    if as_json:
        session.print_json(result)
        return
    for burst in result["bursts"]:
        click.echo(
            safe(
                f"Burst {burst['start'][:16]} to {burst['end'][:16]}: "
                f"{len(burst['accounts'])} accounts, {len(burst['item_ids'])} items"
            )
        )
    for group in result["near_duplicates"]:
        click.echo(
            safe(
                f"Same text from {len(group['accounts'])} accounts: items "
                f"{', '.join(map(str, group['item_ids'][:10]))}"
            )
        )
    for note in notes:
        click.echo(note)
    if not (result["bursts"] or result["near_duplicates"] or notes):
        click.echo("No bursts, repeated texts or escalation found.")


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def timeline(session: Session, case_ref: str, as_json: bool) -> None:
    """When: items per day, by severity."""
    import zoneinfo

    from onrecord.analysis.patterns import timeline as build_timeline
    from onrecord.cases.records import find_case
    from onrecord.cases.triage import messages_of

    session.open_vault()
    case = find_case(case_ref)
    days = build_timeline(messages_of(case), zoneinfo.ZoneInfo(case.time_zone))
    if as_json:
        session.print_json(days)
        return
    for day in days:
        counts = ", ".join(
            f"{day[k]} {k}" for k in ("critical", "high", "medium", "low", "none") if day[k]
        )
        click.echo(f"{day['date']}  {counts}")


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--batch", type=int, default=512, help="Texts scored together.")
def classify(file: Path | None, batch: int) -> None:
    """Score text outside any case: JSON lines {"id", "text"} in, one result line out each.

    Reads FILE, or standard input. Stable interface: see README, "classify".
    """
    from onrecord.analysis.classify import Classifier

    classifier = Classifier()
    stream: IO[str] = file.open(encoding="utf-8", errors="replace") if file else sys.stdin
    out = sys.stdout
    pending: list[tuple[Any, str]] = []
    failed = 0

    def flush() -> None:
        results = classifier.classify([text for _id, text in pending])
        for (item_id, _text), result in zip(pending, results, strict=True):
            out.write(json.dumps(result.as_json(item_id), ensure_ascii=False) + "\n")
        pending.clear()

    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"] if isinstance(record, dict) else None
                if not isinstance(text, str):
                    raise ValueError("no string field 'text'")
            except (ValueError, KeyError) as exc:
                failed += 1
                if pending:
                    flush()  # keep the output in the input's order
                out.write(json.dumps({"line": number, "error": f"not read: {exc}"}) + "\n")
                continue
            pending.append((record.get("id"), text))
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
    if failed:
        raise click.exceptions.Exit(1)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


COMMANDS = [triage, items, label, actors, campaigns, timeline, classify]
