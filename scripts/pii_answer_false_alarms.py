"""PII findings in ordinary assistant answers (issue 15, session 14): false alarms per 100 answers, by type.

Reads HaluEval-general (`/work/shared/data/hallucination/halueval_general.json`, one JSON object a line with
`ID`, `user_query`, `chatgpt_response`), takes the first `--n` answers, and splits them by a stable hash of their
id into a development half and a held-out half (sha256 of the id, even first byte = development). The answers
hold no personal data about anyone in the conversation, so every finding is counted as a false alarm (a few may
be public figures named in an answer; `--show` prints the development findings to read).

    PYTHONPATH=src python scripts/pii_answer_false_alarms.py --n 300
    PYTHONPATH=src python scripts/pii_answer_false_alarms.py --n 300 --half development --show PERSON
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

DEFAULT_DATA = Path("/work/shared/data/hallucination/halueval_general.json")
HALVES = ("development", "held-out")


def half_of(answer_id: str) -> str:
    """The half an answer belongs to, by a hash of its id (stable across runs and machines)."""
    return HALVES[hashlib.sha256(answer_id.encode()).digest()[0] % 2]


def load_answers(path: Path, n: int) -> list[tuple[str, str]]:
    """(id, answer) of the first `n` rows."""
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            rows.append((str(row["ID"]), str(row.get("chatgpt_response") or "")))
            if len(rows) >= n:
                break
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n", type=int, default=300, help="first N answers (default 300)")
    parser.add_argument("--half", choices=[*HALVES, "both"], default="both")
    parser.add_argument("--show", default="", help="print development findings of this type (or ALL)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"no data at {args.data}; pass --data", file=sys.stderr)
        return 2
    if args.show and args.half == "held-out":
        print(
            "--show reads development findings only (held-out findings are for the final count)", file=sys.stderr
        )
        return 2

    from steward.guardrails.base import ScanContext
    from steward.guardrails.pii import PiiScanner

    scanner = PiiScanner()
    context = ScanContext(stage="output")  # type: ignore[arg-type]
    halves = HALVES if args.half == "both" else (args.half,)
    counts = {h: Counter[str]() for h in halves}
    sizes = Counter[str]()
    for answer_id, answer in load_answers(args.data, args.n):
        half = half_of(answer_id)
        if half not in counts:
            continue
        sizes[half] += 1
        for finding in scanner.scan(answer, context):
            counts[half][finding.kind] += 1
            if args.show and half == "development" and args.show in ("ALL", finding.kind):
                a, b = finding.start or 0, finding.end or 0
                print(
                    f"{answer_id}\t{finding.kind}\t{finding.detail}\t{answer[a:b]!r}\t"
                    f"…{answer[max(0, a - 40) : a]!r} [] {answer[b : b + 30]!r}"
                )
    report = {
        h: {
            "answers": sizes[h],
            "findings": sum(counts[h].values()),
            "per_100": {k: round(100 * v / max(1, sizes[h]), 1) for k, v in counts[h].most_common()},
        }
        for h in halves
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for h, r in report.items():
            per = ", ".join(f"{k} {v}" for k, v in r["per_100"].items()) or "none"  # type: ignore[attr-defined]
            print(f"{h}: {r['answers']} answers, {r['findings']} findings; per 100 answers: {per}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
