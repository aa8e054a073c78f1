"""Where a request came from: evals, red-team scans and tests are marked in their records, and no training
dataset takes them unless its builder names them; records stored before the mark existed are marked from the
eval runs that name them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from tests.gateway_fixtures import make_runtime
from tests.gov_fixtures import PROJECT, Gov, gov_fixture  # noqa: F401
from typer.testing import CliRunner

from steward.cli import app as cli_app
from steward.cli import context
from steward.client import Client
from steward.errors import InvalidRequest
from steward.evals.cases import Case, run_cases
from steward.evals.metric_catalog import available
from steward.evals.pipeline import ClientPipeline
from steward.evals.redteam import scan
from steward.gateway.assemble import Runtime
from steward.gateway.requests import parse_chat_body
from steward.governance import datasets
from steward.store import Store
from steward.store.migrate import alembic_config
from steward.store.schema import records
from steward.types import Record, Turn


def _record(app: str, origin: str) -> Record:
    record = Record.start(app)
    record.team = "claims"
    record.origin = origin  # type: ignore[assignment]
    record.input = [Turn("user", f"a {origin} question")]
    record.output = "an answer"
    return record


def test_a_dataset_takes_only_traffic_unless_told_otherwise(gov: Gov, tmp_path: Path) -> None:
    made = {origin: _record("claims", origin) for origin in ("traffic", "eval", "redteam", "test")}
    for record in made.values():
        gov.store.write_sync(record)
    built = datasets.build_from_records(gov.store, gov.project, "claims", "sft", gov.alice, tmp_path / "a.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [r["record_id"] for r in rows] == [made["traffic"].id]
    assert built.excluded_by_origin == 3
    assert built.version.spec["origins"] == "only records from traffic (3 from elsewhere excluded)"

    wider = datasets.build_from_records(
        gov.store, gov.project, "claims", "sft-evals", gov.alice, tmp_path / "b.jsonl", origins=("traffic", "eval")
    )
    rows = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert {r["record_id"] for r in rows} == {made["traffic"].id, made["eval"].id}
    assert wider.excluded_by_origin == 2
    with pytest.raises(InvalidRequest, match="unknown origin production"):
        datasets.build_from_records(
            gov.store, gov.project, "claims", "x", gov.alice, tmp_path / "c.jsonl", origins=("production",)
        )


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path)
    yield rt
    rt.store.close()


def test_eval_and_redteam_runners_mark_their_records(runtime: Runtime) -> None:
    pipeline = ClientPipeline(Client(runtime=runtime))
    [answer] = run_cases(pipeline, "demo", [Case("c1", [{"role": "user", "content": "hi"}], 1)], {}, cache=False)
    assert answer.record_id and runtime.store.get_record(answer.record_id).origin == "eval"

    run = scan(pipeline, "demo", families=("pii_extraction",), parallelism=1)
    ids = [case.record_id for case in run.cases if case.record_id]
    assert ids and {runtime.store.get_record(i).origin for i in ids} == {"redteam"}
    with runtime.store.engine.connect() as conn:  # the column datasets filter on says the same
        column = conn.execute(select(records.c.origin).where(records.c.id.in_(ids))).scalars().all()
    assert set(column) == {"redteam"}

    traffic = Client(runtime=runtime).chat("demo", "hello")
    tests = Client(runtime=runtime, origin="test").chat("demo", "hello")
    assert (traffic.record.origin, tests.record.origin) == ("traffic", "test")


def test_an_http_caller_marks_its_test_traffic_in_metadata() -> None:
    body = {"model": "demo", "messages": [{"role": "user", "content": "hi"}], "metadata": {"origin": "test"}}
    assert parse_chat_body(body).origin == "test"
    assert parse_chat_body({**body, "metadata": {}}).origin == "traffic"
    with pytest.raises(InvalidRequest, match=r"metadata\.origin") as caught:
        parse_chat_body({**body, "metadata": {"origin": "prod"}})
    assert caught.value.param == "metadata.origin"


def test_records_from_before_the_mark_are_marked_from_the_eval_runs_that_name_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # a database as the previous Steward left it
        config = alembic_config()
        config.attributes["connection"] = conn
        for head in ("0004_evals", "0005_governance", "0006_rag_hnsw", "0007_review_release"):
            command.upgrade(config, head)
        for rid in ("rec_probe", "rec_case", "rec_user"):
            conn.execute(
                text(
                    "INSERT INTO records (id, created_at, app, status, prompt_tokens, completion_tokens, cost, "
                    "total_ms, consent, body) VALUES (:id, 1, 'demo', 'served', 0, 0, 0, 0, 1, '{}')"
                ),
                {"id": rid},
            )
        for run, kind, rid in (("evr_scan", "redteam", "rec_probe"), ("evr_suite", "suite", "rec_case")):
            conn.execute(
                text(
                    "INSERT INTO eval_runs (id, kind, name, app, created_at, finished_at, passed, cases, "
                    "versions, summary, gates, reports) "
                    "VALUES (:id, :kind, 'n', 'demo', 1, 1, 1, 1, '{}', '{}', '[]', '[]')"
                ),
                {"id": run, "kind": kind},
            )
            conn.execute(
                text(
                    "INSERT INTO eval_cases (run_id, position, case_id, record_id, input, prediction, scores, "
                    "tags, detail) VALUES (:run, 0, 'c', :rid, '[]', '', '{}', '[]', '{}')"
                ),
                {"run": run, "rid": rid},
            )
    engine.dispose()
    with Store.open(url) as store, store.engine.connect() as conn:  # opening migrates
        found = dict(conn.execute(select(records.c.id, records.c.origin)).all())
    assert found == {"rec_probe": "redteam", "rec_case": "eval", "rec_user": "traffic"}


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "steward.yaml").write_text(PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'steward.db'}")
    yield tmp_path


def test_dataset_build_on_the_command_line_names_what_it_left_out(cli_env: Path) -> None:
    old, probe, user = _record("claims", "traffic"), _record("claims", "redteam"), _record("claims", "traffic")
    old.created_at -= 30 * 86_400  # before the upgrade, say
    outside = context.Session()  # the store the commands open, as they resolve it
    for record in (old, probe, user):
        outside.open_store().write_sync(record)
    outside.close()

    def build(name: str, *extra: str) -> list[str]:
        out = cli_env / f"{name}.jsonl"
        args = ["registry", "dataset-build", "claims", "--name", name, "--out", str(out), *extra]
        result = CliRunner().invoke(cli_app, args)
        assert result.exit_code == 0, result.output
        assert "from evals, red-team scans or tests" in result.output
        return [json.loads(line)["record_id"] for line in out.read_text().splitlines()]

    assert build("default") == [old.id, user.id]
    assert build("probes", "--include-origin", "redteam") == [old.id, probe.id, user.id]
    since = datetime.fromtimestamp(user.created_at - 86_400).isoformat(timespec="seconds")
    assert build("recent", "--since", since) == [user.id]
    refused = CliRunner().invoke(
        cli_app, ["registry", "dataset-build", "claims", "--name", "x", "--out", "x.jsonl", "--since", "last week"]
    )
    assert refused.exit_code != 0 and "is not a date" in str(refused.exception or refused.output)


def test_the_readme_names_only_metrics_that_exist() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    examples = Path(__file__).resolve().parents[1] / "examples" / "evals" / "README.md"
    text = readme + (examples.read_text() if examples.exists() else "")
    lists = re.findall(r"--metrics ([\w,.]+)", text)
    assert lists  # the README shows `steward eval metrics … --metrics …`
    named = {name for group in lists for name in group.split(",") if name and name != "..."}
    assert named - set(available()) == set()
