"""What a scanner is, and how scanners are found.

A scanner looks at one text in one stage and returns typed `Finding`s (kind, span, score, detail); it never
decides. Deciding is the policy engine's job (`steward.guardrails.engine`), so the same scanner serves every
policy with different thresholds and actions. Scanners are created by factories registered through the
`register_scanners` pluggy hook (the built-ins in `steward.guardrails.builtin` use the same hook as a
third-party package); a factory receives the rule's options as a dict. Heavy models (spaCy, classifiers,
embeddings) are loaded by cached loaders, so many scanner instances share one copy per process.
"""

from __future__ import annotations

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


class GuardDecision(Decision):
    """A `Decision` that also carries, in memory only, the pseudonym vault of a pseudonymised input.

    The vault maps placeholders (`<PERSON_1>`) to real values so `Guard.restore` can put them back into the
    answer. It is a plain slot, not a dataclass field: `dataclasses.asdict` (and so any record serialisation
    built on it) never sees it, and it dies with the request.
    """

    __slots__ = ("vault",)


def vault_of(decision: Decision | None) -> dict[str, str]:
    """The placeholder → real value map of a decision, empty when it has none."""
    return dict(getattr(decision, "vault", None) or {}) if decision is not None else {}


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
