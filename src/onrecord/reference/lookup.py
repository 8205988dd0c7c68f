"""Typed, cached lookups over the reference data shipped in ``onrecord/reference/data``.

Every fact carries the addresses it was read at and the date it was checked. The data says
where to report and which legal categories facts *may* fit; it never says that something is
illegal: a lawyer where the person lives decides that.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from onrecord.errors import InputError

DATA_FILES = (
    "platforms.csv",
    "us_federal_laws.csv",
    "us_state_laws.csv",
    "jurisdictions.csv",
    "notices.csv",
    "legal_categories.csv",
    "hotlines.csv",
)
KIND_LABELS = {
    "harassment": "Harassment",
    "threats": "Threats",
    "private_information": "Private information (doxing)",
    "impersonation": "Impersonation",
    "intimate_images": "Intimate images",
    "copyright_agent": "Copyright (DMCA) agent",
    "law_enforcement": "Law-enforcement portal",
    "data_download": "Download your data",
}
ABUSE_KINDS = tuple(KIND_LABELS)
NOT_LEGAL_ADVICE = (
    "This is not legal advice: a lawyer where you live decides whether and how these laws apply."
)
URL_SEPARATOR = " ; "
LIST_SEPARATOR = " | "
_CODE_ALIASES = {"UK": "GB", "USA": "US", "UNITEDSTATES": "US", "ENGLAND": "GB", "WALES": "GB"}
_NOTICE_ALIASES = {
    "dsa": "dsa_art16",
    "gdpr": "gdpr_art17",
    "erasure": "gdpr_art17",
    "righttobeforgotten": "gdpr_art17",
    "tida": "take_it_down",
    "search": "search_removal",
    "google": "search_removal",
    "copyright": "dmca",
}


class ReferenceNotFoundError(InputError, LookupError):
    """Nothing in the reference data matches; the message names what does exist."""


@dataclass(frozen=True)
class Source:
    """Where a fact was read, and when it was last checked."""

    urls: tuple[str, ...]
    checked_on: dt.date


@dataclass(frozen=True)
class Channel:
    """One way to report one kind of abuse to a platform or service."""

    kind: str
    how: str
    url: str
    note: str
    source: Source


@dataclass(frozen=True)
class Platform:
    """A platform or service and its reporting channels per abuse kind."""

    name: str
    aliases: tuple[str, ...]
    channels: tuple[Channel, ...]

    def channels_for(self, kind: str) -> tuple[Channel, ...]:
        """The channels for one abuse kind (empty when the data has none)."""
        return tuple(c for c in self.channels if c.kind == kind)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Abuse kinds with at least one channel, in the standard order."""
        return tuple(k for k in ABUSE_KINDS if self.channels_for(k))


@dataclass(frozen=True)
class Statute:
    """A law or scheme of a jurisdiction, in plain words, with its source."""

    jurisdiction: str
    citation: str
    title: str
    kind: str
    summary: str
    elements: str
    penalty_or_remedy: str
    note: str
    source: Source


@dataclass(frozen=True)
class Fact:
    """One confirmed fact about a state's law (``value`` may be empty: see ``detail``)."""

    value: str
    detail: str
    source: Source


@dataclass(frozen=True)
class Limitation:
    """How long a defamation claim can wait (``years`` is None when not confirmed)."""

    years: int | None
    statute: str
    source: Source


@dataclass(frozen=True)
class StateLaw:
    """What the data holds for one US state or DC; fields not confirmed are None."""

    code: str
    name: str
    harassment: Fact | None
    intimate_images: Fact | None
    defamation: Limitation | None
    anti_slapp: Fact | None
    note: str
    checked_on: dt.date


@dataclass(frozen=True)
class NoticeElement:
    """One numbered element a notice must contain."""

    number: int
    text: str
    note: str


@dataclass(frozen=True)
class Notice:
    """A legal notice or complaint form and its elements."""

    kind: str
    title: str
    elements: tuple[NoticeElement, ...]
    source: Source


@dataclass(frozen=True)
class LegalCategory:
    """A category facts may fit, its elements, and evidence that supports it."""

    key: str
    name: str
    jurisdiction: str
    basis: str
    elements: tuple[str, ...]
    evidence: tuple[str, ...]
    note: str
    source: Source


@dataclass(frozen=True)
class Hotline:
    """A support line or emergency number of a country ("EU" for the whole Union)."""

    country: str
    name: str
    number: str
    url: str
    purpose: str
    source: Source

    @property
    def is_emergency(self) -> bool:
        """Whether this is the emergency number (police, fire, ambulance)."""
        return self.purpose.startswith("emergency")


@dataclass(frozen=True)
class LawInfo:
    """The answer to ``law(code)``: state facts, statutes and categories, with sources."""

    requested: str
    code: str
    name: str
    fallback_note: str
    state: StateLaw | None
    statutes: tuple[Statute, ...]
    categories: tuple[LegalCategory, ...]


def read_rows(name: str) -> tuple[dict[str, str], ...]:
    """The raw rows of one shipped CSV file (for review and tests)."""
    if name not in DATA_FILES:
        raise ReferenceNotFoundError(
            f"No data file {name!r}; the files are {', '.join(DATA_FILES)}."
        )
    return _read(name)


@functools.cache
def _read(name: str) -> tuple[dict[str, str], ...]:
    path = resources.files("onrecord.reference").joinpath("data").joinpath(name)
    text = path.read_text(encoding="utf-8")
    return tuple(
        {str(k): str(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))
    )


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _split(text: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(separator) if part.strip())


def _source(row: dict[str, str], column: str = "source_url") -> Source:
    return Source(_split(row[column], URL_SEPARATOR), dt.date.fromisoformat(row["checked_on"]))


@functools.cache
def platforms() -> tuple[Platform, ...]:
    """Every platform and service in the data, in file order."""
    names: dict[str, tuple[str, ...]] = {}
    channels: dict[str, list[Channel]] = {}
    for row in _read("platforms.csv"):
        name = row["platform"]
        names.setdefault(name, _split(row["aliases"], ";"))
        channels.setdefault(name, []).append(
            Channel(row["kind"], row["channel"], row["url"], row["note"], _source(row))
        )
    return tuple(Platform(n, names[n], tuple(channels[n])) for n in names)


@functools.cache
def _platform_index() -> dict[str, Platform]:
    index: dict[str, Platform] = {}
    for item in platforms():
        for label in (item.name, *item.aliases):
            index.setdefault(_key(label), item)
    return index


def platform(name: str) -> Platform:
    """A platform by name or alias, case-insensitive ("twitter" finds X, "fb" Facebook)."""
    found = _platform_index().get(_key(name))
    if found is None:
        known = ", ".join(p.name for p in platforms())
        raise ReferenceNotFoundError(f"No platform called {name!r} in the data. Known: {known}.")
    return found


@functools.cache
def federal_statutes() -> tuple[Statute, ...]:
    """US federal provisions."""
    return tuple(
        Statute(
            "US",
            row["citation"],
            row["title"],
            row["kind"],
            row["conduct"],
            row["elements"],
            row["penalty_or_remedy"],
            row["note"],
            _source(row),
        )
        for row in _read("us_federal_laws.csv")
    )


def _fact(row: dict[str, str], value: str, detail: str, column: str) -> Fact | None:
    if not row[column]:
        return None
    return Fact(row[value], row[detail] if detail else "", _source(row, column))


@functools.cache
def states() -> Mapping[str, StateLaw]:
    """The 50 states and DC by code ("US-CA")."""
    result: dict[str, StateLaw] = {}
    for row in _read("us_state_laws.csv"):
        defamation = None
        if row["defamation_source_url"]:
            years = int(row["defamation_years"]) if row["defamation_years"] else None
            defamation = Limitation(
                years, row["defamation_statute"], _source(row, "defamation_source_url")
            )
        result[row["code"]] = StateLaw(
            code=row["code"],
            name=row["state"],
            harassment=_fact(row, "harassment_statute", "", "harassment_source_url"),
            intimate_images=_fact(
                row, "intimate_image_statute", "intimate_image_law", "intimate_image_source_url"
            ),
            defamation=defamation,
            anti_slapp=_fact(row, "anti_slapp", "anti_slapp_detail", "anti_slapp_source_url"),
            note=row["note"],
            checked_on=dt.date.fromisoformat(row["checked_on"]),
        )
    return MappingProxyType(result)


@functools.cache
def jurisdictions() -> Mapping[str, tuple[str, str, tuple[Statute, ...]]]:
    """Other jurisdictions by code: (name, parent code or "", statutes)."""
    rows: dict[str, list[dict[str, str]]] = {}
    for row in _read("jurisdictions.csv"):
        rows.setdefault(row["code"], []).append(row)
    return MappingProxyType(
        {
            code: (
                group[0]["jurisdiction"],
                group[0]["parent"],
                tuple(
                    Statute(
                        code,
                        f"{r['instrument']}, {r['provision']}",
                        "",
                        "",
                        r["summary"],
                        "",
                        r["penalty_or_remedy"],
                        r["note"],
                        _source(r),
                    )
                    for r in group
                ),
            )
            for code, group in rows.items()
        }
    )


def jurisdiction_codes() -> tuple[tuple[str, str], ...]:
    """Every code ``law()`` answers directly, with its name."""
    codes = [("US", "United States (federal)")]
    codes += [(code, s.name) for code, s in states().items()]
    codes += [(code, j[0]) for code, j in jurisdictions().items()]
    return tuple(codes)


@functools.cache
def _code_index() -> dict[str, str]:
    index = dict(_CODE_ALIASES)
    for code, name in jurisdiction_codes():
        index.setdefault(_key(name.split(" (")[0]).upper(), code)
        index.setdefault(_key(code).upper(), code)
    return index


def law(code: str) -> LawInfo:
    """Laws for a jurisdiction code ("US-CA", "US", "GB", "AU-NSW" falls back to "AU")."""
    wanted = code.strip()
    raw = wanted.upper().replace("_", "-").replace(" ", "")
    resolved = _code_index().get(_key(raw).upper()) if "-" not in raw else None
    key = resolved or raw
    if key in states() or key == "US":
        state = states().get(key)
        name = state.name if state else "United States (federal)"
        return LawInfo(wanted, key, name, "", state, federal_statutes(), legal_categories())
    if key in jurisdictions():
        name, parent, statutes = jurisdictions()[key]
        if parent:
            statutes = statutes + jurisdictions()[parent][2]
        return LawInfo(wanted, key, name, "", None, statutes, ())
    country = key.split("-")[0]
    if "-" in key and (country == "US" or country in jurisdictions()):
        found = law(country)
        note = f"No separate data for {key}; showing {country}."
        return LawInfo(wanted, found.code, found.name, note, None, found.statutes, found.categories)
    known = ", ".join(c for c, _ in jurisdiction_codes())
    raise ReferenceNotFoundError(f"No reference data for {code!r}. Known codes: {known}.")


@functools.cache
def notices() -> tuple[Notice, ...]:
    """Every notice or form and its numbered elements."""
    groups: dict[str, list[dict[str, str]]] = {}
    for row in _read("notices.csv"):
        groups.setdefault(row["notice"], []).append(row)
    return tuple(
        Notice(
            kind,
            group[0]["title"],
            tuple(NoticeElement(int(r["number"]), r["element"], r["note"]) for r in group),
            _source(group[0]),
        )
        for kind, group in groups.items()
    )


def notice_elements(kind: str) -> Notice:
    """A notice by kind ("dmca", "take_it_down", "dsa_art16", "gdpr_art17", ...)."""
    by_key = {_key(n.kind): n for n in notices()}
    wanted = _key(kind)
    found = by_key.get(wanted) or by_key.get(_key(_NOTICE_ALIASES.get(wanted, "")))
    if found is None:
        known = ", ".join(n.kind for n in notices())
        raise ReferenceNotFoundError(f"No notice called {kind!r}. Known: {known}.")
    return found


@functools.cache
def legal_categories() -> tuple[LegalCategory, ...]:
    """The categories facts may fit, with elements and the evidence that supports them."""
    return tuple(
        LegalCategory(
            row["key"],
            row["category"],
            row["jurisdiction"],
            row["basis"],
            _split(row["elements"], LIST_SEPARATOR),
            _split(row["evidence"], LIST_SEPARATOR),
            row["note"],
            _source(row),
        )
        for row in _read("legal_categories.csv")
    )


@functools.cache
def hotlines() -> tuple[Hotline, ...]:
    """Every support line and emergency number, each with the page it was confirmed on."""
    return tuple(
        Hotline(
            row["country"],
            row["name"],
            row["number"],
            row["url"],
            row["purpose"],
            _source(row),
        )
        for row in _read("hotlines.csv")
    )


def hotlines_for(country: str) -> tuple[Hotline, ...]:
    """The lines of one country code ("US", "GB", "EU"), emergency number first; may be empty."""
    wanted = _CODE_ALIASES.get(country.strip().upper(), country.strip().upper())
    found = [h for h in hotlines() if h.country == wanted]
    return tuple(sorted(found, key=lambda h: not h.is_emergency))
