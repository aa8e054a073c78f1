"""`steward.RemoteClient` against a real loopback server (`LiveServer`): each management API call over HTTP,
and the server's errors raised as Steward's exceptions with its message."""

from __future__ import annotations

import time

import pytest
from tests.gateway_fixtures import LiveServer
from tests.store_fixtures import full_record

import steward
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.gateway.assemble import Runtime
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.monitor.worker import RollupWorker
from steward.store import AlertRow


def test_the_sdk_reads_records_audit_and_monitoring_over_http(live: LiveServer, runtime: Runtime) -> None:
    key = access.create_key(runtime.store, Actor.user("alice"), "auditor", name="sdk")[0]
    app_key = access.create_key(runtime.store, Actor.user("alice"), "app", name="caller")[0]
    at = time.time() - 300
    written = [full_record("demo", team="default", created_at=at + i, status="served") for i in range(5)]
    written[2].status = "blocked"
    written.append(full_record("other", team="other-team", created_at=at))
    for record in written:
        runtime.store.write_sync(record)
    RollupWorker(runtime.store, apps=runtime.project.apps).catch_up()
    now = time.time()
    alert = AlertRow("alr_1", "errors", "demo", "firing", "page", "failed_rate", "> 0.1", 0.5, now - 60, now)
    runtime.store.monitoring.open_alert(alert)
    mine = [r.id for r in written[:5]]

    assert steward.RemoteClient is steward.client.RemoteClient
    with steward.RemoteClient(live.url, key) as sdk:
        assert [r["id"] for r in sdk.records(limit=2)] == mine[::-1]  # three pages, newest first
        assert [r["id"] for r in sdk.records(status="blocked")] == [mine[2]]
        page = sdk.records_page(limit=4)
        assert len(page["data"]) == 4 and page["next"]
        assert sdk.record(mine[0])["output"] == written[0].output
        assert [r["id"] for r in sdk.export_records()] == mine  # oldest first
        assert [e["detail"]["name"] for e in sdk.audit(limit=1)] == ["caller", "sdk"]
        assert sdk.verify_audit() == {**audit.verify(runtime.store).as_json(), "integrity_key": "file"}
        assert [(r["app"], r["requests"]) for r in sdk.rollups(grain="day")] == [("demo", 5)]
        assert [a["id"] for a in sdk.alerts()] == ["alr_1"]
        with pytest.raises(NotFound, match="no record"):
            sdk.record(written[5].id)  # another team's
        with pytest.raises(InvalidRequest, match="not an ISO 8601 time") as bad:
            list(sdk.export_records(since="last week"))
        assert bad.value.param == "since"
    with steward.RemoteClient(live.url, app_key) as caller, pytest.raises(PermissionDenied, match="auditor key"):
        caller.records_page()
