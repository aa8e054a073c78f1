"""Issue 17 tried as a new operator would, from the README (session 11): what broke or misled on the way.

Each test names what was wrong before its fix: `steward monitor drift-runs --json` crashed with a traceback,
`/metrics` made a series of every app name a caller typed, an alert rule's window left out up to its oldest
minute (a `2m` rule resolved 70 s after 25 failures), and `steward monitor drift` loaded the embedding model
(≈10 s) even when every embedding it needed was stored.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from typer.testing import CliRunner

from steward.config.monitor import MonitorSpec
from steward.monitor.alerts import AlertEvaluator, window_rollup
from steward.monitor.notify import Notifier
from steward.monitor.worker import RollupWorker
from steward.store import Store
from steward.types import Latency, Record, Turn

T0 = float(int(time.time()) // 60 * 60 - 7200)  # a minute's start, two hours back

PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["Your booking is confirmed."]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
monitor:
  drift: {every: 1h}
"""


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'steward.db'}")
    return tmp_path


def test_drift_runs_json_prints_the_stored_runs(project_dir: Path) -> None:
    """`steward monitor drift-runs --json` died with `TypeError: Dict key must be str`: the store's rows are keyed
    by SQLAlchemy's `quoted_name` (a str subclass), which orjson refuses as a key."""
    from steward.cli import app as cli

    report = {"app": "demo", "drifted": True, "signals": [{"name": "input.length", "drifted": True}]}
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        store.monitoring.save_drift_run("drf_1", "demo", time.time(), True, report)
    result = CliRunner().invoke(cli, ["monitor", "drift-runs", "--json"])
    assert result.exit_code == 0, result.output
    (run,) = json.loads(result.stdout)
    assert run["id"] == "drf_1" and run["drifted"] is True
    assert run["report"]["signals"][0]["name"] == "input.length"


def test_metrics_fold_an_undeclared_app_under_unknown(tmp_path: Path) -> None:
    """A caller's typo in `model` became an `app` label of its own on /metrics (the rollups fold it under
    `(unknown)`): any key could grow the server's series and Grafana's app list without bound."""
    runtime = make_runtime(tmp_path)
    try:
        secret, _ = runtime.store.create_key(role="admin", name="caller")
        scrape, _ = runtime.store.create_key(role="metrics", name="prometheus")
        hi = [{"role": "user", "content": "hi"}]
        with InProcessServer(runtime) as server:
            auth = {"authorization": f"Bearer {secret}"}
            for typo in ("dmeo", "demo2", "x" * 200):
                body = {"model": typo, "messages": hi}
                assert server.http.post("/v1/chat/completions", json=body, headers=auth).status_code == 404
            assert (
                server.http.post(
                    "/v1/chat/completions", json={"model": "demo", "messages": hi}, headers=auth
                ).status_code
                == 200
            )
            text = server.http.get("/metrics", headers={"authorization": f"Bearer {scrape}"}).text
    finally:
        runtime.store.close()
    requests = [line for line in text.splitlines() if line.startswith("steward_requests_total{")]
    assert not any(name in line for line in requests for name in ('"dmeo"', '"demo2"', '"xxxx'))
    unknown = [line for line in requests if 'app="(unknown)"' in line]
    assert len(unknown) == 1 and unknown[0].endswith(" 3.0"), requests
    assert any('app="demo"' in line for line in requests)


def _traffic(store: Store, at: float, n: int, status: str) -> None:
    for i in range(n):
        record = Record.start("demo")
        record.created_at = at + i * 0.5
        record.status = status  # type: ignore[assignment]
        record.latency = Latency(total_ms=20.0)
        store.write_sync(record)


def test_an_alert_window_covers_its_oldest_minute(tmp_path: Path) -> None:
    """A rule's window read only the minute buckets that start inside it, so `window: 2m` covered between one
    and two minutes: 150 s after a minute of failures, a 2m rule no longer saw them (and resolved)."""
    spec = MonitorSpec.model_validate(
        {"alerts": {"errors": {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "window": "2m",
                               "min_requests": 10, "channels": ["log"]}}}
    )  # fmt: skip
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        _traffic(store, T0 + 40, 15, "failed")  # 110 s to 103 s before `now`: inside the 2m window
        _traffic(store, T0 + 70, 5, "served")
        RollupWorker(store).catch_up()
        now = T0 + 150
        merged = window_rollup(store, "demo", 120, now)
        assert merged.requests == 20 and merged.statuses["failed"] == 15
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(now)
    assert alert.state == "firing" and alert.value == pytest.approx(0.75)


class _Hashed:
    """A tiny deterministic embedder, counting how many texts it embedded."""

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        return np.array([[float(len(t) % 7), float(len(t) % 5), 1.0] for t in texts], dtype=np.float32)


def test_drift_loads_the_embedding_model_only_for_what_is_not_stored(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`steward monitor drift` loaded all-MiniLM-L6-v2 (≈10 s of imports) before it looked at the store, even when
    an earlier run had stored every embedding it needed."""
    from steward.cli import app as cli
    from steward.models import embeddings

    hashed = _Hashed()
    monkeypatch.setattr(embeddings, "get_embedder", lambda: hashed)
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        for i in range(80):
            record = Record.start("demo")
            record.created_at = T0 + i * 10
            record.input = [Turn(role="user", content=f"question number {i} " + "x" * (i % 13))]
            record.output = f"answer {i}"
            record.status = "served"
            store.write_sync(record)
    start, middle, end = (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + s)) for s in (0, 400, 800))
    windows = ["--reference", f"{start}..{middle}", "--current", f"{middle}..{end}"]
    args = ["monitor", "drift", "demo", *windows, "--json"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code in (0, 1), first.output
    assert hashed.embedded == 160  # 80 inputs and 80 outputs, stored for the next run

    def refuse() -> None:
        raise AssertionError("the embedding model was loaded with every embedding stored")

    monkeypatch.setattr(embeddings, "get_embedder", refuse)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == first.exit_code, again.output
    assert json.loads(again.stdout)["signals"] == json.loads(first.stdout)["signals"]


def test_alerts_list_shows_the_silence_over_an_open_alert(project_dir: Path) -> None:
    """After `steward alerts silence`, `steward alerts list` showed the alert firing with no sign that it was
    silenced (nor until when, by whom, or why): only the raw notifications of --json said `silenced_by`."""
    from steward.cli import app as cli

    spec = MonitorSpec.model_validate(
        {"alerts": {"errors": {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "min_requests": 5}}}
    )
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, time.time() - 30, 10, "failed")
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(time.time())
    runner = CliRunner()
    assert json.loads(runner.invoke(cli, ["alerts", "list", "--json"]).stdout)[0]["silenced"] is None
    why = "upstream maintenance, OPS-42"
    done = runner.invoke(cli, ["alerts", "silence", alert.id, "--for", "2h", "--why", why])
    assert done.exit_code == 0, done.output
    (listed,) = json.loads(runner.invoke(cli, ["alerts", "list", "--json"]).stdout)
    assert listed["silenced"]["why"] == why and listed["silenced"]["by"].startswith("user:")
    assert 7100 < listed["silenced"]["until"] - time.time() <= 7200
    table = runner.invoke(cli, ["alerts", "list"], env={"COLUMNS": "300"}).stdout
    until = time.strftime("%Y-%m-%dT%H:", time.gmtime(listed["silenced"]["until"]))
    assert "silenced until" in table and table.count(until) == 1


def test_rebuild_beside_a_server_says_what_the_rollups_hold(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run beside `steward serve`, whose monitoring process folded the records as soon as the rebuild cleared the
    rollups, `steward monitor rebuild` printed "rebuilt the rollups from 0 records" over 367 records."""
    from steward.cli import app as cli
    from steward.store.monitor import Monitoring

    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, T0, 12, "served")
        RollupWorker(store).catch_up()
    clear = Monitoring.clear

    def cleared_then_folded_by_the_server(self: Monitoring) -> None:
        clear(self)
        with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as server:  # the server's own connection
            assert RollupWorker(server).catch_up() == 12

    monkeypatch.setattr(Monitoring, "clear", cleared_then_folded_by_the_server)
    result = CliRunner().invoke(cli, ["monitor", "rebuild", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"records": 0, "requests": 12}
    said = CliRunner().invoke(cli, ["monitor", "rebuild"]).stdout
    assert "hold 12 requests" in said and "0 records" not in said, said


def test_a_webhook_url_can_be_a_secret_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Slack webhook's URL is a secret (whoever has it posts to the channel), but `url: $env:SLACK_HOOK` was
    refused ("needs `url: http(s)://host/path`"): the only way was to commit the secret to steward.yaml."""
    from tests.test_monitor_alerts import Receiver

    from steward.config import load_project_text

    text = PROJECT + "  channels: {ops: {type: webhook, url: $env:STEWARD_TEST_HOOK, format: slack}}\n"
    channels = load_project_text(text, str(tmp_path / "steward.yaml")).monitor.channels
    receiver = Receiver()
    try:
        with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
            _traffic(store, time.time() - 30, 10, "failed")
            RollupWorker(store).catch_up()
            spec = MonitorSpec.model_validate(
                {"alerts": {"errors": {"app": "demo", "metric": "error_rate", "condition": "> 0.5",
                                       "min_requests": 5, "channels": ["ops"]}}}
            )  # fmt: skip
            notifier = Notifier(channels)
            monkeypatch.delenv("STEWARD_TEST_HOOK", raising=False)
            (unset,) = AlertEvaluator(store, spec, ["demo"], notifier).evaluate(time.time())
            monkeypatch.setenv("STEWARD_TEST_HOOK", receiver.url)
            assert notifier.send("ops", unset, "firing") == (True, None)
    finally:
        receiver.close()
    failed = unset.notifications[-1]
    assert failed["ok"] is False and "export STEWARD_TEST_HOOK" in failed["error"]  # says what to do
    assert len(receiver.bodies) == 1 and "errors firing" in receiver.bodies[0]["text"]
    with pytest.raises(Exception, match=r"\$env:NAME"):
        load_project_text(text.replace("$env:STEWARD_TEST_HOOK", "hooks.example/x"), "steward.yaml")
