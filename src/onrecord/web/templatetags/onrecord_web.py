"""Template filters: plain words for codes. Every value still goes through autoescaping."""

from __future__ import annotations

from django import template

from onrecord.web import words

register = template.Library()


@register.filter
def label_word(key: str) -> str:
    return words.word(words.LABEL_WORDS, key)


@register.filter
def level_word(key: str) -> str:
    return words.word(words.LEVEL_WORDS, key)


@register.filter
def step_word(key: str) -> str:
    return words.word(words.STEP_WORDS, key)


@register.filter
def status_word(key: str) -> str:
    return words.word(words.STATUS_WORDS, key)


@register.filter
def decision_word(key: str) -> str:
    return words.word(words.DECISION_WORDS, key)


@register.filter
def web_href(url: str) -> str:
    """The address if it is http(s), else nothing: a ``javascript:`` link never reaches a page."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""
