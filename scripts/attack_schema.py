"""Run schemathesis against a served gateway's full OpenAPI document and count what breaks the one-record promise.

    python -m venv bench/.venv-schemathesis && bench/.venv-schemathesis/bin/pip install schemathesis
    PYTHONPATH=src python scripts/attack_schema.py --max-time 300

Serves the scripted-model gateway of `scripts/attack_gateway.py` (apps `plain`, `private`, `streaming`) on a
free loopback port, checks that /openapi.json documents POST /v1/chat/completions with a request body schema,
runs `schemathesis run ... --checks all` with an admin key, saving a HAR of every request, then reads the HAR
and the store: 5xx answers per route, and authenticated chat requests (valid key, status not 401) against the
records the store holds for that key.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from attack_gateway import _free_port, _wait_ready  # noqa: E402


def _check_openapi(base: str) -> dict[str, Any]:
    import httpx

    doc = httpx.get(f"{base}/openapi.json", timeout=10).json()
    chat = doc.get("paths", {}).get("/v1/chat/completions", {}).get("post", {})
    schema = chat.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return {"paths": sorted(doc.get("paths", {})), "chat_documented": bool(chat), "chat_request_schema": schema}


def _har_summary(har_path: Path, key: str) -> dict[str, Any]:
    har = json.loads(har_path.read_text())
    entries = har["log"]["entries"]
    by_route: Counter[str] = Counter()
    fives: list[dict[str, Any]] = []
    chat_auth = 0
    chat_auth_no_header = 0
    for entry in entries:
        request, response = entry["request"], entry["response"]
        path = request["url"].split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
        status = response["status"]
        by_route[f"{request['method']} /{path} {status}"] += 1
        if status >= 500:
            fives.append(
                {
                    "method": request["method"],
                    "url": request["url"],
                    "status": status,
                    "body": (request.get("postData") or {}).get("text", "")[:300],
                    "response": (response.get("content") or {}).get("text", "")[:300],
                }
            )
        headers = {h["name"].lower(): h["value"] for h in request["headers"]}
        if (
            path == "v1/chat/completions"
            and request["method"] == "POST"
            and headers.get("authorization") == f"Bearer {key}"
            and status != 401
        ):
            chat_auth += 1
            rheaders = {h["name"].lower() for h in response["headers"]}
            text = (response.get("content") or {}).get("text", "") or ""
            if (status != 200 and "x-steward-record-id" not in rheaders) or (status == 200 and "rec_" not in text):
                chat_auth_no_header += 1
    return {
        "requests": len(entries),
        "by_route": dict(sorted(by_route.items())),
        "5xx": fives,
        "chat_authenticated": chat_auth,
        "chat_without_record_id_in_answer": chat_auth_no_header,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-time", type=int, default=300)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--workers", default="2")
    parser.add_argument(
        "--schemathesis",
        default="bench/.venv-schemathesis/bin/schemathesis",
        help="schemathesis in a virtualenv of its own (it pins libraries the gateway's venv must not change)",
    )
    parser.add_argument("--out", default=None, help="report directory (default: a temp dir)")
    parser.add_argument("--checks", default="all")
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    args = parser.parse_args()
    from steward.store import Store

    home = Path(tempfile.mkdtemp(prefix="steward-schema-"))
    out = Path(args.out or tempfile.mkdtemp(prefix="steward-schema-report-"))
    with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
        key, _ = store.create_key(role="admin", name="schema")
        key_id = next(k.id for k in store.list_keys() if k.name == "schema")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "attack_gateway.py"), "--serve", str(home), str(port)], env=os.environ.copy()
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        doc = _check_openapi(base)
        print("openapi paths:", doc["paths"])
        print(
            "chat documented:", doc["chat_documented"], "request schema:", json.dumps(doc["chat_request_schema"])
        )
        har = out / "run.har"
        cmd = [
            args.schemathesis,
            "run",
            f"{base}/openapi.json",
            "-H",
            f"Authorization: Bearer {key}",
            "--checks",
            args.checks,
            "--continue-on-failure",
            "--output-sanitize",
            "false",
            "--max-time",
            str(args.max_time),
            "--max-examples",
            str(args.max_examples),
            "-w",
            args.workers,
            "--report",
            "har,junit",
            "--report-dir",
            str(out),
            "--report-har-path",
            str(har),
            "--request-timeout",
            "30",
            "--seed",
            "14",
            *args.extra,
        ]
        print("running:", " ".join(c if "Bearer" not in c else "Authorization: Bearer <admin key>" for c in cmd))
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        (out / "schemathesis.txt").write_text(proc.stdout + proc.stderr)
        print(
            f"schemathesis exit {proc.returncode} in {time.perf_counter() - started:.0f} s; "
            f"output in {out}/schemathesis.txt"
        )
        print(proc.stdout[-6000:])
        time.sleep(1)
        summary = _har_summary(har, key)
        with Store.open(f"sqlite:///{home / 'steward.db'}") as store:
            summary["records_for_key"] = store.count_records(key_id=key_id)
            summary["records_total"] = store.count_records()
        print(json.dumps(summary, indent=2)[:8000])
        print(
            f"schemathesis: {summary['requests']} requests, 5xx: {len(summary['5xx'])}; authenticated chat "
            f"requests {summary['chat_authenticated']}, records for the key {summary['records_for_key']}, "
            f"answers without a record id {summary['chat_without_record_id_in_answer']}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
