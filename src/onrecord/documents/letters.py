"""Notices and letters: a DMCA takedown notice, and a takedown request to the poster.

The DMCA notice carries all six elements of 17 U.S.C. § 512(c)(3)(A), in the reference
data's words, each filled from the case or left as a marked placeholder (signature,
contact details, the copyrighted work). The takedown request asks the poster, calmly and
factually, to remove the quoted items and stop; it threatens nothing and decides nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from onrecord.cases.models import Item
from onrecord.documents import plain
from onrecord.documents.facts import Request, base, fill
from onrecord.reference.lookup import (
    Channel,
    ReferenceNotFoundError,
    notice_elements,
    platform,
)

ROMAN = ("i", "ii", "iii", "iv", "v", "vi")
GOOD_FAITH = (
    "I have a good faith belief that use of the material in the manner complained of is not "
    "authorized by the copyright owner, its agent, or the law."
)
ACCURATE = (
    "The information in this notification is accurate, and under penalty of perjury, I am "
    "the owner, or am authorized to act on behalf of the owner, of an exclusive right that is "
    "allegedly infringed."
)
DMCA_USE = (
    "Use a DMCA notice only for material whose copyright you own, such as a photo or video "
    "you made yourself. A notice is signed under penalty of perjury, and the poster may send "
    "a counter-notice that restores the material. For other abuse, use the platform's own "
    "report form."
)
BEFORE_SENDING = (
    "Before you send this: contacting the poster can make things worse, and you do not have "
    "to do it. Do not add your address, phone number or workplace. You can send it through a "
    "lawyer or a trusted person instead. Keep a copy; the evidence stays in the vault either "
    "way."
)


def _platform_name(request: Request, chosen: list[Item]) -> str:
    if request.platform:
        return request.platform
    return chosen[0].platform if chosen else ""


def _agent(name: str) -> dict[str, Any]:
    """Where the platform's DMCA notices go: its own channel when the reference data has
    one, else a placeholder and the general guidance (with its source)."""
    own: tuple[Channel, ...] = ()
    with contextlib.suppress(ReferenceNotFoundError):
        own = platform(name).channels_for("copyright_agent") if name else ()
    general = platform("dmca").channels_for("copyright_agent")
    channel = (own or general)[0]
    to: Any = channel.url if own and channel.url else ""
    if not to:
        to = fill(f"the designated DMCA agent of {name or 'the service'} (see its site)")
    return {
        "to": to,
        "how": channel.how,
        "sources": list(channel.source.urls),
        "checked_on": channel.source.checked_on.isoformat(),
    }


def dmca_notice(request: Request) -> dict[str, Any]:
    """The DMCA notice's data: the six elements, each with what fills it."""
    data, chosen = base(request, "dmca-notice", "DMCA takedown notice")
    notice = notice_elements("dmca")
    name = _platform_name(request, chosen)
    material: list[Any] = []
    for item in data["items"]:
        where = item["url"] or fill(f"the URL of item {item['id']} on {item['platform']}")
        material.append(where)
        material.append(
            f"Item {item['id']}: {item['kind']} by {item['author']}, {item['sent']}; "
            + plain.exhibit_ref(item["exhibit"])
        )
    contents: list[list[Any]] = [
        [fill("your signature: sign by hand, or type /s/ and your full name"), data["victim"]],
        [
            fill(
                "the work you own, e.g. 'a photograph I took of myself on DATE', and where "
                "your original is or was published"
            )
        ],
        material or [fill("the URLs of the material to remove")],
        [
            data["victim"],
            fill("your postal address"),
            fill("your telephone number"),
            fill("your email address"),
        ],
        [GOOD_FAITH],
        [ACCURATE, fill("your signature (as in element i) and the date")],
    ]
    data["platform"] = name
    data["agent"] = _agent(name)
    data["elements"] = [
        {
            "number": e.number,
            "roman": ROMAN[e.number - 1],
            "requirement": e.text,
            "content": contents[e.number - 1],
        }
        for e in notice.elements
    ]
    data["notice_title"] = notice.title
    data["source"] = {
        "urls": list(notice.source.urls),
        "checked_on": notice.source.checked_on.isoformat(),
    }
    data["use_note"] = DMCA_USE
    return data


def dmca_text(data: dict[str, Any]) -> str:
    """The DMCA notice as plain text, placeholders marked ``[FILL IN: ...]``."""
    parts = [
        plain.header(data),
        plain.heading("Before you send it", "-"),
        data["use_note"],
        f"{data['agent']['how']} (source: {'; '.join(data['agent']['sources'])}, checked "
        f"{data['agent']['checked_on']})",
        plain.heading("The notice", "-"),
        f"To: {plain.value(data['agent']['to'])}",
        f"Notification of claimed infringement under {data['notice_title']}.",
    ]
    for element in data["elements"]:
        lines = [f"({element['roman']}) {element['requirement']}"]
        lines += [f"    {plain.value(v)}" for v in element["content"]]
        parts.append("\n".join(lines))
    parts += [
        plain.heading("The material, quoted exactly", "-"),
        plain.quotes(data["items"]),
        f"Elements as read at {'; '.join(data['source']['urls'])} "
        f"(checked {data['source']['checked_on']}).",
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"


def takedown_request(request: Request) -> dict[str, Any]:
    """The request to the poster: the items quoted, what is asked, by when."""
    data, _chosen = base(request, "takedown-request", "Request to take down")
    if not request.item_ids and data["items"]:
        poster = data["items"][0]["author"]  # one letter, one poster: the worst item's
        data["items"] = [i for i in data["items"] if i["author"] == poster]
        data["timeline"] = [i for i in data["timeline"] if i["author"] == poster]
    authors: list[str] = []
    for item in data["items"]:
        if item["author"] not in authors:
            authors.append(item["author"])
    platforms = sorted({item["platform"] for item in data["items"]} - {"email"})
    data["to"] = authors or [fill("the account or person the request is for")]
    data["timeline_span"] = _span(data["timeline"])
    data["asks"] = [
        "Delete the messages and posts quoted below, and any copies of them you have posted "
        "elsewhere.",
        "Stop contacting me, and stop posting about me, including my address, workplace or "
        "other personal details.",
    ]
    data["deadline"] = fill("a date, for example 7 days from today")
    where = " and ".join(platforms) or "the services involved"
    data["next_steps"] = (
        "If they are not removed, I will consider the other steps open to me, including "
        f"reporting them to {where} and asking a lawyer for advice. "
        "You do not need to reply, except to confirm that they are removed."
    )
    data["signature"] = fill("your name or initials (think before sharing more)")
    data["before_sending"] = BEFORE_SENDING
    return data


def _span(timeline: list[dict[str, Any]]) -> str:
    """When the quoted items were sent: "on X", "between X and Y", or "" when unknown."""
    if not timeline:
        return ""
    first, last = timeline[0]["sent"], timeline[-1]["sent"]
    return f"on {first}" if first == last else f"between {first} and {last}"


def takedown_text(data: dict[str, Any]) -> str:
    """The request as plain text (a direct message or email body)."""
    to = ", ".join(plain.value(t) for t in data["to"])
    asks = "\n".join(f"{n}. {ask}" for n, ask in enumerate(data["asks"], start=1))
    parts = [
        plain.header(data),
        data["before_sending"],
        plain.heading("The request", "-"),
        f"To {to}:",
        f"I am writing about the messages or posts quoted below, which you sent or published "
        f"{data['timeline_span']}. I have kept a copy of each one.".replace(" .", "."),
        f"I ask you to do the following by {plain.value(data['deadline'])}:\n{asks}",
        data["next_steps"],
        plain.value(data["signature"]),
        plain.heading("The items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"
