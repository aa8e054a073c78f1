"""The OpenAI-compatible HTTP API. Handlers only translate: HTTP ⇄ `Gateway`, errors ⇄ status codes.

`model` in a request names an app: the governed pipeline, not a raw model. Errors are OpenAI-shaped
(`{"error": {"message", "type", "param", "code"}}`) with messages that say what to do; every error after
authentication still produced its record (the `x-steward-record-id` header names it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from steward.errors import (
    AuthenticationError,
    HeadersTooLarge,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    StewardError,
)
from steward.gateway.auth import Authenticator
from steward.gateway.collaborators import TextEmbedder
from steward.gateway.console import mount as mount_console
from steward.gateway.errors_http import status_of
from steward.gateway.heap import freeze_start_up, release_start_up
from steward.gateway.management import mount as mount_management
from steward.gateway.management.common import check_body
from steward.gateway.openapi import offline_docs
from steward.gateway.pipeline import EMBEDDINGS, Gateway
from steward.gateway.requests import ChatResult, StreamEvent, parse_chat_body
from steward.gateway.upkeep import add_feedback, readiness
from steward.guardrails.agreement import load_scorer
from steward.store import Store
from steward.types import Principal

log = logging.getLogger(__name__)


class ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_body(exc: StewardError) -> dict[str, Any]:
    kind = status_of(exc)[1]
    return {"error": {"message": exc.message, "type": kind, "param": exc.param, "code": exc.code}}


def error_response(exc: StewardError) -> ORJSONResponse:
    headers = {"x-steward-record-id": exc.record_id} if exc.record_id else None
    return ORJSONResponse(error_body(exc), status_code=status_of(exc)[0], headers=headers)


class RefuseNul:
    """ASGI middleware of the management API and the console: a NUL character in the path or the query (`%00`) is
    a 400 that says so, before any route reads it (PostgreSQL refuses NUL in text, so an id, a cursor or an audit
    filter holding one was a 500 there)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            refused = InvalidRequest("the request's path or query holds a NUL character (%00); send it without.")
            await error_response(refused)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _tool_calls(result: ChatResult, streamed: bool = False) -> list[dict[str, Any]]:
    """The checked tool calls in OpenAI's shape (a streamed chunk numbers them)."""
    return [
        {
            **({"index": i} if streamed else {}),
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        for i, call in enumerate(result.tool_calls)
    ]


def _completion_body(result: ChatResult, app: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": result.text}
    if result.finish_reason == "content_filter":
        message["refusal"] = result.text
    if result.tool_calls:
        message["tool_calls"] = _tool_calls(result)
        message["content"] = result.text or None
    model = result.record.model
    return {
        "id": f"chatcmpl-{result.record.id}",
        "object": "chat.completion",
        "created": int(result.record.created_at),
        "model": app,
        "system_fingerprint": f"{model.id}@{(model.sha256 or '')[:12]}" if model else None,
        "choices": [{"index": 0, "message": message, "finish_reason": result.finish_reason, "logprobs": None}],
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "completion_tokens": result.usage.completion_tokens,
            "total_tokens": result.usage.total_tokens,
        },
        "steward": result.steward,
    }


def _chunk(chunk_id: str, app: str, created: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": app,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    return b"data: " + orjson.dumps(body) + b"\n\n"


async def _sse(
    first: StreamEvent,
    events: AsyncGenerator[StreamEvent, None],
    app: str,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    created = int(time.time())
    chunk_id = f"chatcmpl-{time.time_ns():x}"
    yield _chunk(chunk_id, app, created, {"role": "assistant", "content": ""})
    event: StreamEvent | None = first
    try:
        while event is not None:
            if event.result is not None:
                result = event.result
                if result.tool_calls:  # checked whole before this: no part of a refused call was sent
                    yield _chunk(chunk_id, app, created, {"tool_calls": _tool_calls(result, streamed=True)})
                final = _chunk(chunk_id, app, created, {}, result.finish_reason)
                body = orjson.loads(final[6:])
                body["steward"] = result.steward
                yield b"data: " + orjson.dumps(body) + b"\n\n"
                if include_usage:
                    usage = {
                        "id": chunk_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": app,
                        "choices": [],
                        "usage": {
                            "prompt_tokens": result.usage.prompt_tokens,
                            "completion_tokens": result.usage.completion_tokens,
                            "total_tokens": result.usage.total_tokens,
                        },
                    }
                    yield b"data: " + orjson.dumps(usage) + b"\n\n"
                break
            if event.text:
                yield _chunk(chunk_id, app, created, {"content": event.text})
            event = await anext(events, None)
    except StewardError as exc:  # after the first byte the status is sent: report in-band, as OpenAI does
        yield b"data: " + orjson.dumps(error_body(exc)) + b"\n\n"
    finally:  # reading stops at the result event: end the pipeline's generator (and its request) now, not at GC
        await events.aclose()
    yield b"data: [DONE]\n\n"


MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_API_BODY_BYTES = 2 * 1024 * 1024  # every other route's body (embeddings inputs, feedback)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_COMMENT_CHARS = 4000
MAX_EMBEDDING_INPUTS = 2048
MAX_EMBEDDING_CHARS = 500_000  # all inputs together: the model reads 256 word pieces of each, so longer is waste
# All headers together. Browsers send up to ~8 KiB (cookies); an API key is 50 characters. uvicorn's
# httptools parser has no limit of its own, so a megabyte of headers was parsed, looked up and cached.
MAX_HEADER_BYTES = 32 * 1024
METRICS_KEY_HINT = (
    "/metrics needs a `metrics` key: send one (steward keys create --role metrics --name prometheus) "
    "as `Authorization: Bearer <key>`."
)
_ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class GatewayApp:
    """The ASGI app: POST /v1/chat/completions goes straight to `ChatLane`, everything else to FastAPI.

    The chat route is the hot path. Served as bare ASGI it skips FastAPI's middleware stack and dependency
    solving, which cost as much CPU per request as the rest of the pipeline (py-spy, bench/gateway.py).
    Lifespan events and every other route go to FastAPI unchanged.
    """

    def __init__(self, api: FastAPI, chat: ChatLane) -> None:
        self.api = api
        self.chat = chat

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and sum(len(k) + len(v) for k, v in scope["headers"]) > MAX_HEADER_BYTES:
            big = HeadersTooLarge(f"the headers are over {MAX_HEADER_BYTES // 1024} KiB; send fewer or shorter.")
            await error_response(big)(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] == "/v1/chat/completions":
            if scope["method"] == "POST":
                await self.chat(scope, receive, send)
            else:
                wrong = MethodNotAllowed(f"{scope['method']} is not served here; POST a chat completion request.")
                await error_response(wrong)(scope, receive, send)
        elif scope["type"] == "http" and scope["method"] in BODY_METHODS:
            await self._bounded(scope, receive, send)
        else:
            await self.api(scope, receive, send)

    async def _bounded(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Every other route's body, read up to MAX_API_BODY_BYTES before FastAPI sees it: FastAPI reads a whole
        body before its route validates it, so a route's own limits (a comment's length) came after the memory."""
        try:
            body = await _read_body(receive, MAX_API_BODY_BYTES)
        except StewardError as exc:
            await error_response(exc)(scope, receive, send)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return dict(await receive())  # after the body: a disconnect, as the server reports it
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.api(scope, replay, send)


class ChatLane:
    """OpenAI's chat completions, streamed or not, with OpenAI-shaped errors for everything that fails."""

    def __init__(self, gateway: Gateway, authenticator: Authenticator) -> None:
        self.gateway = gateway
        self.authenticator = authenticator

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            response = await self._respond(scope, receive)
        except StewardError as exc:
            response = error_response(exc)
        except Exception:  # a bug outside the pipeline (which records its own): still an OpenAI-shaped 500
            log.exception("unexpected error serving chat completions")
            response = error_response(StewardError("internal error; see the server log."))
        await response(scope, receive, send)

    async def _respond(self, scope: dict[str, Any], receive: Any) -> Response:
        t0 = time.perf_counter()
        principal = self.authenticator.authenticate(_header(scope, b"authorization"), admit=False)
        auth_ms = (time.perf_counter() - t0) * 1000.0
        body: Any = None
        try:  # from here on, whatever fails, the request has its record
            self.authenticator.admit(principal)  # a rate-limited or spent key's refusal is recorded too
            body = _parse_json(await _read_body(receive))
            chat = parse_chat_body(body)
        except StewardError as exc:
            await self.gateway.reject(principal, exc, body, auth_ms)
            raise
        except Exception as exc:  # a bug in reading the body: still a record, and an answer that names it
            log.exception("unexpected error reading a chat completions body")
            error = StewardError(f"internal error reading the request ({type(exc).__name__}); see the server log.")
            await self.gateway.reject(principal, error, body, auth_ms)
            raise error from exc
        if not chat.stream:
            result = await self.gateway.chat(chat, principal, auth_ms)
            return ORJSONResponse(
                _completion_body(result, chat.app), headers={"x-steward-record-id": result.record.id}
            )
        events = self.gateway.chat_stream(chat, principal, auth_ms)
        first = await anext(events)  # errors before the first byte become proper HTTP statuses
        stream = _sse(first, events, chat.app, chat.include_usage)
        return StreamingResponse(stream, media_type="text/event-stream", headers={"cache-control": "no-cache"})


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _team_problems(problems: list[str], project: Any, team: str) -> list[str]:
    """Readiness problems an admin of `team` may read: its apps' models' (`model ID: …`), and the rest."""
    models = {
        m
        for app in project.apps.values()
        if app.team == team
        for m in [*(r.model for r in app.route), *app.fallback]
    }

    def model_of(problem: str) -> str | None:  # the longest id it names: an id may hold ": " itself
        named = [m for m in project.models if problem.startswith(f"model {m}: ")]
        return max(named, key=len) if named else None

    return [p for p in problems if not p.startswith("model ") or model_of(p) in models]


def _embedding_inputs(body: Any) -> list[str]:
    texts = body.get("input") if isinstance(body, dict) else None
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise InvalidRequest("`input` must be a string or a non-empty list of strings.", param="input")
    if len(texts) > MAX_EMBEDDING_INPUTS:
        raise InvalidRequest(
            f"`input` has more than {MAX_EMBEDDING_INPUTS} items; send them in batches.", param="input"
        )
    if sum(map(len, texts)) > MAX_EMBEDDING_CHARS:
        raise PayloadTooLarge(
            f"`input` holds over {MAX_EMBEDDING_CHARS} characters; send them in smaller batches.", param="input"
        )
    return texts


async def _read_body(receive: Any, limit: int = MAX_BODY_BYTES) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InvalidRequest("the client disconnected before sending the whole body.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit // (1024 * 1024)} MiB; send less in one request.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the body is not valid JSON ({exc}); send a JSON object.") from None


def create_app(
    gateway: Gateway,
    authenticator: Authenticator,
    embedder: TextEmbedder | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> GatewayApp:
    """Build the ASGI app serving `gateway`; `embedder` (loaded lazily when None) serves /v1/embeddings."""
    api = _admin_api(gateway, authenticator, embedder)
    api.router.on_startup.append(load_scorer)  # the reviews' κ, before a first review page pays for its import
    api.router.on_startup.append(freeze_start_up)  # see steward.gateway.heap: no full collection walks start-up
    if on_shutdown is not None:
        api.router.on_shutdown.append(on_shutdown)
    api.router.on_shutdown.append(release_start_up)
    return GatewayApp(api, ChatLane(gateway, authenticator))


def _admin_api(gateway: Gateway, authenticator: Authenticator, embedder: TextEmbedder | None) -> FastAPI:
    """Every route but chat completions: FastAPI, for its validation and /docs (offline, chat route included)."""
    api = FastAPI(
        title="Steward",
        version="0.1.0",
        docs_url=None,  # served by `offline_docs` from local assets: the default loads Swagger UI from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        description="POST /v1/chat/completions follows OpenAI's Chat Completions API; `model` names an app.",
    )
    offline_docs(api)
    api.add_middleware(RefuseNul)
    api.state.gateway = gateway
    api.state.embedder = embedder

    @api.exception_handler(StewardError)
    async def _steward_error(_: Request, exc: StewardError) -> ORJSONResponse:
        return error_response(exc)

    @api.exception_handler(StarletteHTTPException)
    async def _no_route(request: Request, exc: StarletteHTTPException) -> Response:
        """A path or method no route serves, OpenAI-shaped as every other error (FastAPI's is `{"detail": …}`)."""
        path = request.url.path[:200]
        if exc.status_code == 404:
            return error_response(NotFound(f"no route {path}; /openapi.json lists the routes."))
        if exc.status_code == 405:
            wrong = MethodNotAllowed(f"{request.method} is not served at {path}; /openapi.json lists its methods.")
            response = error_response(wrong)
            response.headers.update(exc.headers or {})  # Allow: the methods that are
            return response
        return await http_exception_handler(request, exc)

    async def principal_of(request: Request, *, admit: bool = True) -> tuple[Principal, float]:
        t0 = time.perf_counter()
        principal = authenticator.authenticate(request.headers.get("authorization"), admit=admit)
        return principal, (time.perf_counter() - t0) * 1000.0

    async def json_body(request: Request) -> Any:
        return _parse_json(await request.body())  # bounded by GatewayApp._bounded before it reaches FastAPI

    @api.get("/v1/models")
    async def list_models(request: Request) -> ORJSONResponse:
        principal, _ = await principal_of(request)
        if principal.role == "metrics":
            raise PermissionDenied("metrics keys scrape /metrics and nothing else; list apps with another key.")
        apps = [
            {"id": name, "object": "model", "created": 0, "owned_by": spec.owner}
            for name, spec in gateway.project.apps.items()
            if principal.may_use(name) and (principal.key_id is None or spec.team == principal.team)
        ]
        return ORJSONResponse({"object": "list", "data": apps})

    @api.post("/v1/embeddings")
    async def embeddings(request: Request) -> ORJSONResponse:
        principal, auth_ms = await principal_of(request, admit=False)
        try:  # from here on, whatever fails, the request has its record
            authenticator.admit(principal)
            if not principal.calls_apps:
                raise PermissionDenied(
                    f"{principal.role} keys cannot call models; use an `app` or `developer` key."
                )
            texts = _embedding_inputs(await json_body(request))
            if api.state.embedder is None:
                from steward.models.embeddings import Embedder

                api.state.embedder = await asyncio.to_thread(Embedder.shared)
        except StewardError as exc:
            await gateway.reject(principal, exc, None, auth_ms, app=EMBEDDINGS)
            raise
        embedder = api.state.embedder
        vectors, record = await gateway.embed(principal, texts, embedder, auth_ms)
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
        tokens = record.usage.total_tokens
        return ORJSONResponse(
            {
                "object": "list",
                "data": data,
                "model": embedder.model_id,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            headers={"x-steward-record-id": record.id},
        )

    @api.post("/v1/feedback")
    async def feedback(request: Request) -> ORJSONResponse:
        principal, _ = await principal_of(request)
        check_body(await request.body())  # a field given twice, or a NUL PostgreSQL would refuse: a 400
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("record_id"), str):
            raise InvalidRequest('send {"record_id": "rec_...", "score": 1 or -1, "comment": "..."}.')
        score = body.get("score")
        if not isinstance(score, int) or isinstance(score, bool):
            raise InvalidRequest("`score` must be an integer (1 = good, -1 = bad).", param="score")
        comment = body.get("comment", "")
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
            raise InvalidRequest(
                f"`comment` must be a string of at most {MAX_COMMENT_CHARS} characters.", param="comment"
            )
        await asyncio.to_thread(add_feedback, gateway.store, principal, body["record_id"], score, comment)
        return ORJSONResponse({"ok": True})

    # before `/v1/reviews/{record_id}`, so that `/v1/reviews/agreement` is the management route, not a record
    if isinstance(gateway.store, Store):  # the SQL store; a test's stand-in for it serves no management API
        models = (gateway.settings.models_dir, gateway.settings.config)
        mount_management(api, gateway.store, gateway.project, authenticator, error_response, models)
        mount_console(api, gateway.store, gateway.project, authenticator)  # /ui, over the same service functions

    @api.get("/v1/reviews/{record_id}")
    async def review_outcome(record_id: str, request: Request) -> ORJSONResponse:
        """A held request's review: pending, rejected, or approved with the released answer."""
        principal, _ = await principal_of(request)
        return ORJSONResponse(await gateway.reviews.outcome(principal, record_id))

    @api.post("/v1/reviews/{record_id}/corrections", status_code=201)
    async def review_correction(record_id: str, request: Request) -> ORJSONResponse:
        """A reviewer's corrected answer of a record (an admin or developer key of its team), kept with who, when
        and why, and audited; datasets built from records prefer it over the model's answer."""
        principal, _ = await principal_of(request)
        check_body(await request.body())  # a governance action: `{"why": "…", "why": ""}` is no reason
        body = await json_body(request)
        if not (
            isinstance(body, dict) and isinstance(body.get("answer"), str) and isinstance(body.get("why"), str)
        ):
            raise InvalidRequest('send {"answer": "the corrected answer", "why": "what was wrong with it"}.')
        from steward.guardrails.review import ReviewQueue  # corrections need no guardrails, only the store

        queue = ReviewQueue(gateway.store)  # type: ignore[arg-type]  # the gateway's store is the Store
        correction = await asyncio.to_thread(queue.correct, principal, record_id, body["answer"], body["why"])
        return ORJSONResponse(correction.as_dict(), status_code=201)

    @api.get("/metrics")
    async def metrics(request: Request) -> Response:
        """Prometheus text; it names every team's apps and models, so only a `metrics` key may scrape it."""
        try:
            principal, _ = await principal_of(request)
        except AuthenticationError as exc:  # a scraper set up without a key: name the key it needs
            raise AuthenticationError(f"{exc.message} {METRICS_KEY_HINT}") from None
        if principal.role != "metrics":
            raise PermissionDenied(
                "/metrics needs a metrics key (it spans every team): create one with "
                "`steward keys create --role metrics --name prometheus` and scrape with it as a bearer token."
            )
        return Response(gateway.metrics.render(), media_type=gateway.metrics.content_type)

    @api.get("/healthz")
    async def healthz() -> ORJSONResponse:
        return ORJSONResponse({"status": "ok"})

    @api.get("/readyz")
    async def readyz(request: Request) -> ORJSONResponse:
        """Ready (200) or not (503), for probes that carry no key. Why not names model ids and artefact paths
        of every team, so only an admin or metrics key (the operators of the deployment) is told the problems;
        a key that is sent must still be valid."""
        principal = None
        if request.headers.get("authorization"):
            principal, _ = await principal_of(request)
        problems = await asyncio.to_thread(readiness, gateway.store, gateway.project, gateway.settings)
        body: dict[str, Any] = {"status": "ready" if not problems else "not ready"}
        if principal is not None and principal.role == "metrics":  # the one role that spans teams
            body["problems"] = problems
        elif principal is not None and principal.role == "admin":  # its own team's models, and the store
            body["problems"] = _team_problems(problems, gateway.project, principal.team)
        return ORJSONResponse(body, status_code=200 if not problems else 503)

    return api
