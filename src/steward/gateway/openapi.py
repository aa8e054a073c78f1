"""The OpenAPI document and /docs of the gateway, complete and usable offline.

`POST /v1/chat/completions` is served as bare ASGI by `GatewayApp` (the hot path skips FastAPI), so FastAPI
never sees it; its request body is described here as pydantic models and added to the document as a route that
is documented, never served. The models mirror what `parse_chat_body` accepts (it stays the one validator).
Swagger UI's JavaScript and CSS (version 5, which reads the OpenAPI 3.1 that FastAPI writes) are served from the
`fastapi-offline` package's files rather than a CDN, so /docs renders on a machine without internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

DOCS_ASSETS = "/docs/assets"


class TextPart(BaseModel):
    """One text part of a message's content (the only kind of part Steward accepts)."""

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    """One turn of the conversation."""

    role: Literal["system", "developer", "user", "assistant", "tool"] = Field(
        description="`developer` is read as `system`; an app's own system prompt replaces client system turns"
    )
    content: str | list[TextPart] | None = Field(default=None, description="the text, or a list of text parts")
    name: str | None = None


class StreamOptions(BaseModel):
    """Options of a streamed answer."""

    include_usage: bool = Field(default=False, strict=True, description="send a last chunk with the token usage")


class JsonSchemaFormat(BaseModel):
    """A JSON schema the answer must follow."""

    name: str | None = None
    schema_: dict[str, Any] = Field(alias="schema", description="a JSON schema object")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    """The answer's format: plain text, any JSON object, or JSON that follows a schema."""

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = Field(default=None, description="required when type is json_schema")


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completions body; `model` names a Steward app (GET /v1/models lists yours).

    Fields OpenAI defines and Steward does not use are accepted and ignored.
    """

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, description="the app to call, e.g. `airport-assistant`")
    messages: list[ChatMessage] = Field(min_length=1, description="at least one `user` turn")
    stream: bool = Field(
        default=False, strict=True, description="server-sent events, one chunk per released sentence"
    )
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, strict=True, ge=0, le=2)
    top_p: float | None = Field(default=None, strict=True, ge=0, le=1)
    seed: int | None = Field(default=None, strict=True, ge=-(2**63), le=2**63 - 1)
    max_tokens: int | None = Field(default=None, strict=True, ge=1, le=10**6, description="capped by the app's")
    max_completion_tokens: int | None = Field(
        default=None, strict=True, ge=1, le=10**6, description="wins over max_tokens"
    )
    stop: str | list[str] | None = Field(default=None, description="a string or at most 4 strings")
    n: Literal[1] = Field(default=1, description="Steward records one answer per request")
    user: str | None = Field(default=None, description="the data subject the request is about (privacy)")
    metadata: dict[str, Any] | None = Field(default=None, description='`{"consent": "false"}` withholds consent')
    response_format: ResponseFormat | None = None


class ChatCompletionMessage(BaseModel):
    """The answer; `refusal` repeats it when a policy refused the request."""

    role: Literal["assistant"]
    content: str
    refusal: str | None = None


class ChatCompletionChoice(BaseModel):
    index: int
    message: ChatCompletionMessage
    finish_reason: str = Field(description="`stop`, `length`, or `content_filter` when a policy refused")
    logprobs: None = None


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """The answer, OpenAI-shaped, with `steward`: the record id, status, reason codes and cited sources."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    system_fingerprint: str | None = None
    choices: list[ChatCompletionChoice]
    usage: CompletionUsage
    steward: dict[str, Any]


async def chat_completions(body: ChatCompletionRequest) -> ChatCompletion:  # pragma: no cover - documented only
    """Answer a conversation through the app's governed pipeline (guardrails, retrieval, model, record).

    Authenticate with `Authorization: Bearer <key>`. With `stream: true` the answer comes as server-sent
    events (`text/event-stream`), each sentence once it has passed the output checks. Every request that passes
    authentication gets a record; the `x-steward-record-id` header names it.
    """
    raise NotImplementedError("served by GatewayApp as bare ASGI; this route only documents it")


CHAT_ROUTE = APIRoute(
    "/v1/chat/completions",
    chat_completions,
    methods=["POST"],
    response_model=ChatCompletion,
    tags=["OpenAI-compatible"],
    summary="Chat completions",
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        400: {"description": "the body is not valid; the message names the field and what to send"},
        401: {"description": "no key or an unknown key"},
        403: {"description": "the key may not call this app"},
        413: {"description": "the body or the conversation is too large"},
    },
)


BEARER = "apiKey"
# Routes a probe calls without a key; every other route needs one, so a route added later is documented as
# keyed unless it is named here. /readyz takes a key only to say why it is not ready.
KEYLESS = frozenset({"/healthz"})
KEY_OPTIONAL = frozenset({"/readyz"})


def _declare_bearer_key(document: dict[str, Any]) -> None:
    """The bearer key scheme, required on the routes that need a key: Swagger UI's Authorize button then sends
    `Authorization: Bearer <key>` with every "Try it out" (the handlers read the header themselves, so FastAPI
    cannot see that they need it)."""
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "API key from `steward keys create` (sent as `Authorization: Bearer sk-stw-...`)",
    }
    for path, operations in document.get("paths", {}).items():
        if path in KEYLESS:
            continue
        required: list[dict[str, list[str]]] = [{BEARER: []}]
        for operation in operations.values():
            operation["security"] = [{}, *required] if path in KEY_OPTIONAL else required


def offline_docs(api: FastAPI) -> None:
    """/docs from local assets, and an OpenAPI document that includes the chat route."""
    import fastapi_offline
    from starlette.staticfiles import StaticFiles

    assets = Path(fastapi_offline.__file__).parent / "static"
    api.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # behind a proxy that strips a prefix
        return get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url or '/openapi.json'}",
            title=f"{api.title} - API",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )

    def document() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=[CHAT_ROUTE, *api.routes],
            )
            # FastAPI documents a 422 for any body or parameter it validates; Steward answers those with a 400
            # (the chat lane reads its own body; the management API turns FastAPI's validation errors into 400s)
            for operations in api.openapi_schema["paths"].values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            _declare_bearer_key(api.openapi_schema)
        return api.openapi_schema

    api.openapi = document  # type: ignore[method-assign]
