"""Reading the text in image exhibits: ``onrecord ocr``, and the step ``add`` runs after
storing pictures (``read_images``).

Reading is derived work: a picture whose text cannot be read stays stored and recorded,
the command says why, and ``add`` still succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from onrecord.cli.session import Session, safe
from onrecord.errors import InputError, OnrecordError

if TYPE_CHECKING:
    from onrecord.cases.models import Case, Evidence

pass_session = click.make_pass_decorator(Session)


def read_images(
    session: Session, case: Case, evidence: Sequence[Evidence], *, platform: str, echo: bool
) -> dict[int, dict[str, Any]]:
    """OCR each image among ``evidence``; one result per exhibit read, keyed by exhibit.

    Prints one line per picture as it goes (reading takes about a second each) unless
    ``echo`` is false. Exhibits that are not pictures are skipped silently.
    """
    from onrecord.cases.screenshots import is_image, read_screenshot

    vault = session.open_vault()
    results: dict[int, dict[str, Any]] = {}
    for exhibit in evidence:
        if not is_image(exhibit.media_type) or exhibit.purged_at is not None:
            continue
        result: dict[str, Any] = {"exhibit": exhibit.exhibit}
        try:
            reading = read_screenshot(
                vault, case, exhibit, platform=platform, operator=session.config.operator
            )
        except OnrecordError as exc:
            result["error"] = str(exc)
        except Exception as exc:  # the picture is stored; one failed read stops nothing
            result["error"] = f"the OCR engine failed on it ({type(exc).__name__}: {exc})"
        else:
            result |= {
                "layout": reading.layout.kind,
                "confidence": reading.layout.confidence,
                "messages": len(reading.layout.messages),
                "items_added": len(reading.items),
                "already_recorded": reading.already_recorded,
                "engine": reading.page.engine,
                "summary": reading.summary,
            }
        results[exhibit.exhibit] = result
        if echo and "error" in result:
            click.echo(
                f"no text read from exhibit {exhibit.exhibit} "
                f"({safe(exhibit.original_name)}): {safe(result['error'])}",
                err=True,
            )
        elif echo:
            click.echo(safe(result["summary"]))
    return results


def added_exhibits(case: Case, exhibits: Sequence[int | None]) -> list[Evidence]:
    """The evidence rows of the exhibits an ``add`` stored (numbers in order)."""
    from onrecord.cases.models import Evidence

    wanted = [n for n in exhibits if n is not None]
    found = {e.exhibit: e for e in Evidence.objects.filter(case=case, exhibit__in=wanted)}
    return [found[n] for n in wanted if n in found]


@click.command("ocr")
@click.argument("case_ref", metavar="CASE")
@click.argument("exhibits", nargs=-1, type=int)
@click.option(
    "--platform",
    default="screenshot",
    show_default=True,
    help="Platform the pictures show (recorded on each item).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one result per picture as JSON.")
@pass_session
def ocr(
    session: Session, case_ref: str, exhibits: tuple[int, ...], platform: str, as_json: bool
) -> None:
    """Read the text in picture exhibits (all of the case's when none are named).

    Each message read becomes an item pointing at the picture; reading again adds only
    what was not recorded before. Text is not shown here.
    """
    from onrecord.cases.models import Evidence
    from onrecord.cases.records import find_case

    session.open_vault()
    chosen = find_case(case_ref)
    query = Evidence.objects.filter(case=chosen).order_by("exhibit")
    rows = list(query.filter(exhibit__in=exhibits) if exhibits else query)
    missing = sorted(set(exhibits) - {e.exhibit for e in rows})
    if missing:
        raise InputError(
            f"Case {chosen.pk} has no exhibit {', '.join(map(str, missing))}. "
            f"`onrecord case show {chosen.pk}` lists its exhibits."
        )
    results = read_images(session, chosen, rows, platform=platform, echo=not as_json)
    if as_json:
        session.print_json(list(results.values()))
    elif not results:
        click.echo("No pictures to read among those exhibits.")
    else:
        added = sum(r.get("items_added", 0) for r in results.values())
        click.echo(f"{added} new item(s) from {len(results)} picture(s) in case {chosen.pk}.")
    if any("error" in r for r in results.values()) and exhibits:
        raise click.exceptions.Exit(1)


COMMANDS = [ocr]
