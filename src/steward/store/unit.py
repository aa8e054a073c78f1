"""A unit of work: the one connection a group of repository calls shares, committed or rolled back together.

`Store.transaction()` opens one (a write transaction that commits when the `with` block ends, or rolls back when
it raises); `Store.reading()` opens one for reads; both hand it out as a `Tx` (`steward.store.tx`) with the
repositories bound to it, so several changes and their audit events commit together. A `Repository` runs on a
caller's unit or opens its own per call. Capabilities never hold a unit: they hold the `Tx`. Functions that work
either on their own or inside a caller's transaction take `Store | Tx` (`steward.store.Database`): given the store
they open their own unit, given a `Tx` they join it.

A unit carries the context of the store that opened it: its keys (`keys_of`), so the audit chain seals an event
written inside a caller's unit with the key that store was handed, without reading the environment or taking the
key through every governance function; its change counters (`changes_of`), so a change committed through
the store drops what readers of that store cached (the routes a `GovernedPool` serves); and its record-body cipher
(`cipher_of`), so a repository bound to the unit reads bodies as the store does.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from steward.config.settings import Secrets
from steward.errors import StoreError
from steward.store.codec import BodyCipher

Unit = Connection
"""The type of a unit of work (an open SQLAlchemy connection, inside `steward.store` only)."""

_CONTEXT = "steward.store"


class Changes:
    """How many changes of each kind were made through one store: readers that cache compare the generation."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def bump(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] = self._counts.get(kind, 0) + 1

    def generation(self, kind: str) -> int:
        return self._counts.get(kind, 0)


@dataclass(frozen=True)
class StoreContext:
    """What a unit carries from the store that opened it."""

    secrets: Secrets
    changes: Changes = field(default_factory=Changes)
    cipher: BodyCipher | None = None  # encryption at rest of record bodies (repositories that read them decrypt)


def attach(unit: Unit, context: StoreContext) -> Unit:
    """Tag a unit the store opened with the store's context (its connection pool is the store's own)."""
    unit.info[_CONTEXT] = context
    return unit


def _context(unit: Unit) -> StoreContext:
    found = unit.info.get(_CONTEXT)
    if not isinstance(found, StoreContext):
        raise StoreError("this unit of work was not opened by a Store; open it with store.transaction().")
    return found


def keys_of(unit: Unit) -> Secrets:
    """The keys of the store that opened `unit` (`Store.transaction()` / `Store.reading()`)."""
    return _context(unit).secrets


def cipher_of(unit: Unit) -> BodyCipher | None:
    """The record-body cipher of the store that opened `unit` (None: bodies are stored in the clear)."""
    return _context(unit).cipher


def changes_of(unit: Unit) -> Changes:
    """The change counters of the store that opened `unit`."""
    return _context(unit).changes


class Repository:
    """What a repository runs its SQL on: a caller's unit of work (`tx.<repository>`, every call joins it), or the
    engine (`store.<repository>`, every call a unit of its own: a write commits when the call returns)."""

    def __init__(self, db: Engine | Unit) -> None:
        self._db = db

    def _writing(self) -> AbstractContextManager[Unit]:
        return nullcontext(self._db) if isinstance(self._db, Connection) else self._db.begin()

    def _reading(self) -> AbstractContextManager[Unit]:
        return nullcontext(self._db) if isinstance(self._db, Connection) else self._db.connect()
