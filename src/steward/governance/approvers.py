"""The approver capability: who may approve releases of a team's high-risk apps (see `identity` for why a table).

Granting and revoking are admin acts, each an audit event whose after-hash is the digest of the approver row,
so `steward audit verify` notices an approver row written or edited outside Steward. Only API keys whose role
may change things (admin or developer) can hold it: an approval must be authenticated, and a typed user name
is not.
"""

from __future__ import annotations

from typing import Any

from steward.errors import InvalidRequest
from steward.governance import audit
from steward.governance.identity import CHANGING_ROLES, Actor
from steward.store import Store
from steward.types import now


def principal_for(store: Store, name: str | None = None, key_id: str | None = None) -> str:
    """`key:KEY_ID` for a key given by id or prefix (which must be allowed to change things).

    `name` is kept to answer a user name with what to do: approvals are made with keys, never typed names.
    """
    if name and not key_id:
        raise InvalidRequest(
            f"approvers are API keys, not names ({name!r} proves nobody's identity); create the approver their "
            "own key (`steward keys create --role developer --name NAME`) and grant it with `--key-id KEY_ID`."
        )
    if not key_id:
        raise InvalidRequest("name the approver's API key: --key-id KEY_ID (see `steward keys list --json`).")
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


def grant(store: Store, actor: Actor, team: str, principal: str) -> dict[str, Any]:
    actor.require_admin("granting the approver capability")
    actor.require_change(team, "approvers")
    if not principal.startswith("key:"):
        raise InvalidRequest(f"approvers are API keys (`key:KEY_ID`), not {principal!r}; see `steward keys list`.")
    with audit.changing(store) as tx:
        tx.deployments.upsert_approver(team, principal, now(), actor.label)
        row = tx.deployments.get_approver(team, principal)
        audit.append(
            tx,
            actor,
            "approver.grant",
            f"approver:{team}/{principal}",
            None,
            tx.deployments.approver_digest(row),
            team=team,
        )
    assert row is not None
    return dict(row._mapping)


def revoke(store: Store, actor: Actor, team: str, principal: str) -> dict[str, Any]:
    actor.require_admin("revoking the approver capability")
    actor.require_change(team, "approvers")
    with audit.changing(store) as tx:
        before = tx.deployments.get_approver(team, principal)
        if before is None or not tx.deployments.revoke_approver(team, principal, now()):
            raise InvalidRequest(f"{principal} is not an approver of team {team}.")
        row = tx.deployments.get_approver(team, principal)
        audit.append(
            tx,
            actor,
            "approver.revoke",
            f"approver:{team}/{principal}",
            tx.deployments.approver_digest(before),
            tx.deployments.approver_digest(row),
            team=team,
        )
    assert row is not None
    return dict(row._mapping)


def listing(store: Store, actor: Actor, team: str | None = None) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in store.deployments.list_approvers(actor.scope(team))]
