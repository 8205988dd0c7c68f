"""The shipped triage model: loads offline, separates invented abuse from invented small talk,
refuses model files it cannot read, survives hostile input, and was never trained on its
held-out tweets."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import shutil
import sys
from importlib import resources
from pathlib import Path

import pytest

from onrecord.analysis.model import (
    MANIFEST_NAME,
    MAX_CHARS,
    MODEL_LABELS,
    ModelFormatError,
    TriageModel,
    load_model,
    normalise_text,
)

DATA = Path(str(resources.files("onrecord.analysis") / "data"))
REPO = Path(__file__).resolve().parents[2]
OLID = REPO.parent / "shared" / "data" / "train" / "olid" / "olid-training-v1.0.tsv"
HAS_ENCODER_RUNTIME = all(
    importlib.util.find_spec(name) is not None for name in ("onnxruntime", "tokenizers")
)
MODES = ["linear", "cascade", "encoder"] if HAS_ENCODER_RUNTIME else ["linear"]

# Invented for these tests; not taken from any data set.
ABUSIVE = [
    "you are a worthless idiot and everyone is laughing at you",
    "shut up you stupid bitch nobody asked you",
    "fuck you, you disgusting piece of shit",
    "you ugly pathetic loser, go crawl back under your rock",
]
BENIGN = [
    "thank you for the lovely dinner last night",
    "the train to the city leaves at nine tomorrow morning",
    "I planted tomatoes and basil in the garden today",
    "congratulations on the new job, you earned it",
]
HOSTILE_INPUTS = [
    "",
    "   \n\t ",
    "a" * 1_000_000,
    "you idiot " * 100_000,
    "\x00\x01\x02\x7f binary \ud800 lone surrogate \udfff",
    bytes(range(256)).decode("latin-1"),
    b"\xff\xfe\x00raw bytes \xc3\x28 not utf-8",
    "🖕🖕😡🤬 👁️‍🗨️ 🏳️‍🌈",
    "\u202eotni uoy\u202c \u200bzero\u200dwidth",
    "אתה אידיוט מוחלט ואף אחד לא אוהב אותך",
    "أنت غبي تماما ولا أحد يحبك",
    "你这个白痴 バカ 바보",
    "<script>alert('x')</script><b>you idiot</b> &amp; &#128514; &lt;3",
    "@someone https://example.com/path?q=1 www.example.org",
]


@pytest.fixture(scope="module", params=MODES)
def model(request: pytest.FixtureRequest) -> TriageModel:
    return load_model(request.param)


def test_shipped_model_loads_with_its_labels_and_thresholds(model: TriageModel) -> None:
    assert model.labels == MODEL_LABELS
    assert set(model.thresholds) == set(MODEL_LABELS)
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())
    assert model.manifest["format_version"] == 1
    if HAS_ENCODER_RUNTIME and model.mode != "linear":
        assert model.encoder is not None


def test_load_model_is_cached() -> None:
    assert load_model() is load_model()


def test_offensive_texts_score_above_benign_ones(model: TriageModel) -> None:
    abusive = model.score(ABUSIVE)
    benign = model.score(BENIGN)
    threshold = model.thresholds["offensive"]
    assert all(s["offensive"] >= threshold for s in abusive), abusive
    assert all(s["offensive"] < threshold for s in benign), benign
    assert min(s["offensive"] for s in abusive) > max(s["offensive"] for s in benign)
    assert sum(s["targeted_insult"] for s in abusive) > sum(s["targeted_insult"] for s in benign)
    assert model.decide(abusive[0])["offensive"] is True
    assert model.decide(benign[0])["offensive"] is False


def test_hostile_input_gives_one_finite_score_per_label(model: TriageModel) -> None:
    results = model.score(HOSTILE_INPUTS)
    assert len(results) == len(HOSTILE_INPUTS)
    for scores in results:
        assert set(scores) == set(MODEL_LABELS)
        assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in scores.values())


def test_no_texts_give_no_scores(model: TriageModel) -> None:
    assert model.score([]) == []


def test_scores_are_deterministic(model: TriageModel) -> None:
    texts = ABUSIVE + BENIGN + HOSTILE_INPUTS[:4]
    assert model.score(texts) == model.score(texts)


def test_a_text_scores_the_same_alone_and_in_a_batch(model: TriageModel) -> None:
    alone = [model.score([text])[0] for text in ABUSIVE + BENIGN]
    together = model.score(ABUSIVE + BENIGN)
    for a, b in zip(alone, together, strict=True):
        assert a == pytest.approx(b, abs=1e-6)


def test_normalise_text_cuts_cleans_and_folds() -> None:
    assert len(normalise_text("x" * 1_000_000)) <= MAX_CHARS
    assert normalise_text("<b>Hello</b> &amp; WORLD") == "hello & world"
    assert normalise_text("\u202eabc\u200b") == "abc"
    assert normalise_text("@Someone see https://example.com now") == "@user see url now"
    assert normalise_text("soooooo") == "sooo"
    assert normalise_text(None) == ""
    assert normalise_text(b"caf\xc3\xa9 \xff") == "café \ufffd"


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(DATA, folder)
    return folder


def _edit_manifest(folder: Path, **changes: object) -> None:
    path = folder / MANIFEST_NAME
    manifest = json.loads(path.read_text("utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), "utf-8")


def test_a_copy_of_the_shipped_files_loads(model_copy: Path) -> None:
    copied = TriageModel.from_files(model_copy, mode="linear")
    assert copied.score(BENIGN) == load_model("linear").score(BENIGN)


@pytest.mark.parametrize("version", [0, 2, 999, "1", None])
def test_an_unknown_format_version_is_refused(model_copy: Path, version: object) -> None:
    _edit_manifest(model_copy, format_version=version)
    with pytest.raises(ModelFormatError, match="format version"):
        TriageModel.from_files(model_copy)


def test_a_foreign_manifest_is_refused(model_copy: Path) -> None:
    _edit_manifest(model_copy, format="something-else")
    with pytest.raises(ModelFormatError, match="not an onrecord triage model"):
        TriageModel.from_files(model_copy)


def test_a_manifest_without_its_file_list_is_refused(model_copy: Path) -> None:
    _edit_manifest(model_copy, files=None)
    with pytest.raises(ModelFormatError, match="incomplete or malformed"):
        TriageModel.from_files(model_copy)


def test_a_missing_manifest_is_refused(model_copy: Path) -> None:
    (model_copy / MANIFEST_NAME).unlink()
    with pytest.raises(ModelFormatError, match="Cannot read"):
        TriageModel.from_files(model_copy)


def test_an_altered_model_file_is_refused(model_copy: Path) -> None:
    path = model_copy / "triage_linear.npz"
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    with pytest.raises(ModelFormatError, match="does not match its manifest"):
        TriageModel.from_files(model_copy, mode="linear")


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown triage mode"):
        TriageModel.from_files(DATA, mode="fastest")


def _heldout_ids() -> list[str]:
    return (DATA / "olid_heldout_ids.txt").read_text("utf-8").split()


def test_heldout_ids_match_the_manifest() -> None:
    training = load_model("linear").manifest["training"]
    held = _heldout_ids()
    assert len(held) == len(set(held)) == training["heldout_ids_count"]
    assert all(i.isdigit() for i in held)
    digest = hashlib.sha256("\n".join(sorted(held, key=int)).encode()).hexdigest()
    assert digest == training["heldout_ids_sha256"]
    parts = (training["train_ids_count"], training["validation_ids_count"], len(held))
    assert sum(parts) == training["olid_total"]


@pytest.mark.skipif(not OLID.exists(), reason="OLID training data is not beside the checkout")
def test_heldout_ids_were_never_trained_or_tuned_on() -> None:
    spec = importlib.util.spec_from_file_location(
        "train_triage_model", REPO / "tools" / "train_triage_model.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, tool)  # its dataclasses look themselves up there
    spec.loader.exec_module(tool)
    parts = tool.split_olid(tool.load_olid(OLID))
    training = load_model("linear").manifest["training"]
    train_ids = [e.key for e in parts["train"]]
    val_ids = [e.key for e in parts["validation"]]
    assert tool.sha256_ids(train_ids) == training["train_ids_sha256"]
    assert tool.sha256_ids(val_ids) == training["validation_ids_sha256"]
    held = set(_heldout_ids())
    assert held == {e.key for e in parts["heldout"]}
    assert held.isdisjoint(train_ids)
    assert held.isdisjoint(val_ids)
