"""Privacy: erasure of a subject, retention, consent in training datasets, record bodies encrypted at rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.gov_fixtures import Gov, gov_fixture  # noqa: F401

from steward.config import Secrets
from steward.errors import InvalidRequest, StoreError
from steward.governance import audit, datasets, privacy
from steward.store import Store, crypto
from steward.store.codec import record_from_json, record_to_json
from steward.store.schema import feedback, records
from steward.types import Decision, Feedback, Finding, Record, Turn, now

DAY = 86_400.0


def _record(
    app: str, subject: str | None, *, consent: bool = True, age_days: float = 0.0, email: bool = False
) -> Record:
    record = Record.start(app)
    record.created_at = now() - age_days * DAY
    record.team = "claims" if app.startswith("claims") else "ops"
    record.subject = subject
    record.consent = consent
    record.input = [Turn("user", f"I am {subject}, my mail is {subject}@example.com")]
    record.output = f"Hello {subject}"
    if email:
        finding = Finding("pii", "EMAIL_ADDRESS", 0.99, "input", 16, 40, f"{subject}@example.com")
        record.decisions = [Decision("input", "redact", ["pii.email"], [finding], text="I am <EMAIL>")]
    return record


def _raw_bodies(gov: Gov) -> dict[str, str]:
    with gov.store.engine.connect() as conn:
        return dict(conn.execute(select(records.c.id, records.c.body)).all())


def test_erase_removes_a_subjects_records_feedback_and_dataset_rows_and_logs_no_id(
    gov: Gov, tmp_path: Path
) -> None:
    mine = [_record("claims", "ann4711", email=True), _record("claims", "ann4711")]
    other = _record("claims", "ben4711")
    for r in [*mine, other]:
        gov.store.write_sync(r)
    gov.store.add_feedback(mine[0].id, Feedback(score=-1, comment="Ann says: wrong claim number", by="ann4711"))
    gov.store.add_feedback(other.id, Feedback(score=1, comment="thanks"))
    built = datasets.build_from_records(
        gov.store, gov.project, "claims", "claims-sft", gov.alice, tmp_path / "d.jsonl"
    )
    assert built.rows == 3
    result = privacy.erase_subject(gov.store, "ann4711", gov.alice)
    assert (result.records, result.feedback, result.datasets) == (2, 1, {built.version.id: 2})
    assert [r.id for r in gov.store.list_records(app="claims")] == [other.id]
    with gov.store.engine.connect() as conn:
        assert conn.execute(select(feedback.c.comment)).scalars().all() == ["thanks"]
    assert all("ann4711" not in body for body in gov.store.datasets.dataset_bodies(built.version.id))
    event = audit.list_events(gov.store, action="privacy.erase")[0]
    logged = json.dumps(event.as_dict())
    assert "ann4711" not in logged and event.subject == f"subject:{privacy.subject_hash('ann4711', None)[:24]}"
    assert event.detail["records"] == 2 and audit.verify(gov.store).ok


def test_erase_can_anonymise_instead(gov: Gov) -> None:
    record = _record("claims", "ann4711", email=True)
    gov.store.write_sync(record)
    gov.store.add_feedback(record.id, Feedback(score=1, comment="Ann was happy", by="ann4711"))
    privacy.erase_subject(gov.store, "ann4711", gov.alice, mode="anonymise")
    kept = gov.store.get_record(record.id)
    assert kept.subject is None and kept.consent is False
    assert kept.input == [Turn("user", privacy.ERASED)] and kept.output == privacy.ERASED
    assert (
        kept.decisions[0].reasons == ["pii.email"] and kept.decisions[0].text is None
    )  # the governance facts stay
    assert kept.decisions[0].findings[0].detail == "" and kept.feedback[0].comment == ""
    assert "ann4711" not in _raw_bodies(gov)[record.id]


def test_anonymising_erasure_clears_what_review_items_held_and_released(gov: Gov) -> None:
    from steward.guardrails.review import ReviewQueue
    from steward.types import LOCAL_OPERATOR

    record = _record("claims", "bob0815", email=True)
    record.status = "escalated"
    gov.store.write_sync(record)
    queue = ReviewQueue(gov.store)
    held = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"])
    item = queue.hold(record, held, "Write to bob@example.com for guaranteed returns.")
    queue.release(queue.approve(LOCAL_OPERATOR, item.id), "Write to bob@example.com.", None)
    privacy.erase_subject(gov.store, "bob0815", gov.alice, mode="anonymise")
    kept = queue.get(LOCAL_OPERATOR, item.id)
    assert kept.status == "approved" and kept.held_text is None and kept.released_text is None


def test_erase_refuses_without_a_subject(gov: Gov) -> None:
    with pytest.raises(InvalidRequest, match="give the subject id"):
        privacy.erase_subject(gov.store, " ", gov.alice)


def test_retention_deletes_or_anonymises_only_expired_records(gov: Gov) -> None:
    old, fresh = _record("claims", "ann4711", age_days=40), _record("claims", "ben4711", age_days=5)
    old_ops = _record("airport", "cat4711", age_days=40)
    for r in (old, fresh, old_ops):
        gov.store.write_sync(r)
    done = privacy.enforce_retention(gov.store, "claims", "claims", privacy.Retention(30, "delete"), gov.alice)
    assert done.records == 1
    assert {r.id for r in gov.store.list_records()} == {fresh.id, old_ops.id}
    anon = privacy.enforce_retention(gov.store, "airport", "ops", privacy.Retention(30, "anonymise"), gov.alice)
    assert anon.records == 1 and gov.store.get_record(old_ops.id).output == privacy.ERASED
    again = privacy.enforce_retention(gov.store, "airport", "ops", privacy.Retention(30, "anonymise"), gov.alice)
    assert again.records == 0  # anonymised records are not rewritten again
    assert [e.detail["records"] for e in audit.list_events(gov.store, action="privacy.retention")] == [1, 1]


def test_declared_retention_is_read_from_the_app_spec(gov: Gov) -> None:
    gov.store.write_sync(_record("claims", "ann4711", age_days=10))
    gov.project.apps["claims"].__dict__["retention"] = {"days": 7, "action": "delete"}  # the field the lead adds
    assert privacy.retention_of(gov.project.app("claims")) == privacy.Retention(7, "delete")
    results = privacy.enforce_all(gov.store, gov.project, gov.alice)
    assert set(results) == {"claims"} and results["claims"].records == 1


def test_training_datasets_admit_only_consenting_records(gov: Gov, tmp_path: Path) -> None:
    consenting = [_record("claims", "ann4711", email=True), _record("claims", "ben4711")]
    refusing = _record("claims", "cat4711", consent=False)
    blocked = _record("claims", "dan4711")
    blocked.status = "blocked"
    for r in [*consenting, refusing, blocked]:
        gov.store.write_sync(r)
    built = datasets.build_from_records(gov.store, gov.project, "claims", "sft", gov.alice, tmp_path / "sft.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert {r["record_id"] for r in rows} == {r.id for r in consenting}
    assert built.excluded_without_consent == 1
    card = built.version.spec
    assert card["consent"].startswith("only records with consent=true (1 without consent excluded)")
    assert card["pii"]["records_with_findings"] == 1 and card["pii"]["by_kind"] == {"EMAIL_ADDRESS": 1}
    again = datasets.build_from_records(gov.store, gov.project, "claims", "sft", gov.alice, tmp_path / "sft.jsonl")
    assert not again.created and again.version.id == built.version.id  # same content: same version


@pytest.fixture
def record_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = crypto.generate_key()
    monkeypatch.setenv(crypto.KEY_ENV, key)
    return key


def _process_with(gov: Gov, keys: str | None) -> Store:
    """The store as a new process started with STEWARD_RECORD_KEY=`keys` opens it (keys are read at the edge)."""
    return Store.open(str(gov.store.engine.url), secrets=Secrets(record_keys=keys))


def test_bodies_can_be_sealed_at_rest_and_rotated(gov: Gov, record_key: str) -> None:
    record = _record("claims", "ann4711")
    gov.store.write_sync(record)  # written in clear: this store was opened before a key was set
    assert "ann4711@example.com" in _raw_bodies(gov)[record.id]
    with _process_with(gov, record_key) as encrypting:  # `steward privacy encrypt` once the key is set
        assert privacy.reseal_bodies(encrypting, gov.alice) == 1
    sealed = _raw_bodies(gov)[record.id]
    assert sealed.startswith(crypto.PREFIX) and "ann4711" not in sealed
    assert record_from_json(crypto.open_body(sealed, crypto.cipher(record_key))).input == record.input
    new_key = crypto.generate_key()
    with _process_with(gov, f"{new_key},{record_key}") as rotating:  # rotate: new key first, old still readable
        privacy.reseal_bodies(rotating, gov.alice)
    with _process_with(gov, new_key) as after:  # the old key can go once everything is re-sealed
        assert (
            record_from_json(crypto.open_body(_raw_bodies(gov)[record.id], after.cipher)).output == "Hello ann4711"
        )
        privacy.erase_subject(after, "ann4711", gov.alice, mode="anonymise")  # works on sealed bodies
        assert (
            record_from_json(crypto.open_body(_raw_bodies(gov)[record.id], after.cipher)).output == privacy.ERASED
        )
    with pytest.raises(StoreError, match="cannot be decrypted"):
        crypto.open_body(_raw_bodies(gov)[record.id], crypto.cipher(record_key))
    with pytest.raises(StoreError, match="set STEWARD_RECORD_KEY"):
        crypto.open_body(_raw_bodies(gov)[record.id], crypto.cipher(None))


def test_the_store_takes_its_keys_when_opened_not_at_each_call(gov: Gov, monkeypatch: pytest.MonkeyPatch) -> None:
    key = crypto.generate_key()
    with _process_with(gov, key) as store:
        monkeypatch.setenv(crypto.KEY_ENV, crypto.generate_key())  # changed after the process read its keys
        record = _record("claims", "ann4711")
        store.write_sync(record)
        assert privacy.reseal_bodies(store, gov.alice) == 1
        assert store.get_record(record.id).output == "Hello ann4711"
    assert (
        record_from_json(crypto.open_body(_raw_bodies(gov)[record.id], crypto.cipher(key))).input == record.input
    )


def test_the_codec_hook_round_trips_and_passes_old_plaintext_through(record_key: str) -> None:
    record = _record("claims", "ann4711")
    body = record_to_json(record).decode()
    active = crypto.cipher(record_key)
    sealed = crypto.seal_body(body, active)
    assert sealed != body and crypto.open_body(sealed, active) == body and crypto.open_body(body, active) == body


def test_a_bad_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from steward.errors import ConfigError

    monkeypatch.setenv(crypto.KEY_ENV, "not-a-key")
    with pytest.raises(ConfigError, match="Fernet keys"):
        crypto.cipher(Secrets.from_environment().record_keys)


def test_sealed_bodies_keep_the_columns_listings_need(record_key: str, gov: Gov) -> None:
    gov.store.write_sync(_record("claims", "ann4711"))
    privacy.reseal_bodies(gov.store, gov.alice)
    with gov.store.engine.connect() as conn:
        row = conn.execute(text("SELECT app, team, subject, consent FROM records")).one()
    assert tuple(row) == ("claims", "claims", "ann4711", True)
