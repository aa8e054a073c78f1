"""Ingestion: every format, provenance, incremental re-ingest, delete everywhere, bad input, no half-writes."""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from rag_fixtures import KB, database_url, postgres_url, retriever  # noqa: F401
from steward.errors import InvalidRequest, NotFound
from steward.rag import Retriever
from steward.rag.chunking import Chunker
from steward.rag.documents import Block
from steward.store import rag as sql
from steward.types import LOCAL_OPERATOR


def minimal_pdf(line: str) -> bytes:
    """A one-page PDF with one line of Helvetica text, offsets computed so pypdf reads it strictly."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write_formats(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("The VIP lounge is on the second floor.\n\nIt opens at 05:00 every day.")
    (folder / "guide.md").write_text(
        "# Guide\n\n## Pets\n\nSmall pets travel in the cabin in a carrier of 8 kg.\n"
    )
    (folder / "page.html").write_text(
        "<html><head><title>Prayer rooms</title><script>x()</script></head>"
        "<body><h1>Faith</h1><p>The prayer room is next to gate A4.</p></body></html>"
    )
    (folder / "terminal.pdf").write_bytes(minimal_pdf("Terminal 4 opens in spring 2027."))
    (folder / "desks.csv").write_text("desk,airline,zone\nD1,Example Air,North hall\nD2,Sample Jet,South hall\n")
    (folder / "faq.jsonl").write_text(json.dumps({"id": "wifi", "text": "Free wifi is called EXA-FREE."}) + "\n")


def test_ingest_reads_every_format_with_provenance(retriever: Retriever, tmp_path: Path) -> None:  # noqa: F811
    write_formats(tmp_path / "docs")
    report = retriever.ingest("misc", [tmp_path / "docs"])
    assert report.skipped == []
    docs = {d["key"]: d for d in retriever.documents("misc")}
    assert set(docs) == {
        "notes.txt",
        "guide.md",
        "page.html",
        "terminal.pdf",
        "desks.csv#D1",
        "desks.csv#D2",
        "faq.jsonl#wifi",
    }
    assert {d["kind"] for d in docs.values()} == {"txt", "md", "html", "pdf", "csv", "jsonl"}
    for doc in docs.values():
        assert doc["version"] == 1 and len(doc["content_hash"]) == 64 and doc["ingested_at"] > 0
        assert doc["uri"].startswith("file://") and doc["groups"] == ["team:default"]
    expectations = {
        "When does the VIP lounge open?": "notes.txt",
        "How heavy may a pet carrier be?": "guide.md",
        "Where is the prayer room?": "page.html",
        "When does Terminal 4 open?": "terminal.pdf",
        "Which airline is at desk D2?": "desks.csv#D2",
        "What is the wifi network called?": "faq.jsonl#wifi",
    }
    for question, key in expectations.items():
        hits = retriever.search("misc", question, LOCAL_OPERATOR, top_k=1).hits
        assert hits[0].chunk.document_key == key, question
    guide = retriever.search("misc", "pets in the cabin", LOCAL_OPERATOR, top_k=1).hits[0].chunk
    assert guide.text.startswith("Guide > Pets\n")  # the heading path travels with the chunk
    page = retriever.search("misc", "prayer room", LOCAL_OPERATOR, top_k=1).hits[0].chunk
    assert "x()" not in page.text  # scripts are not content


def test_reingest_touches_only_changed_documents(retriever: Retriever, tmp_path: Path) -> None:  # noqa: F811
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    first = retriever.ingest("airport-kb", [kb])
    assert first.updated == [] and len(first.added) == 24
    before = {d["key"]: d for d in retriever.documents("airport-kb")}
    with retriever.store.reading() as conn:
        version = conn.rag.collection_version("airport-kb")

    again = retriever.ingest("airport-kb", [kb])
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 24)
    with retriever.store.reading() as conn:
        assert conn.rag.collection_version("airport-kb") == version  # nothing written at all

    lines = (kb / "bookings.jsonl").read_text().splitlines()
    lines[0] = lines[0].replace("Pending", "Confirmed")
    del lines[-1]  # booking 611908245 leaves the file
    (kb / "bookings.jsonl").write_text("\n".join(lines) + "\n")
    third = retriever.ingest("airport-kb", [kb])
    assert third.updated == ["bookings.jsonl#290049223"]
    assert third.removed == ["bookings.jsonl#611908245"] and third.added == []
    after = {d["key"]: d for d in retriever.documents("airport-kb")}
    assert after["bookings.jsonl#290049223"]["version"] == 2
    assert after["bookings.jsonl#290049232"] == before["bookings.jsonl#290049232"]
    hit = retriever.search("airport-kb", "status of PNR 290049223", LOCAL_OPERATOR).hits[0]
    assert "Confirmed" in hit.chunk.text and "Pending" not in hit.chunk.text


def test_new_groups_rewrite_readers_without_reembedding(retriever: Retriever) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB / "flights.csv"])
    report = retriever.ingest("airport-kb", [KB / "flights.csv"], ["ops"])
    assert len(report.regrouped) == 10 and report.chunks == 0 and report.embed_seconds == 0
    assert {tuple(d["groups"]) for d in retriever.documents("airport-kb")} == {("ops",)}


def test_delete_removes_a_document_everywhere(retriever: Retriever) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB])
    with retriever.store.reading() as conn:
        chunk_ids = [h.chunk.id for h in retriever.search("airport-kb", "PNR 290049223", LOCAL_OPERATOR).hits]
    assert retriever.delete("airport-kb", "bookings.jsonl#290049223") == ["bookings.jsonl#290049223"]
    retrieval = retriever.search("airport-kb", "What is the status of PNR 290049223?", LOCAL_OPERATOR)
    assert retrieval.missing == ["290049223"] and retrieval.hits == []
    with retriever.store.reading() as conn:
        assert conn.rag.chunk_rows(chunk_ids) == {}
    if retriever.store.dialect == "sqlite":
        with retriever.store.engine.connect() as raw:  # the FTS table, which no repository reads directly
            fts = raw.execute(text("SELECT count(*) FROM rag_fts WHERE rag_fts MATCH '290049223'")).scalar()
        assert fts == 0
    index = retriever.searcher("airport-kb").index
    if index is not None:
        assert not any(index.index.contains(i) for i in chunk_ids)
    removed = retriever.delete("airport-kb", "flights.csv")  # a file's key deletes all its rows
    assert len(removed) == 10 and all(k.startswith("flights.csv#") for k in removed)
    with pytest.raises(NotFound, match="no document 'nope'"):
        retriever.delete("airport-kb", "nope")


def test_unreadable_files_are_reported_by_name_and_the_rest_ingests(retriever: Retriever, tmp_path: Path) -> None:  # noqa: F811
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Taxis\n\nThe taxi rank is outside door 3.")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "bad.jsonl").write_text('{"id": "a", "text": "fine"}\nnot json\n')
    (folder / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    report = retriever.ingest("misc", [folder, tmp_path / "missing.txt"])
    assert report.added == ["good.md"]
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert set(reasons) == {"logo.png", "broken.pdf", "bad.jsonl", "latin1.txt", "missing.txt"}
    assert "unsupported file type '.png'" in reasons["logo.png"]
    assert "line 2 is not JSON" in reasons["bad.jsonl"]
    assert "not UTF-8" in reasons["latin1.txt"]
    assert "No such file" in reasons["missing.txt"]


def test_a_failed_write_leaves_nothing_half_written(retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB / "flights.csv"])

    def broken_insert(repository, rows):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(sql.RagRepository, "insert_chunks", broken_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        retriever.ingest("airport-kb", [KB / "bookings.jsonl"])
    monkeypatch.undo()
    keys = {d["key"] for d in retriever.documents("airport-kb")}
    assert not any(k.startswith("bookings.jsonl") for k in keys) and len(keys) == 10
    with retriever.store.engine.connect() as raw:
        orphans = raw.execute(
            select(func.count())
            .select_from(sql.rag_chunks)
            .where(~sql.rag_chunks.c.document_id.in_(select(sql.rag_documents.c.id)))
        ).scalar()
    with retriever.store.reading() as tx:
        assert orphans == 0 and tx.rag.chunk_count("airport-kb") == 10
    assert retriever.search("airport-kb", "flight to Dubai", LOCAL_OPERATOR).hits  # the index still agrees


def test_bad_requests_get_clear_errors(retriever: Retriever) -> None:  # noqa: F811
    with pytest.raises(NotFound, match="is empty; add documents with `steward rag ingest airport-kb"):
        retriever.search("airport-kb", "anything", LOCAL_OPERATOR)
    retriever.ingest("airport-kb", [KB / "flights.csv"])
    with pytest.raises(InvalidRequest, match="at most 2000"):
        retriever.search("airport-kb", "why " * 600, LOCAL_OPERATOR)
    with pytest.raises(InvalidRequest, match="empty"):
        retriever.search("airport-kb", "   ", LOCAL_OPERATOR)
    with pytest.raises(InvalidRequest, match="reader group"):
        retriever.ingest("airport-kb", [KB / "flights.csv"], [" ", ""])
    with pytest.raises(InvalidRequest, match="collection name"):
        retriever.ingest("../etc", [KB / "flights.csv"])


def test_another_process_writing_makes_the_index_rebuild(retriever: Retriever) -> None:  # noqa: F811
    retriever.ingest("airport-kb", [KB / "flights.csv"])
    assert retriever.search("airport-kb", "flight to Dubai", LOCAL_OPERATOR).hits
    other = Retriever(retriever.project, retriever.settings, retriever.store, retriever.embedder)
    other.ingest("airport-kb", [KB / "bookings.jsonl"])  # a CLI ingest while the server runs
    hits = retriever.search("airport-kb", "Who is booked under PNR 455120983?", LOCAL_OPERATOR).hits
    assert hits[0].chunk.document_key == "bookings.jsonl#455120983"
    assert hits[0].vector_rank is not None  # found by the (rebuilt) vector index, not only by keywords


def test_chunks_respect_the_token_budget_with_overlap(retriever: Retriever) -> None:  # noqa: F811
    embedder = retriever.embedder
    chunker = Chunker(embedder, chunk_tokens=40, overlap_tokens=16)
    sentences = [f"Rule {n} says that passengers on deck {n} keep their belongings close." for n in range(12)]
    blocks = [Block(" ".join(sentences), "Rules"), Block("A short note.", "Other")]
    chunks = chunker.chunk(blocks)
    assert all(c.tokens <= 40 for c in chunks)
    assert all(embedder.count_tokens([c.text])[0] <= 40 for c in chunks)
    rules = [c for c in chunks if c.section == "Rules"]
    assert len(rules) > 3 and chunks[-1].section == "Other" and chunks[-1].text == "Other\nA short note."
    for previous, current in pairwise(rules):
        last_sentence = previous.text.splitlines()[-1].split(". ")[-1]
        assert last_sentence in current.text  # the overlap repeats the end of the previous chunk
    assert all(sentence.rstrip(".") in " ".join(c.text for c in rules) for sentence in sentences)
    tight = [c.text for c in Chunker(embedder, chunk_tokens=40, overlap_tokens=8).chunk(blocks[:1])]
    for previous, current in pairwise(tight):
        tail = previous.split()[-1]
        assert tail in current.split("\n", 1)[1].split()[:8]  # a sentence too long to repeat: its last tokens
    monster = Block("x" * 3000)
    assert all(c.tokens <= 40 for c in chunker.chunk([monster]))
