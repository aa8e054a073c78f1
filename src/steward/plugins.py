"""Plugin hooks (pluggy). Built-in backends, scanners and metrics register through these same hooks.

A third-party package exposes an entry point in the `steward` group whose module implements any of the
hooks below with `@steward.plugins.hookimpl`. Each hook receives a `register` callable:

    @hookimpl
    def register_models(register):
        register("my_backend", MyBackendFactory)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("steward")
hookimpl = pluggy.HookimplMarker("steward")

BUILTIN_PLUGINS = (
    "steward.models.builtin",
    "steward.guardrails.builtin",
    "steward.evals.builtin",
)


class Specs:
    @hookspec
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        """Register model backends: `register(backend_name, factory(model_id, ModelSpec, Settings))`."""

    @hookspec
    def register_scanners(self, register: Callable[[str, Any], None]) -> None:
        """Register guardrail scanners: `register(scanner_name, factory(options) -> Scanner)`."""

    @hookspec
    def register_metrics(self, register: Callable[[str, Any], None]) -> None:
        """Register evaluation metrics: `register(metric_name, Metric)`."""


@lru_cache(maxsize=1)
def manager() -> pluggy.PluginManager:
    """The process-wide plugin manager with built-ins and installed entry points loaded."""
    import importlib

    pm = pluggy.PluginManager("steward")
    pm.add_hookspecs(Specs)
    for name in BUILTIN_PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a missing dependency inside a plugin is a real error
                raise
            continue
        pm.register(module, name)
    pm.load_setuptools_entrypoints("steward")
    return pm


def collect(hook: str) -> dict[str, Any]:
    """Call one `register_*` hook on every plugin and return what they registered, by name."""
    found: dict[str, Any] = {}

    def register(name: str, value: Any) -> None:
        found[name] = value

    getattr(manager().hook, hook)(register=register)
    return found
