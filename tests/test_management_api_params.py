"""The management API's query parameters, in-process: a parameter a route does not take (a typo, a filter it does
not have) or one given twice is a 400 naming it, never silently ignored, since an ignored filter answers with
records, events or review items the caller believes were filtered out (and the SDK's `**filters` pass any
name through)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from tests.store_fixtures import full_record

from steward import RemoteClient
from steward.errors import InvalidRequest
from steward.gateway.assemble import Runtime


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path_factory.mktemp("mgmt-params"))
    for status in ("served", "blocked"):
        record = full_record("demo", team="default")
        record.status = status
        rt.store.write_sync(record)
    yield rt
    rt.store.close()


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[InProcessServer]:
    with InProcessServer(runtime) as in_process:
        yield in_process


@pytest.fixture(scope="module")
def key(runtime: Runtime) -> str:
    return runtime.store.create_key(role="auditor", name="auditor", team="default")[0]


def _get(server: InProcessServer, key: str, path: str, params: Any) -> Any:
    return server.http.get(path, params=params, headers={"authorization": f"Bearer {key}"})


@pytest.mark.parametrize(
    ("path", "params", "param", "says"),
    [
        ("/v1/records", {"origin": "eval"}, "origin", "takes: after, limit, app, status"),
        ("/v1/records", {"statuss": "served"}, "statuss", "is not a parameter of GET /v1/records"),
        ("/v1/records/export", {"limit": "1"}, "limit", "is not a parameter of GET /v1/records/export"),
        ("/v1/audit", {"team": "other-team"}, "team", "is not a parameter of GET /v1/audit"),
        ("/v1/monitor/rollups", {"model": "x"}, "model", "takes: app, grain, since, until"),
        ("/v1/alerts", {"state": "firing"}, "state", "takes: all"),
        ("/v1/reviews", {"status": "pending"}, "status", "takes: app, state, after, limit"),
        ("/v1/records", [("status", "served"), ("status", "blocked")], "status", "`status` was given 2 times"),
    ],
)
def test_an_unknown_or_repeated_parameter_is_a_400_naming_it(
    server: InProcessServer, key: str, path: str, params: Any, param: str, says: str
) -> None:
    response = _get(server, key, path, params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert says in error["message"] and error["param"] == param


def test_the_declared_parameters_still_work(server: InProcessServer, key: str) -> None:
    response = _get(server, key, "/v1/records", {"status": "blocked", "limit": 5})
    assert response.status_code == 200 and [r["status"] for r in response.json()["data"]] == ["blocked"]


def test_the_sdk_reports_a_mistyped_filter(server: InProcessServer, key: str) -> None:
    steward = RemoteClient(str(server.http.base_url), key=key, http=server.http)
    with pytest.raises(InvalidRequest, match="statuss"):
        list(steward.records(statuss="served"))


def test_a_404_points_an_http_caller_to_the_api_and_reads_alike_for_another_team(
    runtime: Runtime, server: InProcessServer, key: str
) -> None:
    theirs = full_record("demo", team="other-team")
    runtime.store.write_sync(theirs)
    headers = {"authorization": f"Bearer {key}"}
    for record_id in ("rec_nope", theirs.id):
        missing = server.http.get(f"/v1/records/{record_id}", headers=headers).json()["error"]["message"]
        assert missing == f"no record {record_id!r}; `GET /v1/records` lists the ones your key may read."
    developer = runtime.store.create_key(role="developer", name="developer", team="default")[0]
    decided = server.http.post(
        "/v1/reviews/rec_nope/decision",
        json={"action": "approve"},
        headers={"authorization": f"Bearer {developer}"},
    )
    assert decided.status_code == 404
    assert decided.json()["error"]["message"] == (
        "no review item 'rec_nope'; `GET /v1/reviews` lists the pending ones your key may read."
    )


def test_records_filter_by_the_key_that_sent_them(runtime: Runtime, server: InProcessServer, key: str) -> None:
    """An auditor asks what one key sent: `key_id` (a record's own field) filters the listing and the export."""
    sent = []
    for key_id in ("key_kiosk", "key_kiosk", "key_batch"):
        record = full_record("demo", team="default")
        record.key_id = key_id
        runtime.store.write_sync(record)
        sent.append(record)
    listed = _get(server, key, "/v1/records", {"key_id": "key_kiosk"}).json()["data"]
    assert sorted(r["id"] for r in listed) == sorted(r.id for r in sent[:2])
    exported = _get(server, key, "/v1/records/export", {"key_id": "key_batch"}).text.splitlines()
    assert [line.count(sent[2].id) for line in exported] == [1]


def test_times_may_be_epoch_seconds_as_records_give_them(server: InProcessServer, key: str) -> None:
    """A record's `created_at` pasted into `since`/`until` filters as its ISO 8601 form does."""
    listed = _get(server, key, "/v1/records", {}).json()["data"]
    newest = max(r["created_at"] for r in listed)
    by_epoch = _get(server, key, "/v1/records", {"since": repr(newest)}).json()["data"]
    assert by_epoch and all(r["created_at"] >= newest for r in by_epoch)
    assert _get(server, key, "/v1/records", {"until": repr(newest)}).json()["data"] == [
        r for r in listed if r["created_at"] < newest
    ]
    bad = _get(server, key, "/v1/records", {"since": "12345"})
    assert bad.status_code == 400 and "epoch seconds" in bad.json()["error"]["message"]


def test_a_server_that_does_not_answer_is_a_steward_error() -> None:
    """Code that catches `StewardError`, as the README suggests, also catches a server that is down."""
    from steward.errors import StewardError
    from steward.remote import ServerUnreachable

    with RemoteClient("http://127.0.0.1:9", key="sk-stw-x", timeout=2) as remote:  # port 9: nothing listens
        with pytest.raises(StewardError) as down:
            list(remote.records())
        with pytest.raises(ServerUnreachable):
            list(remote.export_records())
    assert "did not answer" in str(down.value) and "steward serve" in str(down.value)
