"""Attack a served gateway on loopback and count what breaks the one-record promise (issue 14's closing figures).

    PYTHONPATH=src python scripts/attack_gateway.py --requests 3000

A server subprocess (`--serve`) runs the gateway as `steward serve` does (uvicorn, httptools) on a scripted
model, for two apps: `plain` (no guardrails) and `private` (PII masked, `redact_records: true`, which scans
what a failed request's record keeps); a third, `streaming`, answers at 50 words a second
for the disconnects. The client then runs four attacks and reads the store afterwards:

1. fuzz: random mutations of a valid chat body (wrong types, missing fields, odd `stream_options`, unknown apps,
   huge and many turns, broken JSON), streamed or not, a share of the streams dropped after the first chunk.
   Reports the 5xx answers, and authenticated requests against records in the store.
2. budget: 50 concurrent requests on a key with a 100-token budget: tokens spent.
3. keys: 200 requests with 1 MB fake keys: the server's resident memory before and after.
4. disconnects: streams of a long answer closed after the first chunk: their records by status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

PROJECT = """
version: 1
models:
  scripted:
    backend: scripted
    replies: ["{reply}"]
    context_length: 100000
  slow:
    backend: scripted
    replies: ["{reply}"]
apps:
  streaming:
    owner: qa@example.com
    purpose: Answer test questions, slowly.
    route: [{{model: slow}}]  # no output policy: it releases each word as it comes
  plain:
    owner: qa@example.com
    purpose: Answer test questions.
    route: [{{model: scripted}}]
    params: {{max_tokens: 64}}
    limits: {{max_input_chars: 20000}}
  private:
    owner: qa@example.com
    purpose: Answer test questions about bookings.
    route: [{{model: scripted}}]
    policy: private
    params: {{max_tokens: 64}}
    limits: {{max_input_chars: 20000}}
policies:
  private:
    redact_records: true
    input:
      pii: {{mode: mask}}
"""
REPLY = " ".join(f"word{i}" for i in range(60))


BARE = """
version: 1
models:
  slow:
    backend: scripted
    replies: ["{reply}"]
apps:
  streaming:
    owner: qa@example.com
    purpose: Answer test questions, slowly.
    route: [{{model: slow}}]
"""


def serve(home: Path, port: int, bare: bool = False) -> None:
    """The server side: the gateway over uvicorn, as `steward serve` runs it (`bare`: without guardrails, whose
    output stage holds a streamed answer back until it is checked, so a client can leave mid-answer)."""
    import uvicorn

    from steward.config import Settings, load_project_text
    from steward.gateway.assemble import open_runtime
    from steward.gateway.http import create_app

    project = load_project_text((BARE if bare else PROJECT).format(reply=REPLY), "attack.yaml")
    project.root = home
    runtime = open_runtime(project, Settings(home=home, database_url=f"sqlite:///{home / 'steward.db'}"))
    if not bare:
        runtime.gateway.guard.scan("private", "input", "warm up jane@example.com")  # type: ignore[union-attr]
    slow = runtime.gateway.models.get("slow")
    words = slow.stream

    async def paced(messages: Any, params: Any) -> Any:  # an upstream that takes its time, as a real one does
        async for delta in words(messages, params):
            await asyncio.sleep(0.02)
            yield delta

    slow.stream = paced
    api = create_app(runtime.gateway, runtime.authenticator, on_shutdown=runtime.aclose)
    uvicorn.run(api, host="127.0.0.1", port=port, log_config=None, access_log=False, log_level="error")


# ---- the client side ----------------------------------------------------------------------------------


def _mutant(rng: random.Random) -> tuple[bytes, bool]:
    """A chat body, mutated; and whether it asks to stream."""
    junk: list[Any] = ["", "x", "yes", 0, -1, 3.5, 10**20, True, False, None, [], [1, "a"], {}, {"a": 1}]
    body: dict[str, Any] = {
        "model": rng.choice(["plain", "private"]),
        "messages": [{"role": "user", "content": rng.choice(["hi", "Mail jane@example.com", "What is PNR 123?"])}],
    }
    for _ in range(rng.randint(0, 3)):
        kind = rng.random()
        field = rng.choice(
            [
                "model",
                "messages",
                "stream",
                "stream_options",
                "max_tokens",
                "temperature",
                "top_p",
                "seed",
                "stop",
                "n",
                "user",
                "metadata",
                "response_format",
                "max_completion_tokens",
                "tools",
            ]
        )
        if kind < 0.5:
            body[field] = rng.choice(junk)
        elif kind < 0.6:
            body.pop(field, None)
        elif kind < 0.7:
            body["messages"] = [{"role": "user", "content": "hi"} for _ in range(rng.choice([129, 500, 5000]))]
        elif kind < 0.75:
            body["messages"] = [{"role": "user", "content": "a" * rng.choice([20_001, 1_100_000])}]
        elif kind < 0.85:
            message = dict(
                rng.choice(body["messages"])
                if isinstance(body.get("messages"), list)
                and body["messages"]
                and isinstance(body["messages"][0], dict)
                else {"role": "user"}
            )
            message[rng.choice(["role", "content", "name"])] = rng.choice([*junk, "system", "tool", "robot"])
            body["messages"] = [message]
        else:
            body["stream"] = True
            body["stream_options"] = rng.choice([*junk, {"include_usage": True}])
    raw = json.dumps(body).encode()
    if rng.random() < 0.05:  # broken JSON
        raw = raw[: rng.randint(0, len(raw))]
    return raw, body.get("stream") is True


async def _one(client: Any, url: str, key: str, raw: bytes, stream: bool, drop: bool) -> int:
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    if not stream:
        return (await client.post(url, content=raw, headers=headers)).status_code
    async with client.stream("POST", url, content=raw, headers=headers) as response:
        async for _ in response.aiter_raw():
            if drop:
                break  # the client goes away mid-stream
    return response.status_code


async def fuzz(base: str, key: str, n: int, seed: int) -> dict[str, Any]:
    import httpx

    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    url = f"{base}/v1/chat/completions"
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=16)) as client:
        semaphore = asyncio.Semaphore(16)

        async def run(i: int) -> None:
            raw, stream = _mutant(rng)
            async with semaphore:
                try:
                    statuses[await _one(client, url, key, raw, stream, drop=stream and i % 3 == 0)] += 1
                except httpx.HTTPError as exc:
                    statuses[-1] += 1
                    print("transport error:", type(exc).__name__, exc, file=sys.stderr)

        await asyncio.gather(*(run(i) for i in range(n)))
    return {"requests": n, "statuses": dict(sorted(statuses.items()))}


async def budget(base: str, key: str) -> dict[str, Any]:
    import httpx

    body = {"model": "plain", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
    async with httpx.AsyncClient(timeout=60) as client:
        url, headers = f"{base}/v1/chat/completions", {"Authorization": f"Bearer {key}"}
        responses = await asyncio.gather(*(client.post(url, json=body, headers=headers) for _ in range(50)))
    return {"statuses": dict(Counter(r.status_code for r in responses))}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def fake_keys(base: str, pid: int) -> dict[str, Any]:
    import httpx

    before = _rss_kib(pid)
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(timeout=60) as client:
        for i in range(200):
            fake = "sk-stw-" + f"{i:06d}" + "x" * (1024 * 1024)
            try:
                response = await client.post(
                    f"{base}/v1/chat/completions",
                    json={"model": "plain"},
                    headers={"Authorization": f"Bearer {fake}"},
                )
                statuses[response.status_code] += 1
            except httpx.HTTPError:
                statuses[-1] += 1
    await asyncio.sleep(1)
    return {"statuses": dict(statuses), "rss_before_mib": before / 1024, "rss_after_mib": _rss_kib(pid) / 1024}


async def disconnects(base: str, key: str, n: int) -> dict[str, Any]:
    import httpx

    body = json.dumps({"model": "streaming", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    async with httpx.AsyncClient(timeout=60) as client:
        url = f"{base}/v1/chat/completions"
        statuses = [await _one(client, url, key, body.encode(), True, drop=True) for _ in range(n)]
    return {"statuses": dict(Counter(statuses))}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _records(home: Path) -> dict[str, Any]:
    from steward.store import Store

    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        statuses = ("served", "blocked", "failed", "disconnected")
        keys = store.list_keys()
        by_key = {k.name: {s: store.count_records(key_id=k.id, status=s) for s in statuses} for k in keys}
        budgets = {k.name: (k.tokens_used, k.token_budget) for k in keys}
        return {"total": store.count_records(), "by_key": by_key, "keys": budgets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="fuzzed requests (default 3000)")
    parser.add_argument("--disconnects", type=int, default=45, help="streams dropped mid-answer (default 45)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--serve", nargs="+", metavar="HOME PORT [bare]", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), bare=args.serve[2:] == ["bare"])
        return
    from steward.store import Store

    home = Path(tempfile.mkdtemp(prefix="steward-attack-"))
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        fuzz_key, _ = store.create_key(role="admin", name="fuzz")
        budget_key, _ = store.create_key(role="app", name="budget", token_budget=100)
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(home), str(port)], env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        results: dict[str, Any] = {}
        started = time.perf_counter()
        results["fuzz"] = asyncio.run(fuzz(base, fuzz_key, args.requests, args.seed))
        results["fuzz"]["seconds"] = round(time.perf_counter() - started, 1)
        time.sleep(1)
        results["fuzz"]["records"] = _records(home)["total"]
        results["budget"] = asyncio.run(budget(base, budget_key))
        results["fake_keys"] = asyncio.run(fake_keys(base, server.pid))
        time.sleep(1)
        results["store"] = _records(home)
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["disconnects"] = _disconnect_attack(args.disconnects)
    _report(results, args)


def _disconnect_attack(n: int) -> dict[str, Any]:
    """Streams dropped mid-answer, against a gateway without guardrails (see `serve`)."""
    from steward.store import Store

    home = Path(tempfile.mkdtemp(prefix="steward-attack-bare-"))
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        key, _ = store.create_key(role="app", name="disconnects")
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(home), str(port), "bare"])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        result = asyncio.run(disconnects(base, key, n))
        time.sleep(2)
        result["records"] = _records(home)["by_key"]["disconnects"]
        result["tokens_charged"] = _records(home)["keys"]["disconnects"][0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the gateway did not start")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("the gateway did not start in 120 s")


def _report(results: dict[str, Any], args: argparse.Namespace) -> None:
    fuzz_result = results["fuzz"]
    fives = sum(n for status, n in fuzz_result["statuses"].items() if status >= 500 or status < 0)
    authenticated = args.requests  # every fuzzed request carries a valid key
    print(json.dumps(results, indent=2))
    print(
        f"fuzz: {args.requests} requests in {fuzz_result['seconds']} s; 5xx or transport errors: {fives}; "
        f"authenticated {authenticated}, records {fuzz_result['records']}, "
        f"without a record: {authenticated - fuzz_result['records']}"
    )
    used, budget_ = results["store"]["keys"]["budget"]
    print(
        f"budget: 50 concurrent requests, budget {budget_}: {used} tokens spent ({results['budget']['statuses']})"
    )
    keys = results["fake_keys"]
    print(
        f"fake keys: 200 x 1 MB: RSS {keys['rss_before_mib']:.0f} -> {keys['rss_after_mib']:.0f} MiB "
        f"({keys['statuses']})"
    )
    dropped = results["disconnects"]
    print(
        f"disconnects: {args.disconnects} streams dropped mid-answer; their records by status: "
        f"{dropped['records']}, tokens charged: {dropped['tokens_charged']}"
    )


if __name__ == "__main__":
    main()
