"""Removal notices built on reference data: TAKE IT DOWN Act, EU DSA Art. 16, GDPR Art. 17
and search-engine removal of personal information.

Each carries its notice's numbered elements in the reference data's words, each filled from
the case or left as a marked placeholder, and cites where the elements were read. None of
them decides that anything breaks a law: the person states what they believe, in good faith.
"""

from __future__ import annotations

import contextlib
from typing import Any

from onrecord.documents import plain
from onrecord.documents.facts import Request, base, fill
from onrecord.reference.lookup import (
    Channel,
    Notice,
    ReferenceNotFoundError,
    notice_elements,
    platform,
)

BEFORE_SENDING = (
    "Before you send this: send it through the service's own form or address where it has one. "
    "Do not add more personal details than each element asks for. You can ask a lawyer, a "
    "victim-support service or a trusted person to send it for you. Keep a copy; the evidence "
    "stays in the vault either way."
)
TAKE_IT_DOWN_USE = (
    "Use this for an intimate image or video of you (real or faked) published without your "
    "consent, on a public website or app that hosts what its users post. It is not for "
    "other abuse: for that, use the platform's own report form (see the platform-report "
    "document)."
)
DSA_USE = (
    "Use this with a hosting service (a platform, forum or site) that offers its service in the "
    "EU. It goes through the service's notice form. The service decides and must tell you its "
    "decision and the reasons, and how to ask it to look again."
)
GDPR_USE = (
    "Use this with whoever runs the site or service that shows your personal data (the "
    "controller), where the GDPR applies (the EU, the EEA, and similar UK law). Its privacy "
    "notice names who to write to. Exceptions, such as freedom of expression, may apply."
)
SEARCH_USE = (
    "A search engine can stop showing a page in its results; the page itself stays online, so "
    "ask the site or its host too (the gdpr-erasure or dsa-notice documents can help)."
)


def _channel_row(channel: Channel, name: str) -> dict[str, Any]:
    return {
        "service": name,
        "kind": channel.kind.replace("_", " "),
        "how": channel.how,
        "url": channel.url,
        "note": channel.note,
        "sources": list(channel.source.urls),
        "checked_on": channel.source.checked_on.isoformat(),
    }


def channels(names: list[str], kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The reporting channels of ``kinds`` that the reference data has for ``names``."""
    rows: list[dict[str, Any]] = []
    for name in names:
        with contextlib.suppress(ReferenceNotFoundError):
            found = platform(name)
            for kind in kinds:
                rows += [_channel_row(c, found.name) for c in found.channels_for(kind)]
    return rows


def locations(data: dict[str, Any], what: str) -> list[Any]:
    """Each quoted item's URL (or a placeholder) and what it is, with its exhibit."""
    rows: list[Any] = []
    for item in data["items"]:
        rows.append(item["url"] or fill(f"the URL of item {item['id']} on {item['platform']}"))
        rows.append(
            f"Item {item['id']}: {item['kind']} by {item['author']}, {item['sent']}; "
            + plain.exhibit_ref(item["exhibit"])
        )
    return rows or [fill(what)]


def _notice(data: dict[str, Any], notice: Notice, contents: list[list[Any]]) -> dict[str, Any]:
    """The shared shape: the elements with their contents, and where they were read."""
    data["elements"] = [
        {"number": e.number, "requirement": e.text, "content": contents[e.number - 1]}
        for e in notice.elements
    ]
    data["notice_title"] = notice.title
    data["source"] = {
        "urls": list(notice.source.urls),
        "checked_on": notice.source.checked_on.isoformat(),
    }
    data["before_sending"] = BEFORE_SENDING
    data["duty"] = ""
    data["channels"] = []
    return data


def _platforms(data: dict[str, Any], request: Request) -> list[str]:
    if request.platform:
        return [request.platform]
    names: list[str] = []
    for item in data["items"]:
        if item["platform"] not in names and item["platform"] != "email":
            names.append(item["platform"])
    return names


def take_it_down_notice(request: Request) -> dict[str, Any]:
    """The TAKE IT DOWN Act removal request: four elements and the platform's 48-hour duty."""
    notice = notice_elements("take_it_down")
    facts, _chosen = base(request, "take-it-down-notice", "TAKE IT DOWN Act removal request")
    contents: list[list[Any]] = [
        [fill("your signature: sign by hand, or type /s/ and your full name"), facts["victim"]],
        [
            fill(
                "which image or video it is, described in words (do not attach it), and "
                "where it appears"
            ),
            *locations(facts, "the URLs where the image or video appears"),
        ],
        [
            "I am the person shown in the intimate visual depiction identified above (or am "
            "authorised to act for them). I have a good-faith belief that it is not "
            "consensual: I did not consent to its publication.",
            fill(
                "anything that helps the platform see it was published without consent, "
                "e.g. who posted it and how they had it"
            ),
        ],
        [facts["victim"], fill("an email address or other way to contact you")],
    ]
    data = _notice(facts, notice, contents)
    data["use_note"] = TAKE_IT_DOWN_USE
    duty = notice.elements[0].note
    data["duty"] = f"The platform's duty under 47 U.S.C. § 223a: {duty}"
    names = _platforms(data, request)
    data["to"] = [fill("the platform's removal form or address for intimate images")]
    data["channels"] = channels(names, ("intimate_images",))
    return data


def dsa_notice(request: Request) -> dict[str, Any]:
    """The EU Digital Services Act Article 16 notice: four elements."""
    notice = notice_elements("dsa_art16")
    facts, _chosen = base(request, "dsa-notice", "EU Digital Services Act notice")
    found = [
        f"Item {item['id']} ({item['sent']}): triage found {', '.join(item['labels'])}."
        for item in facts["items"]
        if item["labels"]
    ]
    contents: list[list[Any]] = [
        [
            fill(
                "why the content breaks the law where you live: the national offence or right "
                "it concerns (a lawyer or victim-support service can help)"
            ),
            *found,
        ],
        locations(facts, "the exact URLs of the content"),
        [facts["victim"], fill("your email address")],
        [
            "I confirm my good-faith belief that the information and allegations in this "
            "notice are accurate and complete."
        ],
    ]
    data = _notice(facts, notice, contents)
    data["use_note"] = DSA_USE
    data["to"] = [fill("the service's DSA notice form (Article 16 notice and action)")]
    return data


def gdpr_erasure(request: Request) -> dict[str, Any]:
    """The GDPR Article 17 erasure request: four elements."""
    notice = notice_elements("gdpr_art17")
    facts, _chosen = base(request, "gdpr-erasure", "GDPR erasure request")
    contents: list[list[Any]] = [
        [
            fill("the personal data about you, e.g. your home address, phone number or photo"),
            *locations(facts, "the URLs where your data appears"),
        ],
        [
            fill(
                "the ground that applies, e.g. (d) it is processed unlawfully, or (c) I object "
                "under Art. 21 and there are no overriding legitimate grounds"
            )
        ],
        [
            "If you made this data public, please take reasonable steps to inform the other "
            "controllers processing it that I have asked for the erasure of any links to, or "
            "copies of, it (Art. 17(2))."
        ],
        [
            "Please confirm the erasure without undue delay, and at the latest within one "
            "month of receiving this request (Art. 12(3)).",
            facts["victim"],
            fill("an email address for the reply"),
        ],
    ]
    data = _notice(facts, notice, contents)
    data["use_note"] = GDPR_USE
    data["to"] = [fill("the controller: the site's operator or its data protection officer")]
    return data


def search_removal(request: Request) -> dict[str, Any]:
    """The search-engine removal request for personal information (Google, Bing)."""
    notice = notice_elements("search_removal")
    facts, _chosen = base(request, "search-removal", "Search-engine removal request")
    contents: list[list[Any]] = [
        [
            fill("the URLs of the search results or pages showing your information"),
            *locations(facts, "the URLs of the pages"),
        ],
        [fill("what is shown, e.g. your home address, phone number or email")],
        ["I am the person concerned.", facts["victim"]],
    ]
    data = _notice(facts, notice, contents)
    data["use_note"] = SEARCH_USE
    data["to"] = [fill("the search engine's removal form (see the channels below)")]
    data["channels"] = channels(
        ["Google Search", "Microsoft Bing"], ("private_information", "intimate_images")
    )
    return data


def notice_text(data: dict[str, Any]) -> str:
    """Any of these notices as plain text, placeholders marked ``[FILL IN: ...]``."""
    parts = [
        plain.header(data),
        plain.heading("Before you send it", "-"),
        data["use_note"],
        data["before_sending"],
    ]
    if data["duty"]:
        parts.append(
            f"{data['duty']} (source: {'; '.join(data['source']['urls'])}, checked "
            f"{data['source']['checked_on']})"
        )
    if data["channels"]:
        parts.append(plain.heading("Where to send it", "-"))
        parts += [channel_line(c) for c in data["channels"]]
    parts += [
        plain.heading("The notice", "-"),
        f"To: {', '.join(plain.value(t) for t in data['to'])}",
        f"{data['notice_title']}.",
    ]
    for element in data["elements"]:
        lines = [f"({element['number']}) {element['requirement']}"]
        lines += [f"    {plain.value(v)}" for v in element["content"]]
        parts.append("\n".join(lines))
    parts += [
        plain.heading("The items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        f"Elements as read at {'; '.join(data['source']['urls'])} "
        f"(checked {data['source']['checked_on']}).",
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"


def channel_line(c: dict[str, Any]) -> str:
    """One reporting channel: service, kind, how, where, and its source and date."""
    lines = [f"{c['service']} ({c['kind']}): {c['how']}"]
    if c["url"]:
        lines.append(f"  Where: {c['url']}")
    if c["note"]:
        lines.append(f"  Note: {c['note']}")
    lines.append(f"  Source: {'; '.join(c['sources'])} (checked {c['checked_on']})")
    return "\n".join(lines)
