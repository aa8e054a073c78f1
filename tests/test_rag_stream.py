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


class _Passing:
    """A retriever whose grounding check passes every window (the release timing is what is tested here)."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def check(self, app: str, window: str, sources: list, question: str = "") -> object:
        self.checked.append(window)
        return type("Verdict", (), {"supported": True, "score": 1.0, "declined": False, "replacement": None})()

    def strip_citations(self, text: str, sources: list) -> tuple[str, list[int]]:
        return text, []


def test_a_sentence_is_released_as_soon_as_the_output_guard_releases_it() -> None:
    """The output guard cuts "… 23 kg." before the space that follows it: the grounded release must not wait for
    that space, i.e. for the next sentence (before: every sentence came out one sentence late)."""
    from steward.gateway.grounded import GroundedRelease
    from steward.types import Source

    retriever = _Passing()
    release = GroundedRelease(retriever, "app", [Source("d", "1", 1.0, "The allowance is 23 kg.", index=1)])
    assert release.feed("The baggage allowance is 23 kg.") == "The baggage allowance is 23 kg."
    assert release.feed(" This includes one bag.") == " This includes one bag."
    assert retriever.checked == ["The baggage allowance is 23 kg.", " This includes one bag."]


@pytest.mark.parametrize("held", ["The fee is 23.", "Bring a document, e.g.", "Ask Dr."])
def test_a_window_that_may_go_on_is_held(held: str) -> None:
    """A decimal point ("23.5 kg") or an abbreviation is not a sentence end: the rest is awaited."""
    from steward.gateway.grounded import GroundedRelease

    release = GroundedRelease(_Passing(), "app", [])
    assert release.feed(held) == ""
    assert release.feed("5 kg or a passport. Next") == held + "5 kg or a passport."


def test_the_output_guard_and_the_grounded_release_cut_at_the_same_places() -> None:
    from steward.language import cut_window

    text = "It is 23.5 kg, e.g. one bag. Ask Dr. Smith at gate B12. Then"
    cut = cut_window(text)
    assert text[:cut] == "It is 23.5 kg, e.g. one bag. Ask Dr. Smith at gate B12."
    assert cut_window(text[:cut], at_end=True) == len("It is 23.5 kg, e.g. one bag.")  # "B12." may go on


def test_a_window_of_the_output_guard_is_checked_when_it_arrives() -> None:
    """Fed by the output guard, a window that ends in "B12." is complete: the guard saw the space after it."""
    from steward.gateway.grounded import GroundedRelease

    release = GroundedRelease(_Passing(), "app", [], windowed=True)
    assert release.feed("Your flight leaves from gate B12.") == "Your flight leaves from gate B12."


FRIENDLY = "Thank you, you too! Let me know if I can help with your booking."


@pytest.mark.parametrize("client", [FRIENDLY], indirect=True)
@pytest.mark.parametrize("turn", ["Thanks, have a nice day!", "Nice to meet you!"])
def test_small_talk_is_answered_without_retrieval_or_grounding_check(client: Client, turn: str) -> None:
    """Before: "nice" matched the flight to Nice (EX381), and the friendly reply, checked against it, was declined
    ("I can't find that in the available documents")."""
    result = client.chat("airport-assistant", turn)
    assert result.record.status == "served" and result.text == FRIENDLY
    assert result.record.sources == [] and "grounding" not in (result.record.explanation or {})
    assert result.record.explanation["retrieval"] == {"skipped": "small talk"}
    streamed = "".join(client.stream("airport-assistant", turn))
    assert streamed == FRIENDLY and client.last_result.record.status == "served"


NICE_INVESTMENT = "Nice is a great place to buy flats; prices rise 8% a year."


@pytest.mark.parametrize("client", [NICE_INVESTMENT], indirect=True)
def test_a_question_that_only_shares_a_word_with_small_talk_is_still_grounded(client: Client) -> None:
    result = client.chat("airport-assistant", "Is Nice a good place to buy a flat?")
    assert result.record.sources  # retrieved: not small talk
    assert result.record.status == "declined" and "Nice is a great place" not in result.text
    assert result.record.explanation["grounding"]["supported"] is False
