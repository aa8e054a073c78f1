"""Training examples from files: JSONL, CSV or Parquet, with chat `messages` or `prompt` / `completion`.

Each row holds either `messages` (a list of `{"role": "system"|"user"|"assistant", "content": "..."}` ending
in the assistant's answer; in a CSV cell, that list as JSON) or `prompt` and `completion` (with an optional
`system`). `id` names the row in the data card, and `consent` (true/false) leaves a row out when false. Any
other column is refused: a misspelt `complection` would otherwise be trained on as nothing. A malformed row is
refused with its file and line (`faq.jsonl:3`; CSV: the row's line; Parquet: `row 3`), and nothing is registered.

Parquet is read with pyarrow, an optional extra (`pip install 'steward[parquet]'`): it is large and only this
reader needs it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest
from steward.tune.examples import ROLES, Example

SHAPES = "`messages` (chat turns ending in the assistant's answer) or `prompt` and `completion`"
KNOWN = frozenset({"messages", "prompt", "completion", "system", "id", "consent"})
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class Excluded(Exception):
    """A well-formed row left out by its own `consent: false`."""


def read(path: Path) -> tuple[list[Example], int]:
    """The file's examples, and how many rows its `consent` column left out."""
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest(f"{path}: no such file; give a JSONL, CSV or Parquet file of training examples.")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InvalidRequest(
            f"{path}: unknown format {path.suffix or '(no extension)'}; name a .jsonl, .csv or .parquet file."
        )
    rows = {"jsonl": _jsonl, "csv": _csv, "parquet": _parquet}[kind](path)
    examples, without_consent, seen = [], 0, 0
    try:
        for where, row in rows:
            seen += 1
            try:
                examples.append(example_of(row, f"{path.name}:{where}"))
            except Excluded:
                without_consent += 1
            except ValueError as exc:
                raise InvalidRequest(f"{path}:{where}: {exc}; each row needs {SHAPES}.") from None
    except UnicodeDecodeError as exc:  # a CSV in another encoding (a JSONL line says its number itself)
        raise InvalidRequest(_not_utf8(path, exc)) from None
    if seen == 0:
        raise InvalidRequest(f"{path}: the file holds no rows; each row needs {SHAPES}.")
    return examples, without_consent


def _not_utf8(path: Path, exc: UnicodeDecodeError, where: str = "") -> str:
    return (
        f"{path}{where}: not UTF-8 text (byte {exc.object[exc.start]:#04x}); save the file as UTF-8, e.g. "
        f"`iconv -f latin1 -t utf-8 {path.name} > {path.stem}.utf8{path.suffix}`."
    )


def _jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidRequest(_not_utf8(path, exc, f":{number}")) from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidRequest(
                    f"{path}:{number}: not JSON ({exc.msg}, column {exc.colno}); each line must be one JSON "
                    f"object with {SHAPES}."
                ) from None
            if not isinstance(row, dict):
                raise InvalidRequest(f"{path}:{number}: a JSON {type(row).__name__}, not an object with {SHAPES}.")
            yield str(number), row


def _csv(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        _check_columns(path, reader.fieldnames or [])
        for row in reader:
            if None in row:  # more cells than the header has columns
                raise InvalidRequest(f"{path}:{reader.line_num}: more cells than the header's columns.")
            cells: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "")}
            if "messages" in cells:
                try:
                    cells["messages"] = json.loads(cells["messages"])
                except json.JSONDecodeError:
                    raise InvalidRequest(
                        f"{path}:{reader.line_num}: the `messages` cell is not a JSON list of turns."
                    ) from None
            if "consent" in cells:
                flag = cells["consent"].strip().lower()
                cells["consent"] = _FLAGS.get(flag, cells["consent"])
            yield str(reader.line_num), cells


def _parquet(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidRequest(
            f"{path}: reading Parquet needs pyarrow, an optional extra: `pip install 'steward[parquet]'` "
            "(or convert the file to JSONL)."
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise InvalidRequest(f"{path}: not a readable Parquet file ({exc}).") from None
    _check_columns(path, table.column_names)
    for number, row in enumerate(table.to_pylist(), 1):
        yield f"row {number}", {k: v for k, v in row.items() if v is not None}


def _check_columns(path: Path, columns: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in KNOWN]
    if unknown:
        raise InvalidRequest(
            f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; the columns read are "
            f"{', '.join(sorted(KNOWN))}. Rename or drop the others (for chat data, `messages`; otherwise "
            "`prompt` and `completion`)."
        )


def example_of(row: dict[str, Any], origin: str) -> Example:
    """One row as an example; ValueError says what is wrong with it."""
    unknown = sorted(set(row) - KNOWN)
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(map(repr, unknown))} (the fields read are {', '.join(sorted(KNOWN))}; "
            "rename or drop the others)"
        )
    consent = row.get("consent", True)
    if not isinstance(consent, bool):
        raise ValueError(f"`consent` must be true or false, not {consent!r}")
    name = str(row["id"]) if row.get("id") is not None else origin
    if "messages" in row:
        if {"prompt", "completion", "system"} & set(row):
            raise ValueError("give `messages` or `prompt`/`completion`, not both")
        messages = _messages(row["messages"])
    elif "prompt" in row or "completion" in row:
        prompt, completion, system = row.get("prompt"), row.get("completion"), row.get("system")
        if not isinstance(prompt, str) or not isinstance(completion, str):
            raise ValueError("`prompt` and `completion` must both be given, as text")
        if system is not None and not isinstance(system, str):
            raise ValueError("`system` must be text")
        messages = [{"role": "system", "content": system}] if system else []
        messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]
    else:
        raise ValueError("no `messages` and no `prompt`/`completion`")
    if not consent:
        raise Excluded
    return Example(messages=messages, origin=name)


def _messages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise ValueError("`messages` must be a non-empty list of turns")
    turns = []
    for position, turn in enumerate(value, 1):
        if not isinstance(turn, dict) or set(turn) - {"role", "content", "name"}:
            raise ValueError(f"turn {position} must be an object with `role` and `content`")
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES or not isinstance(content, str):
            raise ValueError(f"turn {position} needs a `role` ({', '.join(ROLES)}) and a text `content`")
        turns.append({"role": str(role), "content": content})
    if turns[-1]["role"] != "assistant":
        raise ValueError("the last turn must be the assistant's answer (the text to learn)")
    if not any(t["role"] == "user" for t in turns[:-1]):
        raise ValueError("no user turn before the answer")
    return turns
