"""The built-in scanners, registered through the same `register_scanners` hook a plugin package uses.

Factories import their module lazily, so listing scanners (`steward guard scanners`) does not load spaCy or
the embedding model; a scanner's heavy parts load when a policy that uses it is compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from steward.plugins import hookimpl


def _lazy(module: str, factory: str) -> Callable[[dict[str, Any]], Any]:
    def make(options: dict[str, Any]) -> Any:
        import importlib

        return getattr(importlib.import_module(module), factory)(options)

    make.__doc__ = f"{module}.{factory}"
    return make


BUILTIN_SCANNERS: dict[str, tuple[str, str]] = {
    "pii": ("steward.guardrails.pii", "pii_factory"),
    "secrets": ("steward.guardrails.secrets", "secrets_factory"),
    "injection": ("steward.guardrails.injection", "injection_factory"),
    "toxicity": ("steward.guardrails.toxicity", "toxicity_factory"),
    "topic": ("steward.guardrails.topic", "topic_factory"),
    "tone": ("steward.guardrails.topic", "tone_factory"),
    "leakage": ("steward.guardrails.output_rules", "leakage_factory"),
    "schema": ("steward.guardrails.output_rules", "schema_factory"),
}


@hookimpl
def register_scanners(register: Callable[[str, Any], None]) -> None:
    for name, (module, factory) in BUILTIN_SCANNERS.items():
        register(name, _lazy(module, factory))
