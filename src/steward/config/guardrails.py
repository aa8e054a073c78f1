"""Schema of guardrail policies (`policies:` in steward.yaml).

A policy is named, reusable (any number of apps name it with `policy:`) and versioned like a prompt: its
version is the hash of its content, so a record always says exactly which rules judged it. A policy lists, per
stage (`input`, `retrieved`, `output`), which scanners run, the score threshold at which a finding counts and
the action it triggers. Built-in scanners have typed rules (so a misspelt option fails with `file:line`);
third-party scanners registered through the `register_scanners` hook are configured under `plugins:` with an
`options:` mapping handed to their factory.

    policies:
      airport-default:
        description: Booking assistant policy
        redact_records: true
        reviewers: 2                       # a held request needs two distinct reviewers' approval
        input:
          pii: {mode: pseudonymise, block_entities: [CREDIT_CARD]}
          injection: {threshold: 0.5, action: block}
          toxicity: {action: block}        # threshold: the one chosen on validation
        output:
          pii: {mode: mask}
          compliance:
            - name: risk-disclosure
              when: ["\\b(buy|sell|invest)\\b"]
              require: ["capital (is )?at risk"]
              otherwise: append
              append: "Capital at risk. This is not financial advice."
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from steward.config.checks import regex

RuleAction = Literal["allow", "warn", "redact", "escalate", "block"]
PiiMode = Literal["mask", "hash", "pseudonymise"]
TurnRole = Literal["system", "user", "assistant", "tool"]
Otherwise = Literal["append", "block", "escalate", "warn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    """A scanner switched on for a stage: findings scoring at least `threshold` trigger `action`."""

    enabled: bool = True
    threshold: float = Field(0.5, ge=0.0, le=1.0)
    action: RuleAction = "block"


class PiiRule(Rule):
    """Personal data: redact by `mode`, block outright on `block_entities`, restore pseudonyms in answers."""

    action: RuleAction = "redact"
    threshold: float = Field(0.4, ge=0.0, le=1.0)
    mode: PiiMode = "pseudonymise"
    entities: list[str] | None = None  # None: every entity type the scanner knows
    block_entities: list[str] = Field(default_factory=list)
    restore: bool = True  # put the real values back into the answer the user receives
    language: str = "en"
    # input stage: the roles of the turns screened (None: every turn that reaches the model, whoever wrote it)
    roles: list[TurnRole] | None = Field(None, min_length=1)

    def screens(self, role: str) -> bool:
        return self.roles is None or role in self.roles

    @field_validator("entities", "block_entities")
    @classmethod
    def _upper(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [v.upper() for v in value]


class ClassifierRule(Rule):
    """A scanner whose classifier is the shipped one (`builtin`) or a local transformers checkpoint (`hub`)."""

    backend: Literal["builtin", "hub"] = "builtin"
    model_path: str | None = None  # a folder saved with save_pretrained(), for backend: hub

    @model_validator(mode="after")
    def _hub_needs_path(self) -> ClassifierRule:
        if self.backend == "hub" and not self.model_path:
            raise ValueError("backend: hub needs `model_path:` (a local folder with a transformers checkpoint)")
        return self


class InjectionRule(ClassifierRule):
    """Prompt injection and jailbreaks: heuristics plus the shipped classifier, or a hub model (DeBERTa, Prompt
    Guard) in front of which the heuristics still run."""

    injection_label: str | None = None  # the label name of the attack class in that checkpoint


# The shipped toxicity head's threshold, chosen on a validation split by scripts/train_toxicity_head.py. Read
# from the weights' JSON directly (config must not import the guardrails package) so retraining moves the
# policy default with the model.
TOXICITY_HEAD_JSON = Path(__file__).resolve().parents[1] / "guardrails" / "weights" / "toxicity_head.json"


@lru_cache(maxsize=1)
def toxicity_threshold() -> float:
    """The default threshold of the `toxicity` rule (0.5 if the weights' JSON is missing: the scanner then
    refuses to load with a message that says how to restore them)."""
    try:
        return float(json.loads(TOXICITY_HEAD_JSON.read_text())["threshold"])
    except (OSError, ValueError, KeyError):
        return 0.5


NGRAM_TOXICITY_THRESHOLD = 0.7  # the n-gram model's policy default before the embedding head shipped


class ToxicityRule(ClassifierRule):
    """Toxicity, hate and harassment: the shipped embedding head (`builtin`), the older n-gram model (`ngram`:
    under a millisecond, but it misses hate without rude words), or a hub model (toxic-bert, a hate RoBERTa)."""

    backend: Literal["builtin", "ngram", "hub"] = "builtin"  # type: ignore[assignment]
    threshold: float = Field(default_factory=toxicity_threshold, ge=0.0, le=1.0)
    toxic_labels: list[str] | None = None  # the checkpoint's labels that count as toxic (guessed by name if unset)
    # MiniLM's matrix products for the builtin head: bfloat16 where the CPU has AMX tiles (`auto`, ~2.5x faster,
    # scores within ~0.003), or `float32` everywhere (the same scores on every CPU)
    precision: Literal["auto", "float32", "bfloat16"] = "auto"

    @model_validator(mode="after")
    def _ngram_threshold(self) -> ToxicityRule:
        # The head's validated threshold means nothing for the n-gram model's scores: keep its own default.
        if self.backend == "ngram" and "threshold" not in self.model_fields_set:
            self.threshold = NGRAM_TOXICITY_THRESHOLD
        return self


class TopicRule(Rule):
    """Allowed and denied topics by description (cosine similarity of all-MiniLM-L6-v2 embeddings).

    A text is off topic when its similarity to every allowed description is below `min_similarity`, and on a
    denied topic when its similarity to a denied description reaches `threshold`.
    """

    allowed: list[str] = Field(default_factory=list)
    denied: list[str] = Field(default_factory=list)
    include_purpose: bool = False  # the app's `purpose:` counts as an allowed topic too
    threshold: float = Field(0.35, ge=0.0, le=1.0)
    min_similarity: float = Field(0.15, ge=-1.0, le=1.0)
    min_chars: int = Field(24, ge=0)  # greetings and one-word follow-ups are never off topic

    @model_validator(mode="after")
    def _has_topics(self) -> TopicRule:
        if not self.allowed and not self.denied and not self.include_purpose:
            raise ValueError("a topic rule needs `allowed:` or `denied:` descriptions, or `include_purpose: true`")
        return self


class ToneRule(Rule):
    """Professional tone of answers (shouting, insults, slang, profanity)."""

    action: RuleAction = "warn"


class SecretsRule(Rule):
    """API keys, tokens and private keys."""

    roles: list[TurnRole] | None = Field(None, min_length=1)  # as `PiiRule.roles`

    def screens(self, role: str) -> bool:
        return self.roles is None or role in self.roles


class LeakageRule(Rule):
    """System-prompt leakage: the canary token (score 1), or the share of the system prompt's word 8-grams
    repeated in the answer (scored against `threshold`)."""


class SchemaRule(Rule):
    """Answers must be JSON valid against the app's `response_schema`."""

    reask: bool = True  # remote models get one re-ask with the validation error


class ComplianceRule(_Strict):
    """When an answer matches `when` (regexes, any), it must match `require` (regexes, any), else `otherwise`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    when: list[str] = Field(min_length=1)
    require: list[str] = Field(default_factory=list)
    otherwise: Otherwise = "append"
    append: str | None = None

    @field_validator("when", "require")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return [regex(pattern) for pattern in patterns]

    @model_validator(mode="after")
    def _append_needs_text(self) -> ComplianceRule:
        if self.otherwise == "append" and not self.append:
            raise ValueError("otherwise: append needs `append:` (the text added to the answer)")
        return self


class PluginRule(Rule):
    """A third-party scanner registered through `register_scanners`; `options` go to its factory."""

    options: dict[str, Any] = Field(default_factory=dict)


class StagePolicy(_Strict):
    """The scanners of one stage. Absent means not scanned."""

    pii: PiiRule | None = None
    secrets: SecretsRule | None = None
    injection: InjectionRule | None = None
    toxicity: ToxicityRule | None = None
    topic: TopicRule | None = None
    tone: ToneRule | None = None
    leakage: LeakageRule | None = None
    schema_: SchemaRule | None = Field(None, alias="schema")
    compliance: list[ComplianceRule] = Field(default_factory=list)
    plugins: dict[str, PluginRule] = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def rules(self) -> dict[str, Rule]:
        """The enabled built-in and plugin rules by scanner name (compliance rules are separate)."""
        named: dict[str, Rule | None] = {
            "pii": self.pii,
            "secrets": self.secrets,
            "injection": self.injection,
            "toxicity": self.toxicity,
            "topic": self.topic,
            "tone": self.tone,
            "leakage": self.leakage,
            "schema": self.schema_,
        }
        found = {name: rule for name, rule in named.items() if rule is not None and rule.enabled}
        found.update({name: rule for name, rule in self.plugins.items() if rule.enabled})
        return found


def _without_unset_roles(dumped: dict[str, Any]) -> dict[str, Any]:
    if dumped.get("reviewers") == 1:  # one reviewer, the default, is how policies written before it behave
        dumped.pop("reviewers")
    for stage in POLICY_STAGES:
        for name in ("pii", "secrets"):
            rule = (dumped.get(stage) or {}).get(name)
            if isinstance(rule, dict) and rule.get("roles") is None:
                rule.pop("roles", None)
    return dumped


OUTPUT_ONLY = ("tone", "leakage", "schema_", "compliance")
POLICY_STAGES = ("input", "retrieved", "output")


class PolicySpec(_Strict):
    """A named, versioned guardrail policy: per-stage scanners, thresholds and actions."""

    description: str = ""
    redact_records: bool = False  # keep only redacted text in records (privacy of logs)
    stream: Literal["sentences", "whole"] = "sentences"  # how streamed answers are held before release
    # people who must approve a request this policy held before it is released: 2 is the two-person rule (two
    # distinct reviewers; one rejection refuses it)
    reviewers: int = Field(1, ge=1, le=2)
    input: StagePolicy = Field(default_factory=lambda: StagePolicy.model_validate({}))
    retrieved: StagePolicy = Field(default_factory=lambda: StagePolicy.model_validate({}))
    output: StagePolicy = Field(default_factory=lambda: StagePolicy.model_validate({}))

    @field_validator("input", "retrieved")
    @classmethod
    def _output_only_rules(cls, stage_policy: StagePolicy) -> StagePolicy:
        for name in OUTPUT_ONLY:
            if getattr(stage_policy, name):
                label = name.rstrip("_")
                raise ValueError(f"`{label}` applies to answers only; move it under `output:`")
        return stage_policy

    @field_validator("retrieved", "output")
    @classmethod
    def _roles_on_input_only(cls, stage_policy: StagePolicy) -> StagePolicy:
        for rule in (stage_policy.pii, stage_policy.secrets):
            if rule is not None and rule.roles is not None:
                raise ValueError("`roles` names which turns of a request are screened; set it under `input:`")
        return stage_policy

    @property
    def version(self) -> str:
        """Content hash, like a prompt's: any change to the rules is a new version."""
        # `roles` left unset and one reviewer are not dumped, so policies written before them keep their versions
        canonical = json.dumps(_without_unset_roles(self.model_dump(mode="json", by_alias=True)), sort_keys=True)
        return f"sha256:{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"

    def stage(self, stage: str) -> StagePolicy:
        chosen: StagePolicy = getattr(self, stage)
        return chosen

    def plugin_rules(self) -> list[tuple[str, str]]:
        """`(stage, scanner name)` of every enabled `plugins:` entry: the scanners some plugin must provide."""
        return [
            (stage, name)
            for stage in POLICY_STAGES
            for name, rule in self.stage(stage).plugins.items()
            if rule.enabled
        ]
