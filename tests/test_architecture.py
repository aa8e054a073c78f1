"""Import rules that keep the store the one front door to the database (issue 16).

Nothing outside `steward/store/` imports SQLAlchemy, reads an `engine` attribute (the store's engine), asks for
one with `getattr(..., "engine")`, or imports `steward.store.engine`: capabilities reach the database through
`Store`'s repositories and units of work (`store.transaction()`, `store.reading()`). The source is parsed, not
grepped, so comments, docstrings and names such as `steward.guardrails.engine` (the policy engine) do not count.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "steward"

# `self.engine` in these modules is Presidio's AnalyzerEngine, which has nothing to do with the store.
NOT_THE_STORE: dict[str, str] = {
    "guardrails/pii.py": "self.engine",
    "guardrails/pii_eval.py": "self.engine",
}


@dataclass(frozen=True)
class Breach:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _outside_store() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "store" not in p.relative_to(SRC).parts[:1])


def breaches(path: Path, relative: str) -> list[Breach]:
    """Every place in one module that reaches past the store to the database."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy" or alias.name == "steward.store.engine":
                    found.append(Breach(relative, node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module
            if module.split(".")[0] == "sqlalchemy" or module == "steward.store.engine":
                found.append(Breach(relative, node.lineno, f"from {module} import ..."))
            elif module == "steward.store" and any(alias.name == "engine" for alias in node.names):
                found.append(Breach(relative, node.lineno, "from steward.store import engine"))
        elif isinstance(node, ast.Attribute) and node.attr == "engine":
            text = ast.unparse(node)
            if NOT_THE_STORE.get(relative) != text:
                found.append(Breach(relative, node.lineno, f"reads {text}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "engine"
        ):
            found.append(Breach(relative, node.lineno, f"{ast.unparse(node)}"))
    return found


def test_nothing_outside_the_store_touches_the_engine_or_sqlalchemy() -> None:
    found = [b for p in _outside_store() for b in breaches(p, p.relative_to(SRC).as_posix())]
    assert not found, "reach the database through steward.store.Store instead:\n" + "\n".join(map(str, found))


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "from sqlalchemy.engine import Engine",
        "from steward.store.engine import make_engine",
        "def f(store):\n    return store.engine.connect()",
        "def f(context):\n    return context.open_store().engine",
        "def f(store):\n    return getattr(store, 'engine', None)",
    ],
)
def test_the_rule_catches_each_way_round_the_store(tmp_path: Path, source: str) -> None:
    module = tmp_path / "m.py"
    module.write_text(source, encoding="utf-8")
    assert breaches(module, "rag/m.py")


def test_the_rule_ignores_what_is_not_the_store(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""Uses store.engine in prose only."""\n'
        "from steward.guardrails.engine import evaluate\n"
        "from steward.store import Store, Unit\n"
        "def f(store: Store) -> None:\n"
        "    with store.transaction() as unit:  # not store.engine\n"
        "        evaluate(unit)\n",
        encoding="utf-8",
    )
    assert breaches(module, "rag/m.py") == []
    presidio = tmp_path / "pii.py"
    presidio.write_text("class A:\n    def f(self):\n        return self.engine.analyze()\n", encoding="utf-8")
    assert breaches(presidio, "guardrails/pii.py") == []
    assert breaches(presidio, "rag/pii.py")  # the exemption is for that module only
