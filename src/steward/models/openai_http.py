"""OpenAI-compatible HTTP backend for any `/v1/chat/completions` server (vLLM, Ollama, llama.cpp, OpenAI).

One `HttpClient` per backend keeps a keep-alive pool (re-created only if the event loop changed, since pooled
connections belong to the loop that opened them); see `steward.models.http_client` for why the gateway's hot
path has its own lean client rather than aiohttp or httpx. Each attempt has the spec's `timeout_s`; 429, 5xx,
connection errors and timeouts are retried `max_retries` times with exponential backoff and jitter, honouring
`Retry-After`. Other answers are not retried on the same model: a 400/413/422 is the caller's fault
(`InvalidRequest`, or `ContextTooLong` when the upstream says so); 401/403/404 and unparseable bodies mean this
upstream is misconfigured or broken, a `ModelError` the route answers by falling back to its next model.
Streaming parses server-sent events (`data: {...}` lines up to `data: [DONE]`) and asks for the usage chunk;
retries happen only before the first delta has been handed on. Token counts of prompts are an estimate
(characters / 4); the upstream's reported usage is used for records whenever it sends one.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson

from steward.config.schema import ModelSpec
from steward.errors import ContextTooLong, InvalidRequest, ModelError
from steward.models.base import message_dicts
from steward.models.http_client import HttpClient, HttpError, StreamedResponse
from steward.types import Completion, Delta, FinishReason, GenerationParams, Message, ModelRef, ToolCall, Usage

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
CALLER_FAULT_STATUSES = frozenset({400, 413, 422})
MAX_RETRY_AFTER_S = 30.0  # an upstream asking us to wait longer is treated as down: fall back instead
_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "content_filter": "content_filter",
    "tool_calls": "tool_calls",
}


def _tool_calls(raw: Any) -> tuple[ToolCall, ...] | None:
    """An upstream's tool calls (None: malformed)."""
    if raw is None:
        return ()
    try:
        return tuple(
            ToolCall(str(c["id"]), str(c["function"]["name"]), str(c["function"]["arguments"])) for c in raw
        )
    except (KeyError, TypeError):
        return None


class _Retryable(Exception):
    """An attempt failed in a way another attempt may fix; `wait_s` is the upstream's Retry-After, if any."""

    def __init__(self, message: str, wait_s: float | None = None) -> None:
        super().__init__(message)
        self.wait_s = wait_s


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


class _Answer:
    """An upstream's HTTP answer, read whole (status, headers, body)."""

    def __init__(self, status: int, headers: Any, body: bytes, reason: str = "") -> None:
        self.status_code = status
        self.headers = headers
        self.content = body
        self.reason_phrase = reason

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


def _retry_after(response: _Answer) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _upstream_message(response: _Answer) -> str:
    """The error message the upstream gave, in OpenAI's shape or as plain text."""
    try:
        body = response.json()
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        return str(message or body)[:500]
    except ValueError:
        return response.text[:500] or response.reason_phrase


def _is_context_error(response: _Answer, message: str) -> bool:
    lowered = message.lower()
    return "context_length_exceeded" in response.text or "context length" in lowered or "too long" in lowered


class OpenAIHTTPModel:
    """A model served by an OpenAI-compatible server; see the module docstring for its error policy."""

    backoff_base_s = 0.5
    backoff_max_s = 8.0

    def __init__(self, model_id: str, spec: ModelSpec) -> None:
        self.spec = spec
        self.remote_model = spec.remote_model or model_id
        self.ref = ModelRef(id=model_id, backend="openai", sha256=spec.sha256, remote_model=self.remote_model)
        self.context_length = spec.context_length
        self.price = spec.price_per_1k
        self.base_url = spec.base_url.rstrip("/") if spec.base_url else ""
        self.url = f"{self.base_url}/chat/completions" if spec.base_url else ""
        self._client: HttpClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    # ----------------------------------------------------------------------------------------------- plumbing

    def _http(self) -> HttpClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop or self._client.closed:
            headers = {"user-agent": "steward", "content-type": "application/json"}
            if key := self.spec.api_key_value():
                headers["authorization"] = f"Bearer {key}"
            # the read timeout bounds each wait for bytes (a hung stream); complete() also bounds the whole answer
            self._client = HttpClient(
                self.base_url,
                headers,
                connect_timeout=min(10.0, self.spec.timeout_s),
                read_timeout=self.spec.timeout_s,
            )
            self._client_loop = loop
        return self._client

    def _body(self, messages: Sequence[Message], params: GenerationParams, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.remote_model, "messages": message_dicts(messages)}
        optional = {
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            "max_tokens": params.max_tokens,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        if params.stop:
            body["stop"] = list(params.stop)
        if params.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": params.json_schema},
            }
        if params.tools:  # the gateway asks for tool calls whole (non-streamed): they are checked before release
            body["tools"] = list(params.tools)
            if params.tool_choice is not None:
                body["tool_choice"] = params.tool_choice
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def _fail(self, what: str) -> ModelError:
        return ModelError(f"model {self.ref.id!r}: upstream {self.url} {what}")

    def _check_status(self, response: _Answer) -> None:
        """Raise what a non-2xx status means: retry, the caller's fault, or this upstream is unusable."""
        if response.status_code < 300:
            return
        message = _upstream_message(response)
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(f"answered {response.status_code}: {message}", _retry_after(response))
        if response.status_code in CALLER_FAULT_STATUSES:
            if _is_context_error(response, message):
                raise ContextTooLong(f"model {self.ref.id!r} refused the input: {message}; shorten the input.")
            raise InvalidRequest(f"model {self.ref.id!r} refused the request: {message}")
        hint = "check api_key and remote_model in steward.yaml" if response.status_code in (401, 403, 404) else ""
        raise self._fail(f"answered {response.status_code}: {message}" + (f"; {hint}" if hint else ""))

    def _backoff(self, attempt: int, upstream_wait: float | None) -> float:
        if upstream_wait is not None:
            return upstream_wait
        return min(self.backoff_max_s, self.backoff_base_s * 2**attempt) * (0.5 + random.random() / 2)

    async def _with_retries(self, attempt_once: Any) -> Any:
        """Run `attempt_once()` up to 1 + max_retries times on retryable failures."""
        attempts = 1 + self.spec.max_retries
        last = "failed"
        for attempt in range(attempts):
            try:
                return await attempt_once()
            except _Retryable as exc:
                last = str(exc)
                if exc.wait_s is not None and exc.wait_s > MAX_RETRY_AFTER_S:
                    raise self._fail(f"{last} and asks to wait {exc.wait_s:.0f} s") from None
                if attempt + 1 < attempts:
                    await asyncio.sleep(self._backoff(attempt, exc.wait_s))
        raise self._fail(f"{last} ({attempts} attempt{'s' if attempts > 1 else ''})")

    # ----------------------------------------------------------------------------------------------- complete

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        body = self._body(messages, params, stream=False)

        payload = orjson.dumps(body)

        async def post() -> _Answer:
            response = await self._http().post("/chat/completions", payload)
            return _Answer(response.status, response.headers, response.body, response.reason)

        async def attempt_once() -> _Answer:
            try:
                # the whole answer within timeout_s, even from an upstream that trickles bytes
                async with asyncio.timeout(self.spec.timeout_s):
                    response = await post()
            except TimeoutError:
                raise _Retryable(f"did not answer within {self.spec.timeout_s:g} s") from None
            except HttpError as exc:
                raise _Retryable(str(exc)) from None
            self._check_status(response)
            return response

        response = await self._with_retries(attempt_once)
        return self._parse_completion(response, messages)

    def _parse_completion(self, response: _Answer, messages: Sequence[Message]) -> Completion:
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._fail(
                f"returned something that is not a chat completion: {response.text[:200]!r}"
            ) from None
        usage = self._usage(data.get("usage"), messages, text)
        finish = _FINISH.get(str(choice.get("finish_reason")), "stop")
        calls = _tool_calls(choice["message"].get("tool_calls"))
        if calls is None:
            raise self._fail(f"returned malformed tool calls: {response.text[:200]!r}")
        return Completion(
            text=text,
            finish_reason=finish,
            usage=usage,
            model_fingerprint=self._fingerprint(data),
            tool_calls=calls,
        )

    def _usage(self, reported: Any, messages: Sequence[Message], text: str) -> Usage:
        if isinstance(reported, dict) and "prompt_tokens" in reported:
            return Usage(int(reported.get("prompt_tokens") or 0), int(reported.get("completion_tokens") or 0))
        return Usage(self.count_tokens(messages), estimate_tokens(text))

    def _fingerprint(self, data: dict[str, Any]) -> str:
        parts = [str(data.get("model") or self.remote_model)]
        if data.get("system_fingerprint"):
            parts.append(str(data["system_fingerprint"]))
        return "/".join(parts)

    # ------------------------------------------------------------------------------------------------- stream

    async def stream(self, messages: Sequence[Message], params: GenerationParams) -> AsyncIterator[Delta]:
        body = self._body(messages, params, stream=True)
        response: StreamedResponse = await self._with_retries(lambda: self._open_stream(body))
        try:
            async for delta in self._read_events(response, messages):
                yield delta
        except TimeoutError:
            raise self._fail(f"stopped sending for {self.spec.timeout_s:g} s in the middle of a stream") from None
        except HttpError as exc:
            raise self._fail(f"broke the stream ({exc})") from None
        finally:
            response.close()

    async def _open_stream(self, body: dict[str, Any]) -> StreamedResponse:
        try:
            response = await self._http().post_stream("/chat/completions", orjson.dumps(body))
        except TimeoutError:
            raise _Retryable(f"did not answer within {self.spec.timeout_s:g} s") from None
        except HttpError as exc:
            raise _Retryable(str(exc)) from None
        if response.status >= 300:
            try:
                answer = _Answer(response.status, response.headers, await response.read(), response.reason)
            except (TimeoutError, HttpError) as exc:
                raise _Retryable(f"answered {response.status} and then failed ({type(exc).__name__})") from None
            finally:
                response.close()
            self._check_status(answer)
        return response

    async def _read_events(self, response: StreamedResponse, messages: Sequence[Message]) -> AsyncIterator[Delta]:
        parts: list[str] = []
        finish: FinishReason | None = None
        usage: Usage | None = None
        async for raw in response.lines():
            line = raw.decode("utf-8", errors="replace").strip()
            if not line.startswith("data:"):
                continue  # blank separators, comments (":"), `event:` lines
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            chunk = self._parse_chunk(payload)
            if isinstance(chunk.get("usage"), dict):
                usage = self._usage(chunk["usage"], messages, "")
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    parts.append(text)
                    yield Delta(text=text)
                if choice.get("finish_reason"):
                    finish = _FINISH.get(str(choice["finish_reason"]), "stop")
        else:
            if finish is None:
                raise self._fail("closed the stream before it finished")
        text = "".join(parts)
        yield Delta(text="", finish_reason=finish or "stop", usage=usage or self._usage(None, messages, text))

    def _parse_chunk(self, payload: str) -> dict[str, Any]:
        try:
            chunk = orjson.loads(payload)
        except ValueError:
            raise self._fail(f"sent an event that is not JSON: {payload[:200]!r}") from None
        if not isinstance(chunk, dict) or ("choices" not in chunk and "usage" not in chunk):
            raise self._fail(f"sent an event that is not a chat completion chunk: {payload[:200]!r}")
        return chunk

    # ------------------------------------------------------------------------------------------------- other

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """An estimate (characters / 4 plus a few tokens per message for the chat framing)."""
        return sum(estimate_tokens(m.content) + 4 for m in messages)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
