"""An insider against the two-person review and the approver identities (issue 18, session 14's attack).

Each test is a way found to get round a rule that landed with review labels and person approvers: one person
giving both labels of an item after renewing a claim often enough, a blind second reviewer reading the first
label off an empty audit page's cursor, one owner spelt two ways counting as two people, and a key scoped to an
app reading the events of an app whose name differs only in case (SQLite's LIKE ignores ASCII case)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.gateway_fixtures import (
    InProcessServer,
    make_runtime,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)
from tests.review_fixtures import (
    TWO_PERSON,
    auth,
    decide,
    held,
    ok,
    review_keys,  # noqa: F401  (the module's `keys` fixture)
)

from steward.errors import InvalidRequest
from steward.gateway.assemble import Runtime
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.guardrails.agreement import MIN_ITEMS
from steward.store.keys import owner_address

runtime = module_runtime(TWO_PERSON, "review-insider")


def _owned(runtime: Runtime, name: str, owner: str) -> str:
    return access.create_key(runtime.store, Actor.user("alice"), "developer", name=name, owner=owner)[0]


def test_renewed_claims_do_not_let_one_person_give_both_labels(server: InProcessServer, runtime: Runtime) -> None:
    first, second = _owned(runtime, "cleo-1", "cleo@example.com"), _owned(runtime, "cleo-2", "cleo@example.com")
    item = held(runtime)
    ok(decide(server, first, item.id, "approve"))
    for _ in range(51):  # each renewal is a `review.claim` event: the first label's event was pushed off a page
        ok(server.http.post(f"/v1/reviews/{item.id}/claim", headers=auth(second)))
    refused = decide(server, second, item.id, "approve")
    assert refused.status_code == 400 and "cleo@example.com" in refused.json()["error"]["message"]
    assert runtime.store.reviews.get_item(item.id).status == "pending"
    assert len(runtime.store.reviews.labels([item.id])[item.id]) == 1


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_an_audit_page_tells_a_blind_reviewer_nothing_of_the_first_label(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str], first: str
) -> None:
    item = held(runtime)
    ok(decide(server, keys["ana"], item.id, first))
    for action in ("review.approve", "review.reject"):
        for limit in (1, 2):
            page = ok(
                server.http.get(
                    "/v1/audit",
                    headers=auth(keys["ben"]),
                    params={"subject": f"review:{item.id}", "action": action, "limit": limit},
                )
            )
            assert page == {"object": "list", "data": [], "next": None}, (action, limit)


def test_a_blind_reviewers_audit_pages_still_reach_every_event_they_may_read(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    item = held(runtime)
    ok(decide(server, keys["ana"], item.id, "reject"))
    for _ in range(3):
        ok(server.http.post(f"/v1/reviews/{item.id}/claim", headers=auth(keys["ben"])))
    seen, after = [], None
    while True:
        params = {"subject": f"review:{item.id}", "limit": 1, **({"after": after} if after else {})}
        page = ok(server.http.get("/v1/audit", headers=auth(keys["ben"]), params=params))
        seen += [e["action"] for e in page["data"]]
        if not (after := page["next"]):
            break
    assert seen == ["review.claim"] * 3  # the first label's event left out, nothing after it lost


@pytest.mark.parametrize(
    "spelling", [" Dana@Example.com ", "ＤＡＮＡ@example.com", "dana@EXAMPLE.ℂOM", "dana@example.com\u00a0"]
)
def test_one_owner_spelt_another_way_is_the_same_person(spelling: str) -> None:
    assert owner_address(spelling) == "dana@example.com"


@pytest.mark.parametrize("spelling", ["dana\u200b@example.com", "dana@example.com\u200d", "da\x00na@example.com"])
def test_an_owner_with_invisible_characters_is_refused(spelling: str) -> None:
    with pytest.raises(InvalidRequest, match="not an e-mail address"):
        owner_address(spelling)


def test_two_keys_of_one_owner_in_full_width_give_one_label(server: InProcessServer, runtime: Runtime) -> None:
    first, second = _owned(runtime, "eve-1", "eve@example.com"), _owned(runtime, "eve-2", "ＥＶＥ@example.com")
    item = held(runtime)
    ok(decide(server, first, item.id, "reject"))
    assert decide(server, second, item.id, "approve").status_code == 400


def test_a_key_scoped_to_an_app_does_not_read_an_app_named_alike_in_another_case(tmp_path: Path) -> None:
    tips = "\n  tips:\n"
    other = "\n  TIPS:\n    owner: ops@example.com\n    purpose: Other tips.\n    route: [{model: scripted}]"
    runtime = make_runtime(tmp_path, TWO_PERSON.replace(tips, other + tips, 1))
    try:
        upper, lower = (
            access.create_key(runtime.store, Actor.user("alice"), "auditor", name=app, apps=(app,))[0]
            for app in ("TIPS", "tips")
        )
        ana = access.create_key(runtime.store, Actor.user("alice"), "developer", name="ana")[0]
        with InProcessServer(runtime) as server:
            item = held(runtime, "tips")
            ok(decide(server, ana, item.id, "reject", "a note about tips"))
            read = {k: ok(server.http.get("/v1/audit", headers=auth(k)))["data"] for k in (upper, lower)}
        assert read[upper] == []
        assert [e["detail"]["app"] for e in read[lower]] == ["tips"]
        assert audit.verify(runtime.store).ok
    finally:
        runtime.store.close()


def test_reviewer_names_that_look_like_markup_are_printed_as_they_are(
    server: InProcessServer, runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from steward.cli import app as cli

    odd = [access.create_key(runtime.store, Actor.user("alice"), "developer", name=n)[0] for n in ("[/]", "[b]x")]
    for i in range(MIN_ITEMS):
        item = held(runtime)
        ok(decide(server, odd[0], item.id, "approve" if i % 2 else "reject"))
        ok(decide(server, odd[1], item.id, "approve"))
    (tmp_path / "steward.yaml").write_text(TWO_PERSON, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("COLUMNS", "400")
    runner = CliRunner()
    kappa = runner.invoke(cli, ["review", "agreement"])
    assert kappa.exit_code == 0 and "([/])" in kappa.stdout and "([b]x)" in kappa.stdout, kappa.output
    trail = runner.invoke(cli, ["audit", "list", "--limit", "3"])
    assert trail.exit_code == 0 and "([b]x)" in trail.stdout, trail.output
    item = held(runtime)
    for key in odd:
        decided = runner.invoke(cli, ["review", "approve", item.id, "--key", key])
        assert decided.exit_code == 0 and "([" in decided.stdout, decided.output


@pytest.mark.parametrize(
    "path",
    [
        "/v1/audit?subject=review%3Aa%00",
        "/v1/audit?actor=key%3A%00",
        "/v1/reviews/rev_%00",
        "/v1/records/rec_%00",
        "/v1/reviews?after=MS4wH3Jldl8A",  # a cursor whose id holds a NUL
        "/v1/reviews/agreement?app=%00",
    ],
)
def test_a_nul_in_the_path_or_query_is_a_clear_400(
    server: InProcessServer, keys: dict[str, str], path: str
) -> None:
    """PostgreSQL refuses NUL in text: these were 500s there (SQLite read past them)."""
    answer = server.http.get(path, headers=auth(keys["admin"]))
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error", answer.text
