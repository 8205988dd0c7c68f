"""The documents onrecord makes from a case: one literal, ordered list.

Each kind has a key (the CLI's KIND), a title, a function building its data from the case
(plain JSON-ready values, quoted text included), a Typst template that reads that data,
and a plain-text renderer for pasting into web forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onrecord.documents.facts import Request
from onrecord.documents.letters import dmca_notice, dmca_text, takedown_request, takedown_text
from onrecord.documents.police import ic3_text, ic3_worksheet, police_packet, police_text
from onrecord.errors import InputError


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document and how it is made."""

    key: str
    title: str
    summary: str
    build: Callable[[Request], dict[str, Any]]
    template: str  # file name under documents/templates
    text: Callable[[dict[str, Any]], str]


KINDS: list[DocumentKind] = [
    DocumentKind(
        "police-packet",
        "Police report packet",
        "Summary, timeline, the worst items quoted with exhibit hashes, suspects, exhibit list.",
        police_packet,
        "police-packet.typ",
        police_text,
    ),
    DocumentKind(
        "ic3-worksheet",
        "IC3 complaint worksheet",
        "The FBI IC3 form's sections (victim, money, incident, subject, other), ready to paste.",
        ic3_worksheet,
        "ic3-worksheet.typ",
        ic3_text,
    ),
    DocumentKind(
        "dmca-notice",
        "DMCA takedown notice",
        "The six elements of 17 U.S.C. 512(c)(3)(A); for material whose copyright you own.",
        dmca_notice,
        "dmca-notice.typ",
        dmca_text,
    ),
    DocumentKind(
        "takedown-request",
        "Request to take down",
        "A calm, factual request to the poster to remove the quoted items and stop.",
        takedown_request,
        "takedown-request.typ",
        takedown_text,
    ),
]


def find_kind(key: str) -> DocumentKind:
    """A document kind by its key."""
    for kind in KINDS:
        if kind.key == key.strip().lower():
            return kind
    known = ", ".join(k.key for k in KINDS)
    raise InputError(f"No document kind {key!r}. Kinds: {known} (`onrecord document --list`).")
