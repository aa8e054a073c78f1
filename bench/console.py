"""Time the web console's pages on a large store: each page as a signed-in admin, whole request in-process.

Uses `bench/records_listing.py`'s store (built once at `--db`: `--records` records over four apps of three teams,
written straight as rows, without planner statistics), signs in through the console's form, and times each page
`--runs` times through the ASGI app (Starlette's TestClient: no socket), giving p50 and p95 in milliseconds and
the server's own time (`Server-Timing`, the route without the client). The overview reads the monitor's rollups,
which these rows were never folded into (a rollup table is small whatever the traffic), and the audit page shows
the team's last verification (the first visit verifies the chain).

With `--browser` it then serves the same app on loopback (uvicorn) and, in Debian's Chromium driven by Playwright
(`--chromium`, default `chromium` on PATH), times the first contentful paint of the overview and records pages
and adds up the JS and CSS they load.

    python bench/console.py                          # 1M records in /tmp/steward-records-bench.db
    python bench/console.py --records 100000 --db /tmp/small.db --runs 20
    python bench/console.py --browser
    python bench/console.py --only "records reason" --each   # one page, and each request's server time in order
    python bench/console.py --writer --url postgresql://…/db  # PostgreSQL, filled by the store's writer
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import re
import shutil
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from steward.config import Settings, load_project_text
from steward.gateway.assemble import open_runtime
from steward.gateway.http import create_app

_spec = importlib.util.spec_from_file_location("records_listing", Path(__file__).with_name("records_listing.py"))
assert _spec is not None and _spec.loader is not None
listing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(listing)


full_collections: list[float] = []  # the full (generation 2) garbage collections of the page being timed, in ms
_started: list[float] = []


def _collector(phase: str, info: dict[str, int]) -> None:
    if info["generation"] == 2:
        if phase == "start":
            _started[:] = [time.perf_counter()]
        elif _started:
            full_collections.append((time.perf_counter() - _started[0]) * 1000)


def _p(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/steward-records-bench.db"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="also first contentful paint in Chromium")
    parser.add_argument("--only", help="only the pages whose name contains this, e.g. 'records reason'")
    parser.add_argument("--each", action="store_true", help="also print every request's server time, in order")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--url", help="time this database instead (e.g. PostgreSQL), filled once as --db would be")
    parser.add_argument("--writer", action="store_true", help="fill the store through its own writer (slower)")
    args = parser.parse_args()
    gc.callbacks.append(_collector)
    listing.fill(args.db, args.url, args.records, args.writer)
    project = load_project_text(listing.PROJECT, "bench.yaml")
    project.root = args.db.parent
    url = args.url or f"sqlite:///{args.db}"
    runtime = open_runtime(project, Settings(home=args.db.parent, database_url=url))
    key = runtime.store.create_key(role="admin", name="bench", team="default")[0]
    # as a context manager the client runs the app's lifespan, as uvicorn does under `steward serve`
    with TestClient(create_app(runtime.gateway, runtime.authenticator)) as http:
        _pages(http, key, args)
    if args.browser:
        _paint(create_app(runtime.gateway, runtime.authenticator), key, args.chromium, args.runs)
    runtime.store.close()


def _pages(http: TestClient, key: str, args: argparse.Namespace) -> None:
    """Sign in and time each page (see the module docstring)."""
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
        "deployments": "/ui/deployments",
        "silences": "/ui/silences?all=1",
        "registry": "/ui/registry",
        "evals": "/ui/evals",
        "compliance": "/ui/compliance",
    }
    print(f"{'page':28s} {'p50':>8s} {'p95':>8s} {'server p50':>11s} {'server p95':>11s}")
    for name, path in pages.items():
        if args.only and args.only not in name:
            continue
        whole, server = [], []
        full_collections.clear()
        for _ in range(args.runs):
            t = time.perf_counter()
            response = http.get(path)
            whole.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            server.append(float(response.headers["server-timing"].split("dur=")[1]))
        (p50, p95), (s50, s95) = _p(whole), _p(server)
        print(f"{name:28s} {p50:6.1f}ms {p95:6.1f}ms {s50:9.1f}ms {s95:9.1f}ms")
        if args.each:
            print(f"{'':28s} server ms in order: {' '.join(f'{ms:.0f}' for ms in server)}")
            if full_collections:
                print(f"{'':28s} full collections (ms): {' '.join(f'{ms:.0f}' for ms in full_collections)}")


def _paint(app: Any, key: str, chromium: str, runs: int) -> None:
    """First contentful paint of the overview and records pages in Chromium, over loopback, and the JS + CSS
    bytes each page loads (decoded)."""
    import uvicorn
    from playwright.sync_api import sync_playwright

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    fcp = "() => performance.getEntriesByName('first-contentful-paint')[0].startTime"
    shipped = """() => performance.getEntriesByType('resource')
        .filter(r => r.name.endsWith('.js') || r.name.endsWith('.css'))
        .reduce((n, r) => n + r.decodedBodySize, 0)"""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(base_url=f"http://127.0.0.1:{port}")
        page.goto("/ui/sign-in")
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url("**/ui")
        print(f"{'page (Chromium)':28s} {'FCP p50':>8s} {'FCP p95':>8s} {'JS+CSS':>9s}")
        for name, path in (("overview", "/ui"), ("records", "/ui/records")):
            paints, size = [], 0
            for _ in range(runs):
                page.goto(path, wait_until="load")
                page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
                paints.append(page.evaluate(fcp))
                size = page.evaluate(shipped)
            p50, p95 = _p(paints)
            print(f"{name:28s} {p50:6.1f}ms {p95:6.1f}ms {size / 1024:7.1f}kB")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
