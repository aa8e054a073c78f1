"""A grounded app's answer, streamed sentence by sentence as each passes the grounding check, and never citing
a source that was not given (scripted model, the bundled airport knowledge base)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.test_rag_pipeline import open_client, project_text

from steward.client import Client


def demo_text(reply: str) -> str:
    """The pipeline tests' project with the demo's `min_similarity`, so small talk grounds on nothing."""
    project = yaml.safe_load(project_text({"backend": "scripted", "replies": [reply]}))
    project["collections"]["airport-kb"]["min_similarity"] = 0.25
    return yaml.safe_dump(project)


@pytest.fixture
def client(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Client]:
    with open_client(tmp_path, demo_text(request.param)) as opened:
        yield opened


SUPPORTED = "PNR 290049223 is Pending [1]. The booking reference is XYH9902K [1]."


@pytest.mark.parametrize("client", [SUPPORTED], indirect=True)
def test_a_grounded_stream_releases_each_checked_sentence(client: Client) -> None:
    pieces = list(client.stream("airport-assistant", "What is the status of PNR 290049223?"))
    assert len(pieces) >= 2, pieces  # before: the whole answer in one piece, after the model had finished
    assert pieces[0].startswith("PNR 290049223 is Pending [1].") and "XYH9902K" not in pieces[0]
    assert "".join(pieces) == SUPPORTED
    record = client.last_result.record
    assert record.status == "served" and record.output == SUPPORTED
    grounding = record.explanation["grounding"]
    assert grounding["supported"] is True  # the whole answer's verdict, as for a request that is not streamed
    windows = grounding["stream"]["windows"]
    assert len(windows) == 2 and all(w["supported"] and w["released"] for w in windows)


INVENTED = "PNR 290049223 is Pending [1]. Please go to gate Z99 at 04:55 [1]. Have a nice flight."


@pytest.mark.parametrize("client", [INVENTED], indirect=True)
def test_a_streamed_sentence_that_fails_the_check_is_withheld_with_the_rest(client: Client) -> None:
    streamed = "".join(client.stream("airport-assistant", "What is the status of PNR 290049223?"))
    assert streamed.startswith("PNR 290049223 is Pending [1].")
    assert "Z99" not in streamed and "nice flight" not in streamed
    assert "available documents" in streamed  # the policy's decline follows what was released
    record = client.last_result.record
    assert record.status == "declined" and record.output == INVENTED  # the record keeps the whole answer
    stream = record.explanation["grounding"]["stream"]
    assert stream["withheld"] is True
    assert [w["released"] for w in stream["windows"]] == [True, False]


OFF_TOPIC = "You could buy index funds [1][2]. Diversify your savings [3]."


@pytest.mark.parametrize("client", [OFF_TOPIC], indirect=True)
def test_an_answer_never_cites_a_source_that_was_not_given(client: Client) -> None:
    result = client.chat("airport-assistant", "What stocks are good investments right now?")
    assert result.record.sources == []  # nothing retrieved: the model saw "(no sources were found)"
    assert result.text == "You could buy index funds. Diversify your savings."
    assert result.record.explanation["grounding"]["citations_removed"] == [1, 2, 3]
    streamed = "".join(client.stream("airport-assistant", "What stocks are good investments right now?"))
    assert streamed == "You could buy index funds. Diversify your savings."
    assert client.last_result.record.explanation["grounding"]["stream"]["citations_removed"] == [1, 2, 3]


def test_citation_markers_that_name_no_given_source_are_stripped() -> None:
    from steward.rag.grounding import strip_citations

    assert strip_citations("Gate B12 [1][4]. Terminal 2 [2].", {1, 2}) == ("Gate B12 [1]. Terminal 2 [2].", [4])
    assert strip_citations("Use items[1] here [1].", set()) == ("Use items[1] here.", [1])  # an index stays
