"""llama.cpp backend for local GGUF files (llama-cpp-python).

A `Llama` is loaded once per process per (path, context, threads) and shared; its context is not thread-safe,
so each model owns a one-thread executor that runs every generation in turn (the executor's queue is the lock)
and keeps blocking C calls off the event loop. Streaming runs the same blocking generator in that thread and
hands each piece to the loop with `call_soon_threadsafe`; a consumer that goes away sets a cancel flag the
generator checks between tokens, so an abandoned request stops generating at once.

The prompt is rendered with the GGUF's own chat template (the same `Jinja2ChatFormatter` llama-cpp-python's
`create_chat_completion` builds from the file's metadata), tokenized once, and that token list serves three
purposes: the exact prompt token count, the context-length check before any work is done, and the prompt
passed to `create_completion`. That is what `create_chat_completion` does internally, minus a second render
and tokenization per request. A per-request seed makes output reproducible; a JSON schema becomes a GBNF
grammar (`LlamaGrammar.from_json_schema`, cached per schema), so the output is constrained by construction.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.config.schema import Price
from steward.errors import InvalidRequest, ModelError
from steward.models.base import context_error, message_dicts
from steward.types import Completion, Delta, FinishReason, GenerationParams, Message, ModelRef, Usage

DEFAULT_TEMPERATURE = 0.2  # create_chat_completion's defaults, so results match llama-cpp-python's own
DEFAULT_TOP_P = 0.95

_loaded: dict[tuple[str, int, int, str | None], Any] = {}
_load_lock = threading.Lock()


def default_threads() -> int:
    return min(os.cpu_count() or 1, 4)


def load_llama(path: Path, n_ctx: int, n_threads: int, lora: Path | None = None) -> Any:
    """The process-wide `Llama` for this file, settings and LoRA adapter (a llama.cpp LoRA GGUF), loaded on first
    use."""
    key = (str(Path(path).resolve()), n_ctx, n_threads, str(Path(lora).resolve()) if lora else None)
    with _load_lock:
        if key not in _loaded:
            from llama_cpp import Llama

            try:
                _loaded[key] = Llama(
                    model_path=key[0],
                    lora_path=key[3],
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                what = f"{path} with adapter {lora}" if lora else str(path)
                raise ModelError(
                    f"llama.cpp could not load {what} ({exc}); check that it is a GGUF file this llama-cpp-python "
                    "supports (`steward models verify`)."
                ) from None
        return _loaded[key]


@atexit.register
def _free_models() -> None:
    """Free the loaded models while the interpreter is whole.

    Left to garbage collection at exit, llama-cpp-python's finaliser runs after its own module is torn down and
    prints a TypeError traceback. Generation runs on executor threads, which Python joins before `atexit`
    handlers run, so no model is in use here.
    """
    with _load_lock:
        models = list(_loaded.values())
        _loaded.clear()
    for model in models:
        with contextlib.suppress(Exception):
            model.close()


@dataclass(frozen=True, slots=True)
class _Prompt:
    tokens: list[int]
    stop: list[str]
    stopping_criteria: Any


class _Cancelled:
    """A stopping criterion that ends generation when the request that asked for it has gone away."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, input_ids: Any, logits: Any) -> bool:
        return self.event.is_set()


class LlamaModel:
    """A local GGUF model served by llama.cpp; see the module docstring for the threading design."""

    def __init__(
        self,
        model_id: str,
        path: Path,
        *,
        sha256: str | None,
        context_length: int = 4096,
        n_threads: int | None = None,
        price: Price | None = None,
        adapter: Path | None = None,
        adapter_sha256: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.adapter = Path(adapter) if adapter else None
        self.ref = ModelRef(
            id=model_id,
            backend="llama_cpp",
            sha256=sha256,
            adapter=self.adapter.name if self.adapter else None,
            adapter_sha256=adapter_sha256,
        )
        self.context_length = context_length
        self.n_threads = n_threads or default_threads()
        self.price = price or Price(input=0.0, output=0.0)
        self._llama: Any = None
        self._formatter: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-{model_id}")
        self._grammars: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------------ loading

    def load(self) -> Any:
        """Load the model now (the gateway calls this at start-up so the first request does not pay for it)."""
        if self._llama is None:
            llama = load_llama(self.path, self.context_length, self.n_threads, self.adapter)
            self._formatter = self._chat_formatter(llama)
            self._llama = llama
        return self._llama

    @staticmethod
    def _chat_formatter(llama: Any) -> Any:
        """The GGUF's chat template, built exactly as llama-cpp-python builds it for create_chat_completion."""
        from llama_cpp import llama_chat_format

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        eos_id, bos_id = llama.token_eos(), llama.token_bos()
        return llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=llama._model.token_get_text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id],
        )

    # ------------------------------------------------------------------------------------------------ prompts

    def _prompt(self, messages: Sequence[Message]) -> _Prompt:
        llama = self.load()
        if self._formatter is None:  # a GGUF without a chat template: plain "role: content" lines
            text = "".join(f"{m.role}: {m.content}\n" for m in messages) + "assistant:"
            return _Prompt(llama.tokenize(text.encode(), add_bos=True, special=False), [], None)
        try:
            rendered = self._formatter(messages=message_dicts(messages))
        except ValueError as exc:  # the template's raise_exception(), e.g. roles out of order
            raise InvalidRequest(f"model {self.ref.id!r} cannot take these messages: {exc}") from None
        tokens = llama.tokenize(rendered.prompt.encode(), add_bos=not rendered.added_special, special=True)
        return _Prompt(tokens, list(rendered.stop or []), rendered.stopping_criteria)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Exact: the chat template applied and tokenized by the model's own tokenizer."""
        return len(self._prompt(messages).tokens)

    def _grammar(self, schema: dict[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            from llama_cpp import LlamaGrammar

            try:
                self._grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
            except Exception as exc:  # the converter raises bare Exceptions for unsupported schema features
                raise InvalidRequest(
                    f"the JSON schema cannot be turned into a grammar ({exc}); simplify the schema.",
                    param="response_format",
                ) from None
        return self._grammars[key]

    def _arguments(self, prompt: _Prompt, params: GenerationParams, cancel: _Cancelled) -> dict[str, Any]:
        from llama_cpp import StoppingCriteriaList

        if len(prompt.tokens) >= self.context_length:
            raise context_error(len(prompt.tokens), self.context_length, self.ref.id)
        criteria = StoppingCriteriaList([cancel])
        if prompt.stopping_criteria is not None:
            criteria.extend(prompt.stopping_criteria)
        return {
            "prompt": prompt.tokens,
            "temperature": DEFAULT_TEMPERATURE if params.temperature is None else params.temperature,
            "top_p": DEFAULT_TOP_P if params.top_p is None else params.top_p,
            "seed": params.seed,
            # None would let llama.cpp fill the whole context; the gateway always sets it, this is a backstop
            "max_tokens": params.max_tokens or self.context_length - len(prompt.tokens),
            "stop": [*params.stop, *prompt.stop],
            "stopping_criteria": criteria,
            "grammar": self._grammar(params.json_schema) if params.json_schema is not None else None,
        }

    # --------------------------------------------------------------------------------------------- generating

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        prompt = self._prompt(messages)
        cancel = _Cancelled()
        arguments = self._arguments(prompt, params, cancel)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, self._generate, arguments)
        except asyncio.CancelledError:
            cancel.event.set()
            raise
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        return Completion(
            text=choice["text"],
            finish_reason=_finish(choice.get("finish_reason")),
            usage=Usage(len(prompt.tokens), int(usage.get("completion_tokens", 0))),
            model_fingerprint=self._fingerprint(),
        )

    def _generate(self, arguments: dict[str, Any]) -> Any:
        try:
            return self._llama.create_completion(**arguments)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp failed generating with {self.ref.id!r}: {exc}") from None

    async def stream(self, messages: Sequence[Message], params: GenerationParams) -> AsyncIterator[Delta]:
        prompt = self._prompt(messages)
        cancel = _Cancelled()
        arguments = self._arguments(prompt, params, cancel)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        def hand_over(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the loop is closed: nobody is listening any more
                cancel.event.set()

        work = loop.run_in_executor(self._executor, self._stream_in_thread, arguments, cancel, hand_over)
        parts: list[str] = []
        finish: FinishReason = "stop"
        try:
            while True:
                kind, value = await queue.get()
                if kind == "text":
                    parts.append(value)
                    yield Delta(text=value)
                elif kind == "finish":
                    finish = _finish(value)
                elif kind == "error":
                    raise value
                else:  # "end"
                    break
        finally:
            cancel.event.set()  # stops generation if the consumer left early
        await work
        completion_tokens = len(self._llama.tokenize("".join(parts).encode(), add_bos=False, special=False))
        yield Delta(text="", finish_reason=finish, usage=Usage(len(prompt.tokens), completion_tokens))

    def _stream_in_thread(self, arguments: dict[str, Any], cancel: _Cancelled, hand_over: Any) -> None:
        try:
            chunks: Iterator[Any] = self._llama.create_completion(stream=True, **arguments)
            for chunk in chunks:
                choice = chunk["choices"][0]
                if choice.get("text"):
                    hand_over("text", choice["text"])
                if choice.get("finish_reason"):
                    hand_over("finish", choice["finish_reason"])
                if cancel.event.is_set():
                    break
        except Exception as exc:  # anything raised in the worker must reach the awaiting request
            error = (
                exc if isinstance(exc, ModelError) else ModelError(f"llama.cpp failed with {self.ref.id!r}: {exc}")
            )
            hand_over("error", error)
        finally:
            hand_over("end", None)

    def _fingerprint(self) -> str:
        return f"llama.cpp:{self.path.name}" + (f"@{self.ref.sha256[:12]}" if self.ref.sha256 else "")

    async def aclose(self) -> None:
        # the Llama itself stays cached for the process (other backends may share it); only our thread goes
        self._executor.shutdown(wait=False, cancel_futures=True)


def _finish(value: Any) -> FinishReason:
    return "length" if value == "length" else "stop"
