"""Did a capture get the content, or only a login wall, an error or a "deleted" notice?

A screenshot of "Log in to see this post" proves nothing about the post. Such captures are
kept (they show what the page was at that moment, which matters when content disappears)
but are marked "content not captured", with the reason, and never counted as evidence of
the content. The signals are deliberately plain and explainable: the HTTP status, a
password field with little else on the page, and the wording sites use for removed content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Status = Literal["captured", "content not captured"]

# What platforms show in place of removed or hidden content (lower case, matched in the text).
GONE_PHRASES = (
    "this post was deleted",
    "this post has been deleted",
    "this tweet was deleted",
    "this post is unavailable",
    "this tweet is unavailable",
    "this post is from a suspended account",
    "this page isn't available",
    "this page is not available",
    "this content isn't available",
    "this content is not available",
    "sorry, this page isn't available",
    "the link you followed may be broken",
    "this video is unavailable",
    "video unavailable",
    "this video has been removed",
    "this account doesn't exist",
    "this account does not exist",
    "account suspended",
    "this comment has been deleted",
    "this message was deleted",
    "sorry, nobody on reddit goes by that name",
    "content not available",
    "post not found",
    "page not found",
)
REMOVED_MARKERS = frozenset({"[deleted]", "[removed]"})
LOGIN_PHRASES = (
    "log in",
    "login",
    "sign in",
    "sign up",
    "create an account",
    "join now",
    "to continue",
    "you must be logged in",
    "see more on",
    "forgot password",
)
CHALLENGE_PHRASES = (
    "checking your browser",
    "verify you are human",
    "are you a robot",
    "just a moment...",
    "enable javascript and cookies to continue",
    "press & hold to confirm",
)
LOGIN_PATH = re.compile(r"/(log-?in|sign-?in|auth|accounts/login|i/flow/login|session)\b", re.I)
# A page whose readable text is this short carries little beyond the wall itself.
SHORT_TEXT = 600


@dataclass(frozen=True)
class PageFacts:
    """What the verdict looks at, gathered by the browser."""

    http_status: int
    final_url: str
    title: str
    text: str
    password_fields: int
    content_type: str = "text/html"


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def judge(facts: PageFacts) -> Verdict:
    """Captured, or content not captured and why."""
    text = " ".join(facts.text.split()).lower()
    title = facts.title.strip().lower()
    if facts.http_status >= 400:
        return Verdict(
            "content not captured",
            f"the site answered HTTP {facts.http_status}: an error page, not the content",
        )
    if _has_any(title + " " + text[:2000], CHALLENGE_PHRASES) and len(text) < SHORT_TEXT * 2:
        return Verdict(
            "content not captured",
            "the site showed a bot check instead of the page; log in with a browser profile "
            "(`onrecord browser login`) or take a screenshot yourself",
        )
    gone = _first(text, GONE_PHRASES) or _first(title, GONE_PHRASES)
    if gone and len(text) < SHORT_TEXT * 3:
        return Verdict(
            "content not captured",
            f'the page says the content is gone ("{gone}"); this records that it was gone then',
        )
    if text.strip() in REMOVED_MARKERS:
        return Verdict("content not captured", "the page shows only [deleted] or [removed]")
    if facts.password_fields and (
        len(text) < SHORT_TEXT or LOGIN_PATH.search(facts.final_url) is not None
    ):
        return Verdict(
            "content not captured",
            "the page is a login wall; capture it again with a logged-in profile "
            "(`onrecord browser login NAME`, then `--profile NAME`)",
        )
    if LOGIN_PATH.search(facts.final_url) and _has_any(text[:1000], LOGIN_PHRASES):
        return Verdict(
            "content not captured",
            "the site sent the browser to its login page; capture it again with a logged-in "
            "profile (`onrecord browser login NAME`, then `--profile NAME`)",
        )
    return Verdict("captured", "")


def _first(text: str, phrases: tuple[str, ...]) -> str | None:
    for phrase in phrases:
        if phrase in text:
            return phrase
    return None


def _has_any(text: str, phrases: tuple[str, ...]) -> bool:
    return _first(text, phrases) is not None
