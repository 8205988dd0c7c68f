"""Commands that look up reference data: where to report, which laws may apply.

They need no vault. Every fact printed is followed by its source and the date it was
checked; law lookups end with the reminder that a local lawyer decides.
"""

from __future__ import annotations

import dataclasses

import click

from onrecord.cli.session import Session, safe
from onrecord.reference import lookup
from onrecord.reference.lookup import (
    KIND_LABELS,
    NOT_LEGAL_ADVICE,
    LawInfo,
    Platform,
    Source,
    StateLaw,
)


def _source(source: Source, indent: str = "    ") -> str:
    return f"{indent}Source: {' ; '.join(source.urls)} (checked {source.checked_on.isoformat()})"


def _line(label: str, text: str, indent: str = "  ") -> None:
    if text:
        click.echo(f"{indent}{label}{text}")


@click.group("reference")
def reference() -> None:
    """Where to report abuse and which laws may apply: facts with sources, not advice."""


@reference.command("platform")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the channels as JSON.")
def platform_command(name: str, as_json: bool) -> None:
    """How to report each kind of abuse to a platform (NAME may be an alias, e.g. twitter)."""
    found = lookup.platform(name)
    if as_json:
        Session.print_json(dataclasses.asdict(found))
        return
    _print_platform(found)


def _print_platform(found: Platform) -> None:
    aliases = f" (also: {', '.join(found.aliases)})" if found.aliases else ""
    click.echo(f"{found.name}{aliases}")
    for kind in found.kinds:
        click.echo("")
        click.echo(f"{KIND_LABELS[kind]}:")
        for channel in found.channels_for(kind):
            click.echo(f"  {channel.how}")
            _line("Where: ", channel.url, "    ")
            _line("Note: ", channel.note, "    ")
            click.echo(_source(channel.source))
    missing = [KIND_LABELS[k].lower() for k in KIND_LABELS if k not in found.kinds]
    if missing:
        click.echo("")
        click.echo(f"Not in this data (not confirmed from a source): {', '.join(missing)}.")


@reference.command("law")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the laws as JSON.")
def law_command(code: str, as_json: bool) -> None:
    """Laws and legal categories for a place: US, US-CA, GB, CA, AU, EU, DE, IN (or a name)."""
    info = lookup.law(code)
    if as_json:
        Session.print_json({**dataclasses.asdict(info), "disclaimer": NOT_LEGAL_ADVICE})
        return
    _print_law(info)


def _print_law(info: LawInfo) -> None:
    click.echo(f"{info.name} ({info.code})")
    if info.fallback_note:
        click.echo(safe(info.fallback_note))
    if info.state is not None:
        _print_state(info.state)
    if info.statutes:
        click.echo("")
        heading = "Federal law" if info.code.startswith("US") else "Laws and schemes"
        click.echo(f"{heading}:")
        for statute in info.statutes:
            title = f": {statute.title}" if statute.title else ""
            click.echo(f"  {statute.citation}{title}")
            _line("", statute.summary, "    ")
            _line("Penalty or remedy: ", statute.penalty_or_remedy, "    ")
            _line("Note: ", statute.note, "    ")
            click.echo(_source(statute.source))
    if info.categories:
        click.echo("")
        click.echo("Categories the facts may fit (a lawyer decides whether any applies):")
        for category in info.categories:
            click.echo(f"  {category.name}: {category.basis}")
            click.echo(_source(category.source))
    click.echo("")
    click.echo(NOT_LEGAL_ADVICE)


def _print_state(state: StateLaw) -> None:
    click.echo("")
    click.echo(f"State law ({state.name}):")
    if state.harassment is not None:
        click.echo(f"  Harassment or stalking: {state.harassment.value}")
        click.echo(_source(state.harassment.source))
    if state.intimate_images is not None:
        citation = state.intimate_images.value or "citation not confirmed"
        click.echo(f"  Intimate images shared without consent: a state law exists ({citation})")
        click.echo(_source(state.intimate_images.source))
    if state.defamation is not None:
        limit = state.defamation
        years = f"{limit.years} year{'s' if limit.years != 1 else ''}" if limit.years else ""
        text = ", ".join(part for part in (years or "period not confirmed", limit.statute) if part)
        click.echo(f"  Time limit to sue for defamation (libel): {text}")
        click.echo(_source(limit.source))
    if state.anti_slapp is not None:
        detail = f"; {state.anti_slapp.detail}" if state.anti_slapp.detail else ""
        click.echo(f"  Anti-SLAPP statute: {state.anti_slapp.value}{detail}")
        click.echo(_source(state.anti_slapp.source))
    _line("Note: ", state.note)


@reference.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the lists as JSON.")
def list_command(as_json: bool) -> None:
    """List the platforms and jurisdictions the reference data covers."""
    names = [p.name for p in lookup.platforms()]
    codes = lookup.jurisdiction_codes()
    if as_json:
        Session.print_json(
            {"platforms": names, "jurisdictions": [{"code": c, "name": n} for c, n in codes]}
        )
        return
    click.echo(f"Platforms and services ({len(names)}):")
    for name in names:
        click.echo(f"  {name}")
    click.echo("")
    click.echo(f"Jurisdictions ({len(codes)}):")
    for code, name in codes:
        click.echo(f"  {code:<7} {name}")


COMMANDS = [reference]
