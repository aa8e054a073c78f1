"""/docs works offline and /openapi.json documents the chat route that FastAPI never serves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError
from tests.gateway_fixtures import InProcessServer, runtime, server  # noqa: F401 (fixtures)

from steward.errors import InvalidRequest
from steward.gateway.openapi import ChatCompletionRequest
from steward.gateway.requests import parse_chat_body


def test_docs_loads_swagger_ui_from_the_gateway_itself(server: InProcessServer) -> None:  # noqa: F811
    page = server.http.get(f"{server.url}/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    external = [u for u in urls if u.startswith(("http:", "https:", "//"))]
    assert not external, f"/docs loads from outside the gateway: {external}"
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts
    for url in urls:
        if url.startswith("/docs/"):
            asset = server.http.get(f"{server.url}{url}")
            assert asset.status_code == 200 and len(asset.content) > 500, url
    bundle = server.http.get(f"{server.url}{scripts[0]}").text
    assert "SwaggerUIBundle" in bundle
    # FastAPI writes OpenAPI 3.1, which Swagger UI renders from version 5 on (4.x shows "Unable to render this
    # definition", as a headless Chromium showed): the bundle must know 3.1
    assert (
        server.http.get(f"{server.url}/openapi.json").json()["openapi"].startswith("3.1") and "isOAS31" in bundle
    )


def test_openapi_documents_chat_completions_with_its_request_schema(server: InProcessServer) -> None:  # noqa: F811
    document = server.http.get(f"{server.url}/openapi.json").json()
    operation = document["paths"]["/v1/chat/completions"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"model", "messages"} <= set(body["required"])
    assert {"stream", "stream_options", "temperature", "max_tokens", "response_format"} <= set(body["properties"])
    assert "200" in operation["responses"] and "text/event-stream" in operation["responses"]["200"]["content"]
    assert "422" not in operation["responses"]  # the chat lane answers bad bodies with 400, never 422
    assert "/v1/models" in document["paths"]  # the FastAPI routes are still there


def test_openapi_declares_the_bearer_key_on_exactly_the_routes_that_need_one(server: InProcessServer) -> None:  # noqa: F811
    """Swagger UI shows its Authorize button, and sends the key on "Try it out", only for a declared scheme."""
    document = server.http.get(f"{server.url}/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert [(s["type"], s["scheme"]) for s in schemes.values()] == [("http", "bearer")]
    assert "steward keys create" in next(iter(schemes.values()))["description"]
    (name,) = schemes
    assert document["paths"]["/v1/chat/completions"]["post"]["security"] == [{name: []}]
    for path, operations in document["paths"].items():  # the document says what the server does without a key
        for method, operation in operations.items():
            url = server.url + path.replace("{record_id}", "rec_unknown")
            status = server.http.request(method, url, json={}).status_code
            needs_key = {} not in operation.get("security", [{}])
            assert (status == 401) == needs_key, (method, path, status, operation.get("security"))
    assert document["paths"]["/readyz"]["get"]["security"] == [{}, {name: []}]  # a key only says why not ready


VALID: list[dict[str, Any]] = [
    {"model": "demo", "messages": [{"role": "user", "content": "Hi"}]},
    {
        "model": "demo",
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.5,
        "top_p": 1,
        "max_completion_tokens": 10,
        "stop": ["\n"],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        "metadata": {"consent": "false"},
        "user": "alice",
        "logit_bias": {},  # an OpenAI field Steward ignores
    },
]
INVALID: list[dict[str, Any]] = [
    {"model": "demo"},
    {"model": "", "messages": [{"role": "user", "content": "Hi"}]},
    {"model": "demo", "messages": []},
    {"model": "demo", "messages": [{"role": "robot", "content": "Hi"}]},
    {"model": "demo", "messages": [{"role": "user", "content": "Hi"}], "temperature": 3},
    {"model": "demo", "messages": [{"role": "user", "content": "Hi"}], "n": 2},
    {"model": "demo", "messages": [{"role": "user", "content": "Hi"}], "stream": "yes"},
    {"model": "demo", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 0},
    {"model": "demo", "messages": [{"role": "user", "content": "Hi"}], "response_format": {"type": "xml"}},
]


@pytest.mark.parametrize("body", VALID)
def test_the_documented_schema_accepts_what_the_gateway_accepts(body: dict[str, Any]) -> None:
    parse_chat_body(body)
    ChatCompletionRequest.model_validate(body)


@pytest.mark.parametrize("body", INVALID)
def test_the_documented_schema_rejects_what_the_gateway_rejects(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest):
        parse_chat_body(body)
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate(body)
