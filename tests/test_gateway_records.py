"""One record for every authenticated request, whatever fails, and the limits that keep a request's cost bounded.

Against a real loopback server where the server is the point: clients that go away mid-stream, keys and
headers a megabyte long, a token budget under 50 concurrent requests, a megabyte message, a stream's end. Bodies
that fail validation, turns over the limit and bounded bodies go to the same app in-process (`InProcessServer`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT, InProcessServer, LiveServer, make_runtime

from steward.gateway import auth
from steward.gateway.assemble import Runtime
from steward.types import Delta, GenerationParams, Message, Usage

pytest_plugins = ["tests.store_fixtures"]

HELLO = {"model": "demo", "messages": [{"role": "user", "content": "hi"}]}


def _post(
    server: InProcessServer | LiveServer, key: str | None, body: object = None, raw: bytes | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    payload: dict[str, Any] = {"content": raw} if raw is not None else {"json": body}
    url = f"{server.url}/v1/chat/completions"
    if isinstance(server, InProcessServer):
        return server.http.post(url, headers=headers, **payload)
    return httpx.post(url, headers=headers, timeout=30, **payload)


def _wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        time.sleep(0.05)


def _reserved(runtime: Runtime, key_id: str) -> int:
    return int(runtime.store.reserved_tokens(key_id))


def test_a_client_that_disconnects_mid_stream_leaves_a_record_and_is_charged(
    live: LiveServer, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, key = runtime.store.create_key(role="app", apps=("demo",), token_budget=10_000)
    model = runtime.gateway.models.get("scripted-a")

    async def stalls(messages: list[Message], params: GenerationParams) -> AsyncIterator[Delta]:
        for i in range(3):
            yield Delta(text=f"word{i} ")
        await asyncio.sleep(60)  # the client goes away meanwhile
        yield Delta(text="", finish_reason="stop", usage=Usage(5, 4))

    monkeypatch.setattr(model, "stream", stalls)
    body = {**HELLO, "stream": True}
    with httpx.Client(timeout=30) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        with client.stream("POST", f"{live.url}/v1/chat/completions", json=body, headers=headers) as response:
            assert response.status_code == 200
            received = ""
            for chunk in response.iter_text():
                received += chunk
                if "word2" in received:
                    break  # and close the connection mid-answer
    _wait_for(lambda: runtime.store.count_records(status="disconnected") == 1)
    (record,) = runtime.store.list_records(app="demo")
    assert record.status == "disconnected" and record.stream
    assert record.output == "word0 word1 word2 " and "disconnected" in (record.error or "")
    assert record.model is not None and record.model.id == "scripted-a"
    assert record.usage.total_tokens > 0  # estimated: the upstream never reported usage
    _wait_for(lambda: _reserved(runtime, key.id) == 0)  # the reservation was released
    assert runtime.store.tokens_used(key.id) == record.usage.total_tokens  # and the tokens charged


@pytest.mark.parametrize("options", ["yes", [1], 3, True])
def test_stream_options_that_is_not_an_object_is_a_400_with_a_record(
    server: InProcessServer, runtime: Runtime, admin_key: str, options: object
) -> None:
    response = _post(server, admin_key, {**HELLO, "stream": True, "stream_options": options})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "stream_options"
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed" and "stream_options" in (record.error or "")
    assert runtime.gateway.models.get("scripted-a").history == []  # refused before the upstream


def _with_schema(schema: dict[str, object]) -> bytes:
    format_ = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    return json.dumps({**HELLO, "model": "demo", "response_format": format_}).encode()


def _nested_array_schema(depth: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "array", "items": schema}
    return schema


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'{"model": "nope", "messages": [{"role": "user", "content": "hi"}]}', 404, "unknown app"),
        (
            b'{"model": "nope", "stream": true, "messages": [{"role": "user", "content": "hi"}]}',
            404,
            "unknown app",
        ),
        (b'{"model": "demo", "messages": [{"role": "robot", "content": "x"}]}', 400, "use one of"),
        (
            b'{"model": "demo", "temperature": "hot", "messages": [{"role": "user", "content": "x"}]}',
            400,
            "number",
        ),
        (b'{"model": "demo", "messages": [{"role": "user"}]}', 400, "needs `content`"),
        (b'{"model": "demo", "metadata": false, "messages": [{"role": "user", "content": "x"}]}', 400, "metadata"),
        (_with_schema({"$ref": "#"}), 400, "refers to itself"),
        (_with_schema({"allOf": [{"$ref": "#"}]}), 400, "refers to itself"),
        (
            _with_schema({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
            400,
            "refers to itself",
        ),
        (_with_schema(_nested_array_schema(300)), 400, "nested too deeply"),
    ],
    ids=lambda value: value[:48].decode(errors="replace") if isinstance(value, bytes) else str(value),
)
def test_every_authenticated_request_gets_a_record(
    server: InProcessServer, runtime: Runtime, admin_key: str, raw: bytes, status: int, says: str
) -> None:
    response = _post(server, admin_key, raw=raw)
    assert response.status_code == status and says in response.json()["error"]["message"], response.text
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed" and record.key_id is not None and says in (record.error or "")
    assert runtime.store.count_records() == 1


def test_an_unauthenticated_request_gets_no_record(server: InProcessServer, runtime: Runtime) -> None:
    response = _post(server, "sk-stw-wrong", raw=b"{not json")
    assert response.status_code == 401 and "x-steward-record-id" not in response.headers
    assert runtime.store.count_records() == 0


def test_the_key_cache_is_bounded_and_huge_keys_and_headers_are_refused(
    live: LiveServer, runtime: Runtime, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "CACHE_ENTRIES", 16)
    for i in range(40):
        assert _post(live, f"sk-stw-wrong-{i}", HELLO).status_code == 401
    assert len(runtime.authenticator._cache) <= 16
    assert _post(live, admin_key, HELLO).status_code == 200  # a real key still works after evictions

    looked_up: list[str] = []
    monkeypatch.setattr(runtime.store, "find_key", lambda secret, **_: looked_up.append(secret))
    huge = _post(live, "sk-stw-" + "x" * 1_000_000, HELLO)
    assert huge.status_code in (401, 431) and looked_up == []  # refused before any lookup or caching
    too_long = _post(live, "sk-stw-" + "x" * 300, HELLO)
    assert too_long.status_code == 401 and "over 256 characters" in too_long.json()["error"]["message"]
    assert looked_up == []
    headers = {"Authorization": f"Bearer {admin_key}", "x-padding": "p" * 40_000}
    big = httpx.post(f"{live.url}/v1/chat/completions", json=HELLO, headers=headers, timeout=30)
    assert big.status_code == 431 and big.json()["error"]["code"] == "headers_too_large"


def test_concurrent_requests_cannot_overspend_a_token_budget(live: LiveServer, runtime: Runtime) -> None:
    secret, key = runtime.store.create_key(role="app", apps=("demo",), token_budget=100)

    async def attack() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            headers = {"Authorization": f"Bearer {secret}"}
            url = f"{live.url}/v1/chat/completions"
            responses = await asyncio.gather(*(client.post(url, json=HELLO, headers=headers) for _ in range(50)))
        return [r.status_code for r in responses]

    statuses = asyncio.run(attack())
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 429}
    spent = sum(r.usage.total_tokens for r in runtime.store.list_records(key_id=key.id, limit=100))
    assert 0 < spent <= 100
    assert runtime.store.tokens_used(key.id) == spent
    assert _reserved(runtime, key.id) == 0  # every reservation was settled, refusals and failures included


def test_a_token_reservation_is_atomic_in_the_store(store: object) -> None:
    _, key = store.create_key(role="app", token_budget=100)  # type: ignore[attr-defined]
    first = store.reserve_tokens(key.id, 60)  # type: ignore[attr-defined]
    assert first is not None
    assert store.reserve_tokens(key.id, 41) is None  # type: ignore[attr-defined]
    assert store.reserve_tokens(key.id, 40)  # type: ignore[attr-defined]
    store.release_tokens(first)  # type: ignore[attr-defined]
    assert store.reserve_tokens(key.id, 60)  # type: ignore[attr-defined]
    _, unlimited = store.create_key(role="app")  # type: ignore[attr-defined]
    assert store.reserve_tokens(unlimited.id, 10**9)  # type: ignore[attr-defined]


def test_reservations_from_several_servers_on_one_store_never_pass_the_budget(migrated_database_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from steward.store import Store

    replicas = [Store.open(migrated_database_url) for _ in range(2)]  # two servers' engines on one database
    try:
        _, key = replicas[0].create_key(role="app", token_budget=100)

        def reserve(i: int) -> str | None:
            return replicas[i % 2].reserve_tokens(key.id, 10, owner=f"replica-{i % 2}")

        with ThreadPoolExecutor(max_workers=16) as pool:
            got = list(pool.map(reserve, range(50)))
        assert sum(r is not None for r in got) == 10  # exactly the budget, whichever server asked
        assert replicas[1].reserved_tokens(key.id) == 100
        for rid in filter(None, got):
            replicas[0].release_tokens(rid)  # a reservation may be settled through any engine
        assert replicas[1].reserved_tokens(key.id) == 0
    finally:
        for replica in replicas:
            replica.close()


def test_a_reservation_left_by_a_killed_server_stops_counting_when_its_lease_ends(
    live: LiveServer, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.store import keys

    secret, key = runtime.store.create_key(role="app", apps=("demo",), token_budget=100)
    # a request in flight on a server that was then killed -9: reserved, never settled
    assert runtime.store.reserve_tokens(key.id, 95)
    refused = _post(live, secret, HELLO)
    assert refused.status_code == 429, refused.text  # it may still be running on another server: it counts
    later = time.time() + 86_400  # past any lease
    monkeypatch.setattr(keys, "now", lambda: later)
    served = _post(live, secret, HELLO)
    assert served.status_code == 200, served.text  # the dead server's reservation no longer holds the budget
    monkeypatch.undo()
    assert _reserved(runtime, key.id) == 0  # and it was deleted on the way, not only ignored
    record = runtime.store.get_record(served.headers["x-steward-record-id"])
    assert runtime.store.tokens_used(key.id) == record.usage.total_tokens > 0


def test_too_many_turns_is_a_400_before_any_scan_with_a_record(
    server: InProcessServer, runtime: Runtime, admin_key: str
) -> None:
    turns = [{"role": "user", "content": "hi"} for _ in range(200)]  # 400 characters: within max_input_chars
    response = _post(server, admin_key, {"model": "demo", "messages": turns})
    assert response.status_code == 400 and "at most 128" in response.json()["error"]["message"]
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed" and record.decisions == []
    assert runtime.gateway.models.get("scripted-a").history == []


PRIVATE_PROJECT = SCRIPTED_PROJECT.replace(
    "    limits: {max_input_chars: 2000}\n", "    limits: {max_input_chars: 2000}\n    policy: private\n"
) + (
    """
policies:
  private:
    redact_records: true
    input:
      pii: {mode: mask}
"""
)


@pytest.fixture
def private_live(tmp_path: Path) -> Iterator[tuple[Runtime, LiveServer]]:
    runtime = make_runtime(tmp_path, PRIVATE_PROJECT)
    with LiveServer(runtime) as server:
        yield runtime, server
    runtime.store.close()


@pytest.fixture
def private(tmp_path: Path) -> Iterator[tuple[Runtime, InProcessServer]]:
    runtime = make_runtime(tmp_path, PRIVATE_PROJECT)
    with InProcessServer(runtime) as server:
        yield runtime, server
    runtime.store.close()


def test_a_megabyte_message_is_refused_and_recorded_without_scanning_it(
    private_live: tuple[Runtime, LiveServer],
) -> None:
    runtime, live = private_live  # a real server: the megabyte crosses uvicorn's socket and body reading
    secret, _ = runtime.store.create_key(role="admin")
    big = {"model": "demo", "messages": [{"role": "user", "content": "Mail jane@example.com " + "a" * 1_100_000}]}
    response = _post(live, secret, big)
    assert response.status_code == 400 and "at most 2000" in response.json()["error"]["message"], response.text
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed"
    (kept,) = record.input
    assert "not kept" in kept.content and "jane@example.com" not in kept.content
    assert len(kept.content) < 200
    small = _post(
        live, secret, {"model": "demo", "messages": [{"role": "user", "content": "Mail jane@example.com"}]}
    )
    assert small.status_code == 200  # the process keeps serving, and scans what is within the limits
    record = runtime.store.get_record(small.headers["x-steward-record-id"])
    assert "jane@example.com" not in record.input[0].content


def test_an_unknown_app_behind_guardrails_gets_a_record(private: tuple[Runtime, InProcessServer]) -> None:
    runtime, live = private
    secret, _ = runtime.store.create_key(role="admin")
    body = {"model": "nope", "messages": [{"role": "user", "content": "Mail jane@example.com"}]}
    response = _post(live, secret, body)
    assert response.status_code == 404 and "unknown app" in response.json()["error"]["message"]
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed" and record.app == "nope"
    assert "jane@example.com" not in str(record.input)  # no policy of its own says it may be kept


def test_an_embeddings_call_gets_a_record_and_is_charged_to_the_budget(
    server: InProcessServer, runtime: Runtime
) -> None:
    # 8 tokens a call: five fit; the sixth finds 4 left, so its reservation (not authentication) refuses it
    secret, key = runtime.store.create_key(role="app", apps=("demo",), token_budget=44)
    headers = {"Authorization": f"Bearer {secret}"}
    statuses, record_ids = [], []
    for _ in range(6):  # "where is gate twelve" is 4 word pieces, [CLS] and [SEP] aside: 8 a call
        response = server.http.post(
            "/v1/embeddings", json={"input": ["where is gate twelve"] * 2}, headers=headers, timeout=60
        )
        statuses.append(response.status_code)
        record_ids.append(response.headers.get("x-steward-record-id"))
    assert statuses[0] == 200 and 429 in statuses and set(statuses) <= {200, 429}
    assert all(record_ids)  # refused calls too: every authenticated request has its record
    records = [runtime.store.get_record(record_id) for record_id in record_ids]
    served = [r for r in records if r.status == "served"]
    assert len(served) == statuses.count(200) and all(r.app == "(embeddings)" for r in records)
    assert runtime.store.tokens_used(key.id) == sum(r.usage.total_tokens for r in served) <= 44
    assert not any(r.input for r in records)  # counts only: the texts are neither kept nor scanned


def test_other_routes_bound_their_bodies(server: InProcessServer, runtime: Runtime, admin_key: str) -> None:
    headers = {"Authorization": f"Bearer {admin_key}"}
    record_id = _post(server, admin_key, HELLO).headers["x-steward-record-id"]
    long_comment = {"record_id": record_id, "score": 1, "comment": "x" * 5000}
    response = server.http.post(f"{server.url}/v1/feedback", json=long_comment, headers=headers)
    assert response.status_code == 400 and response.json()["error"]["param"] == "comment"
    huge = {"record_id": record_id, "score": 1, "comment": "x" * (3 * 1024 * 1024)}
    assert server.http.post(f"{server.url}/v1/feedback", json=huge, headers=headers).status_code == 413
    too_much = {"input": ["y" * 1000] * 600}
    response = server.http.post(f"{server.url}/v1/embeddings", json=too_much, headers=headers)
    assert response.status_code == 413 and "smaller batches" in response.json()["error"]["message"]
    assert runtime.store.get_record(record_id).feedback == []
    for path in ("/v1/audit/verify", f"/v1/reviews/{record_id}/decision"):  # FastAPI would read it all first
        big = {"action": "edit", "comment": "ok", "text": "z" * (3 * 1024 * 1024)}
        response = server.http.post(f"{server.url}{path}", json=big, headers=headers)
        assert response.status_code == 413 and "MiB" in response.json()["error"]["message"], (path, response.text)


def test_a_finished_stream_is_charged_once(live: LiveServer, runtime: Runtime) -> None:
    """The stream's reader closes the pipeline's generator at the result event; the disconnect path that this
    wakes must not settle (and charge) the finished request a second time."""
    secret, key = runtime.store.create_key(role="app", apps=("demo",), token_budget=10_000)
    for _ in range(3):
        with httpx.stream(
            "POST",
            f"{live.url}/v1/chat/completions",
            json={**HELLO, "stream": True},
            headers={"Authorization": f"Bearer {secret}"},
            timeout=30,
        ) as response:
            assert response.status_code == 200 and "[DONE]" in response.read().decode()
    time.sleep(0.3)  # the disconnect task, if any, runs after the response
    stored = runtime.store.tokens_used(key.id)
    assert stored > 0 and runtime.authenticator.used_tokens(key.id) == stored


def test_embeddings_failing_before_the_model_get_records(server: InProcessServer, runtime: Runtime) -> None:
    auditor, _ = runtime.store.create_key(role="auditor", name="reader")
    developer, _ = runtime.store.create_key(role="developer", name="dev")
    cases = [(developer, {"input": 5}, 400), (developer, None, 400), (auditor, {"input": "hello"}, 403)]
    for secret, body, status in cases:
        response = server.http.post(
            f"{server.url}/v1/embeddings", json=body, headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == status, response.text
        record = runtime.store.get_record(response.headers["x-steward-record-id"])
        assert record.status == "failed" and record.app == "(embeddings)"
    assert runtime.store.count_records() == len(cases)


def test_a_failed_request_whose_texts_cannot_be_scanned_keeps_none_of_them(
    private: tuple[Runtime, InProcessServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, server = private
    secret, _ = runtime.store.create_key(role="admin")

    async def scanner_down(*args: object) -> None:
        raise RuntimeError("the PII scanner is down")

    monkeypatch.setattr("steward.gateway.pipeline.redact_for_storage", scanner_down)
    body = {"model": "demo", "messages": [{"role": "user", "content": "Mail jane@example.com"}], "n": 0}
    response = _post(server, secret, body)
    assert response.status_code == 400, response.text
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed" and "jane@example.com" not in str(record.input)
    assert record.output is None and record.error is not None
    assert record.error.endswith("(its message could not be scanned, so is not kept)")
