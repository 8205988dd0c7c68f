"""The facts of a case as plain data for documents: quoted items, exhibits, suspects.

Everything here is JSON-ready (strings, numbers, lists, dicts) because it travels to Typst
as data, never as markup. A value the case cannot supply is a placeholder,
``{"fill": "what to write"}``, which every output marks clearly for the person to fill.

Quoted text is exact, with one exception made visible: invisible control and direction
characters (which a PDF cannot show and which can reorder a line on screen) are written
as ``<U+hex code>`` (e.g. ``<U+202E>``); the exhibit's SHA-256 pins the original bytes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from onrecord import __version__
from onrecord.cases.models import Account, Case, Evidence, Item, JournalEntry, Party
from onrecord.errors import InputError
from onrecord.reference.lookup import NOT_LEGAL_ADVICE, ReferenceNotFoundError, law
from onrecord.vault.custody import iso_utc, utc_now
from onrecord.vault.home import Vault

WORST_LIMIT = 10
KEEP_FORMAT = frozenset({"\n", "\t", "\u200c", "\u200d"})  # line breaks, tabs, emoji joiners
NOT_LEGAL_ADVICE_LINE = NOT_LEGAL_ADVICE
MAY_FIT_LINE = (
    "onrecord does not decide whether anything here breaks a law: it lists legal categories "
    "the facts may fit, with their sources; a lawyer where you live decides."
)
CONTROL_NOTE = (
    "Quotes are exact. Invisible control or text-direction characters in a message are shown "
    "as <U+hex code> (e.g. <U+202E>); the exhibit's SHA-256 identifies the original bytes."
)
# Triage labels and the legal categories (reference data keys) their facts may fit.
CATEGORIES_BY_LABEL: dict[str, tuple[str, ...]] = {
    "threat": ("true_threats", "stalking"),
    "extortion": ("extortion",),
    "doxing": ("doxing", "private_facts", "stalking"),
    "sexual_harassment": ("stalking", "iied"),
    "defamation_risk": ("defamation", "false_light"),
    "self_harm_incitement": ("iied",),
    "targeted_insult": ("stalking",),
    "identity_attack": ("stalking",),
}


def fill(what: str) -> dict[str, str]:
    """A placeholder the person fills in: ``what`` says what belongs there."""
    return {"fill": what}


def visible(text: str) -> str:
    """``text`` exactly; invisible control and direction characters shown as ``<U+202E>``."""
    out = []
    for char in text.replace("\r\n", "\n"):
        category = unicodedata.category(char)
        hidden = category in {"Cc", "Cf", "Cs", "Co"} and char not in KEEP_FORMAT
        if hidden and not 0xE0020 <= ord(char) <= 0xE007F:  # emoji tag sequences stay
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class Request:
    """What a document is made from: the case, and which items and platform it is about."""

    vault: Vault
    case: Case
    operator: str
    item_ids: tuple[int, ...] = ()
    platform: str | None = None
    limit: int = WORST_LIMIT
    now: dt.datetime = field(default_factory=utc_now)

    @property
    def zone(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.case.time_zone)


def when(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    """``2026-10-14 23:52 PDT (UTC-07:00)`` in the case's time zone, or "time unknown"."""
    if moment is None:
        return "time unknown"
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def account_label(account: Account | None) -> str:
    """``@handle on platform`` (or the id or display name when there is no handle)."""
    if account is None:
        return "unknown sender"
    name = account.handle or account.platform_id or account.display_name or "unnamed"
    return f"{visible(name)} on {visible(account.platform)}"


def selected_items(request: Request) -> list[Item]:
    """The items a document quotes: those asked for, else the worst (highest severity first).

    Items without triage count as the lowest. Only the latest version of an edited item is
    taken, unless an earlier version is asked for by its id.
    """
    query = Item.objects.filter(case=request.case).select_related("author", "triage", "evidence")
    if request.platform:
        query = query.filter(platform__iexact=request.platform)
    if request.item_ids:
        found = {item.pk: item for item in query.filter(pk__in=request.item_ids)}
        missing = [str(i) for i in request.item_ids if i not in found]
        if missing:
            where = f" on {request.platform}" if request.platform else ""
            raise InputError(
                f"Case {request.case.pk} has no item {', '.join(missing)}{where}. "
                f"`onrecord items {request.case.pk}` lists them."
            )
        chosen = list(found.values())
    else:
        superseded = latest_only(request.case)
        chosen = [item for item in query if item.pk not in superseded]
    chosen.sort(key=lambda i: (-_severity(i), i.sent_at or dt.datetime.max.replace(tzinfo=dt.UTC)))
    if not request.item_ids:
        harmful = [i for i in chosen if _severity(i) > 0]
        chosen = (harmful or chosen)[: request.limit]
    return chosen


def latest_only(case: Case) -> set[int]:
    """The ids of items replaced by a later version. (One query: filtering on
    ``later_versions__isnull`` makes SQLite join the table to itself, seconds per 10,000.)"""
    query = Item.objects.filter(case=case, previous_version__isnull=False)
    return set(query.values_list("previous_version_id", flat=True))


def _severity(item: Item) -> float:
    triage = getattr(item, "triage", None)
    return float(triage.severity) if triage is not None else -1.0


def quote(item: Item, zone: dt.tzinfo) -> dict[str, Any]:
    """One item for a document: where, when, who, how bad, the exact words and its exhibit."""
    triage = getattr(item, "triage", None)
    evidence = item.evidence
    return {
        "id": item.pk,
        "platform": visible(item.platform),
        "kind": item.kind,
        "author": account_label(item.author),
        "sent": when(item.sent_at, zone),
        "sent_original": visible(item.sent_at_original),
        "time_zone_assumed": item.time_zone_assumed,
        "url": visible(item.url),
        "level": triage.level if triage is not None else "not triaged",
        "labels": [label.replace("_", " ") for label in triage.labels] if triage else [],
        "text": visible(item.text),
        "deleted_at_source": item.deleted_at_source or item.gone_from_source_at is not None,
        "exhibit": _exhibit_ref(evidence, item.position) if evidence is not None else None,
    }


def _exhibit_ref(evidence: Evidence, position: str) -> dict[str, Any]:
    return {
        "number": evidence.exhibit,
        "name": visible(evidence.original_name),
        "sha256": evidence.sha256,
        "position": visible(position),
    }


def timeline(items: list[dict[str, Any]], originals: list[Item]) -> list[dict[str, Any]]:
    """The quoted items in time order (items without a time last)."""
    order = sorted(
        zip(items, originals, strict=True),
        key=lambda pair: (pair[1].sent_at is None, pair[1].sent_at or dt.datetime.min, pair[1].pk),
    )
    return [quoted for quoted, _item in order]


def exhibits(case: Case) -> list[dict[str, Any]]:
    """Every exhibit of the case: number, file, SHA-256, and acquired when, by whom, how."""
    zone = zoneinfo.ZoneInfo(case.time_zone)
    return [
        {
            "number": e.exhibit,
            "name": visible(e.original_name),
            "sha256": e.sha256,
            "size": e.size,
            "media_type": visible(e.media_type),
            "acquired_at": when(e.acquired_at, zone),
            "acquired_by": visible(e.acquired_by),
            "method": f"{visible(e.method)} ({visible(e.tool)} {visible(e.tool_version)})",
            "source_url": visible(e.source_url),
            "note": visible(e.note),
            "log_index": e.log_index,
            "purged": when(e.purged_at, zone) if e.purged_at else "",
        }
        for e in Evidence.objects.filter(case=case).select_related("blob").order_by("exhibit")
    ]


def suspects(case: Case, quoted: list[Item]) -> list[dict[str, Any]]:
    """Accounts that wrote the quoted items or belong to a suspect: every identifier known."""
    ids = {i.author_id for i in quoted if i.author_id is not None}
    query = Account.objects.filter(case=case).select_related("party")
    found = [a for a in query.order_by("pk") if a.pk in ids or _is_suspect(a)]
    rows = []
    for account in found:
        urls = [account.url] if account.url else []
        seen = Item.objects.filter(author=account).exclude(url="").values_list("url", flat=True)
        urls += [u for u in seen.order_by("pk")[:20] if u not in urls]
        rows.append(
            {
                "platform": visible(account.platform),
                "handle": visible(account.handle),
                "platform_id": visible(account.platform_id or ""),
                "display_name": visible(account.display_name),
                "names_seen": [visible(str(n)) for n in account.names_seen],
                "urls": [visible(u) for u in urls],
                "party": visible(account.party.name) if account.party else "",
                "items": Item.objects.filter(author=account).count(),
            }
        )
    return rows


def _is_suspect(account: Account) -> bool:
    return account.party is not None and account.party.role == Party.Role.SUSPECT


def parties(case: Case, role: str) -> list[str]:
    return [visible(p.name) for p in Party.objects.filter(case=case, role=role).order_by("pk")]


def journal(case: Case) -> list[dict[str, Any]]:
    """The impact and cost journal."""
    return [
        {
            "date": entry.date.isoformat(),
            "what": visible(entry.what_happened),
            "impact": visible(entry.impact),
            "cost": f"{entry.cost} {entry.currency}".strip() if entry.cost is not None else "",
        }
        for entry in JournalEntry.objects.filter(case=case).order_by("date", "pk")
    ]


def custody(vault: Vault, case: Case) -> dict[str, Any]:
    """The case log's latest signed head: what a recipient checks the exhibits against."""
    head = vault.log(case.log_name).latest_head()
    return {
        "log": case.log_name,
        "tree_size": head.tree_size if head else 0,
        "root_hash": head.root_hash if head else "",
        "signed_at": iso_utc(head.timestamp) if head else "",
        "key_id": head.key_id if head else "",
    }


def categories(case: Case, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Legal categories the quoted items' labels may fit, with elements and sources."""
    wanted: list[str] = []
    for item in items:
        for label in item["labels"]:
            for key in CATEGORIES_BY_LABEL.get(label.replace(" ", "_"), ()):
                if key not in wanted:
                    wanted.append(key)
    try:
        info = law(case.jurisdiction)
    except ReferenceNotFoundError:
        return []
    by_key = {c.key: c for c in info.categories}
    rows = [
        {
            "name": c.name,
            "basis": c.basis,
            "elements": list(c.elements),
            "sources": list(c.source.urls),
            "checked_on": c.source.checked_on.isoformat(),
        }
        for c in (by_key[k] for k in wanted if k in by_key)
    ]
    if info.state is not None and info.state.harassment is not None and rows:
        fact = info.state.harassment
        rows.append(
            {
                "name": f"{info.state.name} harassment and stalking law",
                "basis": fact.value,
                "elements": [],
                "sources": list(fact.source.urls),
                "checked_on": fact.source.checked_on.isoformat(),
            }
        )
    return rows


def base(request: Request, key: str, title: str) -> tuple[dict[str, Any], list[Item]]:
    """What every document carries (case, how it was made, the worst items, the notices),
    and the items quoted."""
    chosen = selected_items(request)
    zone = request.zone
    quoted = [quote(item, zone) for item in chosen]
    victims = parties(request.case, Party.Role.VICTIM)
    data = {
        "kind": key,
        "title": title,
        "case": {
            "number": request.case.pk,
            "uid": request.case.uid.hex,
            "title": visible(request.case.title),
            "jurisdiction": request.case.jurisdiction,
            "time_zone": request.case.time_zone,
        },
        "victim": victims[0] if victims else fill("your full name"),
        "made": {
            "tool": f"onrecord {__version__}",
            "at": when(request.now, zone),
            "by": visible(request.operator),
            "items_chosen": "as asked" if request.item_ids else "worst first (triage severity)",
        },
        "items": quoted,
        "timeline": timeline(quoted, chosen),
        "not_legal_advice": NOT_LEGAL_ADVICE_LINE,
        "may_fit": MAY_FIT_LINE,
        "control_note": CONTROL_NOTE,
    }
    return data, chosen
