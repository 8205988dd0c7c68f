"""The words and shapes of a screenshot's furniture: times, dates, names, handles, counters.

``screen_layout`` decides what a screenshot is; this module holds what it recognises lines
by (patterns that match one whole OCR line) and the small geometry it measures with.
Patterns are English, as the phones and sites most victims screenshot show them.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable, Sequence

from onrecord.analysis.ocr import Box, OcrLine

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_CLOCK = r"(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s?[ap]\.?\s?m\.?)?"
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?"
_DAY = rf"(?:today|yesterday|{_WEEKDAY})"
_DATE = (
    rf"(?:\d{{1,2}}\s{_MONTH}(?:,?\s\d{{4}})?|{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
)

#: A line that is only a time, a day or a date (with read ticks OCR may turn into marks).
SHOWN_TIME_ONLY = re.compile(
    rf"^(?:{_DAY},?\s*)?(?:{_DATE},?\s*)?(?:(?:at\s)?{_CLOCK})?\s*[✓✔√vV/·]{{0,2}}$",
    re.IGNORECASE,
)
#: Any time or date inside a line.
SHOWN_TIME = re.compile(rf"{_CLOCK}|{_DATE}", re.IGNORECASE)
CLOCK = re.compile(rf"^{_CLOCK}$", re.IGNORECASE)
DAY_OR_DATE = re.compile(rf"{_DAY}|{_DATE}", re.IGNORECASE)
#: "2h", "5m", "3 days ago", "just now": how feeds show a post's age.
RELATIVE_TIME = re.compile(
    r"^(?:\d{1,3}\s?[smhdw]|\d{1,3}\s(?:sec|secs|min|mins|minutes?|hours?|hrs?|days?|weeks?)"
    r"(?:\sago)?|just now|now)$",
    re.IGNORECASE,
)
#: The status bar: clock, battery, network.
STATUS = re.compile(
    rf"^(?:{_CLOCK}|\d{{1,3}}\s?%|(?:[45]G|LTE|5G\+?|VoLTE|Wi-?Fi|E|H\+?|3G|\W{{1,3}})(?:\s.*)?)$",
    re.IGNORECASE,
)
#: A chat's header subtitle and the message box at the bottom.
CHAT_CHROME = re.compile(
    r"^(?:online|typing\W*|active now|active \d+\s?\w+ ago|last seen .*|tap here for .*|"
    r"\d+ (?:members|participants)|(?:type a |send a )?message\W*|imessage|text message|"
    r"write a message\W*|aa)$",
    re.IGNORECASE,
)
#: A name as chats show it above a bubble: capitalised words, a ~name, or a phone number.
NAME_LIKE = re.compile(
    r"^(?:~\s?)?(?:[A-Z][\w'\u2019.-]*(?:\s(?:[A-Z][\w'\u2019.-]*|de|van|von|da|al|bin)){0,3}"
    r"|@[\w.]{2,30}|\+?\d[\d\s()-]{6,18}\d)$"
)
#: A post's header: [display name] @handle [· time].
HANDLE_HEADER = re.compile(
    r"^(?P<name>[^@]{0,60}?)\s*(?P<handle>@[A-Za-z0-9_.]{2,30})\s*"
    r"(?:[·•-]\s*(?P<time>.{1,40}))?$"
)
#: Counters and buttons under a post.
POST_NOISE = re.compile(
    r"^(?:[\d.,]+\s?[KkMm]?(?:\s(?:reposts?|retweets?|quotes?|likes?|views?|bookmarks?|"
    r"replies|comments?|shares?))?|reply|repost|retweet|quote|like|share|bookmark|views?|"
    r"follow|following|show more|translate (?:post|tweet)|post your reply|"
    r"(?:[\d.,]+\s?[KkMm]?\s*){2,4})$",
    re.IGNORECASE,
)


def is_post_time(text: str) -> bool:
    """A line holding only a post's time: "2h", "10:42 PM · Mar 3, 2026 · 1.2M Views"."""
    head = text.split("·")[0].strip()
    if RELATIVE_TIME.match(text.strip()):
        return True
    return bool(SHOWN_TIME_ONLY.match(head)) and bool(SHOWN_TIME.search(head))


def full_datetime(shown: str) -> dt.datetime | None:
    """A naive date and time when ``shown`` holds both; ``None`` otherwise.

    Numeric dates are taken only as year-month-day or when the day is over 12 (3/4/2026
    is March or April depending on the phone's country).
    """
    clock = re.search(_CLOCK, shown, re.IGNORECASE)
    day = _date(shown)
    if clock is None or day is None:
        return None
    text = clock.group(0).lower().replace(".", ":", 1).replace(" ", "")
    hour_text, rest = text.split(":", 1)
    minute, meridiem = int(rest[:2]), rest[2:].replace(".", "")
    hour = int(hour_text)
    if meridiem.startswith("p") and hour < 12:
        hour += 12
    elif meridiem.startswith("a") and hour == 12:
        hour = 0
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _date(shown: str) -> dt.date | None:
    found = re.search(r"(\d{4})-(\d{2})-(\d{2})", shown)
    try:
        if found:
            return dt.date(int(found[1]), int(found[2]), int(found[3]))
        found = re.search(r"(\d{1,2})\s([a-z]+)\.?,?\s(\d{4})", shown, re.IGNORECASE)
        if found and found[2].lower() in _MONTHS:
            return dt.date(int(found[3]), _MONTHS[found[2].lower()], int(found[1]))
        found = re.search(r"([a-z]+)\.?\s(\d{1,2})(?:st|nd|rd|th)?,?\s(\d{4})", shown, re.I)
        if found and found[1].lower() in _MONTHS:
            return dt.date(int(found[3]), _MONTHS[found[1].lower()], int(found[2]))
        found = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", shown)
        if found:
            first, second = int(found[1]), int(found[2])
            if first > 12:
                return dt.date(int(found[3]), second, first)
            if second > 12:
                return dt.date(int(found[3]), first, second)
    except ValueError:  # "31 Feb": not a date
        return None
    return None


def median_height(lines: Sequence[OcrLine]) -> float:
    """The median line height: the unit every gap is measured in."""
    heights = [line.box[3] - line.box[1] for line in lines]
    return float(statistics.median(heights)) if heights else 1.0


def union(boxes: Iterable[Box]) -> Box:
    listed = list(boxes)
    return (
        min(b[0] for b in listed),
        min(b[1] for b in listed),
        max(b[2] for b in listed),
        max(b[3] for b in listed),
    )


def mean_confidence(lines: Sequence[OcrLine]) -> float:
    return statistics.fmean(line.confidence for line in lines) if lines else 0.0
