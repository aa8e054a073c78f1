"""Issue 17 walked through again as a new user (session 12): what was missing, miscounted or unclear.

Each test names what was wrong before its fix.
"""

from __future__ import annotations

import json
import ssl
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.config.monitor import MonitorSpec
from steward.errors import InvalidRequest
from steward.monitor.alerts import AlertEvaluator
from steward.monitor.notify import Notifier
from steward.monitor.worker import RollupWorker
from steward.store import AlertRow, Store
from steward.types import Latency, Record

PROJECT = """version: 1
models:
  m: {backend: scripted, replies: ["Your booking is confirmed."]}
apps:
  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}
"""
ERRORS = {"alerts": {"errors": {"app": "demo", "metric": "error_rate", "condition": "> 0.5", "min_requests": 5}}}


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "steward.yaml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'steward.db'}")
    return tmp_path


def _traffic(store: Store, at: float, n: int, status: str) -> None:
    for i in range(n):
        record = Record.start("demo")
        record.created_at = at + i * 0.5
        record.status = status  # type: ignore[assignment]
        record.latency = Latency(total_ms=20.0)
        store.write_sync(record)


def _firing(project_dir: Path) -> tuple[str, AlertEvaluator, Store]:
    """An `errors` alert firing for demo now, and the evaluator and the (open) store that raised it."""
    spec = MonitorSpec.model_validate(ERRORS)
    store = Store.open(f"sqlite:///{project_dir / 'steward.db'}")
    _traffic(store, time.time() - 30, 10, "failed")
    RollupWorker(store).catch_up()
    evaluator = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels))
    (alert,) = evaluator.evaluate(time.time())
    assert alert.state == "firing"
    return alert.id, evaluator, store


def test_a_silence_can_be_lifted_early_with_a_reason_and_is_audited(project_dir: Path) -> None:
    """`steward alerts silence ID --for 2h` had no way back: a silence set for the wrong alert, or a maintenance
    over early, kept the alert quiet until it ran out."""
    from steward.cli import app as cli

    alert_id, evaluator, store = _firing(project_dir)
    runner = CliRunner()
    try:
        assert "unsilence" in runner.invoke(cli, ["alerts", "--help"]).stdout
        nothing = runner.invoke(cli, ["alerts", "unsilence", alert_id, "--why", "x"])
        assert isinstance(nothing.exception, InvalidRequest), nothing.output
        assert "has no silence in force" in str(nothing.exception)
        set_ = runner.invoke(cli, ["alerts", "silence", alert_id, "--for", "2h", "--why", "maintenance OPS-42"])
        assert set_.exit_code == 0, set_.output
        unexplained = runner.invoke(cli, ["alerts", "unsilence", alert_id, "--why", " "])
        assert isinstance(unexplained.exception, InvalidRequest) and "needs a reason" in str(unexplained.exception)
        lifted = runner.invoke(cli, ["alerts", "unsilence", alert_id, "--why", "maintenance over early", "--json"])
        assert lifted.exit_code == 0, lifted.output
        said = json.loads(lifted.stdout)
        assert said["why"] == "maintenance over early" and said["by"].startswith("user:")
        assert len(said["lifted"]) == 1 and said["lifted"][0]["until"] <= time.time()
        (listed,) = json.loads(runner.invoke(cli, ["alerts", "list", "--json"]).stdout)
        assert listed["silenced"] is None
        events = json.loads(runner.invoke(cli, ["audit", "list", "--json"]).stdout)
        (event,) = [e for e in events if e["action"] == "monitor.unsilence"]
        assert event["detail"]["why"] == "maintenance over early" and event["detail"]["alert"] == alert_id
        again = runner.invoke(cli, ["alerts", "unsilence", alert_id, "--why", "twice"])
        assert isinstance(again.exception, InvalidRequest)  # lifted already: nothing in force
        # the rule notifies again: a resolution, then a new firing, both reach the log channel
        _traffic(store, time.time() - 20, 40, "served")
        RollupWorker(store).catch_up()
        (resolved,) = evaluator.evaluate(time.time())
        assert resolved.state == "resolved" and resolved.notifications[-1].get("ok") is True
        assert "silenced_by" not in resolved.notifications[-1]
    finally:
        store.close()


def test_audit_verify_checks_silences_set_and_lifted_against_their_events(project_dir: Path) -> None:
    """Silences set and lifted by the CLI verify intact; one shortened, or a second lifted, in the database alone
    (no audit event) is reported: an alert nobody decided to quiet, or to wake, is a governance change."""
    from steward.cli import app as cli
    from steward.governance import audit

    alert_id, _, store = _firing(project_dir)
    runner = CliRunner()
    try:
        for why in ("maintenance OPS-42", "still on it"):
            assert runner.invoke(cli, ["alerts", "silence", alert_id, "--for", "2h", "--why", why]).exit_code == 0
        assert runner.invoke(cli, ["alerts", "unsilence", alert_id, "--why", "over early"]).exit_code == 0
        third = runner.invoke(cli, ["alerts", "silence", alert_id, "--for", "1h", "--why", "again", "--json"])
        assert third.exit_code == 0, third.output
        clean = audit.verify(store, records=False)
        assert clean.ok and clean.silences_checked == 3, clean.problems
        store.monitoring.end_silences([json.loads(third.stdout)["id"]], time.time())  # lifted, unaudited
        tampered = audit.verify(store, records=False)
        assert not tampered.ok and any("edited outside Steward" in p for p in tampered.problems), tampered.problems
    finally:
        store.close()


def test_a_failed_route_is_counted_under_the_model_it_tried(tmp_path: Path) -> None:
    """A request whose every attempt failed was counted under model `-` in the rollups and `none` on /metrics: an
    upstream outage showed as failures of no model, and a per-model error rate never saw it."""
    from tests.gateway_fixtures import InProcessServer, make_runtime, scripted_model

    from steward.errors import ModelError

    runtime = make_runtime(tmp_path)
    try:
        secret, _ = runtime.store.create_key(role="admin", name="caller")
        scrape, _ = runtime.store.create_key(role="metrics", name="prometheus")
        auth = {"authorization": f"Bearer {secret}"}
        body = {"model": "demo", "messages": [{"role": "user", "content": "hi"}]}
        with InProcessServer(runtime) as server:
            for model in ("scripted-a", "scripted-b"):  # the route and its fallback both down
                scripted_model(runtime, model).enqueue_error(ModelError("upstream is down"))
            assert server.http.post("/v1/chat/completions", json=body, headers=auth).status_code >= 500
            assert server.http.post("/v1/chat/completions", json=body, headers=auth).status_code == 200
            text = server.http.get("/metrics", headers={"authorization": f"Bearer {scrape}"}).text
        worker = RollupWorker(runtime.store, apps=runtime.gateway.project.apps)
        worker.catch_up()
        kept = {k: r.summary() for k, r in runtime.store.monitoring.rollups("demo", "minute")}
        worker.rebuild()
        rebuilt = {k: r.summary() for k, r in runtime.store.monitoring.rollups("demo", "minute")}
    finally:
        runtime.store.close()
    assert rebuilt == kept
    by_model = {}
    for key, summary in kept.items():
        for status, count in summary["statuses"].items():
            if count:
                by_model[(key.model, status)] = by_model.get((key.model, status), 0) + count
    assert by_model == {("scripted-a", "failed"): 1, ("scripted-a", "served"): 1}
    requests = [line for line in text.splitlines() if line.startswith("steward_requests_total{")]
    assert 'steward_requests_total{app="demo",model="scripted-a",status="failed"} 1.0' in requests, requests
    assert not any('model="none"' in line for line in requests), requests


def test_the_alerts_dataset_has_one_placeholder_style_consistent_within_a_row(project_dir: Path) -> None:
    """`steward alerts dataset` kept the records' pseudonyms (`<PERSON_1>`, as the gateway stores them) but masked
    a reviewer's correction (`<PERSON>`): two styles in one dataset, and a name in the prompt could not be told
    apart from, or matched with, the one in the answer."""
    from steward.cli import app as cli
    from steward.types import Turn

    (project_dir / "steward.yaml").write_text(
        PROJECT + 'monitor:\n  alerts:\n    errors: {app: demo, metric: error_rate, condition: "> 0.5", '
        "min_requests: 5}\n",
        encoding="utf-8",
    )
    spec = MonitorSpec.model_validate(ERRORS)
    now = time.time()
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, now - 60, 10, "failed")
        served = Record.start("demo")
        served.created_at, served.team, served.status = now - 50, "default", "served"
        served.input = [
            Turn("user", "I am <PERSON_1>; my colleague Maria Gonzalez flies too, mail maria.gonzalez@example.com")
        ]
        served.output = "Booked for Maria Gonzalez."
        store.write_sync(served)
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(now)
    runner = CliRunner()
    answer = "Booked for Maria Gonzalez and <PERSON_1>; the tickets went to maria.gonzalez@example.com."
    corrected = runner.invoke(cli, ["review", "correct", served.id, "--answer", answer, "--why", "both fly"])
    assert corrected.exit_code == 0, corrected.output
    out = project_dir / "retrain.jsonl"
    built = runner.invoke(cli, ["alerts", "dataset", alert.id, "--name", "demo-retrain", "--out", str(out)])
    assert built.exit_code == 0, built.output
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    prompt, output = row["messages"][0]["content"], row["output"]
    assert row["answer_from"] == "correction"
    assert "Maria" not in prompt + output and "example.com" not in prompt + output
    assert "<PERSON>" not in prompt + output and "<EMAIL_ADDRESS>" not in prompt + output  # no bare masks
    # the name the record kept as <PERSON_1> keeps it; the new one takes the next number, alike in both texts
    assert prompt.startswith("I am <PERSON_1>; my colleague <PERSON_2> flies too, mail <EMAIL_ADDRESS_1>"), prompt
    assert output == "Booked for <PERSON_2> and <PERSON_1>; the tickets went to <EMAIL_ADDRESS_1>.", output


def test_a_kept_keyed_hash_becomes_a_numbered_placeholder_the_same_hash_the_same_number() -> None:
    from steward.guardrails.redact import personal_data_pseudonymiser

    row = ["Call <PERSON:3f2a9c1e> or <PERSON:0badcafe>, not <PERSON_1>.", "<PERSON:0badcafe> will call back."]
    assert personal_data_pseudonymiser()(row) == [
        "Call <PERSON_2> or <PERSON_3>, not <PERSON_1>.",
        "<PERSON_3> will call back.",
    ]


def _loopback_certificate(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 (the file a client trusts) and a server context serving it."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loopback")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "loopback.pem", folder / "loopback.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, private)
    return cert, context


def _mail_channel(address: str, tls: str, **login: str) -> MonitorSpec:
    channel = {"type": "email", "smtp": address, "tls": tls, "sender": "steward@example.org",
               "to": ["oncall@example.org"], **login}  # fmt: skip
    return MonitorSpec.model_validate({"channels": {"mail": channel}})


def _alert() -> AlertRow:
    return AlertRow("alr_1", "errors", "demo", "firing", "critical", "error_rate", "> 0.5", 0.9, time.time())


LOGIN = {"username": "steward", "password": "$env:STEWARD_TEST_SMTP_PASSWORD"}


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_an_email_channel_logs_in_over_tls_with_a_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tls: str
) -> None:
    """The e-mail channel spoke plain SMTP to port 25 and could not log in: a real server (port 587 with STARTTLS,
    465 with implicit TLS, both asking for a login) could not be used at all."""
    from tests.test_monitor_alerts import LoopbackSMTP

    cert, context = _loopback_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the loopback certificate, and only it
    monkeypatch.setenv("STEWARD_TEST_SMTP_PASSWORD", "s3cret")
    smtp = LoopbackSMTP(tls, context)
    try:
        notifier = Notifier(_mail_channel(smtp.address, tls, **LOGIN).channels)
        assert notifier.send("mail", _alert(), "firing") == (True, None)
    finally:
        smtp.close()
    assert smtp.logins == [("steward", "s3cret", True)]  # logged in, over TLS
    assert smtp.secure == [True] and "errors firing for app demo" in smtp.messages[0]


def test_an_email_channel_never_sends_its_password_in_clear_or_to_an_unverified_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_monitor_alerts import LoopbackSMTP

    _, context = _loopback_certificate(tmp_path)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's CAs only
    monkeypatch.setenv("STEWARD_TEST_SMTP_PASSWORD", "s3cret")
    plain = LoopbackSMTP("none")  # offers no STARTTLS
    unverified = LoopbackSMTP("starttls", context)  # its certificate is trusted by nobody
    try:
        down = Notifier(_mail_channel(plain.address, "starttls", **LOGIN).channels).send(
            "mail", _alert(), "firing"
        )
        forged = Notifier(_mail_channel(unverified.address, "starttls", **LOGIN).channels).send(
            "mail", _alert(), "firing"
        )
    finally:
        plain.close()
        unverified.close()
    assert down[0] is False and "STARTTLS" in str(down[1])
    assert forged[0] is False and "CERTIFICATE_VERIFY_FAILED" in str(forged[1])
    assert plain.logins == [] and unverified.logins == [] and plain.messages == unverified.messages == []


@pytest.mark.parametrize(
    "channel, message",
    [
        ({"tls": "starttls", "username": "steward", "password": "hunter2"}, r"password: \$env:NAME"),
        ({"tls": "none", **LOGIN}, "would cross the network in clear"),
        ({"tls": "starttls", "username": "steward"}, "both `username:` and `password: \\$env:NAME`"),
        ({"tls": "ssl"}, "Input should be 'none', 'starttls' or 'implicit'"),
    ],
)
def test_an_email_channels_login_and_tls_are_checked_with_the_config(channel: dict, message: str) -> None:
    mail = {"type": "email", "smtp": "mail.example.org:587", "sender": "s@example.org", "to": ["o@example.org"]}
    with pytest.raises(ValueError, match=message):
        MonitorSpec.model_validate({"channels": {"mail": {**mail, **channel}}})
    with pytest.raises(ValueError, match="options of an email channel"):
        MonitorSpec.model_validate(
            {"channels": {"hook": {"type": "webhook", "url": "https://h.example/x", **LOGIN}}}
        )


@pytest.mark.parametrize(
    "rows, scales", [(60, [5, 7]), (300, [5, 10, 20, 30, 37]), (500, [5, 10, 20, 30, 40, 60])]
)
def test_the_neighbours_test_says_which_k_it_used(rows: int, scales: list[int]) -> None:
    """The README promised k 10, 20 and 40; for small windows the test used k 5 alone, and nothing said so."""
    import numpy as np

    from steward.monitor.drift_tests import embedding_permutation, neighbour_scales

    assert neighbour_scales(2 * rows) == scales
    rng = np.random.default_rng(0)
    reference, current = rng.normal(size=(rows, 8)), rng.normal(size=(rows, 8))
    signal = embedding_permutation("input.embedding.mmd_neighbours", reference, current, alpha=0.01)
    detail = signal.as_dict()["detail"]
    assert detail["scales"] == scales
    assert detail["largest"] in ("mmd", "cluster") or detail["k"] in scales


def test_counts_agree_with_their_nouns_and_outputs_make_only_their_own_folder(project_dir: Path) -> None:
    """`steward monitor export` said "wrote 1 rules", `rebuild` "they hold 1 requests", `alerts dataset` "1 rows";
    and `alerts dataset --out` made every missing folder of a mistyped path (`--out dat/sets/x.jsonl`)."""
    from steward.cli import app as cli

    (project_dir / "steward.yaml").write_text(
        PROJECT + 'monitor:\n  alerts:\n    errors: {app: demo, metric: error_rate, condition: "> 0.5", '
        "min_requests: 5}\n",
        encoding="utf-8",
    )
    spec = MonitorSpec.model_validate(ERRORS)
    now = time.time()
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, now - 60, 9, "failed")
        served = Record.start("demo")
        served.created_at, served.team, served.status, served.output = now - 50, "default", "served", "hi"
        store.write_sync(served)
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(now)
    runner = CliRunner()
    exported = runner.invoke(cli, ["monitor", "export", "--prometheus", "rules/steward.yml"])
    assert exported.exit_code == 0, exported.output
    assert "wrote 1 rule to" in exported.stdout and (project_dir / "rules" / "steward.yml").is_file()
    deep = runner.invoke(cli, ["monitor", "export", "--grafana", "dash/boards/steward.json"])
    assert isinstance(deep.exception, InvalidRequest) and "dash does not exist" in str(deep.exception)
    assert not (project_dir / "dash").exists()
    args = ["alerts", "dataset", alert.id, "--name", "retrain"]
    refused = runner.invoke(cli, [*args, "--out", "dat/sets/retrain.jsonl"])
    assert isinstance(refused.exception, InvalidRequest) and "dat does not exist" in str(refused.exception)
    assert not (project_dir / "dat").exists()
    assert "retrain" not in runner.invoke(cli, ["registry", "list"]).output  # nothing registered either
    built = runner.invoke(cli, [*args, "--out", "sets/retrain.jsonl"])
    assert built.exit_code == 0, built.output
    assert ": 1 row from" in built.stdout and (project_dir / "sets" / "retrain.jsonl").is_file()
    tiny = project_dir / "tiny.db"
    with Store.open(f"sqlite:///{tiny}") as store:
        _traffic(store, now - 30, 1, "served")
    rebuilt = runner.invoke(cli, ["monitor", "rebuild"], env={"STEWARD_DATABASE_URL": f"sqlite:///{tiny}"})
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "they hold 1 request" in rebuilt.stdout and "1 requests" not in rebuilt.stdout


def test_an_empty_window_and_a_model_no_record_names_say_so(project_dir: Path) -> None:
    """`--reference 10:00..10:00` was said to end before it starts, and `first:500@qwen` (a model no record of
    the app names, a typo or a config name rather than the version) that the window held 0 records."""
    from steward.cli import app as cli

    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, time.time() - 600, 3, "served")
    runner = CliRunner()
    empty = runner.invoke(cli, ["monitor", "drift", "demo", "--reference", "2026-12-07T10:00..2026-12-07T10:00"])
    assert isinstance(empty.exception, InvalidRequest) and "is empty" in str(empty.exception)
    nobody = runner.invoke(cli, ["monitor", "drift", "demo", "--reference", "first:50@qwen", "--no-embeddings"])
    assert isinstance(nobody.exception, InvalidRequest), nobody.output
    assert "no traffic record of app 'demo' was answered by model 'qwen'" in str(nobody.exception)
    assert "steward monitor rollups demo" in str(nobody.exception)


def test_a_dataset_from_a_window_with_nothing_to_learn_says_which_window(project_dir: Path) -> None:
    """`steward alerts dataset` over a window of failures only said "no consenting served traffic records of demo
    in that period": which period the alert's window was, the user could not tell."""
    from steward.cli import app as cli

    (project_dir / "steward.yaml").write_text(
        PROJECT + 'monitor:\n  alerts:\n    errors: {app: demo, metric: error_rate, condition: "> 0.5", '
        "min_requests: 5}\n",
        encoding="utf-8",
    )
    spec = MonitorSpec.model_validate(ERRORS)
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, time.time() - 60, 10, "failed")
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(time.time())
    args = ["alerts", "dataset", alert.id, "--name", "retrain", "--out", "retrain.jsonl"]
    refused = CliRunner().invoke(cli, args)
    assert isinstance(refused.exception, InvalidRequest), refused.output
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(alert.started_at - 300))
    assert f"records of demo from {since} to " in str(refused.exception), refused.exception
    assert not (project_dir / "retrain.jsonl").exists()


def test_a_dataset_is_never_renamed_over_a_device_or_a_pipe(project_dir: Path) -> None:
    """`steward alerts dataset ID --out /dev/null` (to try it out) wrote the rows beside it and renamed them over
    it: run as root, /dev/null became a regular file holding the dataset. A pipe stands in for the device here."""
    import os
    import stat

    from steward.cli import app as cli

    (project_dir / "steward.yaml").write_text(
        PROJECT + 'monitor:\n  alerts:\n    errors: {app: demo, metric: error_rate, condition: "> 0.5", '
        "min_requests: 5}\n",
        encoding="utf-8",
    )
    spec = MonitorSpec.model_validate(ERRORS)
    with Store.open(f"sqlite:///{project_dir / 'steward.db'}") as store:
        _traffic(store, time.time() - 60, 10, "failed")
        served = Record.start("demo")
        served.created_at, served.team, served.status, served.output = time.time() - 50, "default", "served", "hi"
        store.write_sync(served)
        RollupWorker(store).catch_up()
        (alert,) = AlertEvaluator(store, spec, ["demo"], Notifier(spec.channels)).evaluate(time.time())
    pipe = project_dir / "pipe"
    os.mkfifo(pipe)
    runner = CliRunner()
    refused = runner.invoke(cli, ["alerts", "dataset", alert.id, "--name", "retrain", "--out", str(pipe)])
    assert isinstance(refused.exception, InvalidRequest) and "no regular file" in str(refused.exception)
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert "retrain" not in runner.invoke(cli, ["registry", "list"]).output
