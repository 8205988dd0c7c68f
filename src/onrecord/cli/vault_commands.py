"""Commands about the vault itself: init, config, verify, log, purge, passphrase."""

from __future__ import annotations

from typing import Any

import click

from onrecord.cli.session import Session
from onrecord.config import describe
from onrecord.errors import DatabaseAlteredError, InputError
from onrecord.vault.home import Vault
from onrecord.vault.models import TreeHead

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.option(
    "--no-encryption",
    is_flag=True,
    help="Keep the vault unencrypted (anyone with this computer can read it).",
)
@click.option("--no-recovery-key", is_flag=True, help="Do not make a recovery key.")
@pass_session
def init(session: Session, no_encryption: bool, no_recovery_key: bool) -> None:
    """Create the vault, or upgrade an existing one (safe to run again)."""
    home = session.config.home
    if Vault.exists(home):
        vault = session.open_vault(upgrade=True)
        click.echo(f"The vault at {home} is ready and up to date.")
        vault.close()
        return
    passphrase: str | None = None
    if no_encryption:
        click.secho(
            "Warning: this vault will NOT be encrypted. Anyone who can use this computer, "
            "or take it, can read everything in it.",
            fg="yellow",
            err=True,
        )
    else:
        passphrase = session.passphrase(confirm=True, prompt="Choose a vault passphrase")
    vault, recovery = Vault.create(
        home,
        passphrase=passphrase,
        kdf=session.kdf_params(),
        database_url=session.config.database_url,
        with_recovery=not no_recovery_key,
    )
    session.vault = vault
    click.echo(f"Created an {'encrypted' if passphrase else 'UNENCRYPTED'} vault at {home}.")
    if recovery:
        click.echo(
            "\nYour recovery key (shown once; write it on paper and keep it somewhere safe —\n"
            "it opens the vault if you forget the passphrase):\n\n    " + recovery + "\n"
        )


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_session
def config_command(session: Session, as_json: bool) -> None:
    """Show every setting, its value, and where the value came from."""
    rows = describe(session.config)
    if as_json:
        session.print_json(rows)
        return
    session.print_table(
        [[r["name"], r["value"], r["origin"], r["env"]] for r in rows],
        ["setting", "value", "from", "environment variable"],
    )


@click.command()
@click.argument("case", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print every check as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print only what is not ok.")
@pass_session
def verify(session: Session, case: str | None, as_json: bool, quiet: bool) -> None:
    """Re-hash every exhibit and check every custody-log entry and signed head.

    Exit 0 only when everything is ok; 'could not check' is never ok.
    """
    from onrecord.cases.records import find_case
    from onrecord.cases.verify import bytes_to_verify
    from onrecord.cases.verify import verify as run_verify

    try:
        vault = session.open_vault()
    except DatabaseAlteredError as exc:
        if as_json:
            session.print_json(
                {
                    "ok": False,
                    "checks": [
                        {"subject": "database file", "state": "altered", "detail": str(exc)}
                    ],
                }
            )
        else:
            click.echo(f"altered          database file: {exc}")
            click.echo("NOT everything verified: the database cannot be opened.")
        raise click.exceptions.Exit(1) from None
    chosen = find_case(case) if case else None
    with session.progress(bytes_to_verify(chosen), "Verifying") as progress:
        checks = run_verify(vault, chosen, progress)
    bad = [c for c in checks if not c.is_ok]
    if as_json:
        session.print_json({"ok": not bad, "checks": [c.as_dict() for c in checks]})
    else:
        for check in checks:
            if quiet and check.is_ok:
                continue
            click.echo(
                f"{check.state:<16} {check.subject}" + (f": {check.detail}" if check.detail else "")
            )
        counts: dict[str, int] = {}
        for check in checks:
            counts[check.state] = counts.get(check.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        click.echo(("Everything verified: " if not bad else "NOT everything verified: ") + summary)
    if bad:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("case")
@click.option("--json", "as_json", is_flag=True, help="Print entries, heads and proofs as JSON.")
@click.option("--proof", type=int, help="Also give the inclusion proof of this entry.")
@pass_session
def log(session: Session, case: str, as_json: bool, proof: int | None) -> None:
    """Show a case's custody log in plain words (or `vault` for the vault's own log)."""
    from onrecord.cases.narrate import describe_entry
    from onrecord.cases.records import find_case
    from onrecord.vault.custody import entry_body, iso_utc, proof_hex

    vault = session.open_vault()
    name = "vault" if case == "vault" else find_case(case).log_name
    custody = vault.log(name)
    entries = custody.entries()
    heads = custody.heads()
    result: dict[str, Any] = {
        "log": name,
        "entries": [entry_body(e) | {"leaf_hash": e.leaf_hash} for e in entries],
        "heads": [
            {
                "tree_size": h.tree_size,
                "root_hash": h.root_hash,
                "timestamp": iso_utc(h.timestamp),
                "key_id": h.key_id,
                "signature": h.signature,
            }
            for h in heads
        ],
        "public_key": vault.info.public_key,
    }
    if proof is not None:
        if not heads or not 0 <= proof < heads[-1].tree_size:
            raise InputError(f"There is no signed entry {proof} in this log.")
        result["inclusion_proof"] = {
            "index": proof,
            "tree_size": heads[-1].tree_size,
            "root_hash": heads[-1].root_hash,
            "proof": proof_hex(custody.inclusion_proof(proof, heads[-1].tree_size)),
            "timestamps": head_timestamps(name, heads[-1]),
        }
    if as_json:
        session.print_json(result)
        return
    for entry in entries:
        body = entry_body(entry)
        click.echo(
            f"#{entry.index:<5} {body['time'][:19].replace('T', ' ')} UTC  {body['by']}: "
            f"{describe_entry(body)}"
        )
    if heads:
        last = heads[-1]
        click.echo(
            f"\nLast signed head: {last.tree_size} entries, root {last.root_hash[:16]}…, "
            f"signed {iso_utc(last.timestamp)} by key {last.key_id[:16]}…"
        )
    if "inclusion_proof" in result:
        p = result["inclusion_proof"]
        click.echo(f"Inclusion proof of entry {proof}: {len(p['proof'])} hashes:")
        for h in p["proof"]:
            click.echo(f"  {h}")
        for t in p["timestamps"]:
            click.echo(
                f"That head was timestamped {t['gen_time']} by {t['tsa']} "
                f"(RFC 3161 token, {t['state']})."
            )


def head_timestamps(log_name: str, head: TreeHead) -> list[dict[str, str]]:
    """The RFC 3161 tokens over a head: when, by whom, checked now, and the token itself."""
    import base64
    import hashlib

    from onrecord.vault.custody import head_message, head_timestamp
    from onrecord.vault.timestamp import chain_der, head_subject, tokens_for, verify_token

    message = head_message(log_name, head.tree_size, head.root_hash, head_timestamp(head))
    shown = []
    for token in tokens_for("head", head_subject(log_name, head.tree_size)):
        check = verify_token(bytes(token.token), hashlib.sha256(message).digest(), chain_der(token))
        shown.append(
            {
                "gen_time": f"{token.gen_time:%Y-%m-%d %H:%M:%S} UTC",
                "tsa": check.tsa_name,
                "tsa_url": token.tsa_url,
                "state": check.state,
                "token": base64.b64encode(bytes(token.token)).decode(),
            }
        )
    return shown


@click.command()
@click.argument("case")
@click.option(
    "--exhibit",
    "exhibits",
    type=int,
    multiple=True,
    help="Purge only this exhibit (repeatable); without it, the whole case.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_session
def purge(session: Session, case: str, exhibits: tuple[int, ...], yes: bool) -> None:
    """Quick delete: remove a case (or exhibits) for good; the fact of deletion is logged."""
    from onrecord.cases.records import find_case, purge_case, purge_exhibits

    vault = session.open_vault()
    chosen = find_case(case)
    what = (
        f"exhibit(s) {', '.join(map(str, exhibits))} of case {chosen.pk}"
        if exhibits
        else f"case {chosen.pk} ({chosen.title}) and all its evidence"
    )
    if not yes:
        click.confirm(f"Delete {what} for good? This cannot be undone", abort=True)
    operator = session.config.operator
    if exhibits:
        done = purge_exhibits(vault, chosen, exhibits, operator)
        click.echo(f"Purged exhibit(s) {', '.join(map(str, done))}; the custody log records it.")
    else:
        report = purge_case(vault, chosen, operator)
        click.echo(
            f"Purged case {report.case_number}: {report.exhibits} exhibit(s), {report.items} "
            f"item(s). The vault's own log records that it was purged."
        )


@click.group()
def passphrase() -> None:
    """Change the vault passphrase."""


@passphrase.command("change")
@click.option(
    "--new-passphrase-file",
    type=click.Path(dir_okay=False),
    help="Read the new passphrase from this file (for scripts).",
)
@pass_session
def passphrase_change(session: Session, new_passphrase_file: str | None) -> None:
    """Re-wrap the master key under a new passphrase (nothing else is re-encrypted)."""
    from pathlib import Path

    from onrecord.config import read_secret_file

    vault = session.open_vault()
    if new_passphrase_file:
        new = read_secret_file(Path(new_passphrase_file))
    else:
        new = click.prompt("New passphrase", hide_input=True, confirmation_prompt=True)
    vault.change_passphrase(new, session.kdf_params())
    from django.db import transaction

    with transaction.atomic():
        vault.log("vault").append("vault.passphrase_change", session.config.operator, {})
        vault.log("vault").seal(vault.signer)
    click.echo("The passphrase is changed. The old one no longer opens the vault.")


COMMANDS = [init, config_command, verify, log, purge, passphrase]
