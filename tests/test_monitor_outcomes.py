"""Issue 17 leftovers: what the monitor counts as a failure, apps nobody declared, alerts when traffic stops, and
`steward monitor drift`'s warnings and exit status."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime, scripted_model

from steward.config.monitor import MonitorSpec
from steward.errors import ModelError
from steward.gateway.pipeline import EMBEDDINGS
from steward.monitor.alerts import AlertEvaluator, metric_value
from steward.monitor.notify import Notifier
from steward.monitor.rollups import STEWARD_APPS, UNKNOWN_APP, Rollup
from steward.monitor.worker import RollupWorker
from steward.store import Store
from steward.types import Latency, Record

T0 = float(int(time.time()) // 60 * 60 - 7200)


def _merged(found: list[tuple[Any, Rollup]]) -> Rollup:
    total = Rollup()
    for _, rollup in found:
        total.merge(rollup)
    return total


def test_the_callers_mistakes_are_not_failures_and_unknown_apps_fold_under_one_bucket(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path)
    try:
        secret, _ = runtime.store.create_key(role="app", name="demo", apps=["demo"])
        auth = {"authorization": f"Bearer {secret}"}
        hi = [{"role": "user", "content": "hi"}]
        with InProcessServer(runtime) as server:
            post = server.http.post
            assert (
                post("/v1/chat/completions", json={"model": "demo", "messages": hi}, headers=auth).status_code
                == 200
            )
            assert (
                post("/v1/chat/completions", json={"model": "nope", "messages": hi}, headers=auth).status_code
                == 404
            )
            assert (
                post("/v1/chat/completions", json={"model": "typo2", "messages": hi}, headers=auth).status_code
                == 404
            )
            assert (
                post("/v1/chat/completions", json={"model": "demo", "messages": "x"}, headers=auth).status_code
                == 400
            )
            too_long = [{"role": "user", "content": "x" * 3000}]  # the app accepts 2000 characters
            assert (
                post(
                    "/v1/chat/completions", json={"model": "demo", "messages": too_long}, headers=auth
                ).status_code
                == 400
            )
            bad_key = {"authorization": "Bearer sk-stw-nope"}
            assert (
                post("/v1/chat/completions", json={"model": "demo", "messages": hi}, headers=bad_key).status_code
                == 401
            )
            for model in ("scripted-a", "scripted-b"):  # the route and its fallback both down: a real failure
                scripted_model(runtime, model).enqueue_error(ModelError("upstream is down"))
            assert (
                post("/v1/chat/completions", json={"model": "demo", "messages": hi}, headers=auth).status_code
                >= 500
            )
        RollupWorker(runtime.store, apps=runtime.gateway.project.apps).catch_up()
        demo = _merged(runtime.store.monitoring.rollups("demo", "day"))
        assert demo.statuses == {"served": 1, "client_error": 2, "failed": 1}  # the 401 has no record at all
        assert metric_value(demo, "error_rate") == pytest.approx(1 / 4)
        assert metric_value(demo, "client_error_rate") == pytest.approx(2 / 4)
        apps = {key.app for key, _ in runtime.store.monitoring.rollups(None, "day")}
        assert apps == {"demo", UNKNOWN_APP}  # never a rollup of `nope` or `typo2`
        unknown = _merged(runtime.store.monitoring.rollups(UNKNOWN_APP, "day"))
        assert unknown.requests == 2 and unknown.statuses == {"client_error": 2}
        # a rebuild from the records gives the same
        before = {k: r.summary() for k, r in runtime.store.monitoring.rollups(None, "minute")}
        RollupWorker(runtime.store, apps=runtime.gateway.project.apps).rebuild()
        assert {k: r.summary() for k, r in runtime.store.monitoring.rollups(None, "minute")} == before
    finally:
        runtime.store.close()


def test_the_embeddings_endpoints_records_keep_their_own_app() -> None:
    assert EMBEDDINGS in STEWARD_APPS


def _spec(**rule: Any) -> MonitorSpec:
    alert = {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "window": "5m", "min_requests": 10,
             "channels": ["log"], **rule}  # fmt: skip
    return MonitorSpec.model_validate({"alerts": {"errors": alert}})


def _traffic(store: Store, at: float, n: int, status: str) -> None:
    for i in range(n):
        record = Record.start("demo")
        record.created_at = at + i * 0.5
        record.status = status  # type: ignore[assignment]
        record.latency = Latency(total_ms=20.0)
        store.write_sync(record)


def test_a_firing_alert_resolves_when_traffic_stops(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        spec = _spec()
        evaluator = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
        _traffic(store, T0, 30, "failed")
        RollupWorker(store).catch_up()
        (firing,) = evaluator.evaluate(T0 + 20)
        assert firing.state == "firing"
        _traffic(store, T0 + 200, 3, "failed")  # a trickle under min_requests: no verdict, still firing
        RollupWorker(store).catch_up()
        assert evaluator.evaluate(T0 + 330) == []
        assert [a.state for a in store.monitoring.alerts()] == ["firing"]
        # then nothing at all for the rule's whole window (5 minutes): resolved, and it says why
        (resolved,) = evaluator.evaluate(T0 + 200 + 2 + 301)
        assert resolved.state == "resolved" and resolved.id == firing.id and resolved.value is None
        assert resolved.notifications[-1]["event"] == "resolved"
        assert resolved.notifications[-1]["reason"] == "no traffic"
        assert store.monitoring.alerts() == []
        assert evaluator.evaluate(T0 + 900) == []  # no traffic opens nothing either


def test_a_pending_alert_is_dropped_when_traffic_stops(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        spec = _spec(**{"for": "10m"})
        evaluator = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
        _traffic(store, T0, 30, "failed")
        RollupWorker(store).catch_up()
        (pending,) = evaluator.evaluate(T0 + 20)
        assert pending.state == "pending"
        (dropped,) = evaluator.evaluate(T0 + 20 + 400)
        assert dropped.state == "resolved" and dropped.notifications[-1]["reason"] == "no traffic"


DRIFT_PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["hi"]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
"""


@pytest.fixture
def drift_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "steward.yaml").write_text(DRIFT_PROJECT, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'steward.db'}"
    with Store.open(url) as store:
        _traffic(store, T0, 120, "served")
        _traffic(store, T0 + 600, 60, "declined")  # a window where the app declines everything: drift
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    return url


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def _steward(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the `steward` console entry point as a script would: (exit status, stdout, stderr)."""
    from steward.cli import main

    monkeypatch.setattr(sys, "argv", ["steward", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    out = capsys.readouterr()
    return int(ended.value.code or 0), out.out, out.err


def _span(start: float, end: float) -> str:
    return f"{_iso(start)}..{_iso(end)}"


def test_drift_warns_when_the_windows_overlap_and_exits_0_1_or_2(
    drift_cli: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("monitor", "drift", "demo", "--no-embeddings", "--json")
    status, out, err = _steward(
        monkeypatch, capsys, *base, "--reference", _span(T0, T0 + 30), "--current", _span(T0 + 30, T0 + 60)
    )
    assert status == 0, err
    assert json.loads(out)["drifted"] is False and json.loads(out)["warnings"] == [] and "warning" not in err
    status, out, err = _steward(
        monkeypatch, capsys, *base, "--reference", _span(T0, T0 + 40), "--current", _span(T0 + 20, T0 + 60)
    )
    assert status == 0, err
    (warning,) = json.loads(out)["warnings"]
    assert "overlap" in warning and "warning:" in err and "overlap" in err
    status, out, err = _steward(
        monkeypatch, capsys, *base, "--reference", _span(T0, T0 + 60), "--current", _span(T0 + 600, T0 + 660)
    )
    assert status == 1 and json.loads(out)["drifted"] is True
    status, _, err = _steward(monkeypatch, capsys, *base, "--reference", "yesterday..today")
    assert status == 2 and "not an ISO 8601 date" in err and "Traceback" not in err
    status, _, err = _steward(monkeypatch, capsys, *base, "--reference", "2001-01-01..2001-01-02")
    assert status == 2 and "drift needs at least" in err
    status, out, _ = _steward(monkeypatch, capsys, "monitor", "drift", "--help")
    assert status == 0 and "0 = no drift, 1 = drift, 2 = bad input" in " ".join(out.split())
