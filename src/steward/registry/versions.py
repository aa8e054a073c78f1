"""Immutable registry versions of models, prompts, datasets, guardrail policies and training runs, with stages.

A version is the canonical JSON of what identifies the thing (a model's artefact sha256, source, licence, base
model, adapter; a prompt's text; a dataset's content hash, source, consent and PII summary...) and its
`content_hash`. Registering the same content again returns the existing version, so applying steward.yaml
twice registers nothing new; different content gets the next version number. Versions are never updated.

Stages are labels beside a version: `candidate`, `staging` and `production` are held by at most one version of
a name at a time (setting one moves it), `archived` by any number; other labels are free tags. Everything is
scoped to a team, and every registration and stage change is an audit event in the same transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from steward.errors import InvalidRequest, NotFound
from steward.registry import audit
from steward.registry.identity import Actor
from steward.store import governance as sql
from steward.types import new_id, now

KINDS: tuple[str, ...] = ("model", "prompt", "dataset", "policy", "training_run")
STAGES: tuple[str, ...] = ("candidate", "staging", "production", "archived")
EXCLUSIVE_STAGES: tuple[str, ...] = ("candidate", "staging", "production")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
_LABEL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Version:
    """One immutable registry version."""

    id: str
    team: str
    kind: str
    name: str
    version: int
    content_hash: str
    spec: dict[str, Any]
    created_at: float
    created_by: str
    labels: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """`kind:name@version`, how people name it."""
        return f"{self.kind}:{self.name}@{self.version}"

    @property
    def node(self) -> str:
        """Its lineage node (by id, which never changes)."""
        return f"{self.kind}:{self.id}"

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["labels"] = list(self.labels)
        out["ref"] = self.ref
        return out


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a version as typed: `model:qwen@2`, `qwen@2`, `qwen` (the newest), `prompt:app@latest`."""

    kind: str
    name: str
    version: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}@{self.version if self.version is not None else 'latest'}"


def parse_ref(text: str, default_kind: str = "model") -> Ref:
    """Parse `[kind:]name[@version|@latest]`; raise naming the expected form."""
    raw = text.strip()
    kind, sep, rest = raw.partition(":")
    if not sep or kind not in KINDS:
        kind, rest = default_kind, raw
    name, at, version = rest.partition("@")
    if not name or not _NAME.match(name):
        raise InvalidRequest(
            f"{text!r} is not a version reference; write [kind:]NAME[@VERSION], e.g. model:qwen@2."
        )
    if not at or version in ("", "latest"):
        return Ref(kind, name)
    if not version.isdigit() or int(version) < 1:
        raise InvalidRequest(f"{text!r}: the version after @ must be a number (1, 2, ...) or `latest`.")
    return Ref(kind, name, int(version))


def _version(row: Any, labels: list[str] | None = None) -> Version:
    """A `Version` from a fetched row or the mapping that was inserted."""
    m = row if isinstance(row, dict) else row._mapping
    return Version(
        id=m["id"],
        team=m["team"],
        kind=m["kind"],
        name=m["name"],
        version=int(m["version"]),
        content_hash=m["content_hash"],
        spec=json.loads(m["spec"]),
        created_at=float(m["created_at"]),
        created_by=m["created_by"],
        labels=tuple(labels or ()),
    )


def _check(kind: str, name: str) -> None:
    if kind not in KINDS:
        raise InvalidRequest(f"unknown registry kind {kind!r}; use one of {', '.join(KINDS)}.")
    if not _NAME.match(name):
        raise InvalidRequest(f"{name!r} is not a registry name; use letters, digits and . _ / - (up to 200).")


def register_in(
    conn: Connection, actor: Actor, team: str, kind: str, name: str, spec: dict[str, Any]
) -> tuple[Version, bool]:
    """Register `spec` as the next version of `kind:name` in `team`, or return the version it already is."""
    _check(kind, name)
    text = sql.canonical_json(spec)
    content_hash = sql.digest(text)
    existing = sql.find_entry(conn, team, kind, name, content_hash)
    if existing is not None:
        return _version(existing, sql.labels_of(conn, [existing.id]).get(existing.id)), False
    row = {
        "id": new_id("reg"),
        "team": team,
        "kind": kind,
        "name": name,
        "version": sql.next_version(conn, team, kind, name),
        "content_hash": content_hash,
        "spec": text,
        "created_at": now(),
        "created_by": actor.label,
    }
    sql.insert_row(conn, sql.registry_entries, row)
    audit.append_in(
        conn,
        actor,
        "registry.register",
        f"registry:{row['id']}",
        None,
        sql.row_digest(sql.registry_entries, row),
        team=team,
        detail={"ref": f"{kind}:{name}@{row['version']}", "content_hash": content_hash},
    )
    return _version(row), True


def register(
    store: Any, actor: Actor, team: str, kind: str, name: str, spec: dict[str, Any]
) -> tuple[Version, bool]:
    """Register a version (see `register_in`); refused for auditors, app keys and other teams."""
    actor.require_change(team, "the registry")
    with audit.transaction(store) as conn:
        return register_in(conn, actor, team, kind, name, spec)


def resolve_in(conn: Connection, ref: Ref | str, team: str | None) -> Version:
    """The version a reference names, in `team` (or in whichever single team has it, when `team` is None)."""
    ref = parse_ref(ref) if isinstance(ref, str) else ref
    teams = [team] if team is not None else _teams_with(conn, ref.kind, ref.name)
    if len(teams) > 1:
        raise InvalidRequest(
            f"{ref.kind}:{ref.name} exists in teams {', '.join(teams)}; pass --team to choose one."
        )
    row = sql.entry_by_version(conn, teams[0], ref.kind, ref.name, ref.version) if teams else None
    if row is None:
        what = f"{ref.kind}:{ref.name}" + (f"@{ref.version}" if ref.version else "")
        raise NotFound(
            f"no registry version {what}"
            + (f" in team {team!r}" if team else "")
            + "; register it with `steward registry apply` (from steward.yaml) or see `steward registry list`."
        )
    return _version(row, sql.labels_of(conn, [row.id]).get(row.id))


def _teams_with(conn: Connection, kind: str, name: str) -> list[str]:
    from sqlalchemy import select

    c = sql.registry_entries.c
    query = select(c.team).where(c.kind == kind, c.name == name).distinct().order_by(c.team)
    return list(conn.execute(query).scalars())


def resolve(store: Any, actor: Actor, ref: Ref | str, team: str | None = None) -> Version:
    with audit.engine_of(store).connect() as conn:
        version = resolve_in(conn, ref, actor.scope(team))
    actor.require_read(version.team, "registry versions")
    return version


def by_id(conn: Connection, entry_id: str) -> Version | None:
    row = sql.get_entry(conn, entry_id)
    return _version(row, sql.labels_of(conn, [row.id]).get(row.id)) if row is not None else None


def list_versions(
    store: Any, actor: Actor, *, team: str | None = None, kind: str | None = None, name: str | None = None
) -> list[Version]:
    """Versions the actor may read, by team, kind, name and version."""
    if kind is not None and kind not in KINDS:
        raise InvalidRequest(f"unknown registry kind {kind!r}; use one of {', '.join(KINDS)}.")
    engine = audit.engine_of(store)
    rows = sql.list_entries(engine, team=actor.scope(team), kind=kind, name=name)
    with engine.connect() as conn:
        labels = sql.labels_of(conn, [r.id for r in rows])
    return [_version(r, labels.get(r.id)) for r in rows]


def set_stage_in(conn: Connection, actor: Actor, version: Version, label: str) -> bool:
    """Give `version` a stage or tag; exclusive stages move off its siblings. False when nothing changed."""
    if not _LABEL.match(label):
        raise InvalidRequest(
            f"{label!r} is not a label; use lower-case letters, digits and . _ - (e.g. production)."
        )
    if label in version.labels:
        return False
    if label in EXCLUSIVE_STAGES:
        sql.remove_label(conn, sql.sibling_ids(conn, version.team, version.kind, version.name), label)
    if label == "archived":
        sql.remove_label(conn, [version.id], "production")
        sql.remove_label(conn, [version.id], "candidate")
        sql.remove_label(conn, [version.id], "staging")
    sql.set_label(conn, version.id, label, now(), actor.label)
    audit.append_in(
        conn,
        actor,
        "registry.label",
        f"registry:{version.id}",
        team=version.team,
        detail={"ref": version.ref, "label": label},
    )
    return True


def remove_stage_in(conn: Connection, actor: Actor, version: Version, label: str) -> bool:
    if not sql.remove_label(conn, [version.id], label):
        return False
    audit.append_in(
        conn,
        actor,
        "registry.unlabel",
        f"registry:{version.id}",
        team=version.team,
        detail={"ref": version.ref, "label": label},
    )
    return True


def set_stage(
    store: Any, actor: Actor, ref: str, label: str, team: str | None = None, remove: bool = False
) -> Version:
    """Set (or remove) a stage/tag on a version, e.g. `set_stage(store, actor, "model:qwen@2", "staging")`."""
    version = resolve(store, actor, ref, team)
    actor.require_change(version.team, "registry stages")
    with audit.transaction(store) as conn:
        (remove_stage_in if remove else set_stage_in)(conn, actor, version, label)
        fresh = by_id(conn, version.id)
    assert fresh is not None
    return fresh
