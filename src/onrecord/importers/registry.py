"""The ordered list of importers, and detection: the best score wins, earlier on a tie."""

from __future__ import annotations

from onrecord.errors import InputError
from onrecord.importers import (
    bluesky,
    discord_exporter,
    discord_package,
    email_eml,
    email_mbox,
    generic_csv,
    mastodon,
    meta_dyi,
    reddit,
    slack,
    sms_backup,
    telegram,
    whatsapp,
    x_archive,
)
from onrecord.importers.base import Importer
from onrecord.importers.source import Source

# Specific formats first; on equal scores the earlier one wins. The generic CSV importer
# scores low on purpose, so it is chosen only when nothing else recognises the input.
IMPORTERS: list[Importer] = [
    x_archive.IMPORTER,
    mastodon.IMPORTER,
    bluesky.IMPORTER,
    discord_exporter.IMPORTER,
    discord_package.IMPORTER,
    slack.IMPORTER,
    telegram.IMPORTER,
    whatsapp.IMPORTER,
    meta_dyi.IMPORTER,
    reddit.IMPORTER,
    email_eml.IMPORTER,
    email_mbox.IMPORTER,
    sms_backup.IMPORTER,
    generic_csv.IMPORTER,
]

MIN_SCORE = 0.05


def importer_by_key(key: str) -> Importer:
    for importer in IMPORTERS:
        if importer.key == key:
            return importer
    known = ", ".join(i.key for i in IMPORTERS)
    raise InputError(f"There is no format {key!r}. Known formats: {known}.")


def detect(source: Source) -> Importer:
    """The importer that recognises ``source`` best; InputError when none does."""
    best: Importer | None = None
    best_score = 0.0
    for importer in IMPORTERS:
        score = importer.score(source)
        if score > best_score:
            best, best_score = importer, score
    if best is None or best_score < MIN_SCORE:
        raise InputError(
            f"Could not tell what kind of export {source.name} is. `onrecord formats` lists "
            "what onrecord reads; name one with --format (for any spreadsheet: --format csv)."
        )
    return best
