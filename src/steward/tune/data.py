"""A run's data: a registered dataset version (`dataset:NAME@N` from `steward tune data`, rows read from the
registry, so an erasure reaches them) or a JSONL / CSV / Parquet file of chat messages or prompt/completion.

Rows of a dataset version carry their `split`; a file's rows are split here by the same hash of the prompt
(`steward.tune.split`, 10 % validation). Each example is tokenised once, before training, with the base's chat
template; only the answer's tokens (the last assistant turn, its end-of-turn token included) carry a label, the
prompt's are masked (-100). An example longer than `seq_len` is left out and counted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest, NotFound
from steward.governance import versions
from steward.governance.identity import Actor
from steward.language import counted
from steward.store import Store
from steward.tune import files
from steward.tune.examples import Example
from steward.tune.split import side

FILE_VALIDATION = 0.1
IGNORE = -100


@dataclass(slots=True)
class Rows:
    """The examples of a run, by split, and what they are."""

    train: list[Example]
    validation: list[Example]
    version: str | None  # dataset:NAME@N, or None for a file
    path: str  # the file, or the dataset's --out path as registered
    sha256: str  # of the rows as read (canonical JSON lines)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "path": self.path, "sha256": self.sha256}


def load(source: str, store: Store, actor: Actor) -> Rows:
    """`source`: a path to an existing file, else a dataset version reference."""
    path = Path(source)
    if path.is_dir():
        raise InvalidRequest(f"--data {source} is a folder; give a JSONL/CSV/Parquet file or a dataset version.")
    if path.is_file():
        return _from_file(path)
    if path.suffix.lower() in files.FORMATS or ("/" in source and not source.startswith("dataset:")):
        raise InvalidRequest(f"--data {source}: no such file; give a JSONL/CSV/Parquet file or a dataset version.")
    return _from_dataset(source, store, actor)


def _from_file(path: Path) -> Rows:
    examples, without_consent = files.read(path)
    if not examples:
        raise InvalidRequest(
            f"{path}: no consented rows ({without_consent} left out for consent=false); nothing to train on. "
            "Give rows whose owners consented."
        )
    train = [e for e in examples if side(e, FILE_VALIDATION) == "train"]
    validation = [e for e in examples if side(e, FILE_VALIDATION) == "validation"]
    return Rows(train, validation, None, str(path.resolve()), _hash(e.messages for e in examples))


def _from_dataset(text: str, store: Store, actor: Actor) -> Rows:
    try:
        version = versions.resolve(store, actor, versions.parse_ref(text, "dataset"))
    except NotFound:
        raise InvalidRequest(
            f"--data {text}: no such file and no such dataset version; build one with `steward tune data` or "
            "give a JSONL file."
        ) from None
    if version.kind != "dataset":
        raise InvalidRequest(f"--data {text} names a {version.kind}; name a dataset version (dataset:NAME@N).")
    with store.reading() as tx:
        bodies = tx.datasets.dataset_bodies(version.id)
    sides: dict[str, list[Example]] = {"train": [], "validation": []}
    for position, body in enumerate(bodies, 1):
        row = json.loads(body)
        messages = row.get("messages")
        if not isinstance(messages, list) or row.get("split") not in sides:
            raise InvalidRequest(
                f"{version.ref} row {position} has no `messages` and `split`: it was not built by "
                "`steward tune data`; rebuild it with that command."
            )
        sides[row["split"]].append(Example(messages=messages, origin=str(row.get("origin", position))))
    if not sides["train"]:
        raise InvalidRequest(
            f"{version.ref} has no training rows ({counted(len(bodies), 'row')} in all, none consented or all "
            "erased or in validation); nothing to train on. Build a dataset with consented rows."
        )
    return Rows(
        sides["train"],
        sides["validation"],
        version.ref,
        str(version.spec.get("path", "")),
        _hash(json.loads(body)["messages"] for body in bodies),
    )


def _hash(rows: Any) -> str:
    digest = hashlib.sha256()
    for messages in rows:
        digest.update(json.dumps(messages, sort_keys=True, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


@dataclass(slots=True)
class Tokenised:
    """Token ids and labels of each kept example; `dropped`: examples longer than seq_len."""

    input_ids: list[list[int]]
    labels: list[list[int]]
    dropped: int = 0
    tokens: int = 0
    answer_tokens: int = 0
    origins: list[str] = field(default_factory=list)


def tokenise(examples: list[Example], tokenizer: Any, seq_len: int) -> Tokenised:
    """Each example through the chat template, the prompt masked; those over `seq_len` tokens left out."""
    out = Tokenised([], [])
    for example in examples:
        ids, labels = encode(example.messages, tokenizer)
        if len(ids) > seq_len:
            out.dropped += 1
            continue
        out.input_ids.append(ids)
        out.labels.append(labels)
        out.tokens += len(ids)
        out.answer_tokens += sum(1 for label in labels if label != IGNORE)
        out.origins.append(example.origin)
    return out


def encode(messages: list[dict[str, str]], tokenizer: Any) -> tuple[list[int], list[int]]:
    """Token ids of the whole conversation and labels that are the ids on the answer only."""
    prompt = _ids(tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=True))
    whole = _ids(tokenizer.apply_chat_template(messages, tokenize=True))
    shared = 0
    for a, b in zip(prompt, whole, strict=False):
        if a != b:
            break
        shared += 1
    answer = whole[shared:]
    while answer and answer[-1] != tokenizer.eos_token_id and tokenizer.decode(answer[-1:]).strip() == "":
        answer = answer[:-1]  # a trailing newline after the end-of-turn token is not learnt
    ids = whole[: shared + len(answer)]
    return ids, [IGNORE] * shared + answer


def _ids(value: Any) -> list[int]:
    if isinstance(value, dict) or hasattr(value, "input_ids"):
        value = value["input_ids"]
    return [int(token) for token in value]
