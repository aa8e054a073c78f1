"""A/B comparison: paired-bootstrap intervals and verdicts; stored runs round-trip on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.postgres_fixtures import database_url, postgres_url  # noqa: F401
from typer.testing import CliRunner

from steward.errors import InvalidRequest, NotFound
from steward.evals.compare import compare_runs, overall, paired_interval, verdict_of
from steward.evals.report import publish, run_from_payload, run_payload
from steward.store import Store
from steward.store import evals as evals_tables
from steward.store.evals import StoredCase, StoredRun


def _run(run_id: str, values: dict[str, list[float | None]], higher: dict[str, bool] | None = None) -> StoredRun:
    n = len(next(iter(values.values())))
    cases = [
        StoredCase(
            position=i,
            case_id=f"c{i}",
            input=[{"role": "user", "content": f"q{i}"}],
            prediction=f"a{i}",
            scores={k: v[i] for k, v in values.items()},
            record_id=f"rec_{i}",
            status="served",
            tags=["faq"],
        )
        for i in range(n)
    ]
    summary = [
        {
            "name": k,
            "value": float(np.mean([x for x in v if x is not None])),
            "higher_is_better": (higher or {}).get(k, True),
            "scored": n,
            "unscored": 0,
        }
        for k, v in values.items()
    ]
    return StoredRun(
        id=run_id,
        kind="suite",
        name="faq",
        app="airport-assistant",
        created_at=1.0,
        finished_at=2.0,
        passed=True,
        versions={"prompt_version": "sha256:abc"},
        summary=summary,
        gates=[],
        dataset="faq.jsonl",
        dataset_hash="sha256:" + "0" * 64,
        cases=cases,
    )


def test_paired_interval_matches_a_direct_bootstrap_of_the_mean_difference() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, 200)
    b = np.clip(a + rng.normal(0.05, 0.1, 200), 0, 1)
    delta, low, high = paired_interval(a, b, seed=1)
    assert delta == pytest.approx(np.mean(b - a))
    diffs = b - a
    resampled = [np.mean(diffs[rng.integers(0, 200, 200)]) for _ in range(4000)]
    assert low == pytest.approx(np.percentile(resampled, 2.5), abs=0.006)
    assert high == pytest.approx(np.percentile(resampled, 97.5), abs=0.006)
    assert low < delta < high


def test_verdicts_follow_the_metric_direction() -> None:
    assert verdict_of(0.01, 0.05, higher_is_better=True) == "better"
    assert verdict_of(0.01, 0.05, higher_is_better=False) == "worse"
    assert verdict_of(-0.05, -0.01, higher_is_better=False) == "better"
    assert verdict_of(-0.01, 0.02, higher_is_better=True) == "no significant difference"
    assert verdict_of(None, None, higher_is_better=True) == "not testable"


def test_compare_pairs_cases_by_id_and_gives_verdicts() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(0.3, 0.7, 60)
    a = _run(
        "evr_a",
        {"faithfulness": list(base), "rougeL": list(base), "latency_mean_ms": [100.0] * 60},
        {"latency_mean_ms": False},
    )
    b = _run(
        "evr_b",
        {
            "faithfulness": list(base + 0.2),
            "rougeL": list(base + rng.normal(0, 0.01, 60)),
            "latency_mean_ms": [150.0] * 60,
        },
        {"latency_mean_ms": False},
    )
    b.cases.reverse()  # pairing is by case id, not position
    deltas = {d.name: d for d in compare_runs(a, b)}
    assert deltas["faithfulness"].verdict == "better"
    assert deltas["faithfulness"].delta == pytest.approx(0.2)
    assert deltas["rougeL"].verdict == "no significant difference"
    assert deltas["latency_mean_ms"].verdict == "worse"
    assert deltas["faithfulness"].pairs == 60
    assert overall(list(deltas.values())) == "B is worse on latency_mean_ms and better on faithfulness"


def test_compare_refuses_runs_without_common_cases_or_metrics() -> None:
    a = _run("evr_a", {"faithfulness": [0.5, 0.6]})
    b = _run("evr_b", {"rougeL": [0.5, 0.6]})
    with pytest.raises(InvalidRequest, match="no metric in common"):
        compare_runs(a, b)
    c = _run("evr_c", {"faithfulness": [0.5, 0.6]})
    for case in c.cases:
        case.case_id = "other-" + case.case_id
    with pytest.raises(InvalidRequest, match="share no case ids"):
        compare_runs(a, c)


def test_runs_round_trip_through_the_store(database_url: str) -> None:  # noqa: F811
    with Store.open(database_url) as opened:
        run = _run("evr_roundtrip", {"faithfulness": [0.5, None, 1.0]})
        opened.evals.save_run(run)
        loaded = opened.evals.get_run("evr_round")
        assert loaded.summary == run.summary and loaded.versions == run.versions
        assert [c.scores for c in loaded.cases] == [c.scores for c in run.cases]
        assert [c.record_id for c in loaded.cases] == ["rec_0", "rec_1", "rec_2"]
        assert [r.id for r in opened.evals.list_runs(app="airport-assistant")] == ["evr_roundtrip"]
        with pytest.raises(NotFound, match="no stored run matches 'evr_nothing'"):
            opened.evals.get_run("evr_nothing")
        with pytest.raises(Exception):  # noqa: B017 - the same id twice must not half-write a second run
            opened.evals.save_run(_run("evr_roundtrip", {"faithfulness": [0.1] * 5}))
        assert len(opened.evals.get_run("evr_roundtrip").cases) == 3
        opened.evals.cache_put("k" * 64, {"text": "cached"})
        opened.evals.cache_put("k" * 64, {"text": "newer"})
        assert opened.evals.cache_get("k" * 64) == {"text": "newer"}


def test_publish_writes_reports_only_with_a_committed_run(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as opened:
        run = _run("evr_pub", {"faithfulness": [0.5, 0.9, 1.0], "rougeL": [0.2, 0.4, 0.3]})
        run.gates = [
            {
                "gate": "faithfulness >= 0.8",
                "metric": "faithfulness",
                "op": ">=",
                "threshold": 0.8,
                "value": 0.8,
                "passed": True,
            }
        ]
        paths = publish(opened, run, tmp_path / "reports")
        html = Path(paths["html"]).read_text(encoding="utf-8")
        assert "data:image/png;base64," in html and "evr_pub" in html and "faithfulness &gt;= 0.8" in html
        payload = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
        assert run_from_payload(payload).cases[1].scores == {"faithfulness": 0.9, "rougeL": 0.4}
        with pytest.raises(Exception):  # noqa: B017 - a failed commit leaves no report files behind
            publish(opened, run, tmp_path / "again")
        assert list((tmp_path / "again").iterdir()) == []


def test_compare_command_reads_json_reports(tmp_path: Path) -> None:
    from steward.cli.evals import app

    a = _run("evr_a", {"faithfulness": [0.2, 0.3, 0.25, 0.4, 0.3, 0.35]})
    b = _run("evr_b", {"faithfulness": [0.8, 0.9, 0.85, 0.9, 0.95, 0.9]})
    for run in (a, b):
        (tmp_path / f"{run.id}.json").write_text(json.dumps(run_payload(run)), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["compare", str(tmp_path / "evr_a.json"), str(tmp_path / "evr_b.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    [delta] = json.loads(result.stdout)
    assert delta["verdict"] == "better" and delta["low"] > 0


EVAL_TABLES = {"eval_runs", "eval_cases", "eval_cache"}


def _table_of(diff: object) -> str:
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    if str(item[0]).startswith(("modify_", "add_column", "remove_column")):
        return str(item[2])
    element = item[1]
    return str(getattr(getattr(element, "table", element), "name", ""))


def test_evals_migration_matches_the_declared_tables(database_url: str) -> None:  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with Store.open(database_url) as opened, opened.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), evals_tables.eval_runs.metadata)
    assert [d for d in diffs if _table_of(d) in EVAL_TABLES] == []
