"""The management API's review queue (issue 18, second slice), in-process: listing with filters and keyset paging,
approve / reject / edit as the key's identity with the CLI's audit events, a held answer released once approved,
decisions final, roles (an auditor reads and never acts), team and app scoping, bad input, and `audit verify`
intact after all of it."""

from __future__ import annotations

from typing import Any

import pytest
from tests.gateway_fixtures import (
    InProcessServer,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
    scripted_model,
)
from tests.guard_fixtures import GUARD_PROJECT

from steward import RemoteClient
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.gateway.assemble import Runtime
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.guardrails.review import ReviewQueue
from steward.store import ReviewItem
from steward.types import LOCAL_OPERATOR, Decision, Record

HELD = "Guaranteed returns of 12% a year with our fund."


runtime = module_runtime(GUARD_PROJECT, "mgmt-reviews")


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, team, apps in [
        ("admin", "admin", "default", ()),
        ("developer", "developer", "default", ()),
        ("auditor", "auditor", "default", ()),
        ("app", "app", "default", ()),
        ("tips-only", "developer", "default", ("tips",)),
        ("other", "admin", "other-team", ()),
    ]:
        actor = Actor.user("alice")
        made[name] = access.create_key(runtime.store, actor, role, name=name, team=team, apps=apps)[0]
    return made


def _held(runtime: Runtime, app: str, team: str = "default", stage: str = "output") -> ReviewItem:
    """An escalated record of `app` and its review item, as the gateway queues one."""
    record = Record.start(app)
    record.team, record.status, record.output = team, "escalated", HELD
    decision = Decision(stage=stage, action="escalate", reasons=["compliance:guarantee"], policy="advice-policy")
    record.decisions.append(decision)
    runtime.store.write_sync(record)
    return ReviewQueue(runtime.store).hold(record, decision, HELD)


def _call(server: InProcessServer, key: str, method: str, path: str, **kwargs: Any) -> Any:
    return server.http.request(method, path, headers={"authorization": f"Bearer {key}"}, **kwargs)


def _list(server: InProcessServer, key: str, **params: Any) -> Any:
    return _call(server, key, "GET", "/v1/reviews", params=params)


def _decide(server: InProcessServer, key: str, item: str, **body: Any) -> Any:
    return _call(server, key, "POST", f"/v1/reviews/{item}/decision", json=body)


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["data"]]


def _queue_order(items: list[ReviewItem]) -> list[str]:
    return [i.id for i in sorted(items, key=lambda i: (i.created_at, i.id))]


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def test_the_queue_lists_filters_and_pages_oldest_first(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    tips = [_held(runtime, "tips") for _ in range(5)]
    strict = _held(runtime, "strict")
    theirs = _held(runtime, "tips", team="other-team")
    admin = keys["admin"]
    assert _ids(_list(server, admin, app="tips")) == _queue_order(tips)  # not the other team's, not strict's
    assert strict.id in _ids(_list(server, admin)) and theirs.id not in _ids(_list(server, admin))
    assert _ids(_list(server, keys["other"])) == [theirs.id]
    assert _ids(_list(server, keys["auditor"], app="tips")) == _queue_order(tips)  # an auditor reads
    assert strict.id not in _ids(_list(server, keys["tips-only"]))  # a key for some apps sees only theirs
    seen: list[str] = []
    after = None
    for _ in range(5):
        page = _list(server, admin, app="tips", limit=2, **({"after": after} if after else {})).json()
        seen += [i["id"] for i in page["data"]]
        after = page["next"]
        if after is None:
            break
    assert seen == _queue_order(tips)
    assert _decide(server, admin, tips[0].id, action="reject", comment="no").status_code == 200
    assert _ids(_list(server, admin, app="tips", state="decided")) == [tips[0].id]
    assert _ids(_list(server, admin, app="tips", state="rejected")) == [tips[0].id]
    assert _ids(_list(server, admin, app="tips", state="approved")) == []
    assert _ids(_list(server, admin, app="tips")) == _queue_order(tips[1:])
    assert _ids(_list(server, admin, app="tips", state="all")) == _queue_order(tips)


def test_bad_listing_input_is_a_400_that_says_what_to_send(server: InProcessServer, keys: dict[str, str]) -> None:
    admin = keys["admin"]
    assert "`state` 'claimed' is not one of: pending, approved" in _error(
        _list(server, admin, state="claimed"), 400
    )
    assert "`app` 'nope' is not one of" in _error(_list(server, admin, app="nope"), 400)
    assert "not a cursor of this listing" in _error(_list(server, admin, after="garbage"), 400)
    assert "`limit`" in _error(_list(server, admin, limit=0), 400)
    assert "cannot use the management API" in _error(_list(server, keys["app"]), 403)


def test_approving_releases_the_held_answer_to_the_waiting_client(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    scripted_model(runtime).enqueue(HELD)
    chat = {"model": "advice", "messages": [{"role": "user", "content": "How should I save?"}]}
    held = _call(server, keys["app"], "POST", "/v1/chat/completions", json=chat)
    record_id = held.json()["steward"]["record_id"]
    assert held.json()["steward"]["status"] == "escalated"
    assert _call(server, keys["app"], "GET", f"/v1/reviews/{record_id}").json()["status"] == "pending"
    decided = _decide(server, keys["developer"], record_id, action="approve", comment="fund is regulated")
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["status"], body["note"], body["record_id"]) == ("approved", "fund is regulated", record_id)
    assert body["decided_by"].startswith("key:") and body["decided_by"].endswith("(developer)")
    outcome = _call(server, keys["app"], "GET", f"/v1/reviews/{record_id}").json()
    assert (outcome["status"], outcome["answer"]) == ("approved", HELD)
    event = audit.list_events(runtime.store, subject=f"review:{body['id']}")[0]
    assert (event.action, event.actor, event.detail["note"]) == (
        "review.approve",
        body["decided_by"],
        "fund is regulated",
    )


def test_rejecting_refuses_for_good_and_erases_the_held_text(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice")
    body = _decide(
        server, keys["admin"], item.record_id, action="reject", comment="a promise we cannot keep"
    ).json()
    assert (body["status"], body["held_text"]) == ("rejected", None)
    outcome = _call(server, keys["app"], "GET", f"/v1/reviews/{item.record_id}").json()
    assert outcome["status"] == "rejected" and "answer" not in outcome
    assert [e.action for e in audit.list_events(runtime.store, subject=f"review:{item.id}")] == ["review.reject"]


def test_editing_releases_the_reviewers_text_and_keeps_it_as_a_correction(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice")
    edited = "Returns are not guaranteed; capital is at risk."
    body = _decide(server, keys["developer"], item.id, action="edit", comment="no guarantees", text=edited).json()
    assert (body["status"], body["released_text"]) == ("approved", edited)
    assert body["held_text"] == HELD  # what was held stays for the record of the decision
    assert _call(server, keys["app"], "GET", f"/v1/reviews/{item.record_id}").json()["answer"] == edited
    correction = runtime.store.reviews.corrections([item.record_id])[item.record_id]
    assert (correction.answer, correction.why) == (edited, "no guarantees")
    approve = audit.list_events(runtime.store, subject=f"review:{item.id}")[0]
    corrected = audit.list_events(runtime.store, subject=f"record:{item.record_id}")[0]
    assert approve.action == "review.approve" and approve.detail["edited"] == correction.id
    assert corrected.action == "review_correction.add" and corrected.detail["why"] == "no guarantees"


def test_edit_input_is_checked(server: InProcessServer, runtime: Runtime, keys: dict[str, str]) -> None:
    item, question = _held(runtime, "advice"), _held(runtime, "advice", stage="input")
    dev = keys["developer"]
    assert "send the edited answer as `text`" in _error(
        _decide(server, dev, item.id, action="edit", comment="x"), 400
    )
    wrong = _decide(server, dev, item.id, action="approve", text="other")
    assert "send `text` only with edit" in _error(wrong, 400)
    no_comment = _decide(server, dev, item.id, action="edit", text="Better.")
    assert "an edit needs a comment" in _error(no_comment, 400)
    of_question = _decide(server, dev, question.id, action="edit", text="Better.", comment="why")
    assert "holds a question, not an answer" in _error(of_question, 400)
    assert ReviewQueue(runtime.store).get(LOCAL_OPERATOR, item.id).status == "pending"


def test_a_decision_is_final_and_a_second_one_names_the_first(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice")
    assert _decide(server, keys["developer"], item.id, action="approve").status_code == 200
    again = _error(_decide(server, keys["admin"], item.id, action="reject", comment="changed my mind"), 400)
    assert f"review item {item.id} was already approved by key:" in again and "a decision is final" in again
    assert [e.action for e in audit.list_events(runtime.store, subject=f"review:{item.id}")] == ["review.approve"]


def test_an_auditor_reads_and_never_acts(server: InProcessServer, runtime: Runtime, keys: dict[str, str]) -> None:
    item = _held(runtime, "advice")
    for action in ("approve", "reject"):
        message = _error(_decide(server, keys["auditor"], item.id, action=action), 403)
        assert (
            message
            == "an auditor key may not decide on review items; use an admin or developer key of the app's team."
        )
    refused = _decide(server, keys["auditor"], "rec_nope", action="approve")  # refused before any lookup
    assert refused.status_code == 403
    assert _decide(server, keys["app"], item.id, action="approve").status_code == 403
    assert _list(server, keys["admin"], state="pending").json()["data"][0]["status"] == "pending"


def test_another_teams_item_answers_as_a_missing_one(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    theirs, tips_key = _held(runtime, "advice", team="other-team"), keys["tips-only"]
    mine = _held(runtime, "advice")
    for key, item in ((keys["admin"], theirs), (tips_key, mine), (keys["admin"], None)):
        item_id = item.id if item else "rev_nope"
        assert f"no review item {item_id!r}" in _error(_decide(server, key, item_id, action="approve"), 404)
    assert ReviewQueue(runtime.store).get(LOCAL_OPERATOR, theirs.id).status == "pending"


def test_a_bad_action_or_body_is_a_400_with_a_message(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice")
    bad = _error(_decide(server, keys["admin"], item.id, action="release"), 400)
    assert bad.startswith("`action`:") and "'approve', 'reject' or 'edit'" in bad
    assert "`action`" in _error(_decide(server, keys["admin"], item.id), 400)
    assert "`surprise`" in _error(_decide(server, keys["admin"], item.id, action="approve", surprise=1), 400)
    headers = {"authorization": f"Bearer {keys['admin']}", "content-type": "application/json"}
    raw = server.http.post(f"/v1/reviews/{item.id}/decision", content=b"{nope", headers=headers)
    assert "not valid JSON" in _error(raw, 400)


def test_the_sdk_works_the_queue(server: InProcessServer, runtime: Runtime, keys: dict[str, str]) -> None:
    item = _held(runtime, "advice")
    with RemoteClient(server.url, keys["developer"], http=server.http) as steward:
        assert item.id in [i["id"] for i in steward.reviews(app="advice", limit=2)]
        assert (
            steward.decide_review(item.record_id, "edit", "too strong", text="Maybe.")["released_text"] == "Maybe."
        )
        assert steward.review(item.record_id)["answer"] == "Maybe."
        assert item.id in [i["id"] for i in steward.reviews(state="decided")]
        with pytest.raises(InvalidRequest, match="a decision is final"):
            steward.decide_review(item.id, "reject")
        with pytest.raises(NotFound, match="no review item"):
            steward.decide_review("rev_nope", "approve")
    auditor = RemoteClient(server.url, keys["auditor"], http=server.http)
    with pytest.raises(PermissionDenied, match="auditor key may not decide"):
        auditor.decide_review(item.id, "approve")


def test_the_routes_are_documented(server: InProcessServer) -> None:
    paths = server.http.get("/openapi.json").json()["paths"]
    assert "get" in paths["/v1/reviews"] and "post" in paths["/v1/reviews/{record_id}/decision"]
    assert "get" in paths["/v1/reviews/{record_id}"]  # the outcome route stays beside them
    decision = paths["/v1/reviews/{record_id}/decision"]["post"]
    assert "ReviewItemOut" in str(decision["responses"]["200"]) and "DecisionIn" in str(decision["requestBody"])


def test_audit_verify_is_intact_after_every_decision(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = _held(runtime, "advice")
    _decide(server, keys["admin"], item.id, action="edit", comment="softer", text="Softer.")
    result = audit.verify(runtime.store)
    assert result.ok, result.problems
    assert result.reviews_checked >= 6 and result.corrections_checked >= 2


def test_a_refusal_to_read_names_every_role_that_may() -> None:
    """An app key (the CLI's `--key`) may not read the queue; the refusal names the auditor too, who may."""
    from steward.guardrails.review import check
    from steward.types import Principal

    with pytest.raises(PermissionDenied) as refused:
        check(Principal(key_id="key_1", role="app"), "read")
    assert str(refused.value) == (
        "an app key may not read review items; use an admin, developer or auditor key of the app's team."
    )


def test_audit_finds_a_keys_events_by_its_actor_id(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    """Events name a key as `key:<id> (<name>)`; `actor=key:<id>`, as the API docs it, finds them."""
    item = _held(runtime, "advice")
    decided = _decide(server, keys["developer"], item.id, action="approve", comment="ok")
    key_actor = decided.json()["decided_by"].split(" ")[0]
    assert key_actor.startswith("key:key_")
    found = _call(server, keys["auditor"], "GET", "/v1/audit", params={"actor": key_actor}).json()["data"]
    assert (found[0]["action"], found[0]["subject"]) == ("review.approve", f"review:{item.id}")
    assert {e["actor"] for e in found} == {f"{key_actor} (developer)"}
    named = _call(server, keys["auditor"], "GET", "/v1/audit", params={"actor": f"{key_actor} (developer)"})
    assert [e["id"] for e in named.json()["data"]] == [e["id"] for e in found]
    bare = _call(server, keys["auditor"], "GET", "/v1/audit", params={"actor": key_actor.removeprefix("key:")})
    assert [e["id"] for e in bare.json()["data"]] == [e["id"] for e in found]  # a record's key_id, as it is


def test_polling_a_request_that_was_not_held_says_so_to_the_client(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    """A client polling `GET /v1/reviews/<record_id>` holds an app key: the 404 points it to no CLI command, and
    reads alike for a missing record and another team's held one."""
    theirs = _held(runtime, "advice", team="other-team")
    for record_id in ("rec_nope", theirs.record_id):
        polled = _call(server, keys["app"], "GET", f"/v1/reviews/{record_id}")
        assert polled.status_code == 404
        assert polled.json()["error"]["message"] == (
            f"no request {record_id!r} held for review that this key may read; a request is held when its "
            "answer's `steward.status` is `escalated`."
        )
