"""A cease-and-desist letter to the poster, and a preservation request to a platform.

The letter names the conduct, quotes it, asks that it stop, and lists the legal categories
the facts may fit with their sources, leaving the decision to a lawyer. It threatens
nothing beyond the ordinary steps open to anyone. The preservation request asks a platform
to keep the account's data and the listed items (their URLs and ids) for a legal matter.
"""

from __future__ import annotations

from typing import Any

from onrecord.documents import plain
from onrecord.documents.facts import Request, base, categories, fill, suspects
from onrecord.documents.letters import BEFORE_SENDING

KEEP_WINDOW = (
    "Platforms may keep such data for a few months at most, so ask early "
    "(source: http://withoutmyconsent.org/resources/conversations-have-your-lawyer, cited in "
    "onrecord's reference notes)."
)
NOT_BINDING = (
    "A request from you alone may not oblige the platform to keep anything. Police, or a "
    "lawyer acting for you, can send a formal request; give them this letter and the exhibit "
    "list. Send it through the platform's legal or law-enforcement contact, if it has one."
)


def cease_and_desist(request: Request) -> dict[str, Any]:
    """The letter's data: to whom, the conduct quoted, what is asked, the categories."""
    data, _chosen = base(request, "cease-and-desist", "Cease and desist letter")
    authors: list[str] = []
    for item in data["items"]:
        if item["author"] not in authors:
            authors.append(item["author"])
    data["to"] = authors or [fill("the account or person the letter is for")]
    data["conduct"] = [
        f"Item {i['id']}, {i['sent']}: {i['kind']} on {i['platform']}"
        + (f" ({', '.join(i['labels'])})" if i["labels"] else "")
        for i in data["timeline"]
    ]
    data["asks"] = [
        "Cease and desist from contacting me by any means, directly or through others.",
        "Cease and desist from posting about me, including my address, workplace, images or "
        "other personal details.",
        "Remove the posts and messages quoted below, and any copies, within the time given.",
        "Keep, and do not destroy, any messages, posts, images or accounts related to me: they "
        "may be needed in a legal matter.",
    ]
    data["deadline"] = fill("a date, for example 7 days from today")
    data["categories"] = categories(request.case, data["items"])
    data["next_steps"] = (
        "If this does not stop, I will consider the steps open to me, which may include "
        "reporting it to the police and the platforms, and asking a lawyer about a civil claim. "
        "The conduct described may fit the legal categories listed below; whether it does is "
        "for a lawyer or a court to decide."
    )
    data["signature"] = fill("your name, or your lawyer's name if a lawyer sends it")
    data["before_sending"] = BEFORE_SENDING
    return data


def cease_text(data: dict[str, Any]) -> str:
    """The letter as plain text."""
    to = ", ".join(plain.value(t) for t in data["to"])
    asks = "\n".join(f"{n}. {ask}" for n, ask in enumerate(data["asks"], start=1))
    parts = [
        plain.header(data),
        data["before_sending"],
        plain.heading("The letter", "-"),
        f"To {to}:",
        "This letter concerns your conduct towards me, recorded below:\n"
        + ("\n".join(f"- {c}" for c in data["conduct"]) or "- (no items chosen)"),
        f"I require you to do the following by {plain.value(data['deadline'])}:\n{asks}",
        data["next_steps"],
        plain.value(data["signature"]),
        plain.heading("Legal categories the facts may fit", "-"),
        plain.category_lines(data["categories"]),
        plain.heading("The items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"


def preservation_request(request: Request) -> dict[str, Any]:
    """The request's data: the accounts and items to keep, by URL and id."""
    data, chosen = base(request, "preservation-request", "Preservation request")
    names: list[str] = []
    for item in data["items"]:
        if item["platform"] not in names:
            names.append(item["platform"])
    data["platform"] = request.platform or (", ".join(names) if names else "")
    data["to"] = [
        fill(
            f"the legal or law-enforcement contact of {data['platform'] or 'the platform'} "
            "(see its site)"
        )
    ]
    data["accounts"] = suspects(request.case, chosen)
    if request.platform:
        wanted = request.platform.lower()
        data["accounts"] = [a for a in data["accounts"] if a["platform"].lower() == wanted]
    data["listed"] = [
        {
            "id": i["id"],
            "url": i["url"] or fill(f"the URL or id of item {i['id']} on {i['platform']}"),
            "what": f"{i['kind']} by {i['author']}, {i['sent']}",
            "exhibit": plain.exhibit_ref(i["exhibit"]),
        }
        for i in data["items"]
    ]
    data["asks"] = [
        "Preserve all data about the accounts listed below: subscriber and registration "
        "details, names used, email addresses and phone numbers, sign-in records with IP "
        "addresses and times, and linked accounts.",
        "Preserve the posts and messages listed below, including deleted ones, with their "
        "metadata, and any other content these accounts posted about me.",
        "Keep this data for the legal matter until you receive formal legal process or I tell "
        "you it is no longer needed, and tell me if any of it can no longer be preserved.",
    ]
    data["matter"] = fill(
        "the legal matter, e.g. 'a police report filed on DATE, reference NUMBER' or "
        "'a civil claim I am preparing with a lawyer'"
    )
    data["keep_window"] = KEEP_WINDOW
    data["not_binding"] = NOT_BINDING
    data["signature"] = fill("your name, or your lawyer's name if a lawyer sends it")
    data["contact"] = fill("an email address for the reply")
    return data


def preservation_text(data: dict[str, Any]) -> str:
    """The preservation request as plain text."""
    to = ", ".join(plain.value(t) for t in data["to"])
    asks = "\n".join(f"{n}. {ask}" for n, ask in enumerate(data["asks"], start=1))
    listed = "\n".join(
        f"- Item {i['id']}: {plain.value(i['url'])}\n  {i['what']}\n  {i['exhibit']}"
        for i in data["listed"]
    )
    parts = [
        plain.header(data),
        data["not_binding"],
        data["keep_window"],
        plain.heading("The request", "-"),
        f"To {to}:",
        f"I ask you to preserve data for a legal matter: {plain.value(data['matter'])}.",
        asks,
        plain.heading("The accounts", "-"),
        plain.suspect_lines(data["accounts"]),
        plain.heading("The items", "-"),
        listed or "No items were chosen.",
        f"{plain.value(data['signature'])}\n{plain.value(data['contact'])}",
        plain.heading("The items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"
