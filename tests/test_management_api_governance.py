"""The management API's reads of governance and evaluation (issue 18): feedback, eval runs and their reports,
A/B comparisons with the CLI's significance, registry versions and lineage, compliance checks and the evidence
pack as a file; each within the caller's team (another team's object answers 404), bad input a 400 that says what
to send, and what the CLI prints where the CLI has a --json."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import (
    InProcessServer,
    make_runtime,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.gov_fixtures import PROJECT, stored_run
from typer.testing import CliRunner

from steward import RemoteClient
from steward.errors import NotFound
from steward.evals.compare import compare_runs
from steward.gateway.assemble import Runtime
from steward.governance import access, apply, deployments, versions
from steward.governance.identity import Actor
from steward.store import StoredCase, StoredRun
from steward.types import Feedback, Record, new_id, now

ALICE = Actor.user("alice")


runtime = module_runtime(PROJECT, "mgmt-gov", prepare=lambda rt: apply.apply_project(rt.store, rt.project, ALICE))


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, team, apps in [
        ("auditor", "auditor", "claims", ()),
        ("dev", "developer", "claims", ()),
        ("ops", "admin", "ops", ()),
        ("claims-only", "auditor", "claims", ("claims",)),
        ("app", "app", "claims", ()),
    ]:
        made[name] = access.create_key(runtime.store, ALICE, role, name=name, team=team, apps=apps)[0]
    return made


def _get(server: InProcessServer, key: str, path: str, **params: Any) -> Any:
    return server.http.get(path, params=params, headers={"authorization": f"Bearer {key}"})


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def _record(runtime: Runtime, app: str) -> Record:
    record = Record.start(app)
    record.team, record.output = runtime.project.apps[app].team, "an answer"
    runtime.store.write_sync(record)
    return record


def test_feedback_lists_the_teams_newest_first_with_filters_and_pages(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    ours = [_record(runtime, app) for app in ("claims", "claims-b", "claims")]
    theirs = _record(runtime, "airport")
    for i, record in enumerate(ours):
        runtime.store.add_feedback(
            record.id, Feedback(score=1 if i else -1, comment=f"c{i}", by="u", at=1000.0 + i)
        )
    runtime.store.add_feedback(theirs.id, Feedback(score=-1, comment="theirs", by="u", at=1000.0))
    listed = _ok(_get(server, keys["auditor"], "/v1/feedback"))["data"]
    assert [f["record_id"] for f in listed] == [r.id for r in reversed(ours)]
    assert {f["app"] for f in listed} == {"claims", "claims-b"}
    assert [f["comment"] for f in _ok(_get(server, keys["auditor"], "/v1/feedback", below=0))["data"]] == ["c0"]
    assert len(_ok(_get(server, keys["claims-only"], "/v1/feedback"))["data"]) == 2  # a key for one app
    assert [f["comment"] for f in _ok(_get(server, keys["ops"], "/v1/feedback"))["data"]] == ["theirs"]
    page = _ok(_get(server, keys["auditor"], "/v1/feedback", limit=2))
    rest = _ok(_get(server, keys["auditor"], "/v1/feedback", limit=2, after=page["next"]))
    assert [f["id"] for f in page["data"] + rest["data"]] == [f["id"] for f in listed] and rest["next"] is None
    assert "app" in _error(_get(server, keys["ops"], "/v1/feedback", app="claims"), 400)
    assert "ISO 8601" in _error(_get(server, keys["auditor"], "/v1/feedback", since="yesterday"), 400)
    assert "cursor" in _error(_get(server, keys["auditor"], "/v1/feedback", after="nonsense"), 400)
    assert _get(server, keys["app"], "/v1/feedback").status_code == 403


def _variant_run(runtime: Runtime, app: str, variant: str, hits: list[float], at: float) -> StoredRun:
    cases = [StoredCase(i, f"q{i}", {"q": i}, "x", {"exact_match": hit}) for i, hit in enumerate(hits)]
    value = sum(hits) / len(hits)
    run = StoredRun(
        id=new_id("evr"),
        kind="suite",
        name="claims-ab",
        app=app,
        created_at=at,
        finished_at=at,
        passed=True,
        versions={"app": app},
        summary=[
            {"name": "exact_match", "value": value, "higher_is_better": True, "scored": len(hits), "unscored": 0}
        ],
        gates=[],
        variant=variant,
        dataset_hash="sha256:d",
        cases=cases,
        case_count=len(cases),
    )
    runtime.store.evals.save_run(run)
    return run


def test_eval_runs_reports_and_ab_comparisons(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    rng = random.Random(3)
    at = now()
    a = _variant_run(runtime, "claims-b", "a", [float(rng.random() < 0.5) for _ in range(80)], at)
    b = _variant_run(runtime, "claims-c", "b", [float(rng.random() < 0.9) for _ in range(80)], at + 1)
    theirs = stored_run(runtime.store, runtime.project, "airport")
    listed = _ok(_get(server, keys["auditor"], "/v1/evals/runs"))["data"]
    assert [r["id"] for r in listed][:2] == [b.id, a.id] and theirs.id not in {r["id"] for r in listed}
    assert _ok(_get(server, keys["auditor"], "/v1/evals/runs", app="claims-b"))["data"][0]["id"] == a.id
    report = _ok(_get(server, keys["auditor"], f"/v1/evals/runs/{a.id}"))
    assert report["run"]["id"] == a.id and len(report["cases"]) == 80
    assert "no run" in _error(_get(server, keys["auditor"], f"/v1/evals/runs/{theirs.id}"), 404)
    assert _get(server, keys["ops"], f"/v1/evals/runs/{theirs.id}").status_code == 200
    pairs = _ok(_get(server, keys["auditor"], "/v1/evals/comparisons"))["data"]
    assert [(p["a"]["id"], p["b"]["id"]) for p in pairs] == [(a.id, b.id)]
    compared = _ok(_get(server, keys["auditor"], f"/v1/evals/comparisons/{a.id}/{b.id}"))
    (delta,) = compared["data"]
    expected = compare_runs(runtime.store.evals.get_run(a.id), runtime.store.evals.get_run(b.id))[0].to_dict()
    assert delta == expected and delta["verdict"] == "better" and "better on exact_match" in compared["overall"]
    assert _get(server, keys["ops"], f"/v1/evals/comparisons/{a.id}/{b.id}").status_code == 404
    assert _get(server, keys["ops"], "/v1/evals/comparisons").json()["data"] == []
    assert "kind" in _error(_get(server, keys["auditor"], "/v1/evals/runs", kind="nightly"), 400)
    assert "seed" in _error(_get(server, keys["auditor"], f"/v1/evals/comparisons/{a.id}/{b.id}", seed=-1), 400)


def test_registry_versions_and_lineage(
    server: InProcessServer,
    runtime: Runtime,
    keys: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = _ok(_get(server, keys["auditor"], "/v1/registry", kind="model"))["data"]
    assert {v["name"] for v in listed} == {"model-a", "model-b", "model-c"} and {v["team"] for v in listed} == {
        "claims"
    }
    shown = _ok(_get(server, keys["auditor"], "/v1/registry/model:model-b"))
    assert shown["ref"] == "model:model-b@1"
    deployments.deploy(runtime.store, runtime.project, "claims", "model-b", ALICE, canary=10)
    graph = _ok(_get(server, keys["auditor"], "/v1/registry/model:model-b/lineage"))
    assert graph["node"].startswith("model:model-b")
    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", runtime.settings.database_url)
    from steward.cli import app as cli

    printed = CliRunner().invoke(cli, ["registry", "lineage", "model:model-b", "--team", "claims", "--json"])
    assert printed.exit_code == 0, printed.output
    assert graph == json.loads(printed.stdout)
    assert _get(server, keys["ops"], "/v1/registry/prompt:claims").status_code == 404
    assert "registry kind" in _error(_get(server, keys["auditor"], "/v1/registry", kind="weights"), 400)
    assert _get(server, keys["auditor"], "/v1/registry/model:model-b@99").status_code == 404
    assert versions.resolve(runtime.store, ALICE, "model:model-b", "claims").ref == "model:model-b@1"


def test_compliance_check_and_evidence_pack(server: InProcessServer, keys: dict[str, str]) -> None:
    report = _ok(_get(server, keys["auditor"], "/v1/compliance/claims"))
    assert (
        report["tier"] == "high"
        and report["controls"]
        and {"id", "satisfied", "evidence"} <= set(report["controls"][0])
    )
    assert "unknown app" in _error(_get(server, keys["ops"], "/v1/compliance/claims"), 404)
    packed = _get(server, keys["auditor"], "/v1/compliance/claims/pack")
    assert packed.status_code == 200, packed.text
    disposition = packed.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="claims-compliance-') and disposition.endswith('.json"')
    bundle = packed.json()
    assert bundle["app"] == "claims" and bundle["generated_by"].startswith("key:") and bundle["digest"]
    html = _get(server, keys["auditor"], "/v1/compliance/claims/pack", format="html")
    assert html.headers["content-type"].startswith("text/html") and "<html" in html.text.lower()
    assert "format" in _error(_get(server, keys["auditor"], "/v1/compliance/claims/pack", format="pdf"), 400)
    assert _get(server, keys["ops"], "/v1/compliance/claims/pack").status_code == 404


def test_the_remote_client_reads_governance(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    remote = RemoteClient(str(server.http.base_url), key=keys["auditor"], http=server.http)
    assert isinstance(remote.feedback(), list)
    runs = remote.eval_runs()
    assert runs and remote.eval_report(runs[0]["id"])["run"]["id"] == runs[0]["id"]
    for pair in remote.comparisons():
        assert remote.compare(pair["a"]["id"], pair["b"]["id"])["data"]
    assert remote.registry(kind="prompt") and remote.registry_version("prompt:claims")["kind"] == "prompt"
    assert remote.lineage("model:model-a")["node"].startswith("model:model-a")
    assert remote.compliance("claims")["app"] == "claims"
    name, body = remote.evidence_pack("claims", format="html")
    assert name.endswith(".html") and b"<html" in body.lower()
    with pytest.raises(NotFound):
        remote.compliance("airport")


ROUTES = {
    "/v1/reviews/{record_id}/claim": "post",
    "/v1/reviews/{record_id}/decision": "post",
    "/v1/feedback": "get",
    "/v1/evals/runs": "get",
    "/v1/evals/runs/{run_id}": "get",
    "/v1/evals/comparisons": "get",
    "/v1/evals/comparisons/{run_a}/{run_b}": "get",
    "/v1/registry": "get",
    "/v1/registry/{ref}": "get",
    "/v1/registry/{ref}/lineage": "get",
    "/v1/deployments": "get",
    "/v1/deployments/{app}": "post",
    "/v1/deployments/{app}/promote": "post",
    "/v1/deployments/{app}/rollback": "post",
    "/v1/approvals": "post",
    "/v1/compliance/{app}": "get",
    "/v1/compliance/{app}/pack": "get",
    "/v1/monitor/drift": "post",
    "/v1/silences": "get",
    "/v1/alerts/{alert_id}/silence": "post",
    "/v1/alerts/{alert_id}/unsilence": "post",
}


def test_every_route_is_in_the_openapi_document_and_refuses_unknown_parameters(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    paths = server.http.get("/openapi.json").json()["paths"]
    missing = [f"{method.upper()} {path}" for path, method in ROUTES.items() if method not in paths.get(path, {})]
    assert not missing
    for path in ("/v1/feedback", "/v1/evals/runs", "/v1/registry", "/v1/deployments", "/v1/silences"):
        assert "not a parameter" in _error(_get(server, keys["auditor"], path, colour="red"), 400)


def test_a_teams_evidence_pack_counts_problems_of_a_broken_log_without_naming_them(tmp_path: Path) -> None:
    from sqlalchemy import update

    from steward.store.schema import api_keys

    rt = make_runtime(tmp_path, PROJECT)
    try:
        apply.apply_project(rt.store, rt.project, ALICE)
        auditor = access.create_key(rt.store, ALICE, "auditor", name="aud", team="claims")[0]
        _, theirs = access.create_key(rt.store, ALICE, "developer", name="theirs", team="ops")
        with rt.store.engine.begin() as conn:  # another team's key made admin outside Steward
            conn.execute(update(api_keys).where(api_keys.c.id == theirs.id).values(role="admin"))
        with InProcessServer(rt) as server:
            bundle = _ok(_get(server, auditor, "/v1/compliance/claims/pack"))
        verdict = bundle["audit"]["verification"]
        assert verdict.startswith("BROKEN: 1 problem;") and theirs.id not in json.dumps(bundle["audit"])
    finally:
        rt.store.close()


def test_app_keys_are_refused_every_route(server: InProcessServer, keys: dict[str, str]) -> None:
    """An `app` key calls apps; it reads and changes nothing here (403 naming the keys that may)."""
    for path, method in ROUTES.items():
        concrete = path.format(record_id="rec_x", run_id="evr_x", run_a="evr_a", run_b="evr_b", ref="model:m",
                               app="claims", alert_id="alr_x")  # fmt: skip
        response = server.http.request(
            method, concrete, headers={"authorization": f"Bearer {keys['app']}"}, json={}
        )
        assert response.status_code == 403, f"{method.upper()} {concrete}: {response.text}"
        assert "admin, developer or auditor" in response.json()["error"]["message"]
