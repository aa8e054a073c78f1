"""LoRA training with peft on the base's transformers model, seeded, checkpointed and resumable bit for bit.

Deterministic on CPU: the python, numpy and torch generators are seeded, the data order of each epoch is a
permutation drawn from (seed, epoch) alone, and the thread count is fixed and recorded (a matrix product's
rounding depends on how it is split). A checkpoint holds everything the next step depends on (adapter weights,
optimizer and scheduler state, generator states, the data position), so a run resumed from it ends with the same
adapter, byte for byte, as one that was never interrupted.

Throughput: every example is tokenised once before training, and each micro-batch is padded only to its own
longest example (not to `seq_len`), with the padding masked out.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from steward.config.tune import Hyper
from steward.errors import InvalidRequest, StewardError
from steward.language import counted
from steward.tune import base as bases
from steward.tune import checkpoint, runs
from steward.tune.data import IGNORE, Rows, Tokenised, tokenise
from steward.tune.examples import Example

MAX_GRAD_NORM = 1.0
ADAPTER = "adapter"


class ForgettingRegression(StewardError):
    """The continued model does worse than its predecessor on the predecessor's validation rows."""

    code = "forgetting_regression"


class Progress(Protocol):
    def begin(self, total: int, done: int) -> None: ...
    def step(self, step: int, loss: float, tokens_per_s: float) -> None: ...
    def note(self, text: str) -> None: ...


class Quiet:
    def begin(self, total: int, done: int) -> None:
        pass

    def step(self, step: int, loss: float, tokens_per_s: float) -> None:
        pass

    def note(self, text: str) -> None:
        pass


@dataclass(slots=True)
class Start:
    """What a new run is given."""

    home: Path
    name: str
    base: bases.Base
    rows: Rows
    hyper: Hyper
    threads: int
    previous: Path | None = None  # continuing: the previous run's folder (its adapter is the start)
    forgetting_margin: float = 0.05
    accept_forgetting: bool = False


@dataclass(slots=True)
class Outcome:
    folder: Path
    record: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def default_threads() -> int:
    import torch

    return max(1, int(os.environ.get("OMP_NUM_THREADS") or torch.get_num_threads()))


def start(plan: Start, progress: Progress | None = None) -> Outcome:
    """Create the run folder and train; the folder records the run whatever happens."""
    runs.check_name(plan.name)
    previous = None
    if plan.previous is not None:
        previous = runs.read(plan.previous)
        _check_continuable(previous, plan)
        runs.check_adapter(plan.previous, previous)
    run_id = runs.new_run_id(plan.name)
    folder = runs.runs_dir(plan.home) / run_id
    folder.mkdir(parents=True)
    (folder / "validation.jsonl").write_text(
        "".join(json.dumps({"messages": e.messages}, ensure_ascii=False) + "\n" for e in plan.rows.validation)
    )
    (folder / "train.jsonl").write_text(
        "".join(json.dumps({"messages": e.messages}, ensure_ascii=False) + "\n" for e in plan.rows.train)
    )
    record: dict[str, Any] = {
        "run_id": run_id,
        "name": plan.name,
        "status": "running",
        "base": plan.base.as_dict(),
        "dataset": plan.rows.as_dict(),
        "hyper": plan.hyper.model_dump(mode="json"),
        "seed": plan.hyper.seed,
        "code_version": runs.code_version(),
        "threads": plan.threads,
        "steps": 0,
        "total_steps": None,
        "loss": [],
        "validation": {"loss": None, "path": str(folder / "validation.jsonl"), "rows": len(plan.rows.validation)},
        "from_run": previous["run_id"] if previous else None,
        "forgetting": None,
        "forgetting_margin": plan.forgetting_margin,
        "accept_forgetting": plan.accept_forgetting,
        "started_at": time.time(),
        "error": None,
    }
    runs.write(folder, record)
    with runs.locked(folder):
        return _run(folder, record, progress or Quiet())


def resume(home: Path, run: str, changed: dict[str, Any], progress: Progress | None = None) -> Outcome:
    """Continue run `run` from its latest whole checkpoint; `changed`: hyper-parameters given again, refused if
    they differ from the run's own."""
    folder = runs.find(home, run)
    record = runs.read(folder)
    if record["status"] == "trained":
        raise InvalidRequest(
            f"run {record['run_id']} has finished (adapter in {folder / ADAPTER}); nothing to resume. Start a new "
            f"run, or continue its model on new data with `steward tune run --from {record['run_id']} ...`."
        )
    differences = [
        f"{key} {record['hyper'].get(key)!r} → {value!r}"
        for key, value in sorted(changed.items())
        if record["hyper"].get(key) != value
    ]
    if differences:
        raise InvalidRequest(
            f"run {record['run_id']} was trained with other hyper-parameters ({'; '.join(differences)}): a resume "
            "continues the same run. Leave those flags out to resume it as it was, or start a new run with the "
            "new values (`steward tune run ... --name NEW`)."
        )
    with runs.locked(folder):
        record["status"] = "running"
        record["error"] = None
        return _run(folder, record, progress or Quiet())


def _check_continuable(previous: dict[str, Any], plan: Start) -> None:
    if previous["status"] != "trained":
        raise InvalidRequest(
            f"run {previous['run_id']} has not finished ({previous['status']}); resume it with `steward tune "
            f"resume {previous['run_id']}` before continuing it on new data."
        )
    if previous["base"]["sha256"] != plan.base.sha256:
        raise InvalidRequest(
            f"run {previous['run_id']} was trained on base {previous['base']['model']} (sha256 "
            f"{previous['base']['sha256'][:12]}…), not {plan.base.model}; continue it on its own base "
            "(leave --base out)."
        )
    for key in ("rank", "target_modules"):
        old, new = previous["hyper"][key], plan.hyper.model_dump(mode="json")[key]
        if old != new:
            raise InvalidRequest(
                f"run {previous['run_id']}'s adapter has {key} {old!r}, not {new!r}: the adapter's shape "
                f"must stay the same to continue it. Leave --{key.replace('_', '-')} out (or set it to {old!r})."
            )


def _run(folder: Path, record: dict[str, Any], progress: Progress) -> Outcome:
    try:
        return _train(folder, record, progress)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            record["error"] = "interrupted; resume with `steward tune resume`"
        else:
            record["status"] = "failed"
            record["error"] = exc.message if isinstance(exc, StewardError) else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, ForgettingRegression):
                record["status"] = "trained"  # trained, but blocked from publication
        with contextlib.suppress(OSError):  # a full disk: the record keeps its last whole state
            runs.write(folder, record)
        raise


def seed_everything(seed: int, threads: int) -> None:
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class Batches:
    """Micro-batch `m` of the whole run: epoch `m // per_epoch`, its order a permutation drawn from (seed,
    epoch) only, so that any position can be reached again without replaying the ones before it."""

    def __init__(self, data: Tokenised, batch_size: int, seed: int, pad_id: int) -> None:
        self.data, self.batch_size, self.seed, self.pad_id = data, batch_size, seed, pad_id
        self.per_epoch = math.ceil(len(data.input_ids) / batch_size)
        self._orders: dict[int, list[int]] = {}

    def order(self, epoch: int) -> list[int]:
        import numpy as np

        if epoch not in self._orders:
            rng = np.random.default_rng([self.seed, epoch])
            self._orders = {epoch: [int(i) for i in rng.permutation(len(self.data.input_ids))]}
        return self._orders[epoch]

    def __getitem__(self, position: int) -> tuple[Any, Any, Any, int]:
        epoch, within = divmod(position, self.per_epoch)
        chosen = self.order(epoch)[within * self.batch_size : (within + 1) * self.batch_size]
        return collate(
            [self.data.input_ids[i] for i in chosen], [self.data.labels[i] for i in chosen], self.pad_id
        )


def collate(ids: Sequence[list[int]], labels: Sequence[list[int]], pad_id: int) -> tuple[Any, Any, Any, int]:
    """Right-padded to the batch's longest example; padding masked in attention and labels."""
    import torch

    width = max(len(row) for row in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    target = torch.full((len(ids), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, (tokens, label) in enumerate(zip(ids, labels, strict=True)):
        input_ids[row, : len(tokens)] = torch.tensor(tokens)
        target[row, : len(label)] = torch.tensor(label)
        mask[row, : len(tokens)] = 1
    return input_ids, mask, target, sum(len(row) for row in ids)


def total_steps(hyper: Hyper, batches: Batches) -> int:
    per_epoch = math.ceil(batches.per_epoch / hyper.grad_accumulation)
    return hyper.max_steps if hyper.max_steps is not None else hyper.epochs * per_epoch


def peft_model(model: Any, hyper: Hyper) -> Any:
    from peft import LoraConfig, get_peft_model

    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [m for m in hyper.target_modules if m not in present]
    if missing:
        linear = sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules() if type(m).__name__ == "Linear"})
        raise InvalidRequest(
            f"target module(s) {', '.join(missing)} are not in this base; its linear layers are "
            f"{', '.join(linear)}. Fix --target-modules (or `tune.target_modules`)."
        )
    config = LoraConfig(
        r=hyper.rank,
        lora_alpha=hyper.alpha,  # type: ignore[arg-type]  # peft scales by a float
        lora_dropout=hyper.dropout,
        target_modules=list(hyper.target_modules),
        task_type="CAUSAL_LM",
        bias="none",
    )
    return get_peft_model(model, config)


def prepare(home: Path, record: dict[str, Any]) -> tuple[Any, Any, Hyper, Tokenised, list[str]]:
    """The seeded peft model, tokenizer, hyper-parameters and tokenised training rows of a run record."""
    hyper = Hyper(**record["hyper"])
    seed_everything(hyper.seed, int(record["threads"]))
    base = bases.Base(
        model=record["base"]["model"],
        artefact=record["base"]["artefact"],
        gguf_path=Path(record["base"]["gguf_path"]),
        sha256=record["base"]["sha256"],
    )
    model, tokenizer = bases.load(base, runs.bases_dir(home))
    context = bases.context_length(model)
    if hyper.seq_len > context:
        raise InvalidRequest(
            f"--seq-len {hyper.seq_len} is beyond {base.model}'s context of {context} tokens; use at most "
            f"{context}."
        )
    train = tokenise(
        read_rows(Path(record["validation"]["path"]).with_name("train.jsonl")), tokenizer, hyper.seq_len
    )
    notes = []
    if train.dropped:
        notes.append(f"{counted(train.dropped, 'training example')} longer than seq_len {hyper.seq_len} left out")
    if not train.input_ids:
        raise InvalidRequest(
            f"every training example is longer than --seq-len {hyper.seq_len} tokens; raise --seq-len (the base "
            f"takes up to {context}) or shorten the examples."
        )
    seed_everything(hyper.seed, int(record["threads"]))  # loading may have drawn numbers: start from the seed
    return peft_model(model, hyper), tokenizer, hyper, train, notes


def read_rows(path: Path) -> list[Example]:
    with path.open(encoding="utf-8") as handle:
        return [Example(messages=json.loads(line)["messages"], origin=str(n)) for n, line in enumerate(handle, 1)]


def _train(folder: Path, record: dict[str, Any], progress: Progress) -> Outcome:
    import torch
    from peft import set_peft_model_state_dict
    from peft.utils import get_peft_model_state_dict
    from safetensors.torch import load_file

    home = folder.parents[2]
    model, tokenizer, hyper, train, notes = prepare(home, record)
    if record.get("from_run"):
        previous = runs.runs_dir(home) / record["from_run"]
        runs.check_adapter(previous, runs.read(previous))
        set_peft_model_state_dict(model, load_file(previous / ADAPTER / "adapter_model.safetensors"))
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=hyper.learning_rate, weight_decay=hyper.weight_decay)
    batches = Batches(train, hyper.batch_size, hyper.seed, int(tokenizer.pad_token_id))
    total = total_steps(hyper, batches)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(hyper.warmup_steps, total))
    record["total_steps"] = total
    record["train_rows"] = len(train.input_ids)
    step, position = 0, 0
    saved, skipped = checkpoint.load(folder / "checkpoints")
    notes += skipped
    if saved is not None:
        set_peft_model_state_dict(model, saved.adapter)
        optimizer.load_state_dict(saved.state["optimizer"])
        scheduler.load_state_dict(saved.state["scheduler"])
        checkpoint.set_rng_state(saved.state["rng"])
        step, position, record["loss"] = saved.step, saved.position, saved.loss
        notes.append(f"resumed from checkpoint step {step} of {total}")
    record["steps"] = step
    runs.write(folder, record)
    progress.begin(total, step)
    model.train()
    while step < total:
        started, tokens, loss_sum = time.perf_counter(), 0, 0.0
        for _ in range(hyper.grad_accumulation):
            input_ids, mask, labels, count = batches[position]
            position += 1
            out = model(input_ids=input_ids, attention_mask=mask, labels=labels)
            (out.loss / hyper.grad_accumulation).backward()
            loss_sum += float(out.loss.detach())
            tokens += count
        torch.nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        loss = loss_sum / hyper.grad_accumulation
        speed = tokens / max(time.perf_counter() - started, 1e-9)
        record["loss"].append(
            {"step": step, "loss": round(loss, 6), "tokens_per_s": round(speed, 1), "tokens": tokens}
        )
        record["steps"] = step
        progress.step(step, loss, speed)
        if step % hyper.checkpoint_every == 0 or step == total:
            state = {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": checkpoint.rng_state(),
            }
            adapter = {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}
            checkpoint.save(
                folder / "checkpoints", checkpoint.Checkpoint(step, position, record["loss"], adapter, state)
            )
            runs.write(folder, record)
    save_adapter(model, folder / ADAPTER)
    record["adapter_sha256"] = runs.adapter_hashes(folder / ADAPTER)
    record["validation"]["sha256"] = runs.file_hash(Path(record["validation"]["path"]))  # checked at export
    progress.note("validation loss")
    validation = read_rows(Path(record["validation"]["path"]))
    record["validation"]["loss"] = evaluate(model, tokenizer, validation, hyper) if validation else None
    if record.get("from_run"):
        record["forgetting"] = forgetting_check(home, record, model, tokenizer, hyper)
    record["status"] = "trained"
    record["finished_at"] = time.time()
    runs.write(folder, record)
    check = record.get("forgetting")
    if check and check.get("blocked"):
        raise ForgettingRegression(check["message"])
    return Outcome(folder, record, notes)


def _schedule(warmup: int, total: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def save_adapter(model: Any, target: Path) -> None:
    """peft's `save_pretrained` into a temporary folder, renamed into place whole."""
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.save_pretrained(temp)
        for file in temp.iterdir():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
        if target.exists():
            shutil.rmtree(target)
        os.replace(temp, target)
        checkpoint.fsync_dir(target.parent)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise InvalidRequest(
            f"could not write the adapter to {target} ({exc.strerror or exc}); the last checkpoint is whole: "
            "free disk space and run `steward tune resume RUN`."
        ) from None


def evaluate(model: Any, tokenizer: Any, examples: list[Example], hyper: Hyper) -> float:
    """Mean loss per answer token over `examples` (no dropout, no gradients)."""
    import torch

    data = tokenise(examples, tokenizer, hyper.seq_len)
    if not data.input_ids:
        return float("nan")
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(data.input_ids), hyper.batch_size):
            ids, mask, labels, _ = collate(
                data.input_ids[start : start + hyper.batch_size],
                data.labels[start : start + hyper.batch_size],
                int(tokenizer.pad_token_id),
            )
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
            target = labels[:, 1:]
            total += float(
                torch.nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=IGNORE, reduction="sum"
                )
            )
            count += int((target != IGNORE).sum())
    if was_training:
        model.train()
    return round(total / max(count, 1), 6)


def forgetting_check(
    home: Path, record: dict[str, Any], model: Any, tokenizer: Any, hyper: Hyper
) -> dict[str, Any]:
    """The new adapter on the previous run's validation rows against the previous run's own loss there."""
    previous = runs.read(runs.runs_dir(home) / record["from_run"])
    rows_path = Path(previous["validation"]["path"])
    before = previous["validation"].get("loss")
    rows = read_rows(rows_path) if rows_path.is_file() else []
    if not rows or before is None:
        return {
            "previous_run": previous["run_id"],
            "skipped": "the previous run has no validation rows",
            "blocked": False,
        }
    after = evaluate(model, tokenizer, rows, hyper)
    margin = float(record.get("forgetting_margin", 0.05))
    limit = before * (1 + margin)
    regressed = after > limit
    blocked = regressed and not record.get("accept_forgetting")
    message = (
        f"forgetting check: validation loss on run {previous['run_id']}'s rows rose from {before:.4f} to "
        f"{after:.4f}, beyond the margin of {margin:.0%} (limit {limit:.4f})"
    )
    if blocked:
        message += (
            "; the new model is blocked (not published). Mix some of the previous data into the new set, lower "
            "the learning rate or the steps, or, if the loss of old skills is intended, raise the margin "
            "(--forgetting-margin, `tune.forgetting_margin`) or pass --accept-forgetting."
        )
    return {
        "previous_run": previous["run_id"],
        "previous_loss": before,
        "loss": after,
        "margin": margin,
        "limit": round(limit, 6),
        "regressed": regressed,
        "blocked": blocked,
        "accepted": regressed and not blocked,
        "message": message if regressed else f"forgetting check passed: {after:.4f} ≤ {limit:.4f}",
    }
