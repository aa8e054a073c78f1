"""The management API under attack (issue 18): what an adversarial caller found, each now refused as it should be.

- A key scoped to some apps of its team (`steward keys create --apps`) acted on the others: it silenced and
  unsilenced their alerts, read their held requests' review outcome and wrote corrections of their records. Each
  now answers 404, exactly as for a missing alert, item or record.
- Numbers the SQL store cannot hold (a registry version `@99999999999999999999999`, a cursor or `below` past
  2**63) and digits that are not ASCII (`@²`) were 500s; they are 400s that say what to send.
- A JSON body that gives a field twice (`{"action": "reject", "action": "approve"}`) was decided by its last
  value, which other parsers (a proxy, a log reader) may read the other way; it is a 400 and nothing is decided.
- A path or method no route serves answered FastAPI's `{"detail": …}`; it is OpenAI-shaped like every error.
- A lineage edge may name any `eval_run:`/`deployment:`/`alert:` id, so a developer could link its model to
  another team's run, and its team's lineage then walked into that team's graph (its models, datasets, runs,
  described). A team's lineage now walks only its own edges and describes only its own nodes.
- A run id prefix matched every team's runs; it is resolved among the caller's team's.
- The SDK put ids into paths as they were: `claim_review("../deployments/claims/rollback#")` rolled a deployment
  back. Each id is now one percent-encoded path segment.

Throughout, every action shows as the key's identity in the audit trail and `steward audit verify` stays intact.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from tests.gov_fixtures import PROJECT, stored_run
from tests.guard_fixtures import GUARD_PROJECT

from steward import RemoteClient
from steward.config.monitor import MonitorSpec
from steward.errors import NotFound
from steward.gateway.assemble import Runtime
from steward.governance import access, apply, audit, lineage
from steward.governance.identity import Actor
from steward.guardrails.review import ReviewQueue
from steward.monitor.alerts import AlertEvaluator
from steward.monitor.notify import Notifier
from steward.monitor.worker import RollupWorker
from steward.store import ReviewItem
from steward.types import Decision, Latency, Record

ALICE = Actor.user("alice")
RULES = {"alerts": {"errors": {"app": "*", "metric": "error_rate", "condition": "> 0.5", "min_requests": 5}}}


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path, PROJECT)
    apply.apply_project(rt.store, rt.project, ALICE)
    yield rt
    rt.store.close()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[InProcessServer]:
    with InProcessServer(runtime) as in_process:
        yield in_process


@pytest.fixture
def keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, apps in [
        ("admin", "admin", ()),
        ("auditor", "auditor", ()),
        ("scoped", "developer", ("claims-b",)),
        ("scoped-auditor", "auditor", ("claims-b",)),
    ]:
        made[name] = access.create_key(runtime.store, ALICE, role, name=name, team="claims", apps=apps)[0]
    return made


def _call(server: InProcessServer, key: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
    return server.http.request(method, path, headers=headers, **kwargs)


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def _firing(runtime: Runtime) -> dict[str, str]:
    """An `errors` alert firing now for each app of team claims: {app: alert id}."""
    apps = ["claims", "claims-b"]
    for app in apps:
        for i in range(10):
            record = Record.start(app)
            record.team, record.status = "claims", "failed"  # type: ignore[assignment]
            record.created_at = time.time() - 30 + i * 0.5
            record.latency = Latency(total_ms=20.0)
            runtime.store.write_sync(record)
    RollupWorker(runtime.store).catch_up()
    spec = MonitorSpec.model_validate(RULES)
    alerts = AlertEvaluator(runtime.store, spec, apps, Notifier(spec.channels)).evaluate(time.time())
    return {alert.app: alert.id for alert in alerts}


def _held(runtime: Runtime, app: str, team: str = "claims") -> ReviewItem:
    record = Record.start(app)
    record.team, record.status, record.output = team, "escalated", "held answer"
    decision = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"])
    record.decisions.append(decision)
    runtime.store.write_sync(record)
    return ReviewQueue(runtime.store).hold(record, decision, "held answer")


def test_a_key_scoped_to_some_apps_cannot_silence_the_alerts_of_the_others(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    alerts = _firing(runtime)
    body = {"for": "1h", "why": "scoped key"}
    for action, sent in (("silence", body), ("unsilence", {"why": "scoped key"})):
        path = f"/v1/alerts/{alerts['claims']}/{action}"
        assert "no alert" in _error(_call(server, keys["scoped"], "POST", path, json=sent), 404)
    listed = _call(server, keys["scoped"], "GET", "/v1/silences", params={"all": "true"}).json()["data"]
    assert listed == [] and runtime.store.monitoring.silences(time.time()) == []
    own = _call(server, keys["scoped"], "POST", f"/v1/alerts/{alerts['claims-b']}/silence", json=body)
    assert own.status_code == 200 and own.json()["app"] == "claims-b"
    # the admin of the team, scoped to no app, still silences any of its alerts
    assert (
        _call(server, keys["admin"], "POST", f"/v1/alerts/{alerts['claims']}/silence", json=body).status_code
        == 200
    )
    assert audit.verify(runtime.store).ok


def test_a_key_scoped_to_some_apps_reads_and_corrects_only_their_held_requests(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, GUARD_PROJECT)  # a gateway with guardrails, so requests are held
    made = {
        name: access.create_key(runtime.store, ALICE, role, name=name, apps=apps)[0]
        for name, role, apps in [
            ("admin", "admin", ()),
            ("scoped", "developer", ("tips",)),
            ("scoped-auditor", "auditor", ("tips",)),
        ]
    }
    theirs, own = _held(runtime, "advice", "default"), _held(runtime, "tips", "default")
    with InProcessServer(runtime) as server:
        for key in ("scoped", "scoped-auditor"):
            assert "no request" in _error(_call(server, made[key], "GET", f"/v1/reviews/{theirs.record_id}"), 404)
            assert _call(server, made[key], "GET", f"/v1/reviews/{own.record_id}").status_code == 200
        fix = {"answer": "a better answer", "why": "scoped key"}
        refused = _call(server, made["scoped"], "POST", f"/v1/reviews/{theirs.record_id}/corrections", json=fix)
        assert "no record" in _error(refused, 404)
        assert runtime.store.reviews.corrections([theirs.record_id]) == {}
        done = _call(server, made["scoped"], "POST", f"/v1/reviews/{own.record_id}/corrections", json=fix)
        assert done.status_code == 201, done.text
        assert _call(server, made["admin"], "GET", f"/v1/reviews/{theirs.record_id}").status_code == 200
    events = audit.list_events(runtime.store, action="review_correction.", limit=10)
    assert [e.actor.endswith("(scoped)") for e in events] == [True]
    assert audit.verify(runtime.store).ok
    runtime.store.close()


@pytest.mark.parametrize("version", ["99999999999999999999999", "1000000000", "\u00b2", "\u0661", "01"])
def test_a_registry_version_the_store_cannot_hold_is_a_400(
    server: InProcessServer, keys: dict[str, str], version: str
) -> None:
    for path in (f"/v1/registry/model:model-b@{version}", f"/v1/registry/model:model-b@{version}/lineage"):
        assert "the version after @ must be a number" in _error(_call(server, keys["auditor"], "GET", path), 400)
    deploy = _call(server, keys["admin"], "POST", "/v1/deployments/claims", json={"model": f"model-b@{version}"})
    assert "the version after @ must be a number" in _error(deploy, 400)
    assert _call(server, keys["auditor"], "GET", "/v1/registry/model:model-b@1").status_code == 200


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/feedback", {"after": _cursor("9" * 30)}),
        ("/v1/feedback", {"after": _cursor("\u0661\u0662")}),
        ("/v1/feedback", {"below": str(10**30)}),
        ("/v1/feedback", {"below": str(-(10**30))}),
        ("/v1/audit", {"after": _cursor("9" * 30)}),
    ],
)
def test_numbers_past_what_sql_holds_are_a_400(
    server: InProcessServer, keys: dict[str, str], path: str, params: dict[str, str]
) -> None:
    message = _error(_call(server, keys["auditor"], "GET", path, params=params), 400)
    assert ("after" in params and "`after` is not a cursor" in message) or "`below`" in message


def test_an_audit_anchor_past_what_sql_holds_is_a_400(server: InProcessServer, keys: dict[str, str]) -> None:
    for seq in ("9" * 30, "\u00b2"):
        anchor = {"anchor": f"{seq}:{'a' * 64}"}
        assert "`anchor` is SEQ:HASH" in _error(
            _call(server, keys["auditor"], "POST", "/v1/audit/verify", json=anchor), 400
        )


def test_a_body_giving_a_field_twice_is_refused_and_nothing_is_decided(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "claims")
    twice = b'{"action": "reject", "action": "approve"}'
    headers = {"content-type": "application/json"}
    decided = _call(
        server, keys["admin"], "POST", f"/v1/reviews/{item.id}/decision", content=twice, headers=headers
    )
    assert "gives `action` more than once" in _error(decided, 400)
    assert runtime.store.reviews.get_item(item.id).status == "pending"
    nested = b'{"model": "model-b", "canary": 10, "note": "x", "note": "y"}'
    deployed = _call(server, keys["admin"], "POST", "/v1/deployments/claims", content=nested, headers=headers)
    assert "gives `note` more than once" in _error(deployed, 400)
    assert runtime.store.deployments.latest_deployment("claims") is None
    fix = b'{"answer": "a", "why": "a reason", "why": ""}'
    corrected = _call(
        server, keys["admin"], "POST", f"/v1/reviews/{item.record_id}/corrections", content=fix, headers=headers
    )
    assert "gives `why` more than once" in _error(corrected, 400)
    ok = _call(server, keys["admin"], "POST", f"/v1/reviews/{item.id}/decision", json={"action": "reject"})
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"
    assert audit.verify(runtime.store).ok


def test_a_path_or_method_no_route_serves_is_an_openai_shaped_error(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    missing = _call(server, keys["auditor"], "GET", "/v1/registry/model:model-a@1/lineage/more")
    assert "no route /v1/registry/model:model-a@1/lineage/more" in _error(missing, 404)
    wrong = _call(server, keys["auditor"], "DELETE", "/v1/records")
    assert "DELETE is not served at /v1/records" in _error(wrong, 405)
    assert wrong.headers["allow"] == "GET"


def test_lineage_never_walks_into_or_describes_another_teams_nodes(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    """A developer of team claims links its model to a run of team ops (a raw `eval_run:` node is taken as it is
    written); ops's own edge runs from its model to that run. Team claims's lineage shows the bare id it wrote,
    never ops's run described nor ops's model above it."""
    ops_run = stored_run(runtime.store, runtime.project, "airport")
    ops = Actor.from_key(access.create_key(runtime.store, ALICE, "admin", name="ops", team="ops")[1])
    dev = Actor.from_key(access.create_key(runtime.store, ALICE, "developer", name="dev", team="claims")[1])
    assert lineage.link(runtime.store, ops, "model:model-a", f"eval_run:{ops_run.id}", "evaluated_by", team="ops")
    assert lineage.link(runtime.store, dev, f"eval_run:{ops_run.id}", "model:model-c", "evaluated_by")
    assert lineage.link(runtime.store, dev, "model:model-c", "eval_run:evr_", "evaluated_by")  # a bare prefix
    graph = _call(server, keys["auditor"], "GET", "/v1/registry/model:model-c/lineage").json()
    assert graph["upstream"] == [
        {"parent": f"eval_run:{ops_run.id}", "child": "model:model-c@1", "relation": "evaluated_by"}
    ]
    bare = {"parent": "model:model-c@1", "child": "eval_run:evr_", "relation": "evaluated_by"}
    assert graph["downstream"] == [bare]
    # ops reads its own lineage in full, its run described
    ops_key = access.create_key(runtime.store, ALICE, "auditor", name="ops-auditor", team="ops")[0]
    theirs = _call(server, ops_key, "GET", "/v1/registry/model:model-a/lineage").json()
    assert theirs["downstream"][0]["child"] == f"eval_run:{ops_run.id} (suite airport-suite, passed)"
    assert audit.verify(runtime.store).ok


def test_a_run_id_prefix_is_resolved_among_the_teams_own_runs(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    """A prefix unique among a team's runs reads that run, whatever another team's run ids begin with: neither a
    404 for "several runs" nor a way to learn that another team has a run of that prefix."""
    runtime.store.evals.save_run(replace(stored_run(runtime.store, runtime.project, "claims"), id="evr_shared_a"))
    runtime.store.evals.save_run(replace(stored_run(runtime.store, runtime.project, "airport"), id="evr_shared_b"))
    found = _call(server, keys["auditor"], "GET", "/v1/evals/runs/evr_shared_")
    assert found.status_code == 200 and found.json()["run"]["id"] == "evr_shared_a"
    theirs = _call(server, keys["auditor"], "GET", "/v1/evals/runs/evr_shared_b")
    assert "no run 'evr_shared_b'" in _error(theirs, 404)


def test_the_sdk_sends_an_id_as_one_path_segment(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    """An id taken from elsewhere (a record, a user) never reaches another route: `claim_review` of
    `../deployments/claims/rollback#` claimed nothing and rolled the deployment back as the reviewer's key."""
    sdk = RemoteClient(server.url, keys["admin"], http=server.http)
    sdk.deploy("claims", "model-b", canary=10)
    for odd in ("../deployments/claims/rollback#", "x/../../deployments/claims/rollback?", ".."):
        with pytest.raises(NotFound):
            sdk.claim_review(odd)
    assert [d["action"] for d in sdk.deployment_history("claims")] == ["deploy", "baseline"]
    assert sdk.registry_version("model:model-b@1")["ref"] == "model:model-b@1"  # `:` and `@` travel encoded
    assert sdk.lineage("model:model-b@1")["node"] == "model:model-b@1"
