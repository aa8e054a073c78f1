"""API keys on both backends: hashed at rest, found by secret, scoped, revoked; and the `steward keys` CLI."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from steward.cli import keys as keys_cli
from steward.errors import InvalidRequest, NotFound
from steward.governance.identity import Actor
from steward.store import Store
from steward.store.schema import api_keys

pytest_plugins = ["tests.store_fixtures"]


def test_secret_is_returned_once_and_only_its_hash_is_stored(store: Store) -> None:
    secret, info = store.create_key("app", name="kiosk", apps=["airport-assistant"], rate_limit_rpm=60)
    assert secret.startswith("sk-stw-") and len(secret) >= len("sk-stw-") + 43  # 32 random bytes
    assert secret[7:15] == info.prefix and info.display == f"sk-stw-{info.prefix}…"
    with store.engine.connect() as connection:
        row = connection.execute(select(api_keys)).one()
    assert row.hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row)


def test_find_key_by_secret(store: Store) -> None:
    secret, info = store.create_key(
        "developer", apps=["a", "b"], team="claims", token_budget=5000, groups=["staff"]
    )
    found = store.find_key(secret)
    assert found == info
    assert (found.role, found.team, found.apps, found.token_budget) == ("developer", "claims", ("a", "b"), 5000)
    assert store.find_key(secret + "x") is None
    assert store.find_key("not-a-steward-key") is None
    principal = found.principal(subject="user-7")
    assert (
        principal.key_id,
        principal.role,
        principal.team,
        principal.apps,
        principal.groups,
        principal.subject,
    ) == (info.id, "developer", "claims", ("a", "b"), ("staff",), "user-7")
    assert principal.may_use("a") and not principal.may_use("c")


@pytest.mark.parametrize("how", ["id", "prefix", "display", "secret"])
def test_revoke_by_id_prefix_or_secret(store: Store, how: str) -> None:
    secret, info = store.create_key("auditor")
    given = {"id": info.id, "prefix": info.prefix, "display": info.display, "secret": secret}[how]
    revoked = store.revoke_key(given)
    assert revoked.id == info.id and revoked.revoked_at is not None and not revoked.active
    assert store.find_key(secret) is None
    assert store.find_key(secret, include_revoked=True).revoked_at == revoked.revoked_at  # type: ignore[union-attr]
    assert store.revoke_key(info.id).revoked_at == revoked.revoked_at  # idempotent
    assert store.count_keys() == 0 and store.count_keys(active_only=False) == 1


def test_unknown_key_and_bad_values_are_refused_with_a_hint(store: Store) -> None:
    with pytest.raises(NotFound, match="steward keys list"):
        store.revoke_key("key_nope")
    with pytest.raises(InvalidRequest, match="admin, developer, app, auditor"):
        store.create_key("superuser")
    with pytest.raises(InvalidRequest, match="positive"):
        store.create_key("app", rate_limit_rpm=0)
    with pytest.raises(InvalidRequest, match="empty app name"):
        store.create_key("app", apps=["a", " "])
    assert store.count_keys(active_only=False) == 0


def test_list_keys_by_team(store: Store) -> None:
    store.create_key("app", team="ops")
    store.create_key("admin", team="claims")
    store.create_key("app", team="ops")
    assert [k.team for k in store.list_keys()] == ["ops", "claims", "ops"]
    assert len(store.list_keys(team="ops")) == 2


# -- CLI -------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(migrated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI pointed at a fresh database (SQLite file or PostgreSQL) through the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", migrated_database_url)
    yield migrated_database_url


def test_cli_create_prints_the_secret_alone_on_stdout(cli_env: str) -> None:
    result = CliRunner().invoke(
        keys_cli.app,
        [
            *("create", "--role", "app", "--apps", "airport-assistant"),
            *("--name", "kiosk", "--rpm", "30", "--token-budget", "1000"),
        ],
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("sk-stw-") and "\n" not in secret
    assert "only this once" in result.stderr
    with Store.open(cli_env) as store:
        info = store.find_key(secret)
    assert info is not None and (info.apps, info.rate_limit_rpm, info.token_budget, info.created_by) == (
        ("airport-assistant",),
        30,
        1000,
        Actor.user().id,  # who ran the command, as the audit log names them (never a bare "cli")
    )


def test_cli_create_refuses_apps_the_team_does_not_have(cli_env: str) -> None:
    from steward.errors import InvalidRequest

    runner = CliRunner()
    for apps, team in (("nosuchapp", "default"), ("airport-assistant", "claims")):
        result = runner.invoke(keys_cli.app, ["create", "--role", "app", "--apps", apps, "--team", team])
        assert isinstance(result.exception, InvalidRequest), result.output
        assert f"team {team!r} has no app {apps!r}" in result.exception.message
        assert f"its apps are: {'airport-assistant' if team == 'default' else 'none'}" in result.exception.message
        assert result.stdout == ""  # no secret printed
    metrics = runner.invoke(keys_cli.app, ["create", "--role", "metrics", "--apps", "airport-assistant"])
    assert isinstance(metrics.exception, InvalidRequest) and "leave out --apps" in metrics.exception.message
    with Store.open(cli_env) as store:
        assert store.list_keys() == []  # nothing was created


def test_cli_list_and_revoke(cli_env: str) -> None:
    runner = CliRunner()
    secret = runner.invoke(keys_cli.app, ["create", "--role", "auditor", "--name", "reviewer"]).stdout.strip()
    listed = orjson.loads(runner.invoke(keys_cli.app, ["list", "--json"]).stdout)
    assert [(k["name"], k["role"], k["revoked_at"]) for k in listed] == [("reviewer", "auditor", None)]
    assert secret not in runner.invoke(keys_cli.app, ["list", "--json"]).stdout
    table = runner.invoke(keys_cli.app, ["list"])
    assert table.exit_code == 0 and "reviewer" in table.stdout and "active" in table.stdout
    revoked = runner.invoke(keys_cli.app, ["revoke", f"sk-stw-{listed[0]['prefix']}…"])
    assert revoked.exit_code == 0 and listed[0]["id"] in revoked.stdout
    assert orjson.loads(runner.invoke(keys_cli.app, ["list", "--json"]).stdout)[0]["revoked_at"] is not None


def test_cli_rejects_an_unknown_role_before_touching_the_store(cli_env: str) -> None:
    result = CliRunner().invoke(keys_cli.app, ["create", "--role", "root"])
    assert result.exit_code == 2
    assert "admin" in result.output and "auditor" in result.output


def test_cli_create_with_an_owner_lists_it_and_verify_guards_it(cli_env: str) -> None:
    """`--owner` names the person a key belongs to (lower-cased), shown by `keys list`; a key's owner is governed
    (changing it outside Steward is found by `steward audit verify`), and keys without one verify as before."""
    from sqlalchemy import update

    from steward.governance import audit

    runner = CliRunner()
    made = runner.invoke(
        keys_cli.app, ["create", "--role", "developer", "--name", "laptop", "--owner", "Ann@X.org"]
    )
    assert made.exit_code == 0, made.output
    assert "owner ann@x.org" in made.stderr
    assert runner.invoke(keys_cli.app, ["create", "--role", "auditor", "--name", "legacy"]).exit_code == 0
    listed = orjson.loads(runner.invoke(keys_cli.app, ["list", "--json"]).stdout)
    assert [(k["name"], k["owner"]) for k in listed] == [("laptop", "ann@x.org"), ("legacy", None)]
    table = runner.invoke(keys_cli.app, ["list"])
    assert "owner" in table.stdout and "ann@x.org" in table.stdout
    bad = runner.invoke(keys_cli.app, ["create", "--role", "developer", "--owner", "ann"])
    assert isinstance(bad.exception, InvalidRequest) and "not an e-mail address" in bad.exception.message
    assert bad.stdout == ""  # no secret printed
    with Store.open(cli_env) as store:
        assert audit.verify(store).ok
        with store.engine.begin() as connection:
            connection.execute(update(api_keys).where(api_keys.c.name == "laptop").values(owner="bob@x.org"))
        problems = audit.verify(store).problems
    assert any(listed[0]["id"] in p for p in problems), problems
