"""Hand-written tests for the triage rules: positives with their evidence, look-alikes, bad input.

Every example is invented for these tests. None is a real person's message, name or number.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from onrecord.analysis.labels import DOXING_KINDS, LABELS, Finding
from onrecord.analysis.rules import RULE_LABELS, apply_rules
from onrecord.analysis.rules_context import TextIndex
from onrecord.analysis.rules_eval import evaluate


def _span_texts(finding: Finding, label: str) -> list[str]:
    return [s.text for s in finding.spans if s.label == label]


def _check_positive(text: str, label: str, expected: str) -> Finding:
    finding = apply_rules(text)
    assert finding.scores[label] >= 0.5, (text, finding.scores[label], finding.spans)
    spans = _span_texts(finding, label)
    assert any(expected in s for s in spans), (expected, spans)
    return finding


def _check_negative(text: str, label: str) -> None:
    finding = apply_rules(text)
    assert finding.scores[label] < 0.5, (text, finding.scores[label], finding.spans)


# --- threat -----------------------------------------------------------------------------------

THREAT_POSITIVE = [
    ("I'm going to kill you", "I'm going to kill you"),
    ("you'll get what's coming to you, mark my words", "you'll get what's coming"),
    ("I know where you live.", "I know where you live"),
    ("Better watch your back when you leave the gym", "watch your back"),
    ("You won't be safe anywhere in this town", "You won't be safe"),
    ("someone should shoot her already", "someone should shoot her"),
    ("i'll find you.", "i'll find you"),
    ("Your kids won't be safe after what you did", "Your kids won't be safe"),
    ("I will stab you tomorrow outside your office", "I will stab you"),
    ("ima beat the shit out of you next time i see you", "beat the shit out of you"),
    ("If you post that again I'll break your legs", "I'll break your legs"),
    ("you're dead meat", "you're dead meat"),
    ("It would be a shame if something happened to your daughter", "shame if something"),
    ("We're going to burn your house down", "burn your house down"),
]
THREAT_NEGATIVE = [
    "police said he threatened to kill her",
    "She received death threats after the interview",
    "I'll kill you at Mario Kart tonight",
    "this song kills me",
    "I could murder a pizza",
    "you're killing it!",
    "we were dying of laughter",
    "I would never hurt you",
    "my feet are killing me",
    "I'll shoot you a text later",
    "You're dead to me",
    "if anyone ever hurts you I'll kill them",
    "I'm going to destroy you at scrabble lol",
]


@pytest.mark.parametrize(("text", "expected"), THREAT_POSITIVE)
def test_threat_positive(text: str, expected: str) -> None:
    _check_positive(text, "threat", expected)


@pytest.mark.parametrize("text", THREAT_NEGATIVE)
def test_threat_negative(text: str) -> None:
    _check_negative(text, "threat")


def test_threat_quoted_is_lower_and_marked() -> None:
    direct = apply_rules("I'll kill you")
    quoted = apply_rules("he said 'I'll kill you'")
    assert quoted.scores["threat"] < 0.5 <= direct.scores["threat"]
    assert any(s.why.startswith("quoted") for s in quoted.spans if s.label == "threat")


def test_threat_time_place_and_means_raise_the_score() -> None:
    plain = apply_rules("I'm going to hurt you").scores["threat"]
    concrete = apply_rules("I'm going to hurt you tonight at your house").scores["threat"]
    assert concrete > plain
    whys = {s.why for s in apply_rules("I'll hurt you tonight").spans}
    assert "stated time" in whys


# --- extortion --------------------------------------------------------------------------------

EXTORTION_POSITIVE = [
    ("Pay me $500 in bitcoin by Friday or I post your nudes", "or I post"),
    ("send more photos or everyone sees the ones you sent", "send more photos"),
    ("Venmo me 200 or I send the pictures to your boss", "Venmo me 200"),
    ("Delete your post or I'll send the screenshots to your family", "Delete your post"),
    ("If you don't pay I'll share the video with your boss", "If you don't pay"),
    ("Send $1000 in gift cards or else", "or else"),
    ("give me the money or your wife finds out", "give me the money"),
    ("unless you send more nudes, your parents get everything", "unless you"),
    ("you have 48 hours to pay 2 BTC or the videos go public", "pay 2"),
    ("Transfer 300 euros or I'll email your photos to your whole contact list", "Transfer 300"),
]
EXTORTION_NEGATIVE = [
    "pay me back by friday",
    "Send more photos of the beach!",
    "I'll post the photos tonight",
    "Never send money to someone threatening to leak your photos; report it.",
    "Pay your bill by the 5th or a late fee applies",
    "or else what?",
    "Could you send $50 for the concert tickets?",
    "He threatened to post her pictures unless she paid, police said",
    "I'm going to share your recipe with everyone",
    "Send the slides or we can't start the meeting",
]


@pytest.mark.parametrize(("text", "expected"), EXTORTION_POSITIVE)
def test_extortion_positive(text: str, expected: str) -> None:
    _check_positive(text, "extortion", expected)


@pytest.mark.parametrize("text", EXTORTION_NEGATIVE)
def test_extortion_negative(text: str) -> None:
    _check_negative(text, "extortion")


def test_sextortion_is_named_and_raises_sexual_harassment() -> None:
    finding = apply_rules("Pay me $500 in bitcoin by Friday or I post your nudes")
    assert any("sextortion" in s.why for s in finding.spans if s.label == "extortion")
    assert finding.scores["sexual_harassment"] >= 0.5
    money_only = apply_rules("give me the money or your wife finds out")
    assert not any("sextortion" in s.why for s in money_only.spans)


def test_threat_to_expose_alone_is_not_extortion() -> None:
    assert apply_rules("I'm going to leak your nudes").scores["extortion"] < 0.5


# --- doxing -----------------------------------------------------------------------------------

DOXING_POSITIVE = [
    ("She lives at 12 Baker Street, go say hi", "12 Baker Street", "home_address"),
    ("her number is 020 7946 0958, call her", "020 7946 0958", "phone"),
    (
        "His email is dan.hollis77@gmail.com, fill his inbox",
        "dan.hollis77@gmail.com",
        "personal_email",
    ),
    ("she works at Pinewood Dental, let her boss know", "works at Pinewood Dental", "workplace"),
    ("her kids go to Oakfield Elementary", "Oakfield Elementary", "school"),
    ("Her husband is Gary Stone, go tell him what she did", "Gary Stone", "family"),
    ("He drives a blue Civic, plate ABC 1234", "ABC 1234", "vehicle_plate"),
    ("his SSN is 219-44-5678", "219-44-5678", "government_id"),
    ("found her: 40.74844, -73.98566", "40.74844, -73.98566", "coordinates"),
    (
        "Everyone should know where she lives: 4821 Maple Avenue, Springfield, IL 62704",
        "4821 Maple Avenue, Springfield, IL 62704",
        "home_address",
    ),
    ("Her NI number is AB 12 34 56 C", "AB 12 34 56 C", "government_id"),
    ("She lives at 5 rue de la Paix, 75002 Paris", "5 rue de la Paix", "home_address"),
    ("call this guy's cell (415) 555-0132 and tell him what you think", "(415) 555-0132", "phone"),
]
DOXING_NEGATIVE = [
    "We moved! Our new address is 22 Willow Road, Bristol BS8 1AA",
    "my new number is 020 7946 0123",
    "Visit our shop at 140 High Street, open daily 9-5, call 020 7946 0001",
    "Call your representative at (202) 555-0143 and tell them to vote no",
    "Order number 2125550143 shipped",
    "In 1999 I paid $1,200 for the car",
    "Call me at 3:30 tomorrow",
    "I was born 12/05/1990",
    "Email info@example.org for details",
    "The meeting is at 10am in room 2045",
    "my kids go to Oakfield Elementary",
    "I work at Northside Bank",
    "He works at a big company",
    "Her husband is Gary Stone and they met at university",
    "He has worked for the city council since 2010",
    "Call the crisis line at 1-800-273-8255 any time",
    "Posted on 20180917 at noon",
]


@pytest.mark.parametrize(("text", "expected", "kind"), DOXING_POSITIVE)
def test_doxing_positive(text: str, expected: str, kind: str) -> None:
    finding = _check_positive(text, "doxing", expected)
    kinds = {s.kind for s in finding.spans if s.label == "doxing" and expected in s.text}
    assert kind in kinds
    assert all(s.kind in DOXING_KINDS for s in finding.spans if s.label == "doxing")


@pytest.mark.parametrize("text", DOXING_NEGATIVE)
def test_doxing_negative(text: str) -> None:
    _check_negative(text, "doxing")


def test_doxing_several_details_together_score_higher() -> None:
    one = apply_rules("Her husband is Gary Stone").scores["doxing"]
    several = apply_rules("Her husband is Gary Stone, her number is 020 7946 0958").scores["doxing"]
    assert several > one


def test_doxing_exposure_intent_scores_higher_than_bare_detail() -> None:
    bare = apply_rules("020 7946 0958").scores["doxing"]
    exposed = apply_rules("here is her number 020 7946 0958, go say hi").scores["doxing"]
    assert exposed > bare
    assert bare < 0.5


def test_doxing_own_address_is_marked_as_own() -> None:
    finding = apply_rules("my new number is 020 7946 0123")
    assert any("own" in s.why for s in finding.spans if s.label == "doxing")


# --- self-harm incitement ---------------------------------------------------------------------

SELF_HARM_POSITIVE = [
    ("kys", "kys"),
    ("just kill yourself already", "kill yourself"),
    ("go die", "go die"),
    ("nobody would miss you if you died", "nobody would miss you if you died"),
    ("do everyone a favour and end it", "do everyone a favour and end it"),
    ("KYS loser", "KYS"),
    ("go jump off a bridge", "jump off a bridge"),
    ("the world would be better off without you", "better off without you"),
    ("why don't you just die", "why don't you just die"),
    ("k y s", "k y s"),
    ("you don't deserve to live", "you don't deserve to live"),
]
SELF_HARM_NEGATIVE = [
    "I'm dying to see it",
    "some days I want to kill myself, I'm so tired",
    "if you're thinking of hurting yourself, call 988",
    "If you feel like you want to kill yourself, please call the Samaritans on 116 123",
    "don't kill yourself over the exam, it's one test",
    "I'm dead tired",
    "kill the lights please",
    "she died of cancer last year",
    "my phone died",
    "log off for good",
    "he told me to kill myself and I reported him",
]


@pytest.mark.parametrize(("text", "expected"), SELF_HARM_POSITIVE)
def test_self_harm_positive(text: str, expected: str) -> None:
    _check_positive(text, "self_harm_incitement", expected)


@pytest.mark.parametrize("text", SELF_HARM_NEGATIVE)
def test_self_harm_negative(text: str) -> None:
    _check_negative(text, "self_harm_incitement")


def test_log_off_for_good_is_low_but_noticed() -> None:
    assert 0 < apply_rules("log off for good").scores["self_harm_incitement"] < 0.5


# --- sexual harassment ------------------------------------------------------------------------

SEXUAL_POSITIVE = [
    ("send nudes", "send nudes"),
    ("send me pics of your tits", "send me pics of your tits"),
    ("nice ass", "nice ass"),
    ("your body is so fuckable", "your body is so fuckable"),
    ("I want to fuck you", "want to fuck you"),
    ("show me your boobs", "show me your boobs"),
    ("what are you wearing right now", "what are you wearing right now"),
    ("sit on my face", "sit on my face"),
    ("I'm jerking off to your photos", "jerking off to"),
    ("you'd look better naked", "look better naked"),
    ("I'm going to rape you", "rape you"),
]
SEXUAL_NEGATIVE = [
    "sex education classes start in September",
    "Please read the sexual harassment policy",
    "send pics of the dog",
    "breast cancer awareness month",
    "what are you wearing to the wedding?",
    "the nude painting at the museum",
    "he kept asking me to send nudes so I blocked him",
    "chicken breast recipes",
    "I love my body",
    "the HR training covered sexual harassment",
]


@pytest.mark.parametrize(("text", "expected"), SEXUAL_POSITIVE)
def test_sexual_positive(text: str, expected: str) -> None:
    _check_positive(text, "sexual_harassment", expected)


@pytest.mark.parametrize("text", SEXUAL_NEGATIVE)
def test_sexual_negative(text: str) -> None:
    _check_negative(text, "sexual_harassment")


def test_rape_threat_is_also_a_threat() -> None:
    assert apply_rules("I'm going to rape you").scores["threat"] >= 0.5


# --- defamation risk --------------------------------------------------------------------------

DEFAMATION_POSITIVE = [
    ("she stole from the charity", "stole from"),
    ("he is a pedophile", "is a pedophile"),
    ("He's a convicted fraudster", "convicted fraudster"),
    ("she has herpes", "has herpes"),
    ("She slept with her boss to get promoted", "slept with her boss"),
    ("Dr. Keller botches surgeries", "botches surgeries"),
    ("he falsifies data in every study", "falsifies data"),
    ("she's a fake therapist, no license", "fake therapist"),
    ("Mike Dawson embezzled money from the school fund", "embezzled money"),
    ("Jordan beats his wife", "beats his wife"),
    ("he sells drugs to kids at the park", "sells drugs"),
]
DEFAMATION_NEGATIVE = [
    "he's an idiot",
    "I think he might be a thief, not sure",
    "she stole the show",
    "this pizza is criminal",
    "get tested for herpes at the clinic",
    "Is he a pedophile?",
    "he killed it on stage",
    "My cat is a thief lol",
    "The defendant was convicted of fraud, court records show",
    "I stole a cookie from the jar",
    "She is a fraud investigator",
]


@pytest.mark.parametrize(("text", "expected"), DEFAMATION_POSITIVE)
def test_defamation_positive(text: str, expected: str) -> None:
    _check_positive(text, "defamation_risk", expected)


@pytest.mark.parametrize("text", DEFAMATION_NEGATIVE)
def test_defamation_negative(text: str) -> None:
    _check_negative(text, "defamation_risk")


# --- the finding itself and bad input ---------------------------------------------------------


def _assert_well_formed(text: str, finding: Finding) -> None:
    assert set(finding.scores) == set(LABELS)
    assert all(0.0 <= v <= 1.0 for v in finding.scores.values())
    for label in set(LABELS) - set(RULE_LABELS):
        assert finding.scores[label] == 0.0
    for span in finding.spans:
        assert span.label in RULE_LABELS
        assert 0 <= span.start <= span.end <= len(text)
        assert text[span.start : span.end] == span.text
        assert span.why


def test_empty_text() -> None:
    finding = apply_rules("")
    assert all(v == 0.0 for v in finding.scores.values())
    assert finding.spans == []


def test_megabyte_of_text_is_fast() -> None:
    chunk = (
        "hey, are we still on for lunch at 12:30? my number changed to 020 7946 0123. "
        "I'll kill you at chess later lol. Order 4155550199 ships 2024-03-15. "
    )
    text = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    started = time.process_time()  # CPU time: other processes on a busy machine do not count
    finding = apply_rules(text)
    elapsed = time.process_time() - started
    _assert_well_formed(text, finding)
    assert elapsed < 1.0, elapsed


def test_megabyte_of_digits_and_junk_is_fast() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice("0123456789 -().+@abc\n") for _ in range(1_000_000))
    started = time.process_time()
    finding = apply_rules(text)
    assert time.process_time() - started < 1.0
    _assert_well_formed(text, finding)


@pytest.mark.parametrize(
    "text",
    [
        bytes(range(256)).decode("latin-1") * 50,
        os.urandom(20_000).decode("utf-8", errors="surrogateescape"),
        os.urandom(20_000).decode("utf-8", errors="replace"),
        "\x00\x01\x02 I will kill you \x00 \ud800 \udfff",
        "مرحبا، سأقتلك \u202eI will kill you\u202c שלום עולם",
        "你好世界 🙂🔥💀 I'll find you 👀 and \U0001f5e1",
        "<script>alert('I will kill you')</script><b>I will kill you</b>&nbsp;&#39;",
        "k\u200by\u200bs and go\u200b die, her number is 020\u200b 7946 0958",
        "İSTANBUL ǅ ß ﬁ I'll kill you",
        "\n" * 10_000 + "." * 10_000,
        "'" * 5_000 + '"' * 5_000 + "I'll kill you",
    ],
)
def test_bad_input_never_crashes(text: str) -> None:
    _assert_well_formed(text, apply_rules(text))


def test_markup_is_text_not_evaluated() -> None:
    text = "<b>I will kill you</b>"
    finding = apply_rules(text)
    assert finding.scores["threat"] >= 0.5
    assert "I will kill you" in _span_texts(finding, "threat")


def test_zero_width_characters_do_not_hide_a_phrase_and_offsets_stay_true() -> None:
    text = "just k\u200by\u200bs"
    finding = apply_rules(text)
    assert finding.scores["self_harm_incitement"] >= 0.5
    _assert_well_formed(text, finding)
    assert "k\u200by\u200bs" in _span_texts(finding, "self_harm_incitement")


def test_gate_words_never_hide_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scanning only near gate words must find exactly what a full scan finds."""
    texts = [t for t, *_ in THREAT_POSITIVE + EXTORTION_POSITIVE + DOXING_POSITIVE]
    texts += [t for t, *_ in SELF_HARM_POSITIVE + SEXUAL_POSITIVE + DEFAMATION_POSITIVE]
    texts += THREAT_NEGATIVE + EXTORTION_NEGATIVE + DOXING_NEGATIVE + SELF_HARM_NEGATIVE
    texts += SEXUAL_NEGATIVE + DEFAMATION_NEGATIVE
    gated = [apply_rules(t) for t in texts]
    monkeypatch.setattr(TextIndex, "windows", lambda self, keys: [(0, self.length)])
    full = [apply_rules(t) for t in texts]
    for text, a, b in zip(texts, gated, full, strict=True):
        assert (a.scores, a.spans) == (b.scores, b.spans), text


def test_curly_quotes_are_understood() -> None:
    assert apply_rules("I\u2019m going to kill you").scores["threat"] >= 0.5


# --- the evaluation set and its scorer --------------------------------------------------------

EVAL_SET = Path(__file__).resolve().parents[1] / "data" / "triage" / "rules_eval.jsonl"


def test_evaluation_set_is_big_enough_and_balanced() -> None:
    rows = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines()]
    assert all(set(r) == {"text", "labels", "doxing_kinds"} for r in rows)
    assert all(set(r["labels"]) <= set(RULE_LABELS) for r in rows)
    assert all(set(r["doxing_kinds"]) <= set(DOXING_KINDS) for r in rows)
    for label in RULE_LABELS:
        positives = sum(label in r["labels"] for r in rows)
        assert positives >= 20, label
    assert len(rows) >= 40 * len(RULE_LABELS)


def test_evaluate_counts_precision_and_recall(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    lines = [
        {"text": "I'm going to kill you", "labels": ["threat"], "doxing_kinds": []},
        {"text": "I'll kill you at Mario Kart", "labels": [], "doxing_kinds": []},
        {"text": "you'd better watch out for the ice", "labels": ["threat"], "doxing_kinds": []},
        {
            "text": "her number is 020 7946 0958, call her",
            "labels": ["doxing"],
            "doxing_kinds": ["phone"],
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = evaluate(path)
    assert result["threat"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2.0,
        "predicted": 1.0,
    }
    assert result["doxing:phone"]["recall"] == 1.0
    assert result["extortion"]["support"] == 0.0
    assert set(RULE_LABELS) <= set(result)
