"""Does an exported GGUF compute what the merged PyTorch model computes?

Teacher-forced: each validation row is rendered with the base's chat template and tokenised once (by the
transformers tokenizer, which both sides share); the merged PyTorch model and llama.cpp (llama-cpp-python, the
file as the gateway serves it, optionally with a LoRA adapter on the base) each read the same tokens, and at
each position that predicts a token of the answer (the last assistant turn: what the model was tuned to write and
will generate when served) their greedy next token (argmax of the logits) is compared. The agreement is the share
of those positions where they pick the same token; a file below `THRESHOLD` is not registered. The agreement over
every position (the prompt's too) is reported beside it: inside a prompt the model often has no clear favourite,
and near-ties there flip with the last bits of arithmetic (session 15: 92-93 % over all positions where the
answers' positions agreed ≥ 95 %), so it is shown, not gated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from steward.errors import InvalidRequest

THRESHOLD = 0.95
MIN_POSITIONS = 5  # fewer answer positions than this are too few to vouch for a file either way
MAX_ROWS = 64
MAX_TOKENS = 512


@dataclass(frozen=True, slots=True)
class Agreement:
    positions: int
    agreed: int
    rows: int
    file: str
    lora: str | None = None
    all_positions: int = 0
    all_agreed: int = 0

    @property
    def rate(self) -> float:
        return self.agreed / self.positions if self.positions else 0.0

    @property
    def passed(self) -> bool:
        return self.positions >= MIN_POSITIONS and self.rate >= THRESHOLD

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "lora": self.lora,
            "rows": self.rows,
            "positions": self.positions,
            "agreed": self.agreed,
            "agreement": round(self.rate, 4),
            "all_positions": self.all_positions,
            "all_positions_agreement": round(self.all_agreed / self.all_positions, 4)
            if self.all_positions
            else None,
            "threshold": THRESHOLD,
            "passed": self.passed,
        }


def read_rows(path: Path, limit: int = MAX_ROWS) -> list[list[dict[str, str]]]:
    """The chat messages of the validation rows of a JSONL file (rows of another `split` skipped)."""
    rows: list[list[dict[str, str]]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidRequest(
            f"cannot read the validation rows {path} ({exc.strerror}); is the run complete?"
        ) from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise InvalidRequest(f"{path}:{number}: not JSON; the validation file is damaged.") from None
        if not isinstance(row, dict):
            raise InvalidRequest(f"{path}:{number}: not a JSON object; the validation file is damaged.")
        if row.get("split", "validation") != "validation":
            continue
        messages = row.get("messages")
        if not messages and "prompt" in row:
            messages = [
                {"role": "user", "content": row["prompt"]},
                {"role": "assistant", "content": row.get("completion", "")},
            ]
        if messages:
            if not isinstance(messages, list) or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in messages
            ):
                raise InvalidRequest(
                    f"{path}:{number}: `messages` must be a list of {{role, content}} objects with text; the "
                    "validation file is damaged."
                )
            rows.append([{"role": m["role"], "content": m["content"]} for m in messages])
        if len(rows) >= limit:
            break
    if not rows:
        raise InvalidRequest(f"{path}: no validation rows; the export cannot be verified without them.")
    return rows


def token_rows(tokenizer: Any, rows: list[list[dict[str, str]]]) -> list[list[int]]:
    out = []
    for messages in rows:
        ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"]
        out.append(list(ids)[:MAX_TOKENS])
    return out


def answer_starts(tokenizer: Any, rows: list[list[dict[str, str]]], sequences: list[list[int]]) -> list[int]:
    """Where each row's answer begins: the length of its prompt rendered with the generation prompt (the tokens
    the served model is given before it writes); clipped into the sequence."""
    starts = []
    for messages, ids in zip(rows, sequences, strict=True):
        prompt = tokenizer.apply_chat_template(
            messages[:-1], tokenize=True, add_generation_prompt=True, return_dict=True
        )
        starts.append(min(max(len(list(prompt["input_ids"])), 1), len(ids)))
    return starts


def torch_greedy(model: Any, sequences: list[list[int]]) -> list[np.ndarray]:
    import torch

    out = []
    with torch.no_grad():
        for ids in sequences:
            logits = model(input_ids=torch.tensor([ids])).logits[0]
            out.append(logits.argmax(-1).numpy())
    return out


def llama_greedy(
    path: Path, sequences: list[list[int]], lora: Path | None = None, threads: int = 1
) -> list[np.ndarray]:
    """llama.cpp's greedy next token at every position of each sequence (the file loaded as the gateway would)."""
    from llama_cpp import Llama

    from steward.errors import ModelError

    n_ctx = max(len(s) for s in sequences) + 8
    try:
        llama = Llama(
            model_path=str(path),
            lora_path=str(lora) if lora else None,
            n_ctx=max(n_ctx, 64),
            logits_all=True,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"llama.cpp could not load {path}{f' with {lora}' if lora else ''} ({exc}).") from None
    try:
        out = []
        for ids in sequences:
            llama.reset()
            llama.eval(ids)
            out.append(np.asarray(llama.scores[: len(ids)]).argmax(-1))
        return out
    finally:
        llama.close()


def agreement(
    reference: list[np.ndarray],
    candidate: list[np.ndarray],
    file: Path,
    lora: Path | None = None,
    starts: list[int] | None = None,
) -> Agreement:
    """Agreement over the positions that predict answer tokens (from `starts`: position p predicts token p + 1),
    and over every position; without `starts`, every position is an answer position."""
    agreed = positions = all_agreed = all_positions = 0
    for index, (r, c) in enumerate(zip(reference, candidate, strict=True)):
        same = r == c
        all_agreed, all_positions = all_agreed + int(same.sum()), all_positions + len(r)
        first = starts[index] - 1 if starts is not None else 0
        last = len(r) - 1 if starts is not None else len(r)  # the last position predicts past the sequence
        answer = same[max(first, 0) : max(last, 0)]
        agreed, positions = agreed + int(answer.sum()), positions + len(answer)
    return Agreement(
        positions, agreed, len(reference), str(file), str(lora) if lora else None, all_positions, all_agreed
    )
