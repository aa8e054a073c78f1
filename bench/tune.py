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

`--end-to-end` times instead the whole path a new user takes (issue 19's goal: ≤ 15 min on the 2-core machine),
in a fresh project folder with an empty state folder (only the verified SmolLM2 file linked in, so no conversion
cache): `scripts/tune_claims_data.py` writes the rows, then `steward tune run` (no --adapter-only) trains,
merges, writes the Q8_0 GGUF, verifies it with llama.cpp and registers it. The figure is the wall time from data
to the registered model version; the GGUF's sha256 is re-hashed against the one printed.

    OMP_NUM_THREADS=1 python bench/tune.py --end-to-end [--steps 30] [--seq-len 128] [--rows 400] [--quant F16]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
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


def end_to_end(models_dir: Path, steps: int, seq_len: int, rows: int, quant: str) -> None:
    """Data → registered, verified GGUF through the CLI, in a fresh project; prints the wall time."""
    from steward.models import artefacts

    repo = Path(__file__).resolve().parents[1]
    project = Path(tempfile.mkdtemp(prefix="bench-tune-e2e-"))
    (project / "steward.yaml").write_text(
        "version: 1\nmodels:\n  m: {backend: scripted, replies: ['hi']}\n"
        "apps:\n  demo: {owner: a@b.c, purpose: bench, route: [{model: m}]}\n"
    )
    art = artefacts.get(BASE)
    (project / ".steward" / "models").mkdir(parents=True)
    artefacts.verify(models_dir / art.file, art.sha256)  # `steward models fetch` done once beforehand
    (project / ".steward" / "models" / art.file).symlink_to((models_dir / art.file).resolve())
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env["PYTHONPATH"] = str(repo / "src") + os.pathsep + env.get("PYTHONPATH", "")
    started = time.perf_counter()
    subprocess.run([sys.executable, str(repo / "scripts" / "tune_claims_data.py"), "--out", "claims.jsonl",
                    "--rows", str(rows), "--seed", "15"], cwd=project, env=env, check=True)  # fmt: skip
    data_s = time.perf_counter() - started
    command = [sys.executable, "-m", "steward", "tune", "run", "--base", BASE, "--data", "claims.jsonl",
               "--name", "claims", "--max-steps", str(steps), "--seq-len", str(seq_len), "--quant", quant,
               "--json"]  # fmt: skip
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    total_s = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"steward tune run failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    sha256 = hashlib.sha256(Path(result["artefact"]).read_bytes()).hexdigest()
    met = total_s <= 15 * 60 and sha256 == result["sha256"]
    print(json.dumps({
        "mode": "end_to_end", "quant": quant, "project": str(project), "rows": rows, "steps": steps,
        "seq_len": seq_len,
        "model_version": result["model_version"], "run": result["run"], "artefact": result["artefact"],
        "sha256_matches": sha256 == result["sha256"], "data_s": round(data_s, 1),
        "timings": result.get("timings"), "total_s": round(total_s, 1),
        "total_min": round(total_s / 60, 2), "goal_min": 15, "met": met,
        "threads": os.environ.get("OMP_NUM_THREADS"), "load_average": os.getloadavg(),
    }, indent=1))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--end-to-end", action="store_true", help="time data → registered GGUF (see above)")
    parser.add_argument("--rows", type=int, default=400, help="with --end-to-end: rows generated")
    parser.add_argument("--quant", default="Q8_0", help="with --end-to-end: the published GGUF's type")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--steps", type=int, help="optimizer steps (default 8; 30 with --end-to-end)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--plain-padding", choices=("longest", "max_length"), default="longest")
    args = parser.parse_args()

    from steward.config import load_project
    from steward.config.settings import Settings
    from steward.tune import base as bases
    from steward.tune import data as tune_data

    if args.end_to_end:
        settings = Settings.resolve(load_project(None))
        end_to_end(settings.models_dir, args.steps or 30, args.seq_len, args.rows, args.quant)
        return
    if args.data is None:
        parser.error("--data is required (or --end-to-end)")
    args.steps = args.steps or 8
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
