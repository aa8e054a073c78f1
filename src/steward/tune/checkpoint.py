"""Checkpoints written so that a kill -9 or a full disk never leaves a broken one as the latest.

A checkpoint is a folder `checkpoints/step-NNNNNN/` holding the adapter's weights (`adapter.safetensors`), the
optimizer's and scheduler's state and the random number generators of python, numpy and torch (`state.pt`), and
`manifest.json` (the step, the data position, the loss history, the sha256 of each file). It is written into a
temporary folder beside it; every file and the folder are fsynced, the folder is renamed into place, and only
then is the `latest` pointer replaced (itself written to a temporary file, fsynced, renamed). A process killed at
any point leaves either the previous `latest` or the new one, both whole; a leftover temporary folder is removed
by the next writer. Reading checks each file's sha256 against the manifest, and a damaged latest falls back to
the newest whole checkpoint. The last `KEEP` checkpoints are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest

KEEP = 3
LATEST = "latest"
PREFIX = "step-"
FILES = ("adapter.safetensors", "state.pt")


@dataclass(slots=True)
class Checkpoint:
    step: int
    position: int  # micro-batches consumed since the start of training
    loss: list[dict[str, float]]
    adapter: dict[str, Any]  # parameter name -> tensor
    state: dict[str, Any]  # optimizer, scheduler, rng


def name_of(step: int) -> str:
    return f"{PREFIX}{step:06d}"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def replace_text(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a temporary file beside it, fsynced, renamed over it."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def rng_state() -> dict[str, Any]:
    import numpy as np
    import torch

    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return {  # plain values and tensors only, so that reading it needs no pickle (`weights_only=True`)
        "python": [version, list(internal), gauss],
        "numpy": [kind, torch.from_numpy(np.asarray(keys).astype(np.int64)), pos, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])


def save(folder: Path, checkpoint: Checkpoint) -> Path:
    """Write `checkpoint` under `folder` atomically and point `latest` at it; OSError (a full disk) leaves the
    previous latest as it was and is raised as InvalidRequest saying so."""
    import torch
    from safetensors.torch import save as save_tensors

    folder.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(folder)
    final = folder / name_of(checkpoint.step)
    temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=folder))
    try:
        buffer = io.BytesIO()
        torch.save(checkpoint.state, buffer)
        blobs = {
            "adapter.safetensors": save_tensors({k: v.contiguous() for k, v in checkpoint.adapter.items()}),
            "state.pt": buffer.getvalue(),
        }
        for file, data in blobs.items():
            write_bytes(temp / file, data)
        manifest = {
            "step": checkpoint.step,
            "position": checkpoint.position,
            "loss": checkpoint.loss,
            "sha256": {file: hashlib.sha256(data).hexdigest() for file, data in blobs.items()},
        }
        write_bytes(temp / "manifest.json", json.dumps(manifest, indent=1).encode())
        fsync_dir(temp)
        if final.exists():  # the same step again (a resume that re-reached it): the new one replaces it
            shutil.rmtree(final)
        os.replace(temp, final)
        fsync_dir(folder)
        replace_text(folder / LATEST, final.name + "\n")
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        kept = latest_name(folder)
        raise InvalidRequest(
            f"could not write checkpoint {final.name} ({exc.strerror or exc}); training stopped. The latest "
            f"checkpoint is still {kept or 'none'}, whole. Free disk space under {folder} and run "
            f"`steward tune resume {folder.parent.name}`."
        ) from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _prune(folder)
    return final


def _clean_leftovers(folder: Path) -> None:
    for leftover in folder.glob(f".{PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _prune(folder: Path) -> None:
    current = latest_name(folder)
    steps = sorted(p for p in folder.glob(f"{PREFIX}*") if p.is_dir())
    for old in steps[:-KEEP]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def latest_name(folder: Path) -> str | None:
    with contextlib.suppress(OSError):
        name = (folder / LATEST).read_text().strip()
        return name or None
    return None


def _whole(path: Path) -> dict[str, Any] | None:
    """The manifest of a checkpoint whose files all match their sha256, else None."""
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        for file in FILES:
            if hashlib.sha256((path / file).read_bytes()).hexdigest() != manifest["sha256"][file]:
                return None
        return dict(manifest)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(folder: Path) -> tuple[Checkpoint | None, list[str]]:
    """The latest whole checkpoint (None: none yet), and notes on damaged ones skipped."""
    import torch
    from safetensors.torch import load_file

    notes: list[str] = []
    pointed = latest_name(folder)
    candidates = sorted((p for p in folder.glob(f"{PREFIX}*") if p.is_dir()), reverse=True)
    if pointed:
        candidates.sort(key=lambda p: p.name != pointed)  # the pointed one first, then newest first
    for path in candidates:
        if pointed and path.name > pointed:
            continue  # written after the pointer was last moved: never completed as latest
        manifest = _whole(path)
        if manifest is None:
            notes.append(f"{path.name} is damaged (a file does not match its sha256); skipped")
            continue
        state = torch.load(path / "state.pt", weights_only=True)
        return (
            Checkpoint(
                step=int(manifest["step"]),
                position=int(manifest["position"]),
                loss=list(manifest["loss"]),
                adapter=load_file(path / "adapter.safetensors"),
                state=state,
            ),
            notes,
        )
    return None, notes
