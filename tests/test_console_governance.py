"""The console's governance pages over HTTP (issue 18): deployments (arms, canary share, history; approve,
promote and rollback through the approval flow, two approvers from two sessions for a high-risk app), drift (a
run's signals and the rollup series), silences (listed, set until a time, lifted), the registry with its lineage
drawn as SVG, evals (runs, a report, A/B with intervals and verdicts), compliance with the evidence pack. Each
reads and acts through the management API's service functions as the signed-in key: roles and teams are checked
on the server, an auditor sees and never acts, another team's things read as missing, markup renders inert."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient
from tests.console_fixtures import (
    RAW,
    XSS,
    ab_runs,
    api,
    form_token,
    make_gov_keys,
    new_address,
    past_traffic,
    sign_in,
)
from tests.gateway_fixtures import (
    InProcessServer,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.gov_fixtures import PROJECT, stored_run

from steward.gateway.assemble import Runtime
from steward.gateway.console import _environment
from steward.gateway.console.graph import layout
from steward.gateway.console.security import Visitor
from steward.gateway.console.sessions import Session
from steward.governance import apply, audit
from steward.governance.identity import Actor
from steward.monitor.worker import RollupWorker
from steward.store import AlertRow
from steward.types import Principal

NEW_PAGES = ["/ui/deployments", "/ui/drift", "/ui/silences?all=1", "/ui/registry", "/ui/evals", "/ui/compliance"]


runtime = module_runtime(
    PROJECT, "console-gov", prepare=lambda rt: apply.apply_project(rt.store, rt.project, Actor.user("alice"))
)


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    return make_gov_keys(runtime)


def signed_in(server: InProcessServer, key: str) -> TestClient:
    client = TestClient(server.http.app, base_url=server.url, raise_server_exceptions=False, client=new_address())
    assert sign_in(client, key).status_code == 303
    return client


def _key_id(runtime: Runtime, secret: str) -> str:
    found = runtime.store.find_key(secret)
    assert found is not None
    return f"key:{found.id}"


def _section(html: str, app: str) -> str:
    found = re.search(rf'<section class="deployment" id="app-{app}".*?</section>', html, re.S)
    assert found, app
    return found.group(0)


def _alert(runtime: Runtime, alert_id: str, app: str = "claims", rule: str = "errors") -> None:
    now = time.time()
    runtime.store.monitoring.open_alert(
        AlertRow(alert_id, rule, app, "firing", "page", "error_rate", "> 0.1", 0.3, now - 60, now)
    )


def _until(after_s: float = 7_200) -> str:
    """A time as the form's datetime-local field sends it (UTC, to the minute)."""
    return datetime.fromtimestamp(time.time() + after_s, UTC).strftime("%Y-%m-%dT%H:%M")


def test_a_canary_is_promoted_with_two_approvers_from_two_sessions(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    http = server.http
    api(
        http,
        keys["deployer"],
        "POST",
        "/v1/deployments/claims",
        json={"model": "model-b", "canary": 10, "note": XSS[0]},
    )
    stored_run(runtime.store, runtime.project, "claims-b", served=["model-b"])
    deployer = signed_in(server, keys["deployer"])
    mine = _section(deployer.get("/ui/deployments").text, "claims")
    assert "model-b@1" in mine and 'canary share <span class="share">10%</span>' in mine
    assert "<strong>0 of 2</strong> needed" in mine and "model-a</td><td>90%" in mine
    assert "approve-form" not in mine  # nobody approves their own deployment: not offered
    carol = signed_in(server, keys["carol"])
    token = form_token(carol.get("/ui/deployments").text)
    early = carol.post("/ui/deployments/claims/promote", data={"csrf": token})
    assert early.status_code == 409 and "needs approval by 2 different approvers" in early.text
    assert deployer.post("/ui/deployments/claims/approve", data={"csrf": form_token(mine)}).status_code == 409
    bob = signed_in(server, keys["bob"])
    approved = bob.post(
        "/ui/deployments/claims/approve", data={"csrf": form_token(bob.get("/ui").text), "note": XSS[1]}
    )
    assert approved.status_code == 200 and "You approved the candidate of claims." in approved.text
    after = _section(approved.text, "claims")
    assert "<strong>1 of 2</strong>" in after and _key_id(runtime, keys["bob"]) in after
    assert "approve-form" not in after  # bob approved already
    assert "approve-form" in _section(carol.get("/ui/deployments").text, "claims")  # carol still may
    assert carol.post("/ui/deployments/claims/approve", data={"csrf": token, "note": "agreed"}).status_code == 200
    promoted = carol.post("/ui/deployments/claims/promote", data={"csrf": token, "note": "two approvals"})
    assert promoted.status_code == 200 and "claims: promote done; it now serves model-b 100%." in promoted.text
    history = _section(promoted.text, "claims")
    assert "<strong>promote</strong> by " + _key_id(runtime, keys["carol"]) in history
    events = audit.list_events(runtime.store, action="deployment.", limit=20)
    assert [e.action for e in events][:3] == ["deployment.promote", "deployment.approve", "deployment.approve"]
    assert {events[1].actor.split()[0], events[2].actor.split()[0]} == {
        _key_id(runtime, keys["carol"]),
        _key_id(runtime, keys["bob"]),
    }
    back = bob.post("/ui/deployments/claims/rollback", data={"csrf": form_token(bob.get("/ui").text)})
    assert back.status_code == 200 and "claims: rollback done; it now serves model-a 100%." in back.text
    assert bob.post("/ui/deployments/claims/launch", data={"csrf": form_token(back.text)}).status_code == 404
    assert audit.verify(runtime.store).ok


def test_an_auditor_sees_every_new_page_and_can_act_on_nothing(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    api(server.http, keys["deployer"], "POST", "/v1/deployments/claims", json={"model": "model-c", "canary": 5})
    _alert(runtime, "alr_gov_auditor")
    auditor = signed_in(server, keys["auditor"])
    for page in NEW_PAGES:
        html = auditor.get(page)
        assert html.status_code == 200, page
        assert not re.search(r'action="/ui/(deployments|silences)', html.text), page  # no form offered
    token = form_token(auditor.get("/ui").text)
    for path, data in [
        ("/ui/deployments/claims/approve", {}),
        ("/ui/deployments/claims/promote", {}),
        ("/ui/deployments/claims/rollback", {}),
        ("/ui/silences", {"alert": "alr_gov_auditor", "until": _until(), "why": "x"}),
        ("/ui/silences/lift", {"alert": "alr_gov_auditor", "why": "x"}),
    ]:
        refused = auditor.post(path, data={"csrf": token, **data})
        assert refused.status_code == 403 and "auditor" in refused.text, path
    state = api(server.http, keys["auditor"], "GET", "/v1/deployments", params={"app": "claims"})["data"][0]
    assert state["deployment"]["candidate"]["model"] == "model-c" and state["deployment"]["approvals"] == []
    developer = signed_in(server, keys["dave"])  # no token: refused before anything is read
    assert developer.post("/ui/deployments/claims/rollback", data={}).status_code == 403
    api(server.http, keys["carol"], "POST", "/v1/deployments/claims/rollback", json={})


def test_another_teams_things_read_as_missing(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    run_a, _ = ab_runs(runtime, "ops cannot see")
    ops = signed_in(server, keys["ops"])
    assert (
        'id="app-claims"' not in ops.get("/ui/deployments").text
        and 'id="app-airport"' in ops.get("/ui/deployments").text
    )
    assert ops.get("/ui/compliance?app=claims").status_code == 404
    assert ops.get(f"/ui/evals/runs/{run_a}").status_code == 404 and run_a not in ops.get("/ui/evals").text
    assert ops.get("/ui/compliance/claims/pack").status_code == 404
    assert ops.get("/ui/drift?run=1&app=claims&reference=-2d..-1d").status_code == 404
    token = form_token(ops.get("/ui").text)
    assert ops.post("/ui/deployments/claims/rollback", data={"csrf": token}).status_code == 404
    theirs = {v["ref"] for v in api(server.http, keys["carol"], "GET", "/v1/registry")["data"]}
    ours = {v["ref"] for v in api(server.http, keys["ops"], "GET", "/v1/registry")["data"]}
    claims_only = sorted(theirs - ours)
    assert ops.get(f"/ui/registry/{claims_only[0]}").status_code == 404


def test_drift_shows_each_signal_and_the_rollup_series(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    hour = time.time() // 3_600 * 3_600 + 60  # each window's 40 records inside one hour: two hourly buckets
    past_traffic(runtime, "claims-c", hour - 3 * 86_400, ["car", "house", "travel"], seed=1)
    past_traffic(runtime, "claims-c", hour - 3_600, ["flood flood flood long words", "fire"], seed=2)
    RollupWorker(runtime.store, apps=runtime.project.apps).catch_up()
    auditor = signed_in(server, keys["auditor"])  # a drift run is a read: an auditor may run one
    page = auditor.get(
        "/ui/drift", params={"run": "1", "app": "claims-c", "reference": "-4d..-2d", "current": "-1d..now"}
    )
    assert page.status_code == 200, page.text
    rows = re.findall(
        r"<tr class=\"(drifted)?\"><td>([^<]+)</td><td>([^<]+)</td>"
        r"<td>([^<]*)</td><td>([^<]*)</td><td>(yes|no)</td>",
        page.text,
    )
    assert rows and all(statistic and threshold for _, _, _, statistic, threshold, _ in rows)
    assert any(name == "input.length" for _, name, *_ in rows)
    verdict = "drifted" if any(drifted for drifted, *_ in rows) else "no drift"
    assert f"claims-c: {verdict}</h2>" in page.text
    data = json.loads(re.search(r'id="overview-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert sum(data["requests"]["served"]) == 80 and len(data["hours"]) == 2  # both windows' hours
    bad = auditor.get("/ui/drift", params={"run": "1", "app": "claims-c", "reference": "last week"})
    assert (
        bad.status_code == 400
        and "neither FROM..TO nor first:N@MODEL" in bad.text
        and 'id="drift-error"' in bad.text
    )
    thin = auditor.get("/ui/drift", params={"run": "1", "app": "claims", "reference": "-4d..-2d"})
    assert thin.status_code == 400 and "at least 30 records" in thin.text
    assert '<table class="signals">' not in auditor.get("/ui/drift").text  # nothing runs until asked


def test_silences_are_set_until_a_time_listed_and_lifted_as_the_key(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    _alert(runtime, "alr_gov_silence", app="claims-b")
    dev = signed_in(server, keys["dave"])
    page = dev.get("/ui/silences")
    assert 'value="alr_gov_silence"' in page.text
    token = form_token(page.text)
    until = _until()
    assert (
        dev.post("/ui/silences", data={"csrf": token, "alert": "alr_gov_silence", "until": until}).status_code
        == 400
    )
    done = dev.post(
        "/ui/silences", data={"csrf": token, "alert": "alr_gov_silence", "until": until, "why": XSS[2]}
    )
    assert done.status_code == 200 and "errors on claims-b silenced until" in done.text
    row = re.search(r'<tr id="silence-sil_\w+">.*?</tr>', done.text, re.S)
    assert row and until.replace("T", " ") in row.group(0) and "&lt;svg onload" in row.group(0)
    lifted = dev.post("/ui/silences/lift", data={"csrf": token, "alert": "alr_gov_silence", "why": "fixed"})
    assert lifted.status_code == 200 and "Lifted 1 silence(s) over alert alr_gov_silence." in lifted.text
    assert "silence-sil_" not in lifted.text  # none in force now; the full list keeps it
    assert "&lt;svg onload" in dev.get("/ui/silences?all=1").text
    actions = [(e.action, e.actor) for e in audit.list_events(runtime.store, action="monitor.", limit=2)]
    assert actions == [(a, _key_id(runtime, keys["dave"])) for a in ("monitor.unsilence", "monitor.silence")]
    again = dev.post("/ui/silences/lift", data={"csrf": token, "alert": "alr_gov_silence", "why": "x"})
    assert again.status_code == 400 and "no silence in force" in again.text


def test_the_registry_lists_versions_and_draws_the_lineage_as_svg(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    carol = signed_in(server, keys["carol"])
    listed = carol.get("/ui/registry", params={"kind": "model"})
    refs = re.findall(r'class="version-link">([^<]+)<', listed.text)
    assert "model:model-b@1" in refs and all(r.startswith("model:") for r in refs)
    link = re.search(r'href="(/ui/registry/[^"]*model-b[^"]*)"', listed.text).group(1)  # type: ignore[union-attr]
    one = carol.get(link)
    assert one.status_code == 200 and '<svg xmlns="http://www.w3.org/2000/svg"' in one.text
    assert (
        one.text.count('<line class="edge"') >= 1
        and "deployed_in" in one.text
        and 'class="node focus"' in one.text
    )
    assert carol.get("/ui/registry", params={"kind": "robot"}).status_code == 400
    assert carol.get("/ui/registry/model:nope@9").status_code == 404


def test_an_app_name_with_url_characters_is_one_path_segment_in_the_deployment_forms() -> None:
    """steward.yaml accepts any app name; `#` or `?` written bare into a form's action cut the path there."""
    visitor = Visitor("id", Session("key_a", csrf="token", started=0.0, seen=0.0), Principal("key_a", "admin"))
    deployed = {"traffic": [], "seq": 1, "action": "deploy", "created_by": "key:key_a", "created_at": 0.0}
    state = {"app": "claims #2?x", "deployment": deployed, "risk_tier": "minimal", "history": []}
    html = _environment().get_template("deployments.html").render(visitor=visitor, flash=[], states=[state])
    assert 'action="/ui/deployments/claims%20%232%3Fx/rollback"' in html


def test_layout_places_parents_left_of_children_and_escapes_nothing_itself() -> None:
    lineage = {
        "node": "model:m@1",
        "upstream": [{"parent": "dataset:d@1", "child": "training_run:t@1", "relation": "trained_on"},
                     {"parent": "training_run:t@1", "child": "model:m@1", "relation": "produced"}],
        "downstream": [{"parent": "model:m@1", "child": "deployment:dep_1 (#2)", "relation": "deployed_in"},
                       {"parent": "model:m@1", "child": XSS[0], "relation": "evaluated_by"}],
    }  # fmt: skip
    drawn = layout(lineage)
    x = {b["label"]: b["x"] for b in drawn["boxes"]}
    assert x["dataset:d@1"] < x["training_run:t@1"] < x["model:m@1"] < x["deployment:dep_1 (#2)"]
    assert len(drawn["arrows"]) == 4 and drawn["width"] > 3 * 220
    cyclic = {"node": "a", "upstream": [{"parent": "b", "child": "a", "relation": "r"}],
              "downstream": [{"parent": "a", "child": "b", "relation": "r"}]}  # fmt: skip
    assert len(layout(cyclic)["boxes"]) == 2  # a cycle ends; it never loops


def test_evals_list_runs_show_a_report_and_compare_a_b(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    run_a, run_b = ab_runs(runtime, "ab-suite")
    auditor = signed_in(server, keys["auditor"])
    listing = auditor.get("/ui/evals", params={"app": "claims-b"})
    assert run_a in listing.text and f"compare?a={run_a}&amp;b={run_b}" in listing.text
    report = auditor.get(f"/ui/evals/runs/{run_b}")
    assert report.status_code == 200 and "question 39 ab-suite" in report.text and "accuracy" in report.text
    compared = auditor.get("/ui/evals/compare", params={"a": run_a, "b": run_b})
    assert compared.status_code == 200
    row = re.search(r"<tr class=\"verdict-better\"><td>accuracy</td>.*?</tr>", compared.text)
    assert row and "[+" in row.group(0) and "<td>40</td>" in row.group(0)
    assert auditor.get("/ui/evals/compare", params={"a": run_a, "b": run_a}).status_code == 400
    assert auditor.get("/ui/evals/runs/evr_missing").status_code == 404
    assert auditor.get("/ui/evals", params={"app": "airport"}).status_code == 400


def test_compliance_shows_controls_and_downloads_the_evidence_pack(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    auditor = signed_in(server, keys["auditor"])
    page = auditor.get("/ui/compliance", params={"app": "claims"})
    assert page.status_code == 200 and "claims: high risk" in page.text and "Art." in page.text
    assert api(server.http, keys["auditor"], "GET", "/v1/compliance/claims")["tier"] == "high"
    pack = auditor.get("/ui/compliance/claims/pack", params={"format": "json"})
    assert pack.status_code == 200 and pack.headers["content-disposition"].startswith("attachment; filename=")
    assert json.loads(pack.content)["app"] == "claims"
    html = auditor.get("/ui/compliance/claims/pack", params={"format": "html"})
    assert (
        html.headers["content-type"].startswith("text/html")
        and "attachment" in html.headers["content-disposition"]
    )
    assert auditor.get("/ui/compliance/claims/pack", params={"format": "pdf"}).status_code == 400


def test_markup_in_notes_reasons_and_run_names_renders_inert(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    for i, payload in enumerate(XSS):
        ab_runs(runtime, payload, cases=4)
        _alert(runtime, f"alr_xss_{i}", app="claims-c", rule=f"rule-{i}")
        api(
            server.http,
            keys["dave"],
            "POST",
            f"/v1/alerts/alr_xss_{i}/silence",
            json={"for": "1h", "why": payload},
        )
    api(
        server.http,
        keys["deployer"],
        "POST",
        "/v1/deployments/claims",
        json={"model": "model-c", "canary": 5, "note": XSS[3]},
    )
    api(server.http, keys["bob"], "POST", "/v1/approvals", json={"app": "claims", "note": XSS[4]})
    api(server.http, keys["carol"], "POST", "/v1/deployments/claims/rollback", json={"note": XSS[0]})
    admin = signed_in(server, keys["carol"])
    runs = re.findall(r'class="run-link">(evr_\w+)<', admin.get("/ui/evals").text)
    pages = [*NEW_PAGES, "/ui/evals?app=claims-b", *(f"/ui/evals/runs/{r}" for r in runs[:4])]
    pages += [
        f"/ui/evals/compare?a={runs[1]}&b={runs[0]}",
        f"/ui/registry?name={XSS[1]}",
        f"/ui/drift?run=1&app=claims&reference={XSS[2]}",
    ]
    pages += [f"/ui/compliance?app={XSS[0]}", f"/ui/registry/{XSS[3]}", f"/ui/evals/compare?a={XSS[1]}&b=x"]
    for page in pages:
        html = admin.get(page).text
        for raw in RAW:
            assert raw not in html, (page, raw)
    shown = admin.get("/ui/deployments").text + admin.get("/ui/silences").text + admin.get("/ui/evals").text
    assert shown.count("&lt;script&gt;alert(&#34;xss-1&#34;)&lt;/script&gt;") >= 3  # there, as text


def test_approval_is_not_offered_where_the_promotion_needs_none(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    from steward.governance import access, approvers

    alice = Actor.user("alice")
    second, info = access.create_key(runtime.store, alice, "admin", name="olga", team="ops")
    approvers.grant(runtime.store, alice, "ops", f"key:{info.id}")  # an approver, who still has nothing to approve
    api(server.http, keys["ops"], "POST", "/v1/deployments/airport", json={"model": "model-b", "canary": 10})
    airport = _section(signed_in(server, second).get("/ui/deployments").text, "airport")
    assert "model-b@1" in airport and "approve-form" not in airport  # limited risk: no approvals asked
    api(server.http, keys["ops"], "POST", "/v1/deployments/airport/rollback", json={})
