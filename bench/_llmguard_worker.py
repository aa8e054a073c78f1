"""Runs inside bench/.venv-llmguard: times LLM Guard's input scanners on the prompts `bench/guardrails.py` gives.

Input: a JSON file {"texts": [...], "rounds": n}. Output (last line of stdout): {"rows": {name: figures},
"unavailable": {name: why}}. Every scanner is constructed offline; one that needs a model from the Hugging
Face hub fails to construct, and the error is reported instead of a figure.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402

from _timing import timed  # noqa: E402


def candidates() -> dict[str, Callable[[], object]]:
    from llm_guard import input_scanners as s
    from llm_guard.vault import Vault

    return {
        "Secrets": lambda: s.Secrets(),
        "Regex": lambda: s.Regex(patterns=[r"\bsk-[A-Za-z0-9]{20,}\b", r"\b\d{3}-\d{2}-\d{4}\b"]),
        "BanSubstrings": lambda: s.BanSubstrings(substrings=["ignore previous instructions", "system prompt"]),
        "InvisibleText": lambda: s.InvisibleText(),
        "TokenLimit": lambda: s.TokenLimit(),
        "Anonymize": lambda: s.Anonymize(Vault()),
        "PromptInjection": lambda: s.PromptInjection(),
        "Toxicity": lambda: s.Toxicity(),
    }


def main() -> None:
    with open(sys.argv[1]) as handle:
        job = json.load(handle)
    texts, rounds = job["texts"], job["rounds"]
    rows, unavailable, runnable = {}, {}, []
    for name, make in candidates().items():
        try:
            scanner = make()
            scanner.scan(texts[0])
        except Exception as exc:  # a scanner that cannot run offline: say why
            unavailable[f"llm-guard {name}"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            continue
        runnable.append(scanner)
        rows[f"llm-guard {name}"] = timed(lambda t, sc=scanner: sc.scan(t), texts, rounds)
    if runnable:
        rows["llm-guard offline input scanners, together"] = timed(
            lambda t: [sc.scan(t) for sc in runnable], texts, rounds
        )
    print(json.dumps({"rows": rows, "unavailable": unavailable}))


if __name__ == "__main__":
    main()
