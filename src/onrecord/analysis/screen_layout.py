"""What a screenshot shows: a chat, a post, or plain text, recovered from OCR line boxes.

OCR gives lines and where they sit; a person sees bubbles, names and times. This module
recovers as much of that as the picture allows, and says how sure it is and why:

- **chat**: lines hugging the left edge are bubbles of the others, lines hugging the right
  edge bubbles of the phone's owner; a short name-like line in a smaller font above a left
  bubble names its author in a group chat (and the bubbles after it, until someone else
  speaks); a name in the header (1:1 chat) names every left bubble; a bare time next to a
  bubble is its shown time; a centred "Today" / "Yesterday 21:03" separates days; the
  status bar (clock, battery) and the message box are ignored.
- **post**: a header line with an ``@handle`` (display name beside or above it, then a time
  like "2h" or "Mar 3, 2026") starts a post; the lines up to the next header are its body,
  less counters and buttons ("12 Reposts", "Reply").
- **text**: otherwise the lines grouped into paragraphs, each one message with no author.

Nothing here reads pixels again: colours, avatars and bubble outlines are not seen, so an
author is a guess from position and font size, and the confidence says so.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass, replace
from typing import Literal

from onrecord.analysis.ocr import Box, OcrLine, OcrPage
from onrecord.analysis.screen_text import (
    CHAT_CHROME,
    CLOCK,
    DAY_OR_DATE,
    HANDLE_HEADER,
    NAME_LIKE,
    POST_NOISE,
    RELATIVE_TIME,
    SHOWN_TIME,
    SHOWN_TIME_ONLY,
    STATUS,
    full_datetime,
    is_post_time,
    mean_confidence,
    median_height,
    union,
)

_WORD = re.compile(r"\w")
Side = Literal["left", "right", "center"]
Kind = Literal["chat", "post", "text"]


@dataclass(frozen=True)
class ScreenMessage:
    """One message, post or paragraph as the screenshot shows it."""

    author: str | None  # as shown (display name or @handle); None when not legible
    shown_time: str | None  # the time as shown ("10:42 PM", "Yesterday 21:03", "2h")
    text: str
    side: Side | None  # chat: left = others, right = the phone's owner, center = system
    box: Box  # x0, y0, x1, y1 of everything read for it
    confidence: float  # OCR confidence times how sure the structure is
    lines: tuple[OcrLine, ...] = ()  # the OCR lines it was built from (name and time too)
    handle: str | None = None  # posts: the @handle, when legible


@dataclass(frozen=True)
class ScreenLayout:
    """What the screenshot was read as, its messages in order, and why."""

    kind: Kind
    messages: tuple[ScreenMessage, ...]
    confidence: float
    reasons: tuple[str, ...]


def read_layout(page: OcrPage) -> ScreenLayout:
    """Chat, post or text: whichever the lines' positions and words support best."""
    marks = [line for line in page.lines if not _WORD.search(line.text)]
    if marks:  # avatars, icons and emoji OCR turns into dots and dashes
        page = replace(page, lines=tuple(line for line in page.lines if line not in marks))
    if not page.lines:
        return ScreenLayout("text", (), 0.0, ("no legible text",))
    chat = _read_chat(page)
    if chat is not None and chat.confidence >= 0.6:
        return chat
    post = _read_post(page)
    if post is not None:
        return post
    if chat is not None:
        return chat
    return _read_text(page, "no chat or post layout recognised: lines grouped into paragraphs")


# -- chats --------------------------------------------------------------------------------


@dataclass
class _Bubble:
    side: Side
    lines: list[OcrLine]
    author: OcrLine | None = None
    time: OcrLine | None = None
    separator: OcrLine | None = None  # the centred day or time just above it
    day: str | None = None  # the last centred day shown above it ("Yesterday")

    @property
    def box(self) -> Box:
        return union(line.box for line in self.lines)


def _side(box: Box, width: int) -> Side | None:
    """Which edge a line hugs; None for a line across the whole width."""
    left, right = box[0] / width, (width - box[2]) / width
    if abs(left - right) < 0.06 and min(left, right) > 0.15:
        return "center"
    if left + 0.08 < right:
        return "left"
    if right + 0.08 < left:
        return "right"
    return None


def _is_time_line(text: str) -> bool:
    """A line that is only a time, a day or a date ("10:42", "Yesterday 21:03", "Today")."""
    return bool(SHOWN_TIME_ONLY.match(text)) and bool(
        DAY_OR_DATE.search(text) or SHOWN_TIME.search(text)
    )


def _strip_chrome(page: OcrPage, reasons: list[str]) -> tuple[list[OcrLine], OcrLine | None]:
    """The lines that can be messages, and the chat's title (1:1 chats show the name)."""
    width, height = page.width, page.height
    phone = height >= 1.4 * width
    band = 0.05 * height if phone else 0.0
    status = [
        line
        for line in page.lines
        if line.box[3] <= 1.4 * band and (STATUS.match(line.text) or len(line.text) <= 4)
    ]
    body = [line for line in page.lines if line not in status]
    chrome = [
        line
        for line in body
        if CHAT_CHROME.match(line.text)
        and (line.box[1] > 0.88 * height or line.box[3] < 0.16 * height)
    ]
    body = [line for line in body if line not in chrome]
    if status:
        reasons.append(f"status bar ignored ({len(status)} line(s): clock, battery, network)")
    if chrome:
        reasons.append(f"{len(chrome)} line(s) of the app's own (message box, 'online') ignored")
    title = None
    if phone and body:
        words = [line for line in body if not _is_time_line(line.text)] or body
        text_height = median_height(words)
        for line in body:
            if line.box[3] >= 0.12 * height:
                break
            centred = _side(line.box, width) == "center"
            if (
                NAME_LIKE.match(line.text)
                and not _is_time_line(line.text)
                and (centred or line.box[0] < 0.3 * width)
                and line.box[3] - line.box[1] >= 0.9 * text_height  # a title, not a name line
            ):
                title = line
                break
    if title is not None:
        limit = title.box[3] + 1.5 * (title.box[3] - title.box[1])
        body = [line for line in body if line.box[3] > limit]
        reasons.append(f"the header names the other person: {title.text!r} (1:1 chat)")
    return body, title


def _read_chat(page: OcrPage) -> ScreenLayout | None:
    reasons: list[str] = []
    body, title = _strip_chrome(page, reasons)
    width = page.width
    texts = [line for line in body if not _is_time_line(line.text)]
    if not texts:
        return None
    height = median_height(texts)
    sides = {id(line): _side(line.box, width) for line in body}
    if not {"left", "right"} <= set(sides.values()):
        return None
    bubbles: list[_Bubble] = []
    name: OcrLine | None = None  # a name line waiting for its bubble
    run_author: OcrLine | None = None  # who speaks in the current run of left bubbles
    separator: OcrLine | None = None
    day: str | None = None
    names = 0
    for line in body:
        side = sides[id(line)]
        current = bubbles[-1] if bubbles else None
        if _is_time_line(line.text):
            if DAY_OR_DATE.search(line.text):
                separator, day = line, line.text
            elif (
                current is not None and current.time is None and _near(current, line, height, width)
            ):
                current.time = line
            else:
                separator = line
            continue
        if (
            side == "left"
            and NAME_LIKE.match(line.text)
            and line.box[3] - line.box[1] <= 0.85 * height
        ):
            name, names = line, names + 1
            continue
        if (
            current is not None
            and current.time is None
            and _continues(current, line, height, width)
        ):
            current.lines.append(line)
            continue
        if side is None:
            side = "left" if line.box[0] < width - line.box[2] else "right"
        bubble = _Bubble(side, [line], separator=separator, day=day)
        separator = None
        if side == "left":
            if name is not None:
                run_author, name = name, None
            elif current is None or current.side != "left":
                run_author = None
            bubble.author = run_author
        else:
            run_author = None
        bubbles.append(bubble)
    messages = tuple(_message(bubble, title, names) for bubble in bubbles)
    left = sum(1 for b in bubbles if b.side == "left")
    right = sum(1 for b in bubbles if b.side == "right")
    timed = sum(1 for m in messages if m.shown_time)
    unsided = sum(1 for line in texts if sides[id(line)] is None) / len(texts)
    confidence = 0.4 + (0.2 if left and right else 0.0) + (0.1 if left > 1 and right > 1 else 0.0)
    confidence += 0.1 if timed * 2 >= len(messages) else 0.0
    confidence += 0.1 if names or title is not None else 0.0
    confidence -= 0.2 if unsided > 0.3 else 0.0
    reasons.insert(
        0, f"{left} bubble(s) on the left (others), {right} on the right (the phone's owner)"
    )
    reasons.append(f"a time is legible for {timed} of {len(messages)} message(s)")
    if names:
        reasons.append(f"{names} name line(s) above left bubbles (group chat)")
    if unsided > 0.3:
        reasons.append(f"{unsided:.0%} of the lines span the width: sides are a guess")
    return ScreenLayout("chat", messages, round(min(confidence, 0.9), 2), tuple(reasons))


def _near(bubble: _Bubble, line: OcrLine, height: float, width: int) -> bool:
    """A time line beside or just under a bubble belongs to it."""
    box = bubble.box
    below = line.box[1] - box[3]
    return -0.5 * height <= below < 1.0 * height and (
        line.box[0] <= box[2] + 0.2 * width and line.box[2] >= box[0] - 0.02 * width
    )


def _continues(bubble: _Bubble, line: OcrLine, height: float, width: int) -> bool:
    """The next line of the same bubble: close below and aligned with its first line."""
    last = bubble.lines[-1]
    gap = line.box[1] - last.box[3]
    if gap >= 0.7 * height:
        return False
    if bubble.side == "center":
        return _side(line.box, width) == "center"
    return abs(line.box[0] - bubble.lines[0].box[0]) < 0.04 * width


def _message(bubble: _Bubble, title: OcrLine | None, names: int) -> ScreenMessage:
    used = list(bubble.lines)
    structure = 0.75
    author = None
    if bubble.side == "left":
        if bubble.author is not None:
            author, structure = bubble.author.text, structure + 0.1
            used.insert(0, bubble.author)
        elif title is not None and not names:
            author, structure = title.text, structure + 0.05
    elif bubble.side == "right":
        structure += 0.1  # the owner's side is the surest thing a chat screenshot shows
    shown = None
    if bubble.time is not None:
        used.append(bubble.time)
        shown, structure = bubble.time.text, structure + 0.05
        if bubble.day and CLOCK.match(shown) and not DAY_OR_DATE.search(shown):
            shown = f"{bubble.day} {shown}"
    elif bubble.separator is not None and CLOCK.search(bubble.separator.text):
        shown = bubble.separator.text
    return ScreenMessage(
        author=author,
        shown_time=shown,
        text=" ".join(line.text for line in bubble.lines),
        side=bubble.side,
        box=union(line.box for line in used),
        confidence=round(mean_confidence(bubble.lines) * min(structure, 0.95), 3),
        lines=tuple(used),
    )


# -- posts --------------------------------------------------------------------------------


def _read_post(page: OcrPage) -> ScreenLayout | None:
    lines = list(page.lines)
    heights = median_height(lines)
    headers = [i for i, line in enumerate(lines) if HANDLE_HEADER.match(line.text)]
    if not headers:
        return None
    starts: list[int] = []
    for i in headers:  # the display name may sit on the line above the handle
        above = lines[i - 1] if i > 0 else None
        named = HANDLE_HEADER.match(lines[i].text)
        if (
            named is not None
            and not named.group("name")
            and above is not None
            and (i - 1) not in headers
            and lines[i].box[1] - above.box[3] < 1.2 * heights
            and len(above.text.split()) <= 6
            and not POST_NOISE.match(above.text)
        ):
            starts.append(i - 1)
        else:
            starts.append(i)
    messages: list[ScreenMessage] = []
    cues = 0
    for number, (start, header) in enumerate(zip(starts, headers, strict=True)):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        found = HANDLE_HEADER.match(lines[header].text)
        assert found is not None
        name = (found.group("name") or "").strip(" ·•") or (
            lines[start].text if start != header else ""
        )
        handle = found.group("handle")
        shown = (found.group("time") or "").strip() or None
        body: list[OcrLine] = []
        for line in lines[header + 1 : end]:
            if POST_NOISE.match(line.text):
                continue
            if is_post_time(line.text):
                shown = shown if shown and not SHOWN_TIME.search(line.text) else line.text
                continue
            body.append(line)
        if shown is not None and not (RELATIVE_TIME.match(shown) or SHOWN_TIME.search(shown)):
            shown = None  # not a time after all: keep it out of the time field
        used = lines[start : header + 1] + body
        ocr = statistics.fmean(line.confidence for line in used)
        structure = 0.55 + (0.15 if name else 0) + (0.15 if shown else 0) + (0.1 if body else 0)
        cues += bool(name) + bool(shown) + bool(body)
        messages.append(
            ScreenMessage(
                author=name or handle,
                shown_time=shown,
                text=" ".join(line.text for line in body),
                side=None,
                box=union(line.box for line in used),
                confidence=round(ocr * structure, 3),
                lines=tuple(used),
                handle=handle,
            )
        )
    skipped = starts[0]
    confidence = round(min(0.9, 0.5 + 0.4 * cues / (3 * len(messages))), 2)
    reasons = [
        f"{len(messages)} post header(s) with an @handle",
        f"{sum(1 for m in messages if m.shown_time)} with a legible time",
    ]
    if skipped:
        reasons.append(f"{skipped} line(s) above the first post ignored (app header)")
    return ScreenLayout("post", tuple(messages), confidence, tuple(reasons))


# -- plain text ---------------------------------------------------------------------------


def _read_text(page: OcrPage, reason: str) -> ScreenLayout:
    lines = list(page.lines)
    height = median_height(lines)
    paragraphs: list[list[OcrLine]] = []
    for line in lines:
        if paragraphs:
            last = paragraphs[-1][-1]
            gap = line.box[1] - last.box[3]
            aligned = abs(line.box[0] - paragraphs[-1][0].box[0]) < 0.1 * page.width
            if gap < 0.75 * height and aligned:
                paragraphs[-1].append(line)
                continue
        paragraphs.append([line])
    messages = tuple(
        ScreenMessage(
            author=None,
            shown_time=None,
            text=" ".join(line.text for line in group),
            side=None,
            box=union(line.box for line in group),
            confidence=round(0.8 * statistics.fmean(line.confidence for line in group), 3),
            lines=tuple(group),
        )
        for group in paragraphs
    )
    return ScreenLayout("text", messages, 0.5, (reason, f"{len(messages)} paragraph(s)"))


def parse_shown_time(shown: str | None) -> dt.datetime | None:
    """A full date and time when the screenshot shows one ("Mar 3, 2026, 10:42 PM",
    "3 March 2026 21:03", "2026-03-03 21:03"); None for a bare time, a day name or "2h".

    The result is naive: the time is as the phone showed it, in its own time zone.
    """
    return full_datetime(shown) if shown else None


__all__ = ["ScreenLayout", "ScreenMessage", "parse_shown_time", "read_layout"]
