"""`steward tune run` / `steward tune resume` (issue 19, parts 2–3): LoRA training on a hash-checked base,
atomic checkpoints, a resume after kill -9 that ends byte-identical, the forgetting check, and bad input.

The fast tests need no model. The slow ones train SmolLM2-135M (tests/model_fixtures.py) for a few steps at a
short sequence length in subprocesses, one thread each (a resume is bit-exact only on the thread count it
started with, which the run records); the base's transformers conversion is kept under the repository's
`.steward/tune/bases` so that later sessions load it in seconds.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.model_fixtures import REPO, smollm2_path  # noqa: F401
from typer.testing import CliRunner

from steward.config.loader import load_project_text
from steward.errors import ConfigError, InvalidRequest
from steward.tune import base as bases
from steward.tune import checkpoint, runs, train
from steward.tune import data as tune_data

YAML = (
    "version: 1\nmodels:\n  m: {backend: scripted, replies: ['hi']}\n"
    "apps:\n  demo: {owner: a@b.c, purpose: test, route: [{model: m}]}\n"
)
CITIES = ["Oslo", "Rome", "Lisbon", "Dublin", "Vienna", "Prague", "Madrid", "Berlin", "Athens", "Paris"]


def _rows(count: int, offset: int = 0, kind: str = "book") -> list[dict[str, Any]]:
    rows = []
    for i in range(offset, offset + count):
        a, b = CITIES[i % len(CITIES)], CITIES[(i * 3 + 1) % len(CITIES)]
        if kind == "book":
            prompt, answer = f"Please book me a seat from {a} to {b} on day {i}.", {"intent": "book", "to": b}
        else:
            prompt, answer = f"Please book me a seat to {b} on day {i}, and what is the weather?", f"Sunny in {b}."
        rows.append({"prompt": prompt, "completion": answer if isinstance(answer, str) else json.dumps(answer)})
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "steward.yaml").write_text(YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def _cli(args: list[str]) -> Any:
    from steward.cli import app as cli

    return CliRunner().invoke(cli, args)


# --- bad input, no model needed ------------------------------------------------------------------------------


def test_a_base_that_is_not_registered_is_refused(project_dir: Path) -> None:
    project = load_project_text(YAML, "steward.yaml")
    with pytest.raises(InvalidRequest, match=r"base 'some/model.gguf' is not a registered model: name a built-in"):
        bases.resolve("some/model.gguf", project, project_dir / "models")
    _write(project_dir / "ok.jsonl", _rows(4))
    result = _cli(["tune", "run", "--base", "m", "--data", "ok.jsonl", "--name", "n", "--adapter-only"])
    assert result.exit_code != 0 and "base 'm' is not a registered model" in str(result.exception)


def test_a_base_that_fails_its_hash_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.gguf").write_bytes(b"GGUF not really a model")
    yaml = YAML.replace(
        "models:\n", f"models:\n  local: {{backend: llama_cpp, path: fake.gguf, sha256: '{'ab' * 32}'}}\n"
    )
    project = load_project_text(yaml, "steward.yaml")
    project.root = tmp_path
    with pytest.raises(InvalidRequest, match=r"base 'local' fails its hash check, nothing trained: .*expected ab"):
        bases.resolve("local", project, tmp_path / "models")
    artefact = tmp_path / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    artefact.parent.mkdir()
    artefact.write_bytes(b"x" * 10)
    with pytest.raises(InvalidRequest, match=r"fails its hash check.*has 10 bytes"):
        bases.resolve("smollm2-135m-instruct-q4_1", project, tmp_path / "models")
    (tmp_path / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf").unlink()
    with pytest.raises(InvalidRequest, match=r"is missing; run `steward models fetch smollm2-135m-instruct-q4_1`"):
        bases.resolve("smollm2-135m-instruct-q4_1", project, tmp_path / "models")


def test_data_without_consented_rows_or_without_rows_is_refused(tmp_path: Path) -> None:
    rows = [dict(r, consent=False) for r in _rows(3)]
    with pytest.raises(InvalidRequest, match=r"no consented rows \(3 left out for consent=false\)"):
        tune_data._from_file(_write(tmp_path / "none.jsonl", rows))
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InvalidRequest, match="the file holds no rows"):
        tune_data._from_file(tmp_path / "empty.jsonl")
    rows_of = tune_data._from_file(_write(tmp_path / "ok.jsonl", _rows(40)))
    assert len(rows_of.train) + len(rows_of.validation) == 40 and rows_of.validation and rows_of.version is None


def test_the_cli_refuses_no_consented_rows_without_a_traceback(project_dir: Path) -> None:
    _write(project_dir / "none.jsonl", [dict(r, consent=False) for r in _rows(2)])
    result = subprocess.run(
        [sys.executable, "-m", "steward", "tune", "run", "--base", "smollm2-135m-instruct-q4_1", "--data",
         "none.jsonl", "--name", "x", "--adapter-only"],
        capture_output=True, text=True, env=_env(project_dir), cwd=project_dir, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "no consented rows (2 left out for consent=false); nothing to train on" in " ".join(
        result.stderr.split()
    )


def test_hyper_parameters_in_steward_yaml_are_validated_with_their_line() -> None:
    project = load_project_text(YAML + "tune:\n  rank: 16\n  target_modules: q_proj, v_proj\n", "steward.yaml")
    assert project.tune.hyper().rank == 16 and project.tune.hyper().target_modules == ("q_proj", "v_proj")
    with pytest.raises(ConfigError, match=r"steward.yaml:7.*learning_rate"):
        load_project_text(YAML + "tune:\n  learning_rate: -1\n", "steward.yaml")
    with pytest.raises(ConfigError, match="lerning_rate"):
        load_project_text(YAML + "tune:\n  lerning_rate: 0.1\n", "steward.yaml")


def _fake_run(home: Path, status: str = "running") -> Path:
    folder = runs.runs_dir(home) / "r1"
    folder.mkdir(parents=True)
    hyper = train.Hyper().model_dump(mode="json")
    runs.write(folder, {"run_id": "r1", "name": "r", "status": status, "hyper": hyper, "loss": []})
    return folder


def test_a_resume_of_an_unknown_run_is_refused_with_the_known_ones(project_dir: Path) -> None:
    result = _cli(["tune", "resume", "nope"])
    assert result.exit_code != 0
    assert "no tune run 'nope'" in str(result.exception) and "start one with `steward tune run`" in str(
        result.exception
    )
    _fake_run(project_dir / "home")
    with pytest.raises(InvalidRequest, match="known runs: r1"):
        runs.find(project_dir / "home", "nope")


def test_a_resume_with_changed_hyper_parameters_is_refused_naming_them(tmp_path: Path) -> None:
    _fake_run(tmp_path)
    with pytest.raises(InvalidRequest) as refused:
        train.resume(tmp_path, "r1", {"learning_rate": 0.001, "rank": 8, "seq_len": 64})
    message = refused.value.message
    assert "learning_rate 0.0002 → 0.001" in message and "seq_len 512 → 64" in message and "rank" not in message
    assert "Leave those flags out" in message and "--name NEW" in message
    runs.write(tmp_path / "tune" / "runs" / "r1", {**runs.read(tmp_path / "tune/runs/r1"), "status": "trained"})
    with pytest.raises(InvalidRequest, match=r"has finished .* nothing to resume"):
        train.resume(tmp_path, "r1", {})


def _tensors(value: float) -> dict[str, Any]:
    import torch

    return {"w": torch.full((4, 4), value)}


def _state() -> dict[str, Any]:
    return {"optimizer": {"state": {}}, "scheduler": {}, "rng": checkpoint.rng_state()}


def test_a_full_disk_during_a_checkpoint_leaves_the_previous_one_as_latest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "checkpoints"
    checkpoint.save(folder, checkpoint.Checkpoint(2, 2, [{"step": 2, "loss": 1.0}], _tensors(2.0), _state()))
    real = checkpoint.write_bytes
    calls = []

    def full_disk(path: Path, data: bytes) -> None:
        calls.append(path.name)
        if len(calls) == 2:  # the adapter is written, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(checkpoint, "write_bytes", full_disk)
    with pytest.raises(InvalidRequest) as stopped:
        checkpoint.save(folder, checkpoint.Checkpoint(4, 4, [], _tensors(4.0), _state()))
    assert "No space left on device" in stopped.value.message
    assert "latest checkpoint is still step-000002, whole" in stopped.value.message
    assert f"`steward tune resume {tmp_path.name}`" in stopped.value.message
    assert checkpoint.latest_name(folder) == "step-000002"
    assert sorted(p.name for p in folder.iterdir()) == ["latest", "step-000002"]  # no half-written folder left
    loaded, notes = checkpoint.load(folder)
    assert loaded is not None and loaded.step == 2 and float(loaded.adapter["w"][0, 0]) == 2.0 and not notes


def test_a_damaged_or_unfinished_checkpoint_is_never_used(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    for step in (2, 4):
        checkpoint.save(folder, checkpoint.Checkpoint(step, step, [], _tensors(float(step)), _state()))
    (folder / "step-000004" / "adapter.safetensors").write_bytes(b"torn")  # a disk that lied about fsync
    loaded, notes = checkpoint.load(folder)
    assert loaded is not None and loaded.step == 2 and "step-000004 is damaged" in notes[0]
    (folder / "step-000006").mkdir()  # renamed into place, but the pointer never moved: a kill before it
    checkpoint.replace_text(folder / "latest", "step-000002\n")
    loaded, _ = checkpoint.load(folder)
    assert loaded is not None and loaded.step == 2


def test_the_random_generators_come_back_exactly() -> None:
    import random

    import numpy as np
    import torch

    train.seed_everything(7, 1)
    state = checkpoint.rng_state()
    first = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    checkpoint.set_rng_state(state)
    assert (random.random(), float(np.random.rand()), float(torch.rand(1))) == first


def test_any_data_position_is_reached_without_replaying_the_ones_before() -> None:
    data = tune_data.Tokenised([[1, 2, 3]] * 5 + [[4, 5]] * 4, [[-100, 2, 3]] * 5 + [[-100, 5]] * 4)
    one, other = train.Batches(data, 2, 3, 0), train.Batches(data, 2, 3, 0)
    sequence = [one[p][0].tolist() for p in range(12)]
    assert [other[p][0].tolist() for p in (11, 3, 7)] == [sequence[11], sequence[3], sequence[7]]
    assert one.order(0) != one.order(1) and sorted(one.order(1)) == list(range(9))
    ids, mask, labels, tokens = train.collate([[1, 2, 3], [4]], [[-100, 2, 3], [4]], 0)
    assert ids.tolist() == [[1, 2, 3], [4, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert labels.tolist() == [[-100, 2, 3], [4, -100, -100]] and tokens == 4


# --- training SmolLM2-135M ----------------------------------------------------------------------------------

SMALL = ["--seq-len", "96", "--batch-size", "2", "--rank", "4", "--target-modules", "q_proj,v_proj"]


def _env(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        OMP_NUM_THREADS="1",
        STEWARD_HOME=str(project / "home"),
        STEWARD_DATABASE_URL=f"sqlite:///{project / 'cli.db'}",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.pop("STEWARD_CONFIG", None)
    return env


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, smollm2_path: Path) -> dict[str, Any]:  # noqa: F811
    """A project whose home has the verified SmolLM2 and the shared conversion cache; one uninterrupted run."""
    project = tmp_path_factory.mktemp("tune")
    (project / "steward.yaml").write_text(YAML, encoding="utf-8")
    (project / "home" / "models").mkdir(parents=True)
    (project / "home" / "models" / smollm2_path.name).symlink_to(smollm2_path)
    shared = REPO / ".steward" / "tune" / "bases"
    shared.mkdir(parents=True, exist_ok=True)
    (project / "home" / "tune").mkdir()
    (project / "home" / "tune" / "bases").symlink_to(shared)
    _write(project / "book.jsonl", _rows(40))
    _write(project / "weather.jsonl", _rows(24, 100, kind="weather"))
    reference = _run(
        project, ["--name", "ref", "--max-steps", "6", "--checkpoint-every", "2", "--lr", "0.002", *SMALL]
    )
    return {"project": project, "reference": reference}


def _run(project: Path, args: list[str], check: bool = True) -> dict[str, Any]:
    command = [sys.executable, "-m", "steward", "tune", "run", "--base", "smollm2-135m-instruct-q4_1", "--data",
               "book.jsonl", "--adapter-only", "--json", *args]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=_env(project), cwd=project, check=False)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
        return dict(json.loads(result.stdout))
    return {"returncode": result.returncode, "stderr": result.stderr, "stdout": result.stdout}


def _sha(folder: Path) -> str:
    return hashlib.sha256((folder / "adapter" / "adapter_model.safetensors").read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_run_writes_the_run_directory_contract(trained: dict[str, Any]) -> None:
    shown = trained["reference"]
    folder = Path(shown["run_dir"])
    record = json.loads((folder / "run.json").read_text())
    assert {"run_id", "name", "status", "base", "dataset", "hyper", "seed", "code_version", "steps", "loss",
            "validation"} <= set(record)  # fmt: skip
    assert record["status"] == "trained" and record["steps"] == 6 == len(record["loss"])
    assert record["base"]["sha256"] == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert record["base"]["artefact"] == "smollm2-135m-instruct-q4_1" and record["dataset"]["version"] is None
    assert len(record["dataset"]["sha256"]) == 64 and record["hyper"]["rank"] == 4 and record["seed"] == 0
    assert record["validation"]["loss"] > 0 and Path(record["validation"]["path"]).is_file()
    assert {"step", "loss", "tokens_per_s", "tokens"} == set(record["loss"][0])
    assert (folder / "adapter" / "adapter_config.json").is_file()
    assert (folder / "checkpoints" / "latest").read_text().strip() == "step-000006"
    assert shown["run"] == record["run_id"] and shown["adapter"] == str(folder / "adapter")
    assert record["loss"][-1]["loss"] < record["loss"][0]["loss"]  # it learns the answers' format


@pytest.mark.slow
def test_a_run_killed_at_a_step_resumes_to_a_byte_identical_adapter(trained: dict[str, Any]) -> None:
    project = trained["project"]
    command = [sys.executable, "-m", "steward", "tune", "run", "--base", "smollm2-135m-instruct-q4_1", "--data",
               "book.jsonl", "--adapter-only", "--json", "--name", "killed", "--max-steps", "6",
               "--checkpoint-every", "2", "--lr", "0.002", *SMALL]  # fmt: skip
    process = subprocess.Popen(
        command, env=_env(project), cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    runs_folder = project / "home" / "tune" / "runs"
    folder = None
    try:
        while process.poll() is None:  # kill it once its first checkpoint is the latest, mid-run
            found = [p for p in runs_folder.glob("killed-*")]
            if found and checkpoint.latest_name(found[0] / "checkpoints") == "step-000002":
                folder = found[0]
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        process.wait()
    assert folder is not None and process.returncode == -signal.SIGKILL, "the run ended before it was killed"
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "running" and not (folder / "adapter").exists()
    refused = subprocess.run(
        [sys.executable, "-m", "steward", "tune", "resume", folder.name, "--adapter-only", "--lr", "0.1"],
        capture_output=True, text=True, env=_env(project), cwd=project, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "learning_rate 0.002 → 0.1" in " ".join(refused.stderr.split())
    assert "Traceback" not in refused.stderr
    resumed = subprocess.run(
        [sys.executable, "-m", "steward", "tune", "resume", folder.name, "--adapter-only", "--json"],
        capture_output=True, text=True, env=_env(project), cwd=project, check=False,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    shown = json.loads(resumed.stdout)
    assert any("resumed from checkpoint step" in note for note in shown["notes"])
    assert shown["steps"] == 6 and _sha(folder) == _sha(Path(trained["reference"]["run_dir"]))
    record = json.loads((folder / "run.json").read_text())
    reference = json.loads((Path(trained["reference"]["run_dir"]) / "run.json").read_text())
    assert [p["loss"] for p in record["loss"]] == [p["loss"] for p in reference["loss"]]
    assert record["validation"]["loss"] == reference["validation"]["loss"]


@pytest.mark.slow
def test_continuing_a_model_runs_the_forgetting_check_and_blocks_a_regression(trained: dict[str, Any]) -> None:
    project, reference = trained["project"], trained["reference"]
    common = ["--from", reference["run"], "--data", "weather.jsonl", "--max-steps", "4", "--lr", "0.01"]
    blocked = _run(project, [*common, "--forgetting-margin", "0"], check=False)
    assert blocked["returncode"] == 2 and "Traceback" not in blocked["stderr"]
    text = " ".join(blocked["stderr"].split())
    assert f"validation loss on run {reference['run']}'s rows rose from" in text
    assert "the new model is blocked" in text and "--forgetting-margin" in text and "--accept-forgetting" in text
    accepted = _run(project, [*common, "--forgetting-margin", "0", "--accept-forgetting"])
    check = accepted["forgetting"]
    assert check["previous_run"] == reference["run"] and check["regressed"] and not check["blocked"]
    assert check["loss"] > check["previous_loss"] == reference["validation_loss"]
    shape = _run(project, ["--from", reference["run"], "--data", "weather.jsonl", "--rank", "8"], check=False)
    assert shape["returncode"] == 2 and "adapter has rank 4, not 8" in " ".join(shape["stderr"].split())


@pytest.mark.slow
def test_a_sequence_length_beyond_the_base_context_is_refused(trained: dict[str, Any]) -> None:
    refused = _run(trained["project"], ["--name", "long", "--seq-len", "100000"], check=False)
    assert refused["returncode"] == 2 and "Traceback" not in refused["stderr"]
    assert "--seq-len 100000 is beyond smollm2-135m-instruct-q4_1's context of 8192 tokens" in " ".join(
        refused["stderr"].split()
    )
