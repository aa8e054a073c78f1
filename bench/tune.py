"""Training throughput of `steward tune run` against a plain transformers + peft loop, side by side.

    OMP_NUM_THREADS=1 python bench/tune.py --data data/claims.jsonl [--steps 8] [--repeats 3] [--seq-len 128]

Both train the same LoRA (rank 8, all linear layers, AdamW, lr 2e-4) on the same base (SmolLM2-135M from its
verified GGUF, the same float32 weights), the same rows, batch size and number of steps, on one thread. The
repeats interleave the two (A B, B A, A B …) so a machine shared with other work slows both alike; the load
average is printed with the figures.

- steward: `steward.tune.train.start` (the code `steward tune run` runs: pre-tokenised rows, per-batch padding,
  answer-only labels, run.json and a checkpoint at the end), its tokens/s from the run's own per-step record;
- plain: the loop a tutorial writes: each batch's chat texts tokenised on the fly, labels = the ids (padding
  masked), AdamW, the same steps; `--plain-padding longest` (default: each batch padded to its longest row, the
  same compute as steward's, so the ratio shows per-step overhead) or `max_length` (padded to --seq-len, as
  many tutorials do).

tokens/s counts real (non-padding) tokens over the wall time of the training steps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from steward.config.tune import Hyper
from steward.tune.base import Base
from steward.tune.data import Rows

BASE = "smollm2-135m-instruct-q4_1"


def steward_side(home: Path, rows: Rows, base: Base, hyper: Hyper, threads: int) -> float:
    from steward.tune import train

    plan = train.Start(home=home, name="bench", base=base, rows=rows, hyper=hyper, threads=threads)
    outcome = train.start(plan)
    steps = outcome.record["loss"]
    tokens = sum(p["tokens"] for p in steps)
    return tokens / sum(p["tokens"] / p["tokens_per_s"] for p in steps)


def plain_side(home: Path, rows: Rows, base: Base, hyper: Hyper, threads: int, padding: str) -> float:
    import torch
    from peft import LoraConfig, get_peft_model

    from steward.tune import base as bases
    from steward.tune import runs

    torch.set_num_threads(threads)
    torch.manual_seed(hyper.seed)
    model, tokenizer = bases.load(base, runs.bases_dir(home))
    config = LoraConfig(r=hyper.rank, lora_alpha=hyper.alpha, lora_dropout=hyper.dropout,
                        target_modules=list(hyper.target_modules), task_type="CAUSAL_LM")  # fmt: skip
    model = get_peft_model(model, config)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=hyper.learning_rate)
    examples = rows.train
    batch = hyper.batch_size
    tokens, elapsed = 0, 0.0
    for step in range(hyper.max_steps):
        started = time.perf_counter()
        chosen = [examples[(step * batch + i) % len(examples)] for i in range(batch)]
        texts = [tokenizer.apply_chat_template(e.messages, tokenize=False) for e in chosen]
        enc = tokenizer(texts, padding=padding, truncation=True, max_length=hyper.seq_len, return_tensors="pt")
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        out = model(**enc, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        elapsed += time.perf_counter() - started
        tokens += int(enc["attention_mask"].sum())
    return tokens / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--plain-padding", choices=("longest", "max_length"), default="longest")
    args = parser.parse_args()

    from steward.config import load_project
    from steward.config.settings import Settings
    from steward.tune import base as bases
    from steward.tune import data as tune_data

    threads = int(os.environ.get("OMP_NUM_THREADS") or 1)
    project = load_project(None)
    settings = Settings.resolve(project)
    base = bases.resolve(BASE, project, settings.models_dir)
    rows = tune_data._from_file(args.data)
    hyper = Hyper(max_steps=args.steps, seq_len=args.seq_len, batch_size=args.batch_size, checkpoint_every=10**6)
    home = Path(tempfile.mkdtemp(prefix="bench-tune-"))
    (home / "tune").mkdir()
    (home / "tune" / "bases").symlink_to(settings.home / "tune" / "bases")
    figures: dict[str, list[float]] = {"steward": [], "plain": []}

    def plain_run(home: Path, rows: Rows, base: Base, hyper: Hyper, threads: int) -> float:
        return plain_side(home, rows, base, hyper, threads, args.plain_padding)

    sides = {"steward": steward_side, "plain": plain_run}
    for repeat in range(args.repeats):
        order = ["steward", "plain"] if repeat % 2 == 0 else ["plain", "steward"]
        for name in order:
            speed = sides[name](home, rows, base, hyper, threads)
            figures[name].append(speed)
            print(f"repeat {repeat + 1} {name}: {speed:.1f} tokens/s (load {os.getloadavg()[0]:.1f})", flush=True)
    steward, plain = statistics.median(figures["steward"]), statistics.median(figures["plain"])
    print(json.dumps({
        "steps": args.steps, "batch_size": args.batch_size, "seq_len": args.seq_len, "threads": threads,
        "plain_padding": args.plain_padding,
        "rows": len(rows.train), "steward_tokens_per_s": figures["steward"],
        "plain_tokens_per_s": figures["plain"],
        "median_ratio": round(steward / plain, 3), "load_average": os.getloadavg(),
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
