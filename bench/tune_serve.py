"""Issue 19, export and serving: a trained run's export + verification time, and its tuned GGUF's tokens/s
through the Steward gateway (the official `openai` client against `steward serve`) against raw
llama-cpp-python on the same file, prompt and settings, side by side in one run.

    python bench/tune_serve.py RUN_DIR [--quant Q8_0] [--rounds 3] [--threads 1] [--max-tokens 128]

RUN_DIR is a finished `steward tune run` directory (run.json + adapter/). Part 1 times `load_merged` (base GGUF
into transformers + the adapter merged), writing the GGUF and the LoRA GGUF, and the teacher-forced agreement
checks, into a temporary folder (nothing registered; `publish_run`'s registration is one transaction and
small beside these). Part 2 serves the exported file: each round, one fresh process answers ANSWERS prompts
with raw `Llama.create_chat_completion`, then the gateway (started once, its model warm) answers as many through
`openai.OpenAI(...).chat.completions.create`; completion tokens / wall seconds per answer, median per round, and
the median of rounds. The raw side runs in its own process so that two llama.cpp thread teams never share the
cores (see bench/gateway.py `local_tokens`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
PROMPT = "Where is gate 11, and how long does it take to walk there from security?"
ANSWERS = 3

PROJECT = """
version: 1
models:
  tuned: {{backend: llama_cpp, path: "{path}", context_length: 2048, n_threads: {threads}}}
apps:
  tuned-app:
    owner: bench@example.com
    purpose: Measure the tuned model through the gateway.
    route: [{{model: tuned}}]
    params: {{temperature: 0, seed: 1, max_tokens: {max_tokens}}}
"""


def export_and_verify(run_dir: Path, quant: str, folder: Path, threads: int) -> tuple[Path, dict[str, object]]:
    from steward.tune import export, publish, verify

    run = publish.load_run(run_dir)
    rows = verify.read_rows(run.validation_rows)
    figures: dict[str, object] = {}
    t0 = time.perf_counter()
    merged = export.load_merged(run.base_gguf, run_dir / "adapter")
    figures["merge_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = export.write_merged(merged, run.base_gguf, folder / f"tuned.{quant}.gguf", quant)
    lora = export.write_adapter(merged, run.base_gguf, folder / "tuned.lora.gguf")
    figures["write_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sequences = verify.token_rows(merged.tokenizer, rows)
    reference = verify.torch_greedy(merged.model, sequences)
    merged_check = verify.agreement(reference, verify.llama_greedy(out, sequences, threads=threads), out)
    lora_check = verify.agreement(
        reference, verify.llama_greedy(run.base_gguf, sequences, lora=lora, threads=threads), run.base_gguf, lora
    )
    figures["verify_s"] = time.perf_counter() - t0
    figures["agreement_merged"] = merged_check.as_dict()
    figures["agreement_base_plus_lora"] = lora_check.as_dict()
    figures["size_bytes"] = out.stat().st_size
    figures["lora_size_bytes"] = lora.stat().st_size
    return out, figures


def raw_worker(path: Path, threads: int, max_tokens: int) -> float:
    from llama_cpp import Llama

    llm = Llama(
        model_path=str(path), n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False, seed=1
    )
    prompt = [{"role": "user", "content": PROMPT}]
    llm.create_chat_completion(messages=prompt, max_tokens=8, temperature=0)  # warm

    def answer() -> float:
        t0 = time.perf_counter()
        out = llm.create_chat_completion(messages=prompt, max_tokens=max_tokens, temperature=0, seed=1)
        return out["usage"]["completion_tokens"] / (time.perf_counter() - t0)  # type: ignore[index]

    return statistics.median(answer() for _ in range(ANSWERS))


def serve(path: Path, workdir: Path, threads: int, max_tokens: int) -> tuple[subprocess.Popen[bytes], str, str]:
    from gateway import free_port, start, wait_ready

    project = workdir / "steward.yaml"
    project.write_text(PROJECT.format(path=path, threads=threads, max_tokens=max_tokens))
    home = workdir / "home"
    home.mkdir()
    env = {"STEWARD_CONFIG": str(project), "STEWARD_HOME": str(home)}
    made = subprocess.run(
        [PY, "-m", "steward.cli", "keys", "create", "--role", "app", "--name", "bench"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True, cwd=workdir,
    )  # fmt: skip
    key = made.stdout.strip().splitlines()[-1]
    port = free_port()
    proc = start([PY, "-m", "steward.cli", "serve", "--port", str(port), "--log-level", "warning"], env,
                 workdir / "steward.log")  # fmt: skip
    wait_ready(f"http://127.0.0.1:{port}/healthz", timeout=300)
    return proc, f"http://127.0.0.1:{port}/v1", key


def gateway_rate(client: object, max_tokens: int) -> float:
    def answer() -> float:
        t0 = time.perf_counter()
        out = client.chat.completions.create(  # type: ignore[attr-defined]
            model="tuned-app", messages=[{"role": "user", "content": PROMPT}], max_tokens=max_tokens, temperature=0
        )
        return out.usage.completion_tokens / (time.perf_counter() - t0)

    return statistics.median(answer() for _ in range(ANSWERS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--quant", default="Q8_0", choices=["F16", "Q8_0", "Q4_K_M"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--raw-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_worker:
        print(raw_worker(args.raw_worker, args.threads, args.max_tokens))
        return
    import openai

    with tempfile.TemporaryDirectory(prefix="tune-serve-") as tmp:
        folder = Path(tmp)
        path, figures = export_and_verify(args.run_dir, args.quant, folder, args.threads)
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}, indent=1))
        (folder / "gw").mkdir()
        proc, url, key = serve(path, folder / "gw", args.threads, args.max_tokens)
        try:
            client = openai.OpenAI(base_url=url, api_key=key)
            warm = [{"role": "user", "content": "hi"}]
            client.chat.completions.create(model="tuned-app", messages=warm, max_tokens=8)  # type: ignore[arg-type]
            raws, gws = [], []
            for _ in range(args.rounds):
                worker = [PY, __file__, str(args.run_dir), "--raw-worker", str(path),
                          "--threads", str(args.threads), "--max-tokens", str(args.max_tokens)]  # fmt: skip
                out = subprocess.run(worker, capture_output=True, text=True, check=True)
                raws.append(float(out.stdout.strip().splitlines()[-1]))
                gws.append(gateway_rate(client, args.max_tokens))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    raw, gw = statistics.median(raws), statistics.median(gws)
    print(
        f"tuned {args.quant} ({figures['size_bytes'] / 1e6:.1f} MB), {args.threads} thread(s), {args.max_tokens} "
        f"tokens, median of {args.rounds} rounds × {ANSWERS} answers: raw llama-cpp-python {raw:.1f} tok/s | "
        f"Steward gateway (openai client) {gw:.1f} tok/s | ratio {gw / raw:.3f} (target ≥ 0.95)"
    )
    print(f"rounds: raw {[round(r, 1) for r in raws]}, gateway {[round(g, 1) for g in gws]}")


if __name__ == "__main__":
    main()
