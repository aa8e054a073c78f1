"""Issue 19 end to end, and what a careless or hostile user does to it.

The fast tests need no model: a tampered adapter, a file that is not UTF-8, a `--name` with path characters, a
`--from` that names no model version, a base that registration would refuse (all refused in one line, before any
training, nothing registered). The slow one runs `steward tune run` as a new user would (no `--adapter-only`) on
SmolLM2-135M to a registered model version whose GGUF sha256 is the file's, with its lineage, and then continues
that model version with `--from model:NAME@1` (the forgetting check runs).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.model_fixtures import smollm2_path  # noqa: F401
from tests.test_tune_train import YAML, _env, _rows, _write

from steward.errors import ArtefactError, InvalidRequest, NotFound
from steward.governance import lineage, versions
from steward.governance.identity import Actor
from steward.store import Store
from steward.tune import files, publish, runs

BASE = "smollm2-135m-instruct-q4_1"


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "steward.yaml").write_text(YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def _steward(monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> tuple[int, str]:
    """`steward ARGS` through the CLI's own entry point: its exit status and standard error."""
    from steward.cli import main

    monkeypatch.setattr(sys, "argv", ["steward", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    return int(stopped.value.code or 0), " ".join(capsys.readouterr().err.split())


def _trained_run(home: Path) -> Path:
    """A finished run folder as `steward tune run` leaves it (the adapter files' bytes stand in for weights)."""
    folder = runs.runs_dir(home) / "r1"
    (folder / "adapter").mkdir(parents=True)
    (folder / "adapter" / "adapter_config.json").write_text('{"r": 8, "lora_alpha": 16}')
    (folder / "adapter" / "adapter_model.safetensors").write_bytes(b"\x00" * 64)
    base = home / "base.gguf"
    base.write_bytes(b"GGUF stand-in")
    record = {
        "run_id": "r1",
        "name": "r",
        "status": "trained",
        "hyper": {"rank": 8, "alpha": 16, "target_modules": ["q_proj"]},
        "loss": [],
        "base": {"model": BASE, "artefact": BASE, "gguf_path": str(base), "sha256": "0" * 64},
        "adapter_sha256": runs.adapter_hashes(folder / "adapter"),
    }
    runs.write(folder, record)
    return folder


def test_an_adapter_changed_after_training_is_neither_exported_nor_continued(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    folder = _trained_run(project_dir / "home")
    record = runs.read(folder)
    runs.check_adapter(folder, record)  # as training wrote it: accepted
    assert publish.load_run(folder).id == "r1"
    weights = folder / "adapter" / "adapter_model.safetensors"
    weights.write_bytes(b"\x01" + weights.read_bytes()[1:])  # one byte changed
    with pytest.raises(ArtefactError, match=r"adapter_model.safetensors has sha256 .* changed after training"):
        publish.load_run(folder)
    weights.write_bytes(b"\x00" * 64)
    (folder / "adapter" / "adapter_config.json").write_text('{"r": 8, "lora_alpha": 1600}')  # a louder adapter
    with pytest.raises(ArtefactError, match=r"adapter_config\.json has sha256"):
        runs.check_adapter(folder, record)
    code, said = _steward(monkeypatch, capsys, "tune", "export", "r1", "--json")
    assert code != 0 and "changed after training" in said and "Traceback" not in said
    code, said = _steward(monkeypatch, capsys, "tune", "run", "--from", "r1", "--data", "nowhere.jsonl")
    assert code != 0 and "changed after training" in said and "Traceback" not in said
    with Store.open(f"sqlite:///{project_dir / 'cli.db'}") as store:
        assert versions.list_versions(store, Actor.user("alice"), kind="model") == []
    assert not (folder / "export").exists()


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.jsonl").write_bytes(b'{"prompt": "ok", "completion": "fine"}\n{"prompt": "caf\xe9"}\n')
    with pytest.raises(
        InvalidRequest, match=r"latin1.jsonl:2: not UTF-8 text \(byte 0xe9\); save the file as UTF-8"
    ):
        files.read(tmp_path / "latin1.jsonl")
    (tmp_path / "latin1.csv").write_bytes(b"prompt,completion\ncaf\xe9,ok\n")
    with pytest.raises(InvalidRequest, match=r"latin1.csv: not UTF-8 text .*iconv -f latin1"):
        files.read(tmp_path / "latin1.csv")


def test_bad_names_data_and_from_are_refused_in_one_line_before_training(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    (project_dir / "latin1.jsonl").write_bytes(b'{"prompt": "caf\xe9", "completion": "ok"}\n')
    _write(project_dir / "ok.jsonl", _rows(12))
    cases = [
        (["--base", BASE, "--data", "latin1.jsonl", "--name", "x"], "latin1.jsonl:1: not UTF-8 text"),
        (["--base", BASE, "--data", "ok.jsonl", "--name", "../../etc/x"], "--name '../../etc/x': use letters"),
        (["--base", BASE, "--data", ".", "--name", "x"], "--data . is a folder"),
        (["--from", "model:claims@1", "--data", "ok.jsonl"], "--from model:claims@1: no registry version"),
    ]
    for args, message in cases:
        code, said = _steward(monkeypatch, capsys, "tune", "run", *args)
        assert code == 2 and message in said and "Traceback" not in said, (args, said)
    assert not list(runs.runs_dir(project_dir / "home").glob("*/run.json"))  # nothing started


def test_registration_is_checked_before_training_and_a_built_in_base_is_registered(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'reg.db'}")
    alice = Actor.user("alice")
    assert publish.check_publishable(store, alice, "claims", BASE, BASE) == "default"  # built in: registered later
    with pytest.raises(NotFound, match=r"base model 'local' is not registered in team 'default'.*registry apply"):
        publish.check_publishable(store, alice, "claims", "local", None)
    with pytest.raises(InvalidRequest, match="not a registry name"):
        publish.check_publishable(store, alice, "../claims", BASE, BASE)
    auditor = Actor(id="key:k1", role="auditor", team="default", name="k1")
    with pytest.raises(Exception, match="auditors read everything of their team and change nothing"):
        publish.check_publishable(store, auditor, "claims", BASE, BASE)
    spec = publish.builtin_spec(BASE)
    assert spec["sha256"] and spec["artefact"] == BASE and spec["backend"] == "llama_cpp"


# --- the whole path on SmolLM2-135M -------------------------------------------------------------------------


def _tune(project: Path, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "steward", "tune", "run", "--json", "--seq-len", "64", "--batch-size", "2",
               "--rank", "4", "--target-modules", "q_proj,v_proj", "--lr", "0.002", *args]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=_env(project), cwd=project, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout))


@pytest.mark.slow
def test_tune_run_publishes_a_registered_verified_gguf_with_lineage_and_from_continues_it(
    tmp_path: Path,
    smollm2_path: Path,  # noqa: F811
) -> None:
    project = tmp_path
    (project / "steward.yaml").write_text(YAML, encoding="utf-8")  # the base is not declared: a built-in artefact
    (project / "home" / "models").mkdir(parents=True)
    (project / "home" / "models" / smollm2_path.name).symlink_to(smollm2_path)
    _write(project / "book.jsonl", _rows(30))
    _write(project / "weather.jsonl", _rows(16, 100, kind="weather"))

    first = _tune(project, "--base", BASE, "--data", "book.jsonl", "--name", "gates", "--max-steps", "2",
                  "--quant", "F16")  # fmt: skip
    assert {"model_version", "artefact", "sha256", "run"} <= set(first)
    assert first["model_version"] == "model:gates@1"
    assert hashlib.sha256(Path(first["artefact"]).read_bytes()).hexdigest() == first["sha256"]
    record = json.loads((Path(first["run_dir"]) / "run.json").read_text())
    assert record["adapter_sha256"] == runs.adapter_hashes(Path(first["run_dir"]) / "adapter")
    with Store.open(f"sqlite:///{project / 'cli.db'}") as store:
        model = versions.resolve(store, None, "model:gates@1")
        assert model.spec["sha256"] == first["sha256"] and Path(model.spec["path"]) == Path(first["artefact"])
        base = versions.resolve(store, None, f"model:{BASE}@1")  # registered with the tuned model
        up = {(e.relation, e.parent) for e in lineage.walk(store, model.node, "up", depth=3)}
        down = {(e.relation, e.child) for e in lineage.walk(store, model.node, "down", depth=1)}
    assert first["run"] == "training_run:gates@1" and first["run_id"] == record["run_id"]
    relations = {relation for relation, _ in up}
    assert {"produced", "fine_tuned_from", "base_weights"} <= relations
    assert ("fine_tuned_from", base.node) in up
    assert ("exported_as", lineage.node("artefact", first["sha256"])) in down

    second = _tune(project, "--from", "model:gates@1", "--data", "weather.jsonl", "--max-steps", "2",
                   "--quant", "F16", "--accept-forgetting")  # fmt: skip
    assert second["model_version"] == "model:gates@2"
    assert second["forgetting"] and second["forgetting"].get("previous_run") == record["run_id"], second
    assert hashlib.sha256(Path(second["artefact"]).read_bytes()).hexdigest() == second["sha256"]
    with Store.open(f"sqlite:///{project / 'cli.db'}") as store:
        continued = versions.resolve(store, None, "model:gates@2")
        up = {(e.relation, e.parent) for e in lineage.walk(store, continued.node, "up", depth=3)}
        first_run = versions.resolve(store, None, "training_run:gates@1")
    assert ("continued_from", first_run.node) in up


def test_from_a_model_version_of_another_team_is_refused_without_saying_it_exists(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from typer.testing import CliRunner

    from steward.cli import app as cli

    _trained_run(project_dir / "home")
    with Store.open(f"sqlite:///{project_dir / 'cli.db'}") as store:
        admin = Actor.user("admin")
        model, _ = versions.register(store, admin, "payments", "model", "secret-model", {"backend": "llama_cpp"})
        trained, _ = versions.register(store, admin, "payments", "training_run", "secret-model", {"run_id": "r1"})
        lineage.add_edge(store, admin, trained.node, model.node, "produced", "payments")
    created = CliRunner().invoke(cli, ["keys", "create", "--role", "developer", "--team", "claims", "--name", "k"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    _write(project_dir / "ok.jsonl", _rows(12))
    code, said = _steward(monkeypatch, capsys, "tune", "run", "--from", "model:secret-model@1", "--data",
                          "ok.jsonl", "--key", secret)  # fmt: skip
    assert code == 2 and "--from model:secret-model@1: no registry version" in said and "in team 'claims'" in said
    assert "Traceback" not in said and "r1" not in said
