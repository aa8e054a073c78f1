"""The web console at /ui over HTTP (issue 18): sessions (cookie flags, no fixation, expiry, sign-out, a revoked
key; in the store, on both backends and across restarts: test_console_sessions.py), CSRF and Origin checks on
every change, who may sign in and act (an auditor sees and never acts), no open redirect, no secret in a URL or
a log, every page rendering markup sent through the gateway inert, an erased record shown as erased, guardrail
findings marked, and the vendored front-end files as published and small. The same in a real browser:
test_console_browser.py."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.console_fixtures import (
    AWS_KEY,
    CONSOLE_PROJECT,
    RAW,
    XSS,
    console_of,
    form_token,
    held,
    hostile_traffic,
    make_keys,
    new_address,
    sign_in,
)
from tests.gateway_fixtures import (
    InProcessServer,
    make_runtime,
    module_runtime,
    module_server,  # noqa: F401  (the module's `server` fixture)
)

from steward.gateway.assemble import Runtime
from steward.gateway.console import HERE, code_spans
from steward.gateway.console.highlight import messages, segments, unplaced
from steward.gateway.console.security import local_path
from steward.governance import audit, privacy
from steward.governance.identity import Actor
from steward.types import Record, Source

PAGES = ["/ui", "/ui/records", "/ui/reviews", "/ui/reviews?state=all", "/ui/audit", "/ui/alerts?all=1"]
PAGES += ["/ui/deployments", "/ui/drift", "/ui/silences?all=1", "/ui/registry", "/ui/evals", "/ui/compliance"]
MAX_SHIPPED_BYTES = 300 * 1024


runtime = module_runtime(CONSOLE_PROJECT, "console")


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    return make_keys(runtime)


def browser(server: InProcessServer, https: bool = False) -> TestClient:
    """Another browser (its own cookies) on the same server."""
    base = "https://testserver" if https else server.url
    return TestClient(server.http.app, base_url=base, raise_server_exceptions=False, client=new_address())


def signed_in(server: InProcessServer, key: str) -> TestClient:
    client = browser(server)
    assert sign_in(client, key).status_code == 303
    return client


def _status(runtime: Runtime, record_id: str) -> str:
    status: str = runtime.store.reviews.get_item(record_id).status
    return status


def test_sign_in_makes_a_new_strict_httponly_session_and_drops_the_one_brought(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    client = browser(server)
    client.cookies.set("steward_console", "chosen-by-an-attacker", path="/ui")
    answer = sign_in(client, keys["admin"], "/ui/records?status=served")
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/records?status=served"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("steward_console="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "samesite", "max-age"} <= flags and "secure" not in flags  # plain HTTP here
    assert "samesite=strict" in cookie.lower() and "path=/ui" in cookie.lower()
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert session_id != "chosen-by-an-attacker" and len(session_id) >= 40
    assert keys["admin"] not in answer.headers.get("location", "") and keys["admin"] not in cookie
    page = client.get("/ui")
    assert page.status_code == 200 and "admin (admin, team default)" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    again = sign_in(client, keys["admin"])  # signing in again: yet another id, and the last one ends
    fresh = next(c for c in again.headers.get_list("set-cookie") if c.startswith("steward_console="))
    assert fresh.split(";")[0].split("=", 1)[1] != session_id
    stale = browser(server)
    stale.cookies.set("steward_console", session_id, path="/ui")
    assert stale.get("/ui", follow_redirects=False).headers["location"] == "/ui/sign-in"
    secure = browser(server, https=True)  # behind TLS the cookie is Secure
    behind_tls = sign_in(secure, keys["auditor"])
    assert any("secure" in c.lower() for c in behind_tls.headers.get_list("set-cookie") if "steward_console" in c)


def test_sign_in_and_out_are_audited_as_the_key(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    client = signed_in(server, keys["developer"])
    client.post("/ui/sign-out", data={"csrf": form_token(client.get("/ui").text)})
    events = audit.list_events(runtime.store, action="console.", limit=500)
    developer = [e for e in events if e.actor.endswith("(developer)")]
    assert [e.action for e in developer][:2] == ["console.sign_out", "console.sign_in"]
    assert developer[0].subject.startswith("key:key_") and developer[0].team == "default"
    assert audit.verify(runtime.store).ok


@pytest.mark.parametrize("who,status,says", [("app", 403, "app keys cannot sign in"), ("metrics", 403, "metrics")])
def test_app_and_metrics_keys_cannot_sign_in(
    server: InProcessServer, keys: dict[str, str], who: str, status: int, says: str
) -> None:
    client = browser(server)
    refused = sign_in(client, keys[who])
    assert refused.status_code == status and says in refused.text
    assert "steward_console" not in client.cookies
    assert client.get("/ui", follow_redirects=False).status_code == 303


def test_a_wrong_key_or_a_forged_sign_in_form_is_refused(server: InProcessServer, keys: dict[str, str]) -> None:
    client = browser(server)
    assert sign_in(client, "sk-stw-not-a-key-at-all-xxxxxxxxxxxxxxxxxxxxxxxxxx").status_code == 401
    assert sign_in(client, "").status_code == 400
    forged = browser(server)  # another site posting its own key into this browser: no form cookie to match
    posted = forged.post("/ui/sign-in", data={"key": keys["admin"], "csrf": "guess"}, follow_redirects=False)
    assert posted.status_code == 403 and "steward_console" not in forged.cookies
    cross = browser(server)
    token = form_token(cross.get("/ui/sign-in").text)
    from_elsewhere = cross.post(
        "/ui/sign-in", data={"key": keys["admin"], "csrf": token}, headers={"origin": "https://evil.example"}
    )
    assert from_elsewhere.status_code == 403 and "another site" in from_elsewhere.text


@pytest.mark.parametrize(
    "asked",
    [
        "//evil.example/ui",
        "https://evil.example/ui",
        "/\\evil.example",
        "/ui\\..\\x",
        "javascript:alert(1)",
        "/other",
    ],
)
def test_no_open_redirect_after_sign_in(server: InProcessServer, keys: dict[str, str], asked: str) -> None:
    answer = sign_in(browser(server), keys["auditor"], asked)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui"


def test_local_path_keeps_console_paths_only() -> None:
    assert local_path("/ui/records?app=a&status=served") == "/ui/records?app=a&status=served"
    assert local_path("/ui") == "/ui"
    for bad in [None, "", "/uix", "/ui//x\r\nSet-Cookie: a=b", "http:/ui", "///evil.example", "/%2F%2Fevil"]:
        assert local_path(bad) == "/ui"
    # dot segments a browser resolves out of the console: /ui/../..//evil.example lands on http://host//evil.example
    dotted_paths = ["/ui/../openapi.json", "/ui/../..//evil.example", "/ui/./..//x", "/ui/%2e%2e/v1/models"]
    for dotted in [*dotted_paths, "/ui/.%2E/"]:
        assert local_path(dotted) == "/ui", dotted
    assert local_path("/ui/records?text=../..") == "/ui/records?text=../.."  # dots in the query are text


def test_a_page_without_a_session_goes_to_sign_in_and_comes_back(server: InProcessServer) -> None:
    answer = browser(server).get("/ui/records?status=failed", follow_redirects=False)
    assert (
        answer.status_code == 303
        and answer.headers["location"] == "/ui/sign-in?next=/ui/records%3Fstatus%3Dfailed"
    )
    assert browser(server).post("/ui/reviews/rev_x/decision", data={"action": "approve"}).status_code == 401


def test_sessions_expire_when_idle_and_at_their_age_and_at_sign_out(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    sessions = console_of(server.http).sessions
    now = [1_000_000.0]
    saved = sessions.clock
    sessions.clock = lambda: now[0]
    try:
        client = signed_in(server, keys["auditor"])
        now[0] += sessions.idle_s - 1
        assert client.get("/ui").status_code == 200  # used in time: the idle time restarts
        now[0] += sessions.idle_s + 1
        assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/sign-in"
        client = signed_in(server, keys["auditor"])
        for _ in range(int(sessions.max_age_s // (sessions.idle_s / 2))):  # busy all day: still ends at its age
            now[0] += sessions.idle_s / 2
        assert client.get("/ui", follow_redirects=False).status_code == 303
    finally:
        sessions.clock = saved
    client = signed_in(server, keys["auditor"])
    token = form_token(client.get("/ui").text)
    assert client.post("/ui/sign-out", data={}).status_code == 403  # sign-out is a change: it needs the token
    assert client.get("/ui").status_code == 200
    out = client.post("/ui/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/sign-in"
    assert client.get("/ui", follow_redirects=False).status_code == 303


def test_a_revoked_keys_session_ends_on_its_next_request(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    from steward.governance import access

    secret, info = access.create_key(runtime.store, Actor.user("alice"), "developer", name="leaver")
    client = signed_in(server, secret)
    assert client.get("/ui").status_code == 200
    access.revoke_key(runtime.store, Actor.user("alice"), info.id)
    assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/sign-in"


def test_a_decision_without_the_csrf_token_or_from_another_origin_changes_nothing(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"])
    client = signed_in(server, keys["admin"])
    token = form_token(client.get("/ui/reviews").text)
    url = f"/ui/reviews/{record_id}/decision"
    for data, headers in [
        ({"action": "approve"}, {}),
        ({"action": "approve", "csrf": "x" + token[1:]}, {}),
        ({"action": "approve", "csrf": token}, {"origin": "https://evil.example"}),
    ]:
        refused = client.post(url, data=data, headers=headers)
        assert refused.status_code == 403
        assert "nothing was changed" in refused.text or "another site" in refused.text
    assert _status(runtime, record_id) == "pending"
    done = client.post(
        url, data={"action": "approve", "comment": "checked", "csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/ui/reviews")
    assert _status(runtime, record_id) == "approved"
    assert f"{record_id}: approved." in client.get(done.headers["location"]).text  # said once, on the next page


def test_decisions_are_made_and_audited_as_the_signed_in_key(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    rejected, edited = held(runtime, server.http, keys["app"]), held(runtime, server.http, keys["app"])
    client = signed_in(server, keys["developer"])
    queue = client.get("/ui/reviews").text
    assert 'class="edit-submit"' in queue  # a held answer of one reviewer may be edited
    token = form_token(queue)
    client.post(
        f"/ui/reviews/{rejected}/decision", data={"action": "reject", "comment": "too sure", "csrf": token}
    )
    edit = {"action": "edit", "comment": "softened", "text": "Returns are not guaranteed.", "csrf": token}
    client.post(f"/ui/reviews/{edited}/decision", data=edit)
    assert (_status(runtime, rejected), _status(runtime, edited)) == ("rejected", "approved")
    events = audit.list_events(runtime.store, action="review.", limit=500)
    mine = {e.detail.get("note"): e for e in events if e.actor.endswith("(developer)")}
    assert mine["too sure"].action == "review.reject" and mine["softened"].action == "review.approve"
    assert mine["softened"].actor.startswith("key:key_")
    outcome = server.http.get(f"/v1/reviews/{edited}", headers={"authorization": f"Bearer {keys['app']}"}).json()
    assert outcome["answer"] == "Returns are not guaranteed."
    twice = client.post(f"/ui/reviews/{rejected}/decision", data={"action": "approve", "csrf": token})
    assert twice.status_code == 400 and "already" in twice.text.lower()
    bad = client.post(f"/ui/reviews/{edited}/decision", data={"action": "maybe", "csrf": token})
    assert bad.status_code == 400 and "<code>action</code>" in bad.text  # the message's `action`, as code


def test_an_auditor_sees_everything_and_can_act_on_nothing(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"])
    client = signed_in(server, keys["auditor"])
    queue = client.get("/ui/reviews")
    assert queue.status_code == 200 and record_id in queue.text and "read-only" in queue.text
    assert 'class="decide"' not in queue.text and "/decision" not in queue.text  # no forms offered
    token = form_token(queue.text)  # the sign-out form's: a valid token, so only the role can refuse
    refused = client.post(f"/ui/reviews/{record_id}/decision", data={"action": "approve", "csrf": token})
    assert refused.status_code == 403 and "auditor" in refused.text
    assert _status(runtime, record_id) == "pending"
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    assert client.post("/ui/audit/verify", data={"csrf": token}).status_code == 200  # verifying is a read


def test_another_teams_record_and_item_read_as_missing(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"])
    client = signed_in(server, keys["other"])
    assert client.get(f"/ui/records/{record_id}").status_code == 404
    assert record_id not in client.get("/ui/reviews").text and record_id not in client.get("/ui/records").text
    token = form_token(client.get("/ui").text)
    assert (
        client.post(f"/ui/reviews/{record_id}/decision", data={"action": "reject", "csrf": token}).status_code
        == 404
    )
    assert _status(runtime, record_id) == "pending"


def test_records_filter_and_page_by_keyset(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    from tests.console_fixtures import chat

    sent = [
        chat(server.http, keys["app"], "helpdesk", f"question number {i} zebra")["record_id"] for i in range(60)
    ]
    client = signed_in(server, keys["admin"])
    first = client.get("/ui/records", params={"app": "helpdesk", "q": "zebra"})
    ids = re.findall(r'href="/ui/records/(rec_\w+)"', first.text)
    assert ids == sent[::-1][:50]
    older = re.search(r'href="(/ui/records\?[^"]+)" id="older"', first.text)
    assert older is not None
    rest = re.findall(r'href="/ui/records/(rec_\w+)"', client.get(older.group(1).replace("&amp;", "&")).text)
    assert rest == sent[::-1][50:]
    escalated = client.get("/ui/records", params={"status": "escalated"})
    assert all(r not in escalated.text for r in sent)
    bad = client.get("/ui/records", params={"since": "yesterday"})
    assert bad.status_code == 400 and "is not an ISO 8601 time" in bad.text and 'id="filter-error"' in bad.text
    assert client.get("/ui/records", params={"status": "nope"}).status_code == 400


def _record_citing(runtime: Runtime, payloads: list[str]) -> str:
    """A served record of helpdesk whose retrieved sources carry the payloads (as a RAG app's record would)."""
    record = Record.start("helpdesk")
    record.team, record.output = "default", "See [1]."
    record.sources = [
        Source(document_id=p, chunk_id=f"c{i}", score=0.5, text=p, uri=f"javascript:alert({i})", index=i + 1)
        for i, p in enumerate(payloads)
    ]
    runtime.store.write_sync(record)
    return record.id


def test_markup_sent_through_the_gateway_renders_inert_on_every_page(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    ids = hostile_traffic(runtime, server.http, keys)
    ids.append(_record_citing(runtime, XSS))  # document titles, addresses and texts: RAG's fields
    client = signed_in(server, keys["admin"])
    token = form_token(client.get("/ui/reviews").text)
    for payload, record_id in zip(XSS, ids[1::2], strict=True):
        client.post(
            f"/ui/reviews/{record_id}/decision", data={"action": "reject", "comment": payload, "csrf": token}
        )
    pages = [*PAGES, "/ui/records?q=xss", *(f"/ui/records/{i}" for i in ids), f"/ui/records?app={XSS[0]}"]
    pages += [f"/ui/audit?actor={XSS[1]}", f"/ui/reviews?state={XSS[2]}", f"/ui/nope/{XSS[3]}"]
    assert 'href="javascript' not in client.get(f"/ui/records/{ids[-1]}").text
    pages += [f"/ui/audit?subject=record:{ids[0]}"]
    for page in pages:
        html = client.get(page).text
        for raw in RAW:
            assert raw not in html, (page, raw)
    shown = client.get(f"/ui/records/{ids[0]}").text
    assert "&lt;script&gt;alert(&#34;xss-1&#34;)&lt;/script&gt;" in shown  # the text is there, as text
    assert "<script>alert" not in client.get("/ui/reviews?state=all").text


def test_a_record_shows_its_findings_marked_and_its_audit_events(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    from tests.console_fixtures import chat

    record_id = chat(server.http, keys["app"], "helpdesk", f"my key is {AWS_KEY}, <b>help</b>")["record_id"]
    client = signed_in(server, keys["auditor"])
    page = client.get(f"/ui/records/{record_id}").text
    assert f'<mark title="secrets: AWS_ACCESS_KEY">{AWS_KEY}</mark>, &lt;b&gt;help&lt;/b&gt;' in page
    escalated = held(runtime, server.http, keys["app"])
    admin = signed_in(server, keys["admin"])
    admin.post(
        f"/ui/reviews/{escalated}/decision",
        data={"action": "approve", "comment": "fine", "csrf": form_token(admin.get("/ui").text)},
    )
    view = client.get(f"/ui/records/{escalated}").text
    assert "review.approve" in view and "key:key_" in view and "(admin)" in view


def test_segments_mark_findings_and_redaction_placeholders() -> None:
    findings = [
        {"scanner": "pii", "kind": "EMAIL", "start": 3, "end": 8},
        {"scanner": "x", "kind": "Y", "start": 6, "end": 9},
    ]
    assert segments("to a@b.c now", [{"findings": findings}]) == [
        ("to ", None),
        ("a@b.c ", "pii: EMAIL; x: Y"),
        ("now", None),
    ]
    out_of_range = [{"findings": [{"start": 5, "end": 99}]}]
    assert segments("short", out_of_range) == [("short", None)]
    redacted = [{"text": "hi <PERSON_1>", "findings": [{"start": 0, "end": 2}]}]
    assert segments("hi <PERSON_1>!", redacted) == [("hi ", None), ("<PERSON_1>", "redacted"), ("!", None)]


def test_a_retrieved_decision_is_listed_not_dropped() -> None:
    # a declined record's only reason (`grounding:not_found`) is on its `retrieved` decision: no message shows it
    screened_input = {"stage": "input", "action": "allow", "reasons": [], "findings": [], "turn": 0}
    not_found = {"stage": "retrieved", "action": "block", "reasons": ["grounding:not_found"], "findings": []}
    output = {"stage": "output", "action": "allow", "reasons": [], "findings": []}
    record = {
        "input": [{"role": "user", "content": "when does BA123 leave?"}],
        "output": "I can't find flight BA123.",
        "decisions": [screened_input, not_found, output],
    }
    shown = messages(record)
    assert [m["decisions"] for m in shown] == [[screened_input], [output]]
    assert unplaced(record, shown) == [not_found]
    record_without_answer = {**record, "output": None}
    assert unplaced(record_without_answer, messages(record_without_answer)) == [not_found, output]


def test_backticked_commands_in_messages_read_as_code_and_stay_escaped() -> None:
    fix = "run `steward compliance classify <app>` & see `steward registry list`"
    assert str(code_spans(fix)) == (
        "run <code>steward compliance classify &lt;app&gt;</code> &amp; see <code>steward registry list</code>"
    )
    assert str(code_spans("one ` backtick <b>")) == "one ` backtick &lt;b&gt;"  # unbalanced: text, escaped
    assert str(code_spans(None)) == ""


def test_an_erased_record_shows_as_erased(server: InProcessServer, runtime: Runtime, keys: dict[str, str]) -> None:
    from tests.console_fixtures import chat

    gone = chat(server.http, keys["app"], "helpdesk", "delete me", user="subject-to-erase")["record_id"]
    privacy.erase_subject(runtime.store, "subject-to-erase", Actor.user("dpo"), mode="delete")
    page = signed_in(server, keys["auditor"]).get(f"/ui/records/{gone}")
    assert page.status_code == 200 and 'id="erased"' in page.text and "deleted" in page.text
    assert "delete me" not in page.text


def test_an_overlong_audit_filter_is_said_on_the_page_not_a_500(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    client = signed_in(server, keys["auditor"])
    for name in ("actor", "action", "subject"):  # SQLite refuses a LIKE pattern over 50,000 characters
        page = client.get("/ui/audit", params={name: "x" * 60_000})
        assert page.status_code == 400 and f"<code>{name}</code> is at most 1000 characters" in page.text


def test_no_secret_in_a_log_or_a_url(
    server: InProcessServer, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    client = browser(server)
    with caplog.at_level(logging.DEBUG):
        answer = sign_in(client, keys["developer"], "/ui/audit")
        for page in PAGES:
            client.get(page)
    session_id = client.cookies.get("steward_console")
    assert session_id
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert keys["developer"] not in logged and session_id not in logged
    assert keys["developer"] not in answer.headers["location"]
    for page in PAGES:
        assert keys["developer"] not in client.get(page).text and session_id not in client.get(page).text


def test_the_vendored_files_are_npms_and_ship_under_300_kb() -> None:
    static = HERE / "static"
    manifest = json.loads((static / "vendor" / "VENDORED.json").read_text())
    for entry in manifest["files"]:
        data = (static / "vendor" / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert (static / "vendor" / Path(entry["file"]).parent / "LICENSE").exists()
    shipped = [p for p in static.rglob("*") if p.suffix in (".js", ".css")]
    assert sum(p.stat().st_size for p in shipped) <= MAX_SHIPPED_BYTES
    for template in (HERE / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), template.name  # nothing from another host
        assert not re.search(r"<script>(?!</script>)|\son[a-z]+=", text), template.name  # no inline script


def test_an_unknown_console_page_is_an_html_404_after_sign_in(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    assert (
        browser(server).get("/ui/nope", follow_redirects=False).headers["location"] == "/ui/sign-in?next=/ui/nope"
    )
    missing = signed_in(server, keys["auditor"]).get("/ui/nope/<script>")
    assert missing.status_code == 404 and "the console has no page /ui/nope/&lt;script&gt;" in missing.text
    assert missing.headers["content-type"].startswith("text/html")


def test_static_files_are_served_and_pages_name_them(server: InProcessServer) -> None:
    for path in [
        "/ui/static/console.js",
        "/ui/static/vendor/htmx/htmx.min.js",
        "/ui/static/vendor/uplot/uPlot.min.css",
    ]:
        assert server.http.get(path).status_code == 200, path
    assert "/ui/static/vendor/htmx/htmx.min.js" in server.http.get("/ui/sign-in").text
    assert "/ui" not in json.dumps(server.http.get("/openapi.json").json()["paths"])  # not part of the API


def test_the_audit_page_shows_the_last_verification_and_verifies_on_demand(tmp_path: Path) -> None:
    """A fresh store (this test breaks its chain): the page verifies once, shows when; a button verifies now."""
    from sqlalchemy import text

    runtime = make_runtime(tmp_path, CONSOLE_PROJECT)
    try:
        keys = make_keys(runtime)
        with InProcessServer(runtime) as fresh:
            client = signed_in(fresh, keys["auditor"])
            page = client.get("/ui/audit")
            assert "Chain intact" in page.text and "Verified " in page.text and "the chain: 7 events" in page.text
            with runtime.store.engine.begin() as conn:
                drop = ("DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete")
                for statement in (*drop, "UPDATE audit_events SET action = 'key.forged' WHERE seq = 2"):
                    conn.execute(text(statement))
            assert "Chain intact" in client.get("/ui/audit").text  # the last verification, with its time
            token = form_token(page.text)
            now = client.post("/ui/audit/verify", data={"csrf": token, "depth": "chain"})
            assert now.status_code == 200 and "Chain broken" in now.text
            assert "1 problem found" in now.text  # counted, not shown: the project has another team's app
            assert "Chain broken" in client.get("/ui/audit").text
            assert client.post("/ui/audit/verify", data={"depth": "chain"}).status_code == 403  # no token
    finally:
        runtime.store.close()


def test_a_bug_in_a_page_is_an_html_500_without_a_traceback(
    server: InProcessServer, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.gateway.console import overview

    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(overview, "rollups_of", broken)
    page = signed_in(server, keys["auditor"]).get("/ui")
    assert page.status_code == 500 and "see the server log" in page.text
    assert "secret internals" not in page.text and "Traceback" not in page.text


def test_an_alert_is_silenced_as_the_signed_in_key_and_never_by_an_auditor(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    import time

    from steward.store import AlertRow

    now = time.time()
    alert = AlertRow(
        "alr_console", "errors", "helpdesk", "firing", "page", "error_rate", "> 0.1", 0.3, now - 60, now
    )
    runtime.store.monitoring.open_alert(alert)
    auditor = signed_in(server, keys["auditor"])
    listed = auditor.get("/ui/alerts")
    assert "alr_console" in listed.text and "/ui/alerts/alr_console/silence" not in listed.text
    token = form_token(listed.text)
    refused = auditor.post("/ui/alerts/alr_console/silence", data={"csrf": token, "for": "2h", "why": "x"})
    assert refused.status_code == 403
    admin = signed_in(server, keys["admin"])
    page = admin.get("/ui/alerts")
    assert 'action="/ui/alerts/alr_console/silence"' in page.text
    token = form_token(page.text)
    assert admin.post("/ui/alerts/alr_console/silence", data={"for": "2h", "why": "x"}).status_code == 403
    assert admin.post("/ui/alerts/alr_console/silence", data={"csrf": token, "for": "2h"}).status_code == 400
    done = admin.post(
        "/ui/alerts/alr_console/silence", data={"csrf": token, "for": "2h", "why": "upstream <b>maintenance</b>"}
    )
    assert done.status_code == 200 and "errors on helpdesk silenced until" in done.text
    assert "upstream &lt;b&gt;maintenance&lt;/b&gt;" in done.text
    event = audit.list_events(runtime.store, action="monitor.silence", limit=5)[0]
    admin_key = runtime.store.find_key(keys["admin"])
    assert admin_key is not None and event.actor == f"key:{admin_key.id}"  # as the CLI and the API record it


def test_the_queue_shows_claims_and_the_two_person_rule(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    record_id = held(runtime, server.http, keys["app"], app="pensions")
    admin_headers = {"authorization": f"Bearer {keys['admin']}"}
    assert server.http.post(f"/v1/reviews/{record_id}/claim", headers=admin_headers).status_code == 200
    developer = signed_in(server, keys["developer"])
    page = developer.get("/ui/reviews", params={"app": "pensions"})
    assert "Claimed by key:" in page.text and "Two-person rule: 0 of 2 approvals" in page.text
    assert 'class="edit-submit"' not in page.text  # the two-person rule refuses an edit: none offered
    admin = signed_in(server, keys["admin"])
    first = {"action": "approve", "comment": "looks right", "csrf": form_token(admin.get("/ui").text)}
    admin.post(f"/ui/reviews/{record_id}/decision", data=first)
    assert _status(runtime, record_id) == "pending"
    mine = admin.get("/ui/reviews", params={"app": "pensions"})  # the first label's author (and an admin) sees it
    assert "Two-person rule: 1 of 2 approvals (first by key:" in mine.text and "looks right" in mine.text
    page = developer.get("/ui/reviews", params={"app": "pensions"})  # the second reviewer labels blind
    assert "a second, blind label is due" in page.text
    assert "looks right" not in page.text and "first by" not in page.text and "(admin)" not in page.text
    again = admin.post(f"/ui/reviews/{record_id}/decision", data=first)
    assert again.status_code == 400 and _status(runtime, record_id) == "pending"  # not the same reviewer twice
    second = {"action": "approve", "comment": "agreed", "csrf": form_token(page.text)}
    developer.post(f"/ui/reviews/{record_id}/decision", data=second)
    assert _status(runtime, record_id) == "approved"
    both = developer.get("/ui/reviews", params={"app": "pensions", "state": "all"}).text
    assert "looks right" in both and "second <strong>approve</strong>" in both  # both labels in: no longer blind
