"""`steward rag` commands: ingest, list, query, delete, eval (JSONL and SQuAD), and the schema check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from rag_fixtures import KB, PROJECT, database_url, postgres_url  # noqa: F401
from steward.cli.rag import app
from steward.store import Store
from steward.store import rag as sql

RAG_TABLES = {"rag_collections", "rag_documents", "rag_document_groups", "rag_chunks"}

SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Example_Airport",
            "paragraphs": [
                {
                    "context": "Example Airport opened in 1961 on the site of a former naval air station. "
                    "Its first "
                    "terminal was designed by the architect Ilse Marten.",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "When did Example Airport open?",
                            "answers": [{"text": "1961", "answer_start": 27}],
                            "is_impossible": False,
                        },
                        {
                            "id": "q2",
                            "question": "Who designed the first terminal?",
                            "answers": [{"text": "Ilse Marten", "answer_start": 120}],
                            "is_impossible": False,
                        },
                    ],
                },
                {
                    "context": "The airport's runway 09/27 is 3,200 metres long and was resurfaced in 2019.",
                    "qas": [
                        {
                            "id": "q3",
                            "question": "How long is runway 09/27?",
                            "answers": [{"text": "3,200 metres", "answer_start": 30}],
                            "is_impossible": False,
                        },
                        {
                            "id": "q4",
                            "question": "How many passengers used the airport in 1975?",
                            "answers": [],
                            "is_impossible": True,
                        },
                    ],
                },
            ],
        }
    ],
}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    config = tmp_path / "steward.yaml"
    config.write_text(yaml.safe_dump(PROJECT))
    monkeypatch.setenv("STEWARD_CONFIG", str(config))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    yield CliRunner()


def run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ingest_list_query_delete(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.toml").write_text("x = 1")
    out = run(cli, "ingest", "airport-kb", str(KB), str(tmp_path / "notes.toml"), "--json")
    report = json.loads(out)
    assert len(report["added"]) == 24 and report["skipped"][0]["path"].endswith("notes.toml")
    assert json.loads(run(cli, "ingest", "airport-kb", str(KB), "--json"))["unchanged"] == 24
    collections = json.loads(run(cli, "list", "--json"))
    assert collections[0]["name"] == "airport-kb" and collections[0]["documents"] == 24
    docs = json.loads(run(cli, "list", "airport-kb", "--json"))
    assert {"key", "uri", "version", "content_hash", "ingested_at", "groups"} <= set(docs[0])
    answer = json.loads(run(cli, "query", "airport-kb", "What is the status of PNR 290049223?", "--json"))
    assert answer["identifiers"] == {"290049223": "PNR"}
    assert [h["document"] for h in answer["hits"]] == ["bookings.jsonl#290049223"]
    assert "deleted 1 document(s)" in run(cli, "delete", "airport-kb", "bookings.jsonl#290049223")
    gone = json.loads(run(cli, "query", "airport-kb", "What is the status of PNR 290049223?", "--json"))
    assert gone["missing"] == ["290049223"] and gone["hits"] == []
    as_stranger = cli.invoke(app, ["query", "airport-kb", "gate", "--groups", "nobody", "--team", "x"])
    assert as_stranger.exit_code != 0 and "may not read collection" in str(as_stranger.exception)


def test_eval_on_jsonl_and_squad(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "ingest", "airport-kb", str(KB))
    data = tmp_path / "qa.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {
                    "question": "What is the status of PNR 290049223?",
                    "answers": ["Pending"],
                    "context_ids": ["bookings.jsonl#290049223"],
                },
                {
                    "question": "Which gate does flight EX731 leave from?",
                    "answers": ["C21"],
                    "context_ids": ["flights.csv#EX731"],
                },
                {"question": "What is the status of PNR 999999999?", "answers": []},
            ]
        )
    )
    report = json.loads(run(cli, "eval", "airport-kb", "--data", str(data), "--json"))
    assert report["recall@4"] == 1.0 and report["mrr"] == 1.0 and report["retrieval_decline_rate"] == 1.0
    assert report["mode"] == "retrieval only" and report["exact_match"] is None
    assert report["correct_decline_rate"] is None

    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps(SQUAD))
    ingested = json.loads(run(cli, "ingest", "history", str(squad), "--squad", "--json"))
    assert sorted(ingested["added"]) == ["Example_Airport#0", "Example_Airport#1"]
    result = json.loads(run(cli, "eval", "history", "--data", str(squad), "-k", "1", "--json"))
    assert result["questions"] == 4 and result["answerable"] == 3 and result["recall@1"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "no question field"}\n')
    failed = cli.invoke(app, ["eval", "history", "--data", str(bad)])
    assert failed.exit_code != 0 and "bad.jsonl:1: expected a JSON object" in str(failed.exception)


def test_rag_tables_match_their_migration(database_url: str) -> None:  # noqa: F811
    with Store.open(database_url) as store, store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), sql.rag_collections.metadata)

    def table(diff: object) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        element = item[1] if not str(item[0]).startswith(("modify_", "add_column", "remove_column")) else None
        return str(item[2]) if element is None else str(getattr(getattr(element, "table", element), "name", ""))

    ours = [d for d in diffs if table(d) in RAG_TABLES]
    # PostgreSQL-only parts exist only in the migration (the shared metadata is dialect-free): the generated
    # `tsv` column and the HNSW and GIN indexes.
    postgres_only = {"tsv", "ix_rag_chunks_embedding", "ix_rag_chunks_tsv"}

    def name(diff: object) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        return str(getattr(item[-1], "name", "")) if item[0] in ("remove_column", "remove_index") else ""

    assert [d for d in ours if name(d) not in postgres_only] == []
