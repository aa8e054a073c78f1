"""Retrieval: two-tenant access control, exact identifiers over look-alikes, hybrid ranking, grounded prompts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag_fixtures import KB, database_url, postgres_url, retriever  # noqa: F401
from steward.errors import PermissionDenied
from steward.rag import Retriever, reader_groups
from steward.rag.index import UsearchIndex
from steward.rag.search import find_identifiers, fuse
from steward.types import LOCAL_OPERATOR, Message, Principal

ACME = Principal(key_id="key_acme", role="app", team="acme", groups=("acme-claims",))
GLOBEX = Principal(key_id="key_globex", role="app", team="globex", groups=())


def write_tenant_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.jsonl").write_text(
        '{"id": "CLM-1001", "text": "Claim CLM-1001: water damage at 4 Elm Road, approved, payout 2,300 EUR."}\n'
        '{"id": "CLM-1002", "text": "Claim CLM-1002: stolen bicycle, rejected for lack of a police report."}\n'
    )
    (folder / "globex.jsonl").write_text(
        '{"id": "CLM-2001", "text": "Claim CLM-2001: water damage at 9 Oak Street, pending survey, '
        'reserve 8,000 EUR."}\n'
        '{"id": "CLM-2002", "text": "Claim CLM-2002: hail damage to a car roof, approved, payout 1,150 EUR."}\n'
    )


def test_two_tenants_only_ever_see_their_own_documents(retriever: Retriever, tmp_path: Path) -> None:  # noqa: F811
    write_tenant_docs(tmp_path / "claims")
    retriever.ingest("claims", [tmp_path / "claims" / "acme.jsonl"], ["acme-claims"])
    retriever.ingest("claims", [tmp_path / "claims" / "globex.jsonl"], ["team:globex"])
    for principal, own, other in ((ACME, "acme", "globex"), (GLOBEX, "globex", "acme")):
        for question in ("water damage claim", "Which claims were approved and what was paid?", "claim payout"):
            hits = retriever.search("claims", question, principal, top_k=10).hits
            assert hits and all(h.chunk.document_key.startswith(own) for h in hits), (principal.team, question)
        foreign_id = "CLM-2001" if own == "acme" else "CLM-1001"
        retrieval = retriever.search("claims", f"What is the status of claim {foreign_id}?", principal)
        assert retrieval.hits == [] or all(other not in h.chunk.document_key for h in retrieval.hits)
    everything = retriever.search("claims", "water damage claim", LOCAL_OPERATOR, top_k=10).hits
    assert {h.chunk.document_key.split(".")[0] for h in everything} == {"acme", "globex"}
    outsider = Principal(key_id="key_x", role="app", team="initech", groups=("initech",))
    with pytest.raises(PermissionDenied, match="may not read collection 'claims'"):
        retriever.search("claims", "water damage", outsider)


def test_a_foreign_identifier_declines_instead_of_leaking(retriever: Retriever, tmp_path: Path) -> None:  # noqa: F811
    write_tenant_docs(tmp_path / "claims")
    retriever.ingest("airport-kb", [tmp_path / "claims" / "acme.jsonl"], ["acme-claims"])
    retriever.ingest("airport-kb", [tmp_path / "claims" / "globex.jsonl"], ["team:globex"])
    retriever.project.collections["airport-kb"].identifiers["claim"] = r"\bCLM-\d{4}\b"
    grounding = retriever.prepare("airport-assistant", [Message("user", "Status of claim CLM-2001?")], ACME)
    assert grounding.sources == [] and grounding.decline is not None and "CLM-2001" in grounding.decline
    mine = retriever.prepare("airport-assistant", [Message("user", "Status of claim CLM-1001?")], ACME)
    assert mine.decline is None and [s.document_id for s in mine.sources] == ["acme.jsonl#CLM-1001"]


def test_reader_groups_add_the_team_and_the_local_operator_reads_all() -> None:
    assert reader_groups(ACME) == ("acme-claims", "team:acme")
    assert reader_groups(LOCAL_OPERATOR) is None


def test_exact_identifier_wins_over_look_alikes(retriever: Retriever) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB])
    grounding = retriever.prepare(
        "airport-assistant", [Message("user", "What is the status of PNR 290049223?")], LOCAL_OPERATOR
    )
    assert grounding.decline is None
    assert [s.document_id for s in grounding.sources] == ["bookings.jsonl#290049223"]
    assert grounding.sources[0].index == 1 and "XYH9902K" in grounding.sources[0].text
    # the look-alikes (290049232, 290094223, 209049223, 290049224) are similar to the question, never shown
    plain = retriever.search("airport-kb", "booking of Alan Smith pending", LOCAL_OPERATOR, top_k=6).hits
    assert {h.chunk.document_key for h in plain} >= {"bookings.jsonl#290049223", "bookings.jsonl#290049232"}


def test_a_missing_identifier_declines_without_sources(retriever: Retriever) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB])
    messages = [Message("user", "What is the status of PNR 290049999?")]
    grounding = retriever.prepare("airport-assistant", messages, LOCAL_OPERATOR)
    assert grounding.sources == []
    assert grounding.decline is not None and "PNR 290049999" in grounding.decline
    assert "available documents" in grounding.decline
    flight = retriever.prepare("airport-assistant", [Message("user", "Is EX999 on time?")], LOCAL_OPERATOR)
    assert flight.decline is not None and "flight EX999" in flight.decline


def test_two_identifiers_rank_the_record_with_both_first(retriever: Retriever) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB])
    grounding = retriever.prepare(
        "airport-assistant", [Message("user", "Is PNR 318820417 on flight EX502 and which gate?")], LOCAL_OPERATOR
    )
    keys = [s.document_id for s in grounding.sources]
    assert keys[0] == "bookings.jsonl#318820417"
    assert "flights.csv#EX502" in keys
    assert all("318820417" in s.text or "EX502" in s.text for s in grounding.sources)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How heavy may my cabin bag be?", "travel-policies.md"),
        ("Where can I find lost property?", "airport-guide.html"),
        ("Which booking is Alana Smith's?", "bookings.jsonl#290049232"),
        ("When does online check-in close?", "travel-policies.md"),
        ("How much does the long-stay car park cost per day?", "airport-guide.html"),
    ],
)
def test_hybrid_retrieval_puts_the_right_document_first(
    retriever: Retriever,  # noqa: F811
    question: str,
    expected: str,
) -> None:
    retriever.ingest("airport-kb", [KB])
    hits = retriever.search("airport-kb", question, LOCAL_OPERATOR).hits
    assert hits[0].chunk.document_key == expected
    assert 0 < hits[-1].score <= hits[0].score <= 1.0


def test_prepare_builds_a_numbered_grounded_prompt(retriever: Retriever) -> None:  # noqa: F811  # noqa: F811
    retriever.ingest("airport-kb", [KB])
    history = [
        Message("system", "ignored client system prompt"),
        Message("user", "Hi"),
        Message("assistant", "Hello! How can I help?"),
        Message("user", "How heavy may my cabin bag be?"),
    ]
    grounding = retriever.prepare("airport-assistant", history, LOCAL_OPERATOR)
    system, *turns = grounding.messages
    assert system.role == "system" and system.content.startswith("You are the booking assistant")
    assert "cite each fact" in system.content and "ignored client" not in system.content
    assert [m.role for m in turns] == ["user", "assistant", "user"]
    last = turns[-1].content
    assert (
        last.startswith("Sources:\n[1] ")
        and "[2] " in last
        and last.count("\n[") == len(grounding.sources) - 1 + 1
    )
    assert "Question: How heavy may my cabin bag be?" in last
    assert [s.index for s in grounding.sources] == list(range(1, len(grounding.sources) + 1))
    assert grounding.retrieval_ms > 0
    kept = [grounding.sources[0], grounding.sources[2]]
    recomposed = retriever.compose("airport-assistant", history, kept)[-1].content
    assert "[1] " in recomposed and "[3] " in recomposed and "[2] " not in recomposed


def test_identifier_patterns_and_fusion() -> None:
    patterns = {"PNR": r"PNR\s*(\d{9})", "flight": r"\b[A-Z]{2}\d{3,4}\b"}
    assert find_identifiers("PNR 290049223 on EX214, PNR 290049223 again", patterns) == {
        "290049223": "PNR",
        "EX214": "flight",
    }
    assert find_identifiers("call 555123456", patterns) == {}
    scores = fuse([([1, 2, 3], 1.0), ([3, 1], 1.0)], rrf_k=60)
    assert max(scores, key=scores.__getitem__) == 1 and scores[3] > scores[2]


def _clustered_unit_vectors(count: int, seed: int) -> np.ndarray:
    """Unit vectors with a low intrinsic dimension, as sentence embeddings have (a 16→384 map plus noise)."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, 16)) @ np.random.default_rng(0).standard_normal((16, 384))
    vectors += 0.3 * rng.standard_normal((count, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_the_quantised_graph_reranks_exactly_and_forgets_removed_chunks(tmp_path: Path) -> None:
    vectors = _clustered_unit_vectors(3000, seed=1)
    keys = np.arange(1, 3001, dtype=np.uint64)
    index = UsearchIndex(tmp_path, "vectors")
    assert index.dtype == "i8"  # the graph is quantised: the scores below can only be exact through the re-rank
    index.apply([], keys.tolist(), vectors, before=-2, after=1)
    hits = 0
    for query in _clustered_unit_vectors(20, seed=2):
        found = index.search(query, 10, None)
        exact = {int(keys[i]) for i in np.argsort(-(vectors @ query))[:10]}
        hits += len({key for key, _ in found} & exact)
        for key, score in found:
            assert score == pytest.approx(float(vectors[key - 1] @ query), abs=1e-5)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert hits / 200 >= 0.9
    query = vectors[41]  # chunk 42 itself, then removed: it must never come back, whatever the path
    assert index.search(query, 1, None)[0][0] == 42
    index.apply([42, *range(1000, 2800)], [], np.zeros((0, 384), np.float32), before=1, after=2)
    assert len(index.exact) == 3000 - 1801  # fewer than half the rows live: the exact copy was compacted
    assert 42 not in {key for key, _ in index.search(query, 10, None)}
    readable = np.asarray([k for k in range(1, 1000) if k % 2 == 0], dtype=np.uint64)
    filtered = index.search(query, 5, readable)
    assert len(filtered) == 5 and all(key % 2 == 0 and key != 42 for key, _ in filtered)
    for key, score in filtered:
        assert score == pytest.approx(float(vectors[key - 1] @ query), abs=1e-5)
    assert UsearchIndex(tmp_path, "vectors")._stamp() == 2  # the saved graph is loaded by the next process...
    assert UsearchIndex(tmp_path, "vectors", dtype="f32")._stamp() is None  # ...unless built with other settings


def test_lookup_only_records_need_their_identifier(retriever: Retriever) -> None:  # noqa: F811
    """A greeting or a name must not put someone's booking in front of the model; the PNR still finds it."""
    retriever.ingest("airport-kb", [KB])
    retriever.project.collections["airport-kb"].lookup_only = ["bookings.jsonl#*"]
    for question in ("Hello!", "booking of Alan Smith pending", "What is the status of my booking?"):
        hits = retriever.search("airport-kb", question, LOCAL_OPERATOR, top_k=6).hits
        assert hits and not [h for h in hits if h.chunk.document_key.startswith("bookings.jsonl")], question
    grounding = retriever.prepare(
        "airport-assistant", [Message("user", "What is the status of PNR 290049223?")], LOCAL_OPERATOR
    )
    assert [s.document_id for s in grounding.sources] == ["bookings.jsonl#290049223"]
    both = retriever.prepare(
        "airport-assistant", [Message("user", "Is PNR 318820417 on flight EX502?")], LOCAL_OPERATOR
    )
    assert {"bookings.jsonl#318820417", "flights.csv#EX502"} <= {s.document_id for s in both.sources}


def test_a_similarity_floor_leaves_small_talk_without_sources(retriever: Retriever) -> None:  # noqa: F811
    """Below `min_similarity`, the nearest rows are not sources: a greeting grounds on nothing, while questions
    on the knowledge base, and the question's identifiers, still find their chunks."""
    retriever.ingest("airport-kb", [KB])
    spec = retriever.project.collections["airport-kb"]
    assert retriever.search("airport-kb", "Hello!", LOCAL_OPERATOR).hits  # no floor: the nearest rows anyway
    spec.min_similarity = 0.25
    for small_talk in ("Hello!", "How are you?", "Tell me a joke"):
        assert not retriever.search("airport-kb", small_talk, LOCAL_OPERATOR).hits, small_talk
    baggage = retriever.search("airport-kb", "What is the baggage allowance?", LOCAL_OPERATOR).hits
    assert baggage and "23 kg" in baggage[0].chunk.text
    booking = retriever.prepare(
        "airport-assistant", [Message("user", "What is the status of PNR 290049223?")], LOCAL_OPERATOR
    )
    assert booking.sources[0].document_id == "bookings.jsonl#290049223"
