"""CPU per 1 kB prompt of the input stage (PII + injection + toxicity) and of the PII scanner alone, for one tree.

Run it for two trees in turn (for example main in a second worktree, and a branch), pinned to the same core, and
alternate the runs: on a shared machine only the CPU figures compare.

    python bench/input_stage_cpu.py /path/to/tree [CORE]      # one JSON line
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [f"{root}/src", f"{root}/bench"]
    os.sched_setaffinity(0, {int(sys.argv[2]) if len(sys.argv) > 2 else 0})
    import detectors
    from _timing import timed
    from guardrails import build_guard, prompts

    from steward.guardrails.base import ScanContext
    from steward.guardrails.pii import PiiScanner

    texts = prompts(40)
    guard = build_guard(detectors.SPEED_POLICY)
    pii, context = PiiScanner(), ScanContext(stage="input")
    figures = {
        "tree": root,
        "input_stage": timed(lambda t: guard.scan("input", "input", t), texts, 3),
        "pii": timed(lambda t: pii.scan(t, context), texts, 3),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
