"""Store fixtures for any area's tests: an open `Store` on SQLite and on PostgreSQL, and a fully filled record.

Use: `from tests.store_fixtures import database_url, postgres_url, store  # noqa: F401`; `store` runs the test
once per backend. `full_record()` fills every slot of a `Record`, nested ones included, so round-trip tests
notice a field that is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from steward.store import Store
from steward.types import Decision, Feedback, Finding, Latency, ModelRef, Record, Source, Usage
from tests.postgres_fixtures import database_url, postgres_url  # noqa: F401


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(database_url)
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
    record.input = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Gate for BA117?"}]
    record.output = "Gate 23 [1]."
    record.finish_reason = "stop"
    record.usage = Usage(prompt_tokens=31, completion_tokens=7)
    record.cost = 0.00042
    record.latency = Latency(auth_ms=0.1, guardrails_ms=3.5, retrieval_ms=4.25, model_ms=120.0, total_ms=128.5)
    record.stream = True
    finding = Finding(scanner="pii", kind="EMAIL_ADDRESS", score=0.93, stage="input", start=5, end=22, detail="x")
    record.decisions = [
        Decision(stage="input", action="redact", reasons=["pii.email"], findings=[finding], policy="default",
                 policy_version="2", scanner_ms={"pii": 2.5}, text="mail <EMAIL>"),
        Decision(stage="output", action="allow"),
    ]
    record.sources = [Source(document_id="doc1", chunk_id="doc1#3", score=0.81, text="Gate 23", uri="faq.md", index=1)]
    record.explanation = {"citations": [1], "attributions": {"doc1#3": 0.7}}
    record.feedback = [Feedback(score=1, comment="right gate", by="agent-7", at=1_700_000_000.5)]
    record.consent = False
    record.finished_at = record.created_at + 0.1285
    for name, value in overrides.items():
        setattr(record, name, value)
    return record
