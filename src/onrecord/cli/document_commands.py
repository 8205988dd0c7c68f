"""``onrecord document``: make a document from a case, as PDF or plain text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from onrecord.cli.session import Session, safe
from onrecord.errors import InputError

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.argument("case_ref", metavar="CASE", required=False)
@click.argument("kind_key", metavar="KIND", required=False)
@click.option(
    "--items", "item_ids", type=int, multiple=True, help="Quote these items (repeatable)."
)
@click.option("--platform", help="Only items on this platform (e.g. for its DMCA agent).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here: a PDF when it ends in .pdf, else plain text.",
)
@click.option("--list", "list_kinds", is_flag=True, help="List the document kinds.")
@pass_session
def document(
    session: Session,
    case_ref: str | None,
    kind_key: str | None,
    item_ids: tuple[int, ...],
    platform: str | None,
    output: Path | None,
    list_kinds: bool,
) -> None:
    """Make a document from a case: police packet, IC3 worksheet, DMCA notice, ...

    Without --items, the worst items (by triage) are quoted. The file holds the harasser's
    words: keep it as safe as the vault.
    """
    from onrecord.documents import KINDS, Request, find_kind, render_document
    from onrecord.documents.render import Format

    if list_kinds:
        session.print_table([(k.key, k.title, k.summary) for k in KINDS], ("KIND", "TITLE", "WHAT"))
        return
    if not case_ref or not kind_key or output is None:
        raise InputError("Usage: onrecord document CASE KIND -o FILE (or --list for the kinds).")
    kind = find_kind(kind_key)
    from onrecord.cases.records import find_case, record_export

    vault = session.open_vault()
    case = find_case(case_ref)
    request = Request(vault, case, session.config.operator, item_ids, platform)
    fmt: Format = "pdf" if output.suffix.lower() == ".pdf" else "text"
    made = render_document(request, kind.key, fmt)
    try:
        output.write_bytes(made)
    except OSError as exc:
        raise InputError(f"Could not write {safe(output)}: {exc.strerror or exc}") from exc
    record_export(
        vault,
        case,
        session.config.operator,
        {
            "document": kind.key,
            "format": fmt,
            "sha256": hashlib.sha256(made).hexdigest(),
            "size": len(made),
            "items": sorted(item_ids),
            "platform": platform or "",
        },
    )
    click.echo(
        safe(f"Wrote {kind.title} for case {case.pk} to {output} ({fmt}, {len(made):,} bytes).")
    )


COMMANDS = [document]
