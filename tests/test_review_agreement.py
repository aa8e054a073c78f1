"""Two labels per item under the two-person rule, and Cohen's κ over them (issue 18).

Every item of a `reviewers: 2` policy stays open for a second, blind label by a different reviewer until it has
two; the outcome stays fail-closed (a first rejection refuses the held answer at once, a second label on a refused
item never releases it); the first label is hidden from a developer who did not give it (API, audit log, console)
until both are in; disagreements are listed and audited; κ is computed with scikit-learn over the items with two
labels, overall, per app, per policy and per pair of reviewers, through the API, the CLI and the SDK, for the
review list's readers only; `steward audit verify` vouches for every label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, update
from starlette.testclient import TestClient
from tests.console_fixtures import form_token, sign_in
from tests.gateway_fixtures import (
    InProcessServer,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.review_fixtures import (
    HELD,
    TWO_PERSON,
    auth,
    decide,
    held,
    make_review_keys,
    ok,
    review_keys,  # noqa: F401  (the module's `keys` fixture)
    two_person_runtime,
)

from steward import Client, RemoteClient
from steward.gateway.assemble import Runtime
from steward.governance import audit
from steward.guardrails.agreement import MIN_ITEMS, summary
from steward.guardrails.review import STATES
from steward.store.guardrails import review_labels

FIRST_NOTE = "first-label-note-7f3a"  # what only the first reviewer (and the overseers) may read until both are in

runtime = module_runtime(TWO_PERSON, "review-agreement")


def _listed(server: InProcessServer, key: str, state: str, app: str = "advice") -> dict[str, dict[str, Any]]:
    page = ok(server.http.get("/v1/reviews", headers=auth(key), params={"state": state, "app": app}))
    return {item["id"]: item for item in page["data"]}


def _agreement(server: InProcessServer, key: str, **params: Any) -> Any:
    return server.http.get("/v1/reviews/agreement", headers=auth(key), params=params)


def _label_both(server: InProcessServer, runtime: Runtime, keys: dict[str, str], first: str, second: str) -> str:
    """An item of `advice` labelled `first` by ana, then `second` by ben; its id."""
    item = held(runtime)
    ok(decide(server, keys["ana"], item.id, first))
    ok(decide(server, keys["ben"], item.id, second))
    return item.id


# ---- κ itself ----


def test_kappa_of_a_hand_worked_example() -> None:
    # 10 items, first label against second:      second approve   second reject
    #                          first approve            4               2          (6)
    #                          first reject             1               3          (4)
    #                                                  (5)             (5)
    # observed agreement p_o = (4 + 3) / 10 = 0.7
    # chance agreement  p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5
    # κ = (p_o - p_e) / (1 - p_e) = (0.7 - 0.5) / 0.5 = 0.4
    first = ["approve"] * 4 + ["reject"] * 3 + ["approve"] * 2 + ["reject"]
    second = ["approve"] * 4 + ["reject"] * 3 + ["reject"] * 2 + ["approve"]
    got = summary(first, second)
    assert got["items"] == 10 and got["agreed"] == 7 and got["observed_agreement"] == pytest.approx(0.7)
    assert got["kappa"] == pytest.approx(0.4) and got["undefined"] is None
    assert got["table"] == {"approve/approve": 4, "approve/reject": 2, "reject/approve": 1, "reject/reject": 3}
    # the same counts with the raters' labels disagreeing more: p_o = 0.3, p_e = 0.5, κ = -0.4
    flipped = summary(first, ["reject" if s == "approve" else "approve" for s in second])
    assert flipped["kappa"] == pytest.approx(-0.4)


def test_kappa_is_undefined_with_too_few_items_or_a_single_class() -> None:
    few = summary(["approve", "reject"], ["approve", "reject"])
    assert few["kappa"] is None and "too few items: 2" in few["undefined"] and few["observed_agreement"] == 1.0
    assert summary([], [])["observed_agreement"] is None and "too few" in summary([], [])["undefined"]
    one = summary(["approve"] * MIN_ITEMS, ["approve"] * MIN_ITEMS)
    assert one["kappa"] is None and "single class" in one["undefined"] and one["observed_agreement"] == 1.0
    # one position using one class while the other uses both is defined (κ = 0: no better than chance)
    lopsided = summary(["approve"] * 5, ["approve"] * 4 + ["reject"])
    assert lopsided["kappa"] == pytest.approx(0.0) and lopsided["undefined"] is None


def test_the_api_the_cli_the_sdk_and_the_console_agree_on_a_hand_worked_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = two_person_runtime(tmp_path / "kappa")
    keys = make_review_keys(runtime)
    with InProcessServer(runtime) as server:
        pairs = [("approve", "approve")] * 4 + [("reject", "reject")] * 3
        pairs += [("approve", "reject")] * 2 + [("reject", "approve")]
        for first, second in pairs:  # the hand-worked example above, labelled through the API: κ = 0.4
            _label_both(server, runtime, keys, first, second)
        for _ in range(3):  # tips: too few items for κ
            _label_both_tips(server, runtime, keys)
        got = ok(_agreement(server, keys["admin"]))
        assert got["overall"]["items"] == 13 and got["disagreements"] == 3
        advice = next(row for row in got["by_app"] if row["app"] == "advice")
        assert advice["kappa"] == pytest.approx(0.4) and advice["observed_agreement"] == pytest.approx(0.7)
        assert advice["items"] == 10
        tips = next(row for row in got["by_app"] if row["app"] == "tips")
        assert tips["kappa"] is None and "too few items: 3" in tips["undefined"]
        policies = {row["policy"]: row for row in got["by_policy"]}
        assert set(policies) == {"advice-policy", "append-only"}
        assert policies["advice-policy"]["kappa"] == pytest.approx(0.4)
        (pair,) = got["by_pair"]  # ana and ben labelled 13 items together
        assert pair["items"] == 13 and {r.split(" (")[1] for r in pair["reviewers"]} == {"ana)", "ben)"}
        only = ok(_agreement(server, keys["admin"], app="advice"))
        assert only["overall"]["kappa"] == pytest.approx(0.4) and only["app"] == "advice"
        assert ok(_agreement(server, keys["admin"], since="2999-01-01"))["overall"]["items"] == 0

        remote = RemoteClient(str(server.http.base_url), key=keys["auditor"], http=server.http)
        assert remote.review_agreement(app="advice")["overall"]["kappa"] == pytest.approx(0.4)

        browser = TestClient(server.http.app, base_url=server.url, raise_server_exceptions=False)
        assert sign_in(browser, keys["admin"], "/ui/reviews").status_code == 303
        page = browser.get("/ui/reviews", params={"app": "advice"}).text
        assert "Inter-rater agreement" in page and "0.400" in page and "0.70" in page
        # the items column is the count (a row is a dict: `row.items` would print its bound method)
        assert "<td>10</td>" in page and "built-in method" not in page
        page = browser.get("/ui/reviews").text
        assert "undefined: too few items: 3" in page and "3 disagreements" in page

    from typer.testing import CliRunner

    from steward.cli import app as cli

    (tmp_path / "steward.yaml").write_text(TWO_PERSON, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()
    printed = runner.invoke(cli, ["review", "agreement", "--app", "advice", "--json", "--key", keys["ana"]])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["overall"]["kappa"] == pytest.approx(0.4)
    table = runner.invoke(cli, ["review", "agreement"])
    assert table.exit_code == 0 and "0.400" in table.stdout and "3 disagreements" in table.stdout, table.output
    assert "Cohen" in runner.invoke(cli, ["review", "agreement", "--help"]).stdout
    bad = runner.invoke(cli, ["review", "agreement", "--since", "yesterday-ish"])
    assert bad.exit_code != 0 and "--since=2026" in str(bad.exception)  # the CLI's option, not a URL parameter
    listed = runner.invoke(cli, ["review", "list", "--status", "disagreements", "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 3, listed.output
    with Client(runtime=runtime) as local:  # the in-process SDK, as the local operator; closes the runtime
        assert local.review_agreement("advice")["overall"]["kappa"] == pytest.approx(0.4)


def _label_both_tips(server: InProcessServer, runtime: Runtime, keys: dict[str, str]) -> None:
    item = held(runtime, "tips")
    ok(decide(server, keys["ana"], item.id, "approve"))
    ok(decide(server, keys["ben"], item.id, "approve"))


# ---- the outcome stays fail-closed; the second label is blind ----


def test_a_first_rejection_refuses_at_once_and_its_second_label_never_releases(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = held(runtime)
    first = ok(decide(server, keys["ana"], item.id, "reject", FIRST_NOTE))
    assert first["status"] == "rejected" and first["needs_second_label"] and first["labels_given"] == 1
    assert first["held_text"] == HELD  # kept for the second reviewer, who labels what was held
    outcome = ok(server.http.get(f"/v1/reviews/{item.record_id}", headers=auth(keys["app"])))
    assert outcome["status"] == "rejected" and "answer" not in outcome  # the client is refused at once
    again = decide(server, keys["ana"], item.id, "approve")  # the second label is another reviewer's
    assert again.status_code == 400 and "second, different reviewer" in again.json()["error"]["message"]

    second = ok(decide(server, keys["ben"], item.id, "approve", "fine by me"))
    assert second["status"] == "rejected" and second["held_text"] is None and second["released_text"] is None
    assert [(lb["seq"], lb["label"]) for lb in second["labels"]] == [(1, "reject"), (2, "approve")]
    assert second["disagreement"] and not second["needs_second_label"] and not second["blind"]
    outcome = ok(server.http.get(f"/v1/reviews/{item.record_id}", headers=auth(keys["app"])))
    assert outcome["status"] == "rejected" and "answer" not in outcome
    stored = runtime.store.reviews.get_item(item.id)
    assert (stored.status, stored.released_text, stored.held_text) == ("rejected", None, None)
    third = decide(server, keys["admin"], item.id, "approve")
    assert third.status_code == 400 and "both its labels" in third.json()["error"]["message"]

    events = list(audit.list_events(runtime.store, subject=f"review:{item.id}"))
    assert [e.action for e in events] == ["review.label", "review.reject"]  # newest first
    assert events[0].detail["agrees"] is False and events[0].detail["outcome"] == "rejected"
    assert item.id in _listed(server, keys["ben"], "disagreements")
    assert audit.verify(runtime.store).ok


def test_a_first_approval_and_a_second_rejection_refuse_it(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = held(runtime)
    assert ok(decide(server, keys["ben"], item.id, "approve"))["status"] == "pending"
    outcome = ok(server.http.get(f"/v1/reviews/{item.record_id}", headers=auth(keys["app"])))
    assert outcome["status"] == "pending" and "answer" not in outcome  # one approval of two releases nothing
    refused = ok(decide(server, keys["ana"], item.id, "reject"))
    assert refused["status"] == "rejected" and refused["disagreement"] and refused["held_text"] is None
    outcome = ok(server.http.get(f"/v1/reviews/{item.record_id}", headers=auth(keys["app"])))
    assert outcome["status"] == "rejected" and "answer" not in outcome
    agreed = _label_both(server, runtime, keys, "approve", "approve")  # two approvals release, as before
    assert runtime.store.reviews.get_item(agreed).status == "approved"
    assert agreed not in _listed(server, keys["admin"], "disagreements")


def test_the_second_reviewer_does_not_see_the_first_label(
    server: InProcessServer,
    runtime: Runtime,
    keys: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = held(runtime)
    ok(decide(server, keys["ana"], item.id, "reject", FIRST_NOTE))
    ben = keys["ben"]
    blind = _listed(server, ben, "all")[item.id]
    assert blind["status"] == "pending" and blind["blind"] and blind["needs_second_label"]
    assert blind["labels"] == [] and blind["decided_by"] is None and blind["note"] == ""
    assert blind["held_text"] == HELD and FIRST_NOTE not in json.dumps(blind)
    assert item.id in _listed(server, ben, "pending") and item.id not in _listed(server, ben, "rejected")
    assert item.id not in _listed(server, ben, "decided") and item.id in _listed(server, ben, "needs_second_label")
    outcome = ok(server.http.get(f"/v1/reviews/{item.record_id}", headers=auth(ben)))
    assert outcome["status"] == "pending"
    claimed = ok(server.http.post(f"/v1/reviews/{item.id}/claim", headers=auth(ben)))
    assert claimed["status"] == "pending" and FIRST_NOTE not in json.dumps(claimed)
    trail = ok(server.http.get("/v1/audit", headers=auth(ben), params={"subject": f"review:{item.id}"}))
    assert [e["action"] for e in trail["data"]] == ["review.claim"] and FIRST_NOTE not in json.dumps(trail)

    for overseer in ("admin", "auditor", "ana"):  # the overseers and the first label's author see it
        seen = _listed(server, keys[overseer], "all")[item.id]
        assert seen["status"] == "rejected" and not seen["blind"] and seen["labels"][0]["note"] == FIRST_NOTE
        events = ok(
            server.http.get("/v1/audit", headers=auth(keys[overseer]), params={"subject": f"review:{item.id}"})
        )
        assert "review.reject" in [e["action"] for e in events["data"]]

    from typer.testing import CliRunner

    from steward.cli import app as cli

    (tmp_path / "steward.yaml").write_text(TWO_PERSON, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()
    for who, sees in (("ben", False), ("ana", True)):  # the CLI with a key reads as the API does
        shown = runner.invoke(cli, ["review", "show", item.id, "--key", keys[who]])
        assert shown.exit_code == 0 and (FIRST_NOTE in shown.stdout) is sees, shown.output
        trail = runner.invoke(
            cli, ["audit", "list", "--subject", f"review:{item.id}", "--json", "--key", keys[who]]
        )
        assert trail.exit_code == 0 and ("review.reject" in trail.stdout) is sees, trail.output

    browser = TestClient(server.http.app, base_url=server.url, raise_server_exceptions=False)
    assert sign_in(browser, ben, "/ui/reviews").status_code == 303
    queue = browser.get("/ui/reviews", params={"app": "advice", "state": "needs_second_label"})
    assert f'id="item-{item.id}"' in queue.text and "a second, blind label is due" in queue.text
    assert FIRST_NOTE not in queue.text
    assert FIRST_NOTE not in browser.get(f"/ui/records/{item.record_id}").text
    token = form_token(queue.text)
    labelled = browser.post(
        f"/ui/reviews/{item.id}/decision", data={"action": "approve", "csrf": token}, follow_redirects=True
    )
    assert "the item stays refused" in labelled.text
    assert FIRST_NOTE in browser.get("/ui/reviews", params={"app": "advice", "state": "all"}).text  # both in
    assert runtime.store.reviews.get_item(item.id).status == "rejected"
    assert audit.verify(runtime.store).ok


# ---- who may read κ ----


def test_agreement_follows_the_review_lists_roles_and_teams(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    _label_both(server, runtime, keys, "approve", "reject")
    tips = held(runtime, "tips")
    ok(decide(server, keys["ana"], tips.id, "approve"))
    ok(decide(server, keys["ben"], tips.id, "reject"))
    for reader in ("admin", "ana", "auditor"):
        assert ok(_agreement(server, keys[reader]))["overall"]["items"] >= 2
    assert _agreement(server, keys["app"]).status_code == 403
    assert ok(_agreement(server, keys["other"]))["overall"]["items"] == 0  # another team's labels are not theirs
    scoped = ok(_agreement(server, keys["tips-only"]))
    assert {row["app"] for row in scoped["by_app"]} == {"tips"}
    assert _agreement(server, keys["tips-only"], app="advice").status_code == 400
    assert _agreement(server, keys["admin"], app="nope").status_code == 400
    assert _agreement(server, keys["admin"], since="not a time").status_code == 400
    assert _agreement(server, keys["admin"], since="2026-12-02", until="2026-12-01").status_code == 400
    assert "/v1/reviews/agreement" in server.http.get("/openapi.json").json()["paths"]
    assert set(STATES) == set(_states_of_the_api())


def _states_of_the_api() -> tuple[str, ...]:
    from steward.gateway.management.reviews import STATES as API_STATES

    return API_STATES


# ---- tamper evidence ----


def test_verify_notices_a_label_flipped_inserted_or_deleted_outside_steward(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item_id = _label_both(server, runtime, keys, "reject", "reject")
    assert audit.verify(runtime.store).ok
    labels = review_labels.c
    with runtime.store.engine.begin() as conn:
        conn.execute(
            update(review_labels).where(labels.item_id == item_id, labels.seq == 2).values(label="approve")
        )
    result = audit.verify(runtime.store)
    assert not result.ok and any("edited outside Steward" in p and "label" in p for p in result.problems)
    with runtime.store.engine.begin() as conn:
        conn.execute(
            update(review_labels).where(labels.item_id == item_id, labels.seq == 2).values(label="reject")
        )
        row = conn.execute(review_labels.select().where(labels.item_id == item_id, labels.seq == 2)).one()
        conn.execute(delete(review_labels).where(labels.id == row.id))
    result = audit.verify(runtime.store)
    assert not result.ok and any("deleted outside Steward" in p for p in result.problems)
    forged = {**row._mapping, "id": "lbl_forged"}
    with runtime.store.engine.begin() as conn:
        conn.execute(insert(review_labels).values(**forged))
    result = audit.verify(runtime.store)
    assert any("lbl_forged" in p and "matches no audit event" in p for p in result.problems)
    with runtime.store.engine.begin() as conn:
        conn.execute(update(review_labels).where(labels.id == "lbl_forged").values(id=row.id))
    assert audit.verify(runtime.store).ok


def test_the_labels_table_matches_its_migration(runtime: Runtime) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from steward.store.schema import metadata

    with runtime.store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diffs if "review_labels" in repr(d)] == []
