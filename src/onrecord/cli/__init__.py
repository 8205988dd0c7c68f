"""The ``onrecord`` command: one entry point, a group of subcommands.

Commands open the vault through ``Session.open_vault``; every error onrecord raises on
purpose is printed as one plain message with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from onrecord.django_setup import setup_django

setup_django()  # before anything imports a model

from onrecord import __version__  # noqa: E402
from onrecord.cli.session import Session  # noqa: E402
from onrecord.errors import OnrecordError  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="onrecord")
@click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    help="Vault folder (default: ONRECORD_HOME, else your user data folder).",
)
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the vault passphrase from the first line of this file.",
)
@click.option("--operator", help="Name written in the custody log as the person acting.")
@click.pass_context
def cli(
    ctx: click.Context, home: Path | None, passphrase_file: Path | None, operator: str | None
) -> None:
    """onrecord puts online harassment on record and helps you act on it."""
    ctx.obj = Session(
        {
            "home": str(home) if home else None,
            "passphrase_file": str(passphrase_file) if passphrase_file else None,
            "operator": operator,
        }
    )
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from onrecord.cli import (
        capture_commands,
        case_commands,
        demo,
        document_commands,
        export_commands,
        import_commands,
        ocr_commands,
        ops_commands,
        reference_commands,
        server_commands,
        step_commands,
        triage_commands,
        vault_commands,
        web_commands,
    )

    for command in (
        *vault_commands.COMMANDS,
        *case_commands.COMMANDS,
        *import_commands.COMMANDS,
        *ocr_commands.COMMANDS,
        *capture_commands.COMMANDS,
        *triage_commands.COMMANDS,
        *reference_commands.COMMANDS,
        *document_commands.COMMANDS,
        *export_commands.COMMANDS,
        *step_commands.COMMANDS,
        *web_commands.COMMANDS,
        *server_commands.COMMANDS,
        *ops_commands.COMMANDS,
        demo.demo,
    ):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        code = cli.main(args=argv, prog_name="onrecord", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Stopped.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except OnrecordError as exc:
        click.echo(f"onrecord: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Stopped. What was finished is kept; run the command again.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["cli", "main"]
