"""Record (de)serialisation: every nested slot survives, old and newer bodies stay readable."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from tests.store_fixtures import full_record

from steward.errors import StoreError
from steward.store import Store
from steward.store.codec import record_from_json, record_to_dict, record_to_json
from steward.store.schema import records
from steward.types import (
    Attempt,
    Decision,
    Feedback,
    Finding,
    Latency,
    ModelRef,
    Parameters,
    Record,
    Source,
    Turn,
    Usage,
)

pytest_plugins = ["tests.store_fixtures"]


def test_full_record_round_trips_with_nested_types() -> None:
    record = full_record()
    back = record_from_json(record_to_json(record))
    assert back == record
    assert isinstance(back.model, ModelRef)
    assert isinstance(back.usage, Usage) and back.usage.total_tokens == 38
    assert isinstance(back.latency, Latency)
    assert isinstance(back.decisions[0], Decision) and isinstance(back.decisions[0].findings[0], Finding)
    assert isinstance(back.sources[0], Source)
    assert isinstance(back.feedback[0], Feedback)


def test_minimal_record_round_trips() -> None:
    record = Record.start("a")
    assert record_from_json(record_to_json(record)) == record


def test_body_from_a_newer_version_drops_unknown_keys_and_fills_defaults() -> None:
    raw = record_to_dict(full_record())
    raw["added_in_a_later_version"] = {"x": 1}
    raw["decisions"][0]["findings"][0]["new_field"] = 3
    del raw["sources"]  # an older body that predates the slot
    del raw["latency"]["auth_ms"]
    back = record_from_json(orjson.dumps(raw))
    assert back.sources == []
    assert back.latency.auth_ms == 0.0 and back.latency.total_ms == 128.5
    assert back.decisions[0].findings[0].kind == "EMAIL_ADDRESS"


def test_integral_floats_come_back_as_floats() -> None:
    record = Record.start("a")
    record.cost = 2.0
    record.latency = Latency(total_ms=5.0)
    back = record_from_json(record_to_json(record))
    assert type(back.cost) is float and type(back.latency.total_ms) is float


def test_unserialisable_params_raise_a_store_error_naming_the_fix() -> None:
    record = Record.start("a")
    record.params = {"callback": object()}
    with pytest.raises(StoreError, match="JSON values"):
        record_to_json(record)


def test_corrupt_body_raises_store_error() -> None:
    with pytest.raises(StoreError, match="corrupt"):
        record_from_json(b"{not json")
    with pytest.raises(StoreError, match="corrupt"):
        record_from_json(b'{"id": "rec_1"}')  # created_at and app are required


# The body the record type wrote before its messages, parameters and attempts were typed (commit d22498d, when
# they were dicts), for the record `_golden()` builds. Typing them changed nothing that is stored.
BODY_BEFORE = (Path(__file__).parent / "data" / "record_body.json").read_text(encoding="utf-8").strip()
# What the typed record writes now: the body above plus the fields added since, each at its dataclass's end (a
# decision's `flagged`, issue 17: the rules whose finding reached its threshold; a model's `adapter` and
# `adapter_sha256`, issue 19: the LoRA file llama.cpp applied). Old bodies still decode.
BODY_NOW = re.sub(r'("turn":(?:null|\d+))}', r'\1,"flagged":null}', BODY_BEFORE).replace(
    '"remote_model":null}', '"remote_model":null,"adapter":null,"adapter_sha256":null}'
)


def _golden() -> Record:
    record = full_record(id="rec_golden", created_at=1_700_000_000.25, finished_at=1_700_000_000.3785)
    record.params = Parameters(
        temperature=0.2, top_p=None, seed=42, max_tokens=64, stop=["\n\n"], json_schema=False
    )
    record.attempts = [Attempt("qwen", "upstream answered 503", 12.346), Attempt("smollm2", None, 80.5)]
    return record


def test_typed_messages_parameters_and_attempts_store_the_same_json_as_before() -> None:
    record = _golden()
    assert BODY_NOW.count('"flagged":null') == len(record.decisions) > 0
    assert record_to_json(record).decode() == BODY_NOW
    back = record_from_json(BODY_BEFORE)  # a body written before the new fields
    assert back == record and isinstance(back.input[0], Turn) and isinstance(back.attempts[0], Attempt)
    assert back.input[1].content == "Gate for BA117?" and back.attempts[1].error is None
    assert record_to_json(back).decode() == BODY_NOW  # and back again, to the byte


def test_a_record_round_trips_through_the_store_byte_for_byte(store: Store) -> None:
    store.write_sync(_golden())
    back = store.get_record("rec_golden")
    assert back == _golden()
    assert record_to_json(back).decode() == BODY_NOW
    with store.engine.connect() as connection:  # the column itself, as another reader of the database sees it
        stored = connection.execute(select(records.c.body).where(records.c.id == "rec_golden")).scalar_one()
    assert stored == BODY_NOW


def test_a_record_refused_before_its_parameters_stores_empty_ones() -> None:
    record = Record.start("a")
    assert record_to_dict(record)["params"] == {} and record_from_json(record_to_json(record)).params == {}
