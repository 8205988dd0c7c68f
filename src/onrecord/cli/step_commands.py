"""Commands of the five steps: plan, action add|update|list, and next (what is due)."""

from __future__ import annotations

from typing import Any

import click

from onrecord.cli.session import Session, safe

pass_session = click.make_pass_decorator(Session)

STEPS = ["police", "platform", "public-reply", "ask-poster", "lawyer"]
STATUSES = ["drafted", "sent", "acknowledged", "resolved", "refused", "escalated"]


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--minor", is_flag=True, help="A person under 18 is shown or targeted.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_session
def plan(session: Session, case_ref: str, minor: bool, as_json: bool) -> None:
    """What to do next: the five steps for a case, most urgent first."""
    from onrecord.cases.records import find_case
    from onrecord.steps.plan import plan as make_plan

    session.open_vault()
    made = make_plan(find_case(case_ref), minor=minor)
    if as_json:
        session.print_json(made.as_json())
        return
    if made.safety is not None:
        click.echo("SAFETY FIRST")
        click.echo(f"  Emergency number: {made.safety.emergency_number}")
        for line in [*made.safety.why, *made.safety.hotlines, *made.safety.plan]:
            click.echo(safe(f"  - {line}"))
        click.echo("")
    for number, step in enumerate(made.steps, start=1):
        click.echo(f"{number}. {step.title}")
        for line in step.why:
            click.echo(safe(f"   why: {line}"))
        for line in step.todo:
            click.echo(safe(f"   - {line}"))
        for channel in step.channels:
            checked = f", checked {channel.checked_on}" if channel.checked_on else ""
            click.echo(safe(f"   > {channel.target} ({channel.kind}): {channel.how}"))
            where = f"{channel.url} " if channel.url else ""
            click.echo(safe(f"     {where}(source {', '.join(channel.sources)}{checked})"))
        for line in step.warnings:
            click.echo(safe(f"   ! {line}"))
        if step.documents:
            click.echo(f"   documents: {', '.join(step.documents)}")
        for row in step.actions:
            click.echo(
                safe(
                    f"   done: action {row['id']} {row['kind']} to {row['target']}: {row['status']}"
                )
            )
        for row in step.overdue:
            click.echo(safe(f"   OVERDUE since {row['due_at'][:16]}: {row['rule']}"))
        click.echo("")
    click.echo(made.note)


@click.group()
def action() -> None:
    """Record what was done in each step, and follow it until it is done."""


@action.command("add")
@click.argument("case_ref", metavar="CASE")
@click.option("--step", type=click.Choice(STEPS), required=True, help="Which of the five steps.")
@click.option("--kind", required=True, help='What it is: "police report", "DMCA notice", ...')
@click.option("--target", required=True, help="The platform or agency.")
@click.option("--status", type=click.Choice(STATUSES), default="drafted", show_default=True)
@click.option("--reference", default="", help="The reference or ticket number you were given.")
@click.option("--note", default="", help="Anything worth keeping.")
@click.option("--document", "document_sha256", default="", help="SHA-256 of the document sent.")
@click.option("--json", "as_json", is_flag=True, help="Print the action as JSON.")
@pass_session
def action_add(
    session: Session,
    case_ref: str,
    step: str,
    kind: str,
    target: str,
    status: str,
    reference: str,
    note: str,
    document_sha256: str,
    as_json: bool,
) -> None:
    """Record an action; deadlines it starts are added by themselves."""
    from onrecord.cases.records import find_case
    from onrecord.steps.tracking import record_action

    vault = session.open_vault()
    made = record_action(
        vault,
        find_case(case_ref),
        step=step,
        kind=kind,
        target=target,
        status=status,
        reference=reference,
        note=note,
        document_sha256=document_sha256,
        operator=session.config.operator,
    )
    _show_action(session, made, as_json, "Recorded")


@action.command("update")
@click.argument("case_ref", metavar="CASE")
@click.argument("action_id", type=int)
@click.option("--status", type=click.Choice(STATUSES), help="The new status.")
@click.option("--reference", help="The reference or ticket number you were given.")
@click.option("--note", help="Replaces the note.")
@click.option("--json", "as_json", is_flag=True, help="Print the action as JSON.")
@pass_session
def action_update(
    session: Session,
    case_ref: str,
    action_id: int,
    status: str | None,
    reference: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Change an action's status, reference or note (an answer closes its follow-up)."""
    from onrecord.cases.records import find_case
    from onrecord.errors import InputError
    from onrecord.steps.tracking import find_action, update_action

    if status is None and reference is None and note is None:
        raise InputError("Nothing to change: give --status, --reference or --note.")
    vault = session.open_vault()
    found = find_action(find_case(case_ref), action_id)
    made = update_action(
        vault,
        found,
        status=status,
        reference=reference,
        note=note,
        operator=session.config.operator,
    )
    _show_action(session, made, as_json, "Updated")


def _show_action(session: Session, made: Any, as_json: bool, verb: str) -> None:
    from onrecord.steps.tracking import action_row, deadline_row
    from onrecord.vault.custody import utc_now

    now = utc_now()
    row = action_row(made) | {
        "deadlines": [deadline_row(d, now) for d in made.deadlines.order_by("due_at", "pk")]
    }
    if as_json:
        session.print_json(row)
        return
    click.echo(
        safe(f"{verb}: action {row['id']}, {row['kind']} to {row['target']}: {row['status']}.")
    )
    for deadline in row["deadlines"]:
        state = "done" if deadline["done"] else f"due {deadline['due_at'][:16]}"
        click.echo(safe(f"  {state}: {deadline['rule']}"))


@action.command("list")
@click.argument("case_ref", metavar="CASE")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def action_list(session: Session, case_ref: str, as_json: bool) -> None:
    """Every action of a case, with its deadlines."""
    from onrecord.cases.records import find_case
    from onrecord.steps.models import Action
    from onrecord.steps.tracking import action_row, deadline_row
    from onrecord.vault.custody import utc_now

    session.open_vault()
    now = utc_now()
    rows = [
        action_row(a) | {"deadlines": [deadline_row(d, now) for d in a.deadlines.all()]}
        for a in Action.objects.filter(case=find_case(case_ref)).prefetch_related("deadlines")
    ]
    if as_json:
        session.print_json(rows)
        return
    if not rows:
        click.echo("No actions yet. `onrecord action add` records one.")
        return
    session.print_table(
        [
            [
                str(r["id"]),
                r["step"],
                r["kind"],
                r["target"],
                r["status"],
                r["reference"],
                (r["sent_at"] or "")[:10],
                str(sum(1 for d in r["deadlines"] if d["overdue"])),
            ]
            for r in rows
        ],
        ["id", "step", "kind", "target", "status", "reference", "sent", "overdue"],
    )


@click.command("next")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def next_(session: Session, as_json: bool) -> None:
    """What is due across every case: overdue first, then upcoming."""
    from onrecord.steps.tracking import deadline_row, due
    from onrecord.vault.custody import utc_now

    session.open_vault()
    now = utc_now()
    found = due(now)
    result = {
        "overdue": [deadline_row(d, now) for d in found.overdue],
        "upcoming": [deadline_row(d, now) for d in found.upcoming],
    }
    if as_json:
        session.print_json(result)
        return
    if not (result["overdue"] or result["upcoming"]):
        click.echo("Nothing is due. `onrecord plan CASE` shows what to do next.")
        return
    for label, rows in (("OVERDUE", result["overdue"]), ("due", result["upcoming"])):
        for row in rows:
            click.echo(
                safe(
                    f"{label:<8} {row['due_at'][:16]}  case {row['case']}, action {row['action']} "
                    f"({row['kind']} to {row['target']}): {row['rule']}"
                )
            )


COMMANDS = [plan, action, next_]
