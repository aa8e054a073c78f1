"""The store: one governed record per request, API keys, feedback; SQLite by default, PostgreSQL by URL.

`Store.open(url)` builds the engine (`steward.store.engine`), migrates to every Alembic head
(`steward.store.migrate`) and hands out the record, feedback and key operations. Records are written by group
commit (`steward.store.writer`): `await store.write(record)` returns only once the record's transaction has
committed, and raises `StoreError` if it did not, so a response is never sent for a record that could be lost.
Capability stores (guardrails, RAG, evals, monitoring; governance, split by sub-area) keep their own SQL in
`store/<capability>.py` or `store/governance/`, and their migrations in `store/migrations/versions/`; the
`Store` is their one front door: it hands out typed
repositories (`store.evals`, `store.reviews`, `store.audit` …) and units of work, `store.transaction()` and
`store.reading()`, each a `Tx` (`steward.store.tx`) that carries the repositories bound to its one connection
(`tx.rag`, `tx.evals`, `tx.registry`, `tx.deployments` …), so that calls inside one `with` block commit together
and nothing outside `steward.store` holds the engine, a connection or SQL. A repository is a class that owns its
SQL as methods and runs on either (`steward.store.unit.Repository`); a function that works on its own or inside a
caller's transaction takes `Store | Tx` (`Database`), and the Store's key methods join a caller's `tx=`. No
capability imports a `steward.store.<module>` that holds SQL (`tests/test_architecture.py`): the pure helpers they
need (`digest`, `key_digest`, `decision_digest`, `correction_digest`, the stored types) are exported here.

Durability. PostgreSQL commits are durable by its own `synchronous_commit=on`. SQLite runs in WAL mode with
`synchronous=FULL` by default: each commit fdatasyncs the WAL, so an acknowledged record survives a power cut
as well as a crash. `synchronous=NORMAL` (`sqlite:///…/steward.db?synchronous=NORMAL`) skips that sync and
syncs only at checkpoints: an acknowledged record then survives a crash of Steward but not of the machine,
which may lose the records since the last checkpoint; the database itself stays consistent. Measured with
`bench/store_write.py` on the 2-core development VM (ext4 on virtio, shared and loaded): a bare 4 KiB write +
fsync costs 4-8 ms p50, so one record at a time costs p50 ~9-11 ms with FULL against ~0.4-0.5 ms with NORMAL.
Under load group commit divides the sync among the records that queued during the previous one (mean batch
~37 at 64 concurrent writers): FULL then takes 1,500-1,900 records/s against 350-400 with a commit per
record, p99 70 ms against 0.8-1 s. FULL stays the default because a record that is answered must not be lost;
NORMAL is the switch for a single node where the last records before a power cut may go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError as DatabaseError  # what a failed query raises, for callers

from steward.config.settings import Secrets
from steward.store import keys as _keys
from steward.store import records as _records
from steward.store.codec import BodyCipher
from steward.store.console import ConsoleSessions
from steward.store.engine import make_engine, sqlite_file
from steward.store.evals import EvalRuns, StoredCase, StoredRun
from steward.store.explanations import KINDS as EXPLANATION_KINDS
from steward.store.explanations import Explanations, StoredExplanation, explanation_row, payload_digest
from steward.store.governance import GENESIS as AUDIT_GENESIS
from steward.store.governance import AuditLog, Compliance, Datasets, Deployments, ProviderChecks, Registry
from steward.store.governance.compliance import Statement
from steward.store.governance.hashing import canonical_json, digest, row_digest
from steward.store.guardrails import (
    Correction,
    Label,
    ReviewItem,
    Reviews,
    correction_digest,
    decision_digest,
    label_digest,
    pending_digest,
)
from steward.store.integrity import LEGACY as RECORDS_LEGACY
from steward.store.integrity import RecordChain, Sealer, load_sealer
from steward.store.keys import ROLES as KEY_ROLES
from steward.store.keys import KeyEvidence, KeyInfo, key_digest, owner_address
from steward.store.migrate import upgrade
from steward.store.monitor import AlertRow, Monitoring, SilenceRow
from steward.store.rag import DIMENSIONS as VECTOR_DIMENSIONS
from steward.store.rag import ChunkRow, RagRepository, StoredDocument
from steward.store.records import RecordFilter, RecordPage
from steward.store.tx import Tx
from steward.store.unit import Changes, StoreContext, attach
from steward.store.writer import COMMIT_BUCKETS, GroupCommitWriter, WriterStats
from steward.types import Feedback, Record

__all__ = [
    "AUDIT_GENESIS",
    "COMMIT_BUCKETS",
    "EXPLANATION_KINDS",
    "KEY_ROLES",
    "RECORDS_LEGACY",
    "VECTOR_DIMENSIONS",
    "AlertRow",
    "AuditLog",
    "BodyCipher",
    "ChunkRow",
    "Compliance",
    "ConsoleSessions",
    "Correction",
    "Database",
    "DatabaseError",
    "Datasets",
    "Deployments",
    "EvalRuns",
    "Explanations",
    "KeyEvidence",
    "KeyInfo",
    "Label",
    "Monitoring",
    "ProviderChecks",
    "RagRepository",
    "RecordFilter",
    "RecordPage",
    "Registry",
    "ReviewItem",
    "Reviews",
    "Sealer",
    "SilenceRow",
    "Statement",
    "Store",
    "StoredCase",
    "StoredDocument",
    "StoredExplanation",
    "StoredRun",
    "Tx",
    "WriterStats",
    "canonical_json",
    "correction_digest",
    "decision_digest",
    "digest",
    "key_digest",
    "label_digest",
    "owner_address",
    "payload_digest",
    "pending_digest",
    "row_digest",
    "sqlite_file",
]


class Store:
    """Records, feedback and API keys in one SQL database (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 512,
        cipher: BodyCipher | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        self.engine = engine
        self.secrets = secrets if secrets is not None else Secrets()  # the keys this process was handed
        self.changes = Changes()  # changes made through this store, for readers that cache (routes)
        self.cipher = cipher  # encryption at rest of record bodies, when governance sets one
        self._context = StoreContext(self.secrets, self.changes, cipher)  # what its units carry
        self.sealer = load_sealer(engine, self.secrets)  # tamper evidence of records (steward.store.integrity)
        self._writer = GroupCommitWriter(engine, max_batch=max_batch, sealer=self.sealer)
        # Typed repositories of the capabilities, each call its own unit; `store.transaction()` binds them to one.
        self.audit = AuditLog(engine)
        self.registry = Registry(engine)
        self.deployments = Deployments(engine)
        self.compliance = Compliance(engine)
        self.providers = ProviderChecks(engine)
        self.datasets = Datasets(engine)
        self.reviews = Reviews(engine)
        self.evals = EvalRuns(engine)
        self.chain = RecordChain(engine, self.sealer)
        self.monitoring = Monitoring(engine, cipher)
        self.console = ConsoleSessions(engine)  # the console's sessions (by token hash) and shared secrets
        self.explanations = Explanations(engine, cipher)  # explanations of records by kind (`steward.explain`)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        synchronous: str | None = None,
        migrate: bool = True,
        max_batch: int = 512,
        cipher: BodyCipher | None = None,
        secrets: Secrets | None = None,
    ) -> Store:
        """Open (and by default migrate) the database at `url`: `sqlite:///path` or `postgresql://…`.

        `secrets` are the keys the process read at its edge (`Settings.secrets`); the CLI and the server hand
        them down. Left out (scripts, benchmarks, tests), they are read from the environment here, once, under
        the same variable names, so the store then seals exactly as a CLI command in that environment would.
        """
        if secrets is None:
            secrets = Secrets.from_environment()
        engine = make_engine(url, synchronous=synchronous)
        try:
            if migrate:
                upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        if cipher is None:
            from steward.store.crypto import cipher as cipher_for

            cipher = cipher_for(secrets.record_keys)
        return cls(engine, max_batch=max_batch, cipher=cipher, secrets=secrets)

    def close(self) -> None:
        """Commit every queued record, stop the writer and release connections."""
        self._writer.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- units of work ---------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A write unit of work and its repositories (`tx.rag` …): commits when the block ends, else rolls back."""
        with self.engine.begin() as unit:
            yield Tx(attach(unit, self._context))

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A unit for reads and its repositories (no commit; what it saw is released when the block ends)."""
        with self.engine.connect() as unit:
            yield Tx(attach(unit, self._context))

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`, for the few capabilities whose plan differs (e.g. vector search)."""
        return str(self.engine.dialect.name)

    # -- records -------------------------------------------------------------------------------------------

    async def write(
        self, record: Record, *, alone: bool = False, attached: Sequence[StoredExplanation] = ()
    ) -> None:
        """Persist `record`; returns once it is committed, raises StoreError if it was not.

        `alone` says the caller is the only request in flight: on SQLite an idle writer then commits on this
        thread, sparing two thread hand-offs (see `steward.store.writer`); otherwise the row is group-committed.
        `attached` explanations (an app's captured reasoning) are written in the record's own transaction.
        """
        row = _records.record_row(record, self.cipher, self.sealer)
        if attached:
            row["explanations"] = [explanation_row(explanation, self.cipher) for explanation in attached]
        if alone and self._writer.write_now(row):
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._writer.submit(row, (loop, future))
        # If the caller is cancelled meanwhile, only this future is; the writer still commits the record.
        await future

    def write_sync(self, record: Record) -> None:
        """Blocking `write`, for scripts and threads without an event loop."""
        row = _records.record_row(record, self.cipher, self.sealer)
        future: Future[None] = Future()
        self._writer.submit(row, future)
        future.result()

    @property
    def writer_stats(self) -> WriterStats:
        return self._writer.stats

    def reindex_reasons(self, chunk: int = 1000) -> int:
        """Rebuild `record_reasons` from every record's body, `chunk` records per transaction (migration 0016
        could not read bodies encrypted at rest; this store has the key). Returns the records read."""
        after: str | None = ""
        read = 0
        while after is not None:
            with self.engine.begin() as connection:
                after, n = _records.reindex_reasons_page(connection, after, chunk, self.cipher)
            read += n
        return read

    def get_record(self, record_id: str) -> Record:
        return _records.get_record(self.engine, record_id, self.cipher)

    def list_records(
        self,
        app: str | None = None,
        team: str | None = None,
        status: str | None = None,
        limit: int = 50,
        since: float | None = None,
        **more: Any,
    ) -> list[Record]:
        """Newest first. `more` takes the other `RecordFilter` fields (key_id, subject, until)."""
        where = RecordFilter(app=app, team=team, status=status, since=since, **more)
        return _records.list_records(self.engine, where, limit, self.cipher)

    def page_records(
        self, where: RecordFilter, after: tuple[float, str] | None = None, limit: int = 50, scan: int = 5000
    ) -> RecordPage:
        """Newest first from the keyset position `after`; a reason or text filter examines at most `scan` rows."""
        return _records.page_records(self.engine, where, after, limit, scan, self.cipher)

    def iter_records(
        self, app: str | None = None, team: str | None = None, status: str | None = None, **more: Any
    ) -> Iterator[Record]:
        """Oldest first, streamed in chunks (for export)."""
        where = RecordFilter(app=app, team=team, status=status, **more)
        return _records.iter_records(self.engine, where, cipher=self.cipher)

    def count_records(
        self, app: str | None = None, team: str | None = None, status: str | None = None, **more: Any
    ) -> int:
        return _records.count_records(self.engine, RecordFilter(app=app, team=team, status=status, **more))

    def add_feedback(self, record_id: str, feedback: Feedback) -> None:
        _records.add_feedback(self.engine, record_id, feedback)

    def page_feedback(self, **where: Any) -> list[dict[str, Any]]:
        """Feedback newest first with its record's app (`team`, `apps`, `since`, `until`, `below`, `before_id`,
        `limit`)."""
        return _records.page_feedback(self.engine, **where)

    def tokens_used(self, key_id: str) -> int:
        """Tokens (prompt + completion) recorded so far for a key, for its token budget."""
        return _keys.tokens_used(self.engine, key_id)

    def reserve_tokens(
        self,
        key_id: str,
        tokens: int,
        *,
        reservation_id: str | None = None,
        lease_s: float = _keys.RESERVATION_LEASE_S,
        owner: str = "",
    ) -> str | None:
        """Reserve part of a key's token budget for a request in flight, on a lease of `lease_s` seconds;
        the reservation's id, or None when the budget cannot cover it."""
        return _keys.reserve_tokens(
            self.engine, key_id, tokens, reservation_id=reservation_id, lease_s=lease_s, owner=owner
        )

    def release_tokens(self, reservation_id: str) -> None:
        """Give back a reservation once the request's record (which charges its tokens) is durable."""
        _keys.release_tokens(self.engine, reservation_id)

    def reserved_tokens(self, key_id: str) -> int:
        """Tokens of a key's budget held by live reservations (requests in flight, on any server)."""
        return _keys.reserved_tokens(self.engine, key_id)

    # -- API keys ------------------------------------------------------------------------------------------

    def create_key(
        self,
        role: str,
        name: str | None = None,
        apps: Iterable[str] = (),
        team: str = "default",
        rate_limit_rpm: int | None = None,
        token_budget: int | None = None,
        created_by: str | None = None,
        groups: Iterable[str] = (),
        owner: str | None = None,
        tx: Tx | None = None,
    ) -> tuple[str, KeyInfo]:
        """Create a key and return `(secret, info)`; the secret is not kept and cannot be shown again.

        No audit event is written here (the store sits below governance): `steward audit verify` reports such a
        key as made outside Steward. Create keys with `steward.governance.access.create_key`, as the CLI does
        (which passes its governance `tx`, so that the key and its audit event commit together).
        """
        return _keys.create_key(
            self.engine,
            role,
            name=name,
            apps=apps,
            groups=groups,
            team=team,
            rate_limit_rpm=rate_limit_rpm,
            token_budget=token_budget,
            created_by=created_by,
            owner=owner,
            connection=None if tx is None else tx._unit,
        )

    def find_key(self, secret: str, *, include_revoked: bool = False) -> KeyInfo | None:
        return _keys.find_key(self.engine, secret, include_revoked=include_revoked)

    def list_keys(self, team: str | None = None) -> list[KeyInfo]:
        return _keys.list_keys(self.engine, team)

    def revoke_key(self, id_or_prefix: str, *, tx: Tx | None = None) -> KeyInfo:
        """Revoke a key: in a unit of its own, or inside the caller's `tx` (beside its audit event). Its console
        sessions end with it (inside `tx`, in its unit)."""
        if tx is not None:
            info = _keys.revoke_key(self.engine, id_or_prefix, connection=tx._unit)
            tx.console.delete_key(info.id)
            return info
        info = _keys.revoke_key(self.engine, id_or_prefix)
        self.console.delete_key(info.id)
        return info

    def resolve_key(self, given: str) -> KeyInfo:
        """The key an id or secret prefix names (NotFound, or InvalidRequest when ambiguous)."""
        return _keys.resolve_key(self.engine, given)

    def key_evidence(self) -> list[KeyEvidence]:
        """Every API key as stored (who, and the digest of its governed columns), for `steward audit verify`."""
        return _keys.all_key_evidence(self.engine)

    def key_digest(self, key_id: str, *, tx: Tx) -> str | None:
        """The digest of a key's governed columns as stored, inside the caller's `tx` (its audit event records
        it as the key's state); None for a key that does not exist."""
        return _keys.stored_key_digest(tx._unit, key_id)

    def count_keys(self, *, active_only: bool = True) -> int:
        return _keys.count_keys(self.engine, active_only=active_only)


Database = Store | Tx
"""Where a function runs: on the store (its own unit of work) or inside a caller's unit of work (a `Tx`)."""
