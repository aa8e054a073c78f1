"""The OpenAI-compatible API end to end, through the official `openai` client, on the scripted model.

The app is called in-process (`InProcessServer`): what is tested is the API, not the HTTP server; one streamed
request goes through a real uvicorn server as well (`LiveServer`), and `test_gateway_records.py` keeps the tests
where the server is the point."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.gateway_fixtures import InProcessServer, LiveServer, make_runtime
from tests.store_fixtures import full_record

from steward.gateway.assemble import Runtime
from steward.types import Turn, Usage


def client_for(server: InProcessServer | LiveServer, key: str) -> openai.OpenAI:
    http = server.http if isinstance(server, InProcessServer) else None
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=30, http_client=http)


def test_chat_completion_produces_one_complete_record(
    server: InProcessServer, runtime: Runtime, admin_key: str
) -> None:
    client = client_for(server, admin_key)
    response = client.chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "Say hello"}], user="traveller-42"
    )
    assert response.choices[0].message.content == "Hello from A."
    assert response.choices[0].finish_reason == "stop"
    assert response.usage is not None and response.usage.completion_tokens == 3
    record_id = response.model_extra["steward"]["record_id"]

    records = runtime.store.list_records(app="demo")
    assert [r.id for r in records] == [record_id]
    record = records[0]
    assert record.status == "served"
    assert record.subject == "traveller-42"
    assert record.key_id is not None
    assert record.model is not None and record.model.id == "scripted-a" and record.model.sha256
    assert record.prompt_version == runtime.project.apps["demo"].prompt.version
    assert record.params["seed"] == 7 and record.params["temperature"] == 0.1
    assert record.input == [Turn("user", "Say hello")]
    assert record.output == "Hello from A."
    # price is 1.0 / 2.0 per 1k tokens: cost follows the usage
    expected = (record.usage.prompt_tokens * 1.0 + record.usage.completion_tokens * 2.0) / 1000
    assert record.cost == pytest.approx(expected)
    assert record.latency.total_ms >= record.latency.model_ms > 0
    assert record.finished_at is not None and record.finished_at >= record.created_at

    sent, _params = runtime.gateway.models.get("scripted-a").history[-1]
    assert sent[0].role == "system" and sent[0].content == "Be brief."


@pytest.fixture(params=["in-process", "uvicorn"])
def either(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[InProcessServer | LiveServer]:
    """The app in-process, and the same app behind a real uvicorn server (the one test here that needs it)."""
    with InProcessServer(runtime) if request.param == "in-process" else LiveServer(runtime) as served:
        yield served


def test_streaming_through_the_openai_client(
    either: InProcessServer | LiveServer, runtime: Runtime, admin_key: str
) -> None:
    client = client_for(either, admin_key)
    stream = client.chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from A."
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
    (record,) = runtime.store.list_records(app="demo")
    assert record.stream is True and record.output == "Hello from A." and record.status == "served"


def test_fallback_to_the_next_model_is_recorded(server: InProcessServer, runtime: Runtime, admin_key: str) -> None:
    from steward.errors import ModelError

    runtime.gateway.models.get("scripted-a").enqueue_error(ModelError("upstream returned 503"))
    response = client_for(server, admin_key).chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "hi"}]
    )
    assert response.choices[0].message.content == "Hello from B."
    (record,) = runtime.store.list_records(app="demo")
    assert record.model is not None and record.model.id == "scripted-b"
    assert [a.model for a in record.attempts] == ["scripted-a", "scripted-b"]
    assert "503" in (record.attempts[0].error or "") and record.attempts[1].error is None


def test_models_lists_the_apps_the_key_may_call(server: InProcessServer, runtime: Runtime) -> None:
    secret, _ = runtime.store.create_key(role="app", apps=("demo",), name="demo only")
    listed = [m.id for m in client_for(server, secret).models.list()]
    assert listed == ["demo"]


def _post(server: InProcessServer, key: str | None, body: object, raw: bytes | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if raw is not None:
        return server.http.post(f"{server.url}/v1/chat/completions", content=raw, headers=headers)
    return server.http.post(f"{server.url}/v1/chat/completions", json=body, headers=headers)


def _assert_openai_error(response: Any, status: int, code: str, says: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert says in error["message"]
    assert set(error) == {"message", "type", "param", "code"}


HELLO = {"model": "demo", "messages": [{"role": "user", "content": "hi"}]}


def test_authentication_errors_say_what_to_do(server: InProcessServer, runtime: Runtime) -> None:
    _assert_openai_error(_post(server, None, HELLO), 401, "invalid_api_key", "steward keys create")
    _assert_openai_error(_post(server, "sk-stw-nonsense", HELLO), 401, "invalid_api_key", "unknown API key")
    secret, info = runtime.store.create_key(role="app", apps=("demo",))
    assert _post(server, secret, HELLO).status_code == 200
    runtime.store.revoke_key(info.id)
    runtime.authenticator.forget()
    _assert_openai_error(_post(server, secret, HELLO), 401, "invalid_api_key", "revoked")


def test_scope_role_and_team_are_enforced_with_a_record(server: InProcessServer, runtime: Runtime) -> None:
    scoped, _ = runtime.store.create_key(role="app", apps=("other",))
    _assert_openai_error(_post(server, scoped, HELLO), 403, "permission_denied", "--apps demo")
    auditor, _ = runtime.store.create_key(role="auditor")
    _assert_openai_error(_post(server, auditor, HELLO), 403, "permission_denied", "auditor")
    admin, _ = runtime.store.create_key(role="admin")  # team "default" may not call team "other-team"'s app
    response = _post(
        server, admin, {**HELLO, "model": "other"}
    )  # answered as an unknown app: names can't be probed
    _assert_openai_error(response, 404, "not_found", "unknown app 'other'; team 'default' has: demo.")
    failed = runtime.store.list_records(status="failed")
    assert len(failed) == 3 and all(r.error for r in failed)
    assert response.headers["x-steward-record-id"] in {r.id for r in failed}


def test_rate_limit_and_token_budget_return_429(server: InProcessServer, runtime: Runtime) -> None:
    limited, _ = runtime.store.create_key(role="app", rate_limit_rpm=2)
    assert _post(server, limited, HELLO).status_code == 200
    assert _post(server, limited, HELLO).status_code == 200
    _assert_openai_error(_post(server, limited, HELLO), 429, "rate_limit_exceeded", "2 requests/minute")
    budget, _ = runtime.store.create_key(role="app", token_budget=5)  # cannot cover prompt + max_tokens
    _assert_openai_error(_post(server, budget, HELLO), 429, "rate_limit_exceeded", "token budget of 5")
    roomy, _ = runtime.store.create_key(role="app", token_budget=200)
    assert _post(server, roomy, HELLO).status_code == 200  # reserves ~80 of 200, spends ~10
    assert _post(server, roomy, HELLO).status_code == 200


def test_a_rate_limited_or_spent_key_still_gets_its_record(server: InProcessServer, runtime: Runtime) -> None:
    limited, info = runtime.store.create_key(role="app", rate_limit_rpm=1)
    assert _post(server, limited, HELLO).status_code == 200
    refused = _post(server, limited, HELLO)
    assert refused.status_code == 429
    records = runtime.store.list_records(key_id=info.id)
    assert sorted(r.status for r in records) == ["failed", "served"]
    failed = next(r for r in records if r.status == "failed")
    assert "1 requests/minute" in (failed.error or "") and refused.headers["x-steward-record-id"] == failed.id
    spent, spent_info = runtime.store.create_key(role="app", token_budget=50)
    earlier = full_record("demo", key_id=spent_info.id)  # an earlier request that used the whole budget
    earlier.usage = Usage(prompt_tokens=40, completion_tokens=10)
    runtime.store.write_sync(earlier)
    _assert_openai_error(_post(server, spent, HELLO), 429, "rate_limit_exceeded", "exhausted")
    refusals = [r for r in runtime.store.list_records(key_id=spent_info.id) if r.status == "failed"]
    assert len(refusals) == 1 and "exhausted" in (refusals[0].error or "")
    embed = server.http.post(
        f"{server.url}/v1/embeddings", json={"input": "hi"}, headers={"authorization": f"Bearer {limited}"}
    )
    assert embed.status_code == 429 and embed.headers["x-steward-record-id"]


@pytest.mark.parametrize(
    ("body", "raw", "code", "says"),
    [
        (None, b"{not json", "invalid_request", "not valid JSON"),
        ({"messages": [{"role": "user", "content": "x"}]}, None, "invalid_request", "`model` is required"),
        ({**HELLO, "temperature": "hot"}, None, "invalid_request", "`temperature` must be a number"),
        ({**HELLO, "messages": [{"role": "robot", "content": "x"}]}, None, "invalid_request", "use one of"),
        ({**HELLO, "messages": []}, None, "invalid_request", "non-empty list"),
        ({**HELLO, "model": "nope"}, None, "not_found", "team 'default' has: demo."),  # not other teams' apps
        (
            {**HELLO, "messages": [{"role": "user", "content": "x" * 3000}]},
            None,
            "invalid_request",
            "at most 2000",
        ),
    ],
)
def test_bad_requests_get_clear_openai_shaped_errors(
    server: InProcessServer, admin_key: str, body: object, raw: bytes | None, code: str, says: str
) -> None:
    response = _post(server, admin_key, body, raw)
    assert 400 <= response.status_code < 500
    _assert_openai_error(response, response.status_code, code, says)
    assert _post(server, admin_key, HELLO).status_code == 200  # and the process keeps serving


def test_context_overflow_is_a_400_with_a_record(
    server: InProcessServer, runtime: Runtime, admin_key: str
) -> None:
    too_long = {**HELLO, "messages": [{"role": "user", "content": "w " * 600}]}  # 600 tokens > 512 context
    response = _post(server, admin_key, too_long)
    _assert_openai_error(response, 400, "context_length_exceeded", "512")
    record = runtime.store.get_record(response.headers["x-steward-record-id"])
    assert record.status == "failed" and "512" in (record.error or "")


def test_stream_errors_before_the_first_byte_are_http_statuses(server: InProcessServer, admin_key: str) -> None:
    response = _post(server, admin_key, {**HELLO, "model": "nope", "stream": True})
    _assert_openai_error(response, 404, "not_found", "unknown app 'nope'")


def _samples(exposition: str) -> dict[str, float]:
    """Unlabelled samples of a Prometheus text exposition, by name."""
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if not sample.labels
    }


def test_metrics_health_and_readiness(server: InProcessServer, runtime: Runtime, admin_key: str) -> None:
    client_for(server, admin_key).chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "hi"}]
    )
    _post(server, admin_key, {**HELLO, "model": "nope"})
    scraper, _ = runtime.store.create_key(role="metrics", name="prometheus")
    metrics = server.http.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {scraper}"}).text
    assert 'steward_requests_total{app="demo",model="scripted-a",status="served"} 1.0' in metrics
    assert 'steward_tokens_total{app="demo",kind="completion",model="scripted-a"} 3.0' in metrics
    # an unknown app is the caller's mistake: `client_error`, under `(unknown)` as the rollups count it, never
    # `failed` nor a series named by the caller
    assert 'steward_errors_total{app="(unknown)",code="not_found"} 1.0' in metrics
    assert 'steward_requests_total{app="(unknown)",model="none",status="client_error"} 1.0' in metrics
    assert 'app="nope"' not in metrics
    assert 'status="failed"' not in metrics
    model_series = ("steward_tokens", "steward_cost", "steward_model")
    lines = [line for line in metrics.splitlines() if line.startswith(model_series)]
    assert lines and not [line for line in lines if 'model="none"' in line]  # no model reached: no model series
    assert "steward_request_latency_seconds_bucket" in metrics
    store = _samples(metrics)  # the record writer's own series
    assert store["steward_records_stored_total"] >= 2 and store["steward_records_failed_total"] == 0
    assert store["steward_records_stored_inline_total"] <= store["steward_records_stored_total"]
    assert store["steward_record_commit_seconds_count"] == store["steward_record_commits_total"] >= 1
    assert 0 < store["steward_record_commit_seconds_sum"] < store["steward_record_commits_total"]  # < 1 s each
    assert server.http.get(f"{server.url}/healthz").json() == {"status": "ok"}


def test_metrics_without_a_key_names_the_key_to_create(server: InProcessServer) -> None:
    for headers in ({}, {"Authorization": "Bearer sk-stw-unknown"}):
        response = server.http.get(f"{server.url}/metrics", headers=headers)
        assert response.status_code == 401
        message = response.json()["error"]["message"]
        assert "/metrics needs a `metrics` key" in message
        assert "steward keys create --role metrics --name prometheus" in message


def test_readyz_answers_probes_without_a_key_and_tells_problems_to_operators_only(
    server: InProcessServer, runtime: Runtime, admin_key: str
) -> None:
    ready = server.http.get(f"{server.url}/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    as_admin = server.http.get(f"{server.url}/readyz", headers={"Authorization": f"Bearer {admin_key}"})
    assert (as_admin.status_code, as_admin.json()) == (200, {"status": "ready", "problems": []})
    wrong = server.http.get(f"{server.url}/readyz", headers={"Authorization": "Bearer sk-stw-not-a-key"})
    assert wrong.status_code == 401  # a key that is sent is checked, as everywhere


MISSING_MODEL_PROJECT = """
version: 1
models:
  local-tiny:
    backend: llama_cpp
    path: weights/missing-tiny.gguf
  "local-tiny:other-secret":  # an id that starts like another team's, colon and all
    backend: llama_cpp
    path: weights/other-team-secret.gguf
apps:
  demo:
    owner: qa@example.com
    purpose: Answer test questions.
    route: [{model: local-tiny}]
  rival:
    owner: qa@other.example
    purpose: Another team's app.
    team: other
    route: [{model: "local-tiny:other-secret"}]
"""


def test_readyz_not_ready_names_model_and_path_only_to_admin_and_metrics_keys(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, MISSING_MODEL_PROJECT)
    keys = {role: runtime.store.create_key(role=role, name=role)[0] for role in ("admin", "metrics", "developer")}
    try:
        with InProcessServer(runtime) as server:
            anonymous = server.http.get(f"{server.url}/readyz")
            assert (anonymous.status_code, anonymous.json()) == (503, {"status": "not ready"})
            assert "missing-tiny" not in anonymous.text and "local-tiny" not in anonymous.text
            seen = {
                role: server.http.get(f"{server.url}/readyz", headers={"Authorization": f"Bearer {secret}"})
                for role, secret in keys.items()
            }
    finally:
        runtime.store.close()
    assert all(response.status_code == 503 for response in seen.values())
    assert seen["developer"].json() == {"status": "not ready"}
    (problem,) = seen["admin"].json()["problems"]  # its own team's model, never another team's
    assert "model local-tiny" in problem and "missing-tiny.gguf is missing" in problem
    assert "other-team-secret" not in seen["admin"].text
    problems = seen["metrics"].json()["problems"]  # the one role that spans teams
    assert len(problems) == 2 and "other-team-secret.gguf is missing" in problems[1]


def test_feedback_attaches_to_the_record(server: InProcessServer, runtime: Runtime, admin_key: str) -> None:
    response = client_for(server, admin_key).chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "hi"}]
    )
    record_id = response.model_extra["steward"]["record_id"]
    ok = server.http.post(
        f"{server.url}/v1/feedback",
        json={"record_id": record_id, "score": -1, "comment": "too short"},
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    assert ok.status_code == 200
    record = runtime.store.get_record(record_id)
    assert [(f.score, f.comment) for f in record.feedback] == [(-1, "too short")]


def test_an_oversized_body_is_a_413_and_the_process_keeps_serving(server: InProcessServer, admin_key: str) -> None:
    from steward.gateway.http import MAX_BODY_BYTES

    huge = b'{"model": "demo", "messages": [{"role": "user", "content": "' + b"a" * MAX_BODY_BYTES + b'"}]}'
    response = _post(server, admin_key, None, huge)
    _assert_openai_error(response, 413, "payload_too_large", "MiB")
    assert _post(server, admin_key, HELLO).status_code == 200


def test_a_bug_outside_the_pipeline_is_an_openai_shaped_500(
    server: InProcessServer, runtime: Runtime, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("steward.gateway.http._completion_body", broken)  # after the record, in the HTTP layer
    response = _post(server, admin_key, HELLO)
    _assert_openai_error(response, 500, "internal_error", "server log")
    assert "boom" not in response.text  # internals stay in the log


def test_other_routes_still_go_through_fastapi(server: InProcessServer) -> None:
    assert server.http.get(f"{server.url}/openapi.json").json()["info"]["title"] == "Steward"
    assert server.http.get(f"{server.url}/v1/chat/completions").status_code == 405  # only POST is an API call


def test_a_failure_after_the_record_is_stored_keeps_exactly_one_record(
    server: InProcessServer, runtime: Runtime, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("metrics backend down")

    monkeypatch.setattr(runtime.gateway.metrics, "observe", broken)  # runs after the record is durable
    response = _post(server, admin_key, HELLO)
    _assert_openai_error(response, 500, "internal_error", "recorded as")
    record_id = response.headers["x-steward-record-id"]
    assert runtime.store.get_record(record_id).status == "served"  # the answer's record, not a second "failed"
    assert runtime.store.count_records(app="demo") == 1
