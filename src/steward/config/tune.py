"""The `tune:` section of steward.yaml: the hyper-parameters of `steward tune run` (flags override each one).

```yaml
tune:
  learning_rate: 0.0002
  rank: 8                 # LoRA rank
  alpha: 16               # LoRA scaling (alpha / rank)
  dropout: 0.05
  target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
  batch_size: 4
  grad_accumulation: 1
  seq_len: 512            # tokens per example, the chat template included
  epochs: 1
  max_steps: null         # optimizer steps; null: the epochs decide
  warmup_steps: 0
  seed: 0
  checkpoint_every: 50    # optimizer steps between checkpoints
  forgetting_margin: 0.05 # continuing a model: allowed validation-loss rise on the previous run's rows (relative)
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class Hyper(BaseModel):
    """What decides the weights a run produces: a resume must use exactly these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    learning_rate: float = Field(2e-4, gt=0, le=1)
    rank: int = Field(8, ge=1, le=256)
    alpha: float = Field(16.0, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = Field(ALL_LINEAR, min_length=1)
    batch_size: int = Field(4, ge=1, le=1024)
    grad_accumulation: int = Field(1, ge=1, le=1024)
    seq_len: int = Field(512, ge=8, le=1_048_576)
    epochs: int = Field(1, ge=1, le=1000)
    max_steps: int | None = Field(None, ge=1)
    warmup_steps: int = Field(0, ge=0)
    weight_decay: float = Field(0.0, ge=0, lt=1)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    checkpoint_every: int = Field(50, ge=1)

    @field_validator("target_modules", mode="before")
    @classmethod
    def _modules(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _names(self) -> Hyper:
        for name in self.target_modules:
            if not name.replace("_", "").replace(".", "").isalnum():
                raise ValueError(f"target module {name!r} is not a module name (e.g. q_proj)")
        return self


class TuneSpec(Hyper):
    """`tune:` in steward.yaml: the run's hyper-parameters and the forgetting check's margin."""

    forgetting_margin: float = Field(0.05, ge=0, le=10)

    def hyper(self) -> Hyper:
        return Hyper(**self.model_dump(exclude={"forgetting_margin"}))
