"""The management API's drift runs and silences (issue 18): `POST /v1/monitor/drift` answers what `steward monitor
drift --json` prints; silences are listed, set (with who, why, until) and lifted as the caller's key and audited
as the CLI's `monitor.silence` / `monitor.unsilence`; auditors list and never act, another team's alert or app
answers 404, bad input is a 400 that says what to send."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from typer.testing import CliRunner

from steward import RemoteClient
from steward.config.monitor import MonitorSpec
from steward.errors import InvalidRequest, NotFound
from steward.gateway.assemble import Runtime
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.monitor.alerts import AlertEvaluator
from steward.monitor.notify import Notifier
from steward.monitor.worker import RollupWorker
from steward.types import Latency, Record, Turn

PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["Your booking is confirmed."]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
  theirs: {owner: a@b.c, purpose: test, team: other, route: [{model: m}]}
"""
RULES = {"alerts": {"errors": {"app": "*", "metric": "error_rate", "condition": "> 0.5", "min_requests": 5}}}
REFERENCE, CURRENT = "2027-01-15T08:00..2027-01-15T09:00", "2027-01-17T15:30..2027-01-17T16:30"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path, PROJECT)
    yield rt
    rt.store.close()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[InProcessServer]:
    with InProcessServer(runtime) as in_process:
        yield in_process


@pytest.fixture
def keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, team in [
        ("dev", "developer", "default"),
        ("auditor", "auditor", "default"),
        ("other", "admin", "other"),
    ]:
        made[name] = access.create_key(runtime.store, Actor.user("alice"), role, name=name, team=team)[0]
    return made


def _call(server: InProcessServer, key: str, method: str, path: str, **kwargs: Any) -> Any:
    return server.http.request(method, path, headers={"authorization": f"Bearer {key}"}, **kwargs)


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def _firing(runtime: Runtime) -> dict[str, str]:
    """An `errors` alert firing now for each app: {app: alert id}."""
    for app in ("demo", "theirs"):
        for i in range(10):
            record = Record.start(app)
            record.team = runtime.project.apps[app].team
            record.created_at = time.time() - 30 + i * 0.5
            record.status = "failed"  # type: ignore[assignment]
            record.latency = Latency(total_ms=20.0)
            runtime.store.write_sync(record)
    RollupWorker(runtime.store).catch_up()
    spec = MonitorSpec.model_validate(RULES)
    alerts = AlertEvaluator(runtime.store, spec, ["demo", "theirs"], Notifier(spec.channels)).evaluate(time.time())
    return {alert.app: alert.id for alert in alerts}


def test_silences_are_set_listed_and_lifted_as_the_key(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    alerts = _firing(runtime)
    until = time.time() + 3600
    made = _call(
        server,
        keys["dev"],
        "POST",
        f"/v1/alerts/{alerts['demo']}/silence",
        json={"until": str(until), "why": "OPS-42"},
    )
    assert made.status_code == 200, made.text
    row = made.json()
    assert row["by"].startswith("key:") and row["why"] == "OPS-42" and abs(row["until"] - until) < 1
    listed = _call(server, keys["auditor"], "GET", "/v1/silences").json()["data"]
    assert [s["id"] for s in listed] == [row["id"]]
    shown = _call(server, keys["auditor"], "GET", "/v1/alerts").json()["data"]
    assert next(a for a in shown if a["id"] == alerts["demo"])["silenced"]["id"] == row["id"]
    assert _call(server, keys["other"], "GET", "/v1/silences").json()["data"] == []
    lifted = _call(
        server, keys["dev"], "POST", f"/v1/alerts/{alerts['demo']}/unsilence", json={"why": "over early"}
    )
    assert lifted.status_code == 200 and lifted.json()["lifted"][0]["id"] == row["id"]
    assert _call(server, keys["auditor"], "GET", "/v1/silences").json()["data"] == []
    assert len(_call(server, keys["auditor"], "GET", "/v1/silences", params={"all": "true"}).json()["data"]) == 1
    events = audit.list_events(runtime.store, action="monitor.", limit=10)
    assert [e.action for e in events] == ["monitor.unsilence", "monitor.silence"]
    assert all(e.actor == row["by"] for e in events)
    assert audit.verify(runtime.store).ok


def test_silences_refuse_auditors_other_teams_and_bad_input(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    alerts = _firing(runtime)
    path = f"/v1/alerts/{alerts['demo']}/silence"
    assert "auditor" in _error(_call(server, keys["auditor"], "POST", path, json={"for": "2h", "why": "x"}), 403)
    assert "no alert" in _error(_call(server, keys["other"], "POST", path, json={"for": "2h", "why": "x"}), 404)
    theirs = f"/v1/alerts/{alerts['theirs']}/silence"
    assert _call(server, keys["dev"], "POST", theirs, json={"for": "2h", "why": "x"}).status_code == 404
    dev = keys["dev"]
    assert "`for`" in _error(_call(server, dev, "POST", path, json={"why": "x"}), 400)
    assert "one of them" in _error(
        _call(server, dev, "POST", path, json={"why": "x", "for": "1h", "until": "2099-01-01"}), 400
    )
    assert "not a duration" in _error(_call(server, dev, "POST", path, json={"for": "soon", "why": "x"}), 400)
    assert "at most 90d" in _error(_call(server, dev, "POST", path, json={"for": "100d", "why": "x"}), 400)
    assert "needs a reason" in _error(_call(server, dev, "POST", path, json={"for": "1h", "why": " "}), 400)
    assert "ISO 8601" in _error(_call(server, dev, "POST", path, json={"until": "tomorrow", "why": "x"}), 400)
    unsilenced = f"/v1/alerts/{alerts['demo']}/unsilence"
    assert "no silence in force" in _error(_call(server, dev, "POST", unsilenced, json={"why": "x"}), 400)


def _traffic(runtime: Runtime, start: float, topics: list[str], rng: random.Random, app: str = "demo") -> None:
    for i in range(60):
        record = Record.start(app)
        record.team = runtime.project.apps[app].team
        record.created_at = start + i
        topic = rng.choice(topics)
        record.input = [Turn("user", f"{topic} question {rng.random():.6f} about my trip please")]
        record.output = f"{topic} answer {rng.random():.6f}"
        runtime.store.write_sync(record)


def test_drift_answers_what_the_cli_prints(
    server: InProcessServer,
    runtime: Runtime,
    keys: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(5)
    _traffic(runtime, 1_800_000_000, ["baggage", "flights", "parking"], rng)
    _traffic(runtime, 1_800_200_000, ["visa", "visa visa visa visa long words here", "flights"], rng)
    body = {"app": "demo", "reference": REFERENCE, "current": CURRENT, "embeddings": False}
    answered = _call(server, keys["auditor"], "POST", "/v1/monitor/drift", json=body)  # a read: auditors may
    assert answered.status_code == 200, answered.text
    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", runtime.settings.database_url)
    from steward.cli import app as cli

    printed = CliRunner().invoke(
        cli,
        ["monitor", "drift", "demo", "--reference", REFERENCE, "--current", CURRENT, "--no-embeddings", "--json"],
    )
    assert printed.exit_code in (0, 1), printed.output
    assert answered.json() == json.loads(printed.stdout)
    assert answered.json()["signals"] and answered.json()["drifted"] == (printed.exit_code == 1)


def test_drift_refuses_other_teams_and_bad_input(server: InProcessServer, keys: dict[str, str]) -> None:
    auditor = keys["auditor"]
    assert (
        _call(
            server, keys["other"], "POST", "/v1/monitor/drift", json={"app": "demo", "reference": REFERENCE}
        ).status_code
        == 404
    )
    assert "reference" in _error(_call(server, auditor, "POST", "/v1/monitor/drift", json={"app": "demo"}), 400)
    bad = _error(
        _call(server, auditor, "POST", "/v1/monitor/drift", json={"app": "demo", "reference": "last week"}), 400
    )
    assert "last week" in bad
    few = _error(
        _call(
            server,
            auditor,
            "POST",
            "/v1/monitor/drift",
            json={"app": "demo", "reference": REFERENCE, "embeddings": False},
        ),
        400,
    )
    assert "at least 30 records" in few
    assert "alpha" in _error(
        _call(
            server, auditor, "POST", "/v1/monitor/drift", json={"app": "demo", "reference": REFERENCE, "alpha": 2}
        ),
        400,
    )


def test_the_remote_client_silences_and_runs_drift(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    alerts = _firing(runtime)
    dev = RemoteClient(str(server.http.base_url), key=keys["dev"], http=server.http)
    row = dev.silence(alerts["demo"], why="maintenance", duration="2h")
    assert [s["id"] for s in dev.silences()] == [row["id"]]
    assert dev.unsilence(alerts["demo"], why="done")["lifted"][0]["id"] == row["id"]
    with pytest.raises(NotFound):
        dev.silence(alerts["theirs"], why="x", duration="1h")
    with pytest.raises(InvalidRequest, match="at least 30 records"):
        dev.drift("demo", reference=REFERENCE, current=CURRENT, embeddings=False)
