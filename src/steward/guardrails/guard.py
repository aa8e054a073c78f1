"""`Guard`: the guardrails capability as the gateway sees it.

Built once per process from the project (`Guard.from_project`): every policy's stages are compiled, which
builds each scanner once (scanners with equal options are shared between policies) and so loads spaCy, the
classifiers and the embedding model before the first request rather than during it. `scan` runs one stage of
the app's policy and returns a `Decision`; `restore` puts pseudonymised values back into an answer;
`output_stream` holds streamed text until the scanners have passed it. An app without a policy is allowed
through with an empty decision, so the record still says that no policy applied.

A per-installation secret (`STEWARD_GUARD_KEY`, else `<home>/guardrails.key`, created 0600) keys the PII
hashes and the per-app canary tokens, so neither can be predicted from outside.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from steward.config import Project, Settings, check_installed_scanners
from steward.config.guardrails import PiiRule, PluginRule, PolicySpec, Rule, SecretsRule, StagePolicy
from steward.errors import ConfigError
from steward.guardrails import normalise
from steward.guardrails.base import Pseudonyms, ScanContext, Scanner, build_scanner
from steward.guardrails.engine import SPAN_SCANNERS, WHOLE_TEXT_SCANNERS, CompiledStage, evaluate
from steward.guardrails.output_rules import SchemaEnforcer, canary_for, canary_line
from steward.guardrails.redact import Vault
from steward.guardrails.redact import restore as restore_values
from steward.types import Decision, Stage

STAGES: tuple[Stage, ...] = ("input", "retrieved", "output")


def _installation_key(home: Path, configured: str | None) -> bytes:
    """$STEWARD_GUARD_KEY (read into `Settings.secrets`), else the key file of this installation, made once."""
    if configured:
        return configured.encode()
    path = home / "guardrails.key"
    if not path.exists():
        home.mkdir(mode=0o700, parents=True, exist_ok=True)  # as Settings.create_home: it holds keys
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _storage_rules(policy: PolicySpec) -> StagePolicy:
    """What a record under `redact_records` must not keep: every PII entity type any stage of the policy screens
    (an output rule that lets a traveller's name through to the answer does not make the name fit to store),
    and secrets when any stage screens them. Spans are replaced as the input stage replaces them, so a value
    gets the placeholder it has in the conversation."""
    pii_rules = [r for r in (policy.stage(s).pii for s in STAGES) if r is not None and r.enabled]
    secrets = next((r for r in (policy.stage(s).secrets for s in STAGES) if r is not None and r.enabled), None)
    if not pii_rules:
        return StagePolicy(secrets=secrets)
    wanted: list[str] | None = []
    for rule in pii_rules:
        if rule.entities is None:
            wanted = None  # a stage screens every entity type the scanner knows
            break
        wanted = sorted({*(wanted or []), *rule.entities, *rule.block_entities})
    base = pii_rules[0]
    pii = base.model_copy(update={"entities": wanted, "block_entities": [], "action": "redact"})
    return StagePolicy(pii=pii, secrets=secrets)


def _covers(own: StagePolicy, wanted: StagePolicy) -> bool:
    """Whether a stage's span rules find every span the storage rules find."""
    if wanted.secrets is not None and (own.secrets is None or not own.secrets.enabled):
        return False
    if wanted.pii is None:
        return True
    if own.pii is None or not own.pii.enabled:
        return False
    if own.pii.entities is None:
        return True
    own_entities = {*own.pii.entities, *own.pii.block_entities}
    return wanted.pii.entities is not None and set(wanted.pii.entities) <= own_entities


class Guard:
    """Scans texts of an app's requests by its policy; loads every model once."""

    def __init__(self, project: Project, key: bytes) -> None:
        check_installed_scanners(project)  # file:line for a missing plugin, before any model loads
        self.project = project
        self.key = key
        self._scanners: dict[str, Scanner] = {}
        self.pseudonyms = Pseudonyms()
        self._stages: dict[tuple[str, Stage], CompiledStage] = {}
        self._storage: dict[str, tuple[StagePolicy, CompiledStage]] = {}  # policies with `redact_records`
        normalise.warm()  # the tables the scanners' text goes through, built before the first request
        for name, policy in project.policies.items():
            for stage in STAGES:
                self._stages[(name, stage)] = CompiledStage.build(
                    name, policy.version, stage, policy.stage(stage), self._scanner
                )
            if policy.redact_records:
                rules = _storage_rules(policy)
                storage = CompiledStage.build(name, policy.version, "input", rules, self._scanner)
                self._storage[name] = (rules, storage)

    @classmethod
    def from_project(cls, project: Project, settings: Settings) -> Guard:
        return cls(project, _installation_key(settings.home, settings.secrets.guard_key))

    def _scanner(self, name: str, rule: Rule) -> Scanner:
        options = rule.options if isinstance(rule, PluginRule) else rule.model_dump(mode="json")
        key = f"{name}:{json.dumps(options, sort_keys=True)}"
        if key not in self._scanners:
            try:
                self._scanners[key] = build_scanner(name, options)
            except TypeError as exc:
                raise ConfigError(f"scanner {name!r} rejected its options ({exc}); check the policy.") from None
        return self._scanners[key]

    # ---- what the gateway calls ----------------------------------------------------------------------

    def policy_for(self, app: str) -> PolicySpec | None:
        spec = self.project.apps.get(app)  # unknown: a request refused before any stage, still to be recorded
        name = spec.policy if spec is not None else None
        return self.project.policies[name] if name else None

    def redact_records(self, app: str) -> bool:
        policy = self.policy_for(app)
        return bool(policy and policy.redact_records)

    def scan(
        self, app: str, stage: Stage, text: str, *, conversation: Decision | None = None, role: str = "user"
    ) -> Decision:
        """Decide one stage. `conversation`: an earlier decision whose pseudonyms this text should reuse.

        `role`: on the input stage, who wrote the turn. A user turn gets every rule; a system or assistant turn
        the client sent (it reaches the model too) gets the span rules (PII, secrets) whose `roles` name it, and
        no classifier: an injection detector would read a system prompt's own instructions as an attack.
        """
        vault = Vault.from_values(self.pseudonyms.of(conversation))
        include = self._screening(app, role) if stage == "input" else None
        return self._scan(app, stage, text, vault=vault, include=include)

    def _screening(self, app: str, role: str) -> Any:
        """Which input rules run on a turn written by `role` (a predicate over scanner names)."""
        policy = self.policy_for(app)
        if policy is None:
            return None
        rules = policy.input.rules()

        def include(name: str) -> bool:
            rule = rules.get(name)
            if isinstance(rule, PiiRule | SecretsRule):
                return rule.screens(role)
            return role == "user"

        return include

    def _scan(
        self,
        app: str,
        stage: Stage,
        text: str,
        *,
        vault: Vault,
        include: Any = None,
        compliance: bool = True,
        cumulative: str | None = None,
        keep_redacted: bool | None = None,
        storage: bool = False,
    ) -> Decision:
        spec = self.project.app(app)
        if not spec.policy:
            return Decision(stage=stage, action="allow")
        compiled = self._stages[(spec.policy, stage)]
        if storage and spec.policy in self._storage:
            compiled = self._storage[spec.policy][1]
        context = ScanContext(
            stage=stage,
            app=app,
            purpose=spec.purpose,
            system_prompt=spec.prompt.system,
            canary=self.canary(app),
            response_schema=spec.response_schema,
            extra={"cumulative": cumulative} if cumulative is not None else {},
        )
        policy = self.project.policies[spec.policy]
        decision = evaluate(
            compiled,
            text,
            context,
            vault=vault,
            hash_key=self.key,
            include=include or (lambda name: True),
            compliance=compliance,
            keep_redacted=policy.redact_records if keep_redacted is None else keep_redacted,
        )
        self.pseudonyms.remember(decision, vault.values)
        return decision

    def stored_text(self, app: str, stage: Stage, text: str, conversation: Decision | None = None) -> str:
        """A text as a record under `redact_records` may keep it (an earlier assistant turn, an input that failed
        before its scan, an answer cut short by a hold or scanned by a narrower rule, a retrieved chunk): the
        policy's storage rules (`_storage_rules`: every PII entity type and secrets any stage screens) run on
        it and every counted span is replaced, with the conversation's pseudonyms."""
        vault = Vault.from_values(self.pseudonyms.of(conversation))
        decision = self._scan(
            app,
            stage,
            text,
            vault=vault,
            include=SPAN_SCANNERS.__contains__,
            compliance=False,
            keep_redacted=True,
            storage=True,
        )
        return text if decision.stored_text is None else decision.stored_text

    def stores_as_screened(self, app: str, stage: Stage) -> bool:
        """Whether a stage's own scan finds all that a record must not keep (its `stored_text` may be kept as
        is); when not (the demo's output rule lets names through), the record rescans it (`stored_text`)."""
        spec = self.project.apps.get(app)
        if spec is None or spec.policy not in self._storage:
            return True
        wanted = self._storage[spec.policy][0]
        return _covers(self.project.policies[spec.policy].stage(stage), wanted)

    def unrestore(self, text: str, input_decision: Decision | None) -> str:
        """The inverse of `restore`: the conversation's real values back to their placeholders (for records of
        text that was made after restoring, such as the grounding check's sentences)."""
        values = self.pseudonyms.of(input_decision)
        for placeholder, value in sorted(values.items(), key=lambda item: -len(item[1])):
            text = text.replace(value, placeholder)
        return text

    def restore(self, app: str, text: str, input_decision: Decision) -> str:
        """Put real values back where the input was pseudonymised and the policy allows it."""
        policy = self.policy_for(app)
        rule = policy.input.pii if policy else None
        if rule is None or not rule.restore or rule.mode != "pseudonymise":
            return text
        return restore_values(text, self.pseudonyms.of(input_decision))

    def output_stream(self, app: str, input_decision: Decision | None = None) -> Any:
        from steward.guardrails.stream import OutputStreamGuard

        return OutputStreamGuard(self, app, input_decision)

    # ---- helpers for the gateway: canary and structured output ----------------------------------------

    def canary(self, app: str) -> str | None:
        """The app's canary token when its output policy checks for leakage."""
        policy = self.policy_for(app)
        if policy is None or policy.output.leakage is None or not policy.output.leakage.enabled:
            return None
        return canary_for(self.key, app)

    def system_prompt(self, app: str, system: str) -> str:
        """The system prompt with the canary line appended (unchanged when leakage is not checked)."""
        canary = self.canary(app)
        return f"{system.rstrip()}\n{canary_line(canary)}" if canary else system

    def response_schema(self, app: str) -> dict[str, Any] | None:
        return self.project.app(app).response_schema

    def schema_enforcer(self, app: str, requested: dict[str, Any] | None = None) -> SchemaEnforcer | None:
        """What holds the answer to a schema: the app's `response_schema`, else the client's `response_format`
        schema (`requested`); None when neither asks for structured output."""
        schema, source = self.response_schema(app), "the app's response_schema"
        if schema is None:
            schema, source = requested, "the request's response_format schema"
        if schema is None:
            return None
        policy = self.policy_for(app)
        rule = policy.output.schema_ if policy else None
        return SchemaEnforcer(schema, reask_enabled=rule.reask if rule else True, source=source)

    def needs_whole_answer(self, app: str) -> bool:
        """Whether streamed answers must be held whole (the policy says so, or a rule needs the whole text)."""
        policy = self.policy_for(app)
        if policy is None:
            return False
        output = policy.output
        if policy.stream == "whole" or any(name in WHOLE_TEXT_SCANNERS for name in output.rules()):
            return True
        return any(rule.otherwise in ("block", "escalate") for rule in output.compliance)
