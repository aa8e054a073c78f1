"""Issue 17 leftovers: reviewers' corrections of answers (library, CLI, HTTP), preferred by the datasets built
from an alert's window; and the review rule (`monitor.review`) that fills the queue from low feedback and
escalations, each record once, with an audit event."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, update
from tests.gateway_fixtures import InProcessServer, make_runtime
from typer.testing import CliRunner

from steward.config import load_project_text
from steward.errors import ConfigError, InvalidRequest, NotFound, PermissionDenied
from steward.gateway.monitoring import build_monitor
from steward.governance import audit
from steward.guardrails.review import ReviewQueue
from steward.guardrails.review_rule import ReviewFiller
from steward.store import Store
from steward.store.guardrails import review_corrections
from steward.types import Decision, Feedback, Principal, Record, Turn

pytest_plugins = ["tests.store_fixtures"]

ANNA = Principal(key_id="key_anna", role="developer", team="travel", name="anna")
OTHER = Principal(key_id="key_otto", role="admin", team="other", name="otto")
AUDITOR = Principal(key_id="key_aud", role="auditor", team="travel", name="audrey")
T0 = float(int(time.time()) // 60 * 60 - 7200)


def _record(
    store: Store, status: str = "served", team: str = "travel", app: str = "booking", **more: object
) -> Record:
    record = Record.start(app)
    record.team, record.status = team, status  # type: ignore[assignment]
    record.input = [Turn("user", "Which gate for flight LX 318?")]
    record.output = "Gate A1."
    for name, value in more.items():
        setattr(record, name, value)
    store.write_sync(record)
    return record


def test_a_reviewer_corrects_an_answer_with_who_when_why_and_an_audit_event(store: Store) -> None:
    record = _record(store)
    queue = ReviewQueue(store)
    correction = queue.correct(ANNA, record.id, "Gate B12.", "the gate moved on Monday")
    assert (correction.record_id, correction.by, correction.why) == (
        record.id,
        "key:key_anna (anna)",
        "the gate moved on Monday",
    )
    assert store.reviews.corrections([record.id])[record.id].answer == "Gate B12."
    newer = queue.correct(ANNA, record.id, "Gate B14.", "moved again")
    assert store.reviews.corrections([record.id])[record.id].id == newer.id  # the newest counts
    events = audit.list_events(store, subject=f"record:{record.id}", limit=10)
    assert [e.action for e in events] == ["review_correction.add"] * 2
    assert events[0].actor == "key:key_anna (anna)" and {e.detail["why"] for e in events} == {
        "the gate moved on Monday",
        "moved again",
    }
    assert all("Gate B1" not in json.dumps(e.as_dict()) for e in events)  # never the answer itself
    with pytest.raises(InvalidRequest, match="needs a reason"):
        queue.correct(ANNA, record.id, "Gate C3.", " ")
    with pytest.raises(InvalidRequest, match="needs the corrected answer"):
        queue.correct(ANNA, record.id, "", "why")
    with pytest.raises(NotFound):  # another team's record is answered as a missing one
        queue.correct(OTHER, record.id, "Gate C3.", "mine now")
    with pytest.raises(NotFound):
        queue.correct(ANNA, "rec_nope", "Gate C3.", "no such record")
    with pytest.raises(PermissionDenied):
        queue.correct(AUDITOR, record.id, "Gate C3.", "auditors read only")
    assert len(audit.list_events(store, subject=f"record:{record.id}", limit=10)) == 2  # refusals log nothing
    result = audit.verify(store)
    assert result.ok, result.problems


def _verified_after(store: Store, change: object) -> list[str]:
    with store.engine.begin() as conn:
        conn.execute(change)  # type: ignore[call-overload]
    return audit.verify(store).problems


def test_audit_verify_checks_each_correction_against_its_event(store: Store) -> None:
    record = _record(store)
    first = ReviewQueue(store).correct(ANNA, record.id, "Gate B12.", "the gate moved")
    result = audit.verify(store)
    assert result.ok and result.corrections_checked == 1, result.problems
    edited = _verified_after(
        store, update(review_corrections).where(review_corrections.c.id == first.id).values(answer="Gate Z9.")
    )
    assert any(f"correction {first.id}" in p and "edited outside Steward" in p for p in edited), edited
    forged = {**first.as_dict(), "id": "cor_forged", "answer": "Gate Z9."}
    inserted = _verified_after(store, insert(review_corrections).values(**forged))
    assert any("correction cor_forged" in p and "matches no audit event" in p for p in inserted), inserted
    removed = _verified_after(store, delete(review_corrections))
    assert any(f"correction {first.id}" in p and "deleted outside Steward" in p for p in removed), removed


def test_an_erased_correction_still_verifies(store: Store) -> None:
    kept, anonymised = _record(store), _record(store)
    queue = ReviewQueue(store)
    queue.correct(ANNA, kept.id, "Gate B12.", "the gate moved")
    queue.correct(ANNA, anonymised.id, "Gate C3.", "the gate moved")
    store.reviews.clear_texts([anonymised.id])  # what an anonymising erasure does to a correction
    result = audit.verify(store)
    assert result.ok and result.corrections_checked == 2, result.problems


def test_the_correction_endpoint_sits_beside_the_review_endpoints(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path)
    try:
        record = _record(runtime.store, team="default", app="demo")
        developer, _ = runtime.store.create_key(role="developer", name="dev")
        other, _ = runtime.store.create_key(role="developer", name="o", team="other-team")
        app_key, _ = runtime.store.create_key(role="app", name="a", apps=["demo"])
        url = f"/v1/reviews/{record.id}/corrections"
        body = {"answer": "Gate B12.", "why": "wrong gate"}
        with InProcessServer(runtime) as server:
            post = server.http.post
            made = post(url, json=body, headers={"authorization": f"Bearer {developer}"})
            assert made.status_code == 201, made.text
            assert made.json()["record_id"] == record.id and made.json()["answer"] == "Gate B12."
            assert post(url, json=body, headers={"authorization": f"Bearer {other}"}).status_code == 404
            assert post(url, json=body, headers={"authorization": f"Bearer {app_key}"}).status_code == 403
            bad = post(url, json={"answer": 3}, headers={"authorization": f"Bearer {developer}"})
            assert bad.status_code == 400 and "why" in bad.json()["error"]["message"]
        assert runtime.store.reviews.corrections([record.id])[record.id].answer == "Gate B12."
    finally:
        runtime.store.close()


PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["hi"]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
monitor:
  alerts:
    errors: {app: demo, metric: error_rate, condition: "> 0.5", window: 5m, min_requests: 5}
  review: {feedback_below: 0, escalated: true}
"""


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_API_KEY", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'steward.db'}"
    monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    return url


def test_the_alerts_dataset_prefers_the_reviewers_corrections(cli_home: str, tmp_path: Path) -> None:
    from steward.cli import app as cli
    from steward.monitor.alerts import AlertEvaluator
    from steward.monitor.notify import Notifier
    from steward.monitor.worker import RollupWorker

    project = load_project_text(PROJECT, "steward.yaml")
    with Store.open(cli_home) as store:
        made = []
        for i in range(12):
            status = "served" if i % 3 == 0 else "failed"
            made.append(_record(store, status, team="default", app="demo", created_at=T0 + i))
        escalated = _record(store, "escalated", team="default", app="demo", created_at=T0 + 13)
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, project.monitor, ["demo"], Notifier(project.monitor.channels)).evaluate(
            T0 + 30
        )
    runner = CliRunner()
    for record_id, answer in ((made[0].id, "Gate B12, boarding 9:40."), (escalated.id, "Gate C7, please hurry.")):
        done = runner.invoke(cli, ["review", "correct", record_id, "--answer", answer, "--why", "wrong gate"])
        assert done.exit_code == 0, done.output
    refused = runner.invoke(cli, ["review", "correct", made[3].id, "--answer", "x", "--why", ""])
    assert isinstance(refused.exception, InvalidRequest)
    out = tmp_path / "retrain.jsonl"
    built = runner.invoke(cli, ["alerts", "dataset", alert.id, "--name", "demo-retrain", "--out", str(out)])
    assert built.exit_code == 0, built.output
    rows = {row["record_id"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert len(rows) == 5  # the 4 served records, and the escalated one a reviewer answered
    assert (
        rows[made[0].id]["output"] == "Gate B12, boarding 9:40."
        and rows[made[0].id]["answer_from"] == "correction"
    )
    assert rows[made[3].id]["output"] == "Gate A1." and rows[made[3].id]["answer_from"] == "model"
    assert (
        rows[escalated.id]["output"] == "Gate C7, please hurry."
        and rows[escalated.id]["answer_from"] == "correction"
    )
    assert rows[made[0].id]["correction"]["by"].startswith("user:")


def test_the_review_rule_queues_low_feedback_and_escalations_once(cli_home: str) -> None:
    project = load_project_text(PROJECT, "steward.yaml")
    rule = project.monitor.review
    assert rule is not None
    with Store.open(cli_home) as store:
        liked = _record(store, team="default", app="demo")
        disliked = _record(store, team="default", app="demo")
        decision = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"], policy="p")
        held = _record(store, "escalated", team="default", app="demo", decisions=[decision])
        queued = _record(store, "escalated", team="default", app="demo", decisions=[decision])
        ReviewQueue(store).hold(queued, decision, "held by the gateway")  # the gateway queued this one already
        _record(store, "escalated", team="default", app="demo", decisions=[decision], origin="eval")  # not traffic
        store.add_feedback(liked.id, Feedback(score=1))
        store.add_feedback(disliked.id, Feedback(score=-1))
        monitor = build_monitor(project, store)  # what `steward serve` runs, each pass
        monitor.tick()
        items = {item.record_id: item for item in store.reviews.list_items(status=None)}
        assert set(items) == {disliked.id, held.id, queued.id}
        assert items[disliked.id].stage == "feedback" and items[disliked.id].held_text == "Gate A1."
        assert items[disliked.id].reasons == ["feedback -1 below 0"]
        assert items[held.id].stage == "output" and "compliance:guarantee" in items[held.id].reasons
        assert items[queued.id].held_text == "held by the gateway"  # left as the gateway queued it
        store.add_feedback(disliked.id, Feedback(score=-1))  # a second thumbs-down: still one item
        monitor.tick()
        from steward.cli import app as cli

        filled = CliRunner().invoke(cli, ["review", "fill"])  # the same rule, once, from the command line
        assert filled.exit_code == 0 and "queued 0 records" in filled.output, filled.output
        ReviewFiller(store, rule).run()  # a second process, or a restart, reading from the start
        with store.engine.begin() as raw:  # … even one whose cursors were lost
            from steward.store.monitor import monitor_cursors

            raw.execute(monitor_cursors.delete().where(monitor_cursors.c.name.startswith("review.")))
        assert ReviewFiller(store, rule).run() == 0
        assert len(store.reviews.list_items(status=None)) == 3
        events = audit.list_events(store, subject="record:", limit=20)
        assert sorted(e.detail["record_id"] for e in events) == sorted([disliked.id, held.id])  # one each
        assert {e.action for e in events} == {"review_queue.add"} and events[0].actor == "system:review-rule"
        assert audit.verify(store).ok


BAD_RULES = [
    ("review: {}", "queues nothing"),
    ("review: {feedback_below: low}", "feedback_below"),
    ("review: {escalated: true, apps: [nope]}", "'nope' is not an app"),
    ("review: {escalated: true, every: 1m}", "every"),
]


@pytest.mark.parametrize("rule, message", BAD_RULES)
def test_a_malformed_review_rule_is_refused_with_file_and_line(rule: str, message: str) -> None:
    text = f"""version: 1
models:
  m: {{backend: scripted, replies: ["hi"]}}
apps:
  demo: {{owner: a@b.c, purpose: test, route: [{{model: m}}]}}
monitor:
  {rule}
"""
    with pytest.raises(ConfigError) as raised:
        load_project_text(text, "s.yaml")
    assert message in str(raised.value) and "s.yaml:7" in str(raised.value)
