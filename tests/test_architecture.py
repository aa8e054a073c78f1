"""Import rules that keep the layers apart (issue 16).

Capabilities (guardrails, rag, evals, governance, store, models, config) never import the HTTP layer
(`steward.gateway.http`, `steward.gateway.errors_http`, FastAPI, Starlette, uvicorn) or the CLI: they are called
by those edges, never the other way round, so a capability can be used from `steward.Client`, a script or a test
without a web framework or a terminal.

The store is the one front door to the database.

Nothing outside `steward/store/` imports SQLAlchemy, reads an `engine` attribute (the store's engine) or the
connection inside a `Tx` (`tx._unit`), asks for an engine with `getattr(..., "engine")`, imports
`steward.store.engine`, or imports any other store module that holds SQL: capabilities reach the database through
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
    "evals/pii_spans.py": "self.engine",
    "explain/guardrail.py": "presidio.engine",  # Presidio's AnalyzerEngine, for its decision process
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
        elif isinstance(node, ast.Attribute) and node.attr == "_unit":  # the connection inside a `Tx`
            found.append(Breach(relative, node.lineno, f"reads {ast.unparse(node)}"))
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
        "def f(store):\n    with store.transaction() as tx:\n        tx._unit.execute('DELETE FROM records')",
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
        "from steward.store import Store, Tx\n"
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


# The packages that are capabilities.
CAPABILITIES = ("guardrails", "rag", "evals", "governance", "monitor", "store", "models", "config", "agents")
# The edges a capability must not import: the HTTP layer and its frameworks, and the CLI.
EDGES = (
    "steward.gateway.http",
    "steward.gateway.errors_http",
    "steward.cli",
    "fastapi",
    "starlette",
    "uvicorn",
    "typer",
)


def _is_edge(module: str) -> bool:
    return any(module == edge or module.startswith(edge + ".") for edge in EDGES)


def _absolute(node: ast.ImportFrom, relative: str) -> str:
    """The module an import names, with `from ..x import y` resolved against the importing module's package."""
    if node.level == 0:
        return node.module or ""
    package = ["steward", *relative.removesuffix(".py").split("/")][:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def edge_imports(path: Path, relative: str) -> list[Breach]:
    """Every import in one capability module of the HTTP layer, a web framework or the CLI."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Breach(relative, node.lineno, f"import {a.name}") for a in node.names if _is_edge(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, relative)
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            if any(_is_edge(name) for name in names):
                found.append(Breach(relative, node.lineno, f"from {module} import ..."))
    return found


def _capability_modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] in CAPABILITIES)


def test_capabilities_never_import_the_http_layer_or_the_cli() -> None:
    modules = _capability_modules()
    assert {p.relative_to(SRC).parts[0] for p in modules} == set(CAPABILITIES), "a capability package went missing"
    found = [b for p in modules for b in edge_imports(p, p.relative_to(SRC).as_posix())]
    assert not found, "capabilities are called by the HTTP layer and the CLI, never the reverse:\n" + "\n".join(
        map(str, found)
    )


@pytest.mark.parametrize(
    "source",
    [
        "from steward.gateway.http import create_app",
        "from steward.gateway import http",
        "import steward.gateway.http",
        "from steward.gateway.errors_http import status_for",
        "from fastapi import HTTPException",
        "import starlette.responses",
        "from steward.cli.context import context",
        "from steward import cli",
        "def f():\n    from ...gateway.http import create_app\n    return create_app",
        "from ...cli import app",
    ],
)
def test_the_import_rule_catches_each_edge(tmp_path: Path, source: str) -> None:
    module = tmp_path / "m.py"
    module.write_text(source, encoding="utf-8")
    assert edge_imports(module, "rag/sub/m.py")


def test_the_import_rule_allows_the_core_and_other_capabilities(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""Called by steward.gateway.http and steward.cli, which is fine to say."""\n'
        "from steward.errors import InvalidRequest\n"
        "from steward.gateway.requests import ChatRequest\n"
        "from steward.client import Client\n"
        "from ..rag import retrieve\n"
        "from . import httpx_helpers\n",
        encoding="utf-8",
    )
    assert edge_imports(module, "evals/m.py") == []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}


def test_one_home_per_concept() -> None:
    """Embeddings load in `models/embeddings.py` only; evaluation lives in `evals/` (the CLI and the store have
    their `evals` edges); governance is `steward.governance` and the metric lookup `evals.metric_catalog`, so
    "registry" means one thing, the version registry (`governance/versions.py`, `steward registry`)."""
    modules = {p.relative_to(SRC).as_posix(): p for p in SRC.rglob("*.py")}
    embedders = sorted(
        r for r, p in modules.items() if any(m.startswith("sentence_transformers") for m in _imports(p))
    )
    assert embedders == ["models/embeddings.py"]
    evaluation = sorted(
        r
        for r in modules
        if r.split("/")[0] not in ("evals", "cli", "store") and Path(r).stem.startswith(("eval", "pii_eval"))
    )
    assert evaluation == []
    assert not (SRC / "registry").exists() and (SRC / "governance" / "__init__.py").is_file()
    assert not (SRC / "evals" / "registry.py").exists() and (SRC / "evals" / "metric_catalog.py").is_file()


MONITOR_MAY_IMPORT = ("steward.monitor", "steward.store", "steward.config", "steward.types", "steward.errors")


def test_monitoring_is_fed_by_the_records_only() -> None:
    """Issue 17: `steward.monitor` imports the core and the store, never the gateway, a model or a capability."""
    found = [
        f"{path.relative_to(SRC)}: imports {name}"
        for path in sorted((SRC / "monitor").rglob("*.py"))
        for name in sorted(_imports(path))
        if name.startswith("steward") and not name.startswith(MONITOR_MAY_IMPORT)
    ]
    assert not found, "\n".join(found)


# The store's front door: `steward.store` (the `Store`, its repositories, the `Tx`) and what carries no SQL of its
# own (`unit`, `codec`: serialisation, `crypto`: the cipher). Any other `steward.store.<module>` holds SQL.
STORE_FRONT_DOOR = ("steward.store", "steward.store.unit", "steward.store.codec", "steward.store.crypto")


def _is_store_module(name: str) -> bool:
    return (SRC / "store" / f"{name}.py").is_file() or (SRC / "store" / name / "__init__.py").is_file()


def _store_modules(path: Path) -> set[str]:
    """The `steward.store.<module>` a file imports (`from steward.store import governance` counts as one)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "steward.store" and not node.level:
            # a name is a module when the store has one by that name (else a function or a value it exports)
            found |= {f"steward.store.{a.name}" for a in node.names if _is_store_module(a.name)}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("steward.store.") and m not in STORE_FRONT_DOOR}


def _sql_imports_outside_the_store(src: Path) -> dict[str, list[str]]:
    """Each module outside `store/` under `src` that imports a store module holding SQL, with those modules."""
    imports = {p.relative_to(src).as_posix(): _store_modules(p) for p in src.rglob("*.py")}
    return {r: sorted(m) for r, m in imports.items() if m and r.split("/")[0] != "store"}


def test_capabilities_reach_the_stores_sql_only_through_the_store() -> None:
    """Outside `store/`, no module imports a store module that holds SQL: the `Store`, its repositories and the
    `Tx` of `store.transaction()` are the one way in."""
    assert _sql_imports_outside_the_store(SRC) == {}, "go through the Store's repositories (steward.store)"


def test_the_store_sql_rule_fails_on_a_capability_that_imports_one(tmp_path: Path) -> None:
    """The rule above sees a new breach anywhere outside `store/`, and none inside it."""
    for relative, source in {
        "monitor/alerts.py": "from steward.store.monitor import AlertRow\n",
        "guardrails/review.py": "from steward.store import guardrails as sql\n",
        "cli/keys.py": "def f():\n    import steward.store.keys\n",
        "store/tx.py": "from steward.store.monitor import Monitoring\n",
        "governance/fine.py": "from steward.store import Store, Tx, ReviewItem, decision_digest\n",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source, encoding="utf-8")
    assert _sql_imports_outside_the_store(tmp_path) == {
        "cli/keys.py": ["steward.store.keys"],
        "guardrails/review.py": ["steward.store.guardrails"],
        "monitor/alerts.py": ["steward.store.monitor"],
    }


def test_the_store_sql_rule_sees_both_import_forms(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from steward.store import Store, digest, governance\n"  # digest: a function the front door exports
        "import steward.store.rag\n"
        "from steward.store.unit import Unit\n"
    )
    assert _store_modules(module) == {"steward.store.governance", "steward.store.rag"}
