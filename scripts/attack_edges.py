"""README promises at the edges: each odd chat request must answer 4xx with a record id header and
have its record.

    PYTHONPATH=src python scripts/attack_edges.py

Serves the scripted-model gateway of `scripts/attack_gateway.py` (apps `plain`, `private`, `streaming`), sends
each case once non-streamed and (where the body is JSON) once with `"stream": true`, each with a unique `user`
where the body allows one, then reads the store. Prints: case, status, record id header, record found (by the
header's id), and the error message. The 9 MB body reads as a connection reset here: the server answers 413
(with its record) before the raw socket has written the whole body; curl and httpx receive that 413.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from attack_gateway import _free_port, _wait_ready  # noqa: E402


def _chat(content: Any = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": "plain", "messages": [{"role": "user", "content": content}], **extra}


def cases() -> list[tuple[str, bytes | None, dict[str, str]]]:
    """(name, raw body, extra headers)"""
    out: list[tuple[str, bytes | None, dict[str, str]]] = []

    def add(name: str, body: Any, headers: dict[str, str] | None = None, raw: bool = False) -> None:
        out.append((name, body if raw else json.dumps(body).encode(), headers or {}))
        if not raw and isinstance(body, dict):
            out.append((name + " [stream]", json.dumps({**body, "stream": True}).encode(), headers or {}))

    add("1 MB message", _chat("a" * 1_000_000))
    add("1 MB message, private (redact_records)", {**_chat("jane@example.com " * 60_000), "model": "private"})
    add("10,000 two-char turns", {"model": "plain", "messages": [{"role": "user", "content": "hi"}] * 10_000})
    add("10,000 turns private", {"model": "private", "messages": [{"role": "user", "content": "hi"}] * 10_000})
    add("unknown app", {**_chat(), "model": "no-such-app"})
    add("app name 10 kB", {**_chat(), "model": "x" * 10_000})
    for so in ["yes", [1], 3, True, None, {"include_usage": "yes"}, {"include_usage": 1}, {"other": 1}]:
        add(f"stream_options={json.dumps(so)[:20]}", {**_chat(), "stream": True, "stream_options": so})
    add("bad JSON", b'{"model": "plain", "messages": [', raw=True)
    add("empty body", b"", raw=True)
    add("JSON array", b"[1,2,3]", raw=True)
    add("JSON string", b'"hello"', raw=True)
    add("invalid UTF-8", b'{"model": "plain", "messages": [{"role": "user", "content": "\xff\xfe"}]}', raw=True)
    add("NUL in content", _chat("a\u0000b"))
    add("lone surrogate", b'{"model":"plain","messages":[{"role":"user","content":"\\ud800"}]}', raw=True)
    add("nested 5000 deep", b'{"model":"plain","messages":' + b"[" * 5000 + b"]" * 5000 + b"}", raw=True)
    add("9 MB body", _chat("a" * 9_000_000))
    add("content parts", _chat([{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "x"}}]))
    add("content list of 100k parts", _chat([{"type": "text", "text": "a"}] * 100_000))
    add("max_tokens 1e6", _chat(max_tokens=1_000_000))
    add("max_tokens float", _chat(max_tokens=5.5))
    add("n=5", _chat(n=5))
    add("tools given", _chat(tools=[{"type": "function", "function": {"name": "f"}}]))
    add("user 1 MB", _chat(user="u" * 1_000_000))
    add("metadata huge", _chat(metadata={f"k{i}": "v" * 100 for i in range(5000)}))
    add("response_format bad schema", _chat(response_format={"type": "json_schema", "json_schema": {"schema": 5}}))
    add(
        "response_format recursive $ref",
        _chat(response_format={"type": "json_schema", "json_schema": {"schema": {"$ref": "#"}}}),
    )
    add("stop 1000 strings", _chat(stop=["x"] * 1000))
    add("role developer only", {"model": "plain", "messages": [{"role": "developer", "content": "hi"}]})
    add("header 30 kB (under limit)", _chat(), {"x-pad": "p" * 30_000})
    add("header 40 kB (over limit)", _chat(), {"x-pad": "p" * 40_000})
    add("wrong content-type", _chat(), {"content-type": "text/plain"})
    add("gzip content-encoding (not gzipped)", _chat(), {"content-encoding": "gzip"})
    return out


def _raw_request(port: int, body: bytes, headers: dict[str, str], key: str) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request over a raw socket (no client-side header limits or encoding)."""
    hdrs = {
        "host": "127.0.0.1",
        "authorization": f"Bearer {key}",
        "content-type": "application/json",
        "content-length": str(len(body)),
        "connection": "close",
        **headers,
    }
    head = "POST /v1/chat/completions HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(head.encode() + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head_raw, _, rest = data.partition(b"\r\n\r\n")
    lines = head_raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else -1
    rheaders = {ln.split(":", 1)[0].lower(): ln.split(":", 1)[1].strip() for ln in lines[1:] if ":" in ln}
    return status, rheaders, rest


def main() -> None:
    from steward.store import Store

    home = Path(tempfile.mkdtemp(prefix="steward-edges-"))
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        key, _ = store.create_key(role="app", name="edges")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "attack_gateway.py"), "--serve", str(home), str(port)], env=os.environ.copy()
    )
    rows = []
    try:
        _wait_ready(f"http://127.0.0.1:{port}", server)
        for name, body, headers in cases():
            t0 = time.perf_counter()
            try:
                status, rheaders, rest = _raw_request(port, body or b"", headers, key)
            except OSError as exc:
                rows.append((name, -1, None, f"{type(exc).__name__}: {exc}", 0.0))
                continue
            text = rest.decode("utf-8", "replace")
            rid = rheaders.get("x-steward-record-id")
            if rid is None and "rec_" in text:  # a 200 names its record in the body (id / final chunk)
                import re

                m = re.search(r"rec_[0-9a-f]{32}", text)
                rid = m.group(0) if m else None
            message = ""
            if '"error"' in text:
                import re

                m = re.search(r'"message":\s*"((?:[^"\\]|\\.)*)"', text)
                message = m.group(1)[:150] if m else text[:150]
            rows.append((name, status, rid, message, time.perf_counter() - t0))
        time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        ids = {r.id for r in store.iter_records()}
        total = len(ids)
    bad = 0
    for name, status, rid, message, seconds in rows:
        ok = status in (200, 400, 404, 413, 422) and rid is not None and rid in ids
        if status in (431,):
            ok = True  # refused before authentication (headers too large): no record expected
        bad += not ok
        print(
            f"{'ok ' if ok else 'BAD'} {name:45s} {status:4d} {rid or '-':37s} "
            f"{'recorded' if rid in ids else 'NO RECORD':9s} {seconds:5.2f}s  {message}"
        )
    print(f"{len(rows)} requests, records in store {total}, cases not OK: {bad}")


if __name__ == "__main__":
    main()
