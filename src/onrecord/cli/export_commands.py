"""``onrecord export``: a BagIt bag of a case (or chosen items) anyone can check."""

from __future__ import annotations

from pathlib import Path

import click

from onrecord.cli.session import Session, safe

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="A new (or empty) folder for the bag.",
)
@click.option(
    "--items",
    "item_ids",
    type=int,
    multiple=True,
    help="Only these items, their exhibits and their custody entries (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was exported as JSON.")
@pass_session
def export(
    session: Session, case_ref: str, output: Path, item_ids: tuple[int, ...], as_json: bool
) -> None:
    """Export a case as a BagIt bag that police, platforms and courts can check.

    The bag holds the original files, their metadata, the messages, their custody-log
    entries with inclusion proofs, the signed log head, and data/verify_bag.py, which
    checks it all with plain Python. With --items, nothing else of the case is in it.
    The bag holds the harasser's words and your files: keep it as safe as the vault.
    """
    from onrecord.cases.records import find_case
    from onrecord.export import export_bag
    from onrecord.export.bag import check_target

    check_target(output)
    vault = session.open_vault()
    case = find_case(case_ref)
    report = export_bag(vault, case, output, session.config.operator, item_ids)
    if as_json:
        session.print_json(
            {
                "path": str(report.path),
                "exhibits": report.exhibits,
                "items": report.items,
                "entries": report.entries,
                "tree_size": report.tree_size,
                "root_hash": report.root_hash,
                "payload_bytes": report.payload_bytes,
                "files": report.files,
                "tagmanifest_sha256": report.tagmanifest_sha256,
                "case_file": report.case_file,
            }
        )
        return
    click.echo(
        safe(
            f"Wrote a BagIt bag of case {case.pk} to {report.path}: "
            f"{len(report.exhibits)} exhibit(s), {len(report.items)} item(s), "
            f"{report.entries} custody entries, {report.payload_bytes:,} bytes."
        )
    )
    if report.case_file != "included":
        click.echo(safe(f"Police packet {report.case_file}."))
    click.echo(safe(f"Check it with: python {report.path / 'data' / 'verify_bag.py'}"))
    click.echo(f"Tag manifest SHA-256 (recorded in the custody log): {report.tagmanifest_sha256}")


COMMANDS = [export]
