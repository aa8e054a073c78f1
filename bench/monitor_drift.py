"""Can Steward's drift detector be trusted? Detection and false-alarm rates on streams of public text.

    python bench/monitor_drift.py [--windows 200] [--size 500] [--shifts 0.05,0.1,0.2] [--evidently]
                                  [--alpha 0.01] [--pairs FIRST:LAST] [--skip-undrifted]
                                  [--out bench/results/monitor]

Texts come from ../shared/data (read there, never copied): the 38 MMLU subjects' questions, GSM8K problems,
HaluEval's user queries, WildGuard's benign prompts, BBQ's questions, HateCheck's cases and Davidson's tweets.
Each scenario has a reference topic mix and a shift topic:

- `mmlu`: the reference mixes 12 MMLU subjects (by their sizes); the shift comes from one of 6 other subjects,
  a different one in turn, so the shift is another exam subject, in the same style and of the same length.
- `assistant`: HaluEval's user queries (what an assistant is asked) shifted by GSM8K word problems.

Held out (`--scenarios mmlu-heldout,wildguard`): written before session 10 chose the tests' parameters on the two
above, and run once at the end to report on data the parameters never saw:

- `mmlu-heldout`: 12 other MMLU subjects, shifted by one of 7 more (none of them in `mmlu`).
- `wildguard`: WildGuard's benign prompts on sensitive topics, shifted by BBQ's bias questions (context and
  question). Until session 12 its shift topics were the characters of one BBQ question each (the questions were
  passed as topics), so its session 10 figures measured single characters among prompts, not BBQ questions.

Held out from session 12 (`--scenarios hatecheck,davidson`): written before session 12 chose the combined
embedding test's parameters on `mmlu` and `assistant` windows, and run once at the end:

- `hatecheck`: HateCheck's test cases (hateful and not) about women, black people, Muslims and disabled people,
  shifted by the cases about one of gay people, trans people and immigrants, in turn: the same templates, so
  the shift is mostly the group named.
- `davidson`: Davidson's tweets labelled neither offensive nor hateful and offensive ones (the first 4,000 of
  each in file order, an even mix), shifted by the tweets labelled hate speech.

Held out from session 12's lexical round (`--scenarios mmlu-rest`): written before the lexical statistics were
tuned on `mmlu` and `assistant` windows, and run once at the end:

- `mmlu-rest`: the one MMLU subject no other scenario uses (high school physics) shifts a reference mix of 12
  subjects taken by rule, not by choice: every third of the 37 subjects the other MMLU scenarios use, in
  alphabetical order, so the mix differs from both `mmlu`'s and `mmlu-heldout`'s.

Held out from session 13 (`--scenarios mmlu-swap`): written and committed before session 13 tried any change to
the tests, and scored once with the shipped test and once with the change chosen on the development scenarios:

- `mmlu-swap`: every MMLU subject in `../shared/data` is in some scenario above (38 of 38), so no unused subject
  is left; this one uses only the 20 subjects that were never in a development scenario (`mmlu-heldout`'s and
  `mmlu-rest`'s), arranged by rule in a pairing never scored: in alphabetical order, every third from the second
  is a shift topic (7: anatomy, college computer science, econometrics, high school European history, high
  school world history, medical genetics, US foreign policy, used in turn) and the other 13 are the reference
  mix. Most shift subjects were reference subjects of `mmlu-heldout`, so the pairs (mix, shift) are new.

For each scenario, `--windows` pairs of 500-request windows are drawn (with replacement, so that windows of one
mix are exchangeable) without a shift, and as many with 5 %, 10 % and 20 % of the current window from the shift
topic. Each pair goes through `steward.monitor.drift.detect_drift` with the signals a record of such a request
would give (input embeddings, input length, input language), at alpha 0.01 over the family (`--alpha`; each
pair's verdict is also taken at half of it from the same permutations, `drifted_at_half_alpha`, and written with
its p-values to `pairs-SCENARIO-LEVEL-FIRST.jsonl` as it is made). The figures: the share
of no-shift pairs called drifted (false alarms; goal ≤ 1 %) and of shifted pairs called drifted (goal ≥ 90 % at
10 %), overall and per signal. With `--evidently`, Evidently's embedding drift (its default: the domain
classifier, ROC AUC threshold 0.55) runs on the same pairs in the same run from bench/.venv-evidently
(`make bench-evidently-venv`) and its rates are printed beside Steward's.

Embeddings (all-MiniLM-L6-v2, the model Steward uses) are computed once and cached under --out by text hash.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the goal says; before numpy reads it

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
REFERENCE_SUBJECTS = [
    "high_school_psychology", "professional_law", "moral_scenarios", "high_school_macroeconomics",
    "elementary_mathematics", "moral_disputes", "prehistory", "philosophy", "high_school_biology",
    "clinical_knowledge", "marketing", "security_studies",
]  # fmt: skip
SHIFT_SUBJECTS = [
    "virology", "high_school_geography", "college_medicine", "high_school_us_history", "machine_learning",
    "human_sexuality",
]  # fmt: skip
# Held out: never used while the tests' parameters were chosen (session 10); reported once, at the end.
HELDOUT_REFERENCE = [
    "high_school_mathematics", "conceptual_physics", "high_school_world_history", "professional_medicine",
    "high_school_chemistry", "logical_fallacies", "high_school_european_history", "anatomy", "formal_logic",
    "international_law", "econometrics", "public_relations",
]  # fmt: skip
HELDOUT_SHIFT = [
    "college_physics", "medical_genetics", "us_foreign_policy", "abstract_algebra", "business_ethics",
    "college_computer_science", "college_chemistry",
]  # fmt: skip
# Held out from the lexical round: every third subject the scenarios above use (alphabetical), the unused one.
REST_REFERENCE = sorted(REFERENCE_SUBJECTS + SHIFT_SUBJECTS + HELDOUT_REFERENCE + HELDOUT_SHIFT)[::3][:12]
REST_SHIFT = ["high_school_physics"]
# Held out from session 13: the 20 subjects never in a development scenario, by rule (see the docstring).
_NON_DEVELOPMENT = sorted(HELDOUT_REFERENCE + HELDOUT_SHIFT + REST_SHIFT)
SWAP_SHIFT = _NON_DEVELOPMENT[1::3]
SWAP_REFERENCE = [s for s in _NON_DEVELOPMENT if s not in SWAP_SHIFT]
HATECHECK_REFERENCE = ["women", "black people", "Muslims", "disabled people"]
HATECHECK_SHIFT = ["gay people", "trans people", "immigrants"]
DAVIDSON_CAP = 4_000  # reference tweets per class (file order): enough for 500-request windows, cheap to embed
DEVELOPMENT = "mmlu,assistant"
HELDOUT = "mmlu-heldout,wildguard,hatecheck,davidson,mmlu-rest,mmlu-swap"


@dataclass
class Scenario:
    name: str
    reference: list[list[str]]  # topics of the reference mix, each a list of texts
    shifts: list[list[str]]  # shift topics, used in turn


def mmlu(subject: str) -> list[str]:
    with (DATA / "routing" / "mmlu" / f"mmlu_{subject}.csv").open(encoding="utf-8") as handle:
        return [row["prompt"] for row in csv.DictReader(handle)]


def scenarios() -> list[Scenario]:
    found = []
    if (DATA / "routing" / "mmlu").is_dir():
        found.append(Scenario("mmlu", [mmlu(s) for s in REFERENCE_SUBJECTS], [mmlu(s) for s in SHIFT_SUBJECTS]))
    halueval, gsm8k = DATA / "hallucination" / "halueval_general.json", DATA / "routing" / "gsm8k_responses.csv"
    if halueval.is_file() and gsm8k.is_file():
        lines = halueval.read_text(encoding="utf-8").splitlines()
        queries = [json.loads(line)["user_query"] for line in lines if line.strip()]
        with gsm8k.open(encoding="utf-8") as handle:
            problems = [row["prompt"] for row in csv.DictReader(handle)]
        found.append(Scenario("assistant", [queries], [problems]))
    if (DATA / "routing" / "mmlu").is_dir():
        heldout = [mmlu(s) for s in HELDOUT_REFERENCE], [mmlu(s) for s in HELDOUT_SHIFT]
        found.append(Scenario("mmlu-heldout", *heldout))
    wildguard, bbq = DATA / "injection" / "wildguard_benign.json", DATA / "bias" / "bbq_sample.jsonl"
    if wildguard.is_file() and bbq.is_file():
        prompts = [row["prompt"] for row in json.loads(wildguard.read_text(encoding="utf-8"))]
        rows = [json.loads(line) for line in bbq.read_text(encoding="utf-8").splitlines() if line.strip()]
        found.append(Scenario("wildguard", [prompts], [[f"{r['context']} {r['question']}" for r in rows]]))
    hatecheck = DATA / "toxicity" / "hatecheck_cases.csv"
    if hatecheck.is_file():
        with hatecheck.open(encoding="utf-8") as handle:
            cases = list(csv.DictReader(handle))
        groups = {g: [c["test_case"].strip() for c in cases if c["target_ident"] == g]
                  for g in HATECHECK_REFERENCE + HATECHECK_SHIFT}  # fmt: skip
        found.append(Scenario("hatecheck", [groups[g] for g in HATECHECK_REFERENCE],
                              [groups[g] for g in HATECHECK_SHIFT]))  # fmt: skip
    davidson = DATA / "toxicity" / "davidson_labeled.csv"
    if davidson.is_file():
        with davidson.open(encoding="utf-8") as handle:
            tweets = [(row["class"], row["tweet"]) for row in csv.DictReader(handle)]
        neither = [t for c, t in tweets if c == "2"][:DAVIDSON_CAP]
        offensive = [t for c, t in tweets if c == "1"][:DAVIDSON_CAP]
        found.append(Scenario("davidson", [neither, offensive], [[t for c, t in tweets if c == "0"]]))
    if (DATA / "routing" / "mmlu").is_dir():
        found.append(Scenario("mmlu-rest", [mmlu(s) for s in REST_REFERENCE], [mmlu(s) for s in REST_SHIFT]))
        found.append(Scenario("mmlu-swap", [mmlu(s) for s in SWAP_REFERENCE], [mmlu(s) for s in SWAP_SHIFT]))
    return found


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.is_file():
            with np.load(path) as stored:
                self.vectors = {key: stored[key] for key in stored.files}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode()).hexdigest()[:24] for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        if missing:
            from steward.models.embeddings import get_embedder

            print(f"embedding {len(missing)} texts with all-MiniLM-L6-v2 (cached in {self.path}) …", flush=True)
            vectors = get_embedder().embed([t for _, t in missing])
            self.vectors.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self.vectors)
        return np.stack([self.vectors[k] for k in keys])


def draw(scenario: Scenario, size: int, shift: float, turn: int, rng: np.random.Generator) -> list[str]:
    """One window: the reference mix (topics weighted by size), with `shift` of it from one shift topic."""
    weights = np.array([len(t) for t in scenario.reference], float)
    shifted = round(size * shift)
    topics = rng.choice(len(scenario.reference), size=size - shifted, p=weights / weights.sum())
    texts = [scenario.reference[t][rng.integers(len(scenario.reference[t]))] for t in topics]
    other = scenario.shifts[turn % len(scenario.shifts)]
    texts += [other[i] for i in rng.integers(len(other), size=shifted)]
    return texts


LANGUAGES: dict[str, str] = {}  # text -> its language, across windows


def _memoised_languages(identify: Callable[[list[str]], list[str]]) -> Callable[[list[str]], list[str]]:
    def languages(texts: list[str]) -> list[str]:
        new = sorted({t for t in texts if t not in LANGUAGES})
        LANGUAGES.update(zip(new, identify(new), strict=True))
        return [LANGUAGES[t] for t in texts]

    return languages


def steward_verdicts(
    pairs: list[tuple[list[str], list[str]]],
    cache: EmbeddingCache,
    seed: int,
    alpha: float = 0.01,
    each: Callable[[dict], None] | None = None,
    first: int = 0,
) -> list[dict]:
    from steward.monitor import drift
    from steward.monitor.drift import WindowSample, detect_drift

    # The windows redraw the same texts: identify each text's language once (the same function, memoised), so
    # that the bench's time goes to the tests; detect_drift's own timing is bench/monitor_scale.py's.
    if not LANGUAGES:
        drift.languages = _memoised_languages(drift.languages)  # type: ignore[assignment]
    results = []
    for i, (ref, cur) in enumerate(pairs, start=first):
        windows = [
            WindowSample(label=name, inputs=texts, input_embeddings=cache.embed(texts), records=len(texts))
            for name, texts in (("reference", ref), ("current", cur))
        ]
        report = detect_drift("bench", windows[0], windows[1], alpha=alpha, seed=seed + i)
        # at half the alpha, from the same permutations: with inputs only a side's family holds all of alpha, so a
        # signal it called drifted whose p-value is under alpha / 2 would be called drifted at alpha / 2 too
        half = any(s.drifted and s.p_value is not None and s.p_value < alpha / 2 for s in report.signals)
        results.append({"drifted": report.drifted, "drifted_at_half_alpha": half,
                        **{s.name: s.drifted for s in report.signals}})  # fmt: skip
        if each is not None:
            each({"pair": i, **results[-1], "p_values": {s.name: s.p_value for s in report.signals}})
    return results


def evidently_verdicts(pairs: list[tuple[list[str], list[str]]], cache: EmbeddingCache, out: Path) -> list[bool]:
    python = ROOT / "bench" / ".venv-evidently" / "bin" / "python"
    if not python.is_file():
        raise SystemExit("bench/.venv-evidently is missing: run `make bench-evidently-venv` first.")
    arrays = {}
    for i, (ref, cur) in enumerate(pairs):
        arrays[f"ref{i}"], arrays[f"cur{i}"] = cache.embed(ref), cache.embed(cur)
    path = out / "evidently_pairs.npz"
    np.savez(path, **arrays)
    done = subprocess.run(
        [str(python), str(ROOT / "bench" / "_evidently_worker.py"), str(path), str(len(pairs))],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def rates(results: list[dict]) -> dict[str, float]:
    names = sorted({k for r in results for k in r})
    return {name: float(np.mean([r.get(name, False) for r in results])) for name in names}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=200, help="window pairs per shift level (default 200)")
    parser.add_argument("--size", type=int, default=500, help="requests per window (default 500)")
    parser.add_argument("--shifts", default="0.05,0.1,0.2")
    parser.add_argument(
        "--scenarios",
        default=DEVELOPMENT,
        help=f"comma-separated; development (parameters chosen on them): {DEVELOPMENT}; held out: {HELDOUT}",
    )
    parser.add_argument("--evidently", action="store_true", help="also run Evidently's embedding drift")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--alpha", type=float, default=0.01, help="family-wise alpha of each pair's run")
    parser.add_argument(
        "--skip-undrifted",
        action="store_true",
        help="draw the undrifted pairs (so the shifted ones are the same windows) but do not test them",
    )
    parser.add_argument("--pairs", help="FIRST:LAST: test only these pairs of each level (all are drawn, so a run "
                        "split in parts tests the same windows as one run)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "monitor")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(args.out / "embeddings.npz")
    chosen = [s for s in scenarios() if s.name in args.scenarios.split(",")]
    if not chosen:
        sys.exit(f"no scenario's data under {DATA}: the bench needs ../shared/data (MMLU, GSM8K, HaluEval).")
    levels = [0.0] + [float(x) for x in args.shifts.split(",") if x.strip()]  # --shifts "": false alarms only
    table = []
    for scenario in chosen:
        rng = np.random.default_rng(args.seed)
        cache.embed(sorted({t for topic in scenario.reference + scenario.shifts for t in topic}))
        for level in levels:
            pairs = [(draw(scenario, args.size, 0.0, i, rng), draw(scenario, args.size, level, i, rng))
                     for i in range(args.windows)]  # fmt: skip
            if level == 0 and args.skip_undrifted:
                continue
            first, last = (int(x) for x in (args.pairs or f"0:{len(pairs)}").split(":"))
            pairs = pairs[first:last]
            started = time.perf_counter()
            each_path = args.out / f"pairs-{scenario.name}-{level:g}-{first}.jsonl"  # each verdict as it is made
            with each_path.open("w", encoding="utf-8") as each:

                def write(row: dict, each=each) -> None:
                    print(json.dumps(row), file=each, flush=True)

                verdicts = steward_verdicts(pairs, cache, args.seed, args.alpha, write, first)
            found = rates(verdicts)
            seconds = (time.perf_counter() - started) / len(pairs)
            row = {"scenario": scenario.name, "shift": level, "windows": len(pairs), "steward": found,
                   "seconds_per_pair": round(seconds, 3)}  # fmt: skip
            if args.evidently:
                row["evidently"] = float(np.mean(evidently_verdicts(pairs, cache, args.out)))
            table.append(row)
            extra = f"  evidently {row['evidently']:.3f}" if args.evidently else ""
            print(
                f"{scenario.name:9s} shift {level:4.0%}: steward drifted {found['drifted']:.3f} "
                f"(at alpha/2, family p: {found['drifted_at_half_alpha']:.3f}) "
                f"(mmd+neighbours {found.get('input.embedding.mmd_neighbours', 0):.3f}, "
                f"auc {found.get('input.embedding.domain_auc', 0):.3f},"
                f" length {found.get('input.length', 0):.3f}, language {found.get('input.language', 0):.3f})"
                f"{extra}  [{seconds:.2f} s/pair]",
                flush=True,
            )
    (args.out / "drift.json").write_text(json.dumps(table, indent=2), encoding="utf-8")
    print(f"wrote {args.out / 'drift.json'}")


if __name__ == "__main__":
    main()
