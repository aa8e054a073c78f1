"""Round 12's candidate (docs/cards/injection.md; tried, not shipped): all-MiniLM-L6-v2 fine-tuned with a LoRA
adapter and a linear head as an injection classifier.

Only the adapter (rank 8 on the attention query/value projections of the top three layers) and the head would
ship, as `injection_lora.safetensors` (150 kB) with `injection_lora.json`; the base weights come from the
embedding package (`steward.models.embeddings`, sha256-checked). At load the adapter is merged into a private
copy of the base encoder, so a forward pass costs what the plain encoder costs. The text is cut to its first
`head_tokens` and last `tail_tokens` word pieces: an injection hides as often at the end of a pasted text as at
its start.
`scripts/train_injection_lora.py` builds the same network for training, `scripts/eval_injection_lora.py` scores it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from steward.errors import ArtefactError

WEIGHTS = Path(__file__).resolve().parents[1] / "src" / "steward" / "guardrails" / "weights"
NAME = "injection_lora"
MAX_CHARS = 4000  # only the first and last 2,000 characters can reach the window; cap the tokenizer's work


def base_encoder() -> tuple[Any, Any]:
    """(BertModel without pooler, tokenizer) from the pinned embedding package, loaded from its tensors."""
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertConfig, BertModel

    from steward.models.embeddings import WEIGHTS_FILE, _verified, model_path

    path = model_path()
    _verified(path)
    model = BertModel(BertConfig.from_pretrained(str(path)), add_pooling_layer=False)
    state = {k: v for k, v in load_file(str(path / WEIGHTS_FILE)).items() if not k.startswith("pooler.")}
    model.load_state_dict(state, strict=False)
    model.eval()
    return model, AutoTokenizer.from_pretrained(str(path))


def window(tokenizer: Any, text: str, head: int, tail: int) -> list[int]:
    """Word-piece ids with [CLS]/[SEP]: the first `head` and last `tail` pieces of a longer text."""
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS // 2] + " " + text[-MAX_CHARS // 2 :]
    ids = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    if len(ids) > head + tail:
        ids = ids[:head] + ids[-tail:]
    return [tokenizer.cls_token_id, *ids, tokenizer.sep_token_id]


def batch(tokenizer: Any, texts: list[str], head: int, tail: int) -> tuple[Any, Any]:
    import torch

    rows = [window(tokenizer, t, head, tail) for t in texts]
    width = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def pooled_logit(encoder: Any, head: Any, ids: Any, mask: Any) -> Any:
    """The head over the mean of the token states (padding excluded): one log-odds per row."""
    states = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).to(states.dtype)
    return head((states * m).sum(1) / m.sum(1).clamp(min=1.0)).squeeze(-1)


class LoraInjectionModel:
    """The shipped adapter merged into the base encoder; `logit(text)` is the transformer's log-odds."""

    def __init__(self, weights: Path = WEIGHTS) -> None:
        try:
            import torch
            from safetensors.torch import load_file
        except ModuleNotFoundError as exc:  # pragma: no cover - torch is a core dependency
            raise ArtefactError(
                f"the injection transformer needs torch ({exc}); install steward's extras"
            ) from exc
        meta_path, tensor_path = weights / f"{NAME}.json", weights / f"{NAME}.safetensors"
        if not meta_path.is_file() or not tensor_path.is_file():
            raise ArtefactError(
                f"{tensor_path} or its JSON is missing; rebuild it with `python scripts/train_injection_lora.py`."
            )
        self.meta = json.loads(meta_path.read_text())
        self.encoder, self.tokenizer = base_encoder()
        tensors = load_file(str(tensor_path))
        scale = float(self.meta["lora"]["alpha"]) / float(self.meta["lora"]["r"])
        modules = dict(self.encoder.named_modules())
        with torch.no_grad():
            for key in [k for k in tensors if k.endswith(".lora_A")]:
                name = key.removesuffix(".lora_A")
                linear = modules[name]
                linear.weight += scale * (tensors[name + ".lora_B"] @ tensors[key])
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        self.head.load_state_dict({"weight": tensors["head.weight"], "bias": tensors["head.bias"]})
        self.window = (int(self.meta["head_tokens"]), int(self.meta["tail_tokens"]))
        self._lock = threading.Lock()

    def logits(self, texts: list[str]) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            ids, mask = batch(self.tokenizer, texts, *self.window)
            return pooled_logit(self.encoder, self.head, ids, mask).double().numpy()

    def logit(self, text: str) -> float:
        return float(self.logits([text])[0])
