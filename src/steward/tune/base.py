"""The base model of a run: a registered GGUF (a built-in artefact, or a model declared in steward.yaml with its
`sha256:`), checked against its hash, loaded into transformers (`gguf_file=`, de-quantised to float32).

GGUF → transformers conversion takes ~40 s for SmolLM2-135M on this machine (the tokenizer alone ~15 s), so the
converted model and tokenizer are kept under `<home>/tune/bases/<sha256>/` (written to a temporary folder and
renamed, so a half-written cache is never used) and later runs load them in a few seconds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.config import Project
from steward.errors import ArtefactError, InvalidRequest
from steward.models import artefacts


@dataclass(frozen=True, slots=True)
class Base:
    """A base model as the run records it."""

    model: str  # what was asked for: an artefact name or a model id of steward.yaml
    artefact: str | None  # the catalogue name, when it is one
    gguf_path: Path
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "artefact": self.artefact,
            "gguf_path": str(self.gguf_path),
            "sha256": self.sha256,
        }


def resolve(name: str, project: Project, models_dir: Path) -> Base:
    """The registered base `name`, its file checked against its declared sha256 (re-hashed, not the sidecar)."""
    spec = project.models.get(name)
    if spec is not None and spec.backend == "llama_cpp":
        file = artefacts.model_file(spec, models_dir, project.root, None)
        if file.sha256 is None:
            raise InvalidRequest(
                f"model {name!r} declares no `sha256:` in steward.yaml, so its file cannot be checked; declare "
                "its sha256 (`sha256sum FILE`) or train on a built-in artefact."
            )
        art_name = file.artefact.name if file.artefact else None
    elif name in artefacts.CATALOGUE:
        art = artefacts.get(name)
        file = artefacts.ModelFile(Path(models_dir) / art.file, art.sha256, art.size, art)
        art_name = name
    else:
        declared = sorted(m for m, s in project.models.items() if s.backend == "llama_cpp")
        raise InvalidRequest(
            f"base {name!r} is not a registered model: name a built-in artefact "
            f"({', '.join(sorted(artefacts.CATALOGUE))}) or a llama_cpp model of steward.yaml"
            + (f" ({', '.join(declared)})" if declared else "")
            + "; a GGUF file that is not declared with its sha256 is not trained on."
        )
    if not file.path.is_file():
        fix = f"run `steward models fetch {art_name}`" if art_name else "correct `path:` in steward.yaml"
        raise InvalidRequest(f"base {name!r}: {file.path} is missing; {fix}.")
    assert file.sha256 is not None
    try:
        digest = artefacts.verify(file.path, file.sha256, file.size, use_cache=False, fix=file.fix)
    except ArtefactError as exc:
        raise InvalidRequest(f"base {name!r} fails its hash check, nothing trained: {exc.message}") from None
    return Base(model=name, artefact=art_name, gguf_path=file.path.resolve(), sha256=digest)


def load(base: Base, cache_root: Path) -> tuple[Any, Any]:
    """The base as a transformers causal LM (float32, eval mode) and its tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    cached = Path(cache_root) / base.sha256
    if not (cached / "config.json").is_file():
        _convert(base, cached)
    tokenizer = AutoTokenizer.from_pretrained(cached)
    model = AutoModelForCausalLM.from_pretrained(cached, dtype="float32")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _convert(base: Base, target: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, file = str(base.gguf_path.parent), base.gguf_path.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, dtype="float32")
    except Exception as exc:  # transformers raises many kinds for an architecture it cannot read from GGUF
        raise InvalidRequest(
            f"transformers cannot load {base.gguf_path} for training ({type(exc).__name__}: {exc}); train on "
            "a GGUF of an architecture transformers reads (llama, qwen2, gemma3 …)."
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.hf_quantizer = None  # type: ignore[assignment]  # de-quantised to float32 already: saved as plain weights
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(temp)
        tokenizer.save_pretrained(temp)
        os.replace(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def context_length(model: Any) -> int:
    return int(getattr(model.config, "max_position_embeddings", 0) or 2048)
