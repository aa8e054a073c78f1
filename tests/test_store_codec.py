"""Record (de)serialisation: every nested slot survives, old and newer bodies stay readable."""

from __future__ import annotations

import orjson
import pytest
from tests.store_fixtures import full_record

from steward.errors import StoreError
from steward.store.codec import record_from_json, record_to_dict, record_to_json
from steward.types import Decision, Feedback, Finding, Latency, ModelRef, Record, Source, Usage


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
