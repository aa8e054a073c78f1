"""Canonical JSON and digests, shared by every governance table (`row_digest` is what audit events vouch for)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, String, Table, insert
from sqlalchemy.engine import Row

REF = String(300)  # a lineage node or audit subject: `kind:id`

HASH = String(80)  # `sha256:<hex>` or a bare hex digest


def canonical_json(value: Any) -> str:
    """One spelling of a JSON value (sorted keys, no spaces), so equal content hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any) -> str:
    """`sha256:<hex>` of a value's canonical JSON (a string is hashed as it is)."""
    text = value if isinstance(value, str) else canonical_json(value)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def row_digest(table: Table, row: Any) -> str:
    """The digest of a row of `table` over every column, from a mapping or a fetched `Row`. Columns a table
    added later list themselves in `info["digest_omits_null"]`: they count only when set, so that rows written
    before them keep the digest their audit events recorded."""
    mapping = row._mapping if isinstance(row, Row) else row
    late = table.info.get("digest_omits_null", ())
    values = {column.name: mapping.get(column.name) for column in table.columns}
    return digest({name: value for name, value in values.items() if value is not None or name not in late})


def insert_governed(conn: Connection, table: Table, row: dict[str, Any]) -> str:
    """Insert a row the audit log vouches for; returns its digest (the `after` of the event that records it)."""
    conn.execute(insert(table).values(row))
    return row_digest(table, row)
