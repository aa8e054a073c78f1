"""The approver capability: who may approve releases of a team's high-risk apps (see `identity` for why a table).

Granting and revoking are admin acts, each an audit event whose after-hash is the digest of the approver row,
so `steward audit verify` notices an approver row written or edited outside Steward. Only identities whose role
may change things can hold it: `user:NAME` (local operators) and admin or developer keys.
"""

from __future__ import annotations

from typing import Any

from steward.errors import InvalidRequest
from steward.registry import audit
from steward.registry.identity import CHANGING_ROLES, Actor
from steward.store import governance as sql
from steward.types import now


def principal_for(store: Any, name: str | None = None, key_id: str | None = None) -> str:
    """`user:NAME`, or `key:KEY_ID` for a key given by id or prefix (which must be allowed to change things)."""
    if bool(name) == bool(key_id):
        raise InvalidRequest("name the approver: a user NAME, or --key-id KEY_ID for an API key.")
    if name:
        return Actor.user(name).id
    assert key_id is not None
    wanted = key_id.strip()
    matches = [k for k in store.list_keys() if k.id == wanted or k.prefix == wanted.removeprefix("sk-stw-")[:8]]
    if len(matches) != 1:
        raise InvalidRequest(f"no single API key {key_id!r}; see `steward keys list --json` for ids.")
    found = matches[0]
    if found.role not in CHANGING_ROLES or not found.active:
        raise InvalidRequest(
            f"key {found.id} ({found.role}{'' if found.active else ', revoked'}) cannot approve; "
            "only active admin or developer keys may."
        )
    return f"key:{found.id}"


def grant(store: Any, actor: Actor, team: str, principal: str) -> dict[str, Any]:
    actor.require_admin("granting the approver capability")
    actor.require_change(team, "approvers")
    with audit.transaction(store) as conn:
        sql.upsert_approver(conn, team, principal, now(), actor.label)
        row = sql.get_approver(conn, team, principal)
        audit.append_in(
            conn,
            actor,
            "approver.grant",
            f"approver:{team}/{principal}",
            None,
            sql.row_digest(sql.approvers, row),
            team=team,
        )
    assert row is not None
    return dict(row._mapping)


def revoke(store: Any, actor: Actor, team: str, principal: str) -> dict[str, Any]:
    actor.require_admin("revoking the approver capability")
    actor.require_change(team, "approvers")
    with audit.transaction(store) as conn:
        before = sql.get_approver(conn, team, principal)
        if before is None or not sql.revoke_approver(conn, team, principal, now()):
            raise InvalidRequest(f"{principal} is not an approver of team {team}.")
        row = sql.get_approver(conn, team, principal)
        audit.append_in(
            conn,
            actor,
            "approver.revoke",
            f"approver:{team}/{principal}",
            sql.row_digest(sql.approvers, before),
            sql.row_digest(sql.approvers, row),
            team=team,
        )
    assert row is not None
    return dict(row._mapping)


def listing(store: Any, actor: Actor, team: str | None = None) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in sql.list_approvers(audit.engine_of(store), actor.scope(team))]
