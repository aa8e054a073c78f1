"""Local generation speed: raw llama-cpp-python vs Steward's llama.cpp backend on the same GGUF, same process.

For each built-in artefact present under .steward/models, the same chat prompt is generated with the same
parameters and seed (so both paths produce the same tokens) by (a) `Llama.create_chat_completion`, (b)
`LlamaModel.complete` and (c) `LlamaModel.stream`, interleaved round by round on one shared `Llama` instance so
the prompt cache and the machine's load affect all three alike. Prints completion tokens/s (median of rounds)
and the ratio of each Steward path to raw. Usage: `python bench/models_llama.py [--threads 2] [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from steward.models import artefacts
from steward.models.llama import LlamaModel
from steward.types import GenerationParams, Message

ARTEFACTS = (
    "smollm2-135m-instruct-q4_1",
    "qwen2.5-coder-0.5b-instruct-q4_k_m",
    "qwen2.5-coder-1.5b-instruct-q4_k_m",
)
CHAT = [
    Message("system", "You are the booking assistant of Example Airport. Answer travellers' questions politely."),
    Message("user", "Explain step by step how I check in online, drop my bag and find my gate at the airport."),
]


def raw_rate(model: LlamaModel, params: GenerationParams) -> float:
    llama = model.load()
    started = time.perf_counter()
    result = llama.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in CHAT],
        temperature=params.temperature,
        top_p=params.top_p,
        seed=params.seed,
        max_tokens=params.max_tokens,
    )
    return result["usage"]["completion_tokens"] / (time.perf_counter() - started)


def complete_rate(model: LlamaModel, params: GenerationParams) -> float:
    started = time.perf_counter()
    result = asyncio.run(model.complete(CHAT, params))
    return result.usage.completion_tokens / (time.perf_counter() - started)


def stream_rate(model: LlamaModel, params: GenerationParams) -> float:
    async def run() -> int:
        last = None
        async for delta in model.stream(CHAT, params):
            last = delta
        return last.usage.completion_tokens if last and last.usage else 0

    started = time.perf_counter()
    tokens = asyncio.run(run())
    return tokens / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--models-dir", type=Path, default=Path(".steward/models"))
    args = parser.parse_args()
    params = GenerationParams(temperature=0.0, top_p=0.95, seed=7, max_tokens=args.max_tokens)
    print(
        f"threads={args.threads} rounds={args.rounds} max_tokens={args.max_tokens} (completion tokens/s, median)"
    )
    print(f"{'model':40} {'raw':>8} {'complete':>9} {'ratio':>6} {'stream':>8} {'ratio':>6}")
    for name in ARTEFACTS:
        art = artefacts.get(name)
        path = args.models_dir / art.file
        if not path.is_file():
            print(f"{name:40} (not fetched: steward models fetch {name})")
            continue
        model = LlamaModel(name, path, sha256=art.sha256, context_length=2048, n_threads=args.threads)
        raw_rate(model, params)  # warm-up: load, first prompt evaluation
        rates: dict[str, list[float]] = {"raw": [], "complete": [], "stream": []}
        for _ in range(args.rounds):
            rates["raw"].append(raw_rate(model, params))
            rates["complete"].append(complete_rate(model, params))
            rates["stream"].append(stream_rate(model, params))
        raw, ours, streamed = (statistics.median(rates[k]) for k in ("raw", "complete", "stream"))
        print(f"{name:40} {raw:8.1f} {ours:9.1f} {ours / raw:6.3f} {streamed:8.1f} {streamed / raw:6.3f}")


if __name__ == "__main__":
    main()
