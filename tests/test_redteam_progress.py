"""A long red-team scan reports as it goes: each family when it starts and its pass rate once judged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests import test_redteam
from typer.testing import CliRunner

from steward.evals.pipeline import ClientPipeline
from steward.evals.redteam import scan

FAMILIES = ("direct_injection", "pii_extraction")
pipeline = test_redteam.pipeline  # the red-team tests' fixture: their project, opened in-process


def test_scan_reports_each_family_as_it_is_judged(pipeline: ClientPipeline) -> None:
    events: list[tuple[str, int, Any]] = []
    counts: list[tuple[int, int]] = []
    run = scan(
        pipeline,
        "echo-app",
        families=FAMILIES,
        progress=lambda done, total: counts.append((done, total)),
        on_family=lambda name, probes, score: events.append((name, probes, score)),
    )
    assert [(name, score is None) for name, _, score in events] == [
        ("direct_injection", True),
        ("direct_injection", False),
        ("pii_extraction", True),
        ("pii_extraction", False),
    ]
    final = {s["name"]: s["value"] for s in run.summary}
    for name, probes, score in events[1::2]:
        assert score["value"] == final[f"{name}_pass_rate"] and score["scored"] <= probes
    total = sum(probes for _, probes, score in events if score is None)
    assert counts[-1] == (total, total) and [d for d, _ in counts] == sorted(d for d, _ in counts)
    assert events[1][2]["value"] == 0.0  # the partial result is the family's, as the final table says


def test_the_command_prints_a_line_per_family_when_not_on_a_terminal(
    pipeline: ClientPipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.cli.redteam import app

    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    args = ["echo-app", "--family", FAMILIES[0], "--family", FAMILIES[1]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "redteam echo-app: starting the gateway" in err
    assert "direct_injection:" in err and "probes…" in err
    assert "direct_injection: pass rate 0.00" in err and "first failure" in err
    assert "pii_extraction: pass rate 1.00" in err
    assert err.index("direct_injection: pass rate") < err.index("pii_extraction:")
