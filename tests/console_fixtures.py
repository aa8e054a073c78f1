"""Fixtures of the console's tests: a light project (regex guardrails only: no models to load), its keys, traffic
sent through the gateway with markup in every field a person controls, and signing in as a browser does."""

from __future__ import annotations

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
