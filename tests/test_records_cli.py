"""`steward records list / show / export` against a store on SQLite and PostgreSQL, found through the env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from tests.store_fixtures import full_record
from typer.testing import CliRunner

from steward.cli import records as records_cli
from steward.errors import NotFound
from steward.store import Store
from steward.store.codec import record_from_json
from steward.types import Feedback, Record

pytest_plugins = ["tests.store_fixtures"]


@pytest.fixture
def written(migrated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Record]]:
    """Three records in a fresh database that the CLI finds through STEWARD_DATABASE_URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", migrated_database_url)
    blocked = full_record(status="blocked", output=None, created_at=2_000.0)
    blocked.decisions[0].reasons = ["prompt_injection"]
    records = [
        full_record(created_at=1_000.0),
        blocked,
        full_record(app="claims-bot", created_at=3_000.0, output="Your claim is open."),
    ]
    with Store.open(migrated_database_url) as store:
        for record in records:
            store.write_sync(record)
        store.add_feedback(records[0].id, Feedback(score=-1, comment="gate moved", by="ops", at=4_000.0))
        records[0] = store.get_record(records[0].id)
    yield records


def test_list_shows_newest_first_and_filters(written: list[Record]) -> None:
    runner = CliRunner()
    result = runner.invoke(records_cli.app, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    positions = [next(i for i, line in enumerate(lines) if r.id in line) for r in reversed(written)]
    assert positions == sorted(positions)
    assert "prompt_injection" in result.stdout and "blocked" in result.stdout
    only = runner.invoke(records_cli.app, ["list", "--app", "claims-bot", "--json"])
    assert [r["id"] for r in orjson.loads(only.stdout)] == [written[2].id]
    blocked = runner.invoke(records_cli.app, ["list", "--status", "blocked", "--json"])
    assert [r["status"] for r in orjson.loads(blocked.stdout)] == ["blocked"]
    assert len(orjson.loads(runner.invoke(records_cli.app, ["list", "--limit", "2", "--json"]).stdout)) == 2


def test_list_refuses_an_unknown_status(written: list[Record]) -> None:
    result = CliRunner().invoke(records_cli.app, ["list", "--status", "maybe"])
    assert result.exit_code == 2 and "served" in result.output


def test_show_renders_every_slot(written: list[Record]) -> None:
    record = written[0]
    result = CliRunner().invoke(records_cli.app, ["show", record.id])
    assert result.exit_code == 0, result.output
    for expected in (
        record.id,
        "Gate for BA117?",
        "Gate 23 [1].",
        "EMAIL_ADDRESS",
        "faq.md",
        "gate moved",
        "ab" * 32,
        "v3",
        "total 128.5",
        "attributions",
    ):
        assert expected in result.stdout, expected
    as_json = CliRunner().invoke(records_cli.app, ["show", record.id, "--json"])
    assert record_from_json(as_json.stdout) == record


def test_show_of_an_unknown_id_raises_not_found(written: list[Record]) -> None:
    result = CliRunner().invoke(records_cli.app, ["show", "rec_nope"])
    assert isinstance(result.exception, NotFound)


def test_export_jsonl_to_stdout_round_trips_oldest_first(written: list[Record]) -> None:
    result = CliRunner().invoke(records_cli.app, ["export", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    exported = [record_from_json(line) for line in result.stdout.splitlines()]
    assert exported == written


def test_export_to_a_file_with_an_app_filter(written: list[Record], tmp_path: Path) -> None:
    target = tmp_path / "out" / "airport.jsonl"
    result = CliRunner().invoke(records_cli.app, ["export", "--app", "airport-assistant", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "exported 2 records" in result.stderr
    assert [record_from_json(line).id for line in target.read_bytes().splitlines()] == [r.id for r in written[:2]]
    assert [p.name for p in target.parent.iterdir()] == ["airport.jsonl"]  # no partial file left behind


def test_export_is_never_renamed_over_a_pipe_or_into_a_made_up_tree(written: list[Record], tmp_path: Path) -> None:
    """The file is written beside its target and renamed over it: `--output /dev/null` run as root would have
    replaced the device (a pipe stands in for it here); a deep missing path is a typo, not folders to make."""
    import os
    import stat

    from steward.errors import InvalidRequest

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    refused = CliRunner().invoke(records_cli.app, ["export", "--output", str(pipe)])
    assert isinstance(refused.exception, InvalidRequest) and "no regular file" in str(refused.exception)
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    deep = CliRunner().invoke(records_cli.app, ["export", "--output", str(tmp_path / "a" / "b" / "x.jsonl")])
    assert isinstance(deep.exception, InvalidRequest) and "create it first" in str(deep.exception)
    assert not (tmp_path / "a").exists()


def test_export_refuses_an_unknown_format(written: list[Record]) -> None:
    result = CliRunner().invoke(records_cli.app, ["export", "--format", "csv"])
    assert result.exit_code == 2 and "jsonl" in result.output


def test_an_empty_list_says_whether_the_filters_matched_nothing_or_there_is_nothing(
    written: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filtered = CliRunner().invoke(records_cli.app, ["list", "--app", "claims-bot", "--status", "blocked"])
    assert filtered.exit_code == 0
    assert "no records match these filters" in filtered.output and "no records yet" not in filtered.output
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")  # a store with no records
    empty = CliRunner().invoke(records_cli.app, ["list", "--status", "blocked"])
    assert "no records yet" in empty.output and "match" not in empty.output
