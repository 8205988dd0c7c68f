"""Structure from synthetic screenshots: chat sides, names, times; posts; plain notes; and
the rules on hand-made line boxes where a picture would not add anything."""

from __future__ import annotations

import datetime as dt

import pytest

from onrecord.analysis.ocr import OcrLine, OcrPage
from onrecord.analysis.screen_layout import parse_shown_time, read_layout

from .screens import GROUP, NOTE, ONE_TO_ONE, page, similar


def test_a_one_to_one_chat() -> None:
    layout = read_layout(page("one-to-one"))
    assert layout.kind == "chat" and layout.confidence >= 0.8
    assert len(layout.messages) == len(ONE_TO_ONE)
    for message, (_separator, bubble) in zip(layout.messages, ONE_TO_ONE, strict=True):
        assert similar(message.text, bubble.text) >= 0.9, (message.text, bubble.text)
        assert message.side == bubble.side
        # the header names the other person; the owner's bubbles have no name
        assert message.author == ("Jordan Reeve" if bubble.side == "left" else None)
        assert 0.5 < message.confidence <= 1.0
    shown = [m.shown_time for m in layout.messages]
    assert shown == [
        "Yesterday 21:03",
        "Yesterday 21:05",
        "Today 10:42",
        "Today 10:43",
        "Today 10:50",
        "Today 10:51",
        "Today 10:52",
    ]
    assert any("status bar" in reason for reason in layout.reasons)
    assert any("Jordan Reeve" in reason for reason in layout.reasons)
    texts = " ".join(m.text for m in layout.messages)
    assert "9:41" not in texts and "87%" not in texts and "Message" not in texts


def test_a_group_chat_names_each_speaker() -> None:
    layout = read_layout(page("group"))
    assert layout.kind == "chat"
    assert [m.author for m in layout.messages] == [
        "Riley Park",
        "Casey Lund",
        "Casey Lund",  # the next bubble of the same speaker shows no name
        None,
        "Riley Park",
    ]
    assert [m.side for m in layout.messages] == [b.side for b in GROUP]
    assert [m.shown_time for m in layout.messages] == [b.time for b in GROUP]
    for message, bubble in zip(layout.messages, GROUP, strict=True):
        assert similar(message.text, bubble.text) >= 0.9
    assert any("group chat" in reason for reason in layout.reasons)


def test_posts_with_name_handle_time_and_body() -> None:
    layout = read_layout(page("post"))
    assert layout.kind == "post" and layout.confidence >= 0.7
    first, reply = layout.messages
    assert (first.author, first.handle) == ("Dana Whitfield", "@dana_whitfield")
    assert (
        similar(
            first.text,
            "Everyone should know what kind of person she really is. Share this before it gets "
            "taken down.",
        )
        >= 0.9
    )
    assert "Reposts" not in first.text and "Likes" not in first.text
    assert parse_shown_time(first.shown_time) == dt.datetime(2026, 3, 3, 22, 42)
    assert (reply.author, reply.handle, reply.shown_time) == ("Sam Ortiz", "@samortiz", "2h")
    assert similar(reply.text, "She deserves everything that is coming to her.") >= 0.9
    assert parse_shown_time(reply.shown_time) is None  # "2h": no date to fix it to


def test_a_plain_note_is_paragraphs() -> None:
    layout = read_layout(page("note"))
    assert layout.kind == "text" and layout.confidence <= 0.5
    first, second = layout.messages
    assert similar(first.text, " ".join(NOTE[:3])) >= 0.9
    assert similar(second.text, " ".join(NOTE[4:])) >= 0.9
    assert all(m.author is None and m.side is None for m in layout.messages)


def test_no_text_means_no_messages_and_no_confidence() -> None:
    layout = read_layout(page("noise"))
    assert (layout.kind, layout.messages, layout.confidence) == ("text", (), 0.0)


def line(text: str, x0: int, y0: int, x1: int, height: int = 50) -> OcrLine:
    return OcrLine(text, (x0, y0, x1, y0 + height), 0.99)


def test_lines_on_one_side_only_are_not_a_chat() -> None:
    lines = (
        line("First point of the statement", 40, 100, 700),
        line("Second point of the statement", 40, 300, 720),
        line("Third point", 40, 500, 300),
    )
    layout = read_layout(OcrPage(1080, 2400, lines, "test"))
    assert layout.kind == "text"


def test_a_wrapped_right_bubble_keeps_its_short_last_line() -> None:
    lines = (
        line("Where were you last night at", 300, 400, 1020),
        line("ok", 300, 455, 360),  # short: alone it would hug the left
        line("Fine thanks", 40, 700, 330),
    )
    layout = read_layout(OcrPage(1080, 2400, lines, "test"))
    assert layout.kind == "chat"
    first, second = layout.messages
    assert (first.side, first.text) == ("right", "Where were you last night at ok")
    assert second.side == "left"


def test_lines_across_the_whole_width_lower_the_confidence() -> None:
    wide = tuple(line(f"A long line of text number {n}", 30, 200 + 120 * n, 1050) for n in range(6))
    sided = (line("hi", 40, 1000, 120), line("hello", 900, 1200, 1040))
    layout = read_layout(OcrPage(1080, 2400, wide + sided, "test"))
    assert layout.kind == "chat" and layout.confidence < 0.6
    assert any("sides are a guess" in reason for reason in layout.reasons)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("10:42 PM · Mar 3, 2026", dt.datetime(2026, 3, 3, 22, 42)),
        ("3 March 2026 21:03", dt.datetime(2026, 3, 3, 21, 3)),
        ("2026-03-03 09:05", dt.datetime(2026, 3, 3, 9, 5)),
        ("13/4/2026 12:30 AM", dt.datetime(2026, 4, 13, 0, 30)),
        ("3/4/2026 10:00", None),  # March or April: depends on the phone's country
        ("Mar 3, 2026", None),  # a date without a time is not a moment
        ("Yesterday 21:03", None),
        ("10:42", None),
        ("31 Feb 2026 10:00", None),
        (None, None),
    ],
)
def test_a_shown_time_becomes_a_moment_only_when_it_is_complete(
    shown: str | None, expected: dt.datetime | None
) -> None:
    assert parse_shown_time(shown) == expected
