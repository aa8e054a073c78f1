"""A/B of two Steward builds at one request in flight: interleaved wrk cells against two servers side by side.

A change to the request path moves the gateway's c=1 latency by tens of microseconds, less than what separates
two full runs of `bench/gateway.py` taken minutes apart on a shared VM. Here both arms run at the same time
against the same mock upstream, and their cells alternate (A B, B A, A B, ...), so a slow minute hits both.
An arm is a source tree: `--a-src` and `--b-src` name the `src/` folder each server imports `steward` from
(default: this checkout's), e.g. the base commit checked out with `git worktree add /tmp/base COMMIT`.

    python bench/gateway_ab.py --a-src /tmp/base/src                    # base commit (A) against this one (B)
    python bench/gateway_ab.py --synchronous NORMAL --cells 8 --seconds 10

Prints the direct call's p50, then per arm the median p50 and p99 of its cells and every cell's p50, and the
records each arm lost (2xx answers it sent against the records it stored).
Needs `wrk`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gateway as g  # the benchmark's own helpers: mock, servers, wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a-src", type=Path, default=g.ROOT / "src", help="src/ folder of arm A")
    parser.add_argument("--b-src", type=Path, default=g.ROOT / "src", help="src/ folder of arm B")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--cells", type=int, default=6, help="cells per arm")
    parser.add_argument("--seconds", type=int, default=15, help="seconds per cell")
    args = parser.parse_args()
    for src in (args.a_src, args.b_src):
        if not (src / "steward" / "__init__.py").is_file():
            parser.error(f"{src} has no steward package; give a checkout's src/ folder")

    work = Path(tempfile.mkdtemp(prefix="steward-ab-"))
    mock_port = g.free_port()
    procs = [g.start([g.PY, str(g.ROOT / "bench/mock_upstream.py"), "--port", str(mock_port)])]
    try:
        g.wait_ready(f"http://127.0.0.1:{mock_port}/v1/models")
        servers: dict[str, tuple[str, str]] = {}
        homes: dict[str, Path] = {}
        answered = {"A": 0.0, "B": 0.0}  # 2xx answers each arm sent, to compare with the records it stored
        for name, src in (("A", args.a_src), ("B", args.b_src)):
            folder = work / name
            folder.mkdir()
            proc, url, key, homes[name] = g.steward_server(mock_port, folder, args.synchronous, pythonpath=src)
            procs.append(proc)
            servers[name] = (url, key)
        for name, (url, key) in servers.items():  # warm-up: connections, caches, the first checkpoint
            warm = g.wrk(f"{url}/v1/chat/completions", key, "bench", 1, 2, work)
            answered[name] += warm["requests"] - warm["non2xx"]
        p50s: dict[str, list[float]] = {name: [] for name in servers}
        p99s: dict[str, list[float]] = {name: [] for name in servers}
        direct = []
        for cell in range(args.cells):
            direct.append(g.wrk(f"http://127.0.0.1:{mock_port}/v1/chat/completions", "sk", "mock-1", 1, 2, work))
            order = list(servers.items()) if cell % 2 == 0 else list(reversed(servers.items()))
            for name, (url, key) in order:
                result = g.wrk(f"{url}/v1/chat/completions", key, "bench", 1, args.seconds, work)
                answered[name] += result["requests"] - result["non2xx"]
                p50s[name].append(result["p50"])
                p99s[name].append(result["p99"])
                print(f"cell {cell + 1} {name}: p50 {result['p50']:.3f}, p99 {result['p99']:.3f} ms", flush=True)
        base = statistics.median(r["p50"] for r in direct)
        print(f"\nSteward {args.synchronous}, c=1, {args.cells} cells x {args.seconds} s per arm")
        print(f"direct: median p50 {base:.3f} ms")
        for name, src in (("A", args.a_src), ("B", args.b_src)):
            p50 = statistics.median(p50s[name])
            print(
                f"{name} ({src}): median p50 {p50:.3f} ms (added {p50 - base:+.3f}), median p99 "
                f"{statistics.median(p99s[name]):.3f} ms; cells {[round(v, 3) for v in p50s[name]]}"
            )
        for name, home in homes.items():  # every answer acknowledged has its durable record
            stored = g.count_records(home)
            print(f"{name}: answered {int(answered[name])} with 2xx, stored {stored} records, lost "
                  f"{max(0, int(answered[name]) - stored)}")  # fmt: skip
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
