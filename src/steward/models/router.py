"""Model pool and routes: which backend serves a request, and what happens when it fails.

`ModelPool` turns a project's `models:` into backends through the `register_models` hook, lazily and once per
pool (the gateway keeps one pool per process; llama.cpp weights are additionally cached per process).
`Route` serves an app: it picks the first model by weight (deterministically from a sticky key such as the
subject id, so a user stays on one variant of an A/B split; at random otherwise), then on a `ModelError` that
allows it falls back to the other route entries (by weight) and then the app's `fallback` list. Every try is
kept as an `Attempt` (model, error, milliseconds) because the governed record must say which models were tried
and why they failed. A stream falls back only before its first delta has been handed on: after that the
client already holds part of an answer from one model, and mixing in another would be a lie.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.config.schema import AppSpec, ModelSpec, Project
from steward.config.settings import Settings
from steward.errors import ArtefactError, ConfigError, ModelError, ModelUnavailable, NotFound, StewardError
from steward.models.base import ModelBackend
from steward.types import Attempt, Completion, Delta, GenerationParams, Message

Factory = Callable[[str, ModelSpec, Settings], ModelBackend]


@dataclass(slots=True)
class Served:
    """A completed generation, the backend that produced it and every attempt made on the way."""

    completion: Completion
    model: ModelBackend
    attempts: list[Attempt]


class ModelPool:
    """The backends of a project, created on first use through the `register_models` hook."""

    def __init__(self, project: Project, settings: Settings, factories: dict[str, Factory] | None = None) -> None:
        self.project = project
        self.settings = settings
        if factories is None:
            from steward.plugins import collect

            factories = collect("register_models")
        self.factories = factories
        self._backends: dict[str, ModelBackend] = {}
        self._lock = threading.Lock()

    def spec(self, model_id: str) -> ModelSpec:
        try:
            return self.project.models[model_id]
        except KeyError:
            known = ", ".join(sorted(self.project.models)) or "none"
            raise NotFound(f"unknown model {model_id!r}; this project declares: {known}.") from None

    def get(self, model_id: str) -> ModelBackend:
        """The backend for `model_id`, created (and for local models loaded) on first use."""
        if (backend := self._backends.get(model_id)) is not None:
            return backend
        with self._lock:
            if model_id not in self._backends:
                self._backends[model_id] = self._create(model_id)
            return self._backends[model_id]

    def _create(self, model_id: str) -> ModelBackend:
        spec = self.spec(model_id)
        factory = self.factories.get(spec.backend)
        if factory is None:
            known = ", ".join(sorted(self.factories))
            raise ConfigError(f"model {model_id!r}: no backend {spec.backend!r} is installed (known: {known}).")
        if spec.path and not Path(spec.path).expanduser().is_absolute():  # paths are relative to steward.yaml
            spec = spec.model_copy(update={"path": str(self.project.root / spec.path)})
        return factory(model_id, spec, self.settings)

    def warm(self, model_ids: Sequence[str] | None = None) -> None:
        """Create and load backends now (start-up), so the first request does not pay for loading."""
        for model_id in model_ids if model_ids is not None else list(self.project.models):
            backend = self.get(model_id)
            load = getattr(backend, "load", None)
            if callable(load):
                load()

    def route(self, app: str | AppSpec) -> Route:
        spec = self.project.app(app) if isinstance(app, str) else app
        return Route(self, [(e.model, e.weight) for e in spec.route], list(spec.fallback))

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()


def _unit_interval(key: str) -> float:
    """A stable number in [0, 1) for a sticky key (same key, same model, across processes)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def _can_fall_back(error: Exception) -> bool:
    if isinstance(error, ModelError):
        return error.retryable
    return isinstance(error, ArtefactError)  # a missing or corrupt file: the next model may be fine


class Route:
    """The models that may serve an app, in the order they will be tried."""

    def __init__(
        self,
        pool: ModelPool,
        entries: Sequence[tuple[str, float]],
        fallback: Sequence[str] = (),
        origin: dict[str, Any] | None = None,
    ) -> None:
        if not entries:
            raise ConfigError("a route needs at least one model.")
        self.pool = pool
        self.entries = list(entries)
        self.fallback = list(fallback)
        self.origin = origin  # where the route came from (a deployment, its candidate and share), for the record
        self.sticky: bool | None = None  # whether the first model was drawn from a sticky key (set by `order`)
        self.first: str | None = None  # the model the draw chose first

    def facts(self, served: str | None) -> dict[str, Any]:
        """Why a request went where it went, as its record keeps it (`explanation.route`): the split it was drawn
        from, whether the draw was sticky, the first choice and, when a deployment's candidate was in flight, the
        arm that served (`candidate`, `stable`; none for a fallback model). Which errors led to a fallback are the
        record's `attempts`. Built once per request from what the route already holds."""
        origin = self.origin or {"source": "steward.yaml"}
        facts: dict[str, Any] = {
            **origin,
            "entries": self.entries,
            "fallback": self.fallback,
            "sticky": self.sticky,
            "first": self.first,
        }
        candidate = origin.get("candidate")
        if candidate is not None and served is not None:
            stable = {model for model, _ in self.entries if model != candidate}
            facts["arm"] = "candidate" if served == candidate else "stable" if served in stable else None
        return facts

    def order(self, sticky_key: str | None = None) -> list[str]:
        """The first model chosen by weight, the other entries by weight, then the fallback list."""
        total = sum(weight for _, weight in self.entries)
        point = (_unit_interval(sticky_key) if sticky_key is not None else random.random()) * total
        chosen = self.entries[-1][0]
        for model, weight in self.entries:
            if point < weight:
                chosen = model
                break
            point -= weight
        self.sticky, self.first = sticky_key is not None, chosen
        rest = [m for m, _ in sorted(self.entries, key=lambda e: -e[1]) if m != chosen]
        ordered: list[str] = []
        for model in [chosen, *rest, *self.fallback]:
            if model not in ordered:
                ordered.append(model)
        return ordered

    @staticmethod
    def _give_up(attempts: list[Attempt]) -> ModelUnavailable:
        tried = "\n".join(f"- {a.model}: {a.error}" for a in attempts)
        error = ModelUnavailable(f"every model of the route failed; fix the first that should serve:\n{tried}")
        error.attempts = attempts  # the record lists them
        return error

    async def complete(
        self, messages: Sequence[Message], params: GenerationParams, *, sticky_key: str | None = None
    ) -> Served:
        attempts: list[Attempt] = []
        for model_id in self.order(sticky_key):
            started = time.perf_counter()
            try:
                backend = self.pool.get(model_id)
                completion = await backend.complete(messages, params)
            except StewardError as exc:
                if not _can_fall_back(exc):
                    exc.attempts = [*attempts, Attempt(model_id, exc.message, _ms(started))]
                    raise
                attempts.append(Attempt(model_id, exc.message, _ms(started)))
                continue
            attempts.append(Attempt(model_id, None, _ms(started)))
            return Served(completion, backend, attempts)
        raise self._give_up(attempts)

    def stream(
        self, messages: Sequence[Message], params: GenerationParams, *, sticky_key: str | None = None
    ) -> RouteStream:
        return RouteStream(self, messages, params, sticky_key)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


@dataclass
class RouteStream:
    """An answer streamed from the first model that starts one; `model` and `attempts` are set as it goes."""

    route: Route
    messages: Sequence[Message]
    params: GenerationParams
    sticky_key: str | None = None
    model: ModelBackend | None = None
    attempts: list[Attempt] = field(default_factory=list)

    def __aiter__(self) -> AsyncIterator[Delta]:
        return self._deltas()

    async def _open(self) -> tuple[ModelBackend, AsyncIterator[Delta], Delta, float]:
        """Start a stream on the first model that produces a first delta."""
        for model_id in self.route.order(self.sticky_key):
            started = time.perf_counter()
            try:
                backend = self.route.pool.get(model_id)
                deltas = backend.stream(self.messages, self.params)
                first = await anext(aiter(deltas))
            except StopAsyncIteration:
                self.attempts.append(Attempt(model_id, "the stream ended without any delta", _ms(started)))
                continue
            except StewardError as exc:
                if not _can_fall_back(exc):
                    self.attempts.append(Attempt(model_id, exc.message, _ms(started)))
                    exc.attempts = self.attempts
                    raise
                self.attempts.append(Attempt(model_id, exc.message, _ms(started)))
                continue
            return backend, deltas, first, started
        raise Route._give_up(self.attempts)

    async def _deltas(self) -> AsyncIterator[Delta]:
        backend, deltas, first, started = await self._open()
        self.model = backend
        failure: str | None = None
        try:
            yield first
            async for delta in deltas:
                yield delta
        except StewardError as exc:  # after the first delta there is no going back to another model
            failure = exc.message
            exc.attempts = self.attempts
            raise
        finally:  # also when the consumer stops early: the record still names the model that served
            self.attempts.append(Attempt(backend.ref.id, failure, _ms(started)))
            closer: Any = getattr(deltas, "aclose", None)
            if closer is not None:
                await closer()
