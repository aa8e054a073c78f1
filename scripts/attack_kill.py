"""kill -9 a served gateway under load, again and again, and count acknowledged requests without a record.

    PYTHONPATH=src python scripts/attack_kill.py --kills 6 --concurrency 24

A server subprocess (`--serve`) runs the gateway as `steward serve` does (uvicorn) on a scripted model that
takes its time (non-streamed answers wait 0-150 ms, streams release a word every 5 ms), on one SQLite store.
Clients send a steady mix of streamed and non-streamed requests, on a key without a budget and on one with a
(large) token budget, so that reservations are taken and settled, and 10% of bodies invalid, so that rejected
requests are recorded too. Every request carries a unique `user` (the record's subject). At random moments
the server is killed with SIGKILL and restarted on the same store; after the last kill the load runs on,
then the server stops cleanly and the store is read.

A request is acknowledged when the client got an answer: a non-streamed status with its body, or a stream
that reached its final chunk (which names the record) or an in-band error. Every acknowledged request must
have its record (by the id the answer named, else by its subject): one missing is a failure, and the exit
status is 1. A request the server died under gets no answer (a connection reset, a stream cut before its
end); it may lack a record, since nothing was acknowledged, and is counted apart, with how many of those did
get a record. Requests refused while the server was down never reached it and are only counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from attack_gateway import _free_port, _wait_ready

PROJECT = """
version: 1
models:
  scripted:
    backend: scripted
    replies: ["{reply}"]
    context_length: 100000
apps:
  plain:
    owner: qa@example.com
    purpose: Answer test questions.
    route: [{{model: scripted}}]
    params: {{max_tokens: 64}}
"""
REPLY = " ".join(f"word{i}" for i in range(30))


def serve(home: Path, port: int) -> None:
    """The server side: the gateway over uvicorn, on a scripted model paced like a real upstream."""
    import uvicorn

    from steward.config import Settings, load_project_text
    from steward.gateway.assemble import open_runtime
    from steward.gateway.http import create_app

    project = load_project_text(PROJECT.format(reply=REPLY), "kill.yaml")
    project.root = home
    runtime = open_runtime(project, Settings(home=home, database_url=f"sqlite:///{home / 'steward.db'}"))
    model = runtime.gateway.models.get("scripted")
    complete, words = model.complete, model.stream

    async def slow_complete(messages: Any, params: Any) -> Any:
        await asyncio.sleep(random.random() * 0.15)
        return await complete(messages, params)

    async def paced(messages: Any, params: Any) -> Any:
        async for delta in words(messages, params):
            await asyncio.sleep(0.005)
            yield delta

    model.complete, model.stream = slow_complete, paced
    api = create_app(runtime.gateway, runtime.authenticator, on_shutdown=runtime.aclose)
    uvicorn.run(api, host="127.0.0.1", port=port, log_config=None, access_log=False, log_level="error")


# ---- the client side ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw: acknowledged requests (subject -> record id or None) and the rest, counted."""

    acknowledged: dict[str, str | None] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    unanswered: list[str] = field(default_factory=list)  # subjects of requests the server died under
    refused: int = 0  # attempts refused while the server was down: they never reached it
    kinds: Counter[str] = field(default_factory=Counter)


def _body(rng: random.Random, subject: str) -> tuple[dict[str, Any], bool]:
    stream = rng.random() < 0.5
    body: dict[str, Any] = {
        "model": "plain",
        "messages": [{"role": "user", "content": "hi"}],
        "user": subject,
        "stream": stream,
        "max_tokens": 48,
    }
    if rng.random() < 0.1:
        body["temperature"] = "hot"  # rejected with a 400, and recorded
    return body, stream


async def _stream(client: Any, url: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, str | None]:
    """(status, record id) once the stream reached its end; raises `_Cut` if it stopped before."""
    async with client.stream("POST", url, json=body, headers=headers) as response:
        if response.status_code != 200:
            await response.aread()
            return response.status_code, response.headers.get("x-steward-record-id")
        answer: tuple[int, str | None] | None = None
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:  # in-band, after the 200: acknowledged, the record found by its subject
                answer = (200, None)
            elif "steward" in chunk:
                answer = (200, chunk["steward"].get("record_id"))
    if answer is None:
        raise _Cut
    return answer


class _Cut(Exception):
    """A stream ended before its final chunk."""


async def _client(base: str, keys: list[str], tally: Tally, stop: asyncio.Event, worker: int) -> None:
    import httpx

    rng = random.Random(worker)
    url = f"{base}/v1/chat/completions"
    async with httpx.AsyncClient(timeout=30) as client:
        n = 0
        while not stop.is_set():
            n += 1
            subject = f"w{worker}-r{n}"
            body, stream = _body(rng, subject)
            headers = {"Authorization": f"Bearer {rng.choice(keys)}"}
            try:
                if stream:
                    status, record_id = await _stream(client, url, headers, body)
                else:
                    response = await client.post(url, json=body, headers=headers)
                    status, record_id = response.status_code, response.headers.get("x-steward-record-id")
            except httpx.ConnectError:
                tally.refused += 1
                tally.kinds["stream" if stream else "plain"] -= 1
                await asyncio.sleep(0.05)
                continue
            except (httpx.HTTPError, _Cut):  # sent, and the server died before answering
                tally.unanswered.append(subject)
                continue
            finally:
                tally.kinds["stream" if stream else "plain"] += 1  # refused ones are taken back below
            tally.statuses[status] += 1
            tally.acknowledged[subject] = record_id


async def load(base: str, keys: list[str], concurrency: int, done: threading.Event) -> Tally:
    tally, stop = Tally(), asyncio.Event()
    workers = [asyncio.create_task(_client(base, keys, tally, stop, w)) for w in range(concurrency)]
    while not done.is_set():
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*workers)
    return tally


def _start(home: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--serve", str(home), str(port)], env=os.environ.copy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=6, help="times the server is killed with SIGKILL (6)")
    parser.add_argument("--concurrency", type=int, default=24, help="clients sending at once (24)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--serve", nargs=2, metavar=("HOME", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    from steward.store import Store

    home = Path(tempfile.mkdtemp(prefix="steward-kill-"))
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        free, _ = store.create_key(role="app", name="free")
        budgeted, budget_key = store.create_key(role="app", name="budget", token_budget=10**9)
    port, rng = _free_port(), random.Random(args.seed)
    base, done = f"http://127.0.0.1:{port}", threading.Event()
    server = _start(home, port)
    _wait_ready(base, server)
    results: list[Tally] = []
    keys, n = [free, budgeted], args.concurrency
    clients = threading.Thread(target=lambda: results.append(asyncio.run(load(base, keys, n, done))))
    clients.start()
    started = time.perf_counter()
    try:
        for _ in range(args.kills):
            time.sleep(rng.uniform(0.5, 2.5))
            server.send_signal(signal.SIGKILL)
            server.wait()
            server = _start(home, port)
            _wait_ready(base, server)
        time.sleep(2.0)  # load on the last server, then a clean stop
    finally:
        done.set()
        clients.join()
        server.terminate()
        server.wait(timeout=30)
    seconds = time.perf_counter() - started
    failures = _report(home, results[0], budget_key.id, args, seconds)
    raise SystemExit(1 if failures else 0)


def _report(home: Path, tally: Tally, budget_key_id: str, args: argparse.Namespace, seconds: float) -> int:
    from steward.store import Store

    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        records = list(store.iter_records())
        reserved = store.reserved_tokens(budget_key_id)
    ids = {r.id for r in records}
    subjects = Counter(r.subject for r in records if r.subject)
    missing = [s for s, rid in tally.acknowledged.items() if (rid not in ids if rid else subjects[s] == 0)]
    duplicated = [s for s, n in subjects.items() if n > 1]
    unanswered_recorded = sum(1 for s in tally.unanswered if subjects[s])
    figures = {
        "kills": args.kills,
        "concurrency": args.concurrency,
        "seconds": round(seconds, 1),
        "sent": len(tally.acknowledged) + len(tally.unanswered),
        "by_kind": dict(tally.kinds),
        "acknowledged": len(tally.acknowledged),
        "acknowledged_by_status": dict(sorted(tally.statuses.items())),
        "acknowledged_without_record": len(missing),
        "unanswered_in_flight": len(tally.unanswered),
        "unanswered_with_record": unanswered_recorded,
        "attempts_refused_while_down": tally.refused,
        "records_in_store": len(records),
        "subjects_with_two_records": len(duplicated),
        "tokens_still_reserved_on_budget_key": reserved,  # by killed requests, until their lease ends
    }
    print(json.dumps(figures, indent=2))
    if missing:
        print("acknowledged without a record:", missing[:20], file=sys.stderr)
    print(
        f"kill -9 x{args.kills} under {args.concurrency} clients: {figures['acknowledged']} acknowledged, "
        f"{len(missing)} of them without a record; {len(tally.unanswered)} unanswered in flight "
        f"({unanswered_recorded} of them recorded); {len(duplicated)} requests recorded twice"
    )
    return len(missing) + len(duplicated)


if __name__ == "__main__":
    main()
