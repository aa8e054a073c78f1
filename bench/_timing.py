"""Per-call wall and CPU time of a function over prompts; shared by bench/guardrails.py and the LLM Guard worker,
which runs in its own virtualenv (so this module needs nothing but numpy)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def timed(run: Callable[[str], object], texts: list[str], rounds: int) -> dict[str, float]:
    for text in texts[:5]:
        run(text)  # warm-up: caches, lazy loads
    wall, cpu = [], []
    for _ in range(rounds):
        for text in texts:
            w0, c0 = time.perf_counter(), time.thread_time()
            run(text)
            cpu.append((time.thread_time() - c0) * 1000.0)
            wall.append((time.perf_counter() - w0) * 1000.0)
    return {
        "p50_ms": float(np.percentile(wall, 50)),
        "p99_ms": float(np.percentile(wall, 99)),
        "cpu_p50_ms": float(np.percentile(cpu, 50)),
        "cpu_p99_ms": float(np.percentile(cpu, 99)),
        "n": len(wall),
    }
