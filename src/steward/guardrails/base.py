"""What a scanner is, and how scanners are found.

A scanner looks at one text in one stage and returns typed `Finding`s (kind, span, score, detail); it never
decides. Deciding is the policy engine's job (`steward.guardrails.engine`), so the same scanner serves every
policy with different thresholds and actions. Scanners are created by factories registered through the
`register_scanners` pluggy hook (the built-ins in `steward.guardrails.builtin` use the same hook as a
third-party package); a factory receives the rule's options as a dict. Heavy models (spaCy, classifiers,
embeddings) are loaded by cached loaders, so many scanner instances share one copy per process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from steward.errors import ConfigError
from steward.types import Decision, Finding, Stage


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What a scanner may know about the request besides the text."""

    stage: Stage
    app: str = ""
    purpose: str = ""
    system_prompt: str = ""
    canary: str | None = None
    response_schema: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Scanner(Protocol):
    """Scans a text and reports what it found; `reason_code` maps a finding to a public reason code."""

    name: str

    def scan(self, text: str, context: ScanContext) -> list[Finding]: ...

    def reason_code(self, finding: Finding) -> str: ...


ScannerFactory = Callable[[dict[str, Any]], Scanner]


class Pseudonyms:
    """In-memory placeholder → real value maps of recent decisions, never part of a decision itself.

    A `Decision` is serialised into the record, so the real values behind `<PERSON_1>` must not live in it.
    They are kept here, keyed by the decision object's identity (the entry holds the decision, so its id
    cannot be reused while the entry exists), for the lifetime of a request: the newest `capacity` entries
    are kept, older ones are forgotten, and nothing is ever written anywhere.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[Decision, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, decision: Decision, values: dict[str, str]) -> None:
        if not values:
            return
        with self._lock:
            self._entries[id(decision)] = (decision, dict(values))
            self._entries.move_to_end(id(decision))
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def of(self, decision: Decision | None) -> dict[str, str]:
        """The map of `decision`, empty when it has none (or it was forgotten)."""
        if decision is None:
            return {}
        with self._lock:
            entry = self._entries.get(id(decision))
        return dict(entry[1]) if entry is not None and entry[0] is decision else {}


def scanner_factories() -> dict[str, ScannerFactory]:
    """Every registered scanner factory by name (built-ins and installed plugins)."""
    from steward.plugins import collect

    return collect("register_scanners")


def build_scanner(name: str, options: dict[str, Any]) -> Scanner:
    factories = scanner_factories()
    if name not in factories:
        known = ", ".join(sorted(factories)) or "none"
        raise ConfigError(
            f"no guardrail scanner named {name!r} is installed (known: {known}); install the plugin that "
            "provides it or remove it from the policy."
        )
    return factories[name](options)
