"""Reading evaluation data: JSONL rows with validation that names the file, the line and the field.

Two shapes are read. Scored rows (`steward eval metrics`) carry the prediction already:
`{"prediction", "references": [...], "context"?, "question"?, ...}` (see `ROW_FIELDS`). Suite cases carry
what to send: `{"id"?, "input" | "messages", "references"?, "reference_ids"?, "tags"?, ...}`. A dataset's
version is the sha256 of its bytes, so a stored run names exactly the data it saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest
from steward.evals.metric import ROW_FIELDS, Metric, Row

_STATUSES = ("served", "blocked", "declined", "failed", "escalated", "disconnected")


def content_hash(path: Path) -> str:
    """`sha256:<hex>` of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line is an error naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest(f"{path}: no such file; give the path of a JSONL file (one JSON object per line).")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidRequest(
                    f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno}); each line must be one "
                    "JSON object."
                ) from None
            if not isinstance(value, dict):
                raise InvalidRequest(f"{path}:{number}: expected a JSON object, got {type(value).__name__}.")
            yield number, value


def string_list(value: Any, where: str, name: str, allow_single: bool = True) -> tuple[str, ...]:
    if isinstance(value, str) and allow_single:
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidRequest(f"{where}: field {name!r} must be a list of strings ({ROW_FIELDS.get(name, '')}).")


def _text(value: Any, where: str, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{where}: field {name!r} must be a string, got {type(value).__name__}.")
    return value


def _number(value: Any, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"{where}: field {name!r} must be a number, got {json.dumps(value)[:40]}.")
    return float(value)


def row_from_json(obj: dict[str, Any], where: str) -> Row:
    """A scored row from one JSON object; wrong types are errors naming the field."""
    if "prediction" not in obj:
        raise InvalidRequest(f"{where}: field 'prediction' is missing; every row needs the model's answer.")
    status = obj.get("status")
    if status is not None and status not in _STATUSES:
        raise InvalidRequest(f"{where}: field 'status' is {status!r}; use one of {', '.join(_STATUSES)}.")
    schema = obj.get("schema")
    if schema is not None and not isinstance(schema, dict):
        raise InvalidRequest(f"{where}: field 'schema' must be a JSON schema object.")
    get = obj.get
    return Row(
        prediction=_text(obj["prediction"], where, "prediction"),
        references=string_list(get("references", []), where, "references"),
        context=string_list(get("context", []), where, "context"),
        question=_text(get("question"), where, "question") if get("question") is not None else None,
        context_ids=string_list(get("context_ids", []), where, "context_ids", False),
        reference_ids=string_list(get("reference_ids", []), where, "reference_ids", False),
        latency_ms=_number(get("latency_ms"), where, "latency_ms") if get("latency_ms") is not None else None,
        cost=_number(get("cost"), where, "cost") if get("cost") is not None else None,
        status=status,
        schema=schema,
        label=_text(get("label"), where, "label") if get("label") is not None else None,
        id=str(get("id")) if get("id") is not None else None,
        tags=string_list(get("tags", []), where, "tags"),
    )


def load_rows(path: Path) -> tuple[list[Row], list[int]]:
    """The scored rows of a JSONL file and the line each came from."""
    rows: list[Row] = []
    lines: list[int] = []
    for number, obj in read_jsonl(path):
        rows.append(row_from_json(obj, f"{path}:{number}: row {len(rows) + 1}"))
        lines.append(number)
    if not rows:
        raise InvalidRequest(f"{path}: the file has no rows; write one JSON object per line.")
    return rows, lines


def check_needs(rows: Sequence[Row], lines: Sequence[int], metrics: Sequence[Metric], source: str) -> None:
    """Every row has the fields each metric needs (`a|b`: either); the first gap is an error naming it."""
    for metric in metrics:
        for need in metric.needs:
            alternatives = need.split("|")
            for index, row in enumerate(rows):
                if not any(row.has(name) for name in alternatives):
                    wanted = " or ".join(repr(a) for a in alternatives)
                    what = "; ".join(f"{a}: {ROW_FIELDS[a]}" for a in alternatives)
                    raise InvalidRequest(
                        f"{source}:{lines[index]}: row {index + 1}: field {wanted} is missing or empty; "
                        f"metric {metric.name!r} needs it ({what})."
                    )
