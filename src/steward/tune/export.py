"""Merge a LoRA adapter into its base and write GGUF files with the `gguf` package (no llama.cpp converter).

- `load_merged`: the base GGUF loaded by transformers (`gguf_file=`), the run's adapter applied with peft and
  merged (`merge_and_unload`), in float32.
- `write_merged`: the merged weights as a GGUF of `F16` or `Q8_0` (`gguf.quants.quantize`), every metadata key
  (architecture, hyper-parameters, tokenizer vocabulary, merges, chat template) copied from the base file with
  `GGUFReader`, tensor names and layouts as the base file has them. transformers permutes some tensors when it
  loads a GGUF (`modeling_gguf_pytorch_utils`: llama's q/k rows; gemma's norms are stored +1); `_to_gguf` undoes
  exactly that. K-quants (`Q4_K_M`) are made from the F16 file by llama.cpp's own quantiser,
  `llama_model_quantize`, which llama-cpp-python exposes.
- `write_adapter`: the unmerged adapter as a llama.cpp LoRA GGUF (`general.type=adapter`, `adapter.type=lora`,
  `adapter.lora.alpha`; tensors `<base tensor>.lora_a` / `.lora_b`), which llama.cpp applies at load
  (`Llama(lora_path=...)`).

Every file is written beside its final name (`.partial`) and renamed into place only when complete, so a full
disk or a crash never leaves a file that looks finished.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from steward.errors import InvalidRequest, StewardError

QUANTS: tuple[str, ...] = ("F16", "Q8_0", "Q4_K_M")
# transformers' GGUF architecture names (after its own renames) whose load-time tensor changes `_to_gguf` undoes
SUPPORTED_ARCHITECTURES: tuple[str, ...] = ("llama", "qwen2", "qwen3", "gemma3", "gemma2", "mistral")


class ExportError(StewardError):
    """The merged model or adapter could not be written as GGUF."""

    code = "export_failed"


@dataclass(slots=True)
class Merged:
    model: Any  # the merged transformers model (float32, eval mode)
    tokenizer: Any
    peft_model: Any  # the unmerged model (before merge), for the adapter's tensors
    gguf_names: dict[str, str]  # GGUF tensor name -> HF parameter name
    architecture: str
    config: dict[str, Any]


def _quiet_transformers() -> None:
    with contextlib.suppress(Exception):
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        # the GGUF reader's own tqdm bar ignores the switch above; off, so that stderr keeps to our one status line
        from functools import partial

        import transformers.modeling_gguf_pytorch_utils as gguf_utils
        from tqdm.auto import tqdm

        gguf_utils.tqdm = partial(tqdm, disable=True)


def load_merged(base_gguf: Path, adapter_dir: Path) -> Merged:
    """The base GGUF in transformers with the adapter merged in (and a copy of the unmerged LoRA weights)."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import (
        TENSOR_PROCESSORS,
        TensorProcessor,
        get_gguf_hf_weights_map,
    )

    _quiet_transformers()
    base_gguf = Path(base_gguf)
    tokenizer = AutoTokenizer.from_pretrained(str(base_gguf.parent), gguf_file=base_gguf.name)
    base = AutoModelForCausalLM.from_pretrained(
        str(base_gguf.parent), gguf_file=base_gguf.name, dtype=torch.float32
    )
    architecture = _architecture(base_gguf)
    if architecture not in SUPPORTED_ARCHITECTURES:
        raise ExportError(
            f"exporting a {architecture!r} model is not supported "
            f"(supported: {', '.join(SUPPORTED_ARCHITECTURES)}); "
            "serve the adapter with another tool or choose a supported base."
        )
    config = base.config.to_dict()
    processor = TENSOR_PROCESSORS.get(architecture, TensorProcessor)(config=config)
    names = get_gguf_hf_weights_map(base, processor)
    try:
        peft_model = PeftModel.from_pretrained(base, str(adapter_dir))
    except (ValueError, OSError, KeyError) as exc:
        raise InvalidRequest(
            f"{adapter_dir}: not a peft adapter of this base ({exc}); train the run again or point at its run "
            "directory."
        ) from None
    lora = _lora_tensors(peft_model)
    merged = peft_model.merge_and_unload()
    merged.eval()
    return Merged(merged, tokenizer, lora, names, architecture, config)


def _lora_tensors(peft_model: Any) -> dict[str, Any]:
    """HF module name -> (A, B, alpha, r) of every LoRA layer, copied before the merge."""
    config = peft_model.peft_config["default"]
    if getattr(config, "use_dora", False) or getattr(config, "use_rslora", False):
        raise ExportError("DoRA and rsLoRA adapters cannot be written as llama.cpp LoRA files; merge-only.")
    out: dict[str, Any] = {}
    for name, module in peft_model.named_modules():
        if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
            a = module.lora_A["default"].weight.detach().float().numpy().copy()
            b = module.lora_B["default"].weight.detach().float().numpy().copy()
            r = a.shape[0]
            alpha = float(module.scaling["default"]) * r  # llama.cpp scales by alpha / r
            hf_name = name.replace("base_model.model.", "", 1)
            out[hf_name] = (a, b, alpha, r)
    if not out:
        raise InvalidRequest("the adapter has no LoRA layers; nothing to export.")
    return {"layers": out}


def _architecture(path: Path) -> str:
    from gguf import GGUFReader

    field = GGUFReader(str(path)).fields.get("general.architecture")
    if field is None:
        raise InvalidRequest(f"{path}: a GGUF file without general.architecture; is it a model file?")
    return str(field.contents())


def _permute(weights: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf `LlamaModel.permute`: the inverse of transformers' reverse permute."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (
        weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _to_gguf(merged: Merged, gguf_name: str, weights: np.ndarray, rows_only: bool = False) -> np.ndarray:
    """Undo what transformers did to this tensor when it loaded the GGUF (`rows_only`: a LoRA B matrix)."""
    if merged.architecture == "llama" and (".attn_q." in gguf_name or ".attn_k." in gguf_name):
        heads = int(merged.config["num_attention_heads"])
        kv = int(merged.config.get("num_key_value_heads") or heads)
        return _permute(weights, heads, heads if ".attn_q." in gguf_name else kv)
    if merged.architecture in ("gemma2", "gemma3") and "norm.weight" in gguf_name and not rows_only:
        return weights + 1
    return weights


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A `.partial` path beside `final`, renamed onto it when the block ends cleanly, removed otherwise."""
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _disk_error(exc: OSError, path: Path) -> ExportError:
    free = shutil.disk_usage(path.parent).free if path.parent.exists() else 0
    return ExportError(
        f"could not write {path} ({exc.strerror or exc}); {free / 1e6:,.0f} MB free there. Free some space (or "
        "export to another folder) and run `steward tune export` again; nothing was registered."
    )


def _copy_metadata(reader: Any, writer: Any, override: dict[str, tuple[Any, Any]]) -> None:
    """Every key of the base file (as gguf_new_metadata does), with `override` (key -> (value, type))."""
    import gguf

    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        if field.name in override:
            continue
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), kind, sub_type=sub)
    for key, (value, kind) in override.items():
        if value is not None:
            writer.add_key_value(key, value, kind)


def write_merged(merged: Merged, base_gguf: Path, out: Path, quant: str = "Q8_0") -> Path:
    """The merged model as a GGUF file of type `quant` at `out` (written to `.partial`, then renamed)."""
    if quant not in QUANTS:
        raise InvalidRequest(f"--quant {quant!r} is not one of {', '.join(QUANTS)}.")
    if quant == "Q4_K_M":
        f16 = out.with_name(out.stem + ".F16.gguf")
        write_merged(merged, base_gguf, f16, "F16")
        try:
            quantize_with_llama(f16, out, quant)
        finally:
            f16.unlink(missing_ok=True)
        return out
    import gguf

    reader = gguf.GGUFReader(str(base_gguf))
    state = {k: v.detach().float().numpy() for k, v in merged.model.state_dict().items()}
    qtype = gguf.GGMLQuantizationType.Q8_0 if quant == "Q8_0" else gguf.GGMLQuantizationType.F16
    file_type = gguf.LlamaFileType.MOSTLY_Q8_0 if quant == "Q8_0" else gguf.LlamaFileType.MOSTLY_F16
    try:
        with atomic_path(out) as partial:
            writer = gguf.GGUFWriter(str(partial), merged.architecture)
            _copy_metadata(
                reader,
                writer,
                {
                    "general.file_type": (int(file_type), gguf.GGUFValueType.UINT32),
                    "general.quantization_version": (gguf.GGML_QUANT_VERSION, gguf.GGUFValueType.UINT32),
                },
            )
            for tensor in reader.tensors:
                hf = merged.gguf_names.get(tensor.name)
                if hf is None or hf not in state:
                    raise ExportError(
                        f"the base file's tensor {tensor.name} has no counterpart in the transformers model; this "
                        "architecture's export is not supported."
                    )
                data = _to_gguf(merged, tensor.name, state[hf])
                array, raw = _encoded(data, qtype)
                writer.add_tensor(tensor.name, array, raw_dtype=raw)
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
            writer.close()
    except OSError as exc:
        raise _disk_error(exc, out) from None
    return out


def _encoded(data: np.ndarray, qtype: Any) -> tuple[np.ndarray, Any]:
    """(array, raw type) for one tensor: 1-D tensors (norms, biases) stay F32, as llama.cpp's converter keeps them;
    a Q8_0 tensor whose rows are not whole blocks of 32 is written F16."""
    import gguf

    if data.ndim <= 1:
        return data.astype(np.float32), None
    if qtype == gguf.GGMLQuantizationType.Q8_0 and data.shape[-1] % 32 == 0:
        return gguf.quants.quantize(data.astype(np.float32), qtype), qtype
    return data.astype(np.float16), None


def quantize_with_llama(source: Path, out: Path, quant: str) -> Path:
    """A K-quant of `source` (an F16 GGUF) by llama.cpp's `llama_model_quantize` (through llama-cpp-python)."""
    import llama_cpp

    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quant}", None)
    if ftype is None or not hasattr(llama_cpp, "llama_model_quantize"):
        raise ExportError(f"this llama-cpp-python does not expose llama.cpp's quantiser for {quant}; use Q8_0.")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = max(1, min(os.cpu_count() or 1, 4))
    with atomic_path(out) as partial:
        code = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params))
        if code != 0 or not partial.is_file():
            raise ExportError(
                f"llama.cpp could not quantise {source} to {quant} (status {code}); check free disk space, or "
                "export F16/Q8_0."
            )
    return out


def write_adapter(merged: Merged, base_gguf: Path, out: Path) -> Path:
    """The unmerged LoRA adapter as a llama.cpp LoRA GGUF (F32 tensors) at `out`."""
    import gguf

    hf_to_gguf = {hf.removesuffix(".weight"): name for name, hf in merged.gguf_names.items()}
    layers = merged.peft_model["layers"]
    alphas = {alpha for _, _, alpha, _ in layers.values()}
    if len(alphas) != 1:
        raise ExportError("the adapter's layers have different alphas; a llama.cpp LoRA file holds one.")
    try:
        with atomic_path(out) as partial:
            writer = gguf.GGUFWriter(str(partial), merged.architecture)
            writer.add_string("general.type", "adapter")
            writer.add_string("adapter.type", "lora")
            writer.add_float32("adapter.lora.alpha", float(alphas.pop()))
            for module, (a, b, _alpha, _r) in sorted(layers.items()):
                name = hf_to_gguf.get(module)
                if name is None:
                    raise ExportError(f"the adapter's layer {module} has no GGUF tensor in the base file.")
                writer.add_tensor(f"{name}.lora_a", a.astype(np.float32))
                writer.add_tensor(f"{name}.lora_b", _to_gguf(merged, name, b, rows_only=True).astype(np.float32))
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
            writer.close()
    except OSError as exc:
        raise _disk_error(exc, out) from None
    return out
