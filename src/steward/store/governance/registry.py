"""SQL of the registry: immutable versions, their stage labels, and lineage edges between nodes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Row

from steward.store.governance.hashing import HASH, REF, insert_governed
from steward.store.schema import ID, NAME, metadata
from steward.store.unit import Repository

registry_entries = Table(
    "registry_entries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("team", NAME, nullable=False),
    Column("kind", String(32), nullable=False),  # model | prompt | dataset | policy | training_run
    Column("name", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", HASH, nullable=False),
    Column("spec", Text, nullable=False),  # canonical JSON; `content_hash` is its sha256
    Column("created_at", Float, nullable=False),
    Column("created_by", NAME, nullable=False),
    UniqueConstraint("team", "kind", "name", "version"),
    UniqueConstraint("team", "kind", "name", "content_hash"),
)

registry_labels = Table(
    "registry_labels",
    metadata,
    Column("entry_id", ID, ForeignKey("registry_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(64), primary_key=True),
    Column("set_at", Float, nullable=False),
    Column("set_by", NAME, nullable=False),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("parent", REF, primary_key=True),
    Column("child", REF, primary_key=True, index=True),
    Column("relation", String(64), nullable=False),
    Column("team", NAME, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", NAME, nullable=False),
)


class Registry(Repository):
    """Registry versions, their labels and lineage edges (`store.registry`, or `tx.registry` inside a governance
    transaction)."""

    def add_entry(self, row: dict[str, Any]) -> str:
        """Register a version's row; returns its digest (its audit event's after)."""
        with self._writing() as conn:
            return insert_governed(conn, registry_entries, row)

    def find_entry(self, team: str, kind: str, name: str, content_hash: str) -> Row[Any] | None:
        c = registry_entries.c
        query = select(registry_entries).where(
            c.team == team, c.kind == kind, c.name == name, c.content_hash == content_hash
        )
        with self._reading() as conn:
            return conn.execute(query).first()

    def teams_with(self, kind: str, name: str) -> list[str]:
        """The teams that have versions of `kind:name`, in order."""
        c = registry_entries.c
        query = select(c.team).where(c.kind == kind, c.name == name).distinct().order_by(c.team)
        with self._reading() as conn:
            return list(conn.execute(query).scalars())

    def next_version(self, team: str, kind: str, name: str) -> int:
        c = registry_entries.c
        query = select(func.max(c.version)).where(c.team == team, c.kind == kind, c.name == name)
        with self._reading() as conn:
            return int(conn.execute(query).scalar() or 0) + 1

    def get_entry(self, entry_id: str) -> Row[Any] | None:
        with self._reading() as conn:
            return conn.execute(select(registry_entries).where(registry_entries.c.id == entry_id)).first()

    def entry_by_version(self, team: str, kind: str, name: str, version: int | None) -> Row[Any] | None:
        """A version by number, or the newest when `version` is None."""
        c = registry_entries.c
        query = select(registry_entries).where(c.team == team, c.kind == kind, c.name == name)
        query = query.where(c.version == version) if version is not None else query.order_by(c.version.desc())
        with self._reading() as conn:
            return conn.execute(query.limit(1)).first()

    def labels_of(self, entry_ids: Sequence[str]) -> dict[str, list[str]]:
        if not entry_ids:
            return {}
        query = select(registry_labels.c.entry_id, registry_labels.c.label).where(
            registry_labels.c.entry_id.in_(list(entry_ids))
        )
        out: dict[str, list[str]] = {}
        with self._reading() as conn:
            for entry_id, label in conn.execute(query.order_by(registry_labels.c.label)):
                out.setdefault(entry_id, []).append(label)
            return out

    def set_label(self, entry_id: str, label: str, at: float, by: str) -> None:
        with self._writing() as conn:
            exists = conn.execute(
                select(registry_labels.c.entry_id).where(
                    registry_labels.c.entry_id == entry_id, registry_labels.c.label == label
                )
            ).first()
            if exists is None:
                conn.execute(insert(registry_labels).values(entry_id=entry_id, label=label, set_at=at, set_by=by))

    def remove_label(self, entry_ids: Iterable[str], label: str) -> int:
        ids = list(entry_ids)
        if not ids:
            return 0
        with self._writing() as conn:
            result = conn.execute(
                delete(registry_labels).where(
                    registry_labels.c.entry_id.in_(ids), registry_labels.c.label == label
                )
            )
            return int(result.rowcount or 0)

    def sibling_ids(self, team: str, kind: str, name: str) -> list[str]:
        c = registry_entries.c
        with self._reading() as conn:
            return list(conn.execute(select(c.id).where(c.team == team, c.kind == kind, c.name == name)).scalars())

    def add_edge(self, parent: str, child: str, relation: str, team: str, at: float, by: str) -> bool:
        """Add a lineage edge; False when it already exists (edges are facts, recorded once)."""
        c = lineage_edges.c
        with self._writing() as conn:
            if conn.execute(select(c.parent).where(c.parent == parent, c.child == child)).first() is not None:
                return False
            conn.execute(
                insert(lineage_edges).values(
                    parent=parent, child=child, relation=relation, team=team, created_at=at, created_by=by
                )
            )
            return True

    def labelled(self, team: str, kind: str, name: str, label: str) -> list[str]:
        """Ids of the versions of `kind:name` in `team` that carry `label`."""
        c = registry_entries.c
        query = (
            select(c.id)
            .join(registry_labels, registry_labels.c.entry_id == c.id)
            .where(c.team == team, c.kind == kind, c.name == name, registry_labels.c.label == label)
        )
        with self._reading() as conn:
            return list(conn.execute(query).scalars())

    def list_entries(
        self, *, team: str | None = None, kind: str | None = None, name: str | None = None
    ) -> list[Row[Any]]:
        c = registry_entries.c
        clauses = [
            col == value for col, value in ((c.team, team), (c.kind, kind), (c.name, name)) if value is not None
        ]
        query = select(registry_entries).where(*clauses).order_by(c.team, c.kind, c.name, c.version)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def edges_touching(self, nodes: Sequence[str], direction: str) -> list[Row[Any]]:
        """Edges whose child (direction "up") or parent ("down") is one of `nodes`."""
        if not nodes:
            return []
        column = lineage_edges.c.child if direction == "up" else lineage_edges.c.parent
        with self._reading() as conn:
            return list(conn.execute(select(lineage_edges).where(column.in_(list(nodes)))).all())
