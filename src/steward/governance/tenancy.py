"""Team scoping of reads: records, collections and registry entries as a key (or a local operator) may see them.

One rule, applied here for every reader that starts from a caller rather than from an operator's shell: a key
reads only its own team's data — an auditor key reads all of it and changes nothing, an app key reads only
the records it made itself (its own conversations), and a record of another team is reported as not found,
so that ids of other teams cannot be probed. The HTTP API and the dashboard should read records through these
functions instead of the store directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from steward.config import Project
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.governance.identity import Actor
from steward.store import RecordFilter, RecordPage, Store
from steward.types import Principal, Record


def _actor(who: Actor | Principal) -> Actor:
    return who if isinstance(who, Actor) else Actor.from_principal(who)


def _key_id(actor: Actor) -> str | None:
    return actor.id.split(":", 1)[1] if actor.id.startswith("key:") else None


class RecordReader(Protocol):
    """What `record_for` needs of a store (the gateway's record store, or the SQL `Store`)."""

    def get_record(self, record_id: str) -> Record: ...


def records_for(store: Store, who: Actor | Principal, *, limit: int = 50, **filters: Any) -> list[Record]:
    """Newest records the caller may read (`filters`: app, status, subject, since, until...)."""
    actor = _actor(who)
    team = actor.scope(filters.pop("team", None))
    if actor.role == "app":  # an app key reads back only what it sent
        filters["key_id"] = _key_id(actor)
    return store.list_records(team=team, limit=limit, **filters)


def record_page_for(
    store: Store, who: Actor | Principal, after: tuple[float, str] | None, limit: int, **filters: Any
) -> RecordPage:
    """A newest-first page of the records the caller may read (`filters`: the `RecordFilter` fields), from the
    keyset position `after`: the same scope as `records_for`."""
    actor = _actor(who)
    filters["team"] = actor.scope(filters.get("team"))
    if actor.role == "app":
        filters["key_id"] = _key_id(actor)
    return store.page_records(RecordFilter(**filters), after, limit)


def erasure_of(store: Store, record_id: str) -> tuple[str, float, str] | None:
    """How a record was erased (`deleted` with a tombstone, or `anonymised`), None if it never was. A deleted
    record's tombstone keeps no team, so this is answered to any reader: it names no content and no team."""
    with store.reading() as tx:
        return tx.privacy.erasure(record_id)


def iter_records_for(store: Store, who: Actor | Principal, **filters: Any) -> Iterator[Record]:
    """Every record the caller may read, oldest first (an export): the same scope as `records_for`."""
    actor = _actor(who)
    team = actor.scope(filters.pop("team", None))
    if actor.role == "app":
        filters["key_id"] = _key_id(actor)
    return store.iter_records(team=team, **filters)


def record_for(store: RecordReader, who: Actor | Principal, record_id: str) -> Record:
    """One record, if the caller may read it; otherwise NotFound, exactly as for an id that does not exist."""
    actor = _actor(who)
    record = store.get_record(record_id)
    hidden = not actor.may_read(record.team) or (actor.role == "app" and record.key_id != _key_id(actor))
    if hidden:
        raise NotFound(f"no record {record_id!r}; list recent ones with `steward records list`.")
    return record


def collections_for(project: Project, who: Actor | Principal) -> list[str]:
    """Collections whose readers include the caller's team (`team:NAME`) or one of its groups."""
    actor = _actor(who)
    groups = set(who.groups) if isinstance(who, Principal) else set()
    out = []
    for name, spec in project.collections.items():
        readers = set(spec.readers)
        if actor.team is None or f"team:{actor.team}" in readers or readers & groups:
            out.append(name)
    return out


def require_collection(project: Project, who: Actor | Principal, collection: str) -> None:
    if collection not in collections_for(project, who):
        raise PermissionDenied(f"this key may not read collection {collection!r}; it belongs to another team.")


def apps_for(project: Project, who: Actor | Principal) -> list[str]:
    actor = _actor(who)
    return [name for name, spec in project.apps.items() if actor.may_read(spec.team)]


def require_app(project: Project, who: Actor | Principal, app: str) -> None:
    """Refuse a filter on an app the caller has no such app of (unknown, or another team's: the same answer,
    as for the chat API), naming the apps it has, rather than answer an empty list that looks like "none yet"."""
    mine = sorted(apps_for(project, who))
    if app not in mine:
        raise NotFound(f"unknown app {app!r}; your apps are: {', '.join(mine) or 'none'}.", param="app")


def check_key_apps(project: Project, team: str, role: str, apps: Iterable[str]) -> None:
    """Refuse a key scoped to apps its team does not have (it could never call them): name the team's apps."""
    apps = list(apps)
    if role == "metrics" and apps:
        raise InvalidRequest("a metrics key reads /metrics only; leave out --apps.", param="apps")
    mine = sorted(name for name, spec in project.apps.items() if spec.team == team)
    unknown = [name for name in apps if name not in mine]
    if unknown:
        raise InvalidRequest(
            f"team {team!r} has no app {', '.join(map(repr, unknown))}; its apps are: {', '.join(mine) or 'none'} "
            "(check --apps and --team against steward.yaml).",
            param="apps",
        )
