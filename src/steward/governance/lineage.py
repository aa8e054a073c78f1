"""Lineage: which data trained which model, which evaluation vouched for it, which deployment serves it.

Nodes are references `kind:id` — registry versions by their immutable id (`dataset:reg_…`, `training_run:reg_…`,
`model:reg_…`, `prompt:reg_…`, `policy:reg_…`), evaluation runs by theirs (`eval_run:evr_…`) and deployments
(`deployment:dep_…`), and model files by their sha256 (`artefact:<sha256>`: a fine-tuned model's base weights and
exported GGUF). Edges are recorded once, with a relation (`trained_on`, `produced`, `fine_tuned_from`,
`evaluated_by`, `gated`, `deployed_in`), each as an audit event. `walk` follows edges up (where something came
from) or down (what it fed), and `describe` turns a node back into something people read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from steward.errors import InvalidRequest
from steward.governance import audit, versions
from steward.governance.identity import Actor
from steward.store import Database, Store, Tx
from steward.types import now

NODE_KINDS: tuple[str, ...] = (*versions.KINDS, "eval_run", "deployment", "alert", "artefact")


@dataclass(frozen=True, slots=True)
class Edge:
    parent: str
    child: str
    relation: str


def node(kind: str, ident: str) -> str:
    if kind not in NODE_KINDS:
        raise InvalidRequest(f"unknown lineage node kind {kind!r}; use one of {', '.join(NODE_KINDS)}.")
    return f"{kind}:{ident}"


def add_edge(db: Database, actor: Actor, parent: str, child: str, relation: str, team: str) -> bool:
    """Record the edge between two nodes, parent → child (once); audited. In its own transaction given the store,
    else in the caller's unit of work. `link` is the checked entry that takes references."""
    if parent == child:
        raise InvalidRequest("a lineage edge needs two different nodes.")
    with audit.changing(db) as tx:
        added = tx.registry.add_edge(parent, child, relation, team, now(), actor.label)
        if added:
            audit.append(
                tx, actor, "lineage.link", f"lineage:{parent}>{child}", team=team, detail={"relation": relation}
            )
    return added


def walk(store: Store, start: str, direction: str, depth: int = 12, team: str | None = None) -> list[Edge]:
    """Edges reachable from `start` going "up" (ancestors) or "down" (descendants), breadth first; with `team`,
    only that team's edges (a key reading its team's lineage never walks into another team's)."""
    if direction not in ("up", "down"):
        raise InvalidRequest("direction is `up` or `down`.")
    seen: set[tuple[str, str]] = set()
    frontier, out = [start], []
    for _ in range(depth):
        rows = store.registry.edges_touching(frontier, direction)
        frontier = []
        for row in rows:
            if (row.parent, row.child) in seen or (team is not None and row.team != team):
                continue
            seen.add((row.parent, row.child))
            out.append(Edge(row.parent, row.child, row.relation))
            frontier.append(row.parent if direction == "up" else row.child)
        if not frontier:
            break
    return out


def graph(
    store: Store, start: str, team: str | None = None, apps: Collection[str] | None = None
) -> dict[str, Any]:
    """Where `start` came from and what it fed, with readable labels, as `steward registry lineage --json` prints
    it: `{node, upstream: [{parent, child, relation}], downstream: [...]}`. With `team` (and the `apps` the
    reader may read), only that team's edges, and a node of another team (an edge may name any `eval_run:`,
    `deployment:` or `alert:` id) shows as its bare id, never described."""
    up, down = walk(store, start, "up", team=team), walk(store, start, "down", team=team)
    nodes = sorted({start} | {n for e in up + down for n in (e.parent, e.child)})
    names = describe(store, nodes, team, apps)

    def edges(found: list[Edge]) -> list[dict[str, str]]:
        return [{"parent": names[e.parent], "child": names[e.child], "relation": e.relation} for e in found]

    return {"node": names[start], "upstream": edges(up), "downstream": edges(down)}


def describe(
    store: Store, nodes: Sequence[str], team: str | None = None, apps: Collection[str] | None = None
) -> dict[str, str]:
    """A readable label per node: `model:qwen@2`, `eval_run:evr_… (suite smoke, passed)`, `deployment:…`; with
    `team` and `apps`, a node of another team or app keeps its bare id."""
    labels: dict[str, str] = {}
    with store.reading() as tx:
        for item in nodes:
            kind, _, ident = item.partition(":")
            labels[item] = _describe_one(tx, store, kind, ident, team, apps) or item
    return labels


def _describe_one(
    tx: Tx, store: Store, kind: str, ident: str, team: str | None, apps: Collection[str] | None
) -> str | None:
    if kind in versions.KINDS:
        version = versions.by_id(tx, ident)
        return version.ref if version and team in (None, version.team) else None
    if kind == "deployment":
        row = tx.deployments.get_deployment(ident)
        if row is None or team not in (None, row.team):
            return None
        return f"deployment:{ident} ({row.app} #{row.seq} {row.action})"
    if kind == "eval_run":
        try:
            run = store.evals.get_run(ident, with_cases=False)
        except Exception:  # the eval capability may be absent or the run deleted: show the bare node
            return None
        if run.id != ident or (apps is not None and run.app not in apps):  # a prefix, or another team's run
            return None
        return f"eval_run:{ident} ({run.kind} {run.name}, {'passed' if run.passed else 'failed'})"
    return None


def link(store: Store, actor: Actor, parent: str, child: str, relation: str, team: str | None = None) -> bool:
    """Link two nodes given as registry references (`dataset:faq@2`) or raw nodes (`eval_run:evr_…`)."""
    with store.reading() as tx:
        parent_node, parent_team = _node_of(tx, parent, actor.scope(team))
        child_node, child_team = _node_of(tx, child, actor.scope(team))
    owner = parent_team or child_team or team or actor.team or "default"
    for side in {parent_team, child_team} - {None}:
        actor.require_change(side, "lineage")
    actor.require_change(owner, "lineage")
    return add_edge(store, actor, parent_node, child_node, relation, owner)


def _node_of(tx: Tx, text: str, team: str | None) -> tuple[str, str | None]:
    kind, sep, ident = text.partition(":")
    if sep and kind in ("eval_run", "deployment", "alert", "artefact"):
        return node(kind, ident), None
    version = versions.resolve(tx, None, text, team)
    return version.node, version.team
