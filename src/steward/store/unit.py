"""A unit of work: the one connection a group of repository calls shares, committed or rolled back together.

`Store.transaction()` opens one (a write transaction that commits when the `with` block ends, or rolls back when
it raises); `Store.reading()` opens one for reads. Capabilities hold a `Unit` only to hand it back to the
repositories in `steward.store` (which run their SQL on it), so several changes and their audit events commit
together; they never run SQL on it themselves. Functions that work either on their own or inside a caller's
transaction take `Store | Unit` (`steward.store.Database`): given the store they open their own unit, given a
unit they join it.

A unit carries the keys of the store that opened it (`keys_of`): the audit chain seals an event written inside a
caller's unit with the key that store was handed, without reading the environment or taking the key through
every governance function.
"""

from __future__ import annotations

from sqlalchemy import Connection

from steward.config.settings import Secrets
from steward.errors import StoreError

Unit = Connection
"""The type of a unit of work (an open SQLAlchemy connection, inside `steward.store` only)."""

_KEYS = "steward.secrets"


def attach_keys(unit: Unit, secrets: Secrets) -> Unit:
    """Tag a unit the store opened with the store's keys (its connection pool is the store's own)."""
    unit.info[_KEYS] = secrets
    return unit


def keys_of(unit: Unit) -> Secrets:
    """The keys of the store that opened `unit` (`Store.transaction()` / `Store.reading()`)."""
    found = unit.info.get(_KEYS)
    if not isinstance(found, Secrets):
        raise StoreError("this unit of work was not opened by a Store; open it with store.transaction().")
    return found
