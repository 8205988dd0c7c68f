"""The documents onrecord makes from a case: one literal, ordered list.

Each kind has a key (the CLI's KIND), a title, a function building its data from the case
(plain JSON-ready values, quoted text included), a Typst template that reads that data,
and a plain-text renderer for pasting into web forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onrecord.documents.casefile import case_file_text, lawyer_case_file
from onrecord.documents.demands import (
    cease_and_desist,
    cease_text,
    preservation_request,
    preservation_text,
)
from onrecord.documents.facts import Request
from onrecord.documents.letters import dmca_notice, dmca_text, takedown_request, takedown_text
from onrecord.documents.notices import (
    dsa_notice,
    gdpr_erasure,
    notice_text,
    search_removal,
    take_it_down_notice,
)
from onrecord.documents.police import ic3_text, ic3_worksheet, police_packet, police_text
from onrecord.documents.reports import platform_report, platform_text, public_reply, reply_text
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
    DocumentKind(
        "take-it-down-notice",
        "TAKE IT DOWN Act removal request",
        "The four elements of 47 U.S.C. 223a(a)(1)(B); the platform's 48-hour removal duty.",
        take_it_down_notice,
        "notice.typ",
        notice_text,
    ),
    DocumentKind(
        "dsa-notice",
        "EU Digital Services Act notice",
        "The four elements of a DSA Article 16 notice, for a hosting service in the EU.",
        dsa_notice,
        "notice.typ",
        notice_text,
    ),
    DocumentKind(
        "gdpr-erasure",
        "GDPR erasure request",
        "A GDPR Article 17 request to erase your personal data, with the answer due in a month.",
        gdpr_erasure,
        "notice.typ",
        notice_text,
    ),
    DocumentKind(
        "search-removal",
        "Search-engine removal request",
        "Asks Google or Bing to stop showing pages with your personal information.",
        search_removal,
        "notice.typ",
        notice_text,
    ),
    DocumentKind(
        "platform-report",
        "Platform report",
        "For each platform, the channel for each kind of abuse found, the rule, text to paste.",
        platform_report,
        "platform-report.typ",
        platform_text,
    ),
    DocumentKind(
        "public-reply",
        "Public reply or correction (draft)",
        "Not replying first; the pile-on risk; a calm, factual reply to post if you choose.",
        public_reply,
        "public-reply.typ",
        reply_text,
    ),
    DocumentKind(
        "cease-and-desist",
        "Cease and desist letter",
        "To the poster: the conduct quoted, what must stop by when, the categories it may fit.",
        cease_and_desist,
        "cease-and-desist.typ",
        cease_text,
    ),
    DocumentKind(
        "preservation-request",
        "Preservation request",
        "To a platform: keep the accounts' data and the listed items for a legal matter.",
        preservation_request,
        "preservation-request.typ",
        preservation_text,
    ),
    DocumentKind(
        "lawyer-case-file",
        "Case file for a lawyer",
        "Summary, timeline chart, actors, exhibits with proofs, categories, dates, journal.",
        lawyer_case_file,
        "lawyer-case-file.typ",
        case_file_text,
    ),
]


def find_kind(key: str) -> DocumentKind:
    """A document kind by its key."""
    for kind in KINDS:
        if kind.key == key.strip().lower():
            return kind
    known = ", ".join(k.key for k in KINDS)
    raise InputError(f"No document kind {key!r}. Kinds: {known} (`onrecord document --list`).")
