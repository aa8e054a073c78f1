"""The management API's deployments and approvals (issue 18): state with the canary share, history, deploy,
promote and rollback through the CLI's rules (a passing eval, two approvers for a high-risk app, never one's own),
approvals listed and made with the caller's own approver key, each audited as the CLI's action; auditors read and
never act, another team's app answers 404, bad input is a 400 that says what to send."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from tests.gov_fixtures import PROJECT, stored_run

from steward import RemoteClient
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.gateway.assemble import Runtime
from steward.governance import access, apply, approvers, audit
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor

ALICE = Actor.user("alice")


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
    for name, role, team in [
        ("deployer", "developer", "claims"),
        ("bob", "developer", "claims"),
        ("carol", "admin", "claims"),
        ("auditor", "auditor", "claims"),
        ("ops", "admin", "ops"),
    ]:
        secret, info = access.create_key(runtime.store, ALICE, role, name=name, team=team)
        made[name] = secret
        if name in ("bob", "carol", "deployer"):
            approvers.grant(runtime.store, ALICE, "claims", f"key:{info.id}")
    return made


def _call(server: InProcessServer, key: str, method: str, path: str, **kwargs: Any) -> Any:
    return server.http.request(method, path, headers={"authorization": f"Bearer {key}"}, **kwargs)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def test_a_canary_is_deployed_approved_by_two_others_and_promoted(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    deployed = _ok(
        _call(server, keys["deployer"], "POST", "/v1/deployments/claims", json={"model": "model-b", "canary": 10})
    )
    assert deployed["traffic"] == [["model-a", 90.0], ["model-b", 10.0]] and deployed["created_by"].startswith(
        "key:"
    )
    state = _ok(_call(server, keys["auditor"], "GET", "/v1/deployments", params={"app": "claims"}))["data"][0]
    assert (state["canary_share"], state["approvals_required"], state["approvers"]) == (10.0, 2, [])
    stored_run(runtime.store, runtime.project, "claims-b", served=["model-b"])
    refused = _error(_call(server, keys["carol"], "POST", "/v1/deployments/claims/promote"), 409)
    assert "needs approval by 2 different approvers" in refused
    own = _error(_call(server, keys["deployer"], "POST", "/v1/approvals", json={"app": "claims"}), 409)
    assert "approving one's own change" in own
    assert (
        _ok(_call(server, keys["bob"], "POST", "/v1/approvals", json={"app": "claims", "note": "ok"}))["app"]
        == "claims"
    )
    twice = _error(_call(server, keys["bob"], "POST", "/v1/approvals", json={"app": "claims"}), 409)
    assert "already approved" in twice
    _ok(_call(server, keys["carol"], "POST", "/v1/approvals", json={"app": "claims"}))
    listed = _ok(_call(server, keys["auditor"], "GET", "/v1/approvals"))["data"]
    assert len(listed) == 2 and all(a["approver"].startswith("key:") for a in listed)
    promoted = _ok(_call(server, keys["carol"], "POST", "/v1/deployments/claims/promote", json={"note": "go"}))
    assert promoted["action"] == "promote" and promoted["traffic"] == [["model-b", 100.0]]
    history = _ok(_call(server, keys["auditor"], "GET", "/v1/deployments/claims"))["data"]
    assert [d["action"] for d in history][:2] == ["promote", "deploy"] and len(history[1]["approvals"]) == 2
    back = _ok(_call(server, keys["bob"], "POST", "/v1/deployments/claims/rollback", json={"note": "regressed"}))
    assert back["action"] == "rollback"
    actions = [e.action for e in audit.list_events(runtime.store, action="deployment.", limit=20)]
    assert {"deployment.deploy", "deployment.approve", "deployment.promote", "deployment.rollback"} <= set(actions)
    assert audit.verify(runtime.store).ok


def test_auditors_read_and_never_act_and_other_teams_see_nothing(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    body = {"model": "model-b", "canary": 10}
    assert "auditor" in _error(_call(server, keys["auditor"], "POST", "/v1/deployments/claims", json=body), 403)
    assert _call(server, keys["auditor"], "POST", "/v1/deployments/claims/rollback").status_code == 403
    assert _call(server, keys["auditor"], "POST", "/v1/approvals", json={"app": "claims"}).status_code == 403
    assert "unknown app 'claims'" in _error(
        _call(server, keys["ops"], "POST", "/v1/deployments/claims", json=body), 404
    )
    assert _call(server, keys["ops"], "GET", "/v1/deployments/claims").status_code == 404
    assert _call(server, keys["ops"], "POST", "/v1/approvals", json={"app": "claims"}).status_code == 404
    apps = [s["app"] for s in _ok(_call(server, keys["ops"], "GET", "/v1/deployments"))["data"]]
    assert apps == ["airport"]
    assert _call(server, keys["ops"], "GET", "/v1/deployments", params={"app": "claims"}).status_code == 400


def test_bad_input_says_what_to_send(server: InProcessServer, keys: dict[str, str]) -> None:
    dev = keys["deployer"]
    assert "model" in _error(_call(server, dev, "POST", "/v1/deployments/claims", json={"canary": 10}), 400)
    assert "canary" in _error(
        _call(server, dev, "POST", "/v1/deployments/claims", json={"model": "model-b", "canary": 150}), 400
    )
    unknown = _call(server, dev, "POST", "/v1/deployments/claims", json={"model": "no-such-model", "canary": 5})
    assert unknown.status_code in (400, 404) and "no-such-model" in unknown.json()["error"]["message"]
    assert "speed" in _error(
        _call(server, dev, "POST", "/v1/deployments/claims", json={"model": "model-b", "speed": 1}), 400
    )
    assert "nothing to promote" in _error(_call(server, dev, "POST", "/v1/deployments/claims/promote"), 409)
    assert "limit" in _error(_call(server, dev, "GET", "/v1/deployments/claims", params={"limit": 0}), 400)


def test_the_remote_client_works_deployments(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    def remote(name: str) -> RemoteClient:
        return RemoteClient(str(server.http.base_url), key=keys[name], http=server.http)

    dep = remote("deployer").deploy("claims", "model-b", canary=10)
    assert dep["candidate"]["share"] == 10.0
    assert remote("auditor").deployments(app="claims")[0]["canary_share"] == 10.0
    with pytest.raises(PermissionDenied):
        remote("auditor").rollback("claims")
    with pytest.raises(NotFound):
        remote("ops").deployment_history("claims")
    remote("bob").approve("claims", note="fine")
    with pytest.raises(RuleViolation, match="already approved"):
        remote("bob").approve("claims")
    assert len(remote("auditor").approvals(app="claims")) == 1
    stored_run(runtime.store, runtime.project, "claims-b", served=["model-b"])
    remote("carol").approve("claims")
    assert remote("carol").promote("claims")["action"] == "promote"
    assert remote("bob").rollback("claims", note="back")["action"] == "rollback"
    assert remote("auditor").deployment_history("claims", limit=1)[0]["action"] == "rollback"


def test_two_strategies_at_once_are_refused_naming_the_json_fields(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    body = {"model": "model-b", "canary": 10, "ab": 20}
    message = _error(_call(server, keys["deployer"], "POST", "/v1/deployments/claims", json=body), 400)
    assert "`canary`" in message and "`ab`" in message and "`blue_green`" in message, message
    assert "--" not in message, message  # no CLI flags in the API's answer
    both = {"model": "model-b", "ab": 20, "blue_green": True}
    assert "--" not in _error(_call(server, keys["deployer"], "POST", "/v1/deployments/claims", json=both), 400)
    assert runtime.store.deployments.latest_deployment("claims") is None  # nothing written


LOCAL_MODEL = """
  model-local:
    backend: llama_cpp
    artefact: smollm2-135m-instruct-q4_1
    licence: Apache-2.0
"""
LOCAL_VARIANT = """
  claims-local:
    owner: claims@example.com
    purpose: Evaluation variant of claims routed to a local model.
    team: claims
    variant_of: claims
    route: [{model: model-local}]
    prompt: {system: "Answer in one word."}
"""


def test_a_model_that_is_not_fetched_is_refused_naming_the_fetch_command(tmp_path: Path) -> None:
    text = PROJECT.replace("\napps:\n", LOCAL_MODEL + "apps:" + LOCAL_VARIANT, 1)
    rt = make_runtime(tmp_path, text)
    try:
        apply.apply_project(rt.store, rt.project, ALICE)
        secret, _ = access.create_key(rt.store, ALICE, "developer", name="deployer", team="claims")
        with InProcessServer(rt) as server:
            body = {"model": "model-local", "canary": 10}
            events = len(audit.list_events(rt.store, limit=1000))
            message = _error(_call(server, secret, "POST", "/v1/deployments/claims", json=body), 409)
            assert "steward models fetch smollm2-135m-instruct-q4_1" in message, message
            assert rt.store.deployments.latest_deployment("claims") is None  # no baseline, no candidate
            assert len(audit.list_events(rt.store, limit=1000)) == events
            models = rt.settings.models_dir
            models.mkdir(parents=True, exist_ok=True)
            (models / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"fetched")  # present: the check passes
            deployed = _ok(_call(server, secret, "POST", "/v1/deployments/claims", json=body))
            assert deployed["candidate"]["model"] == "model-local"
    finally:
        rt.store.close()


def test_approvals_count_owners_not_keys(server: InProcessServer, runtime: Runtime) -> None:
    """One person with two keys is one approver: the second approval is a 409 naming the person, and the audit
    trail shows both the key and its owner. The deployer's other key may not approve either."""
    made = {}
    owners = [("deployer", "dave@example.com"), ("dave-2", "dave@example.com"), ("legacy", None),
              ("alice-2", "alice@example.com"), ("alice-3", "Alice@Example.com"), ("bob", None)]  # fmt: skip
    for name, owner in owners:
        secret, info = access.create_key(runtime.store, ALICE, "developer", name=name, team="claims", owner=owner)
        made[name] = secret
        assert info.owner == (owner.lower() if owner else None)
        approvers.grant(runtime.store, ALICE, "claims", f"key:{info.id}")
    body = {"model": "model-b", "canary": 10}
    _ok(_call(server, made["deployer"], "POST", "/v1/deployments/claims", json=body))
    own = _error(_call(server, made["dave-2"], "POST", "/v1/approvals", json={"app": "claims"}), 409)
    assert "approving one's own change" in own and "dave@example.com" in own
    _ok(_call(server, made["alice-2"], "POST", "/v1/approvals", json={"app": "claims", "note": "ok"}))
    twice = _error(_call(server, made["alice-3"], "POST", "/v1/approvals", json={"app": "claims"}), 409)
    assert "alice@example.com already approved" in twice and "people, not keys" in twice
    _ok(_call(server, made["legacy"], "POST", "/v1/approvals", json={"app": "claims"}))  # no owner: itself
    state = _ok(_call(server, made["bob"], "GET", "/v1/deployments", params={"app": "claims"}))["data"][0]
    assert state["approvers"][0] == "person:alice@example.com" and state["approvers"][1].startswith("key:")
    listed = _ok(_call(server, made["bob"], "GET", "/v1/approvals"))["data"]
    assert [a["person"] for a in listed] == ["alice@example.com", None]
    event = audit.list_events(runtime.store, action="deployment.approve", limit=2)[1]
    assert event.actor.startswith("key:") and event.actor.endswith("(alice-2)")  # the key ...
    assert event.detail["person"] == "alice@example.com"  # ... and the person
    stored_run(runtime.store, runtime.project, "claims-b", served=["model-b"])
    _ok(_call(server, made["bob"], "POST", "/v1/deployments/claims/promote"))
    assert audit.verify(runtime.store).ok


def test_a_person_granted_as_approver_approves_with_any_key_they_own(
    server: InProcessServer, runtime: Runtime
) -> None:
    secret, _ = access.create_key(runtime.store, ALICE, "developer", name="deployer", team="claims")
    carla, _ = access.create_key(
        runtime.store, ALICE, "developer", name="c", team="claims", owner="carla@example.com"
    )
    stranger, _ = access.create_key(runtime.store, ALICE, "developer", name="s", team="claims")
    approvers.grant(
        runtime.store, ALICE, "claims", approvers.principal_for(runtime.store, owner="carla@example.com")
    )
    _ok(_call(server, secret, "POST", "/v1/deployments/claims", json={"model": "model-b", "canary": 10}))
    refused = _error(_call(server, stranger, "POST", "/v1/approvals", json={"app": "claims"}), 409)
    assert "only approvers may approve" in refused
    assert (
        _ok(_call(server, carla, "POST", "/v1/approvals", json={"app": "claims"}))["person"] == "carla@example.com"
    )
    with pytest.raises(InvalidRequest, match="not an e-mail address"):
        approvers.principal_for(runtime.store, owner="carla")
