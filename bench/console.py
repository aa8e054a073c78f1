"""Time the web console's pages on a large store: each page as a signed-in admin, whole request in-process.

Uses `bench/records_listing.py`'s store (built once at `--db`: `--records` records over four apps of three teams,
written straight as rows, without planner statistics), signs in through the console's form, and times each page
`--runs` times through the ASGI app (Starlette's TestClient: no socket), giving p50 and p95 in milliseconds and
the server's own time (`Server-Timing`, the route without the client). The overview reads the monitor's rollups,
which these rows were never folded into (a rollup table is small whatever the traffic), and the audit page shows
the team's last verification (the first visit verifies the chain).

    python bench/console.py                          # 1M records in /tmp/steward-records-bench.db
    python bench/console.py --records 100000 --db /tmp/small.db --runs 20
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import time
from pathlib import Path

from starlette.testclient import TestClient

from steward.config import Settings, load_project_text
from steward.gateway.assemble import open_runtime
from steward.gateway.http import create_app

_spec = importlib.util.spec_from_file_location("records_listing", Path(__file__).with_name("records_listing.py"))
assert _spec is not None and _spec.loader is not None
listing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(listing)


def _p(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/steward-records-bench.db"))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not args.db.exists():
        t = time.perf_counter()
        listing.build(args.db, args.records)
        print(f"built {args.records} records at {args.db} in {time.perf_counter() - t:.0f} s")
    project = load_project_text(listing.PROJECT, "bench.yaml")
    project.root = args.db.parent
    runtime = open_runtime(project, Settings(home=args.db.parent, database_url=f"sqlite:///{args.db}"))
    key = runtime.store.create_key(role="admin", name="bench", team="default")[0]
    http = TestClient(create_app(runtime.gateway, runtime.authenticator))
    form = http.get("/ui/sign-in").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    signed = http.post("/ui/sign-in", data={"key": key, "csrf": token.group(1)}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    records = http.get("/ui/records").text
    one = re.search(r'href="/ui/records/(rec_\w+)"', records)
    assert one is not None
    deep = "/ui/records"
    for _ in range(200):  # a page deep in the listing, as `Older records` reaches it
        older = re.search(r'href="(/ui/records\?[^"]+)" id="older"', http.get(deep).text)
        assert older is not None
        deep = older.group(1).replace("&amp;", "&")
    pages = {
        "overview": "/ui",
        "records": "/ui/records",
        "records, 200 pages deep": deep,
        "records app+status": "/ui/records?app=demo&status=escalated",
        "records since/until 1 h": "/ui/records?since="
        + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 25 * 3600))
        + "&until="
        + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 24 * 3600)),
        "records reason": "/ui/records?reason=injection",
        "records text (none match)": "/ui/records?q=no+such+words",
        "one record": f"/ui/records/{one.group(1)}",
        "reviews": "/ui/reviews",
        "audit": "/ui/audit",
        "alerts": "/ui/alerts",
    }
    print(f"{'page':28s} {'p50':>8s} {'p95':>8s} {'server p50':>11s} {'server p95':>11s}")
    for name, path in pages.items():
        whole, server = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            response = http.get(path)
            whole.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            server.append(float(response.headers["server-timing"].split("dur=")[1]))
        (p50, p95), (s50, s95) = _p(whole), _p(server)
        print(f"{name:28s} {p50:6.1f}ms {p95:6.1f}ms {s50:9.1f}ms {s95:9.1f}ms")
    runtime.store.close()


if __name__ == "__main__":
    main()
