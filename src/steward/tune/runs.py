"""The run directory, the contract `steward tune` and its export share:

```
<home>/tune/runs/<run_id>/
  run.json              run_id, name, status (running | trained | failed), base {model, artefact, gguf_path,
                        sha256}, dataset {version, path, sha256}, hyper {...}, seed, code_version, threads,
                        steps, loss [{step, loss, tokens_per_s}], validation {loss, path, rows},
                        forgetting (continuing a model: the check on the previous run's validation rows),
                        from_run, error
  validation.jsonl      the validation rows (chat messages), never trained on
  checkpoints/          step-NNNNNN/ … and `latest` (steward.tune.checkpoint)
  adapter/              peft `save_pretrained`: adapter_config.json + adapter_model.safetensors, when trained;
                        each file's sha256 in run.json's `adapter_sha256`, checked before an export or a --from
```

`run.json` is always replaced whole (temporary file, fsync, rename). `<home>` is the project's state folder
(`.steward`, or $STEWARD_HOME).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from steward.errors import ArtefactError, InvalidRequest
from steward.tune.checkpoint import replace_text

STATUSES = ("running", "trained", "failed")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def runs_dir(home: Path) -> Path:
    return Path(home) / "tune" / "runs"


def bases_dir(home: Path) -> Path:
    return Path(home) / "tune" / "bases"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidRequest(f"--name {name!r}: use letters, digits and . _ - (up to 100), e.g. airport-intents.")
    return name


def new_run_id(name: str) -> str:
    return f"{name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"


def find(home: Path, run: str) -> Path:
    """The folder of run `run` (its id, or a path to its folder); refused with what to do when unknown."""
    given = Path(run)
    folder = given if (given / "run.json").is_file() else runs_dir(home) / run
    if ("/" in run and not (given / "run.json").is_file()) or not (folder / "run.json").is_file():
        known = sorted(p.name for p in runs_dir(home).glob("*") if (p / "run.json").is_file())
        raise InvalidRequest(
            f"no tune run {run!r} under {runs_dir(home)}; "
            + (f"known runs: {', '.join(known[-5:])}" if known else "start one with `steward tune run`")
            + "."
        )
    return folder


def read(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError) as exc:
        raise InvalidRequest(f"{folder / 'run.json'} cannot be read ({exc}); the run folder is damaged.") from None
    if not isinstance(data, dict) or data.get("status") not in STATUSES:
        raise InvalidRequest(f"{folder / 'run.json'} is not a tune run's record; the run folder is damaged.")
    return data


def write(folder: Path, record: dict[str, Any]) -> None:
    replace_text(folder / "run.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")


ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    """The sha256 of a file of the run (the validation rows, recorded when training ends)."""
    return _sha256(path)


def adapter_hashes(adapter: Path) -> dict[str, str]:
    """The sha256 of each file of a saved peft adapter (recorded when training ends)."""
    return {name: _sha256(adapter / name) for name in ADAPTER_FILES}


def check_validation(folder: Path, record: dict[str, Any]) -> None:
    """The validation rows are the ones the run held out (run.json's `validation.sha256`, recorded when the split
    was written): a verification against other rows would vouch for nothing. Runs made before the hash was
    recorded have none to check."""
    validation = record.get("validation") or {}
    expected, path = validation.get("sha256"), validation.get("path")
    if not expected or not path:
        return
    try:
        actual = _sha256(Path(path))
    except OSError as exc:
        raise ArtefactError(
            f"run {record.get('run_id') or folder.name}'s validation rows {path} cannot be read "
            f"({exc.strerror or exc}); nothing was exported. Restore the run folder or train again."
        ) from None
    if actual != expected:
        raise ArtefactError(
            f"run {record.get('run_id') or folder.name}'s validation rows {path} have sha256 {actual[:12]}…, not "
            f"the {expected[:12]}… the run held out: they were changed after the split, so a verification on them "
            "would vouch for nothing; nothing was exported. Restore them, or train again."
        )


def check_adapter(folder: Path, record: dict[str, Any]) -> None:
    """The run's adapter files are the ones its training wrote (run.json's `adapter_sha256`); refused otherwise,
    so that a changed or swapped adapter is never exported or continued under this run's lineage. Runs made
    before the hashes were recorded have none to check."""
    expected = record.get("adapter_sha256")
    if not expected:
        return
    run_id = record.get("run_id") or folder.name
    for name, sha256 in expected.items():
        path = folder / "adapter" / name
        try:
            actual = _sha256(path)
        except OSError as exc:
            raise ArtefactError(
                f"run {run_id}'s adapter file {path} cannot be read ({exc.strerror or exc}); nothing was used. "
                "Restore the run folder or train again."
            ) from None
        if actual != sha256:
            raise ArtefactError(
                f"run {run_id}'s adapter file {path} has sha256 {actual[:12]}…, not the {sha256[:12]}… its "
                "training wrote: it was changed after training, so it is not this run's adapter; nothing was "
                "used. Restore it, or train again (`steward tune run`)."
            )


def code_version() -> str:
    """`git describe` of the source tree when it is a checkout, else the installed package's version."""
    here = Path(__file__).resolve().parent
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return f"git:{result.stdout.strip()}"
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"steward {version('steward')}"
    except PackageNotFoundError:
        return "steward (unknown version)"


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the run's lock: a second `tune resume` of a run still training is refused."""
    handle = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InvalidRequest(
                f"run {folder.name} is being trained by another process; wait for it to end (or stop it) first."
            ) from None
        yield
    finally:
        os.close(handle)
