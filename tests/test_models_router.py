"""Model pool and routes: plugin-created backends, weighted sticky choice, fallback and its records."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from steward.config import Settings, load_project_text
from steward.errors import ArtefactError, InvalidRequest, ModelError, ModelUnavailable
from steward.models.router import ModelPool, Route
from steward.models.scripted import ScriptedModel
from steward.types import GenerationParams, Message

PROJECT = """
version: 1
models:
  a: {backend: scripted, replies: ["from a"]}
  b: {backend: scripted, replies: ["from b"]}
  c: {backend: scripted, replies: ["from c"]}
  local: {backend: llama_cpp, artefact: smollm2-135m-instruct-q4_1}
apps:
  split:
    owner: t@example.com
    purpose: test
    route: [{model: a, weight: 3}, {model: b, weight: 1}]
    fallback: [c]
  missing-file:
    owner: t@example.com
    purpose: test
    route: [{model: local}]
    fallback: [c]
"""
USER = [Message("user", "hi")]
PARAMS = GenerationParams()


@pytest.fixture
def pool(tmp_path: Path) -> ModelPool:
    project = load_project_text(PROJECT, "test.yaml")
    project.root = tmp_path
    return ModelPool(project, Settings(home=tmp_path / ".steward", database_url="sqlite://"))


def scripted(pool: ModelPool, model_id: str) -> ScriptedModel:
    backend = pool.get(model_id)
    assert isinstance(backend, ScriptedModel)
    return backend


def test_pool_creates_backends_through_the_plugin_hook_once(pool: ModelPool) -> None:
    assert set(pool.factories) >= {"llama_cpp", "openai", "scripted"}
    assert pool.get("a") is pool.get("a")
    assert pool.get("a").ref.id == "a"


def test_sticky_key_always_picks_the_same_model_and_weights_hold(pool: ModelPool) -> None:
    route = pool.route("split")
    assert {route.order("subject-7")[0] for _ in range(20)} == {route.order("subject-7")[0]}
    firsts = Counter(route.order(f"subject-{i}")[0] for i in range(4000))
    assert 0.70 < firsts["a"] / 4000 < 0.80  # weight 3 : 1
    assert route.order("subject-7")[-1] == "c"  # the fallback list comes after every route entry
    assert sorted(route.order("x")) == ["a", "b", "c"]


def test_falls_back_on_model_error_and_records_attempts(pool: ModelPool) -> None:
    route = Route(pool, [("a", 1.0)], ["b"])
    scripted(pool, "a").enqueue_error(ModelError("upstream 503"))
    served = asyncio.run(route.complete(USER, PARAMS))
    assert served.completion.text == "from b"
    assert served.model.ref.id == "b"
    assert [(a.model, a.error) for a in served.attempts] == [("a", "upstream 503"), ("b", None)]


def test_invalid_request_is_not_hidden_by_a_fallback(pool: ModelPool) -> None:
    route = Route(pool, [("a", 1.0)], ["b"])
    scripted(pool, "a").enqueue_error(InvalidRequest("bad schema"))
    with pytest.raises(InvalidRequest, match="bad schema"):
        asyncio.run(route.complete(USER, PARAMS))
    assert scripted(pool, "b").history == []


def test_every_model_failing_raises_model_unavailable_with_attempts(pool: ModelPool) -> None:
    route = Route(pool, [("a", 1.0)], ["b"])
    scripted(pool, "a").enqueue_error(ModelError("a down"))
    scripted(pool, "b").enqueue_error(ModelError("b down"))
    with pytest.raises(ModelUnavailable, match="- a: a down\n- b: b down") as caught:
        asyncio.run(route.complete(USER, PARAMS))
    assert [a.model for a in caught.value.attempts] == ["a", "b"]  # type: ignore[attr-defined]


def test_missing_artefact_is_reported_and_route_falls_back(pool: ModelPool) -> None:
    with pytest.raises(ArtefactError, match="steward models fetch smollm2-135m-instruct-q4_1"):
        pool.get("local")
    served = asyncio.run(pool.route("missing-file").complete(USER, PARAMS))
    assert served.model.ref.id == "c"
    assert "steward models fetch" in (served.attempts[0].error or "")


async def drain(stream) -> str:  # type: ignore[no-untyped-def]
    return "".join([delta.text async for delta in stream])


def test_stream_falls_back_before_the_first_delta(pool: ModelPool) -> None:
    route = Route(pool, [("a", 1.0)], ["b"])
    scripted(pool, "a").enqueue_error(ModelError("a down"), after_words=0)
    stream = route.stream(USER, PARAMS)
    assert asyncio.run(drain(stream)) == "from b"
    assert stream.model is not None and stream.model.ref.id == "b"
    assert [(a.model, a.error) for a in stream.attempts] == [("a", "a down"), ("b", None)]


def test_stream_does_not_switch_models_after_the_first_delta(pool: ModelPool) -> None:
    route = Route(pool, [("a", 1.0)], ["b"])
    scripted(pool, "a").enqueue_error(ModelError("died mid-answer"), after_words=2)
    stream = route.stream(USER, PARAMS)
    with pytest.raises(ModelError, match="died mid-answer"):
        asyncio.run(drain(stream))
    assert scripted(pool, "b").history == []
    assert [(a.model, a.error) for a in stream.attempts] == [("a", "died mid-answer")]
