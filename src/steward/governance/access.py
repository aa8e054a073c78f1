"""Governed API-key changes: creating and revoking a key is one transaction with its audit event.

The key row and the event that vouches for it commit together, and the event's after-hash is the digest of
the key's governed columns (`steward.store.key_digest`), so `steward audit verify` can tell a key made
by Steward from one inserted into the table, and a revoked key from one un-revoked by hand: a key row must
match the newest audit event about it. The event names who acted (`key:<id> (name)` or `user:<OS account>`)
and never holds the secret.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from steward.errors import NotFound
from steward.governance import audit
from steward.governance.identity import Actor
from steward.store import KeyInfo, Store


def _detail(info: KeyInfo) -> dict[str, Any]:
    shown = asdict(info)
    owner = {"owner": info.owner} if info.owner else {}
    return {k: shown[k] for k in ("role", "team", "name", "apps", "prefix")} | owner | {"sealed": True}


def create_key(
    store: Store, actor: Actor, role: str, *, team: str = "default", **options: Any
) -> tuple[str, KeyInfo]:
    """Create a key as `actor` (an admin of `team`, or the local operator); returns `(secret, info)` once."""
    actor.require_admin("creating API keys")
    actor.require_change(team, "API keys")
    with audit.changing(store) as tx:
        secret, info = store.create_key(role, team=team, created_by=actor.label, tx=tx, **options)
        audit.append(
            tx,
            actor,
            "key.create",
            f"key:{info.id}",
            None,
            store.key_digest(info.id, tx=tx),
            team=info.team,
            detail=_detail(info),
        )
    return secret, info


def revoke_key(store: Store, actor: Actor, id_or_prefix: str) -> KeyInfo:
    """Revoke a key as `actor` (an admin of its team, or the local operator). Idempotent: no event twice."""
    actor.require_admin("revoking API keys")
    with audit.changing(store) as tx:
        target = store.resolve_key(id_or_prefix.strip())
        if actor.team is not None and target.team != actor.team:  # answered as a key that does not exist
            raise NotFound(f"no API key {id_or_prefix.strip()!r}; see `steward keys list` for ids and prefixes.")
        actor.require_change(target.team, "API keys")
        if not target.active:
            return target
        before = store.key_digest(target.id, tx=tx)
        info = store.revoke_key(target.id, tx=tx)
        after = store.key_digest(target.id, tx=tx)
        audit.append(
            tx,
            actor,
            "key.revoke",
            f"key:{info.id}",
            before,
            after,
            team=info.team,
            detail=_detail(info),
        )
    return info
