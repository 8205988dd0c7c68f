"""``onrecord demo``: a vault with a synthetic case, and a look at what was made."""

from __future__ import annotations

import click

from onrecord.cli.session import Session
from onrecord.vault.home import Vault

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.option(
    "--serve/--no-serve",
    "serve",
    default=None,
    help="Then open the web app on the demo case (default: when run in a terminal, not in CI).",
)
@pass_session
@click.pass_context
def demo(ctx: click.Context, session: Session, serve: bool | None) -> None:
    """Create the vault if needed and a demo case from synthetic data, then show it."""
    from collections import Counter

    from onrecord.analysis.severity import LEVEL_NAMES
    from onrecord.cases.models import Triage
    from onrecord.cases.triage import triage_case
    from onrecord.cases.verify import verify
    from onrecord.cli.case_commands import case_show
    from onrecord.cli.vault_commands import init
    from onrecord.demo import build_demo_case, existing_demo_case

    home = session.config.home
    if not Vault.exists(home):
        ctx.invoke(init)
    vault = session.open_vault()
    case = existing_demo_case()
    if case is None:
        case = build_demo_case(vault, session.config.operator)
        triage_case(vault, case, session.config.operator)
        click.echo(f"\nBuilt the demo case (number {case.pk}) from synthetic data.\n")
    else:
        click.echo(f"\nThe demo case is already in this vault (number {case.pk}).\n")
    ctx.invoke(case_show, case_ref=str(case.pk), as_json=False)
    levels = Counter(Triage.objects.filter(item__case=case).values_list("level", flat=True))
    if levels:
        found = ", ".join(f"{levels[n]} {n}" for n in LEVEL_NAMES if levels[n])
        click.echo(f"\nTriage (offline, text not shown): {found}.")
    head = vault.log(case.log_name).latest_head()
    if head is not None:
        click.echo(
            f"\nCustody log: {head.tree_size} entries under a signed head "
            f"(root {head.root_hash[:16]}…)."
        )
    checks = verify(vault, case)
    bad = [c for c in checks if not c.is_ok]
    click.echo(f"Verify: {len(checks) - len(bad)} of {len(checks)} checks ok.")
    click.echo(
        f"\nVault: {home}\nNext:\n  onrecord items {case.pk} --min-severity high\n"
        f"  onrecord document {case.pk} police-packet -o police.pdf\n"
        f"  onrecord log {case.pk}\n  onrecord verify\n  onrecord --help"
    )
    if bad:
        raise click.exceptions.Exit(1)
    if serve is None:
        serve = _interactive()
    if serve:
        from onrecord.cli.web_commands import run_app

        click.echo("\nOpening the web app on the demo case in your browser.")
        run_app(session, path=f"/cases/{case.pk}/")
    else:
        click.echo(
            "\nTo use it in your browser: onrecord serve  (then unlock it with your passphrase "
            f"and open case {case.pk})."
        )


def _interactive() -> bool:
    """A person at a terminal, not a script or CI (the README's quick start must not hang)."""
    import sys

    from onrecord.config import running_in_ci

    return sys.stdin.isatty() and sys.stdout.isatty() and not running_in_ci()
