"""`steward monitor export` (issue 17, item 3): the rules as Prometheus alerting rules that promtool accepts,
and a Grafana dashboard that passes the schema."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from steward.monitor.export import DASHBOARD_SCHEMA

PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["hi"]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
monitor:
  alerts:
    errors: {app: "*", metric: error_rate, condition: "> 0.05", window: 5m, for: 2m, severity: critical}
    slow: {app: demo, metric: latency_p95_ms, condition: ">= 800", window: 10m}
    spend: {app: demo, metric: cost, condition: "> 25", window: 1h}
    complaints: {app: demo, metric: feedback_mean, condition: "< 0"}
"""


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    from steward.cli import app as cli

    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    rules, dashboard = tmp_path / "rules.yml", tmp_path / "dashboard.json"
    args = ["monitor", "export", "--prometheus", str(rules), "--grafana", str(dashboard)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return rules, dashboard, result.output


def test_the_rules_file_holds_every_rule_prometheus_can_see(exported: tuple[Path, Path, str]) -> None:
    rules, _, output = exported
    written = yaml.safe_load(rules.read_text(encoding="utf-8"))["groups"][0]["rules"]
    assert [r["alert"] for r in written] == ["errors", "slow", "spend"]
    errors = written[0]
    assert errors["for"] == "2m" and errors["labels"]["severity"] == "critical"
    assert 'status="failed"' in errors["expr"] and "> 0.05" in errors["expr"] and ">= 20" in errors["expr"]
    assert 'app="demo"' in written[1]["expr"] and "histogram_quantile(0.95" in written[1]["expr"]
    assert "left out complaints" in output  # feedback lives in the rollups only: no rule that cannot fire


def test_promtool_accepts_the_rules(exported: tuple[Path, Path, str]) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus); .ci/run installs it")
    checked = subprocess.run([promtool, "check", "rules", str(exported[0])], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 3 rules found" in checked.stdout


def test_the_dashboard_passes_the_schema(exported: tuple[Path, Path, str]) -> None:
    dashboard = json.loads(exported[1].read_text(encoding="utf-8"))
    jsonschema.validate(dashboard, DASHBOARD_SCHEMA)
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert "Latency" in titles and "Rule errors: error_rate > 0.05" in titles
    broken = {**dashboard, "panels": [{"id": 1, "type": "timeseries", "title": "x"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, DASHBOARD_SCHEMA)
