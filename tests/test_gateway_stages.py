"""The pipeline's shape (issue 16): a record's status and what it may keep are decided in one place.

Before, `record.status` was assigned in seven places across the stages and `redact_for_storage` called on four
paths, so a new path (a new early answer, a new failure) could store a record without either. Now the stages say
how a request is ending (`RequestContext.outcome`) and `Gateway._seal` sets the status and applies the record's
privacy, once, on every path. The source is parsed, so comments and docstrings do not count.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

GATEWAY = Path(__file__).resolve().parents[1] / "src" / "steward" / "gateway"


def _functions_doing(predicate: Callable[[ast.AST], bool]) -> list[str]:
    """`module:function` of every function in the gateway package with a node for which `predicate` holds."""
    found = []
    for path in sorted(GATEWAY.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if any(predicate(node) for node in ast.walk(function)):
                found.append(f"{path.stem}:{function.name}")
    return found


def _assigns_record_status(node: ast.AST) -> bool:
    targets = (
        node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    )
    return any(
        isinstance(t, ast.Attribute) and t.attr == "status" and "record" in ast.unparse(t.value) for t in targets
    )


def _calls(name: str) -> Callable[[ast.AST], bool]:
    def predicate(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == name

    return predicate


def test_a_records_status_is_set_in_one_place() -> None:
    assert _functions_doing(_assigns_record_status) == ["pipeline:_seal"]


def test_what_a_record_may_keep_is_applied_in_one_place() -> None:
    assert _functions_doing(_calls("redact_for_storage")) == ["pipeline:_seal"]


def test_streamed_and_whole_answers_share_the_stages_up_to_the_model() -> None:
    """`chat` and `chat_stream` both run `_serve`; only the model stage tells them apart."""
    assert sorted(_functions_doing(_calls("_serve"))) == ["pipeline:chat", "pipeline:chat_stream"]
    assert _functions_doing(_calls("prepare")) == ["pipeline:_serve"]


def _writes_request_state(node: ast.AST) -> bool:
    """An assignment, an augmented assignment or an `.append`/`.extend` whose target reaches the request's record
    or context (`record.…`, `ctx.…`)."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("append", "extend")
    ):
        targets = [node.func.value]
    else:
        return False
    return any(
        isinstance(t, ast.Attribute) and ast.unparse(t).split(".")[0] in ("record", "ctx", "self.record")
        for t in targets
    )


def test_the_guarded_model_returns_its_result_and_the_pipeline_applies_it() -> None:
    """The model stage writes nothing of the record or the request's context: it returns a `ModelResult` (or raises
    `ModelStopped` carrying one), and the pipeline applies it in one place."""
    found = _functions_doing(_writes_request_state)
    assert [f for f in found if f.startswith("guarded_model:")] == []
    assert _functions_doing(_calls("_apply")) == ["pipeline:_serve"]
    source = (GATEWAY / "guarded_model.py").read_text(encoding="utf-8")
    assert "RequestContext" not in source and "Record" not in source.replace("ModelResult", "")
