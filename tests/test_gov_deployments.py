"""Deployments: canary, A/B and blue/green routes, gated promotion, four-eyes approval, rollback, atomicity."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.gov_fixtures import PROJECT, Gov, gov_fixture, load, stored_run  # noqa: F401

from steward.config import Settings
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.governance import approvers, audit, deployments, lineage, routing, versions
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor
from steward.store import governance as sql
from steward.types import GenerationParams, Message


def _counts(gov: Gov) -> tuple[int, int, int]:
    with gov.store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (sql.deployments, sql.approvals, sql.audit_events)
        )


def _grant(gov: Gov, *names: str) -> list[Actor]:
    """Each name gets its own developer key of team claims, granted the approver capability."""
    return [gov.approver(name) for name in names]


def test_canary_splits_traffic_by_share_and_sticks_to_a_subject(gov: Gov) -> None:
    spec = gov.project.app("claims")
    assert deployments.effective_route(gov.store, "claims", spec) == ([("model-a", 1.0)], [])  # steward.yaml's
    dep = deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    assert dep.candidate is not None and dep.candidate.strategy == "canary"
    entries, fallback = deployments.effective_route(gov.store, "claims", spec)
    assert entries == [("model-a", 90.0), ("model-b", 10.0)] and fallback == []
    from steward.models.router import ModelPool, Route

    route = Route(ModelPool(gov.project, Settings(gov.home, "sqlite:///unused.db")), entries, fallback)
    chosen = Counter(route.order(f"subject-{i}")[0] for i in range(4000))
    assert 0.08 < chosen["model-b"] / 4000 < 0.12  # 10 % within sampling error (sd ≈ 0.5 %)
    assert {route.order("traveller-42")[0] for _ in range(20)} == {route.order("traveller-42")[0]}


def test_route_for_serves_the_candidate_through_the_real_model_pool(gov: Gov, tmp_path: Path) -> None:
    from steward.models.router import ModelPool

    deployments.deploy(gov.store, gov.project, "claims", "model-c", gov.alice, ab=50)
    pool = ModelPool(gov.project, Settings(tmp_path, f"sqlite:///{tmp_path / 'steward.db'}"))
    route = deployments.route_for(pool, gov.store, "claims", gov.project.app("claims"))

    async def serve(subject: str) -> str:
        served = await route.complete(
            [Message("user", "Capital of France?")], GenerationParams(), sticky_key=subject
        )
        return served.model.ref.id

    served = {asyncio.run(serve(f"s{i}")) for i in range(40)}
    assert served == {"model-a", "model-c"}
    asyncio.run(pool.aclose())


def test_the_gateway_serves_and_records_the_deployed_versions(gov: Gov, tmp_path: Path) -> None:
    """The real gateway over a `GovernedPool`: records name the model the deployment chose for each subject."""
    from steward.gateway.pipeline import Gateway
    from steward.gateway.requests import ChatRequest
    from steward.types import LOCAL_OPERATOR

    settings = Settings(tmp_path, str(gov.store.engine.url))
    gateway = Gateway(gov.project, settings, gov.store, routing.GovernedPool(gov.project, settings, gov.store))

    def ask(subject: str) -> str:
        request = ChatRequest(app="claims", messages=[Message("user", "Capital of France?")], subject=subject)
        result = asyncio.run(gateway.chat(request, LOCAL_OPERATOR))
        return gov.store.get_record(result.record.id).model.id

    assert {ask(f"s{i}") for i in range(10)} == {"model-a"}
    deployments.deploy(gov.store, gov.project, "claims", "model-c", gov.alice, ab=50)
    served = {f"s{i}": ask(f"s{i}") for i in range(30)}
    assert set(served.values()) == {"model-a", "model-c"}
    assert all(ask(s) == m for s, m in list(served.items())[:5])  # sticky per subject
    deployments.rollback(gov.store, gov.project, "claims", gov.alice)
    assert {ask(f"s{i}") for i in range(10)} == {"model-a"}  # the rollback is served at once
    asyncio.run(gateway.models.aclose())


def test_blue_green_stages_without_traffic_and_one_candidate_at_a_time(gov: Gov) -> None:
    spec = gov.project.app("claims")
    dep = deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, blue_green=True)
    assert dep.candidate is not None and dep.candidate.share == 0
    assert deployments.effective_route(gov.store, "claims", spec)[0] == [("model-a", 100.0)]
    before = _counts(gov)
    with pytest.raises(RuleViolation, match="one candidate at a time"):
        deployments.deploy(gov.store, gov.project, "claims", "model-c", gov.alice, canary=5)
    assert _counts(gov) == before
    with pytest.raises(InvalidRequest, match="between 0 and 100"):
        deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=100)
    with pytest.raises(InvalidRequest, match="choose one"):
        deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=5, ab=5)


def test_promotion_without_a_passing_eval_is_refused_and_writes_nothing(gov: Gov) -> None:
    deployments.deploy(gov.store, gov.project, "claims", "model-c", gov.alice, canary=10)
    bob, carol = _grant(gov, "bob", "carol")
    deployments.approve(gov.store, gov.project, "claims", bob)
    deployments.approve(gov.store, gov.project, "claims", carol)
    stored_run(gov.store, gov.project, "claims-c", passed=False, served=["model-c"])  # failed its gates
    stored_run(gov.store, gov.project, "claims-b", passed=True, served=["model-b"])  # passed, other model
    stale = stored_run(
        gov.store, gov.project, "claims-c", passed=True, served=["model-c"], prompt_version="sha256:old"
    )
    before = _counts(gov)
    with pytest.raises(RuleViolation, match="rule: promotion requires a passing eval run for the candidate"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice)
    with pytest.raises(RuleViolation, match="prompt version sha256:old"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice, eval_run=stale.id)
    other_artefact = stored_run(
        gov.store, gov.project, "claims-c", served=["model-c"], sha256={"model-c": "d" * 64}
    )
    with pytest.raises(RuleViolation, match="another artefact"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice, eval_run=other_artefact.id)
    assert _counts(gov) == before  # nothing half-written
    assert deployments.current(gov.store, "claims").candidate is not None


def test_high_risk_promotion_needs_two_approvers_other_than_the_deployer(gov: Gov) -> None:
    alice = gov.key_actor("alice")
    deployments.deploy(gov.store, gov.project, "claims", "model-b", alice, canary=10)
    run = stored_run(gov.store, gov.project, "claims-b", served=["model-b"])
    with pytest.raises(RuleViolation, match=r"needs approval by 2 different approvers"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice)
    bob_key = gov.key_actor("bob")
    with pytest.raises(RuleViolation, match="only approvers may approve"):
        deployments.approve(gov.store, gov.project, "claims", bob_key)
    approvers.grant(gov.store, gov.alice, "claims", alice.id)
    bob, carol = _grant(gov, "bob", "carol")
    with pytest.raises(RuleViolation, match="approving one's own change"):
        deployments.approve(gov.store, gov.project, "claims", alice)
    deployments.approve(gov.store, gov.project, "claims", bob)
    with pytest.raises(RuleViolation, match="already approved"):
        deployments.approve(gov.store, gov.project, "claims", bob)
    with pytest.raises(RuleViolation, match=rf"it has 1 \({bob.id}\)"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice)
    approvers.revoke(gov.store, gov.alice, "claims", bob.id)
    deployments.approve(gov.store, gov.project, "claims", carol)
    with pytest.raises(RuleViolation, match=rf"it has 1 \({carol.id}\)"):  # a revoked approver no longer counts
        deployments.promote(gov.store, gov.project, "claims", gov.alice)
    approvers.grant(gov.store, gov.alice, "claims", bob.id)
    promoted = deployments.promote(gov.store, gov.project, "claims", carol)
    assert promoted.traffic() == [("model-b", 100.0)] and promoted.eval_run == run.id
    assert deployments.effective_route(gov.store, "claims", gov.project.app("claims"))[0] == [("model-b", 100.0)]
    model_b = versions.resolve(gov.store, gov.alice, "model:model-b", "claims")
    assert "production" in model_b.labels
    assert "archived" in versions.resolve(gov.store, gov.alice, "model:model-a", "claims").labels
    down = lineage.walk(gov.store, model_b.node, "down")
    assert {(e.parent, e.child, e.relation) for e in down} >= {
        (model_b.node, f"eval_run:{run.id}", "evaluated_by"),
        (f"eval_run:{run.id}", f"deployment:{promoted.id}", "gated"),
    }
    assert audit.verify(gov.store).ok


def test_limited_risk_promotion_needs_only_the_eval(gov: Gov) -> None:
    deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=20)
    with pytest.raises(RuleViolation, match="passing eval run"):
        deployments.promote(gov.store, gov.project, "airport", gov.alice)
    gov.project.apps["claims-c"].team = "ops"  # an evaluation variant of the same team
    gov.project.apps["claims-c"].variant_of = "airport"
    stored_run(
        gov.store,
        gov.project,
        "claims-c",
        served=["model-c"],
        prompt_version=gov.project.app("airport").prompt.version,
    )
    dep = deployments.promote(gov.store, gov.project, "airport", gov.alice)
    assert dep.traffic() == [("model-c", 100.0)] and dep.fallback == ("model-c",)


def test_rollback_is_instant_and_refuses_to_go_past_the_first_version(gov: Gov) -> None:
    spec = gov.project.app("airport")
    with pytest.raises(RuleViolation, match="cannot roll back past the first version"):
        deployments.rollback(gov.store, gov.project, "airport", gov.alice)
    deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=30)
    dropped = deployments.rollback(gov.store, gov.project, "airport", gov.bob)  # a candidate in flight: dropped
    assert dropped.candidate is None
    assert deployments.effective_route(gov.store, "airport", spec)[0] == [("model-a", 75.0), ("model-b", 25.0)]
    gov.project.apps["claims-c"].team = "ops"
    gov.project.apps["claims-c"].variant_of = "airport"
    stored_run(gov.store, gov.project, "claims-c", served=["model-c"], prompt_version=spec.prompt.version)
    deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=30)
    deployments.promote(gov.store, gov.project, "airport", gov.alice)
    assert deployments.effective_route(gov.store, "airport", spec)[0] == [("model-c", 100.0)]
    back = deployments.rollback(gov.store, gov.project, "airport", gov.bob)
    assert back.action == "rollback"
    assert deployments.effective_route(gov.store, "airport", spec)[0] == [("model-a", 75.0), ("model-b", 25.0)]
    before = _counts(gov)
    with pytest.raises(
        RuleViolation, match=r"cannot roll back past the first version; airport is on its first release"
    ):
        deployments.rollback(gov.store, gov.project, "airport", gov.bob)
    assert _counts(gov) == before
    actions = [d.action for d in deployments.history(gov.store, gov.alice, gov.project, "airport")]
    assert actions == ["rollback", "promote", "deploy", "rollback", "deploy", "baseline"]


def test_only_declared_and_registered_versions_deploy(gov: Gov) -> None:
    with pytest.raises(Exception, match=r"not declared in steward\.yaml"):
        deployments.deploy(gov.store, gov.project, "claims", "model-z", gov.alice)
    changed = load(PROJECT.replace('replies: ["London"]', 'replies: ["Rome"]'), gov.home)
    with pytest.raises(RuleViolation, match="not registered yet"):
        deployments.deploy(gov.store, changed, "claims", "model-c@1", gov.alice)
    from steward.governance.apply import apply_project

    result = apply_project(gov.store, changed, gov.alice)
    # model-c serves apps of two teams, so each team's registry gets the new version
    assert {(v.team, v.ref) for v in result.registered} == {
        ("claims", "model:model-c@2"),
        ("ops", "model:model-c@2"),
    }
    with pytest.raises(RuleViolation, match=r"only the version steward\.yaml declares"):
        deployments.deploy(gov.store, changed, "claims", "model-c@1", gov.alice)
    assert deployments.deploy(gov.store, changed, "claims", "model-c@2", gov.alice).candidate.version == 2


def test_prohibited_apps_cannot_be_deployed(gov: Gov) -> None:
    from steward.governance import compliance

    answers = {q.id: q.id == "prohibited_practice" for q in compliance.questionnaire()}
    compliance.classify(gov.store, gov.project, "airport", answers, gov.alice)
    with pytest.raises(RuleViolation, match="prohibited practice"):
        deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=5)


def test_auditors_and_app_keys_change_nothing_and_teams_stay_apart(gov: Gov) -> None:
    _, auditor = gov.store.create_key("auditor", name="audit", team="claims")
    _, other = gov.store.create_key("developer", name="ops-dev", team="ops")
    _, app_key = gov.store.create_key("app", name="kiosk", team="claims")
    with pytest.raises(PermissionDenied, match="auditors read everything of their team and change nothing"):
        deployments.deploy(gov.store, gov.project, "claims", "model-b", Actor.from_key(auditor), canary=5)
    with pytest.raises(NotFound, match="unknown app 'claims'; team 'ops' has: airport"):  # as for a missing app
        deployments.deploy(gov.store, gov.project, "claims", "model-b", Actor.from_key(other), canary=5)
    with pytest.raises(PermissionDenied, match="may call apps but not change governance"):
        deployments.rollback(gov.store, gov.project, "claims", Actor.from_key(app_key))
    assert deployments.current(gov.store, "claims") is None
    history = deployments.history(gov.store, Actor.from_key(auditor), gov.project, "claims")
    assert history == []


def test_concurrent_deploys_serialise_one_wins(gov: Gov) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(model: str) -> None:
        barrier.wait()
        try:
            deployments.deploy(gov.store, gov.project, "claims", model, gov.alice, canary=10)
            outcomes.append("ok")
        except RuleViolation as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(m,)) for m in ("model-b", "model-c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    assert [d.seq for d in deployments.history(gov.store, gov.alice, gov.project, "claims")] == [2, 1]
    assert audit.verify(gov.store).ok


def test_another_process_sees_a_rollback_once_its_cache_expires(gov: Gov, monkeypatch: pytest.MonkeyPatch) -> None:
    from steward.store import Store

    spec = gov.project.app("claims")
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    server = Store.open(str(gov.store.engine.url))  # a second engine, as in the server process
    routes = routing.RouteCache()  # the server's pool's cache
    try:
        assert deployments.effective_route(server, "claims", spec, None, routes)[0][-1] == ("model-b", 10.0)
        deployments.rollback(gov.store, gov.project, "claims", gov.alice)  # another store's change...
        assert deployments.effective_route(server, "claims", spec, None, routes)[0][-1] == ("model-b", 10.0)
        monkeypatch.setattr(routing, "CACHE_SECONDS", 0.0)  # ...so only the cache lifetime bounds staleness
        assert deployments.effective_route(server, "claims", spec, None, routes)[0] == [("model-a", 100.0)]
    finally:
        server.close()


def test_a_change_through_the_pools_store_drops_its_cached_route_at_once(gov: Gov, tmp_path: Path) -> None:
    settings = Settings(tmp_path, str(gov.store.engine.url))
    pool = routing.GovernedPool(gov.project, settings, gov.store)
    assert pool.route("claims").entries == [("model-a", 1.0)]
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    assert pool.route("claims").entries[-1] == ("model-b", 10.0)  # within CACHE_SECONDS: the store counted it
    other = routing.GovernedPool(gov.project, settings, gov.store)
    assert other.routes is not pool.routes  # each pool owns its cache; no module state


def test_config_release_follows_a_changed_route_and_can_be_rolled_back(gov: Gov) -> None:
    from steward.governance.apply import apply_project

    deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=10)
    deployments.rollback(gov.store, gov.project, "airport", gov.alice)
    changed = load(
        PROJECT.replace("{model: model-a, weight: 3}, {model: model-b, weight: 1}", "{model: model-b}"), gov.home
    )
    result = apply_project(gov.store, changed, gov.alice)
    assert result.releases == ["airport"] and result.config_changed
    assert deployments.effective_route(gov.store, "airport", changed.app("airport"))[0] == [("model-b", 100.0)]
    assert apply_project(gov.store, changed, gov.alice).releases == []  # idempotent
    deployments.rollback(gov.store, changed, "airport", gov.alice)
    assert deployments.effective_route(gov.store, "airport", changed.app("airport"))[0] == [
        ("model-a", 75.0),
        ("model-b", 25.0),
    ]


@pytest.mark.slow
def test_a_real_suite_run_gates_the_promotion(gov: Gov, tmp_path: Path) -> None:
    """End to end with the evaluation capability: the suite answers through the governed client."""
    from steward.client import Client
    from steward.evals.pipeline import ClientPipeline
    from steward.evals.run import run_suite
    from steward.evals.suite import load_suite

    (tmp_path / "cases.jsonl").write_text('{"input": "Capital of France?", "references": ["Paris"]}\n')
    for variant in ("b", "c"):
        (tmp_path / f"suite-{variant}.yaml").write_text(
            f"name: claims-{variant}\napp: claims-{variant}\ndataset: cases.jsonl\nmetrics: [exact_match]\n"
            "gates: ['exact_match >= 1']\ncache: false\n"
        )
    client = Client(gov.project, settings=Settings(tmp_path, str(gov.store.engine.url)))
    pipeline = ClientPipeline(client)
    try:
        outcome_c = run_suite(load_suite(tmp_path / "suite-c.yaml"), pipeline, reports_dir=tmp_path / "reports")
        assert not outcome_c.passed  # model-c answers London
        deployments.deploy(gov.store, gov.project, "claims", "model-c", gov.alice, canary=10)
        bob, carol = _grant(gov, "bob", "carol")
        deployments.approve(gov.store, gov.project, "claims", bob)
        deployments.approve(gov.store, gov.project, "claims", carol)
        with pytest.raises(RuleViolation, match="passing eval run"):
            deployments.promote(gov.store, gov.project, "claims", gov.alice)
        deployments.rollback(gov.store, gov.project, "claims", gov.alice)
        outcome_b = run_suite(load_suite(tmp_path / "suite-b.yaml"), pipeline, reports_dir=tmp_path / "reports")
        assert outcome_b.passed
        deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
        deployments.approve(gov.store, gov.project, "claims", bob)
        deployments.approve(gov.store, gov.project, "claims", carol)
        promoted = deployments.promote(gov.store, gov.project, "claims", gov.alice)
        assert promoted.eval_run == outcome_b.runs[0].id
    finally:
        pipeline.close()
