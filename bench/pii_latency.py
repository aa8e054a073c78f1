"""p50 latency per 1 kB prompt: Steward's PII scanner and stock Presidio, same texts, same process, one thread.

python scripts/make_pii_heldout.py --split tune && python bench/pii_latency.py
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]


def texts(n: int = 60, size: int = 1000) -> list[str]:
    rows = [json.loads(line)["text"] for line in (ROOT / "bench/results/pii/heldout_tune.jsonl").open()]
    out, current = [], ""
    for text in rows:
        current += text + "\n"
        if len(current) >= size:
            out.append(current[:size])
            current = ""
        if len(out) == n:
            break
    return out


def main() -> None:
    import torch

    from steward.evals.pii_spans import StockPresidio
    from steward.guardrails.base import ScanContext
    from steward.guardrails.pii import PiiScanner

    torch.set_num_threads(1)
    prompts, context = texts(), ScanContext(stage="input")
    for name, scanner in [("steward pii", PiiScanner()), ("stock presidio", StockPresidio())]:
        scanner.scan(prompts[0], context)  # loads models: not timed
        wall, cpu = [], []
        for text in prompts:
            started, started_cpu = time.perf_counter(), time.process_time()
            scanner.scan(text, context)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        print(f"{name}: p50 {statistics.median(wall):.1f} ms wall, {statistics.median(cpu):.1f} ms CPU per 1 kB")


if __name__ == "__main__":
    main()
