"""The shipped triage model: a fast linear first pass, a small encoder for the uncertain middle.

It scores three of the triage labels — ``offensive``, ``targeted_insult``, ``identity_attack`` —
for any text, offline, with NumPy and (optionally) ONNX Runtime; never PyTorch.

* Stage 1, linear: word 1- and 2-grams and character 2- to 5-grams looked up in a stored vocabulary,
  TF-IDF weighted (sublinear tf, one L2 norm per n-gram kind) and one logistic regression per
  label, distilled from stage 2 — a sparse dot product in NumPy.
* Stage 2, encoder: all-MiniLM-L6-v2 fine-tuned on the same data, int8 ONNX. Only texts whose
  stage-1 ``offensive`` score lies in the uncertain band go through it; for those, each label's
  score is a fixed blend of both stages.

Three modes, each with thresholds tuned for it: "cascade" (the default: stage 1 everywhere, the
encoder on the uncertain band), "encoder" (the encoder on every text: better ranking, about 2.5
times slower) and "linear" (stage 1 alone). Without ``onnxruntime`` or ``tokenizers`` installed, the
model falls back to "linear"; ``TriageModel.mode`` says which mode is in use. Model files are NumPy
``.npz`` (no pickles), JSON and ONNX, listed with their SHA-256 in ``triage_manifest.json``;
a manifest of an unknown format version is refused. ``tools/train_triage_model.py`` writes them
and ``MODEL_CARD.md`` beside this module says what they were trained on and how well they do.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise, repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from onrecord.errors import OnrecordError

FORMAT = "onrecord-triage"
FORMAT_VERSION = 1
MODEL_LABELS: tuple[str, ...] = ("offensive", "targeted_insult", "identity_attack")
MANIFEST_NAME = "triage_manifest.json"
MAX_CHARS = 2000  # longer texts are cut here: score long documents a paragraph at a time
BATCH = 2048  # texts per vectorised stage-1 pass
MODES = ("cascade", "encoder", "linear")

_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION = re.compile(r"@\w+")
_RETWEET = re.compile(r"\brt\b")
_TAG = re.compile(r"<[^<>]{0,300}>")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REPEAT = re.compile(r"(.)\1{3,}")
_TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
CHAR_NGRAMS = (2, 3, 4, 5)


class ModelFormatError(OnrecordError):
    """The model files are missing, altered or of a format version this code cannot read."""


def normalise_text(text: object) -> str:
    """Bring any input to the form both stages were trained on.

    Bytes are decoded as UTF-8 with replacement; the text is cut to ``MAX_CHARS``; HTML tags
    and entities, invisible and bidirectional control characters, lone surrogates and control
    characters are removed; Unicode is NFKC-folded and lower-cased; links become ``url`` and
    user names ``@user`` (as in OLID); runs of one character longer than three are shortened.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text[: MAX_CHARS * 4]).decode("utf-8", "replace")
    elif text is None:
        return ""
    elif not isinstance(text, str):
        text = str(text)
    text = text[: MAX_CHARS * 2].encode("utf-8", "replace").decode("utf-8")
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _RETWEET.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _REPEAT.sub(r"\1\1\1", text)
    return " ".join(text.split())[:MAX_CHARS]


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of a normalised text."""
    tokens = _TOKEN.findall(text)
    return tokens + [a + " " + b for a, b in pairwise(tokens)]


def char_ngrams(text: str) -> list[str]:
    """Character 2- to 5-grams of a normalised text, spaces included, padded with one space."""
    padded = " " + text + " "
    grams: list[str] = []
    for n in CHAR_NGRAMS:
        grams.extend([padded[i : i + n] for i in range(len(padded) - n + 1)])
    return grams


def _sigmoid(x: NDArray[np.float32]) -> NDArray[np.float32]:
    out: NDArray[np.float32] = (1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))).astype(np.float32)
    return out


class LinearStage:
    """TF-IDF over a stored vocabulary and one logistic regression per label (NumPy only)."""

    def __init__(
        self,
        words: Sequence[str],
        chars: Sequence[str],
        idf: NDArray[np.float32],
        coef: NDArray[np.float32],
        intercept: NDArray[np.float32],
    ) -> None:
        self.n_words = len(words)
        self.n_features = len(words) + len(chars)
        if idf.shape != (self.n_features,) or coef.shape[0] != self.n_features:
            raise ModelFormatError("Linear model arrays do not match its vocabulary size.")
        self.word_index = dict(zip(words, range(self.n_words), strict=True))
        self.char_index = dict(zip(chars, range(self.n_words, self.n_features), strict=True))
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    def features(
        self, texts: Sequence[str]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]:
        """Sparse TF-IDF rows of normalised texts as (row, column, value) triples."""
        word_get, char_get = self.word_index.get, self.char_index.get
        columns: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            before = len(columns)
            words = word_ngrams(text)
            columns.extend(map(word_get, words, repeat(-1, len(words))))
            chars = char_ngrams(text)
            columns.extend(map(char_get, chars, repeat(-1, len(chars))))
            lengths[row] = len(columns) - before
        cols = np.asarray(columns, dtype=np.int64)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        keep = cols >= 0
        keys, counts = np.unique(rows[keep] * self.n_features + cols[keep], return_counts=True)
        rows, cols = keys // self.n_features, keys % self.n_features
        values = ((1.0 + np.log(counts)) * self.idf[cols]).astype(np.float32)
        group = rows * 2 + (cols >= self.n_words)
        norms = np.sqrt(np.bincount(group, weights=values * values, minlength=2 * len(texts)))
        values = (values / np.maximum(norms[group], 1e-12)).astype(np.float32)
        return rows, cols, values

    def logits(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Raw linear scores, one row per normalised text, one column per label."""
        rows, cols, values = self.features(texts)
        out = np.empty((len(texts), self.coef.shape[1]), dtype=np.float32)
        for k in range(self.coef.shape[1]):
            out[:, k] = np.bincount(rows, weights=values * self.coef[cols, k], minlength=len(texts))
        return out + self.intercept

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Label probabilities of normalised texts."""
        return _sigmoid(self.logits(texts))


class EncoderStage:
    """The fine-tuned MiniLM encoder, int8 ONNX, with its WordPiece tokenizer.

    Texts run one at a time: int8 dynamic quantisation scales activations over the whole input,
    so in a padded batch a text's score would depend on its neighbours; alone, it cannot. Speed
    comes from ``workers`` threads (ONNX Runtime releases the GIL), each running single-threaded
    sessions, which also lets stage 1 work on the next texts meanwhile.
    """

    def __init__(
        self, onnx_model: bytes, tokenizer_json: str, max_tokens: int, workers: int | None = None
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            onnx_model, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None

    def _run(self, texts: list[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), len(MODEL_LABELS)), dtype=np.float32)
        run = self.session.run
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            ids = np.array([encoding.ids], dtype=np.int64)
            out[row] = run(["probs"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        return out

    def submit(self, texts: Sequence[str]) -> list[tuple[NDArray[np.int64], Future[Any]]]:
        """Start scoring normalised texts: (positions in ``texts``, future array) per worker."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="onrecord-encoder")
        shares = min(self.workers, len(texts))
        return [
            (np.arange(k, len(texts), shares), self._pool.submit(self._run, list(texts[k::shares])))
            for k in range(shares)
        ]

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Label probabilities of normalised texts."""
        out = np.zeros((len(texts), len(MODEL_LABELS)), dtype=np.float32)
        for positions, future in self.submit(texts):
            out[positions] = future.result()
        return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TriageModel:
    """Scores texts for ``MODEL_LABELS``; build it with ``load_model()`` or ``from_files``."""

    def __init__(
        self,
        manifest: dict[str, Any],
        linear: LinearStage,
        encoder: EncoderStage | None,
        mode: str = "cascade",
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"Unknown triage mode {mode!r}: choose one of {', '.join(MODES)}.")
        self.manifest = manifest
        self.labels: tuple[str, ...] = tuple(manifest["labels"])
        self.linear = linear
        self.encoder = encoder
        self.mode = mode if encoder is not None else "linear"
        section = manifest[self.mode]
        self.thresholds: dict[str, float] = {k: float(v) for k, v in section["thresholds"].items()}
        cascade = manifest["cascade"]
        self.band = (float(cascade["band"][0]), float(cascade["band"][1]))
        self.blend = np.array([cascade["blend"][label] for label in self.labels], np.float32)

    @classmethod
    def from_files(
        cls, folder: Traversable, *, mode: str = "cascade", threads: int | None = None
    ) -> TriageModel:
        """Read a model folder; refuse an unknown format or files that do not match.

        ``threads``: encoder threads (``EncoderStage.workers``); None is one per core, up to 4.
        """
        if mode not in MODES:
            raise ValueError(f"Unknown triage mode {mode!r}: choose one of {', '.join(MODES)}.")
        try:
            manifest = json.loads(folder.joinpath(MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelFormatError(f"Cannot read the triage model manifest: {error}") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelFormatError(f"{MANIFEST_NAME} is not an onrecord triage model manifest.")
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelFormatError(
                f"Triage model format version {version!r} is not supported: this onrecord reads "
                f"version {FORMAT_VERSION}. Install the onrecord release that shipped this model, "
                "or rebuild it with tools/train_triage_model.py."
            )
        try:
            return cls._from_manifest(folder, manifest, mode, threads)
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise ModelFormatError(
                f"Triage model files are incomplete or malformed ({type(error).__name__}: {error})."
            ) from error

    @classmethod
    def _from_manifest(
        cls, folder: Traversable, manifest: dict[str, Any], mode: str, threads: int | None
    ) -> TriageModel:
        if tuple(manifest["labels"]) != MODEL_LABELS:
            raise ModelFormatError(f"Triage model labels {manifest['labels']} are not expected.")

        def read(role: str) -> bytes:
            name = manifest["files"][role]
            data = folder.joinpath(name).read_bytes()
            if _sha256(data) != manifest["sha256"][name]:
                raise ModelFormatError(f"Triage model file {name} does not match its manifest.")
            return data

        vocabulary = json.loads(read("vocabulary"))
        with np.load(io.BytesIO(read("linear")), allow_pickle=False) as arrays:
            linear = LinearStage(
                vocabulary["words"],
                vocabulary["chars"],
                arrays["idf"],
                arrays["coef"],
                arrays["intercept"],
            )
        encoder = None
        if mode != "linear" and _encoder_runtime_available():
            encoder = EncoderStage(
                read("encoder"),
                read("tokenizer").decode("utf-8"),
                int(manifest["cascade"]["max_tokens"]),
                threads,
            )
        return cls(manifest, linear, encoder, mode)

    def score_array(self, texts: Sequence[object]) -> NDArray[np.float32]:
        """Scores as an array: one row per text, one column per label in ``labels`` order."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        pending: list[tuple[NDArray[np.int64], Future[Any]]] = []
        for start in range(0, len(texts), BATCH):
            chunk = [normalise_text(t) for t in texts[start : start + BATCH]]
            if self.encoder is not None and self.mode == "encoder":
                pending += [(start + rows, job) for rows, job in self.encoder.submit(chunk)]
                continue
            probs = self.linear.probabilities(chunk)
            out[start : start + len(chunk)] = probs
            if self.encoder is not None and self.mode == "cascade":
                low, high = self.band
                routed = np.flatnonzero((probs[:, 0] >= low) & (probs[:, 0] <= high))
                jobs = self.encoder.submit([chunk[i] for i in routed])
                pending += [(start + routed[rows], job) for rows, job in jobs]
        for rows, job in pending:
            deep = job.result()
            if self.mode == "encoder":
                out[rows] = deep
            else:
                out[rows] = self.blend * deep + (1.0 - self.blend) * out[rows]
        return out

    def score(self, texts: Sequence[object]) -> list[dict[str, float]]:
        """Score each text: a probability-like value from 0 to 1 per label."""
        return [
            dict(zip(self.labels, map(float, row), strict=True)) for row in self.score_array(texts)
        ]

    def decide(self, scores: dict[str, float]) -> dict[str, bool]:
        """Whether each label's score reaches its threshold."""
        return {label: scores[label] >= self.thresholds[label] for label in self.labels}


def _encoder_runtime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def load_model(mode: str = "cascade", threads: int | None = None) -> TriageModel:
    """The model shipped in ``onrecord.analysis`` (``data/``), loaded once per process and mode.

    ``mode`` is "cascade" (default), "encoder" or "linear"; see the module docstring.
    ``threads`` is how many threads the encoder runs on (None: one per core, up to 4);
    a queue worker, one of several on a machine, gives fewer so they do not fight.
    """
    return _load_shipped(mode, threads)


@functools.cache
def _load_shipped(mode: str, threads: int | None) -> TriageModel:
    folder = resources.files("onrecord.analysis") / "data"
    return TriageModel.from_files(folder, mode=mode, threads=threads)


__all__ = [
    "FORMAT_VERSION",
    "MODEL_LABELS",
    "MODES",
    "ModelFormatError",
    "TriageModel",
    "load_model",
    "normalise_text",
]
