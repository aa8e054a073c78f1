"""The development windows of the drift harnesses (`monitor_drift_{variants,fold,scan,repr}.py`), in one place.

Each harness computes its candidate statistics on window pairs drawn exactly as bench/monitor_drift.py draws
them, from a development scenario (`mmlu` or `assistant`) and never with the bench's reporting seed. This module
holds what they share: the command-line options that choose the windows, the loop that draws them (a window pair
per shift level and index, in the order the levels are given, so a seed always gives the same windows), and the
saved statistics (`--save` / `--load`, npz) of the harnesses that keep them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import monitor_drift as bench
import numpy as np

REPORTING_SEED = 20261207  # bench/monitor_drift.py's default: the windows it reports, never developed on


@dataclass
class Pair:
    level: float
    index: int  # within its level: the shift topic is the index's turn
    ref_texts: list[str]
    cur_texts: list[str]
    ref: np.ndarray  # the texts' embeddings (all-MiniLM-L6-v2, cached)
    cur: np.ndarray


def add_window_options(parser: argparse.ArgumentParser, *, seed: int | None, windows: int, shifts: str) -> None:
    """--scenario, --seed (required when `seed` is None), --windows, --shifts and --out."""
    parser.add_argument("--scenario", default="mmlu", choices=bench.DEVELOPMENT.split(","))
    if seed is None:
        parser.add_argument("--seed", type=int, required=True, help="not the bench's default seed")
    else:
        parser.add_argument("--seed", type=int, default=seed, help="not the bench's default seed")
    parser.add_argument("--windows", type=int, default=windows, help="window pairs per shift level")
    parser.add_argument("--shifts", default=shifts, help="levels, in the order their windows are drawn")
    parser.add_argument("--out", type=Path, default=bench.ROOT / "bench" / "results" / "monitor",
                        help="where the embedding cache lives")  # fmt: skip


def levels(args: argparse.Namespace) -> list[float]:
    return [float(x) for x in args.shifts.split(",")]


def pairs(args: argparse.Namespace) -> Iterator[Pair]:
    """The development window pairs of `args`, level by level (printing each level's seconds per pair)."""
    if args.seed == REPORTING_SEED:
        sys.exit("the bench's default seed draws the windows it reports: choose another for development")
    from steward.monitor import drift

    drift.languages = bench._memoised_languages(drift.languages)  # type: ignore[assignment]
    cache = bench.EmbeddingCache(args.out / "embeddings.npz")
    (scenario,) = [s for s in bench.scenarios() if s.name == args.scenario]
    rng = np.random.default_rng(args.seed)
    for level in levels(args):
        started = time.perf_counter()
        for i in range(args.windows):
            ref_texts = bench.draw(scenario, 500, 0.0, i, rng)
            cur_texts = bench.draw(scenario, 500, level, i, rng)
            yield Pair(level, i, ref_texts, cur_texts, cache.embed(ref_texts), cache.embed(cur_texts))
        seconds = (time.perf_counter() - started) / max(args.windows, 1)
        print(f"shift {level:.0%}: {args.windows} pairs, {seconds:.2f} s/pair", flush=True)


def save(path: Path, rows: list[dict], names: list[str] | None = None) -> None:
    """Every pair's level, observed statistics and permuted ones (the harnesses that keep them), and the
    columns' names where the harness's columns vary by run."""
    extra = {"names": np.array(names)} if names is not None else {}
    np.savez(path, levels=[r["level"] for r in rows], observed=np.stack([r["observed"] for r in rows]),
             permuted=np.stack([r["permuted"] for r in rows]), **extra)  # fmt: skip


def load(paths: list[Path]) -> list[dict]:
    """The saved pairs of every file; each row has its file's column `names` where the file has them."""
    rows = []
    for path in paths:
        with np.load(path) as saved:
            names = [str(n) for n in saved["names"]] if "names" in saved.files else None
            triples = zip(saved["levels"], saved["observed"], saved["permuted"], strict=True)
            rows += [{"level": float(lv), "observed": o, "permuted": p, "names": names} for lv, o, p in triples]
    return rows
