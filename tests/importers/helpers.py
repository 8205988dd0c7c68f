"""Running one importer over a sample, as the import pipeline does, for parser tests."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

from onrecord.importers.base import ImportContext, ImportedItem, Importer, Unparsed
from onrecord.importers.source import Source

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"


def context(time_zone: str = "UTC") -> ImportContext:
    return ImportContext(time_zone=zoneinfo.ZoneInfo(time_zone), time_zone_name=time_zone)


def read_all(
    importer: Importer, path: Path, time_zone: str = "UTC"
) -> tuple[list[ImportedItem], list[Unparsed]]:
    """Every item and every unparsed record of every unit (errors propagate)."""
    items: list[ImportedItem] = []
    unparsed: list[Unparsed] = []
    ctx = context(time_zone)
    with Source.open(path) as source:
        for unit in importer.units(source, ctx):
            for record in importer.iter_items(source, unit, ctx):
                (unparsed if isinstance(record, Unparsed) else items).append(record)  # type: ignore[arg-type]
    return items, unparsed


def score(importer: Importer, path: Path) -> float:
    with Source.open(path) as source:
        return importer.score(source)
