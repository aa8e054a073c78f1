"""The management API's audit and monitoring routes (issue 18, first slice), in-process: the audit log by team,
filters and keyset paging, verify as the CLI gives it, rollups and alerts of the caller's team only."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import (
    SCRIPTED_PROJECT,
    InProcessServer,
    make_runtime,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.store_fixtures import full_record

from steward.gateway.assemble import Runtime
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.monitor.worker import RollupWorker
from steward.store import AlertRow, SilenceRow

runtime = module_runtime(SCRIPTED_PROJECT, "mgmt-audit")


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    """Keys made through governance, so each is an audit event: alice makes the default team's, bob the other's."""
    alice, bob = Actor.user("alice"), Actor.user("bob")
    made = {}
    for name, role, team, by in [
        ("admin", "admin", "default", alice),
        ("auditor", "auditor", "default", alice),
        ("developer", "developer", "default", alice),
        ("app", "app", "default", alice),
        ("metrics", "metrics", "default", alice),
        ("other", "admin", "other-team", bob),
    ]:
        made[name] = access.create_key(runtime.store, by, role, team=team, name=name)[0]
    return made


def get(server: InProcessServer, key: str, path: str, **params: Any) -> Any:
    return server.http.get(path, params=params, headers={"authorization": f"Bearer {key}"})


def test_audit_lists_the_teams_events_newest_first_with_filters(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    events = get(server, keys["auditor"], "/v1/audit").json()["data"]
    assert [e["detail"]["name"] for e in events] == ["metrics", "app", "developer", "auditor", "admin"]
    assert {e["team"] for e in events} == {"default"} and {e["actor"] for e in events} == {"user:alice"}
    theirs = get(server, keys["other"], "/v1/audit").json()["data"]
    assert [(e["actor"], e["detail"]["name"]) for e in theirs] == [("user:bob", "other")]
    assert get(server, keys["admin"], "/v1/audit", actor="user:bob").json()["data"] == []
    assert len(get(server, keys["admin"], "/v1/audit", action="key.").json()["data"]) == 5
    assert get(server, keys["admin"], "/v1/audit", action="deployment.").json()["data"] == []
    assert get(server, keys["admin"], "/v1/audit", until="2000-01-01T00:00:00Z").json()["data"] == []


def test_audit_paging_visits_every_event_once(server: InProcessServer, keys: dict[str, str]) -> None:
    seen, after = [], None
    while True:
        page = get(server, keys["admin"], "/v1/audit", limit=2, **({"after": after} if after else {})).json()
        seen += [e["seq"] for e in page["data"]]
        after = page["next"]
        if after is None:
            break
    everything = [e["seq"] for e in get(server, keys["admin"], "/v1/audit").json()["data"]]
    assert seen == everything and len(everything) == 5


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"after": "bm90LWEtc2Vx"}, "send the `next` value of the previous page"),  # base64 of "not-a-seq"
        ({"since": "soon"}, "not an ISO 8601 time"),
        ({"limit": 1000}, "send an integer from 1 to 500"),
        # past SQLite's 50,000-character LIKE pattern limit these were a 500 (the prefix match is a LIKE)
        ({"subject": "x" * 60_000}, "`subject` is at most 1000 characters"),
        ({"actor": "x" * 60_000}, "`actor` is at most 1000 characters"),
        ({"action": "x" * 1001}, "`action` is at most 1000 characters"),
    ],
)
def test_audit_bad_input_is_a_400(
    server: InProcessServer, keys: dict[str, str], params: dict[str, Any], says: str
) -> None:
    response = get(server, keys["admin"], "/v1/audit", **params)
    assert response.status_code == 400 and says in response.json()["error"]["message"]


def test_verify_gives_what_the_cli_gives_and_auditors_may_run_it(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    response = server.http.post("/v1/audit/verify", headers={"authorization": f"Bearer {keys['auditor']}"})
    assert response.status_code == 200
    assert response.json() == {**audit.verify(runtime.store).as_json(), "integrity_key": "file"}
    assert response.json()["ok"] is True and response.json()["keys_checked"] == 6
    assert str(runtime.settings.home) not in response.text  # where the key lives is never told to the network
    documented = server.http.get("/openapi.json").json()["components"]["schemas"]["VerificationOut"]["properties"]
    assert set(documented) == set(response.json())
    assert all(field.get("description") for field in documented.values())
    shallow = server.http.post(
        "/v1/audit/verify", json={"shallow": True}, headers={"authorization": f"Bearer {keys['developer']}"}
    )
    assert shallow.json()["keys_checked"] == 0 and shallow.json()["events"] == 6
    bad = server.http.post(
        "/v1/audit/verify", json={"anchor": "12"}, headers={"authorization": f"Bearer {keys['admin']}"}
    )
    assert bad.status_code == 400 and "SEQ:HASH" in bad.json()["error"]["message"]
    wrong = server.http.post(
        "/v1/audit/verify", json={"shallow": "maybe"}, headers={"authorization": f"Bearer {keys['admin']}"}
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "shallow"
    for body, says in [
        (b"{not json", "the body is not valid JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (b'{"deep": true}', "`deep`: Extra inputs are not permitted"),
    ]:
        headers = {"authorization": f"Bearer {keys['admin']}", "content-type": "application/json"}
        refused = server.http.post("/v1/audit/verify", content=body, headers=headers)
        assert refused.status_code == 400 and says in refused.json()["error"]["message"], refused.text


@pytest.mark.parametrize("who", ["app", "metrics"])
def test_app_and_metrics_keys_are_refused_everywhere(
    server: InProcessServer, keys: dict[str, str], who: str
) -> None:
    headers = {"authorization": f"Bearer {keys[who]}"}
    for response in (
        server.http.get("/v1/audit", headers=headers),
        server.http.post("/v1/audit/verify", headers=headers),
        server.http.get("/v1/monitor/rollups", headers=headers),
        server.http.get("/v1/alerts", headers=headers),
    ):
        assert response.status_code == 403 and "use an admin, developer or auditor key" in response.text


def test_rollups_are_the_teams_apps_only(runtime: Runtime, server: InProcessServer, keys: dict[str, str]) -> None:
    at = time.time() - 120
    for app, team in [("demo", "default"), ("demo", "default"), ("other", "other-team")]:
        runtime.store.write_sync(full_record(app, team=team, created_at=at))
    RollupWorker(runtime.store, apps=runtime.project.apps).catch_up()  # what the server's monitoring does
    mine = get(server, keys["auditor"], "/v1/monitor/rollups", grain="day").json()["data"]
    assert [(r["app"], r["requests"]) for r in mine] == [("demo", 2)]
    assert set(mine[0]) >= {"bucket", "statuses", "latency_ms", "cost", "verdict_rates", "feedback"}
    theirs = get(server, keys["other"], "/v1/monitor/rollups", app="other", grain="minute").json()["data"]
    assert [(r["app"], r["requests"]) for r in theirs] == [("other", 1)]
    refused = get(server, keys["other"], "/v1/monitor/rollups", app="demo")
    assert refused.status_code == 400 and "'demo' is not one of: other" in refused.json()["error"]["message"]
    too_many = get(server, keys["admin"], "/v1/monitor/rollups", grain="minute", since="2020-01-01T00:00:00Z")
    assert too_many.status_code == 400 and "narrow the range or use a coarser `grain`" in too_many.text
    assert get(server, keys["admin"], "/v1/monitor/rollups", grain="week").status_code == 400


def test_alerts_are_the_teams_with_their_silences(
    runtime: Runtime, server: InProcessServer, keys: dict[str, str]
) -> None:
    now = time.time()
    for app in ("demo", "other"):
        alert = AlertRow(f"alr_{app}", "latency", app, "firing", "page", "p95_ms", "> 500", 900.0, now - 60, now)
        runtime.store.monitoring.open_alert(alert)
    silence = SilenceRow("sil_1", "latency", "demo", now + 3600, "user:alice", "maintenance", now)
    runtime.store.monitoring.add_silence(silence)
    mine = get(server, keys["auditor"], "/v1/alerts").json()["data"]
    assert [a["id"] for a in mine] == ["alr_demo"]
    assert mine[0]["silenced"] == {"id": "sil_1", "until": silence.until, "by": "user:alice", "why": "maintenance"}
    theirs = get(server, keys["other"], "/v1/alerts", all="true").json()["data"]
    assert [a["id"] for a in theirs] == ["alr_other"] and theirs[0]["silenced"] is None
    everywhere = SilenceRow("sil_2", "*", "*", now + 7200, "user:bob", "freeze", now)  # a `*` silence covers all
    runtime.store.monitoring.add_silence(everywhere)
    theirs = get(server, keys["other"], "/v1/alerts").json()["data"]
    assert theirs[0]["silenced"]["id"] == "sil_2"
    assert get(server, keys["auditor"], "/v1/alerts").json()["data"][0]["silenced"]["id"] == "sil_2"  # longer
    assert get(server, keys["other"], "/v1/alerts", all="perhaps").status_code == 400


def test_a_second_runtime_starts_with_an_empty_audit_log(tmp_path: Any) -> None:
    """The listing of an empty log is an empty page with no next, not an error."""
    runtime = make_runtime(tmp_path)
    try:
        key = runtime.store.create_key(role="auditor", name="a")[0]
        with InProcessServer(runtime) as server:
            assert get(server, key, "/v1/audit").json() == {"object": "list", "data": [], "next": None}
    finally:
        runtime.store.close()


def test_another_teams_request_naming_an_app_never_counts_in_its_rollups(tmp_path: Any) -> None:
    """A key of other-team calling `demo` (default's app) gets the 404 of an unknown app; its record names `demo`
    but is other-team's, so it folds under `(unknown)`: default's rollups (and the alerts read from them, such as a
    `client_error_rate` rule) and `/metrics`' series of `demo` never count another team's requests."""
    runtime = make_runtime(tmp_path)
    auditor = runtime.store.create_key(role="auditor", name="auditor", team="default")[0]
    other = runtime.store.create_key(role="admin", name="other", team="other-team")[0]
    with InProcessServer(runtime) as server:
        body = {"model": "demo", "messages": [{"role": "user", "content": "hi"}]}
        probe = server.http.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {other}"})
        assert probe.status_code == 404
        own = server.http.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {auditor}"})
        assert own.status_code == 403  # an auditor never calls models: default's own client error, counted
        RollupWorker(runtime.store, apps=runtime.project.apps).catch_up()
        mine = get(server, auditor, "/v1/monitor/rollups", grain="day").json()["data"]
        scraper = runtime.store.create_key(role="metrics", name="prometheus", team="default")[0]
        scraped = server.http.get("/metrics", headers={"authorization": f"Bearer {scraper}"}).text
    runtime.store.close()
    assert [(r["app"], r["requests"], r["statuses"]["client_error"]) for r in mine] == [("demo", 1, 1)]
    assert 'steward_requests_total{app="demo",model="none",status="client_error"} 1.0' in scraped
    assert 'steward_requests_total{app="(unknown)",model="none",status="client_error"} 1.0' in scraped


def test_verify_over_http_counts_problems_without_naming_other_teams_data(tmp_path: Path) -> None:
    """The problems name keys, records and apps of whichever team they concern: a team's auditor learns that the
    one chain has problems, and how many, but not another team's key ids, roles or record ids."""
    runtime = make_runtime(tmp_path)  # apps of `default` and of `other-team`
    try:
        auditor, _ = runtime.store.create_key(role="auditor", team="default")  # both written without their audit
        runtime.store.create_key(role="admin", team="other-team", name="theirs")  # events: two problems
        with InProcessServer(runtime) as server:
            answer = server.http.post("/v1/audit/verify", headers={"authorization": f"Bearer {auditor}"}).json()
        assert answer["ok"] is False and answer["problems"] == [answer["problem"]]
        assert answer["problem"].startswith("2 problems found") and "steward audit verify" in answer["problem"]
        assert "other-team" not in str(answer) and "other-team" in str(audit.verify(runtime.store).problems)
    finally:
        runtime.store.close()


def test_a_key_scoped_to_an_app_reads_only_that_apps_events_in_the_api_and_the_console(tmp_path: Path) -> None:
    """An auditor key for `claims-b` sees the events about claims-b (its deployment), not those of claims or the
    team-wide ones (keys, approvers); the team's auditor still sees all; the console's audit page likewise, with
    the chain's verify status still shown."""
    from tests.console_fixtures import sign_in
    from tests.gov_fixtures import PROJECT

    from steward.governance import apply, deployments

    rt = make_runtime(tmp_path, PROJECT)
    alice = Actor.user("alice")
    try:
        apply.apply_project(rt.store, rt.project, alice)
        scoped, _ = access.create_key(rt.store, alice, "auditor", name="b-only", team="claims", apps=["claims-b"])
        team, _ = access.create_key(rt.store, alice, "auditor", name="all", team="claims")
        deployments.deploy(rt.store, rt.project, "claims", "model-b", alice, canary=10, note="claims-note")
        deployments.deploy(rt.store, rt.project, "claims-b", "model-c", alice, canary=10, note="b-note")
        with InProcessServer(rt) as server:
            mine = get(server, scoped, "/v1/audit", limit=500).json()["data"]
            assert mine and {e["detail"].get("app") for e in mine} == {"claims-b"}, mine
            assert {e["action"] for e in mine} >= {"deployment.deploy", "deployment.baseline"}
            everything = get(server, team, "/v1/audit", limit=500).json()["data"]
            assert {"claims", "claims-b"} <= {e["detail"].get("app") for e in everything}
            assert any(e["action"] == "key.create" for e in everything)  # team-wide events: the team's keys
            assert get(server, scoped, "/v1/audit", action="key.").json()["data"] == []
            claims_dep = deployments.current(rt.store, "claims")
            b_dep = deployments.current(rt.store, "claims-b")
            assert claims_dep is not None and b_dep is not None
            assert sign_in(server.http, scoped).status_code == 303
            page = server.http.get("/ui/audit")
            assert page.status_code == 200
            assert b_dep.id in page.text and claims_dep.id not in page.text
            assert 'id="verify-status"' in page.text and "Chain intact" in page.text  # verify status still shown
    finally:
        rt.store.close()
