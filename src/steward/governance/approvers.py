"""The approver capability: who may approve releases of a team's high-risk apps (see `identity` for why a table).

Granting and revoking are admin acts, each an audit event whose after-hash is the digest of the approver row,
so `steward audit verify` notices an approver row written or edited outside Steward. It is granted to an API key
(`key:<id>`, whose role must be admin or developer) or to a person (`person:<e-mail>`): then every key that person
owns (`steward keys create --owner`) and their single sign-on session (whose provider verified that e-mail) hold
it, as one approver. An approval must be authenticated, and a typed user name is not.
"""

from __future__ import annotations

from typing import Any

from steward.errors import InvalidRequest
from steward.governance import audit
from steward.governance.identity import CHANGING_ROLES, PERSON, Actor, person_id
from steward.store import Deployments, Store, owner_address
from steward.types import now


def principal_for(
    store: Store, name: str | None = None, key_id: str | None = None, owner: str | None = None
) -> str:
    """`key:KEY_ID` for a key given by id or prefix (which must be allowed to change things), or
    `person:<e-mail>` for a person given by `owner` (their keys' owner, their single sign-on e-mail).

    `name` is kept to answer a user name with what to do: approvals are made with keys, never typed names.
    """
    if owner is not None:
        if key_id:
            raise InvalidRequest("name the approver once: --key-id KEY_ID or --owner E-MAIL, not both.")
        address = owner_address(owner)
        assert address is not None
        return person_id(address)
    if name and not key_id:
        raise InvalidRequest(
            f"approvers are API keys, not names ({name!r} proves nobody's identity); create the approver their "
            "own key (`steward keys create --role developer --name NAME`) and grant it with `--key-id KEY_ID`."
        )
    if not key_id:
        raise InvalidRequest(
            "name the approver: their API key (--key-id KEY_ID, see `steward keys list --json`) or the person "
            "(--owner E-MAIL: every key they own and their single sign-on)."
        )
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
    if not principal.startswith(("key:", PERSON)):
        raise InvalidRequest(
            f"approvers are API keys (`key:KEY_ID`) or people (`person:E-MAIL`), not {principal!r}; see "
            "`steward keys list`."
        )
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


def holds(releases: Deployments, team: str, actor: Actor) -> bool:
    """Whether `actor` holds the approver capability of `team` now: granted to its key (or SSO subject), or to
    the person behind it."""
    if releases.active_approver(team, actor.id) is not None:
        return True
    return actor.person is not None and releases.active_approver(team, person_id(actor.person)) is not None


def counted(releases: Deployments, team: str, approver: str, person: str | None) -> bool:
    """Whether a stored approval (by `approver`, as `person`) is by someone who holds the capability now."""
    if releases.active_approver(team, approver) is not None:
        return True
    return person is not None and releases.active_approver(team, person_id(person)) is not None


def grant_option(actor: Actor) -> str:
    """The `steward approvers add` option that would make `actor` an approver."""
    if actor.person:
        return f"--owner {actor.person}"
    if actor.authenticated_by_key:
        return f"--key-id {actor.id.split(':', 1)[1]}"
    return "--owner THEIR-E-MAIL (a single sign-on user counts once their provider verified their e-mail)"


def listing(store: Store, actor: Actor, team: str | None = None) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in store.deployments.list_approvers(actor.scope(team))]
