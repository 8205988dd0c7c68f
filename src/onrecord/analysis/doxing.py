"""Doxing: someone's private information exposed (addresses, phones, ids, family, school...).

Each detector finds one kind of private detail (``DOXING_KINDS``) with a base weight of
0.3 to 0.6 (below the 0.5 threshold for most bare details); ``exposure.py`` then scores how
much the words around it look like exposing someone else's detail (ownership, a call to act
on it, a business or public office). Several kinds together (name, address and phone in one
post) raise the whole finding by 0.1.

Phone numbers are validated with ``phonenumbers`` in several default regions; US street
addresses are checked with ``usaddress``; UK, EU and Australian forms use patterns here.
At most ``MAX_CANDIDATES`` phone and address candidates are validated per text, and word-cued
detectors scan only near their cue words (``rules_context.TextIndex``), so a megabyte of
digits stays fast.

Known blind spots: addresses with no house number and no "lives at" cue; phone numbers
for regions outside US, GB, CA, AU, DE and IN without a +country prefix; plates and ids in
formats not listed here; coordinates written in degrees-minutes-seconds; names are only
recognised when capitalised; a detail exposed in one message and the owner named in another.
"""

from __future__ import annotations

import re

import phonenumbers
import usaddress

from onrecord.analysis.exposure import Detail, DoxHit, score_detail
from onrecord.analysis.rules_context import TextIndex, compile_phrase, gate, scan, sentence_bounds

_F = re.IGNORECASE
MAX_CANDIDATES = 200
PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "CA", "AU", "DE", "IN")

_G_RESIDENCE = gate(
    "lives living stays staying resides residing address house home place flat apartment where"
)
_G_WORK = gate(
    "works working worked employed intern interns volunteer volunteers shift job office workplace "
    "employer work desk"
)
_G_SCHOOL = gate(
    "high elementary middle primary secondary academy school college university prep grammar "
    "junior kindergarten nursery daycare day care montessori"
)
_G_FAMILY = gate(
    "husband wife mother mom mum father dad son daughter sister brother kid kids children "
    "boyfriend girlfriend partner fiance fiancee fiancé fiancée parents grandmother grandma "
    "grandfather grandpa aunt uncle cousin stepdad stepmom niece nephew ex"
)
_G_PLATE = gate("plate plates reg registration rego tag tags")
_G_VEHICLE = gate(
    "drives drive driving car van truck suv parks park vehicle motorbike corolla civic mazda "
    "ford toyota honda tesla bmw audi"
)
_G_ID = gate("passport id identity driver driving aadhaar tax tfn ssn social")
_G_EU = gate("via viale piazza corso calle avenida plaza paseo rua travessa")
_G_EMAIL = gate("@")
_G_STREET = gate(
    "street st avenue ave road rd lane ln drive dr court ct boulevard blvd way place pl terrace "
    "ter circle cir parkway pkwy highway hwy trail trl close crescent cres grove gardens gdns "
    "square sq row mews walk hill parade pde esplanade rise vale green loop pike alley path"
)
_G_FR = gate("rue avenue boulevard bd chemin allée impasse quai")
DOXING_GATE = frozenset().union(
    _G_RESIDENCE,
    _G_WORK,
    _G_SCHOOL,
    _G_FAMILY,
    _G_PLATE,
    _G_VEHICLE,
    _G_ID,
    _G_EU,
    _G_EMAIL,
    _G_STREET,
    _G_FR,
)


def _boundary_before(text: str, start: int, chars: str = "") -> bool:
    """True when nothing word-like (or in ``chars``) sits right before ``start``."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_" + chars)


# --- phone numbers ----------------------------------------------------------------------------

_PHONE = re.compile(r"[+(\d][\d \t().-]{5,18}\d(?![\w%/]|[.,]\d)")
_NOT_PHONE_SHAPE = re.compile(
    r"^\d{4}[-/. ]\d{1,2}[-/. ]\d{1,2}$|^\d{1,2}[-/. ]\d{1,2}[-/. ]\d{2,4}$|^\d{4}\s*-\s*\d{4}$"
    r"|^\d+\.\d+\.\d+|^\d+\.\d+$|^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$"
)
_NOT_PHONE_BEFORE = re.compile(
    r"\b(?:order|invoice|ticket|case|ref(?:erence)?|tracking|account|acct|isbn|serial|sku|"
    r"confirmation|booking|transaction|iban|card|item|version|v|room|flight|route|model|part|"
    r"policy|receipt)\b[^\n]{0,6}$",
    _F,
)


def _phones(text: str) -> list[Detail]:
    items: list[Detail] = []
    for n, m in enumerate(_PHONE.finditer(text)):
        if n >= MAX_CANDIDATES:
            break
        if not _boundary_before(text, m.start(), "$£€#./:-+"):
            continue
        cand = m.group().strip(" \t.-")
        if cand.startswith("(") and ")" not in cand:
            cand = cand[1:]
        digits = sum(ch.isdigit() for ch in cand)
        if not 7 <= digits <= 15 or _NOT_PHONE_SHAPE.match(cand):
            continue
        if _NOT_PHONE_BEFORE.search(text, max(0, m.start() - 25), m.start()):
            continue
        region = _valid_region(cand)
        if region:
            start = m.start() + m.group().find(cand)
            items.append(Detail(start, start + len(cand), "phone", 0.4, f"{region} phone number"))
    return items


_PUBLIC_LINES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
    }
)


def _is_public_line(number: phonenumbers.PhoneNumber) -> bool:
    """Toll-free, premium and shared-cost lines belong to services (hotlines), not people."""
    return phonenumbers.number_type(number) in _PUBLIC_LINES


def _valid_region(cand: str) -> str:
    regions: tuple[str | None, ...] = (None,) if cand.startswith("+") else PHONE_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(cand, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and not _is_public_line(number):
            return region or phonenumbers.region_code_for_number(number) or "international"
    return ""


# --- e-mail -----------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,4}")
_ROLE_MAILBOX = re.compile(
    r"^(?:info|support|sales|contact|admin|no-?reply|help|office|press|hello|team|billing|"
    r"enquiries|inquiries|service|hr|jobs|careers|webmaster|postmaster|marketing|media|orders|"
    r"privacy|legal|abuse|security|feedback|customerservice|bookings|reservations)@",
    _F,
)


def _emails(text: str, index: TextIndex) -> list[Detail]:
    return [
        Detail(m.start(), m.end(), "personal_email", 0.4, "personal e-mail address")
        for m in scan(_EMAIL, text, MAX_CANDIDATES, index.windows(_G_EMAIL))
        if _boundary_before(text, m.start(), ".+-") and not _ROLE_MAILBOX.match(m.group())
    ]


# --- home addresses ---------------------------------------------------------------------------

_CAP = r"(?-i:[A-Z0-9])[\w'.-]*"
_STREET_TYPE = (
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|"
    r"terrace|ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl|close|crescent|cres|grove|"
    r"gardens|gdns|square|sq|row|mews|walk|hill|parade|pde|esplanade|rise|vale|green|loop|"
    r"pike|alley|path)"
)
_STREET = compile_phrase(
    r"\b\d{1,5}[a-z]?(?:\s*[-/]\s*\d{1,5})?,?\s+(?:"
    + _CAP
    + r"\s+){1,4}?"
    + _STREET_TYPE
    + r"\b\.?(?:,?\s*(?:apt|apartment|unit|flat|suite|ste|#)\.?\s*[\w-]{1,5})?"
)
_DE_STREET = re.compile(
    r"[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|laan|straat|"
    r"gracht|plein|vej|gade|gatan|vägen|veien)\s+\d{1,4}[a-z]?\b"
)
_FR_STREET = compile_phrase(
    r"\b\d{1,4},?\s+(?:rue|avenue|boulevard|bd|chemin|allée|impasse|quai)\s+(?:de\s+la\s+|"
    r"de\s+l'|du\s+|des\s+|de\s+)?[\w'-]+"
)
_SOUTH_STREET = compile_phrase(
    r"\b(?:via|viale|piazza|corso|calle|avenida|plaza|paseo|rua|travessa)\s+(?:de\s+|del\s+|"
    r"della\s+|di\s+)?(?-i:[A-Z])[\w'-]+(?:\s+(?-i:[A-Z])[\w'-]+)?,?\s+\d{1,4}\b"
)
_UK_POSTCODE = r"(?-i:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})"
_LOCALITY_TAIL = re.compile(
    r"(?:,?\s*(?-i:[A-Z])[\w'.-]+){0,3},?\s*(?:(?-i:[A-Z]{2})\.?\s+\d{5}(?:-\d{4})?|"
    r"(?-i:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+\d{4}|" + _UK_POSTCODE + r"|\d{5}\s+(?-i:[A-Z])\w+)\b"
)
_UK_POSTCODE_RE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}(?![A-Za-z0-9])")
_RESIDENCE = compile_phrase(
    r"\b(?:lives|living|stays|staying|resides|residing)\s+(?:at|on|in|near|above|over|"
    r"across\s+from|behind|next\s+to)\s+"
    r"|\b(?:her|his|their|(?-i:[A-Z])\w+'s)\s+(?:real\s+|home\s+|new\s+|actual\s+)?(?:address|"
    r"house|home|place|flat|apartment)\s*(?:is|=|:|-)\s*"
    r"|\bhome\s+address\s*(?:is|=|:|-)?\s*|\bwhere\s+(?:she|he|they)\s+lives?\s*(?:is|:|-)?\s*"
)
_ADDRESS_DETAIL = re.compile(
    r"\d|\b(?:apt|apartment|flat|unit|floor|suite)\b|(?-i:[A-Z])\w+\s+" + _STREET_TYPE + r"\b", _F
)


def _is_us_street(cand: str) -> bool:
    clean = cand.encode("utf-8", "replace").decode("utf-8")
    try:
        labels = {label for _, label in usaddress.parse(clean)}
    except (ValueError, UnicodeError):
        return False
    return "AddressNumber" in labels and bool(labels & {"StreetName", "StreetNamePostType"})


def _with_tail(text: str, start: int, end: int, base: float, why: str) -> Detail:
    tail = _LOCALITY_TAIL.match(text, end, min(len(text), end + 60))
    if tail:
        return Detail(start, tail.end(), "home_address", base + 0.1, "full " + why)
    return Detail(start, end, "home_address", base, why)


def _addresses(text: str, index: TextIndex) -> list[Detail]:
    items: list[Detail] = []
    for m in scan(_STREET, text, MAX_CANDIDATES, index.windows(_G_STREET)):
        item = _with_tail(text, m.start(), m.end(), 0.4, "street address")
        if item.why.startswith("full") or _is_us_street(m.group()):
            items.append(item)
    for pattern, windows in (
        (_DE_STREET, None),
        (_FR_STREET, index.windows(_G_FR)),
        (_SOUTH_STREET, index.windows(_G_EU)),
    ):
        for m in scan(pattern, text, MAX_CANDIDATES, windows):
            items.append(_with_tail(text, m.start(), m.end(), 0.4, "street address"))
    for m in scan(_UK_POSTCODE_RE, text, MAX_CANDIDATES):
        if not any(i.start <= m.start() < i.end for i in items):
            items.append(Detail(m.start(), m.end(), "home_address", 0.3, "postcode"))
    for m in scan(_RESIDENCE, text, MAX_CANDIDATES, index.windows(_G_RESIDENCE)):
        _, b = sentence_bounds(text, m.end(), m.end(), 120)
        seg = text[m.end() : b].rstrip(" .!?\n")
        if _ADDRESS_DETAIL.search(seg) and not any(i.start <= m.end() <= i.end for i in items):
            why = "where someone lives"
            items.append(Detail(m.start(), m.end() + len(seg), "home_address", 0.55, why))
        else:
            items = [
                i._replace(base=i.base + 0.2, why="lives at + " + i.why)
                if i.why != "where someone lives" and m.end() <= i.start <= m.end() + 40
                else i
                for i in items
            ]
    return items


# --- workplace, school, family ----------------------------------------------------------------

_ORG = r"(?:(?-i:[A-Z])[\w&'.-]*(?:\s+(?-i:[A-Z&])[\w&'.-]*){0,4})"
_PLACE_NOUN = (
    r"(?:store|shop|hospital|school|bank|office|factory|plant|restaurant|cafe|bar|gym|clinic|"
    r"warehouse|mall|station|hotel|salon|pharmacy|library|church|garage|farm|firm|company|"
    r"agency|centre|center|surgery|practice|dental|daycare|depot|site)"
)
_WORK = compile_phrase(
    r"\b(?:works|working|worked|employed|interns?|volunteers?)\s+(?:the\s+(?:\w+\s+){0,2}?"
    r"(?:shift|desk|counter|register|till|bar)\s+)?(?:at|for|in)\s+(?:the\s+)?(?:"
    + _ORG
    + r"|(?!(?:a|an|some|one)\s)(?:\w+\s+){0,2}"
    + _PLACE_NOUN
    + r")\b"
    r"|\b(?:her|his|their)\s+(?:shift|job|office|workplace|employer|work|desk)\s+(?:is\s+)?"
    r"(?:at|in|for)\s+(?:the\s+)?" + _ORG
)
_SCHOOL_NAME = (
    r"(?-i:[A-Z])[\w'.-]*(?:\s+(?-i:[A-Z])[\w'.-]*){0,3}\s+(?:high(?:\s+school)?|"
    r"elementary(?:\s+school)?|middle\s+school|primary(?:\s+school)?|secondary(?:\s+school)?|"
    r"academy|school|college|university|prep|grammar|junior\s+high|kindergarten|nursery|"
    r"day\s*care|montessori|middle)\b"
)
_SCHOOL = compile_phrase(
    r"\b(?:goes|go|going|attends?|attending|studies|studying|enrolled|student|pupil|"
    r"is\s+in\s+(?:\w+\s+)?(?:grade|year|class))\s+(?:to\s+|at\s+|in\s+)?(?:the\s+)?" + _SCHOOL_NAME
)
_CHILD = re.compile(
    r"\b(?:her|his|their|(?-i:[A-Z])\w+'s)\s+(?:kids?|sons?|daughters?|children|boys?|girls?|"
    r"twins|child|little\s+\w+)\b",
    _F,
)
_RELATIVE = (
    r"(?:husband|wife|mother|mom|mum|father|dad|son|daughter|sister|brother|kids?|children|"
    r"boyfriend|girlfriend|partner|fianc[eé]e?|parents|grandmother|grandma|grandfather|grandpa|"
    r"aunt|uncle|cousin|stepdad|stepmom|niece|nephew|ex)"
)
_FAMILY = compile_phrase(
    r"\b(?:her|his|their|(?-i:[A-Z])[a-z]+'s)\s+" + _RELATIVE + r"(?:'s\s+name)?"
    r"(?:\s+(?:is|are|named|called)|\s*[:=,])?\s+(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b"
)


def _people_places(text: str, index: TextIndex) -> list[Detail]:
    items = [
        Detail(m.start(), m.end(), "workplace", 0.25, "where someone works")
        for m in scan(_WORK, text, MAX_CANDIDATES, index.windows(_G_WORK))
    ]
    for m in scan(_SCHOOL, text, MAX_CANDIDATES, index.windows(_G_SCHOOL)):
        child = _CHILD.search(text, max(0, m.start() - 40), m.start())
        if child:
            items.append(Detail(child.start(), m.end(), "school", 0.6, "a child's school"))
        else:
            items.append(Detail(m.start(), m.end(), "school", 0.4, "where someone studies"))
    items += [
        Detail(m.start(), m.end(), "family", 0.25, "names a family member")
        for m in scan(_FAMILY, text, MAX_CANDIDATES, index.windows(_G_FAMILY))
    ]
    return items


# --- vehicles, government ids, coordinates ----------------------------------------------------

_PLATE = compile_phrase(
    r"\b(?:licen[cs]e\s+plates?|number\s+plates?|plates?|reg(?:istration)?|rego|tags?)"
    r"(?:\s+(?:number|no\.?|#))?\s*(?:is|:|#|=|reads)?\s*"
    r"(?P<plate>(?-i:[A-Z0-9]{1,4}(?:[ -]?[A-Z0-9]{1,4}){1,2}))\b"
)
_UK_PLATE = re.compile(r"[A-Z]{2}\d{2}\s?[A-Z]{3}(?![A-Za-z0-9])")
_VEHICLE = re.compile(
    r"\b(?:drives?|driving|car|van|truck|suv|parks?|vehicle|motorbike|corolla|civic|mazda|"
    r"ford|toyota|honda|tesla|bmw|audi)\b",
    _F,
)
_SSN = re.compile(r"(\d{3})-(\d{2})-(\d{4})(?![\d-])")
_SSN_CTX = compile_phrase(
    r"\b(?:ssn|social\s+security(?:\s+(?:number|no))?|social)\b\W{0,10}"
    r"(?P<id>(?!000|666|9\d\d)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4})\b"
)
_NI = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])")
_NI_BAD_PREFIX = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
_PASSPORT = compile_phrase(
    r"\b(?:passport|id\s+card|identity\s+card|driver'?s\s+licen[cs]e|driving\s+licen[cs]e|"
    r"aadhaar|tax\s+id|tfn)\b[^\n\d]{0,25}?(?P<id>\b(?-i:[A-Z]{0,3}\d[A-Z0-9]{5,11}))\b"
)
_COORDS = re.compile(
    r"-?\d{1,2}\.\d{4,9}\s*°?\s*[NS]?\s*,\s*(?P<lon>-?\d{1,3}\.\d{4,9})\s*°?\s*[EW]?(?!\d|\.\d)"
)


def _valid_ssn(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _ids_and_things(text: str, index: TextIndex) -> list[Detail]:
    items: list[Detail] = []
    for m in scan(_PLATE, text, MAX_CANDIDATES, index.windows(_G_PLATE)):
        plate = m.group("plate")
        if any(c.isdigit() for c in plate) and any(c.isalpha() for c in plate):
            items.append(
                Detail(m.start("plate"), m.end("plate"), "vehicle_plate", 0.5, "licence plate")
            )
    for m in scan(_UK_PLATE, text, MAX_CANDIDATES, index.windows(_G_VEHICLE)):
        if not any(i.start <= m.start() < i.end for i in items):
            items.append(Detail(m.start(), m.end(), "vehicle_plate", 0.5, "UK licence plate"))
    for m in scan(_SSN_CTX, text, MAX_CANDIDATES, index.windows(_G_ID)):
        digits = re.sub(r"\D", "", m.group("id"))
        if _valid_ssn(digits[:3], digits[3:5], digits[5:]):
            items.append(
                Detail(
                    m.start("id"), m.end("id"), "government_id", 0.8, "US social security number"
                )
            )
    for m in scan(_SSN, text, MAX_CANDIDATES):
        fresh = not any(i.start <= m.start() < i.end for i in items)
        if fresh and _boundary_before(text, m.start(), "-") and _valid_ssn(*m.groups()):
            items.append(
                Detail(m.start(), m.end(), "government_id", 0.7, "US social security number")
            )
    for m in scan(_NI, text, MAX_CANDIDATES):
        if m.group()[:2] not in _NI_BAD_PREFIX:
            items.append(
                Detail(m.start(), m.end(), "government_id", 0.7, "UK National Insurance number")
            )
    for m in scan(_PASSPORT, text, MAX_CANDIDATES, index.windows(_G_ID)):
        items.append(
            Detail(m.start("id"), m.end("id"), "government_id", 0.7, "passport or id number")
        )
    for m in scan(_COORDS, text, MAX_CANDIDATES):
        lat = float(m.group().split(",")[0].strip(" °NS"))
        if (
            _boundary_before(text, m.start(), ".-")
            and abs(lat) <= 90
            and abs(float(m.group("lon"))) <= 180
        ):
            items.append(Detail(m.start(), m.end(), "coordinates", 0.45, "GPS coordinates"))
    return items


def _drop_overlaps(items: list[Detail]) -> list[Detail]:
    """Keep the stronger of two details on the same characters; a specific detail inside a
    "lives at ..." description replaces the description and is marked as where someone lives."""
    lives = "where someone lives"
    kept: list[Detail] = []
    for item in sorted((i for i in items if i.why != lives), key=lambda i: (-i.base, i.start)):
        if not any(k.start < item.end and item.start < k.end for k in kept):
            kept.append(item)
    for seg in (i for i in items if i.why == lives):
        inside = [k for k in kept if seg.start < k.end and k.start < seg.end]
        if not inside:
            kept.append(seg)
        for k in inside:
            if not k.why.startswith("lives at"):
                kept[kept.index(k)] = k._replace(base=k.base + 0.2, why="lives at + " + k.why)
    return sorted(kept, key=lambda i: i.start)


def find_doxing(text: str, index: TextIndex | None = None) -> tuple[float, list[DoxHit]]:
    """Score ``text`` for exposed private information; return the score and each detail."""
    index = index or TextIndex(text, DOXING_GATE)
    items = _addresses(text, index) + _ids_and_things(text, index) + _phones(text)
    items = _drop_overlaps(items + _emails(text, index)) + _people_places(text, index)
    hits = [score_detail(text, item) for item in items]
    if not hits:
        return 0.0, []
    best = max(h.score for h in hits)
    if len({h.kind for h in hits if h.score >= 0.35}) >= 2:
        best = min(1.0, best + 0.1)
    return best, hits
