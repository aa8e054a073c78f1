"""Tamper evidence for records: a keyed seal per row and a keyed chain over every record ever written.

Each record row carries `seal`, an HMAC-SHA256 over its id and every stored column (the body as stored,
encrypted or not), and `chain_seq`/`link`: the writer numbers the rows it commits 1, 2, 3… without gaps and
binds each number to its row, `link = HMAC(seq, id)`. Numbers that cannot be forged and may not skip are the
chain: a missing number is a deleted record, a bad link an inserted or renumbered one, a bad seal an edited
one. Steward's own rewrites (anonymisation, re-encryption at rest) re-seal the row; its own deletions
(retention, erasure) leave a keyed tombstone in the row's place. One head row (`integrity_heads`) holds the
last number given, and governance audit events copy it into their detail, so a chain cut short at its end
contradicts the audit log. `steward.governance.integrity` walks all of it. (Linking each row to the previous
one's link would add nothing these numbers do not already show, and would cost the writer a statement more.)

The key is a secret kept outside the database: `STEWARD_INTEGRITY_KEY` (any string), else the file named by
`STEWARD_INTEGRITY_KEY_FILE`, else `integrity.key` beside a SQLite database file (created once, mode 600).
Without any (PostgreSQL or an in-memory database with neither variable set) the same structure is kept with
plain sha256, which catches edits by tools unaware of it but not someone who recomputes it.

Cost on the request path: one HMAC over the row on the caller's thread, and per commit one small statement on
the head row plus one short HMAC per row (see `steward.store.writer`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Engine, Float, String, Table, func, select, update
from sqlalchemy.engine import Row

from steward.config.settings import INTEGRITY_KEY_ENV, INTEGRITY_KEY_FILE_ENV, Secrets
from steward.errors import ConfigError
from steward.store.schema import ID, keyset_pages, metadata, records

KEY_ENV = INTEGRITY_KEY_ENV
KEY_FILE_ENV = INTEGRITY_KEY_FILE_ENV
HEAD = "records"
LEGACY = "records_legacy"  # how many rows predate the chain (written by migration 0008), kept beside the head

# The columns a seal covers, in a fixed order: everything but the seal and the chain position themselves.
SEALED_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in records.columns if c.name not in ("seal", "chain_seq", "link")
)

integrity_heads = Table(
    "integrity_heads",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)

record_tombstones = Table(
    "record_tombstones",
    metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("record_id", ID, nullable=False, index=True),  # migration 0014: GET /v1/records/{id} of a deleted one
    Column("link", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("mac", String(64), nullable=False),
)


class Sealer:
    """HMAC (or, without a key, sha256) over seals, links and tombstones."""

    def __init__(self, key: bytes | None, source: str) -> None:
        self.key = key
        self.source = source  # where the key came from, for `steward audit verify`

    @property
    def keyed(self) -> bool:
        return self.key is not None

    def _mac(self, message: str) -> str:
        data = message.encode()
        if self.key is None:
            return hashlib.sha256(data).hexdigest()
        return hmac.new(self.key, data, hashlib.sha256).hexdigest()

    def seal(self, row: Any) -> str:
        m = row if isinstance(row, dict) else row._mapping
        return self._mac("\x1f".join(_text(m[name]) for name in SEALED_COLUMNS))

    def link(self, seq: int, record_id: str) -> str:
        return self._mac(f"{seq}|{record_id}")

    def tombstone(self, seq: int, record_id: str, link: str, at: float, reason: str) -> str:
        return self._mac(f"tomb|{seq}|{record_id}|{link}|{at:.6f}|{reason}")


def _text(value: Any) -> str:
    """A column value as sealed: floats to 6 places (both backends round-trip those), bools as 0/1."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def load_sealer(engine: Engine, given: Secrets) -> Sealer:
    """The sealer of this database, from the keys the process was handed (same key in every process that opens
    it; see the module docstring). The `Store` loads it once when it opens and owns it."""
    if given.integrity_key:
        return Sealer(given.integrity_key.encode(), f"${KEY_ENV}")
    if given.integrity_key_file:
        return Sealer(_read_or_create(Path(given.integrity_key_file).expanduser()), given.integrity_key_file)
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:":
        path = Path(database).expanduser().resolve().parent / "integrity.key"
        return Sealer(_read_or_create(path), str(path))
    return Sealer(None, f"none (set {KEY_ENV} or {KEY_FILE_ENV})")


def _read_or_create(path: Path) -> bytes:
    """The key in `path`, created on first use: written to a private temporary file, then linked into place,
    which fails if another process got there first, so every process reads one complete key."""
    if not path.exists():
        try:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process created it meanwhile: use theirs
            finally:
                tmp.unlink()
        except OSError as exc:
            raise ConfigError(f"cannot create the integrity key {path} ({exc}); set {KEY_ENV} instead.") from None
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the integrity key {path} ({exc}); check its permissions.") from None
    if not value:
        raise ConfigError(f"the integrity key file {path} is empty; restore it from your backup of it.")
    return value.encode()


# ---- SQL the writer, privacy and verification use ----------------------------------------------------------


def read_head(conn: Connection, name: str = HEAD) -> int | None:
    """The last number given (`records`), or a count kept at migration (`records_legacy`, `keys_legacy`)."""
    found = conn.execute(select(integrity_heads.c.seq).where(integrity_heads.c.name == name)).scalar_one_or_none()
    return int(found) if found is not None else None


def reseal(conn: Connection, sealer: Sealer, record_ids: list[str]) -> None:
    """Re-seal rows Steward itself rewrote (anonymised, re-encrypted), inside the rewriting transaction."""
    if not record_ids:
        return
    for row in conn.execute(select(records).where(records.c.id.in_(record_ids))).all():
        if row.chain_seq is not None:  # rows from before the chain stay unsealed
            conn.execute(update(records).where(records.c.id == row.id).values(seal=sealer.seal(row)))


def bury(conn: Connection, sealer: Sealer, record_ids: list[str], at: float, reason: str) -> None:
    """Before Steward deletes records (retention, erasure), keep each one's place in the chain, keyed."""
    if not record_ids:
        return
    c = records.c
    query = select(c.id, c.chain_seq, c.link).where(c.id.in_(record_ids), c.chain_seq.is_not(None))
    for row in conn.execute(query).all():
        mac = sealer.tombstone(int(row.chain_seq), row.id, row.link, at, reason)
        conn.execute(
            record_tombstones.insert().values(
                seq=row.chain_seq, record_id=row.id, link=row.link, at=at, reason=reason, mac=mac
            )
        )


def head_of(engine: Engine, name: str = HEAD) -> int | None:
    with engine.connect() as conn:
        return read_head(conn, name)


def iter_chain(engine: Engine, upto: int, chunk: int = 1000) -> Iterator[Row[Any]]:
    """Sealed record rows in chain order up to `upto`, read in keyset pages (short transactions)."""
    query = select(records).where(records.c.chain_seq <= upto)
    yield from keyset_pages(query, records.c.chain_seq, engine.connect, chunk, after=0)


def tombstones(engine: Engine, upto: int) -> dict[int, Row[Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(record_tombstones).where(record_tombstones.c.seq <= upto)).all()
    return {int(r.seq): r for r in rows}


def unsealed(engine: Engine, limit: int = 5) -> tuple[int, list[str]]:
    """How many record rows carry no chain position, and the ids of a few of them."""
    c = records.c
    with engine.connect() as conn:
        count = int(
            conn.execute(select(func.count()).select_from(records).where(c.chain_seq.is_(None))).scalar_one()
        )
        ids = list(
            conn.execute(
                select(c.id).where(c.chain_seq.is_(None)).order_by(c.created_at.desc()).limit(limit)
            ).scalars()
        )
    return count, ids


class RecordChain:
    """The chain of records as `steward audit verify` walks it (`store.chain`)."""

    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self._engine = engine
        self.sealer = sealer

    def head_of(self, name: str = HEAD) -> int | None:
        return head_of(self._engine, name)

    def iter_chain(self, upto: int, chunk: int = 1000) -> Iterator[Row[Any]]:
        return iter_chain(self._engine, upto, chunk)

    def tombstones(self, upto: int) -> dict[int, Row[Any]]:
        return tombstones(self._engine, upto)

    def unsealed(self, limit: int = 5) -> tuple[int, list[str]]:
        return unsealed(self._engine, limit)
