"""NUL (U+0000) in what a client sends: PostgreSQL refuses it in text columns, so a record naming it in an indexed
column was lost (session 14's attack: `"user": "u\\u0000"` got its answer while its record failed to write), and a
review comment holding one was a 500. Now the chat fields that name things are refused with a 400 that keeps its
record, a governance body with a NUL is a 400, and the store writes any record whose names hold one."""

from __future__ import annotations

import pytest
from tests.gateway_fixtures import (
    InProcessServer,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.review_fixtures import (
    TWO_PERSON,
    auth,
    decide,
    held,
    make_review_keys,
    review_keys,  # noqa: F401  (the module's `keys` fixture)
)

from steward.gateway.assemble import Runtime
from steward.store import Store
from steward.types import Record

pytest_plugins = ["tests.store_fixtures"]


runtime = module_runtime(TWO_PERSON, "nul")


def test_the_store_writes_a_record_whose_names_hold_a_nul(store: Store) -> None:
    record = Record.start("adv\x00ice")
    record.subject, record.team, record.status = "u\x00", "default", "failed"
    store.write_sync(record)
    row = store.get_record(record.id)
    assert (row.app, row.subject) == ("adv\x00ice", "u\x00")  # the body keeps the exact value


@pytest.mark.parametrize(("field", "value"), [("user", "u\x00"), ("model", "adv\x00ice")])
def test_a_nul_in_a_chat_name_is_a_400_with_its_record(
    server: InProcessServer, runtime: Runtime, field: str, value: str
) -> None:
    key = make_review_keys(runtime)["app"]
    body = {"model": "advice", "messages": [{"role": "user", "content": "hi"}], field: value}
    answer = server.http.post("/v1/chat/completions", headers=auth(key), json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["param"] == field and "NUL" in error["message"]
    record = runtime.store.get_record(answer.headers["x-steward-record-id"])
    assert record.status == "failed"


def test_a_nul_in_a_review_comment_is_a_400(server: InProcessServer, runtime: Runtime) -> None:
    keys = make_review_keys(runtime)
    item = held(runtime)
    refused = decide(server, keys["ana"], item.id, "approve", comment="fine\x00")
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["param"] == "comment"
    assert runtime.store.reviews.get_item(item.id).status == "pending"


def test_a_nul_in_a_feedback_comment_is_a_400(server: InProcessServer, runtime: Runtime) -> None:
    record = Record.start("advice")
    record.team, record.status = "default", "served"
    runtime.store.write_sync(record)
    body = {"record_id": record.id, "score": 1, "comment": "good\x00"}
    refused = server.http.post("/v1/feedback", headers=auth(make_review_keys(runtime)["admin"]), json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["param"] == "comment"
