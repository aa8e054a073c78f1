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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from steward.errors import InvalidRequest, NotFound
from steward.governance import audit
from steward.governance.identity import Actor
from steward.store import Database, Store, Tx, canonical_json, digest
from steward.types import new_id, now

KINDS: tuple[str, ...] = ("model", "prompt", "dataset", "policy", "training_run")
STAGES: tuple[str, ...] = ("candidate", "staging", "production", "archived")
EXCLUSIVE_STAGES: tuple[str, ...] = ("candidate", "staging", "production")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
_VERSION = re.compile(r"[1-9][0-9]{0,8}")  # ASCII digits only, as stored (an INTEGER column): 1 to 999,999,999
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
    if not _VERSION.fullmatch(version):
        raise InvalidRequest(
            f"{text!r}: the version after @ must be a number from 1 to 999999999 (1, 2, ...) or `latest`."
        )
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


def register(
    db: Database, actor: Actor, team: str, kind: str, name: str, spec: dict[str, Any]
) -> tuple[Version, bool]:
    """Register `spec` as the next version of `kind:name` in `team`, or return the version it already is.

    Refused for auditors, app keys and other teams. Runs in its own transaction given the store, or inside the
    caller's given a tx of work (a deployment, a training run, `apply`).
    """
    actor.require_change(team, "the registry")
    _check(kind, name)
    text = canonical_json(spec)
    content_hash = digest(text)
    with audit.changing(db) as tx:
        existing = tx.registry.find_entry(team, kind, name, content_hash)
        if existing is not None:
            return _version(existing, tx.registry.labels_of([existing.id]).get(existing.id)), False
        row = {
            "id": new_id("reg"),
            "team": team,
            "kind": kind,
            "name": name,
            "version": tx.registry.next_version(team, kind, name),
            "content_hash": content_hash,
            "spec": text,
            "created_at": now(),
            "created_by": actor.label,
        }
        registered = tx.registry.add_entry(row)
        audit.append(
            tx,
            actor,
            "registry.register",
            f"registry:{row['id']}",
            None,
            registered,
            team=team,
            detail={"ref": f"{kind}:{name}@{row['version']}", "content_hash": content_hash},
        )
    return _version(row), True


def resolve(db: Database, actor: Actor | None, ref: Ref | str, team: str | None = None) -> Version:
    """The version a reference names, in `team` (or in whichever single team has it, when `team` is None).

    With an actor the team is scoped to what the actor may read, and reading the version is checked; `actor=None`
    is for callers inside a governance tx of work that have checked the actor's rights on `team` already.
    """
    ref = parse_ref(ref) if isinstance(ref, str) else ref
    scoped = actor.scope(team) if actor is not None else team
    with _reading(db) as tx:
        teams = [scoped] if scoped is not None else tx.registry.teams_with(ref.kind, ref.name)
        if len(teams) > 1:
            raise InvalidRequest(
                f"{ref.kind}:{ref.name} exists in teams {', '.join(teams)}; pass --team to choose one."
            )
        row = tx.registry.entry_by_version(teams[0], ref.kind, ref.name, ref.version) if teams else None
        if row is None:
            what = f"{ref.kind}:{ref.name}" + (f"@{ref.version}" if ref.version else "")
            raise NotFound(
                f"no registry version {what}"
                + (f" in team {scoped!r}" if scoped else "")
                + "; register it with `steward registry apply` (from steward.yaml) or see `steward registry list`."
            )
        version = _version(row, tx.registry.labels_of([row.id]).get(row.id))
    if actor is not None:
        actor.require_read(version.team, "registry versions")
    return version


@contextmanager
def _reading(db: Database) -> Iterator[Tx]:
    """The caller's tx of work, or a reading tx of the store."""
    if isinstance(db, Tx):
        yield db
        return
    with db.reading() as tx:
        yield tx


def by_id(tx: Tx, entry_id: str) -> Version | None:
    row = tx.registry.get_entry(entry_id)
    return _version(row, tx.registry.labels_of([row.id]).get(row.id)) if row is not None else None


def list_versions(
    store: Store, actor: Actor, *, team: str | None = None, kind: str | None = None, name: str | None = None
) -> list[Version]:
    """Versions the actor may read, by team, kind, name and version."""
    if kind is not None and kind not in KINDS:
        raise InvalidRequest(f"unknown registry kind {kind!r}; use one of {', '.join(KINDS)}.")
    rows = store.registry.list_entries(team=actor.scope(team), kind=kind, name=name)
    labels = store.registry.labels_of([r.id for r in rows])
    return [_version(r, labels.get(r.id)) for r in rows]


def apply_label(db: Database, actor: Actor, version: Version, label: str, *, remove: bool = False) -> bool:
    """Give `version` a stage or tag (exclusive stages move off its siblings), or with `remove` take it off;
    audited. False when nothing changed. In its own transaction given the store, else in the caller's tx."""
    if not remove and not _LABEL.match(label):
        raise InvalidRequest(
            f"{label!r} is not a label; use lower-case letters, digits and . _ - (e.g. production)."
        )
    if not remove and label in version.labels:
        return False
    with audit.changing(db) as tx:
        if remove:
            if not tx.registry.remove_label([version.id], label):
                return False
        else:
            if label in EXCLUSIVE_STAGES:
                tx.registry.remove_label(tx.registry.sibling_ids(version.team, version.kind, version.name), label)
            if label == "archived":
                tx.registry.remove_label([version.id], "production")
                tx.registry.remove_label([version.id], "candidate")
                tx.registry.remove_label([version.id], "staging")
            tx.registry.set_label(version.id, label, now(), actor.label)
        audit.append(
            tx,
            actor,
            "registry.unlabel" if remove else "registry.label",
            f"registry:{version.id}",
            team=version.team,
            detail={"ref": version.ref, "label": label},
        )
    return True


def set_stage(
    store: Store, actor: Actor, ref: str, label: str, team: str | None = None, remove: bool = False
) -> Version:
    """Set (or remove) a stage/tag on a version, e.g. `set_stage(store, actor, "model:qwen@2", "staging")`."""
    version = resolve(store, actor, ref, team)
    actor.require_change(version.team, "registry stages")
    with audit.changing(store) as tx:
        apply_label(tx, actor, version, label, remove=remove)
        fresh = by_id(tx, version.id)
    assert fresh is not None
    return fresh
