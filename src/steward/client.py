"""`steward.Client`: the governed pipeline in-process, without HTTP.

The same `Gateway` the server uses — guardrails, retrieval, routing, records — behind a small synchronous API
for notebooks, scripts, evaluation and the CLI. Async code can await `achat` directly. The client owns an
event loop in a background thread so that sync callers never juggle one.

    from steward import Client
    with Client() as client:                      # the nearest steward.yaml, else the embedded defaults
        result = client.chat("airport-assistant", "What is the status of PNR 290049223?")
        print(result.text, result.record.id)

A running server's management API (records, audit, rollups, alerts) is read over HTTP with an API key by
`RemoteClient` (`steward.remote`, re-exported here and as `steward.RemoteClient`).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from steward.config import Project, Settings
from steward.gateway.assemble import Runtime, open_runtime
from steward.gateway.requests import ChatRequest, ChatResult, parse_messages
from steward.remote import RemoteClient as RemoteClient
from steward.types import LOCAL_OPERATOR, Message, Origin, Principal

MessagesLike = str | Sequence[Message | dict[str, Any]]


def _messages(messages: MessagesLike) -> list[Message]:
    if isinstance(messages, str):
        return [Message("user", messages)]
    raw = [{"role": m.role, "content": m.content} if isinstance(m, Message) else m for m in messages]
    return parse_messages(raw)


class Client:
    """A governed, in-process client of one project's apps."""

    def __init__(
        self,
        project: Project | Path | str | None = None,
        *,
        settings: Settings | None = None,
        principal: Principal = LOCAL_OPERATOR,
        runtime: Runtime | None = None,
        origin: Origin = "traffic",
    ) -> None:
        self.runtime = runtime or open_runtime(project, settings)
        self.principal = principal
        self.origin = origin  # what its requests' records say they are, unless a call says otherwise
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="steward-client", daemon=True)
        self._thread.start()
        self.last_result: ChatResult | None = None

    @property
    def gateway(self) -> Any:
        return self.runtime.gateway

    def _request(self, app: str, messages: MessagesLike, stream: bool, params: dict[str, Any]) -> ChatRequest:
        params.setdefault("origin", self.origin)
        return ChatRequest(app=app, messages=_messages(messages), stream=stream, **params)

    async def achat(self, app: str, messages: MessagesLike, **params: Any) -> ChatResult:
        """Await one governed answer (`params`: temperature, top_p, seed, max_tokens, json_schema, subject, origin
        ...)."""
        return await self.gateway.chat(self._request(app, messages, False, params), self.principal)

    def chat(self, app: str, messages: MessagesLike, **params: Any) -> ChatResult:
        """One governed answer; its record is durable when this returns."""
        future = asyncio.run_coroutine_threadsafe(self.achat(app, messages, **params), self._loop)
        self.last_result = future.result()
        return self.last_result

    def review(self, record_id: str) -> dict[str, Any]:
        """Where a held request stands; once approved, the released `answer` (as `GET /v1/reviews/{id}`)."""
        coroutine = self.gateway.reviews.outcome(self.principal, record_id)
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def review_agreement(
        self, app: str | None = None, since: float | None = None, until: float | None = None
    ) -> dict[str, Any]:
        """Cohen's κ of the review queue's two labels (the two-person rule) as this client's principal may read it,
        as `GET /v1/reviews/agreement` answers it: overall, per app, per policy, per pair of reviewers."""
        from steward.guardrails.agreement import agreement

        return {"app": app, **agreement(self.runtime.store, self.principal, (app,) if app else None, since, until)}

    def stream(self, app: str, messages: MessagesLike, **params: Any) -> Iterator[str]:
        """Yield the answer's text as the guardrails release it; `last_result` holds the result afterwards."""
        request = self._request(app, messages, True, params)
        pieces: queue.Queue[Any] = queue.Queue()
        done = object()

        async def pump() -> None:
            try:
                async for event in self.gateway.chat_stream(request, self.principal):
                    pieces.put(event)
            except BaseException as exc:  # hand the error to the consuming thread
                pieces.put(exc)
            finally:
                pieces.put(done)

        asyncio.run_coroutine_threadsafe(pump(), self._loop)
        while (item := pieces.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            if item.result is not None:
                self.last_result = item.result
            elif item.text:
                yield item.text

    def close(self) -> None:
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self.runtime.aclose(), self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
