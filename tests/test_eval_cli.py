"""`steward eval metrics`: scoring users' own files, and clear messages for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.evals import app
from steward.errors import InvalidRequest
from steward.evals.api import score_file

runner = CliRunner()


def _write(tmp_path: Path, rows: list[object], name: str = "rows.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    {"id": "a", "prediction": "The gate closes at 10:40.", "references": ["The gate closes at 10:40."]},
    {"id": "b", "prediction": "Boarding starts soon.", "references": ["Boarding starts at 10:10.", "At 10:10."]},
    {"prediction": "No idea", "references": "Terminal 2"},
]


def test_metrics_json_gives_corpus_mean_and_per_row(tmp_path: Path) -> None:
    import sacrebleu

    path = _write(tmp_path, ROWS)
    result = runner.invoke(
        app, ["metrics", "--data", str(path), "--metrics", "bleu,rouge,exact_match", "--per-row", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    scores = {s["name"]: s for s in data["scores"]}
    streams = [
        [r["references"][0] if isinstance(r["references"], list) else r["references"] for r in ROWS],
        [None, "At 10:10.", None],
    ]
    expected = sacrebleu.corpus_bleu([r["prediction"] for r in ROWS], streams).score
    assert scores["bleu"]["value"] == pytest.approx(expected) and scores["bleu"]["corpus"] is True
    assert scores["exact_match"]["value"] == pytest.approx(1 / 3)
    assert [r["id"] for r in data["per_row"]] == ["a", "b", None]
    assert data["per_row"][0]["scores"]["exact_match"] == 1.0
    assert data["per_row"][2]["line"] == 3


def test_metrics_table_and_per_row_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, ROWS)
    result = runner.invoke(app, ["metrics", "--data", str(path), "--metrics", "exact_match,f1", "--per-row"])
    assert result.exit_code == 0, result.output
    assert "exact_match" in result.stdout
    assert "row 1 (line 1, a): exact_match=1.0000  f1=1.0000" in result.stdout


def test_metric_options_are_passed(tmp_path: Path) -> None:
    path = _write(tmp_path, ROWS)
    stemmed = score_file(path, "rouge", {"rouge": {"types": ["rouge1"], "measure": "recall"}})
    assert [s.name for s in stemmed.scores] == ["rouge1_recall"]
    result = runner.invoke(
        app, ["metrics", "--data", str(path), "--metrics", "rouge", "-o", "rouge.types=[rouge2]", "--json"]
    )
    assert [s["name"] for s in json.loads(result.stdout)["scores"]] == ["rouge2"]


@pytest.mark.parametrize(
    ("rows", "metrics", "message"),
    [
        (
            [ROWS[0], {"prediction": "x"}],
            "bleu",
            r"rows.jsonl:2: row 2: field 'references' is missing or empty; metric 'bleu' needs it",
        ),
        ([ROWS[0], "{not json"], "bleu", r"rows.jsonl:2: not valid JSON"),
        ([{"references": ["x"]}], "bleu", r"rows.jsonl:1: row 1: field 'prediction' is missing"),
        (
            [{"prediction": "x", "references": [1, 2]}],
            "bleu",
            r"rows.jsonl:1: row 1: field 'references' must be a list",
        ),
        (
            [ROWS[0]],
            "faithfulness",
            r"rows.jsonl:1: row 1: field 'context' is missing or empty; metric 'faithfulness'",
        ),
        ([{"prediction": "x", "latency_ms": "fast"}], "latency", r"field 'latency_ms' must be a number"),
        ([ROWS[0]], "bleu,nonsense", r"unknown metric 'nonsense'"),
        ([], "bleu", r"the file has no rows"),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path: Path, rows: list[object], metrics: str, message: str) -> None:
    path = _write(tmp_path, rows)
    with pytest.raises(InvalidRequest, match=message):
        score_file(path, metrics)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="no such file"):
        score_file(tmp_path / "absent.jsonl", "bleu")


def test_list_shows_every_builtin_metric() -> None:
    result = runner.invoke(app, ["list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for name in (
        "bleu",
        "chrf",
        "rouge",
        "faithfulness",
        "context_recall",
        "perplexity",
        "json_schema",
        "latency",
    ):
        assert name in result.stdout
