"""A report for each platform, and a draft public reply.

The platform report gives, for each kind of abuse triage found on a platform, the channel
the reference data names (with its source and the date it was checked), the platform rule
in plain words, and text ready to paste into the report form. The public reply puts not
replying first, spells out the risk of feeding a pile-on, and drafts a calm, factual reply.
"""

from __future__ import annotations

import contextlib
from typing import Any

from onrecord.documents import plain
from onrecord.documents.facts import Request, base, fill
from onrecord.documents.notices import channel_line, channels
from onrecord.reference.lookup import ReferenceNotFoundError, platform

# Triage labels and the reporting-channel kinds (reference data) that fit them, best first.
CHANNELS_BY_LABEL: dict[str, tuple[str, ...]] = {
    "threat": ("threats", "harassment"),
    "extortion": ("threats", "harassment"),
    "doxing": ("private_information", "harassment"),
    "sexual_harassment": ("intimate_images", "harassment"),
    "targeted_insult": ("harassment",),
    "identity_attack": ("harassment",),
    "self_harm_incitement": ("harassment",),
    "defamation_risk": ("harassment",),
    "offensive": ("harassment",),
}
# What each label means as a platform rule, in plain words.
RULES: dict[str, str] = {
    "threat": "Threatening someone with harm is against the rules of nearly every platform.",
    "extortion": "Demanding money or favours under threat (including of sharing images) is "
    "against the rules of nearly every platform.",
    "doxing": "Posting someone's private information, such as a home address, without "
    "consent is against the rules of most platforms.",
    "sexual_harassment": "Unwanted sexual comments, and sharing intimate images without "
    "consent, are against the rules of nearly every platform.",
    "targeted_insult": "Targeted, repeated abuse of one person is harassment under most "
    "platforms' rules.",
    "identity_attack": "Attacking someone for who they are (race, religion, gender, sexuality, "
    "disability) is against most platforms' hateful-conduct rules.",
    "self_harm_incitement": "Urging someone to harm themselves is against the rules of "
    "nearly every platform.",
    "defamation_risk": "False statements of fact about a person may break a platform's "
    "harassment rules; many platforms also take reports of false information about people.",
    "offensive": "Abusive language aimed at a person may break a platform's harassment rules.",
}
NO_DATA = (
    "onrecord has no reference data for this service: use the report button on each item, or "
    "the service's help pages."
)
NOT_REPLYING = (
    "You do not have to reply. Not replying is often the safest choice: a reply can bring the "
    "thread back to the top, show the people involved that they reached you, and draw more "
    "attention. You can report, block or mute, and leave the record to speak for itself."
)
PILE_ON = (
    "The risk of a pile-on: replying in public can feed a pile-on. Every reply puts the thread "
    "back in front of more people, and some will join in against you; quoting or naming the "
    "people involved makes it more likely. If you reply, reply once, calmly, do not name or "
    "tag anyone, and do not reply to the replies."
)
REPLY_TIPS = (
    "Keep to facts you can show. Do not repeat the worst words, do not guess at motives, and do "
    "not share your address, workplace or other details. Consider turning off replies or "
    "limiting who can reply before you post, and ask a trusted person to read it first."
)


def _abuse_kinds(items: list[dict[str, Any]]) -> list[str]:
    labels: list[str] = []
    for item in items:
        for label in item["labels"]:
            key = label.replace(" ", "_")
            if key not in labels:
                labels.append(key)
    return labels


def _section(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One platform: for each label found, its rule, channel(s) and the text to paste."""
    known = ""
    with contextlib.suppress(ReferenceNotFoundError):
        known = platform(name).name
    abuse = []
    for label in _abuse_kinds(items) or ["offensive"]:
        found: list[dict[str, Any]] = []
        for kind in CHANNELS_BY_LABEL.get(label, ("harassment",)):
            found = channels([known], (kind,)) if known else []
            if found:
                break
        about = [i for i in items if label.replace("_", " ") in i["labels"]] or items
        refs = "; ".join(
            f"item {i['id']} ({i['sent']}{', ' + i['url'] if i['url'] else ''})" for i in about
        )
        paste = (
            f"I am reporting {len(about)} message(s) or post(s) sent to or about me by "
            f"{', '.join(sorted({i['author'] for i in about}))}: {refs}. "
            f"{RULES.get(label, RULES['offensive'])} I have kept copies of each one, with "
            "their times and SHA-256 hashes. Please remove them and review the account."
        )
        abuse.append(
            {
                "label": label.replace("_", " "),
                "rule": RULES.get(label, RULES["offensive"]),
                "channels": found,
                "no_channel": "" if found else NO_DATA,
                "paste": paste,
            }
        )
    return {"platform": known or name, "abuse": abuse}


def platform_report(request: Request) -> dict[str, Any]:
    """The report data: one section per platform (the one asked for, or each present)."""
    data, _chosen = base(request, "platform-report", "Platform report")
    names: list[str] = []
    for item in data["items"]:
        if item["platform"] not in names and item["platform"] != "email":
            names.append(item["platform"])
    if request.platform and not names:
        names = [request.platform]
    data["sections"] = [
        _section(n, [i for i in data["items"] if i["platform"] == n]) for n in names
    ]
    data["before_sending"] = (
        "Report each item through the channel below. Reports are usually not shown to the "
        "person reported. Keep the report's confirmation; onrecord can log it."
    )
    return data


def platform_text(data: dict[str, Any]) -> str:
    """The platform report as plain text."""
    parts = [plain.header(data), data["before_sending"]]
    if not data["sections"]:
        parts.append("No items on a platform were chosen.")
    for section in data["sections"]:
        parts.append(plain.heading(section["platform"], "-"))
        for abuse in section["abuse"]:
            lines = [f"Abuse found: {abuse['label']}", f"The rule broken: {abuse['rule']}"]
            lines += ["Where to report it:"]
            lines += [channel_line(c) for c in abuse["channels"]] or [abuse["no_channel"]]
            lines += ["Text to paste:", abuse["paste"]]
            parts.append("\n".join(lines))
    parts += [
        plain.heading("The items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"


def public_reply(request: Request) -> dict[str, Any]:
    """The reply data: not replying first, the pile-on risk, then a calm factual draft."""
    data, _chosen = base(request, "public-reply", "Public reply or correction (draft)")
    data["not_replying"] = NOT_REPLYING
    data["pile_on"] = PILE_ON
    data["tips"] = REPLY_TIPS
    data["draft"] = [
        "I have seen the posts about me here. Some of what has been said is not true.",
        fill("the one fact you want to correct, stated plainly and briefly"),
        "I will not be replying further in this thread. I have kept a record of what was "
        "posted and have reported it to the platform.",
    ]
    data["correction"] = (
        "If a post says something false about you, a short correction stating the true fact, "
        "once, is usually enough. You do not need to answer each post."
    )
    return data


def reply_text(data: dict[str, Any]) -> str:
    """The public reply draft as plain text."""
    parts = [
        plain.header(data),
        plain.heading("First: you do not have to reply", "-"),
        data["not_replying"],
        data["pile_on"],
        data["tips"],
        plain.heading("If you do reply: a draft", "-"),
        "\n".join(plain.value(line) for line in data["draft"]),
        data["correction"],
        plain.heading("What was posted, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"
