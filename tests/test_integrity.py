"""Tamper evidence of API keys and records, and the identities behind governance (issue 14, items 8-11, 28).

Each tampering is done the way an attacker with the database file would: SQL straight into the SQLite file,
behind Steward's back. `steward audit verify` must then fail and say what changed and where.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from tests.gov_fixtures import PROJECT, Gov, gov_fixture, stored_run  # noqa: F401
from typer.testing import CliRunner

from steward.cli import app as cli_app
from steward.cli.core import _admin_key, _snippets
from steward.governance import access, audit, deployments, privacy
from steward.governance.errors import AuditBroken, RuleViolation
from steward.governance.identity import Actor
from steward.store import Store, integrity
from steward.types import Record


def _sql(gov: Gov, statement: str, *params: object) -> None:
    """Write into the database file directly, as someone holding it would (no Steward code involved)."""
    with sqlite3.connect(gov.home / "steward.db") as db:
        db.execute(statement, params)


def _records(gov: Gov, n: int, app: str = "airport") -> list[Record]:
    written = []
    for i in range(n):
        record = Record.start(app)
        record.team = "ops"
        record.subject = f"traveller-{i}"
        gov.store.write_sync(record)
        written.append(record)
    return written


def _problems(gov: Gov) -> str:
    result = audit.verify(gov.store)
    assert not result.ok
    return "\n".join(result.problems)


# ---- keys --------------------------------------------------------------------------------------------------


def test_a_key_inserted_into_the_table_is_reported(gov: Gov) -> None:
    access.create_key(gov.store, gov.alice, "app", team="ops", name="kiosk")
    assert audit.verify(gov.store).ok
    _sql(
        gov,
        "INSERT INTO api_keys (id, name, prefix, hash, role, team, apps, groups, tokens_used, created_at) "
        "VALUES ('key_evil', 'x', 'EvIl1234', ?, 'admin', 'claims', '[]', '[]', 0, 1.0)",
        "f" * 64,
    )
    problems = _problems(gov)
    assert "API key key_evil" in problems and "role admin, team claims" in problems
    assert "inserted outside Steward" in problems


def test_an_unrevoked_key_is_reported(gov: Gov) -> None:
    _, info = access.create_key(gov.store, gov.alice, "developer", team="ops", name="leaver")
    access.revoke_key(gov.store, gov.alice, info.id)
    assert audit.verify(gov.store).ok
    _sql(gov, "UPDATE api_keys SET revoked_at = NULL WHERE id = ?", info.id)
    problems = _problems(gov)
    assert f"API key {info.id}" in problems and "un-revoked outside Steward" in problems


def test_a_key_given_another_role_is_reported(gov: Gov) -> None:
    _, info = access.create_key(gov.store, gov.alice, "app", team="ops")
    _sql(gov, "UPDATE api_keys SET role = 'admin' WHERE id = ?", info.id)
    problems = _problems(gov)
    assert f"API key {info.id}" in problems and "edited outside Steward" in problems


def test_an_inserted_admin_key_blocks_approvals_until_investigated(gov: Gov) -> None:
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    bob = gov.approver("bob")
    _sql(
        gov,
        "INSERT INTO api_keys (id, name, prefix, hash, role, team, apps, groups, tokens_used, created_at) "
        "VALUES ('key_evil', 'x', 'EvIl1234', ?, 'admin', 'claims', '[]', '[]', 0, 1.0)",
        "e" * 64,
    )
    with pytest.raises(AuditBroken, match="API key key_evil"):
        deployments.approve(gov.store, gov.project, "claims", bob)


def test_tokens_used_moving_with_traffic_is_not_tampering(gov: Gov) -> None:
    _, info = access.create_key(gov.store, gov.alice, "app", team="ops")
    record = Record.start("airport")
    record.key_id = info.id
    record.usage = replace(record.usage, prompt_tokens=7)
    gov.store.write_sync(record)
    assert gov.store.tokens_used(info.id) == 7
    assert audit.verify(gov.store).ok


# ---- records -----------------------------------------------------------------------------------------------


def test_an_edited_record_body_is_reported_with_its_id(gov: Gov) -> None:
    records = _records(gov, 3)
    assert audit.verify(gov.store).records_checked == 3
    _sql(gov, "UPDATE records SET body = replace(body, 'traveller-1', 'someone-else') WHERE id = ?", records[1].id)
    problems = _problems(gov)
    assert f"record {records[1].id}" in problems and "was edited outside Steward" in problems


def test_an_edited_record_column_is_reported(gov: Gov) -> None:
    records = _records(gov, 2)
    _sql(gov, "UPDATE records SET team = 'claims' WHERE id = ?", records[0].id)  # moved to another team
    assert f"record {records[0].id}" in _problems(gov)


def test_a_deleted_record_is_reported_between_its_neighbours(gov: Gov) -> None:
    records = _records(gov, 3)
    _sql(gov, "DELETE FROM records WHERE id = ?", records[1].id)
    problems = _problems(gov)
    assert "record #2 of the chain of records is missing" in problems
    assert f"after record {records[0].id}, before record {records[2].id}" in problems


def test_the_newest_records_cut_off_contradict_the_audit_log(gov: Gov) -> None:
    records = _records(gov, 3)
    access.create_key(gov.store, gov.alice, "app", team="ops")  # a governance event anchors head #3
    with sqlite3.connect(gov.home / "steward.db") as db:
        db.execute("DELETE FROM records WHERE id IN (?, ?)", (records[1].id, records[2].id))
        db.execute("UPDATE integrity_heads SET seq = 1 WHERE name = 'records'")
    problems = _problems(gov)
    assert "saw the chain of records at #3" in problems and "head rewound" in problems


def test_trailing_records_deleted_without_rewinding_the_head_are_reported(gov: Gov) -> None:
    records = _records(gov, 2)
    _sql(gov, "DELETE FROM records WHERE id = ?", records[1].id)
    assert "record #2 of the chain of records is missing" in _problems(gov)


def test_a_record_inserted_without_a_seal_is_reported(gov: Gov) -> None:
    _records(gov, 1)
    _sql(
        gov,
        "INSERT INTO records (id, created_at, app, team, status, prompt_tokens, completion_tokens, cost, "
        "total_ms, consent, body) VALUES ('rec_forged', 1.0, 'airport', 'ops', 'ok', 0, 0, 0, 0, 1, '{}')",
    )
    problems = _problems(gov)
    assert "1 record(s) carry no seal" in problems and "rec_forged" in problems


def test_steward_s_own_erasure_and_anonymisation_keep_the_chain_intact(gov: Gov) -> None:
    _records(gov, 4)
    privacy.erase_subject(gov.store, "traveller-1", gov.alice, mode="delete")
    privacy.erase_subject(gov.store, "traveller-2", gov.alice, mode="anonymise")
    result = audit.verify(gov.store)
    assert result.ok, result.problems
    assert result.records_checked == 3


def test_the_seal_needs_the_key_kept_outside_the_database(gov: Gov) -> None:
    key_file = gov.home / "integrity.key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() not in (gov.home / "steward.db").read_bytes().decode("latin-1")


def test_cli_verify_names_each_problem_and_exits_1(gov: Gov, monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records(gov, 2)
    _sql(gov, "UPDATE records SET status = 'ok2' WHERE id = ?", records[0].id)
    _sql(gov, "DELETE FROM records WHERE id = ?", records[1].id)
    (gov.home / "steward.yaml").write_text(PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(gov.home / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{gov.home / 'steward.db'}")
    result = CliRunner().invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"record {records[0].id}" in result.output and "record #2" in result.output
    as_json = json.loads(CliRunner().invoke(cli_app, ["audit", "verify", "--json"]).stdout)
    assert len(as_json["problems"]) == 2 and not as_json["ok"]


# ---- identity and approvals -------------------------------------------------------------------------------


def test_one_person_cannot_satisfy_the_two_person_rule_with_typed_names(gov: Gov) -> None:
    """The attack of item 8: one shell deployed as one name and approved as two others."""
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    stored_run(gov.store, gov.project, "claims-b", served=["model-b"])
    for name in ("bob", "carol"):
        with pytest.raises(Exception, match="approvers are API keys"):
            from steward.governance import approvers

            approvers.grant(gov.store, gov.alice, "claims", f"user:{name}")
        with pytest.raises(RuleViolation, match="own API key"):
            deployments.approve(gov.store, gov.project, "claims", Actor.user(name))
    with pytest.raises(RuleViolation, match="needs approval by 2 different approvers"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice)


def test_the_deployer_s_key_cannot_approve_and_one_key_counts_once(gov: Gov) -> None:
    deployer = gov.approver("dana")
    deployments.deploy(gov.store, gov.project, "claims", "model-b", deployer, canary=10)
    stored_run(gov.store, gov.project, "claims-b", served=["model-b"])
    with pytest.raises(RuleViolation, match="approving one's own change"):
        deployments.approve(gov.store, gov.project, "claims", deployer)
    bob = gov.approver("bob")
    deployments.approve(gov.store, gov.project, "claims", bob)
    with pytest.raises(RuleViolation, match="already approved"):
        deployments.approve(gov.store, gov.project, "claims", bob)
    with pytest.raises(RuleViolation, match="it has 1"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice)
    deployments.approve(gov.store, gov.project, "claims", gov.approver("carol"))
    deployments.promote(gov.store, gov.project, "claims", gov.alice)
    events = audit.list_events(gov.store, action="deployment.approve")
    assert {e.actor for e in events} == {f"{bob.id} (bob)", *(e.actor for e in events if "carol" in e.actor)}
    assert all(e.actor.startswith("key:") for e in events)


def test_the_cli_refuses_as_with_what_to_do(gov: Gov, monkeypatch: pytest.MonkeyPatch) -> None:
    (gov.home / "steward.yaml").write_text(PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(gov.home / "steward.yaml"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{gov.home / 'steward.db'}")
    result = CliRunner().invoke(cli_app, ["approve", "claims", "--as", "bob"])
    assert result.exit_code != 0 and "--key" in str(result.exception)


def test_the_local_operator_is_one_identity_whatever_the_environment_says(
    gov: Gov, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Actor.user().id
    monkeypatch.setenv("USER", "somebody-else")
    monkeypatch.setenv("LOGNAME", "somebody-else")
    assert Actor.user().id == first


def test_key_changes_name_who_acted_not_cli(gov: Gov) -> None:
    access.create_key(gov.store, Actor.user(), "app", team="ops")
    admin = gov.key_actor("ops-admin", team="ops", role="admin")
    access.create_key(gov.store, admin, "app", team="ops")
    actors = [e.actor for e in audit.list_events(gov.store, action="key.create")]
    assert "cli" not in actors and Actor.user().id in actors and f"{admin.id} (ops-admin)" in actors


# ---- evaluation gate --------------------------------------------------------------------------------------


SHARED = PROJECT.replace(
    "  airport:\n",
    "  lookalike:\n    owner: x@example.com\n    purpose: Another app sharing model-b and the prompt.\n"
    '    team: claims\n    route: [{model: model-b}]\n    prompt: {system: "Answer in one word."}\n'
    "  airport:\n",
)


def test_a_passing_eval_of_another_app_does_not_open_the_gate(gov: Gov) -> None:
    project = gov.reload(SHARED)
    project.root = gov.home
    deployments.deploy(gov.store, project, "claims", "model-b", gov.alice, canary=10)
    other = stored_run(gov.store, project, "lookalike", served=["model-b"])
    with pytest.raises(RuleViolation, match="evaluated app 'lookalike', not 'claims'"):
        deployments.promote(gov.store, project, "claims", gov.alice, eval_run=other.id)
    for name in ("bob", "carol"):
        deployments.approve(gov.store, project, "claims", gov.approver(name))
    with pytest.raises(RuleViolation, match="passing eval run"):
        deployments.promote(gov.store, project, "claims", gov.alice)
    stored_run(gov.store, project, "claims-b", served=["model-b"])  # its declared variant
    assert deployments.promote(gov.store, project, "claims", gov.alice).traffic() == [("model-b", 100.0)]


def test_an_eval_under_another_policy_does_not_open_the_gate(gov: Gov) -> None:
    from steward.config.guardrails import PolicySpec

    gov.project.policies["strict"] = PolicySpec(description="strict", redact_records=True)
    gov.project.policies["lax"] = PolicySpec(description="lax")
    gov.project.apps["claims"].policy = "strict"
    gov.project.apps["claims-b"].policy = "lax"
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    lax = stored_run(gov.store, gov.project, "claims-b", served=["model-b"])
    with pytest.raises(RuleViolation, match="ran under policy 'lax', the app uses policy 'strict'"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice, eval_run=lax.id)
    gov.project.apps["claims-b"].policy = "strict"
    strict = stored_run(gov.store, gov.project, "claims-b", served=["model-b"])
    gov.project.policies["strict"] = PolicySpec(description="strict", redact_records=False)  # weakened since
    with pytest.raises(RuleViolation, match="another declaration of policy 'strict'"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice, eval_run=strict.id)


# ---- the bootstrap admin key ------------------------------------------------------------------------------


def test_the_bootstrap_key_is_printed_once_and_its_creation_audited(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        first = _admin_key(store, tmp_path)
        assert first is not None and first in _snippets("http://h:1", first, "app", tmp_path)
        again = _admin_key(store, tmp_path)
        banner = _snippets("http://h:1", again, "app", tmp_path)
        assert again is None and first not in banner and "admin.key" in banner
        created = audit.list_events(store, action="key.create")
        assert len(created) == 1 and created[0].detail["name"] == "bootstrap admin"
        assert created[0].actor == Actor.user().id
        assert audit.verify(store).ok


def test_the_chain_read_in_small_pages_is_every_sealed_record_in_chain_order(gov: Gov) -> None:
    written = {r.id for r in _records(gov, 5)}
    whole = list(integrity.iter_chain(gov.store.engine, upto=10**9))
    assert written <= {r.id for r in whole}
    seqs = [r.chain_seq for r in whole]
    assert seqs == sorted(seqs)
    for chunk in (1, 2, len(whole)):  # a last page that is full, then an empty one
        assert [r.chain_seq for r in integrity.iter_chain(gov.store.engine, upto=10**9, chunk=chunk)] == seqs
    assert [r.chain_seq for r in integrity.iter_chain(gov.store.engine, upto=seqs[2], chunk=2)] == seqs[:3]
