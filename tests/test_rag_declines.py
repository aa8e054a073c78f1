"""Grounding declines that say which rule declined, fit the case, and agree streamed and not streamed (scripted
model, the bundled airport knowledge base, the demo's policy: e-mail addresses pseudonymised)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
import yaml
from tests.test_rag_pipeline import open_client
from tests.test_rag_stream import demo_text

from steward.client import Client
from steward.config.rag import DEFAULT_DECLINE, DEFAULT_UNSUPPORTED


def demo_with_policy(reply: str) -> str:
    """The scripted demo with the shipped demo's guardrail policy (input e-mails pseudonymised)."""
    project = yaml.safe_load(demo_text(reply))
    shipped = yaml.safe_load(resources.files("steward.defaults").joinpath("steward.yaml").read_text())
    project["policies"] = shipped["policies"]
    project["apps"]["airport-assistant"]["policy"] = "airport-default"
    return yaml.safe_dump(project)


@pytest.fixture
def client(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Client]:
    with open_client(tmp_path, demo_with_policy(request.param)) as opened:
        yield opened


EMAIL_REQUEST = "Please send my booking confirmation for PNR 290049223 to anna.berg@example.com"
ECHO = "Please send your booking confirmation for PNR 290049223 to <EMAIL_ADDRESS_1>."


@pytest.mark.parametrize("client", [ECHO], indirect=True)
def test_restating_the_users_request_and_address_is_not_an_unsupported_claim(client: Client) -> None:
    """Before: the echo scored 0.40 against the booking and the answer was declined, with only `pii:email_address`
    as its public reason (as if the address had caused it)."""
    result = client.chat("airport-assistant", EMAIL_REQUEST)
    assert result.record.status == "served", result.record.explanation["grounding"]
    assert result.text == ECHO.replace("<EMAIL_ADDRESS_1>", "anna.berg@example.com")
    assert result.steward["reasons"] == ["pii:email_address"]
    streamed = "".join(client.stream("airport-assistant", EMAIL_REQUEST))
    assert streamed == result.text and client.last_result.record.status == "served"


INVENTED = "Your booking for PNR 290049223 is Confirmed [1]. Your flight leaves from gate Z99 at 04:55 [1]."


@pytest.mark.parametrize("client", [INVENTED], indirect=True)
def test_a_grounding_decline_names_its_rule_and_says_sources_were_found(client: Client) -> None:
    result = client.chat("airport-assistant", EMAIL_REQUEST)
    assert result.record.status == "declined"
    assert "grounding:unsupported" in result.steward["reasons"]  # before: only pii:email_address
    assert result.text == DEFAULT_UNSUPPORTED and "check the reference you gave" not in result.text
    stored = client.runtime.store.get_record(result.record.id)
    assert "grounding:unsupported" in {r for d in stored.decisions for r in d.reasons}
    streamed = "".join(client.stream("airport-assistant", EMAIL_REQUEST))
    after = client.last_result
    assert after.record.status == "declined" and "grounding:unsupported" in after.steward["reasons"]
    assert streamed.endswith(DEFAULT_UNSUPPORTED) and "Z99" not in streamed


@pytest.mark.parametrize("client", ["Anything."], indirect=True)
def test_an_identifier_found_nowhere_declines_with_its_own_reason(client: Client) -> None:
    result = client.chat("airport-assistant", "What is the status of PNR 290049999?")
    assert result.record.status == "declined" and "PNR 290049999" in result.text
    assert result.steward["reasons"] == ["grounding:not_found"]
    assert result.text != DEFAULT_DECLINE


LATE_REFUSAL = "The lounge serves champagne all night long. I can't find that in the available documents."


@pytest.mark.parametrize("client", [LATE_REFUSAL], indirect=True)
def test_streamed_and_unstreamed_answers_reach_the_same_status(client: Client) -> None:
    """A claim before a refusal is judged as streamed (where it is released before the refusal is written)."""
    question = "What does the lounge in terminal 2 serve at night?"
    unstreamed = client.chat("airport-assistant", question)
    "".join(client.stream("airport-assistant", question))
    streamed = client.last_result
    assert unstreamed.record.sources and unstreamed.record.status == streamed.record.status == "declined"
    assert "champagne" not in unstreamed.text
