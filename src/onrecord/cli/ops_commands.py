"""Operations commands: ``onrecord backup`` and ``onrecord restore``.

They work for the laptop vault and the organisation server alike; the backup folder's
layout and the checks a restore makes are in ``onrecord.server.backup``.
"""

from __future__ import annotations

from pathlib import Path

import click

from onrecord.cli.session import Session, safe

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="New or empty folder to write the backup into.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_session
def backup(session: Session, output: Path, as_json: bool) -> None:
    """Back up the vault: database, evidence and key files, with a signed manifest.

    On the organisation server the database is dumped with pg_dump (ONRECORD_DATABASE_URL);
    on a laptop the encrypted database file is copied consistently while in use.
    """
    from onrecord.server.backup import backup_vault

    vault = session.open_vault()
    report = backup_vault(
        vault,
        output,
        operator=session.config.operator,
        database_url=session.config.database_url,
    )
    if as_json:
        session.print_json(report.as_json())
        return
    click.echo(
        f"Backed up the vault to {safe(output)}: the {report.database} database, "
        f"{report.blobs} evidence file(s), the key files; {report.files} files, "
        f"{report.bytes:,} bytes, each hashed in manifest.json (signed by the vault's key)."
    )
    click.echo(
        "Keep the backup as safe as the vault: with the passphrase, it opens everything. "
        "`onrecord restore` brings it back."
    )


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--home",
    "target_home",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="New or empty vault folder to restore into.",
)
@click.option(
    "--database-url",
    default="",
    help="Organisation server backups: the empty PostgreSQL database to restore into "
    "(postgresql://user@host:5432/name).",
)
@click.option(
    "--allow-damaged",
    is_flag=True,
    help="Restore even files that do not match the manifest, so that `onrecord verify` "
    "can name the exhibits affected.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was restored as JSON.")
@pass_session
def restore(
    session: Session,
    folder: Path,
    target_home: Path,
    database_url: str,
    allow_damaged: bool,
    as_json: bool,
) -> None:
    """Restore a backup made by `onrecord backup` into a new vault folder (and database)."""
    from onrecord.server.backup import read_manifest, restore_vault
    from onrecord.vault.home import VaultInfo

    read_manifest(folder)  # a damaged or foreign backup fails before the passphrase is asked
    info = VaultInfo.read(folder / "vault")
    report = restore_vault(
        folder,
        target_home,
        database_url=database_url,
        passphrase=session.passphrase() if info.encrypted else None,
        operator=session.config.operator,
        allow_damaged=allow_damaged,
    )
    if as_json:
        session.print_json(report.as_json())
        return
    click.echo(
        f"Restored {report.files} file(s) and the {report.database} database into "
        f"{safe(target_home)}."
    )
    if report.damaged:
        click.secho(
            f"{len(report.damaged)} file(s) did not match the backup's manifest and were "
            "restored as they are:",
            fg="yellow",
            err=True,
        )
        for problem in report.damaged:
            click.echo(f"  {safe(problem)}", err=True)
    click.echo("Run `onrecord verify` on the restored vault to check every exhibit and log.")


COMMANDS = [backup, restore]
