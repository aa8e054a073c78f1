"""Privacy of logs: under `redact_records` no record keeps personal data or a secret, whatever the outcome.

Blocked and held inputs are never redacted for the model (they never reach it), earlier turns of a conversation
are sent back by the client unscreened, a held answer is cut short, and a request can fail before its input is
screened: each of these once left clear text in the record.
"""

from __future__ import annotations

import pytest
from tests.gateway_fixtures import module_client, module_runtime, scripted_model  # noqa: F401

from steward.client import Client
from steward.errors import InvalidRequest
from steward.gateway.assemble import Runtime
from steward.guardrails.review import ReviewQueue
from steward.types import LOCAL_OPERATOR, Record

PROJECT = r"""
version: 1
models:
  scripted: {backend: scripted, replies: ["Your flight BA117 leaves from gate B12."]}
apps:
  private:
    owner: ops@example.com
    purpose: Answer travellers' questions about their flight bookings.
    route: [{model: scripted}]
    policy: private
    limits: {max_input_chars: 400}
  summaries:
    owner: ops@example.com
    purpose: Booking summaries as JSON.
    route: [{model: scripted}]
    policy: private
    response_schema: {type: object, required: [flight], properties: {flight: {type: string}}}
policies:
  private:
    redact_records: true
    input:
      pii: {mode: pseudonymise, block_entities: [CREDIT_CARD]}
      secrets: {action: block}
      topic:
        denied: ["investment advice about stocks and crypto"]
        threshold: 0.3
        action: escalate
    output:
      pii: {mode: mask}
      compliance:
        - name: guarantee
          when: ["guaranteed (returns?|profits?)"]
          otherwise: escalate
"""

NAME, EMAIL, CARD = "Anna Keller", "anna.keller@example.com", "4111 1111 1111 1111"
KEY = "sk-proj-Qm9vYmFyQmF6cXV4eHl6MTIzNDU2Nzg5MGFiY2RlZg"


runtime = module_runtime(PROJECT, "guard-records")


def _kept(runtime: Runtime, record_id: str) -> tuple[Record, str]:
    """The stored record and everything it and its review item say, as one string to search."""
    record = runtime.store.get_record(record_id)
    held = ""
    if record.status == "escalated":
        held = ReviewQueue(runtime.store).get(LOCAL_OPERATOR, record_id).held_text or ""
    return record, repr(record.input) + repr(record.output) + repr(record.decisions) + held


def test_a_blocked_input_is_kept_redacted(client: Client, runtime: Runtime) -> None:
    result = client.chat("private", f"I'm {NAME}, charge my card {CARD} please.")
    assert result.steward["status"] == "blocked"
    record, kept = _kept(runtime, result.record.id)
    assert NAME not in kept and "4111" not in kept
    assert record.input[-1].content == "I'm <PERSON_1>, charge my card <CREDIT_CARD_1> please."


def test_a_blocked_secret_is_not_kept(client: Client, runtime: Runtime) -> None:
    result = client.chat("private", f"My deploy key is {KEY}, can you check it?")
    assert result.steward["status"] == "blocked"
    _, kept = _kept(runtime, result.record.id)
    assert KEY not in kept and KEY[:12] not in kept


def test_a_held_input_is_kept_redacted_in_the_record_and_the_queue(client: Client, runtime: Runtime) -> None:
    result = client.chat("private", f"I'm {NAME} ({EMAIL}). Which stocks and crypto coins should I buy this year?")
    assert result.steward["status"] == "escalated"
    _, kept = _kept(runtime, result.record.id)
    assert NAME not in kept and EMAIL not in kept and "<EMAIL_ADDRESS_1>" in kept


def test_every_turn_of_a_conversation_is_kept_redacted(client: Client, runtime: Runtime) -> None:
    scripted_model(runtime).enqueue("Your flight leaves at 10:45.")
    conversation = [
        {"role": "user", "content": f"Hi, I'm {NAME}, e-mail {EMAIL}."},
        {"role": "assistant", "content": f"Hello {NAME}! I will write to {EMAIL}."},  # the client sends it back
        {"role": "user", "content": "When does my flight leave?"},
    ]
    result = client.chat("private", conversation)
    assert result.steward["status"] == "served"
    record, kept = _kept(runtime, result.record.id)
    assert NAME not in kept and EMAIL not in kept
    assert record.input[0].content == "Hi, I'm <PERSON_1>, e-mail <EMAIL_ADDRESS_1>."
    assert record.input[1].content == "Hello <PERSON_1>! I will write to <EMAIL_ADDRESS_1>."  # same pseudonyms


def test_a_held_answer_is_kept_redacted(client: Client, runtime: Runtime) -> None:
    scripted_model(runtime).enqueue(f"Guaranteed returns of 12%! Write to {EMAIL} to sign up.")
    result = client.chat("private", "What time does check-in open?")
    assert result.steward["status"] == "escalated"
    record, kept = _kept(runtime, result.record.id)
    assert EMAIL not in kept and record.output is not None and "<EMAIL_ADDRESS" in record.output


def test_a_held_streamed_answer_is_kept_redacted(client: Client, runtime: Runtime) -> None:
    scripted_model(runtime).enqueue(f"Sure. Guaranteed returns of 12%! Write to {EMAIL} to sign up.")
    "".join(client.stream("private", "What time does check-in open?"))
    assert client.last_result is not None and client.last_result.steward["status"] == "escalated"
    record, kept = _kept(runtime, client.last_result.record.id)
    assert EMAIL not in kept and record.output is not None and "<EMAIL_ADDRESS" in record.output


def test_an_input_that_failed_before_its_scan_is_kept_redacted(client: Client, runtime: Runtime) -> None:
    before = {r.id for r in runtime.store.list_records(app="private", limit=1000)}
    with pytest.raises(InvalidRequest, match="at most 400"):
        client.chat("private", f"I'm {NAME}, {EMAIL}. " + "Please help. " * 40)
    [record] = [r for r in runtime.store.list_records(app="private", limit=1000) if r.id not in before]
    assert record.status == "failed" and not record.decisions  # nothing was screened
    assert NAME not in repr(record.input) and EMAIL not in repr(record.input)


def test_a_failed_answer_keeps_no_personal_data_in_its_error(client: Client, runtime: Runtime) -> None:
    from steward.errors import StewardError

    before = {r.id for r in runtime.store.list_records(app="summaries", limit=1000)}
    for _ in range(2):  # the answer and the one re-ask, both rejected by the schema with the values in the message
        scripted_model(runtime).enqueue(f'{{"flight": ["{NAME}", "{EMAIL}"]}}')
    with pytest.raises(StewardError):
        client.chat("summaries", "Summarise my booking.")
    [record] = [r for r in runtime.store.list_records(app="summaries", limit=1000) if r.id not in before]
    assert record.status == "failed" and record.error
    assert EMAIL not in record.error and "<EMAIL_ADDRESS" in record.error
