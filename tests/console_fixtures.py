"""Fixtures of the console's tests: a light project (regex guardrails only: no models to load), its keys, traffic
sent through the gateway with markup in every field a person controls, and signing in as a browser does."""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.gateway_fixtures import scripted_model

from steward.gateway.assemble import Runtime
from steward.gateway.console import Console
from steward.governance import access
from steward.governance.identity import Actor

CONSOLE_PROJECT = r"""
version: 1
models:
  scripted:
    backend: scripted
    replies: ["Hello."]
apps:
  advice:
    owner: qa@example.com
    purpose: Explain savings products.
    route: [{model: scripted}]
    policy: advice-policy
  helpdesk:
    owner: qa@example.com
    purpose: Answer questions about accounts.
    route: [{model: scripted}]
    policy: help-policy
  pensions:
    owner: qa@example.com
    purpose: Explain pension products.
    route: [{model: scripted}]
    policy: two-person-policy
  other:
    owner: qa@example.com
    purpose: Another team's app.
    team: other-team
    route: [{model: scripted}]
policies:
  advice-policy:
    output:
      compliance:
        - name: guarantee
          when: ["guaranteed (returns?|profits?)"]
          otherwise: escalate
  two-person-policy:
    reviewers: 2
    output:
      compliance:
        - name: guarantee
          when: ["guaranteed (returns?|profits?)"]
          otherwise: escalate
  help-policy:
    input:
      secrets: {action: warn}
"""

# Markup and script, each in a form that breaks out of text, an attribute, a textarea or a template.
XSS = [
    '<script>alert("xss-1")</script>',
    '"><img src=x onerror=alert("xss-2")>',
    "'><svg onload=alert('xss-3')>",
    '</textarea><script>alert("xss-4")</script>',
    "{{7*7}}<iframe src=javascript:alert('xss-5')>",
]
RAW = ["<script>alert", "<img src=x", "<svg onload", "</textarea><script", "<iframe src"]  # never in a page
HELD = "Guaranteed returns of 12% a year."
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def make_keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, team in [
        ("admin", "admin", "default"),
        ("developer", "developer", "default"),
        ("auditor", "auditor", "default"),
        ("app", "app", "default"),
        ("metrics", "metrics", "default"),
        ("other", "admin", "other-team"),
    ]:
        made[name] = access.create_key(runtime.store, Actor.user("alice"), role, name=name, team=team)[0]
    return made


def chat(http: Any, key: str, app: str, text: str, **extra: Any) -> dict[str, Any]:
    body = {"model": app, "messages": [{"role": "user", "content": text}], **extra}
    response = http.post("/v1/chat/completions", headers={"authorization": f"Bearer {key}"}, json=body)
    assert response.status_code == 200, response.text
    steward: dict[str, Any] = response.json()["steward"]
    return steward


def held(
    runtime: Runtime,
    http: Any,
    key: str,
    answer: str = HELD,
    question: str = "How should I save?",
    app: str = "advice",
) -> str:
    """A request of `app` whose answer the policy holds for review; its record id."""
    scripted_model(runtime).enqueue(answer)
    sent = chat(http, key, app, question or "How should I save?")
    assert sent["status"] == "escalated"
    record_id: str = sent["record_id"]
    return record_id


def hostile_traffic(runtime: Runtime, http: Any, keys: dict[str, str]) -> list[str]:
    """Records whose prompt, answer, subject and feedback comment carry each XSS payload; their ids."""
    ids = []
    for payload in XSS:
        sent = chat(http, keys["app"], "helpdesk", f"my key is {AWS_KEY} {payload}", user=payload[:60])
        feedback = {"record_id": sent["record_id"], "score": -1, "comment": payload}
        assert http.post(
            "/v1/feedback", headers={"authorization": f"Bearer {keys['app']}"}, json=feedback
        ).is_success
        ids += [sent["record_id"], held(runtime, http, keys["app"], answer=f"{HELD} {payload}", question=payload)]
    return ids


_addresses = itertools.count(1)


def new_address() -> tuple[str, int]:
    """A client address of its own for another test browser: the console limits sign-in attempts per address
    (`throttle`), and a module's browsers are different people, not one client signing in over and over."""
    n = next(_addresses)
    return (f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}", 50000)


def console_of(http: Any) -> Console:
    """The console the in-process app serves (tests move its sessions' clock)."""
    console: Console = http.app.api.state.console
    return console


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(http: Any, key: str, next_path: str = "/ui") -> Any:
    """Sign in as a browser does: the form (and its cookie), then the POST; the redirect is not followed."""
    page = http.get("/ui/sign-in", params={"next": next_path})
    assert page.status_code == 200
    data = {"key": key, "csrf": form_token(page.text), "next": next_path}
    return http.post("/ui/sign-in", data=data, follow_redirects=False)


# ---- the governance pages (deployments, drift, silences, registry, evals, compliance) on gov_fixtures' project:
# a high-risk app `claims` (team claims) with evaluation variants, and `airport` of team ops.

GOV_KEYS = [  # name, role, team, approver of its team
    ("deployer", "developer", "claims", True),
    ("bob", "developer", "claims", True),
    ("carol", "admin", "claims", True),
    ("dave", "developer", "claims", False),
    ("auditor", "auditor", "claims", False),
    ("app", "app", "claims", False),
    ("ops", "admin", "ops", True),
]


def make_gov_keys(runtime: Runtime) -> dict[str, str]:
    """Keys of `GOV_KEYS`, the approvers granted as an admin does (`steward approvers add --key-id`)."""
    from steward.governance import approvers

    made = {}
    alice = Actor.user("alice")
    for name, role, team, approver in GOV_KEYS:
        secret, info = access.create_key(runtime.store, alice, role, name=name, team=team)
        made[name] = secret
        if approver:
            approvers.grant(runtime.store, alice, team, f"key:{info.id}")
    return made


def api(http: Any, key: str, method: str, path: str, **kwargs: Any) -> Any:
    answer = http.request(method, path, headers={"authorization": f"Bearer {key}"}, **kwargs)
    assert answer.is_success, answer.text
    return answer.json()


def past_traffic(runtime: Runtime, app: str, start: float, topics: list[str], seed: int, count: int = 40) -> None:
    """`count` records of `app` one second apart from `start`, written through the store's own writer."""
    import random

    from steward.types import Record, Turn

    rng = random.Random(seed)
    for i in range(count):
        record = Record.start(app)
        record.team = runtime.project.apps[app].team
        record.created_at = start + i
        topic = rng.choice(topics)
        record.input = [Turn("user", f"{topic} question {rng.random():.6f} about my claim")]
        record.output = f"{topic} answer {rng.random():.6f}"
        runtime.store.write_sync(record)


def ab_runs(runtime: Runtime, name: str, cases: int = 40) -> tuple[str, str]:
    """Variant A then B of one A/B suite run of `claims-b` (B scores higher on most cases); their ids. `name` is
    the suite's name, which a person writes (markup in it must render as text)."""
    from steward.store.evals import StoredCase, StoredRun
    from steward.types import new_id, now

    ids = []
    for variant, bias in (("a", 0.3), ("b", 0.8)):
        scored = [
            StoredCase(
                i, f"c{i}", f"question {i} {name}", f"answer {i} {name}", {"accuracy": float((i % 10) < bias * 10)}
            )
            for i in range(cases)
        ]
        value = sum(c.scores["accuracy"] or 0.0 for c in scored) / cases
        run = StoredRun(
            id=new_id("evr"), kind="suite", name=name, app="claims-b", created_at=now(), finished_at=now(),
            passed=True, versions={"served_models": ["model-b"]}, summary=[{"name": "accuracy", "value": value}],
            gates=[], variant=variant, dataset="qa.jsonl", dataset_hash="d" * 64, cases=scored, case_count=cases,
        )  # fmt: skip
        runtime.store.evals.save_run(run)
        ids.append(run.id)
    return ids[0], ids[1]
