"""The review queue's claims and the two-person rule (issue 18), through the management API and the CLI's
`ReviewQueue` alike: a claim shows to others and keeps them from deciding until it expires; a policy with
`reviewers: 2` needs two distinct reviewers' approvals, the same one twice is refused; every step is audited and
`steward audit verify` stays intact (and notices a first approval edited outside Steward)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.gateway_fixtures import (
    InProcessServer,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.guard_fixtures import GUARD_PROJECT

from steward import RemoteClient
from steward.config import load_project_text
from steward.errors import InvalidRequest
from steward.gateway.assemble import Runtime
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.guardrails.review import ReviewQueue
from steward.store import ReviewItem
from steward.store.guardrails import review_items
from steward.types import LOCAL_OPERATOR, Decision, Record

TWO_PERSON = GUARD_PROJECT.replace(
    "  advice-policy:\n    output:", "  advice-policy:\n    reviewers: 2\n    output:"
)
HELD = "Guaranteed returns of 12% a year with our fund."


assert TWO_PERSON != GUARD_PROJECT
runtime = module_runtime(TWO_PERSON, "mgmt-claims")


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, team in [
        ("admin", "admin", "default"),
        ("developer", "developer", "default"),
        ("auditor", "auditor", "default"),
        ("app", "app", "default"),
        ("other", "admin", "other-team"),
    ]:
        made[name] = access.create_key(runtime.store, Actor.user("alice"), role, name=name, team=team)[0]
    return made


def _held(runtime: Runtime, app: str, policy: str | None = None, team: str = "default") -> ReviewItem:
    record = Record.start(app)
    record.team, record.status, record.output = team, "escalated", HELD
    decision = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"], policy=policy)
    record.decisions.append(decision)
    runtime.store.write_sync(record)
    return ReviewQueue(runtime.store).hold(record, decision, HELD)


def _post(server: InProcessServer, key: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return server.http.post(path, headers={"authorization": f"Bearer {key}"}, json=body or {})


def _claim(server: InProcessServer, key: str, item: str) -> Any:
    return _post(server, key, f"/v1/reviews/{item}/claim")


def _decide(server: InProcessServer, key: str, item: str, **body: Any) -> Any:
    return _post(server, key, f"/v1/reviews/{item}/decision", body)


def _listed(server: InProcessServer, key: str, item: str) -> dict[str, Any]:
    page = server.http.get("/v1/reviews", headers={"authorization": f"Bearer {key}"}, params={"state": "all"})
    found: dict[str, Any] = next(i for i in page.json()["data"] if i["id"] == item)
    return found


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def _expire_claim(runtime: Runtime, item_id: str) -> None:
    """Move a claim's end into the past, as time passing would."""
    with runtime.store.engine.begin() as conn:
        conn.execute(update(review_items).where(review_items.c.id == item_id).values(claimed_until=1.0))


def test_a_claim_shows_to_others_and_keeps_them_from_deciding_until_it_expires(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "tips")
    claimed = _claim(server, keys["developer"], item.id)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"].endswith("(developer)") and claimed.json()["claimed_until"] is not None
    seen = _listed(server, keys["admin"], item.id)  # others see it taken
    assert seen["claimed_by"] == claimed.json()["claimed_by"]
    assert "claimed by key:" in _error(_claim(server, keys["admin"], item.id), 400)
    assert "claimed by key:" in _error(_decide(server, keys["admin"], item.id, action="approve"), 400)
    assert _claim(server, keys["developer"], item.id).status_code == 200  # its holder renews it
    _expire_claim(runtime, item.id)
    assert _listed(server, keys["admin"], item.id)["claimed_by"] is None
    assert _claim(server, keys["admin"], item.id).json()["claimed_by"].endswith("(admin)")
    decided = _decide(server, keys["admin"], item.id, action="reject", comment="no")
    assert decided.status_code == 200 and decided.json()["claimed_by"] is None
    assert "already rejected" in _error(_claim(server, keys["admin"], item.id), 400)
    claims = list(audit.list_events(runtime.store, subject=f"review:{item.id}", action="review.claim"))
    assert len(claims) == 3 and all(e.actor.startswith("key:") for e in claims)


def test_a_reviewer_lets_go_of_a_claim_and_another_takes_it(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "tips")
    assert _claim(server, keys["developer"], item.id).status_code == 200
    headers = {"authorization": f"Bearer {keys['admin']}"}
    assert "no claim" in _error(server.http.delete(f"/v1/reviews/{item.id}/claim", headers=headers), 400)
    for key, status in (("auditor", 403), ("other", 404)):
        refused = server.http.delete(
            f"/v1/reviews/{item.id}/claim", headers={"authorization": f"Bearer {keys[key]}"}
        )
        assert refused.status_code == status, refused.text
    remote = RemoteClient(str(server.http.base_url), key=keys["developer"], http=server.http)
    assert remote.unclaim_review(item.id)["claimed_by"] is None
    assert _claim(server, keys["admin"], item.id).json()["claimed_by"].endswith("(admin)")
    actions = [e.action for e in audit.list_events(runtime.store, subject=f"review:{item.id}")]
    assert actions == ["review.claim", "review.unclaim", "review.claim"]
    assert audit.verify(runtime.store).ok


def test_claims_are_refused_to_readers_and_other_teams(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "tips")
    assert "auditor key may not decide" in _error(_claim(server, keys["auditor"], item.id), 403)
    assert _claim(server, keys["app"], item.id).status_code == 403
    assert "no review item" in _error(_claim(server, keys["other"], item.id), 404)
    assert "no review item" in _error(_claim(server, keys["admin"], "rev_missing"), 404)
    assert "not a parameter" in _error(
        server.http.post(
            f"/v1/reviews/{item.id}/claim",
            params={"minutes": "60"},
            headers={"authorization": f"Bearer {keys['admin']}"},
        ),
        400,
    )


def test_the_two_person_rule_needs_two_distinct_reviewers(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice", "advice-policy")
    first = _decide(server, keys["developer"], item.id, action="approve", comment="fine")
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["status"], body["approvals"], body["approvals_required"]) == ("pending", 1, 2)
    assert body["first_approval_by"].endswith("(developer)") and body["released_text"] is None
    again = _error(_decide(server, keys["developer"], item.id, action="approve"), 400)
    assert "second, different reviewer" in again and "approved it already" in again
    assert "two reviewers" in _error(
        _decide(server, keys["admin"], item.id, action="edit", text="x", comment="c"), 400
    )
    second = _decide(server, keys["admin"], item.id, action="approve", comment="agreed").json()
    assert (second["status"], second["approvals"]) == ("approved", 2)
    assert second["decided_by"].endswith("(admin)") and second["first_approval_by"] == body["first_approval_by"]
    events = list(audit.list_events(runtime.store, subject=f"review:{item.id}"))
    assert [e.action for e in events] == ["review.approve", "review.approve"]
    assert events[0].detail["first_approval_by"] == body["first_approval_by"]  # newest first
    assert audit.verify(runtime.store).ok


def test_one_rejection_refuses_a_two_person_item_and_one_reviewer_suffices_elsewhere(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    two = _held(runtime, "advice", "advice-policy")
    assert _decide(server, keys["developer"], two.id, action="approve").json()["status"] == "pending"
    assert _decide(server, keys["admin"], two.id, action="reject", comment="no").json()["status"] == "rejected"
    queued = _held(runtime, "advice")  # queued without a policy (the monitor's rule): the app's policy counts
    assert _decide(server, keys["admin"], queued.id, action="approve").json()["status"] == "pending"
    one = _held(runtime, "tips", "append-only")
    approved = _decide(server, keys["admin"], one.id, action="approve").json()
    assert (approved["status"], approved["approvals"], approved["approvals_required"]) == ("approved", 1, 1)


def test_the_cli_queue_applies_the_same_rule(runtime: Runtime) -> None:
    queue = ReviewQueue(runtime.store, runtime.project)
    item = _held(runtime, "advice", "advice-policy")
    assert queue.approve(LOCAL_OPERATOR, item.id, "ok").status == "pending"
    with pytest.raises(InvalidRequest, match="second, different reviewer"):
        queue.approve(LOCAL_OPERATOR, item.id, "ok again")


def test_verify_notices_a_first_approval_edited_outside_steward(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice", "advice-policy")
    assert _claim(server, keys["developer"], item.id).status_code == 200
    assert _decide(server, keys["developer"], item.id, action="approve").status_code == 200
    assert audit.verify(runtime.store).ok
    with runtime.store.engine.begin() as conn:
        forged = update(review_items).where(review_items.c.id == item.id).values(first_approval_by="key:forged")
        conn.execute(forged)
    result = audit.verify(runtime.store)
    assert not result.ok and any("first approval was edited" in p for p in result.problems)
    with runtime.store.engine.begin() as conn:
        conn.execute(update(review_items).where(review_items.c.id == item.id).values(first_approval_by=None))


def test_the_remote_client_claims(server: InProcessServer, runtime: Runtime, keys: dict[str, str]) -> None:
    item = _held(runtime, "tips")
    remote = RemoteClient(str(server.http.base_url), key=keys["developer"], http=server.http)
    assert remote.claim_review(item.record_id)["claimed_by"].endswith("(developer)")


def test_one_reviewer_keeps_policy_versions(runtime: Runtime) -> None:
    once = load_project_text(GUARD_PROJECT, "a.yaml").policies["advice-policy"]
    twice = load_project_text(TWO_PERSON, "b.yaml").policies["advice-policy"]
    assert once.reviewers == 1 and twice.reviewers == 2 and once.version != twice.version
    explicit = GUARD_PROJECT.replace(
        "  advice-policy:\n    output:", "  advice-policy:\n    reviewers: 1\n    output:"
    )
    assert load_project_text(explicit, "c.yaml").policies["advice-policy"].version == once.version


def test_the_cli_claims_and_approves_under_the_two_person_rule(
    runtime: Runtime, keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from steward.cli import app as cli

    (tmp_path / "steward.yaml").write_text(TWO_PERSON, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", runtime.settings.database_url)
    item = _held(runtime, "advice", "advice-policy")
    runner = CliRunner()
    claimed = runner.invoke(cli, ["review", "claim", item.id, "--key", keys["developer"]])
    assert claimed.exit_code == 0 and "claimed" in claimed.stdout, claimed.output
    first = runner.invoke(cli, ["review", "approve", item.id, "--key", keys["developer"], "--note", "ok"])
    assert first.exit_code == 0 and "first of two reviewers" in first.stdout, first.output
    again = runner.invoke(cli, ["review", "approve", item.id, "--key", keys["developer"]])
    assert isinstance(again.exception, InvalidRequest) and "second, different reviewer" in str(again.exception)
    second = runner.invoke(cli, ["review", "approve", item.id, "--key", keys["admin"]])
    assert second.exit_code == 0 and "approved" in second.stdout and "(admin)" in second.stdout, second.output
