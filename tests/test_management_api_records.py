"""The management API's records routes (issue 18, first slice), in-process: filters, keyset paging, team scoping,
roles, bad input, the JSON Lines export, erased records, and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from tests.store_fixtures import full_record

from steward.gateway.assemble import Runtime
from steward.governance.identity import Actor
from steward.governance.privacy import erase_subject
from steward.store import RecordFilter
from steward.store.codec import record_to_dict
from steward.types import Decision, ModelRef, Record

T0 = 1_765_000_000.0  # 2025-12-06T05:46:40Z


def _record(i: int, **slots: Any) -> Record:
    record = full_record("demo", team="default", created_at=T0 + i * 60, subject=f"traveller-{i % 3}")
    record.output = f"Answer number {i}."
    for name, value in slots.items():
        setattr(record, name, value)
    return record


SEEDED = [
    _record(0),
    _record(1, status="blocked", decisions=[Decision(stage="input", action="block", reasons=["injection"])]),
    _record(2, model=ModelRef(id="scripted-b", backend="scripted")),
    _record(3, output="Gate 23 is near the LOUNGE."),
    _record(4, status="failed", error="upstream timed out"),
    _record(5),
    _record(6, status="blocked", decisions=[Decision(stage="output", action="block", reasons=["toxicity"])]),
    _record(7),
    _record(8),
    _record(9, model=ModelRef(id="scripted-b", backend="scripted")),
]
OTHER = full_record("other", team="other-team", created_at=T0 + 30, subject="traveller-0")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path_factory.mktemp("mgmt-records"))
    for record in [*SEEDED, OTHER]:
        rt.store.write_sync(record)
    yield rt
    rt.store.close()


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[InProcessServer]:
    with InProcessServer(runtime) as in_process:
        yield in_process


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    made = {}
    for name, role, team in [
        ("admin", "admin", "default"),
        ("developer", "developer", "default"),
        ("auditor", "auditor", "default"),
        ("app", "app", "default"),
        ("metrics", "metrics", "default"),
        ("other", "admin", "other-team"),
    ]:
        made[name] = runtime.store.create_key(role=role, name=name, team=team)[0]
    return made


def get(server: InProcessServer, key: str, path: str, **params: Any) -> Any:
    return server.http.get(path, params=params, headers={"authorization": f"Bearer {key}"})


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


def newest_first(records: list[Record]) -> list[str]:
    return [r.id for r in sorted(records, key=lambda r: r.created_at, reverse=True)]


def test_each_filter_returns_exactly_its_records(server: InProcessServer, keys: dict[str, str]) -> None:
    admin = keys["admin"]
    assert ids(get(server, admin, "/v1/records")) == newest_first(SEEDED)  # the team's only: not OTHER
    assert ids(get(server, admin, "/v1/records", app="demo", status="blocked")) == [SEEDED[6].id, SEEDED[1].id]
    assert ids(get(server, admin, "/v1/records", reason="injection")) == [SEEDED[1].id]
    assert ids(get(server, admin, "/v1/records", subject="traveller-1")) == newest_first(SEEDED[1::3])
    assert ids(get(server, admin, "/v1/records", model="scripted-b")) == [SEEDED[9].id, SEEDED[2].id]
    window = {"since": "2025-12-06T05:48:40Z", "until": "2025-12-06T05:51:40Z"}  # minutes 2, 3 and 4
    assert ids(get(server, admin, "/v1/records", **window)) == [SEEDED[4].id, SEEDED[3].id, SEEDED[2].id]
    offset = {"since": "2025-12-06T06:48:40+01:00", "until": "2025-12-06T05:51:40"}  # an offset; no zone is UTC
    assert ids(get(server, admin, "/v1/records", **offset)) == [SEEDED[4].id, SEEDED[3].id, SEEDED[2].id]
    assert ids(get(server, admin, "/v1/records", q="lounge")) == [SEEDED[3].id]  # the output, any case
    assert ids(get(server, admin, "/v1/records", q="TIMED OUT")) == [SEEDED[4].id]  # the error
    assert ids(get(server, admin, "/v1/records", q="Gate for BA117")) == newest_first(SEEDED)  # the input
    assert ids(get(server, admin, "/v1/records", q="nowhere at all")) == []


def test_paging_visits_every_record_once_in_order(server: InProcessServer, keys: dict[str, str]) -> None:
    seen: list[str] = []
    after = None
    for _ in range(10):
        params = {"limit": 3, **({"after": after} if after else {})}
        page = get(server, keys["admin"], "/v1/records", **params).json()
        seen += [r["id"] for r in page["data"]]
        after = page["next"]
        if after is None:
            break
    assert seen == newest_first(SEEDED)


def test_a_text_search_reads_a_bounded_window_and_says_where_it_stopped(runtime: Runtime) -> None:
    """A text search examines at most `scan` rows per page; the pages together still find every match."""
    first = runtime.store.page_records(RecordFilter(team="default", text="answer number"), None, limit=50, scan=4)
    assert [r.id for r in first.records] == newest_first(SEEDED)[:4] and first.next is not None
    found, after, pages = [], None, 0
    while pages == 0 or after is not None:
        page = runtime.store.page_records(RecordFilter(team="default", text="answer number 1"), after, 5, scan=2)
        found += [r.id for r in page.records]
        after, pages = page.next, pages + 1
    assert found == [SEEDED[1].id] and pages == 5  # ten rows, two per page


def test_a_reason_code_is_an_index_range_read_exactly(runtime: Runtime) -> None:
    """A reason code is SQL (`record_reasons`): a page holds every match up to `limit`, whatever `scan` is, and
    combines with the column filters and a text search (which then reads only the reason's rows)."""
    page = runtime.store.page_records(RecordFilter(team="default", reason="injection"), None, 5, scan=1)
    assert [r.id for r in page.records] == [SEEDED[1].id] and page.next is None
    where = RecordFilter(team="default", status="blocked", reason="toxicity")
    assert [r.id for r in runtime.store.page_records(where, None, 5).records] == [SEEDED[6].id]
    served = RecordFilter(team="default", status="served", reason="toxicity")
    assert runtime.store.page_records(served).records == []
    searched = RecordFilter(team="default", reason="injection", text=SEEDED[1].output or "")
    assert [r.id for r in runtime.store.page_records(searched, None, 5, scan=1).records] == [SEEDED[1].id]
    assert runtime.store.page_records(RecordFilter(team="other-team", reason="injection")).records == []


def test_one_record_reads_as_records_show_gives_it(
    server: InProcessServer, runtime: Runtime, keys: dict[str, str]
) -> None:
    response = get(server, keys["auditor"], f"/v1/records/{SEEDED[3].id}")
    assert response.status_code == 200
    expected = record_to_dict(runtime.store.get_record(SEEDED[3].id))
    assert response.json() == {**expected, "erased": None}


def test_another_teams_record_is_missing_and_its_records_absent(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    theirs = get(server, keys["admin"], f"/v1/records/{OTHER.id}")
    missing = get(server, keys["admin"], "/v1/records/rec_does_not_exist")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["message"] == missing.json()["error"]["message"].replace(
        "rec_does_not_exist", OTHER.id
    )
    assert ids(get(server, keys["other"], "/v1/records")) == [OTHER.id]
    assert ids(get(server, keys["other"], "/v1/records", subject="traveller-0")) == [OTHER.id]
    assert get(server, keys["other"], f"/v1/records/{SEEDED[0].id}").status_code == 404
    export = get(server, keys["other"], "/v1/records/export")
    assert [orjson.loads(line)["id"] for line in export.text.splitlines()] == [OTHER.id]
    refused = get(server, keys["other"], "/v1/records", app="demo")  # another team's app: as an unknown one
    assert refused.status_code == 400 and "'demo' is not one of: other" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("who", "status", "says"),
    [
        ("app", 403, "app keys cannot use the management API; use an admin, developer or auditor key"),
        ("metrics", 403, "metrics keys cannot use the management API"),
        ("developer", 200, None),
        ("auditor", 200, None),
    ],
)
def test_roles(server: InProcessServer, keys: dict[str, str], who: str, status: int, says: str | None) -> None:
    for path in ("/v1/records", f"/v1/records/{SEEDED[0].id}", "/v1/records/export"):
        response = get(server, keys[who], path)
        assert response.status_code == status, path
        if says:
            assert says in response.json()["error"]["message"]
            assert response.json()["error"]["type"] == "permission_error"


def test_no_key_is_a_401(server: InProcessServer) -> None:
    response = server.http.get("/v1/records")
    assert response.status_code == 401 and "Authorization: Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "param", "says"),
    [
        ({"limit": 0}, "limit", "send an integer from 1 to 500"),
        ({"limit": 501}, "limit", "send an integer from 1 to 500"),
        ({"limit": "ten"}, "limit", "send an integer from 1 to 500"),
        ({"status": "ok"}, "status", "is not one of: served, blocked"),
        ({"app": "nope"}, "app", "'nope' is not one of: demo, (embeddings)"),
        ({"since": "yesterday"}, "since", "epoch seconds; send e.g. since=2026-12-07T13:00:00Z"),
        ({"until": "2025-13-01"}, "until", "not an ISO 8601 time"),
        ({"since": "2025-12-06T05:00:00 01:00"}, "since", "a `+` in a URL reads as a space: send it as %2B"),
        ({"since": "2025-12-07", "until": "2025-12-06"}, "since", "`since` must be before `until`"),
        ({"after": "not-a-cursor"}, "after", "send the `next` value of the previous page"),
        ({"after": "eA"}, "after", "send the `next` value of the previous page"),
        ({"q": "x" * 201}, "q", "`q` must be 1 to 200 characters"),
    ],
)
def test_bad_input_is_a_400_that_says_what_to_send(
    server: InProcessServer, keys: dict[str, str], params: dict[str, Any], param: str, says: str
) -> None:
    for path in (
        ("/v1/records", "/v1/records/export")
        if "after" not in params and "limit" not in params
        else ("/v1/records",)
    ):
        response = get(server, keys["admin"], path, **params)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert says in error["message"] and error["param"] == param and error["type"] == "invalid_request_error"


def test_export_streams_json_lines_oldest_first_with_the_filters(
    server: InProcessServer, keys: dict[str, str]
) -> None:
    response = get(server, keys["admin"], "/v1/records/export", status="blocked")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == [SEEDED[1].id, SEEDED[6].id]
    everything = get(server, keys["admin"], "/v1/records/export").text.splitlines()
    assert [orjson.loads(line)["id"] for line in everything] == [r.id for r in SEEDED]
    searched = get(server, keys["admin"], "/v1/records/export", q="lounge", model="smollm2").text.splitlines()
    assert [orjson.loads(line)["id"] for line in searched] == [SEEDED[3].id]


def test_the_routes_are_in_the_openapi_document(server: InProcessServer) -> None:
    document = server.http.get("/openapi.json").json()
    listing = document["paths"]["/v1/records"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names == {
        "app",
        "status",
        "reason",
        "subject",
        "key_id",
        "model",
        "since",
        "until",
        "q",
        "after",
        "limit",
    }
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("RecordPageOut")
    assert set(listing["responses"]) == {"200", "400", "401", "403"}  # bad parameters answer 400, never 422
    assert listing["security"] == [{"apiKey": []}]
    one = document["paths"]["/v1/records/{record_id}"]["get"]
    assert one["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("RecordOut")
    assert "application/x-ndjson" in document["paths"]["/v1/records/export"]["get"]["responses"]["200"]["content"]
    for path in ("/v1/audit", "/v1/audit/verify", "/v1/monitor/rollups", "/v1/alerts"):
        assert path in document["paths"]


def test_an_erased_record_reads_as_erased_never_as_an_error(tmp_path: Any) -> None:
    runtime = make_runtime(tmp_path)
    try:
        deleted = full_record("demo", team="default", subject="alice")
        anonymised = full_record("demo", team="default", subject="bob")
        for record in (deleted, anonymised):
            runtime.store.write_sync(record)
        operator = Actor.user("dpo")
        erase_subject(runtime.store, "alice", operator, mode="delete")
        erase_subject(runtime.store, "bob", operator, mode="anonymise")
        admin = runtime.store.create_key(role="admin", name="a")[0]
        with InProcessServer(runtime) as server:
            gone = get(server, admin, f"/v1/records/{deleted.id}")
            kept = get(server, admin, f"/v1/records/{anonymised.id}")
        assert gone.status_code == 200
        assert gone.json()["id"] == deleted.id and gone.json()["erased"]["how"] == "deleted"
        assert gone.json()["erased"]["reason"] == "erasure" and "input" not in gone.json()
        assert kept.status_code == 200 and kept.json()["erased"]["how"] == "anonymised"
        assert kept.json()["output"] == "[erased]" and kept.json()["subject"] is None
    finally:
        runtime.store.close()


def test_a_key_scoped_to_some_apps_reads_only_theirs(tmp_path: Any) -> None:
    """As on the gateway: a key scoped to apps of its team reads their records and nothing else of the team."""
    runtime = make_runtime(tmp_path)
    try:
        served = full_record("demo", team="default")
        embedded = full_record("(embeddings)", team="default")
        for record in (served, embedded):
            runtime.store.write_sync(record)
        scoped = runtime.store.create_key(role="auditor", name="s", apps=["demo"])[0]
        whole = runtime.store.create_key(role="auditor", name="w")[0]
        with InProcessServer(runtime) as server:
            assert ids(get(server, scoped, "/v1/records")) == [served.id]
            assert ids(get(server, whole, "/v1/records")) == newest_first([served, embedded])
            assert get(server, scoped, f"/v1/records/{embedded.id}").status_code == 404
            assert get(server, scoped, "/v1/records", app="(embeddings)").status_code == 400
            export = get(server, scoped, "/v1/records/export").text.splitlines()
            assert [orjson.loads(line)["id"] for line in export] == [served.id]
    finally:
        runtime.store.close()
