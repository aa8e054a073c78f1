"""The built-in model backends, registered through the same `register_models` hook a plugin would use.

Each factory takes `(model_id, ModelSpec, Settings)` and returns a `ModelBackend`. Heavy imports
(llama-cpp-python, the HTTP client) happen inside the factories so that importing the plugin is free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from steward.config.schema import ModelSpec
from steward.config.settings import Settings
from steward.models.base import ModelBackend
from steward.plugins import hookimpl


def create_llama(model_id: str, spec: ModelSpec, settings: Settings) -> ModelBackend:
    """A local GGUF served by llama.cpp; its file is checked against the declared sha256 before loading. With
    `adapter:` (a llama.cpp LoRA GGUF, as `steward tune export` writes), the adapter is applied at load and every
    record names it with its sha256."""
    from pathlib import Path

    from steward.errors import ArtefactError
    from steward.models.artefacts import ensure_present, file_sha256, model_file
    from steward.models.llama import LlamaModel

    file = model_file(spec, settings.models_dir, config=settings.config)
    sha256 = ensure_present(model_id, file)
    adapter = Path(spec.adapter).expanduser() if spec.adapter else None
    if adapter is not None and not adapter.is_absolute() and settings.config is not None:
        adapter = settings.config.parent / adapter
    if adapter is not None and not adapter.is_file():
        raise ArtefactError(
            f"model {model_id!r}: adapter {adapter} does not exist; correct `adapter:` in steward.yaml (a LoRA "
            "GGUF from `steward tune export`)."
        )
    return LlamaModel(
        model_id,
        file.path,
        sha256=sha256,
        context_length=spec.context_length,
        n_threads=spec.n_threads,
        price=spec.price_per_1k,
        adapter=adapter,
        adapter_sha256=file_sha256(adapter) if adapter is not None else None,
    )


def create_openai(model_id: str, spec: ModelSpec, settings: Settings) -> ModelBackend:
    """Any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, OpenAI)."""
    from steward.models.openai_http import OpenAIHTTPModel

    return OpenAIHTTPModel(model_id, spec)


def create_scripted(model_id: str, spec: ModelSpec, settings: Settings) -> ModelBackend:
    """A deterministic model answering `replies:` in turn (tests and demos)."""
    from steward.models.scripted import ScriptedModel

    return ScriptedModel(model_id, spec.replies, context_length=spec.context_length, price=spec.price_per_1k)


@hookimpl
def register_models(register: Callable[[str, Any], None]) -> None:
    register("llama_cpp", create_llama)
    register("openai", create_openai)
    register("scripted", create_scripted)
