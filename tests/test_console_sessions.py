"""Console sessions kept in the store (issue 18, session 14): on SQLite and PostgreSQL, a session survives a
restart of the server (a new app over the same database) and is served by every server process of one database;
sign-out and revoking the key end it on all of them; an expired session is refused and its row deleted, on
access or by the purge at the next sign-in; the table holds only the sha256 of a session's token (never the
token, nor its CSRF token); a key's sign-ins end only its own oldest sessions; and sign-in attempts are limited
per client address with a 429 page that says how long to wait."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from tests.console_fixtures import CONSOLE_PROJECT, console_of, form_token, sign_in
from tests.gateway_fixtures import InProcessServer

from steward.config import Settings, load_project_text
from steward.gateway.assemble import Runtime, open_runtime
from steward.gateway.console.sessions import COOKIE, IDLE_S, MAX_AGE_S, MAX_PER_KEY, TOUCH_S, csrf_of
from steward.gateway.console.throttle import BURST, PER_MINUTE, SignInThrottle, client_of
from steward.governance import access
from steward.governance.identity import Actor
from steward.store.console import console_sessions
from steward.store.engine import sqlite_file

pytest_plugins = ["tests.store_fixtures"]
ALICE = Actor.user("alice")


def open_on(url: str, home: Path) -> Runtime:
    """A server's runtime on the database at `url` (another process, or the same one after a restart)."""
    project = load_project_text(CONSOLE_PROJECT, "test-steward.yaml")
    project.root = home
    home.mkdir(parents=True, exist_ok=True)
    return open_runtime(project, Settings(home=home, database_url=url))


class Server:
    """One `steward serve` process on a database: its runtime and its in-process app."""

    def __init__(self, url: str, home: Path) -> None:
        self.runtime = open_on(url, home)
        self.in_process: InProcessServer | None = InProcessServer(self.runtime).__enter__()

    def browser(self, cookie: str | None = None, client: tuple[str, int] = ("testclient", 50000)) -> TestClient:
        """A browser on this server (holding the session `cookie`, if given)."""
        assert self.in_process is not None, "this server was stopped"
        made = TestClient(
            self.in_process.http.app, base_url=InProcessServer.url, raise_server_exceptions=False, client=client
        )
        if cookie is not None:
            made.cookies.set(COOKIE, cookie, path="/ui")
        return made

    def stop(self) -> None:
        if self.in_process is not None:
            self.in_process.__exit__(None, None, None)
            self.runtime.store.close()
            self.in_process = None


@pytest.fixture
def servers(migrated_database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Start servers on one database (each with its own home), stopping them all at the end."""
    started: list[Server] = []

    def start() -> Server:
        started.append(Server(migrated_database_url, tmp_path / f"home-{len(started)}"))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(console_sessions))]


def _signed_in(server: Server, key: str, **browser: Any) -> tuple[TestClient, str]:
    client = server.browser(**browser)
    answer = sign_in(client, key)
    assert answer.status_code == 303, answer.text
    return client, str(client.cookies.get(COOKIE))


def test_a_session_survives_a_restart_and_works_on_every_server_of_the_database(servers: Any) -> None:
    first = servers()
    secret, _ = access.create_key(first.runtime.store, ALICE, "developer", name="dev")
    client, token = _signed_in(first, secret)
    assert "dev (developer, team default)" in client.get("/ui").text
    second = servers()  # another server process on the same database
    assert "dev (developer, team default)" in second.browser(token).get("/ui").text
    first.stop()  # `steward serve` restarts: a new app over the same store
    restarted = servers()
    page = restarted.browser(token).get("/ui", follow_redirects=False)
    assert page.status_code == 200 and "dev (developer, team default)" in page.text
    # the CSRF token a page of one server gave is good on another: it is derived from the session, not remembered
    signed = restarted.browser(token)
    out = signed.post("/ui/sign-out", data={"csrf": form_token(second.browser(token).get("/ui").text)})
    assert out.status_code == 200 and 'name="key"' in out.text  # signed out, back at the form
    for server in (second, restarted):  # sign-out ended it everywhere
        assert server.browser(token).get("/ui", follow_redirects=False).headers["location"] == "/ui/sign-in"
    assert _rows(restarted.runtime) == []


def test_the_store_holds_only_the_hash_of_a_session_token(servers: Any, migrated_database_url: str) -> None:
    server = servers()
    secret, info = access.create_key(server.runtime.store, ALICE, "admin", name="root")
    _, token = _signed_in(server, secret)
    (row,) = _rows(server.runtime)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest() and row["key_id"] == info.id
    stored = repr(row)
    for kept_out in (token, csrf_of(token), secret):
        assert kept_out not in stored
    database = sqlite_file(migrated_database_url)
    if database is not None:  # every byte SQLite wrote, its write-ahead log included
        written = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*") if p.is_file())
        assert row["token_hash"].encode() in written
        assert token.encode() not in written and csrf_of(token).encode() not in written


def test_revoking_a_key_deletes_its_sessions_on_every_server(servers: Any) -> None:
    one, two = servers(), servers()
    secret, info = access.create_key(one.runtime.store, ALICE, "developer", name="leaver")
    stays, other_info = access.create_key(one.runtime.store, ALICE, "auditor", name="stays")
    _, first = _signed_in(one, secret)
    _, second = _signed_in(two, secret)
    _, other = _signed_in(one, stays)
    assert sorted(r["key_id"] for r in _rows(one.runtime)).count(info.id) == 2
    access.revoke_key(one.runtime.store, ALICE, info.id)
    assert {r["key_id"] for r in _rows(two.runtime)} == {other_info.id}
    for server, token in ((one, first), (two, second), (two, first)):
        assert server.browser(token).get("/ui", follow_redirects=False).headers["location"] == "/ui/sign-in"
    assert two.browser(other).get("/ui").status_code == 200  # another key's session goes on


def test_expired_sessions_are_refused_and_their_rows_deleted(servers: Any) -> None:
    server = servers()
    secret, _ = access.create_key(server.runtime.store, ALICE, "auditor", name="reader")
    sessions = console_of(server.in_process.http).sessions
    now = [1_000_000.0]
    sessions.clock = lambda: now[0]
    _, idle = _signed_in(server, secret)
    _, untouched = _signed_in(server, secret)
    _, busy = _signed_in(server, secret)
    now[0] += IDLE_S - 1
    assert server.browser(busy).get("/ui").status_code == 200  # in use: its idle time restarts
    now[0] += 2
    refused = server.browser(idle).get("/ui", follow_redirects=False)
    assert refused.headers["location"] == "/ui/sign-in"
    hashes = {r["token_hash"] for r in _rows(server.runtime)}
    assert hashlib.sha256(idle.encode()).hexdigest() not in hashes  # deleted on access
    assert hashlib.sha256(untouched.encode()).hexdigest() in hashes  # not read since: still there...
    _, _fresh = _signed_in(server, secret)  # ...until a sign-in purges every expired row
    hashes = {r["token_hash"] for r in _rows(server.runtime)}
    assert hashlib.sha256(untouched.encode()).hexdigest() not in hashes
    assert hashlib.sha256(busy.encode()).hexdigest() in hashes
    while now[0] + IDLE_S / 2 - 1_000_000.0 <= MAX_AGE_S:  # busy all day...
        now[0] += IDLE_S / 2
        assert server.browser(busy).get("/ui", follow_redirects=False).status_code == 200
    now[0] += IDLE_S / 2  # ...it still ends at its age
    assert server.browser(busy).get("/ui", follow_redirects=False).headers["location"] == "/ui/sign-in"
    assert hashlib.sha256(busy.encode()).hexdigest() not in {r["token_hash"] for r in _rows(server.runtime)}


def test_one_key_signing_in_over_and_over_ends_only_its_own_oldest_sessions(servers: Any) -> None:
    server = servers()
    sessions = console_of(server.in_process.http).sessions
    now = [2_000_000.0]
    sessions.clock = lambda: now[0]
    victim, _ = sessions.start("key_victim")
    attacker = []
    for _ in range(MAX_PER_KEY + 5):
        now[0] += 1
        attacker.append(sessions.start("key_attacker")[0])
    assert sessions.get(victim) is not None
    assert server.runtime.store.console.count("key_attacker") == MAX_PER_KEY and len(sessions) == MAX_PER_KEY + 1
    assert sessions.get(attacker[-1]) is not None and sessions.get(attacker[4]) is None
    oldest, next_oldest = attacker[5], attacker[6]
    now[0] += TOUCH_S
    assert sessions.get(oldest) is not None  # in use: the least recently used of the key's sessions goes first
    sessions.start("key_attacker")
    assert sessions.get(oldest) is not None and sessions.get(next_oldest) is None
    assert sessions.get(victim) is not None


def test_sign_in_attempts_are_limited_per_client_with_a_429_page(servers: Any) -> None:
    server = servers()
    secret, _ = access.create_key(server.runtime.store, ALICE, "developer", name="dev")
    throttle = console_of(server.in_process.http).throttle
    frozen = throttle.clock()
    throttle.clock = lambda: frozen  # no refill while the test runs, however long it takes
    guesser = server.browser(client=("203.0.113.7", 40000))
    page = guesser.get("/ui/sign-in")
    answers = []
    for i in range(BURST + 3):  # each answer is the form again, with a fresh form token
        page = guesser.post("/ui/sign-in", data={"key": f"sk-stw-guess-{i}", "csrf": form_token(page.text)})
        answers.append(page.status_code)
    assert answers == [401] * BURST + [429] * 3
    assert int(page.headers["retry-after"]) >= 1
    assert "too many sign-in attempts from your address" in page.text and 'name="key"' in page.text
    # even the right key waits: the limit is on attempts, not on failures
    right = guesser.post(
        "/ui/sign-in", data={"key": secret, "csrf": form_token(page.text)}, follow_redirects=False
    )
    assert right.status_code == 429 and COOKIE not in guesser.cookies
    other = server.browser(client=("198.51.100.2", 40001))  # another address signs in as usual
    assert sign_in(other, secret).status_code == 303


def test_an_ipv6_client_cannot_dodge_the_limit_by_moving_within_its_64(servers: Any) -> None:
    """A host is commonly given a whole IPv6 /64: each of its addresses is the same client, not a fresh bucket."""
    server = servers()
    throttle = console_of(server.in_process.http).throttle
    frozen = throttle.clock()
    throttle.clock = lambda: frozen
    answers = []
    for i in range(BURST + 3):  # a new address of one /64 for every attempt
        guesser = server.browser(client=(f"2001:db8:7:9::{i + 1:x}", 40000))
        page = guesser.get("/ui/sign-in")
        answer = guesser.post("/ui/sign-in", data={"key": f"sk-stw-guess-{i}", "csrf": form_token(page.text)})
        answers.append(answer.status_code)
    assert answers == [401] * BURST + [429] * 3
    secret, _ = access.create_key(server.runtime.store, ALICE, "developer", name="dev")
    assert sign_in(server.browser(client=("2001:db8:7:a::1", 40000)), secret).status_code == 303  # another /64
    assert client_of("::ffff:203.0.113.7") == "203.0.113.7" and client_of("testclient") == "testclient"


def test_the_throttle_refills_and_forgets_the_least_recent_client() -> None:
    now = [0.0]
    throttle = SignInThrottle(burst=2, per_minute=PER_MINUTE, clock=lambda: now[0], max_clients=2)
    assert throttle.take("a") == 0 and throttle.take("a") == 0
    wait = throttle.take("a")
    assert wait == pytest.approx(60 / PER_MINUTE)
    now[0] += wait
    assert throttle.take("a") == 0 and throttle.take("a") > 0
    throttle.take("b")
    throttle.take("c")  # a third address: "a", seen least recently, is forgotten (starts full again)
    assert throttle.take("a") == 0
    with pytest.raises(ValueError, match="burst"):
        SignInThrottle(burst=0)


def test_the_migration_matches_the_declared_tables(servers: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from steward.store.schema import metadata

    server = servers()
    with server.runtime.store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    ours = {"console_sessions", "console_secrets"}
    assert ours <= set(metadata.tables)
    assert [d for d in diffs if _table_of(d) in ours] == []


def _table_of(diff: Any) -> str:
    """The table an Alembic autogenerate diff is about (a tuple, or a list of `modify_*` tuples)."""
    first = diff[0] if isinstance(diff, list) else diff
    if first[0].startswith("modify_") or first[0] in ("add_column", "remove_column"):
        return str(first[2])
    element = first[1]
    return str(getattr(getattr(element, "table", None), "name", None) or getattr(element, "name", None))


def test_the_shared_flow_key_is_made_once_whichever_server_asks_first(servers: Any) -> None:
    import threading

    stores = [servers().runtime.store for _ in range(2)]
    gate = threading.Barrier(8)
    got: list[str] = []

    def ask(i: int) -> None:
        gate.wait()
        got.append(stores[i % 2].console.secret("race", lambda: f"made-by-{i}", 0.0))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and len(set(got)) == 1 and got[0].startswith("made-by-")


def test_servers_agree_on_a_new_flow_key_after_its_row_was_deleted(servers: Any) -> None:
    """An operator clearing `console_secrets` (or restoring a copy from before the key was made): whichever server
    asks first makes a new key, and every server, one that sealed with the old key included, then uses it (flows
    sealed with the old key are refused, as after their 10 minutes)."""
    from sqlalchemy import delete

    from steward.gateway.console.signin_sso import Flow, FlowSeal
    from steward.store.console import console_secrets

    one = servers()
    seal_one = FlowSeal(console_of(one.in_process.http))
    flow = Flow("state", "nonce", "verifier", "/ui/records", "https://steward.example/ui/sign-in/sso/callback")
    before = seal_one.seal(flow)
    with one.runtime.store.engine.begin() as connection:
        connection.execute(delete(console_secrets))
    two = servers()  # a server started (or restarted) after: it makes the new key
    seal_two = FlowSeal(console_of(two.in_process.http))
    after = seal_two.seal(flow)
    assert seal_one.open(after) == flow and seal_two.open(seal_one.seal(flow)) == flow
    assert seal_one.open(before) is None and seal_two.open(before) is None
