"""Routes and commands that tests/test_tenancy_attack.py does not cover, tried by every role of both teams.

    python -m pytest tests/test_tenancy_attack_extra.py -q

Reuses the two-team fixture of tests/test_tenancy_attack.py (its `ctx`). Prints a line per finding and fails
when there is one: LEAK (a key of one team read or changed the other's data), PROBE (the answer for the other
team's thing differs from the answer for a missing one), ROLE (a role did what it may not).
"""

# ruff: noqa: F811  (the test functions take the imported `ctx` fixture as their argument)
from __future__ import annotations

import pytest
from tests.test_tenancy_attack import ROLES, Ctx, _cli, _normal, ctx  # noqa: F401  (ctx is the fixture)

OTHER = {"alpha": "beta", "beta": "alpha"}


def _get(ctx: Ctx, secret: str | None, path: str, method: str = "GET", body: object = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    r = ctx.http.request(method, path, headers=headers, json=body)
    return r.status_code, r.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("attacker", ["alpha", "beta"])
def test_models_embeddings_readyz_by_role(ctx: Ctx, attacker: str, role: str) -> None:
    victim = ctx.teams[OTHER[attacker]]
    secret = ctx.teams[attacker].keys.get(role)
    findings = []
    status, text = _get(ctx, secret, "/v1/models")
    if victim.app in text:
        findings.append(f"LEAK /v1/models {attacker}:{role} lists {victim.app}")
    if role == "metrics" and status == 200 and ctx.teams[attacker].app in text:  # auditors may list apps
        findings.append(f"ROLE /v1/models {attacker}:{role} lists callable apps ({status})")
    status, text = _get(ctx, secret, "/v1/embeddings", "POST", {"input": "hello"})
    if role in ("auditor", "metrics", "anonymous") and status == 200:
        findings.append(f"ROLE /v1/embeddings {attacker}:{role} -> {status}")
    if status >= 500:
        findings.append(f"5XX /v1/embeddings {attacker}:{role} -> {status} {text[:200]}")
    status, text = _get(ctx, secret, "/readyz")
    if victim.model in text or victim.app in text:
        findings.append(f"LEAK /readyz {attacker}:{role} names {victim.name}'s model/app: {text[:200]}")
    print("\n".join(findings))
    assert not findings


@pytest.mark.parametrize("role", ROLES[:-1])
@pytest.mark.parametrize("attacker", ["alpha", "beta"])
def test_key_commands_across_teams(ctx: Ctx, attacker: str, role: str) -> None:
    victim = ctx.teams[OTHER[attacker]]
    secret = ctx.teams[attacker].keys[role]
    victim_key_id = ctx.runtime.store.find_key(victim.keys["app"]).id
    findings = []
    reply = _cli("keys", "create", "--role", "admin", "--team", "{target}", "--name", "mallory")(
        ctx, secret, victim.name
    )
    if reply.ok:
        findings.append(f"LEAK keys create --team {victim.name} {attacker}:{role}: {reply.text[:160]!r}")
    revoke = _cli("keys", "revoke", "{target}")
    reply = revoke(ctx, secret, victim_key_id)
    if reply.ok:
        findings.append(f"LEAK keys revoke {victim.name}'s key {attacker}:{role}: {reply.text[:160]!r}")
    missing = revoke(ctx, secret, "key_00000000000000000000000000000000")
    if _normal(reply.text, victim_key_id, "key_00000000000000000000000000000000") != _normal(
        missing.text, "key_00000000000000000000000000000000", "key_00000000000000000000000000000000"
    ):
        findings.append(
            f"PROBE keys revoke {attacker}:{role}: {reply.text[:120]!r} vs missing {missing.text[:120]!r}"
        )
    for args in (("audit", "verify"), ("audit", "head")):
        reply = _cli(*args)(ctx, secret, "")
        if victim.app in reply.text or victim.served in reply.text:
            findings.append(f"LEAK {' '.join(args)} {attacker}:{role}: {reply.text[:160]!r}")
    for args in (("records", "show", "{target}"), ("records", "export", "--app", "{target}")):
        target = victim.held if args[1] == "show" else victim.app
        reply = _cli(*args)(ctx, secret, target)
        shown = reply.ok and args[1] == "show"  # an export of another team's app is empty (exit 0): no leak
        if (
            shown
            or victim.held in reply.text.replace(f"no record '{victim.held}'", "")
            or "Anna" in reply.text
            or "anna@" in reply.text
            or "Guaranteed" in reply.text
        ):
            findings.append(f"LEAK {' '.join(args)} {attacker}:{role}: {reply.text[:160]!r}")
    print("\n".join(findings))
    assert not findings


def test_victim_keys_still_active(ctx: Ctx) -> None:
    for team in ctx.teams.values():
        info = ctx.runtime.store.find_key(team.keys["app"])
        assert info.active, f"{team.name}'s app key was revoked by the other team"
    names = [k.name for k in ctx.runtime.store.list_keys()]
    assert "mallory" not in names, names
