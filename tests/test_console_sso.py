"""Single sign-on to the console with OpenID Connect (issue 18), over HTTP against a loopback provider
(tests/oidc_provider.py: discovery, JWKS, one-time codes, PKCE S256, RS256 ID tokens from a key made for the run).

The whole flow (the authorization request carries an S256 challenge, state and nonce; the provider sees the
verifier and the client's secret; the session acts and is audited as `oidc:<subject> (e-mail)`; groups map to a
role and team, and an auditor group reads and never acts), and each refusal: an unknown or reused state, a flow
started in another browser, a replayed code, a stolen code redeemed with another verifier, an ID token expired,
for another audience or issuer, with another nonce, or signed with a key the provider does not publish, no ID
token, a provider error, groups mapping to no role or to two teams, and `next` pointing off the console. Config
mistakes name file:line."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient
from tests.console_fixtures import CONSOLE_PROJECT, console_of, form_token, held, make_keys, new_address
from tests.gateway_fixtures import InProcessServer, _free_port, make_runtime
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, ProviderServer

from steward.config import load_project_text
from steward.errors import ConfigError
from steward.gateway.assemble import Runtime
from steward.gateway.console.oidc import Provider as OidcProvider
from steward.gateway.console.oidc import SignInRefused
from steward.gateway.console.sessions import COOKIE
from steward.gateway.console.signin_sso import FLOW_COOKIE
from steward.governance import audit
from steward.governance.identity import Actor

SECRET_VAR = "STEWARD_TEST_OIDC_SECRET"
SSO_SECTION = """
console:
  oidc:
    issuer: {issuer}
    client_id: {client_id}
    client_secret: $env:{var}
    groups_claim: groups
    label: Example SSO
    roles: {{stw-admins: admin, stw-devs: developer, risk-office: auditor, other-admins: admin}}
    teams: {{stw-admins: default, stw-devs: default, risk-office: default, other-unit: other-team,
             other-admins: other-team}}
"""
DEVELOPER = {"sub": "248289761001", "email": "jane@example.com", "groups": ["stw-devs", "cafeteria"]}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with ProviderServer(Provider()) as running:
        yield running


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[Runtime]:
    os.environ[SECRET_VAR] = CLIENT_SECRET
    text = CONSOLE_PROJECT + SSO_SECTION.format(issuer=provider.issuer, client_id=CLIENT_ID, var=SECRET_VAR)
    rt = make_runtime(tmp_path_factory.mktemp("console-sso"), text)
    yield rt
    rt.store.close()
    os.environ.pop(SECRET_VAR, None)


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[InProcessServer]:
    with InProcessServer(runtime) as in_process:
        yield in_process


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    return make_keys(runtime)


@pytest.fixture(autouse=True)
def well_behaved(provider: Provider) -> None:
    provider.misbehave = None
    provider.user = dict(DEVELOPER)


def browser(server: InProcessServer) -> TestClient:
    return TestClient(server.http.app, base_url=server.url, raise_server_exceptions=False, client=new_address())


def start(client: TestClient, next_path: str = "/ui") -> tuple[str, dict[str, list[str]]]:
    """Begin a sign-in; the provider's authorization URL and its query."""
    begun = client.get("/ui/sign-in/sso", params={"next": next_path}, follow_redirects=False)
    assert begun.status_code == 303, begun.text
    where = begun.headers["location"]
    return where, parse_qs(urlsplit(where).query)


def at_provider(where: str) -> dict[str, str]:
    """The browser at the provider: it signs the person in at once and redirects back; the callback's query."""
    answer = httpx.get(where, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/ui/sign-in/sso/callback"
    return {k: v[0] for k, v in parse_qs(back.query).items()}


def sso_sign_in(client: TestClient, next_path: str = "/ui") -> Any:
    where, _ = start(client, next_path)
    return client.get("/ui/sign-in/sso/callback", params=at_provider(where), follow_redirects=False)


def refused(answer: Any, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    assert words in answer.text, answer.text
    assert COOKIE not in answer.cookies
    assert 'name="key"' in answer.text  # back at the sign-in form


def test_the_full_flow_signs_in_as_the_providers_subject_with_pkce_state_and_nonce(
    server: InProcessServer, provider: Provider
) -> None:
    client = browser(server)
    form = client.get("/ui/sign-in")
    assert 'id="sign-in-sso"' in form.text and "Example SSO" in form.text
    where, query = start(client)
    assert where.startswith(f"{provider.issuer}/authorize?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://testserver/ui/sign-in/sso/callback"]
    assert query["state"][0] and query["nonce"][0] and CLIENT_SECRET not in where
    assert client.cookies.get(FLOW_COOKIE)  # the flow is bound to this browser
    answer = client.get("/ui/sign-in/sso/callback", params=at_provider(where), follow_redirects=False)
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
    assert 'http-equiv="refresh" content="0;url=/ui"' in answer.text  # moves on from this site (Strict cookie)
    assert provider.token_requests[-1]["code_verifier"]  # redeemed with the flow's verifier
    overview = client.get("/ui")
    assert overview.status_code == 200
    assert "jane@example.com (developer, team default)" in overview.text
    signed = [e for e in audit.list_events(server.runtime.store, action="console.sign_in", limit=50)]
    assert signed[0].actor == "oidc:248289761001 (jane@example.com)" and signed[0].subject == "oidc:248289761001"


def test_decisions_are_made_and_audited_as_the_sso_identity(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"])
    client = browser(server)
    assert sso_sign_in(client).status_code == 200
    token = form_token(client.get("/ui/reviews").text)
    done = client.post(
        f"/ui/reviews/{record_id}/decision",
        data={"action": "reject", "comment": "by sso", "csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert runtime.store.reviews.get_item(record_id).status == "rejected"
    events = audit.list_events(runtime.store, action="review.reject", limit=50)
    mine = [e for e in events if e.detail.get("note") == "by sso"]
    assert mine and mine[0].actor == "oidc:248289761001 (jane@example.com)"
    out = client.post("/ui/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and client.get("/ui", follow_redirects=False).status_code == 303
    assert audit.list_events(runtime.store, action="console.sign_out", limit=5)[0].actor.startswith("oidc:2482")


def test_an_auditor_group_reads_and_never_acts(
    server: InProcessServer, runtime: Runtime, provider: Provider, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"])
    provider.user = {"sub": "auditor-7", "email": "ari@example.com", "groups": ["risk-office"]}
    client = browser(server)
    assert sso_sign_in(client).status_code == 200
    queue = client.get("/ui/reviews")
    assert "read-only" in queue.text and record_id in queue.text
    token = form_token(queue.text)
    answer = client.post(f"/ui/reviews/{record_id}/decision", data={"action": "approve", "csrf": token})
    assert answer.status_code == 403 and "auditor" in answer.text
    assert runtime.store.reviews.get_item(record_id).status == "pending"


def test_the_most_privileged_mapped_role_wins(server: InProcessServer, provider: Provider) -> None:
    provider.user = {"sub": "both-1", "groups": ["risk-office", "stw-admins"]}
    client = browser(server)
    assert sso_sign_in(client).status_code == 200
    assert "oidc:both-1 (admin, team default)" in client.get("/ui").text  # no e-mail: the subject


def test_an_unknown_or_reused_state_and_another_browsers_flow_are_refused(
    server: InProcessServer, provider: Provider
) -> None:
    client = browser(server)
    where, _ = start(client)
    back = at_provider(where)
    forged = client.get("/ui/sign-in/sso/callback", params={**back, "state": "forged"}, follow_redirects=False)
    refused(forged, 403, "not started in this browser")
    thief = browser(server)  # has the callback URL, not the flow's cookie
    refused(thief.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False), 403, "not started")
    # the forged state's refusal dropped this browser's flow cookie: the flow is over
    refused(client.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False), 403, "already used")
    # a thief alone cannot end someone's flow (nothing of it is on the server): the browser still finishes it
    owner = browser(server)
    where, _ = start(owner)
    back = at_provider(where)
    refused(
        browser(server).get("/ui/sign-in/sso/callback", params=back, follow_redirects=False), 403, "not started"
    )
    assert owner.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False).status_code == 200


def test_a_replayed_callback_and_a_replayed_code_are_refused(server: InProcessServer, provider: Provider) -> None:
    client = browser(server)
    where, _ = start(client)
    back = at_provider(where)
    assert client.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False).status_code == 200
    refused(client.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False), 403, "already used")
    _, query = start(client)  # a fresh flow of this browser, handed the used code
    replay = {"code": back["code"], "state": query["state"][0]}
    refused(client.get("/ui/sign-in/sso/callback", params=replay, follow_redirects=False), 401, "invalid_grant")


def test_a_stolen_code_fails_the_pkce_check(
    server: InProcessServer, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    victim, attacker = browser(server), browser(server)
    stolen = at_provider(start(victim)[0])["code"]  # the victim's code, bound to the victim's challenge
    _, query = start(attacker)
    injected = {"code": stolen, "state": query["state"][0]}
    answer = attacker.get("/ui/sign-in/sso/callback", params=injected, follow_redirects=False)
    refused(answer, 401, "invalid_grant")
    assert provider.token_requests[-1]["code"] == stolen  # the provider saw the attacker's verifier and said no
    assert "single sign-on refused (401)" in caplog.text  # said in the log, with no code, verifier or cookie
    # what Steward and the libraries it signs in with logged (the test's own browsers, httpx clients, log the URLs
    # they visit: left out)
    ours = ("steward", "authlib", "joserfc")
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ours)
    assert "single sign-on refused" in logged
    assert stolen not in logged and provider.token_requests[-1]["code_verifier"] not in logged


@pytest.mark.parametrize(
    ("misbehave", "words"),
    [
        ("expired", "The token is expired"),
        ("audience", "Invalid claim: &#39;aud&#39;"),
        ("issuer", "Invalid claim: &#39;iss&#39;"),
        ("nonce", "Invalid claim: &#39;nonce&#39;"),
        ("signature", "bad_signature"),
        ("unsigned", "not accepted"),
        ("none", "no ID token"),
    ],
)
def test_a_bad_id_token_is_refused(
    server: InProcessServer, provider: Provider, misbehave: str, words: str
) -> None:
    provider.misbehave = misbehave
    refused(sso_sign_in(browser(server)), 401, words)


def test_keys_the_provider_rotated_to_are_fetched(server: InProcessServer, provider: Provider) -> None:
    assert sso_sign_in(browser(server)).status_code == 200  # the old keys are cached now
    provider.rotate()
    assert sso_sign_in(browser(server)).status_code == 200


def test_a_provider_error_is_said_and_nothing_starts(server: InProcessServer) -> None:
    client = browser(server)
    _, query = start(client)
    denied = {"error": "access_denied", "state": query["state"][0]}
    refused(client.get("/ui/sign-in/sso/callback", params=denied, follow_redirects=False), 401, "access_denied")


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        (["cafeteria"], "none of your groups is given a console role"),
        ([], "none of your groups"),
        (["stw-devs", "other-unit"], "2 teams"),
    ],
)
def test_groups_without_a_role_or_one_team_are_refused(
    server: InProcessServer, provider: Provider, groups: list[str], words: str
) -> None:
    provider.user = {"sub": "someone", "groups": groups}
    refused(sso_sign_in(browser(server)), 403, words)


@pytest.mark.parametrize(
    "next_path", ["//evil.example/ui", "https://evil.example/ui", "/\\evil.example", "/ui/../../x", "javascript:1"]
)
def test_no_open_redirect_after_sso(server: InProcessServer, next_path: str) -> None:
    answer = sso_sign_in(browser(server), next_path)
    assert answer.status_code == 200
    target = re.search(r'content="0;url=([^"]*)"', answer.text)
    assert target is not None and target.group(1).startswith("/ui") and "evil" not in target.group(1)


def test_next_inside_the_console_is_kept(server: InProcessServer) -> None:
    answer = sso_sign_in(browser(server), "/ui/reviews?state=all")
    assert 'content="0;url=/ui/reviews?state=all"' in answer.text


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("    issuer: http://idp.example.com\n", "must use https"),
        ("    issuer: https://idp.example.com\n    client_secret: hunter2\n", "referenced, never stored"),
        ("    issuer: https://idp.example.com\n    roles: {g: root}\n", "use 'admin', 'developer' or 'auditor'"),
        ("    issuer: https://idp.example.com\n    teams: {}\n", "teams"),
        ("    issuer: https://idp.example.com\n    scopes: [email]\n", "openid"),
        ("    issuer: https://idp.example.com\n    surprise: 1\n", "unknown key"),
    ],
)
def test_config_mistakes_name_file_and_line(section: str, words: str) -> None:
    base = {
        "client_id": "    client_id: c\n",
        "roles": "    roles: {g: admin}\n",
        "teams": "    teams: {g: default}\n",
    }
    for key, line in base.items():
        if f"    {key}:" not in section:
            section += line
    text = CONSOLE_PROJECT + "console:\n  oidc:\n" + section
    with pytest.raises(ConfigError) as caught:
        load_project_text(text, "sso.yaml")
    assert re.search(r"sso\.yaml:\d+: console\.oidc", caught.value.message) and words in caught.value.message


def _spec(issuer: str) -> Any:
    text = CONSOLE_PROJECT + SSO_SECTION.format(issuer=issuer, client_id=CLIENT_ID, var=SECRET_VAR)
    spec = load_project_text(text, "sso.yaml").console.oidc
    assert spec is not None
    return spec


def test_a_provider_that_is_down_or_names_another_issuer_is_said_plainly(provider: Provider) -> None:
    down = OidcProvider(_spec(f"http://127.0.0.1:{_free_port()}"))
    with pytest.raises(SignInRefused) as caught:
        asyncio.run(down.authorization_url("http://testserver/ui/sign-in/sso/callback", "s", "n", "v" * 43))
    assert caught.value.status == 502 and "discovery document could not be read" in caught.value.message
    other = OidcProvider(_spec(provider.issuer + "/"))  # not the issuer its discovery document names
    with pytest.raises(SignInRefused) as named:
        asyncio.run(other.metadata())
    assert named.value.status == 502 and "fix console.oidc.issuer" in named.value.message


def test_an_sso_identity_reads_and_acts_only_within_its_team(
    server: InProcessServer, runtime: Runtime, provider: Provider, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"])  # a record and review item of team default
    provider.user = {"sub": "other-1", "email": "olu@example.com", "groups": ["other-admins"]}
    client = browser(server)
    assert sso_sign_in(client).status_code == 200
    assert "olu@example.com (admin, team other-team)" in client.get("/ui").text
    assert client.get(f"/ui/records/{record_id}").status_code == 404
    assert record_id not in client.get("/ui/reviews").text and record_id not in client.get("/ui/records").text
    token = form_token(client.get("/ui").text)
    answer = client.post(f"/ui/reviews/{record_id}/decision", data={"action": "reject", "csrf": token})
    assert answer.status_code == 404
    assert runtime.store.reviews.get_item(record_id).status == "pending"


def test_a_flood_of_sign_in_starts_from_one_client_leaves_another_browsers_sign_in_alone(
    server: InProcessServer, runtime: Runtime
) -> None:
    """Flows used to wait in one bounded table on the server, so ~1,000 starts from anyone pushed everyone else's
    sign-in in progress out. A flow is now sealed in its own browser's cookie, and starts are limited per client:
    2,000 starts from one address (limited after `BURST`), and 2,000 more with the limit lifted (all admitted),
    leave a sign-in in progress to finish."""
    from steward.gateway.console.throttle import BURST, SignInThrottle

    victim = browser(server)
    where, _ = start(victim, "/ui/reviews")
    back = at_provider(where)  # the victim is signed in at the provider and on the way back
    flooder = TestClient(
        server.http.app, base_url=server.url, raise_server_exceptions=False, client=("203.0.113.9", 41000)
    )
    throttle = console_of(server.http).throttle
    saved, frozen = throttle.clock, throttle.clock()
    throttle.clock = lambda: frozen  # no refill while the flood runs, however long it takes
    try:
        answers = [flooder.get("/ui/sign-in/sso", follow_redirects=False).status_code for _ in range(2000)]
        limited = flooder.get("/ui/sign-in/sso", follow_redirects=False)
    finally:
        throttle.clock = saved
    assert answers[:BURST] == [303] * BURST and set(answers[BURST:]) == {429}
    # and with no limit at all (as from 2,000 addresses, each under its own): every start is admitted, and none
    # of them is kept on the server, so none can push the victim's flow out
    console = console_of(server.http)
    console.throttle, limiting = SignInThrottle(burst=10_000), console.throttle
    try:
        unlimited = [flooder.get("/ui/sign-in/sso", follow_redirects=False).status_code for _ in range(2000)]
    finally:
        console.throttle = limiting
    assert set(unlimited) == {303}
    assert "too many sign-in attempts from your address" in limited.text and limited.headers["retry-after"]
    held_before = len(console_of(server.http).sessions)
    finished = victim.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False)
    assert finished.status_code == 200, finished.text
    assert 'content="0;url=/ui/reviews"' in finished.text
    assert "jane@example.com (developer, team default)" in victim.get("/ui").text
    assert len(console_of(server.http).sessions) == held_before + 1  # the flood started no session


def test_a_flow_cookie_that_was_altered_expired_or_lost_on_a_restart_is_refused_or_kept(
    server: InProcessServer, runtime: Runtime
) -> None:
    """The flow cookie is sealed with a key the store keeps: altering it or waiting past `FLOW_S` is refused; a
    new server over the same store (a restart, another worker) opens it."""
    from steward.gateway.console.signin_sso import FLOW_S

    client = browser(server)
    where, _ = start(client)
    back = at_provider(where)
    sealed = client.cookies.get(FLOW_COOKIE)
    assert sealed and back["state"] not in sealed  # sealed, not readable
    altered = browser(server)
    altered.cookies.set(FLOW_COOKIE, sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))
    refused(altered.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False), 403, "not started")
    sessions = console_of(server.http).sessions
    saved = sessions.clock
    late = browser(server)
    late.cookies.set(FLOW_COOKIE, sealed, path="/ui/sign-in/sso")
    sessions.clock = lambda: saved() + FLOW_S + 61
    try:
        refused(late.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False), 403, "expired")
    finally:
        sessions.clock = saved
    with InProcessServer(runtime) as restarted:  # a new app over the same store
        again = TestClient(restarted.http.app, base_url=restarted.url, raise_server_exceptions=False)
        again.cookies.set(FLOW_COOKIE, sealed, path="/ui/sign-in/sso")
        answer = again.get("/ui/sign-in/sso/callback", params=back, follow_redirects=False)
        assert answer.status_code == 200, answer.text


def test_a_two_person_review_counts_the_sso_user_and_their_own_key_as_one_person(
    server: InProcessServer, runtime: Runtime, provider: Provider, keys: dict[str, str]
) -> None:
    """Jane approves with her key (owner jane@example.com), then signs in with single sign-on (the provider
    verified the same e-mail): her second approval is refused as the same person; another person's releases it."""
    from steward.governance import access
    from steward.governance.identity import Actor

    jane_key, _ = access.create_key(
        runtime.store, Actor.user("alice"), "developer", name="jane-laptop", owner="Jane@Example.com"
    )
    record_id = held(runtime, server.http, keys["app"], app="pensions")
    first = server.http.post(
        f"/v1/reviews/{record_id}/decision",
        headers={"authorization": f"Bearer {jane_key}"},
        json={"action": "approve", "comment": "fine by me"},
    )
    assert first.status_code == 200 and first.json()["status"] == "pending", first.text
    subject = f"review:{runtime.store.reviews.get_item(record_id).id}"
    event = audit.list_events(runtime.store, subject=subject, action="review.approve", limit=1)[0]
    assert event.actor.startswith("key:") and "(jane-laptop)" in event.actor  # the key ...
    assert event.detail["person"] == "jane@example.com"  # ... and the person who used it
    provider.user = {**DEVELOPER, "email_verified": True}
    client = browser(server)
    assert sso_sign_in(client).status_code == 200
    token = form_token(client.get("/ui/reviews").text)
    again = client.post(
        f"/ui/reviews/{record_id}/decision", data={"action": "approve", "comment": "me again", "csrf": token}
    )
    assert again.status_code == 400, again.text
    assert "jane@example.com approved it already" in again.text and "count people" in again.text
    assert runtime.store.reviews.get_item(record_id).status == "pending"
    other = {"sub": "77", "email": "omar@example.com", "email_verified": True, "groups": ["stw-devs"]}
    provider.user = other
    second = browser(server)
    assert sso_sign_in(second).status_code == 200
    token = form_token(second.get("/ui/reviews").text)
    done = second.post(
        f"/ui/reviews/{record_id}/decision",
        data={"action": "approve", "comment": "agreed", "csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert runtime.store.reviews.get_item(record_id).status == "approved"
    last = audit.list_events(runtime.store, subject=subject, action="review.approve", limit=1)[0]
    assert last.actor == "oidc:77 (omar@example.com)" and last.detail["person"] == "omar@example.com"
    assert audit.verify(runtime.store).ok


@pytest.mark.parametrize("sso_first", [False, True])
def test_an_unverified_sso_e_mail_never_gives_its_owner_a_second_label(
    server: InProcessServer, runtime: Runtime, provider: Provider, keys: dict[str, str], sso_first: bool
) -> None:
    """Jane labels with her key (owner jane@example.com) and with a single sign-on whose provider did not verify
    her e-mail, in either order: the unverified e-mail makes her no person who approves, but it is still hers, so
    her second label is refused (fail-closed) and the item stays pending."""
    from steward.governance import access
    from steward.governance.identity import Actor

    jane_key, _ = access.create_key(
        runtime.store, Actor.user("alice"), "developer", name=f"jane-{sso_first}", owner="jane@example.com"
    )
    record_id = held(runtime, server.http, keys["app"], app="pensions")
    provider.user = {**DEVELOPER, "sub": f"unverified-{sso_first}"}  # no email_verified
    client = browser(server)
    assert sso_sign_in(client).status_code == 200

    def by_sso() -> Any:
        token = form_token(client.get("/ui/reviews").text)
        return client.post(f"/ui/reviews/{record_id}/decision", data={"action": "approve", "csrf": token})

    def by_key() -> Any:
        return server.http.post(
            f"/v1/reviews/{record_id}/decision",
            headers={"authorization": f"Bearer {jane_key}"},
            json={"action": "approve", "comment": ""},
        )

    first, second = (by_sso, by_key) if sso_first else (by_key, by_sso)
    assert first().status_code in (200, 303)
    refused = second()
    assert refused.status_code == 400 and "jane@example.com" in refused.text, refused.text
    assert runtime.store.reviews.get_item(record_id).status == "pending"


def test_an_unverified_sso_e_mail_is_no_person(provider: Provider) -> None:
    """A provider that does not say it verified the e-mail gives no person: the SSO subject counts as itself
    (anyone could otherwise type a key owner's address into their profile and pass for them)."""
    spec = load_project_text(
        CONSOLE_PROJECT + SSO_SECTION.format(issuer=provider.issuer, client_id=CLIENT_ID, var=SECRET_VAR)
    ).console.oidc
    assert spec is not None
    oidc = OidcProvider(spec)
    assert oidc.identity({**DEVELOPER, "email_verified": True}).person == "jane@example.com"
    assert oidc.identity(DEVELOPER).person is None
    assert oidc.identity({**DEVELOPER, "email_verified": "true"}).person is None


GOV_SSO = """
console:
  oidc:
    issuer: {issuer}
    client_id: {client_id}
    client_secret: $env:{var}
    groups_claim: groups
    roles: {{claims-devs: developer}}
    teams: {{claims-devs: claims}}
"""


def test_an_sso_user_approves_a_deployment_as_the_person_their_keys_are(
    tmp_path: Path, provider: Provider
) -> None:
    """A high-risk app's candidate: jane approves in the console through single sign-on (she is an approver as a
    person, `steward approvers add --owner`), audited as her SSO identity; her own key is then the same person
    (409); bob's key is the second approver, and the candidate is promoted."""
    from tests.console_fixtures import sign_in
    from tests.gov_fixtures import PROJECT, stored_run

    from steward.governance import access, apply, approvers, deployments

    os.environ[SECRET_VAR] = CLIENT_SECRET
    text = PROJECT + GOV_SSO.format(issuer=provider.issuer, client_id=CLIENT_ID, var=SECRET_VAR)
    rt = make_runtime(tmp_path, text)
    alice = Actor.user("alice")
    try:
        apply.apply_project(rt.store, rt.project, alice)
        made = {}
        for name, owner in (("deployer", None), ("jane-key", "jane@example.com"), ("bob", "bob@example.com")):
            made[name], _ = access.create_key(rt.store, alice, "developer", name=name, team="claims", owner=owner)
        for person in ("jane@example.com", "bob@example.com"):
            approvers.grant(rt.store, alice, "claims", approvers.principal_for(rt.store, owner=person))
        with InProcessServer(rt) as server:
            auth = {"authorization": f"Bearer {made['deployer']}"}
            body = {"model": "model-b", "canary": 10}
            assert server.http.post("/v1/deployments/claims", headers=auth, json=body).status_code == 200
            provider.user = {"sub": "jane-sub", "email": "jane@example.com", "email_verified": True,
                             "groups": ["claims-devs"]}  # fmt: skip
            client = browser(server)
            assert sso_sign_in(client).status_code == 200
            page = client.get("/ui/deployments")
            assert "approve-form" in page.text  # offered to the SSO approver
            approved = client.post("/ui/deployments/claims/approve", data={"csrf": form_token(page.text)})
            assert approved.status_code == 200 and "You approved the candidate of claims." in approved.text
            assert "oidc:jane-sub (jane@example.com)" in approved.text  # the approval names the person too
            given = deployments.approvals(
                rt.store, deployments.current(rt.store, "claims").candidate.deployment_id
            )
            assert [(a["approver"], a["person"]) for a in given] == [("oidc:jane-sub", "jane@example.com")]
            event = audit.list_events(rt.store, action="deployment.approve", limit=1)[0]
            assert (
                event.actor == "oidc:jane-sub (jane@example.com)" and event.detail["person"] == "jane@example.com"
            )
            assert "approve-form" not in client.get("/ui/deployments").text  # she approved already
            jane = {"authorization": f"Bearer {made['jane-key']}"}
            again = server.http.post("/v1/approvals", headers=jane, json={"app": "claims"})
            assert again.status_code == 409 and "jane@example.com already approved" in again.text
            stored_run(rt.store, rt.project, "claims-b", served=["model-b"])
            early = server.http.post("/v1/deployments/claims/promote", headers=auth)
            assert early.status_code == 409 and "it has 1 (person:jane@example.com)" in early.text
            bob = {"authorization": f"Bearer {made['bob']}"}
            assert server.http.post("/v1/approvals", headers=bob, json={"app": "claims"}).status_code == 200
            promoted = server.http.post("/v1/deployments/claims/promote", headers=auth)
            assert promoted.status_code == 200, promoted.text
            assert "person:jane@example.com, person:bob@example.com" in promoted.json()["note"]
            assert sign_in(server.http, made["deployer"]).status_code == 303  # keys still sign in beside SSO
        assert audit.verify(rt.store).ok
    finally:
        rt.store.close()
        os.environ.pop(SECRET_VAR, None)


def test_callbacks_replayed_with_made_up_codes_meet_the_sign_in_limit(
    server: InProcessServer, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client holding its own flow cookie could replay the callback with made-up codes without limit, each one
    a token request from Steward to the provider (which may then limit or lock out Steward's client): the callback
    takes from the client's sign-in limit as a start does."""
    from steward.gateway.console.throttle import BURST

    monkeypatch.setenv(SECRET_VAR, CLIENT_SECRET)  # the test before took it away
    guesser = TestClient(
        server.http.app, base_url=server.url, raise_server_exceptions=False, client=("203.0.113.77", 41000)
    )
    throttle = console_of(server.http).throttle
    saved, frozen = throttle.clock, throttle.clock()
    throttle.clock = lambda: frozen  # no refill while the test runs, however long it takes
    try:
        _, query = start(guesser)  # one attempt of the limit
        sealed = guesser.cookies.get(FLOW_COOKIE)
        asked_before = len(provider.token_requests)
        answers = []
        for i in range(BURST + 3):
            guesser.cookies.set(FLOW_COOKIE, sealed, path="/ui/sign-in/sso")  # the answer dropped it: put it back
            params = {"state": query["state"][0], "code": f"guess-{i}"}
            answers.append(guesser.get("/ui/sign-in/sso/callback", params=params, follow_redirects=False))
    finally:
        throttle.clock = saved
    assert [a.status_code for a in answers] == [401] * (BURST - 1) + [429] * 4
    assert len(provider.token_requests) - asked_before == BURST - 1
    assert "too many sign-in attempts from your address" in answers[-1].text


def test_a_provider_error_cannot_write_lines_into_the_log(
    server: InProcessServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VAR, CLIENT_SECRET)
    client = browser(server)
    _, query = start(client)
    forged = "access_denied\nCRITICAL steward: forged line\r\x1b[2J"
    with caplog.at_level(logging.WARNING, logger="steward.gateway.console.signin_sso"):
        answer = client.get("/ui/sign-in/sso/callback", params={"state": query["state"][0], "error": forged})
    refused(answer, 401, "did not sign you in")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "access_denied" in logged and "\nCRITICAL" not in logged and "\r" not in logged and "\x1b" not in logged


def test_a_missing_client_secret_refuses_the_sign_in_plainly(
    server: InProcessServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client secret is read at each use (a rotation needs no restart): unset, the sign-in is a 503 page
    that says what to do, never a 500."""
    monkeypatch.delenv(SECRET_VAR, raising=False)
    client = browser(server)
    answer = client.get("/ui/sign-in/sso", follow_redirects=False)
    refused(answer, 503, "client secret is missing")
