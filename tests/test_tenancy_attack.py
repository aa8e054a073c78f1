"""Two teams attack each other through every HTTP route and every CLI command that takes a key.

Teams `alpha` and `beta` each have an app, a model, keys of every role, served and escalated records, a review
item holding personal data, feedback and registry versions. Every key of `alpha` (and no key at all) then tries
to read and change `beta`'s data, and the reverse. An attempt *leaks* when it succeeds (HTTP 200, exit 0, or a
listing that shows the other team's ids or names); it *probes* when the answer for the other team's id differs
from the answer for an id that does not exist. The one role that spans teams is `metrics`, on `/metrics` alone.

To add a route or command, append an `Attack` to `HTTP_ATTACKS` or `CLI_ATTACKS`: `target` names what of the
victim it aims at (None for a listing), `missing` the same kind of thing that does not exist.
`STEWARD_ATTACK_REPORT=FILE` appends one line per finding to FILE (how the before/after counts were taken).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.gateway_fixtures import make_runtime, scripted_model
from typer.testing import CliRunner

from steward.client import Client
from steward.errors import PermissionDenied, StewardError
from steward.gateway.assemble import Runtime
from steward.gateway.http import create_app
from steward.governance.identity import Actor
from steward.types import Feedback

PROJECT = """
version: 1
models:
  alpha-model: {backend: scripted, replies: ["Your gate is B12."]}
  beta-model: {backend: scripted, replies: ["Your gate is C7."]}
apps:
  alpha-app:
    owner: alpha@example.com
    purpose: Alpha team's booking assistant.
    team: alpha
    route: [{model: alpha-model}]
    policy: hold-guarantees
  beta-app:
    owner: beta@example.com
    purpose: Beta team's savings assistant.
    team: beta
    route: [{model: beta-model}]
    policy: hold-guarantees
policies:
  hold-guarantees:
    output:
      compliance:
        - name: guarantee
          when: ["guaranteed (returns?|profits?)"]
          otherwise: escalate
"""
TEAMS = ("alpha", "beta")
ROLES = ("admin", "developer", "app", "auditor", "metrics", "anonymous")
MISSING_RECORD = "rec_00000000000000000000000000000000"


@dataclass
class Team:
    name: str
    app: str
    model: str
    keys: dict[str, str | None] = field(default_factory=dict)  # role -> secret (None: no key)
    served: str = ""  # a served record id
    held: str = ""  # an escalated record id
    item: str = ""  # its review item id

    def markers(self, names: bool) -> list[str]:
        """What of this team must never appear in another team's listing: its ids, and its app and model names
        where the listing is not of the caller's own records (a failed call naming another team's app is the
        caller's own record, and names only what the caller typed)."""
        return [self.served, self.held, self.item] + ([self.app, self.model] if names else [])


@dataclass
class Ctx:
    runtime: Runtime
    http: TestClient
    home: Path
    teams: dict[str, Team]


@dataclass
class Reply:
    ok: bool
    text: str


@dataclass(frozen=True)
class Attack:
    name: str
    kind: str  # read | write
    run: Callable[[Ctx, str | None, str], Reply]  # (ctx, attacker's secret, target) -> reply
    target: Callable[[Team], str] | None = None  # None: a listing, checked for the victim's markers
    missing: str = ""
    names: bool = True  # a listing must not name the victim's apps and models either


# ---- the two teams and their data -------------------------------------------------------------------------


def _seed(runtime: Runtime, team: Team) -> None:
    for role in ROLES[:-1]:
        try:
            team.keys[role], _ = runtime.store.create_key(role, name=f"{team.name}-{role}", team=team.name)
        except StewardError:  # a role this version does not have
            continue
    team.keys["anonymous"] = None
    info = runtime.store.find_key(team.keys["app"])
    client = Client(runtime=runtime, principal=info.principal(subject=f"{team.name}-traveller"))
    scripted_model(runtime, team.model).enqueue("Your gate is B12.")
    team.served = client.chat(team.app, "Which gate?").record.id
    scripted_model(runtime, team.model).enqueue("Guaranteed returns of 12% for Anna Keller, anna@example.com.")
    held = client.chat(team.app, "What returns can I expect?")
    assert held.record.status == "escalated", held.steward
    team.held = held.record.id
    team.item = _item_of(runtime, team.held)
    runtime.store.add_feedback(team.served, Feedback(score=1, comment=f"{team.name} liked it"))


def _item_of(runtime: Runtime, record_id: str) -> str:
    return runtime.store.reviews.get_item(record_id).id


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    from steward.governance import apply

    home = tmp_path_factory.mktemp("tenancy-attack")
    (home / "steward.yaml").write_text(PROJECT)
    runtime = make_runtime(home, PROJECT)
    teams = {name: Team(name, f"{name}-app", f"{name}-model") for name in TEAMS}
    for team in teams.values():
        _seed(runtime, team)
    apply.apply_project(runtime.store, runtime.project, Actor.user("operator"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("STEWARD_CONFIG", str(home / "steward.yaml"))
        env.setenv("STEWARD_HOME", str(home))
        env.setenv("STEWARD_DATABASE_URL", f"sqlite:///{home / 'steward.db'}")
        env.delenv("STEWARD_API_KEY", raising=False)
        env.delenv("STEWARD_GOVERNANCE_KEY", raising=False)
        yield Ctx(runtime, TestClient(create_app(runtime.gateway, runtime.authenticator)), home, teams)
    runtime.store.close()


# ---- HTTP -------------------------------------------------------------------------------------------------


def _http(
    method: str, path: str, body: Callable[[str], Any] | None = None
) -> Callable[[Ctx, str | None, str], Reply]:
    def run(ctx: Ctx, secret: str | None, target: str) -> Reply:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        url = path.format(target=target)
        payload = body(target) if body else None
        response = ctx.http.request(method, url, headers=headers, json=payload)
        return Reply(response.status_code == 200, f"{response.status_code} {response.text}")

    return run


def _chat(target: str) -> dict[str, Any]:
    return {"model": target, "messages": [{"role": "user", "content": "Which gate?"}]}


HTTP_ATTACKS = [
    Attack("GET /v1/reviews/{id}", "read", _http("GET", "/v1/reviews/{target}"), lambda t: t.held, MISSING_RECORD),
    Attack(
        "POST /v1/feedback",
        "write",
        _http("POST", "/v1/feedback", lambda t: {"record_id": t, "score": -1, "comment": "x"}),
        lambda t: t.served,
        MISSING_RECORD,
    ),
    Attack(
        "POST /v1/chat/completions",
        "write",
        _http("POST", "/v1/chat/completions", _chat),
        lambda t: t.app,
        "no-app",
    ),
    Attack("GET /v1/models", "read", _http("GET", "/v1/models")),
    Attack("GET /metrics", "read", _http("GET", "/metrics")),
]


# ---- CLI --------------------------------------------------------------------------------------------------


def _cli(*args: str) -> Callable[[Ctx, str | None, str], Reply]:
    """A command line; `{target}` and `{out}` in an argument are filled in, `--key` is added when there is one."""

    def run(ctx: Ctx, secret: str | None, target: str) -> Reply:
        from steward.cli import app

        argv = [a.format(target=target, out=ctx.home / "out.jsonl") for a in args]
        result = CliRunner().invoke(app, [*argv, "--key", secret or ""])
        error = result.exception
        said = error.message if isinstance(error, StewardError) else ""
        # exit 1 without a Steward error is a command that ran and reported a failing check (compliance check)
        ran = result.exit_code in (0, 1) and not said
        return Reply(ran, f"{result.exit_code} {result.output} {said}")

    return run


CLI_ATTACKS = [
    Attack("review list", "read", _cli("review", "list", "--status", "all", "--json")),
    Attack("review show", "read", _cli("review", "show", "{target}"), lambda t: t.item, "rev_0000"),
    Attack("review approve", "write", _cli("review", "approve", "{target}"), lambda t: t.item, "rev_0000"),
    Attack("review reject", "write", _cli("review", "reject", "{target}"), lambda t: t.item, "rev_0000"),
    Attack("records list", "read", _cli("records", "list", "--json"), names=False),
    Attack(
        "records show", "read", _cli("records", "show", "{target}", "--json"), lambda t: t.served, MISSING_RECORD
    ),
    Attack("records export", "read", _cli("records", "export"), names=False),
    Attack("registry list", "read", _cli("registry", "list", "--json")),
    Attack("registry show", "read", _cli("registry", "show", "prompt:{target}"), lambda t: t.app, "no-app"),
    Attack(
        "registry show --team",
        "read",
        _cli("registry", "show", "prompt:{target}", "--team", "beta"),
        lambda t: t.app,
        "no-app",
    ),
    Attack("registry lineage", "read", _cli("registry", "lineage", "prompt:{target}"), lambda t: t.app, "no-app"),
    Attack("registry card", "read", _cli("registry", "card", "model:{target}"), lambda t: t.model, "no-model"),
    Attack(
        "registry stage",
        "write",
        _cli("registry", "stage", "prompt:{target}", "staging"),
        lambda t: t.app,
        "no-app",
    ),
    Attack(
        "registry dataset-build",
        "write",
        _cli("registry", "dataset-build", "{target}", "--name", "stolen", "--out", "{out}"),
        lambda t: t.app,
        "no-app",
    ),
    Attack("deployments", "read", _cli("deployments", "{target}", "--json"), lambda t: t.app, "no-app"),
    Attack(
        "deploy",
        "write",
        _cli("deploy", "{target}", "--model", "alpha-model", "--canary", "5"),
        lambda t: t.app,
        "no-app",
    ),
    Attack("rollback", "write", _cli("rollback", "{target}"), lambda t: t.app, "no-app"),
    Attack("approve", "write", _cli("approve", "{target}"), lambda t: t.app, "no-app"),
    Attack(
        "compliance check", "read", _cli("compliance", "check", "{target}", "--json"), lambda t: t.app, "no-app"
    ),
    Attack(
        "compliance attest",
        "write",
        _cli("compliance", "attest", "{target}", "transparency_notice", "--evidence", "x"),
        lambda t: t.app,
        "no-app",
    ),
    Attack("audit list", "read", _cli("audit", "list", "--json", "--limit", "1000")),
    Attack(
        "approvers list",
        "read",
        _cli("approvers", "list", "--team", "{target}", "--json"),
        lambda t: t.name,
        "nobody",
    ),
    Attack(
        "approvers add",
        "write",
        _cli("approvers", "add", "mallory", "--team", "{target}"),
        lambda t: t.name,
        "nobody",
    ),
    Attack(
        "privacy enforce",
        "write",
        _cli("privacy", "enforce", "--app", "{target}", "--days", "1"),
        lambda t: t.app,
        "no-app",
    ),
    Attack("providers accept", "write", _cli("providers", "accept", "{target}"), lambda t: t.model, "no-model"),
    Attack(
        "privacy erase --team",
        "write",
        _cli("privacy", "erase", "--subject", "beta-traveller", "--team", "{target}"),
        lambda t: t.name,
        "nobody",
    ),
]


# ---- the attacks ------------------------------------------------------------------------------------------


def _normal(text: str, target: str, missing: str) -> str:
    return re.sub(
        r"\b(rec|rev|key|evt|dep)_[0-9a-f]{8,}\b", "<id>", text.replace(target, "<T>").replace(missing, "<T>")
    )


def _report(findings: list[str]) -> None:
    path = os.environ.get("STEWARD_ATTACK_REPORT")
    if path and findings:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{line}\n" for line in findings)


def _attack(ctx: Ctx, attack: Attack, role: str, attacker: str, victim: str) -> list[str]:
    if role not in ctx.teams[attacker].keys:
        pytest.skip(f"this version has no {role} role")
    secret, target_team = ctx.teams[attacker].keys[role], ctx.teams[victim]
    where = f"{attack.name} [{attack.kind}] {attacker}:{role} -> {victim}"
    if attack.target is None:
        reply = attack.run(ctx, secret, "")
        if role == "metrics" and attack.name == "GET /metrics":
            return []  # the one role that spans teams, explicitly, on this one route
        seen = [m for m in target_team.markers(attack.names) if m and m in reply.text]
        return [f"LEAK {where}: shows {seen}"] if seen else []
    target = attack.target(target_team)
    reply = attack.run(ctx, secret, target)
    findings = [f"LEAK {where}: {reply.text[:160]!r}"] if reply.ok else []
    absent = attack.run(ctx, secret, attack.missing)
    if _normal(reply.text, target, attack.missing) != _normal(absent.text, attack.missing, attack.missing):
        findings.append(f"PROBE {where}: {reply.text[:120]!r} vs missing {absent.text[:120]!r}")
    return findings


# The CLI without a key is the local operator, who reads the database file anyway: no anonymous CLI attack.
MATRIX = [(attack, role) for attack in HTTP_ATTACKS + CLI_ATTACKS for role in ROLES]
MATRIX = [(attack, role) for attack, role in MATRIX if not (role == "anonymous" and attack in CLI_ATTACKS)]


@pytest.mark.parametrize(("attack", "role"), MATRIX, ids=[f"{attack.name}-{role}" for attack, role in MATRIX])
def test_no_key_of_one_team_reads_or_changes_another_teams_data(ctx: Ctx, attack: Attack, role: str) -> None:
    findings = _attack(ctx, attack, role, "alpha", "beta") + _attack(ctx, attack, role, "beta", "alpha")
    _report(findings)
    assert findings == []


def test_the_victims_data_is_untouched(ctx: Ctx) -> None:
    """After every attack: each team's review item still pending, its feedback and records as seeded."""
    for team in ctx.teams.values():
        assert ctx.runtime.store.reviews.get_item(team.item).status == "pending"
        served = ctx.runtime.store.get_record(team.served)
        assert [f.comment for f in served.feedback] == [f"{team.name} liked it"]
        assert len(ctx.runtime.store.list_records(app=team.app, team=team.name, limit=100)) == 2


def test_re_sealing_every_teams_records_is_refused_to_any_key(ctx: Ctx) -> None:
    from steward.governance import privacy

    admin = ctx.runtime.store.find_key(ctx.teams["alpha"].keys["admin"])
    with pytest.raises(PermissionDenied, match="local operator"):
        privacy.reseal_bodies(ctx.runtime.store, Actor.from_key(admin))


READS = [a for a in HTTP_ATTACKS + CLI_ATTACKS if a.kind == "read"]


@pytest.mark.parametrize("attack", READS, ids=lambda a: a.name)
def test_every_read_works_for_the_teams_own_key(ctx: Ctx, attack: Attack) -> None:
    """The control: each read above reaches data when aimed at the caller's own team, so a refusal above is the
    team check at work, not a broken command line or route."""
    team = ctx.teams["beta"]
    secret = team.keys["metrics" if attack.name == "GET /metrics" else "admin"]
    if attack.target is None:
        reply = attack.run(ctx, secret, "")
        assert reply.ok and any(m in reply.text for m in team.markers(attack.names)), reply.text[:300]
    else:
        reply = attack.run(ctx, secret, attack.target(team))
        assert reply.ok, reply.text[:300]


def test_auditors_and_metrics_keys_never_write_feedback_even_to_their_own_team(ctx: Ctx) -> None:
    team = ctx.teams["alpha"]
    body = {"record_id": team.served, "score": -1, "comment": "an auditor's opinion"}
    for role in ("auditor", "metrics"):
        response = ctx.http.post("/v1/feedback", json=body, headers={"Authorization": f"Bearer {team.keys[role]}"})
        assert response.status_code == 403 and "never writes" in response.json()["error"]["message"]
    assert [f.comment for f in ctx.runtime.store.get_record(team.served).feedback] == ["alpha liked it"]


def test_metrics_answers_only_a_metrics_key(ctx: Ctx) -> None:
    def scrape(role: str) -> int:
        secret = ctx.teams["alpha"].keys[role]
        return ctx.http.get(
            "/metrics", headers={"Authorization": f"Bearer {secret}"} if secret else {}
        ).status_code

    assert [scrape(role) for role in ROLES] == [403, 403, 403, 403, 200, 401]
