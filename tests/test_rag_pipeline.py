"""The demo end to end through the governed pipeline (`steward.Client`): grounded answers and declines.

The scripted-model tests pin what the pipeline does with retrieval (declines skip the model, sources and the
grounding verdict land in the record, unsupported answers are replaced). The slow test asks the real local
model (Qwen2.5-Coder 1.5B through llama.cpp) the acceptance questions of the airport demo.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from model_fixtures import local_model_path
from steward.client import Client
from steward.config import Settings, load_project_text
from steward.gateway.assemble import open_runtime

COLLECTION = {
    "sources": ["steward:kb/airport"],
    "identifiers": {"PNR": r"\b\d{9}\b", "flight": r"\b[A-Z]{2}\d{3,4}\b"},
    "top_k": 3,
}
SYSTEM = (
    "You are the booking assistant of Example Airport. Answer travellers' questions about bookings and "
    "flights briefly and politely. When asked about a booking, give its status and its booking reference."
)


def project_text(model: dict, policy: str = "replace") -> str:
    return yaml.safe_dump(
        {
            "version": 1,
            "models": {"m": model},
            "collections": {"airport-kb": {**COLLECTION, "grounding": {"policy": policy}}},
            "apps": {
                "airport-assistant": {
                    "owner": "ops@example.com",
                    "purpose": "Answer booking questions.",
                    "route": [{"model": "m"}],
                    "rag": "airport-kb",
                    "prompt": {"system": SYSTEM},
                    "params": {"temperature": 0.0, "seed": 42, "max_tokens": 96},
                }
            },
        }
    )


def open_client(home: Path, text: str) -> Client:
    project = load_project_text(text, "test-steward.yaml")
    project.root = home
    return Client(runtime=open_runtime(project, Settings(home=home, database_url=f"sqlite:///{home / 's.db'}")))


@pytest.fixture
def scripted(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Client]:
    replies, policy = request.param
    client = open_client(tmp_path, project_text({"backend": "scripted", "replies": replies}, policy))
    yield client
    client.close()


@pytest.mark.parametrize(
    "scripted", [(["PNR 290049223 is Pending, booking reference XYH9902K [1]."], "replace")], indirect=True
)
def test_a_grounded_answer_keeps_its_sources_and_verdict(scripted: Client) -> None:
    result = scripted.chat("airport-assistant", "What is the status of PNR 290049223?")
    assert result.text.startswith("PNR 290049223 is Pending") and result.record.status == "served"
    assert [s.document_id for s in result.record.sources] == ["bookings.jsonl#290049223"]
    assert result.steward["sources"][0]["document"] == "bookings.jsonl#290049223"
    grounding = result.record.explanation["grounding"]
    assert grounding["supported"] is True and grounding["citations"] == [1]
    stored = scripted.runtime.store.get_record(result.record.id)
    assert stored.sources[0].chunk_id == result.record.sources[0].chunk_id
    assert stored.explanation["grounding"]["supported"] is True


@pytest.mark.parametrize(
    "scripted", [(["It is Confirmed, booking reference XYH9920K [1]."], "replace")], indirect=True
)
def test_an_unsupported_answer_is_replaced_and_a_missing_pnr_declines(scripted: Client) -> None:
    result = scripted.chat("airport-assistant", "What is the status of PNR 290049223?")
    assert "available documents" in result.text and result.record.status == "declined"
    assert result.record.output is not None
    assert result.record.explanation["grounding"]["supported"] is False
    missing = scripted.chat("airport-assistant", "What is the status of PNR 290049999?")
    assert missing.record.status == "declined" and "PNR 290049999" in missing.text
    assert missing.record.model is None and missing.record.usage.total_tokens == 0  # the model was not called


@pytest.mark.slow
def test_the_airport_demo_on_the_real_local_model(tmp_path: Path) -> None:
    path = local_model_path("qwen2.5-coder-1.5b-instruct-q4_k_m")
    model = {"backend": "llama_cpp", "path": str(path), "context_length": 4096, "n_threads": 2}
    with open_client(tmp_path, project_text(model)) as client:
        result = client.chat("airport-assistant", "What is the status of PNR 290049223?")
        text = result.text
        assert result.record.status == "served", (text, result.record.explanation)
        assert "pending" in text.lower() and "XYH9902K" in text and re.search(r"\[1\]", text), text
        assert result.record.explanation["grounding"]["supported"] is True
        assert result.record.sources[0].document_id == "bookings.jsonl#290049223"
        missing = client.chat("airport-assistant", "What is the status of PNR 290049999?")
        assert missing.record.status == "declined" and "PNR 290049999" in missing.text
        assert missing.record.model is None


@pytest.mark.parametrize(
    "scripted",
    [(["The core developers who voted on it were not explicitly mentioned in the given sources [1]."], "replace")],
    indirect=True,
)
def test_eval_counts_a_served_refusal_as_a_decline(scripted: Client) -> None:
    from steward.evals.retrieval import pipeline_answerer

    answer = pipeline_answerer(scripted, "airport-assistant")("Which gate does flight EX731 leave from?")
    assert answer.declined and answer.grounded is True  # served as the model said it, and counted as declining
    assert scripted.last_result.record.status == "served"
