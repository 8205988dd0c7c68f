"""The safety section reads its numbers from the checked reference data, never from code."""

from __future__ import annotations

from onrecord.reference import lookup
from onrecord.steps.safety import EMERGENCY, HOTLINES, NO_LINES_NOTE, country_of, safety


def test_us_state_case_gets_911_and_sourced_hotlines() -> None:
    section = safety("US-CA", ["a threat was recorded"])
    assert section.emergency_number == "911"
    assert any("1-800-799-7233" in line for line in section.hotlines)
    assert section.sources and all(url.startswith("http") for url in section.sources)
    assert section.why == ["a threat was recorded"]


def test_every_number_shown_comes_from_the_reference_data() -> None:
    known = {h.number for h in lookup.hotlines()}
    for code in ("US", "GB", "AU", "CA", "DE", "IN", "FR"):
        section = safety(code, [])
        assert section.emergency_number in known
        for line in section.hotlines:
            assert line == NO_LINES_NOTE or any(number in line for number in known)


def test_eu_member_without_own_lines_gets_112() -> None:
    assert country_of("FR") == "EU"
    assert safety("FR", []).emergency_number == "112"
    assert safety("DE", []).emergency_number == "112"
    assert country_of("UK-ENG") == "GB"


def test_unknown_country_says_so_instead_of_guessing() -> None:
    section = safety("JP", [])
    assert section.emergency_number == "your local emergency number"
    assert section.hotlines == [NO_LINES_NOTE]
    assert section.sources == []


def test_module_tables_for_the_web_page_match_the_data() -> None:
    assert EMERGENCY["US"] == "911" and EMERGENCY["AU"] == "000"
    assert any("116 016" in line for line in HOTLINES["DE"])
    assert "US" in HOTLINES and "EU" not in HOTLINES
