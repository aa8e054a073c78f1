"""A unit of work: the one connection a group of repository calls shares, committed or rolled back together.

`Store.transaction()` opens one (a write transaction that commits when the `with` block ends, or rolls back when
it raises); `Store.reading()` opens one for reads. Capabilities hold a `Unit` only to hand it back to the
repositories in `steward.store` (which run their SQL on it), so several changes and their audit events commit
together; they never run SQL on it themselves. Functions that work either on their own or inside a caller's
transaction take `Store | Unit` (`steward.store.Database`): given the store they open their own unit, given a
unit they join it.
"""

from __future__ import annotations

from sqlalchemy import Connection

Unit = Connection
"""The type of a unit of work (an open SQLAlchemy connection, inside `steward.store` only)."""
