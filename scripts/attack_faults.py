"""Upstream faults under concurrent load: every request gets its record; only 502/503/504 answer a failed upstream.

    PYTHONPATH=src python scripts/attack_faults.py --requests 600 --concurrency 16

A fake OpenAI-compatible upstream on loopback (raw asyncio) behaves by the `model` it is asked for:
`ok` answers, `err500` answers 500, `hang` never answers, `close` closes the connection without a byte,
`garbage` answers 200 with a non-JSON body, `empty` answers 200 with no choices, `retry_after` answers 429 asking
to wait an hour, `cut` (streams) sends two chunks then closes, `stall` (streams) sends one chunk then hangs.
The gateway (`--serve`, uvicorn as `steward serve` runs it) has one app per behaviour (timeout 1.5 s, one retry),
an app `fallback` routed [err500, ok], and an app `raises` on a scripted model patched to raise RuntimeError
(a plugin bug, not an upstream failure). Clients send a mix of streamed and non-streamed requests, each with a
unique `user`; afterwards the store is read: requests without a record (by subject), statuses per app, and
the messages clients were given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from attack_gateway import _free_port, _wait_ready  # noqa: E402

MODES = ["ok", "err500", "hang", "close", "garbage", "empty", "retry_after", "cut", "stall"]


# ---- the fake upstream --------------------------------------------------------------------------------------


async def _upstream_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = json.loads(await reader.readexactly(length)) if length else {}
            mode, stream = body.get("model", "ok"), bool(body.get("stream"))
            if not await _answer(writer, mode, stream):
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _http(status: int, body: bytes, extra: str = "", ctype: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def _completion(text: str) -> bytes:
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        }
    ).encode()


def _sse(text: str) -> bytes:
    return b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}).encode() + b"\n\n"


async def _answer(writer: asyncio.StreamWriter, mode: str, stream: bool) -> bool:
    """Answer one request as `mode` says; False when the connection is to be closed."""
    if mode == "hang":
        await asyncio.sleep(3600)
    if mode == "close":
        return False
    if mode == "err500":
        writer.write(_http(500, b'{"error": {"message": "upstream exploded"}}'))
    elif mode == "garbage":
        writer.write(_http(200, b"<html>not json</html>", ctype="text/html"))
    elif mode == "empty":
        writer.write(_http(200, b'{"choices": []}'))
    elif mode == "retry_after":
        writer.write(_http(429, b'{"error": {"message": "slow down"}}', "retry-after: 3600\r\n"))
    elif stream or mode in ("cut", "stall"):
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        for word in ["Hello ", "there."]:
            piece = _sse(word)
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
            if mode == "cut":
                return False
            if mode == "stall":
                await asyncio.sleep(3600)
        done = b"data: [DONE]\n\n"
        writer.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
    else:
        writer.write(_http(200, _completion("Hello there.")))
    await writer.drain()
    return True


def upstream(port: int) -> None:
    async def main() -> None:
        server = await asyncio.start_server(_upstream_conn, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# ---- the gateway --------------------------------------------------------------------------------------------


def _project(up: int) -> str:
    models = "\n".join(
        f"  {m}:\n    backend: openai\n    base_url: http://127.0.0.1:{up}/v1\n    remote_model: {m}\n"
        f"    timeout_s: 1.5\n    max_retries: 1"
        for m in MODES
    )
    apps = "\n".join(
        f"  app_{m}:\n    owner: qa@example.com\n    purpose: Fault test.\n    route: [{{model: {m}}}]"
        for m in MODES
    )
    return f"""
version: 1
models:
{models}
  scripted:
    backend: scripted
    replies: ["Hello there."]
apps:
{apps}
  fallback:
    owner: qa@example.com
    purpose: Fault test.
    route: [{{model: err500}}, {{model: ok}}]
  raises:
    owner: qa@example.com
    purpose: Fault test.
    route: [{{model: scripted}}]
"""


def serve(home: Path, port: int, up: int) -> None:
    import uvicorn

    from steward.config import Settings, load_project_text
    from steward.gateway.assemble import open_runtime
    from steward.gateway.http import create_app

    project = load_project_text(_project(up), "faults.yaml")
    project.root = home
    runtime = open_runtime(project, Settings(home=home, database_url=f"sqlite:///{home / 'steward.db'}"))
    scripted = runtime.gateway.models.get("scripted")

    async def broken(messages: Any, params: Any) -> Any:
        raise RuntimeError("plugin bug")

    async def broken_stream(messages: Any, params: Any) -> Any:
        from steward.types import Delta

        yield Delta(text="Hel")
        raise RuntimeError("plugin bug mid-stream")

    scripted.complete = broken
    scripted.stream = broken_stream
    api = create_app(runtime.gateway, runtime.authenticator, on_shutdown=runtime.aclose)
    uvicorn.run(api, host="127.0.0.1", port=port, log_config=None, access_log=False, log_level="error")


# ---- the client ---------------------------------------------------------------------------------------------


async def _one(client: Any, base: str, key: str, app: str, stream: bool, subject: str) -> tuple[int, str]:
    body = {"model": app, "messages": [{"role": "user", "content": "hi"}], "user": subject, "stream": stream}
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{base}/v1/chat/completions"
    if not stream:
        r = await client.post(url, json=body, headers=headers)
        message = r.json().get("error", {}).get("message", "") if r.status_code != 200 else ""
        return r.status_code, message
    async with client.stream("POST", url, json=body, headers=headers) as r:
        text = (await r.aread()).decode()
    if r.status_code != 200:
        return r.status_code, json.loads(text).get("error", {}).get("message", "")
    inband = [line for line in text.splitlines() if line.startswith('data: {"error"')]
    return 200, "in-band: " + json.loads(inband[0][6:])["error"]["message"] if inband else ""


async def load(base: str, key: str, n: int, concurrency: int, seed: int) -> list[dict[str, Any]]:
    import httpx

    rng = random.Random(seed)
    apps = [f"app_{m}" for m in MODES] + ["fallback", "raises"]
    plan = [(rng.choice(apps), rng.random() < 0.5, f"s{i}") for i in range(n)]
    results: list[dict[str, Any]] = []
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def run(app: str, stream: bool, subject: str) -> None:
            async with semaphore:
                t0 = time.perf_counter()
                try:
                    status, message = await _one(client, base, key, app, stream, subject)
                except httpx.HTTPError as exc:
                    status, message = -1, f"{type(exc).__name__}: {exc}"
                results.append(
                    {
                        "app": app,
                        "stream": stream,
                        "subject": subject,
                        "status": status,
                        "message": message,
                        "s": time.perf_counter() - t0,
                    }
                )

        await asyncio.gather(*(run(*p) for p in plan))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upstream:
        upstream(args.upstream)
        return
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2]))
        return
    from steward.store import Store

    home = Path(tempfile.mkdtemp(prefix="steward-faults-"))
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        key, _ = store.create_key(role="app", name="faults")
    up, port = _free_port(), _free_port()
    fake = subprocess.Popen([sys.executable, __file__, "--upstream", str(up)])
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(home), str(port), str(up)], env=os.environ.copy()
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        started = time.perf_counter()
        results = asyncio.run(load(base, key, args.requests, args.concurrency, args.seed))
        seconds = time.perf_counter() - started
        time.sleep(1.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
        fake.terminate()
    _report(home, results, seconds)


def _report(home: Path, results: list[dict[str, Any]], seconds: float) -> None:
    from steward.store import Store

    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        records = list(store.iter_records())
    by_subject = Counter(r.subject for r in records)
    rec_status = {r.subject: (r.status, r.error) for r in records}
    table: dict[str, Counter[str]] = defaultdict(Counter)
    messages: dict[str, set[str]] = defaultdict(set)
    missing, dup, fives = [], [], []
    for r in results:
        key = f"{r['app']} {'stream' if r['stream'] else 'plain'}"
        st = rec_status.get(r["subject"], ("NONE", None))
        table[key][f"{r['status']}/{st[0]}"] += 1
        if r["message"]:
            messages[key].add(r["message"][:160])
        if by_subject[r["subject"]] == 0:
            missing.append(r)
        elif by_subject[r["subject"]] > 1:
            dup.append(r)
        if (r["status"] >= 500 and r["status"] not in (502, 503, 504)) or r["status"] < 0:
            fives.append(r)
    print(f"faults: {len(results)} requests in {seconds:.1f} s; records {len(records)}")
    for key in sorted(table):
        slowest = max(r["s"] for r in results if f"{r['app']} {'stream' if r['stream'] else 'plain'}" == key)
        print(f"  {key:28s} http/record-status {dict(table[key])}  slowest {slowest:.1f}s")
        for m in sorted(messages[key])[:3]:
            print(f"      message: {m}")
    print(
        f"without a record: {len(missing)}; with two records: {len(dup)}; "
        f"5xx other than 502/503/504 (or transport errors): {len(fives)}"
    )
    for r in (missing + fives)[:10]:
        print("   ", r)


if __name__ == "__main__":
    main()
