"""The shipped reference data: every row sourced and dated, coverage, lookups and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from onrecord.cli.reference_commands import COMMANDS, reference
from onrecord.errors import InputError
from onrecord.reference import lookup
from onrecord.reference.lookup import (
    ABUSE_KINDS,
    DATA_FILES,
    NOT_LEGAL_ADVICE,
    ReferenceNotFoundError,
)

STATE_CODES = {
    f"US-{code}"
    for code in re.findall(
        r"[A-Z]{2}",
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
        "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY",
    )
}
# Each state fact column and the column that must hold its source.
STATE_FACT_SOURCES = {
    "harassment_statute": "harassment_source_url",
    "intimate_image_law": "intimate_image_source_url",
    "intimate_image_statute": "intimate_image_source_url",
    "defamation_years": "defamation_source_url",
    "defamation_statute": "defamation_source_url",
    "anti_slapp": "anti_slapp_source_url",
}


def _urls(cell: str) -> list[str]:
    return [u.strip() for u in cell.split(lookup.URL_SEPARATOR) if u.strip()]


# -- every shipped row carries a source and a checked-on date --------------------------------


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_row_has_a_web_source_and_a_past_checked_on_date(name: str) -> None:
    rows = lookup.read_rows(name)
    assert rows, f"{name} is empty"
    for number, row in enumerate(rows, start=2):
        where = f"{name} line {number}"
        checked = dt.date.fromisoformat(row["checked_on"])  # ISO date or ValueError
        assert checked <= dt.date.today(), f"{where}: checked_on {checked} is in the future"
        source_columns = [c for c in row if c.endswith("source_url")]
        assert source_columns, f"{name} has no source_url column"
        cells = [row[c] for c in source_columns if row[c].strip()]
        assert cells, f"{where}: no source URL"
        for cell in cells:
            for url in _urls(cell):
                assert url.startswith(("http://", "https://")), f"{where}: bad URL {url!r}"
                assert " " not in url, f"{where}: URL with a space {url!r}"


@pytest.mark.parametrize("name", DATA_FILES)
def test_no_draft_markers_or_verdicts_ship(name: str) -> None:
    for row in lookup.read_rows(name):
        for cell in row.values():
            text = cell.casefold()
            assert "unverified" not in text, cell
            assert "this is illegal" not in text, cell


def test_every_state_fact_has_its_own_source() -> None:
    for row in lookup.read_rows("us_state_laws.csv"):
        for fact, source in STATE_FACT_SOURCES.items():
            if row[fact].strip():
                assert _urls(row[source]), f"{row['code']}: {fact} has no {source}"


# -- coverage -------------------------------------------------------------------------------


def test_at_least_twenty_platforms_with_known_kinds() -> None:
    platforms = lookup.platforms()
    assert len(platforms) >= 20
    for item in platforms:
        assert item.channels, item.name
        for channel in item.channels:
            assert channel.kind in ABUSE_KINDS, (item.name, channel.kind)
            assert channel.how
    covered = {c.kind for p in platforms for c in p.channels}
    assert covered == set(ABUSE_KINDS)


def test_fifty_states_and_dc() -> None:
    states = lookup.states()
    assert set(states) == STATE_CODES
    assert len(lookup.read_rows("us_state_laws.csv")) == 51
    for state in states.values():
        assert state.anti_slapp is not None and state.anti_slapp.value in {"yes", "no"}
        if state.defamation is not None and state.defamation.years is not None:
            assert 1 <= state.defamation.years <= 6, state.code


def test_corrected_limitation_periods() -> None:
    """Rows the drafts had wrong, confirmed against the statutes' text."""
    washington = lookup.states()["US-WA"].defamation
    wisconsin = lookup.states()["US-WI"].defamation
    assert washington is not None and washington.years == 2
    assert wisconsin is not None and wisconsin.years == 3


@pytest.mark.parametrize("code", ["GB", "CA", "AU", "EU", "DE", "IN"])
def test_other_jurisdictions_present(code: str) -> None:
    info = lookup.law(code)
    assert info.code == code
    assert info.statutes
    assert not info.fallback_note


def test_named_instruments_are_present() -> None:
    eu = " ".join(s.citation for s in lookup.law("EU").statutes)
    assert "Art. 16" in eu and "Art. 17" in eu
    assert any("eSafety" in s.citation for s in lookup.law("AU").statutes)
    germany = lookup.law("DE").statutes
    assert any("Digital Services Act" in s.citation for s in germany)  # EU law applies too


@pytest.mark.parametrize(("kind", "count"), [("dmca", 6), ("take_it_down", 4), ("dsa_art16", 4)])
def test_notice_element_counts(kind: str, count: int) -> None:
    notice = lookup.notice_elements(kind)
    assert [e.number for e in notice.elements] == list(range(1, count + 1))
    assert all(e.text for e in notice.elements)


def test_other_notices_present() -> None:
    kinds = {n.kind for n in lookup.notices()}
    assert {"gdpr_art17", "search_removal"} <= kinds
    assert lookup.notice_elements("GDPR").kind == "gdpr_art17"
    assert lookup.notice_elements("take-it-down").kind == "take_it_down"


def test_legal_categories_have_elements_and_evidence() -> None:
    categories = lookup.legal_categories()
    assert len(categories) >= 10
    for category in categories:
        assert category.elements and category.evidence, category.key
    assert {"defamation", "stalking", "intimate_images", "true_threats"} <= {
        c.key for c in categories
    }


# -- lookups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("twitter", "X"),
        ("X", "X"),
        ("TWITTER.COM", "X"),
        ("fb", "Facebook"),
        ("Facebook", "Facebook"),
        ("ig", "Instagram"),
        ("take it down", "NCMEC Take It Down"),
        ("StopNCII", "StopNCII.org"),
    ],
)
def test_platform_aliases(name: str, expected: str) -> None:
    assert lookup.platform(name).name == expected


def test_platform_channels_by_kind() -> None:
    x = lookup.platform("twitter")
    assert x.channels_for("harassment")
    assert x.channels_for("copyright_agent") == ()
    assert x.kinds[0] == "harassment"


@pytest.mark.parametrize(
    ("code", "resolved"),
    [
        ("US-CA", "US-CA"),
        ("us-ny", "US-NY"),
        ("us_tx", "US-TX"),
        ("California", "US-CA"),
        ("US", "US"),
        ("UK", "GB"),
        ("gb", "GB"),
        ("India", "IN"),
        ("Indiana", "US-IN"),
    ],
)
def test_law_codes_and_names(code: str, resolved: str) -> None:
    assert lookup.law(code).code == resolved


def test_state_law_includes_federal_law_and_categories() -> None:
    info = lookup.law("US-CA")
    assert info.state is not None and info.state.name == "California"
    assert any("2261A" in s.citation for s in info.statutes)
    assert info.categories


def test_subdivision_falls_back_to_country() -> None:
    info = lookup.law("AU-NSW")
    assert info.code == "AU"
    assert "AU-NSW" in info.fallback_note
    assert info.statutes


def test_not_found_errors_name_what_exists() -> None:
    with pytest.raises(ReferenceNotFoundError) as caught:
        lookup.platform("myspace")
    assert isinstance(caught.value, LookupError) and isinstance(caught.value, InputError)
    assert "Facebook" in str(caught.value)
    with pytest.raises(LookupError, match="US-CA"):
        lookup.law("FR")
    with pytest.raises(LookupError, match="dmca"):
        lookup.notice_elements("subpoena")


# -- CLI ------------------------------------------------------------------------------------


def test_commands_export_the_group() -> None:
    assert [reference] == COMMANDS


def test_cli_platform_prints_each_channel_with_its_source() -> None:
    result = CliRunner().invoke(reference, ["platform", "twitter"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("X (also:")
    channels = lookup.platform("X").channels
    assert result.output.count("Source: ") == len(channels)
    assert result.output.count("(checked 20") == len(channels)


def test_cli_platform_json() -> None:
    result = CliRunner().invoke(reference, ["platform", "fb", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["name"] == "Facebook"
    assert data["channels"][0]["source"]["urls"]


def test_cli_law_ends_with_the_lawyer_line() -> None:
    result = CliRunner().invoke(reference, ["law", "US-CA"])
    assert result.exit_code == 0, result.output
    assert "California (US-CA)" in result.output
    assert "Categories the facts may fit" in result.output
    assert result.output.rstrip().endswith(NOT_LEGAL_ADVICE)
    assert "Source: " in result.output


def test_cli_law_fallback_and_json() -> None:
    runner = CliRunner()
    text = runner.invoke(reference, ["law", "AU-NSW"])
    assert text.exit_code == 0, text.output
    assert "No separate data for AU-NSW; showing AU." in text.output
    assert NOT_LEGAL_ADVICE in text.output
    as_json = runner.invoke(reference, ["law", "GB", "--json"])
    data = json.loads(as_json.output)
    assert data["code"] == "GB" and data["disclaimer"] == NOT_LEGAL_ADVICE
    assert all(s["source"]["checked_on"] for s in data["statutes"])


def test_cli_list() -> None:
    runner = CliRunner()
    text = runner.invoke(reference, ["list"])
    assert text.exit_code == 0, text.output
    assert "Platforms and services" in text.output and "US-WY" in text.output
    data = json.loads(runner.invoke(reference, ["list", "--json"]).output)
    assert len(data["platforms"]) >= 20
    assert {"GB", "CA", "AU", "EU", "DE", "IN", "US"} <= {j["code"] for j in data["jurisdictions"]}


def test_cli_unknown_name_fails_with_the_known_list() -> None:
    result = CliRunner().invoke(reference, ["platform", "myspace"])
    assert result.exit_code != 0
    assert isinstance(result.exception, LookupError)
    assert "Known:" in str(result.exception)
