"""The `steward.yaml` schema: models, apps and the sections each capability declares.

Every model rejects unknown keys (`extra="forbid"`). Cross-references (an app's route naming a model, a
policy or a collection) are checked after parsing in `Project.check_references`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from steward.config.console import ConsoleSpec
from steward.config.guardrails import PolicySpec
from steward.config.monitor import VERDICT_RATE, MonitorSpec
from steward.config.rag import CollectionSpec
from steward.config.tools import TOOL_NAME, AgentPolicy, ToolSpec
from steward.config.tune import TuneSpec
from steward.errors import ConfigError
from steward.types import RiskTier

ENV_PREFIX = "$env:"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class SecretRef(str):
    """A `$env:NAME` reference; `.resolve()` reads the variable when the secret is needed."""

    def resolve(self) -> str:
        name = self[len(ENV_PREFIX) :]
        value = os.environ.get(name)
        if value is None:
            raise ConfigError(f"secret {self} is not set; export {name}=... before starting Steward.")
        return value


def _secret(value: str | None) -> SecretRef | None:
    if value is None:
        return None
    if not value.startswith(ENV_PREFIX) or len(value) <= len(ENV_PREFIX):
        raise ValueError("secrets are referenced, never stored: write `$env:NAME` and export NAME")
    return SecretRef(value)


class Price(Strict):
    """Price per 1,000 tokens, in the currency the project reports in."""

    input: float = Field(0.0, ge=0)
    output: float = Field(0.0, ge=0)


class ModelSpec(Strict):
    """One model version: a local GGUF (llama.cpp), an OpenAI-compatible server, or a scripted test model."""

    backend: Literal["llama_cpp", "openai", "scripted"]
    path: str | None = None
    artefact: str | None = None  # a built-in artefact name that `steward models fetch` assembles
    base_url: str | None = None
    remote_model: str | None = None
    api_key: str | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    licence: str | None = None
    source: str | None = None
    context_length: int = Field(4096, ge=128, le=1_048_576)
    price_per_1k: Price = Field(default_factory=Price)
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(2, ge=0, le=10)
    n_threads: int | None = Field(None, ge=1)
    base_model: str | None = None  # lineage: the model this one was fine-tuned from
    adapter: str | None = None  # a LoRA adapter applied on top of the base
    replies: list[str] = Field(default_factory=list)  # scripted backend only

    _secret: SecretRef | None = PrivateAttr(None)

    @field_validator("api_key")
    @classmethod
    def _api_key_is_reference(cls, value: str | None) -> str | None:
        return _secret(value)

    @model_validator(mode="after")
    def _backend_needs(self) -> ModelSpec:
        if self.backend == "llama_cpp" and not (self.path or self.artefact):
            raise ValueError("a llama_cpp model needs `path:` (a .gguf file) or `artefact:` (a built-in name)")
        if self.backend == "openai" and not self.base_url:
            raise ValueError("an openai backend needs `base_url:` (e.g. http://localhost:11434/v1)")
        if self.base_url and (problem := _url_problem(self.base_url)):
            raise ValueError(f"`base_url` {problem}")  # not echoed: it may hold credentials
        return self

    def api_key_value(self) -> str | None:
        return SecretRef(self.api_key).resolve() if self.api_key else None


def _url_problem(url: str) -> str | None:
    """What is wrong with an upstream's base URL, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.username or parts.password:
        return "must not hold credentials; put the key in `api_key: $env:NAME`"
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    return None


class RouteEntry(Strict):
    """A model version in an app's route and its share of traffic."""

    model: str
    weight: float = Field(1.0, gt=0)


@lru_cache(maxsize=1024)
def _prompt_version(system: str, template: str) -> str:
    """The content hash naming a prompt version (cached: every request asks for it)."""
    digest = hashlib.sha256(f"{system}\x00{template}".encode()).hexdigest()
    return f"sha256:{digest[:16]}"


class PromptSpec(Strict):
    """The system prompt; its version is the hash of its content."""

    system: str = ""
    template: str = Field("{input}", description="how the user's last message is framed; `{input}` is it")

    @property
    def version(self) -> str:
        return _prompt_version(self.system, self.template)

    @field_validator("template")
    @classmethod
    def _template_has_input(cls, value: str) -> str:
        if "{input}" not in value:
            raise ValueError("the template must contain `{input}` where the user's message goes")
        return value


class Params(Strict):
    """Generation parameters of an app (a request may lower max_tokens, not raise it)."""

    temperature: float = Field(0.2, ge=0, le=2)
    top_p: float = Field(0.95, gt=0, le=1)
    seed: int | None = 0
    max_tokens: int = Field(512, ge=1, le=32_768)


class Limits(Strict):
    """Per-app request limits, checked before any guardrail scan (each turn is scanned on its own)."""

    max_input_chars: int = Field(32_000, ge=1)  # all messages together
    max_turns: int = Field(128, ge=1)  # messages in one request


class ReasoningSpec(Strict):
    """The model's chain of thought, asked for, split from the answer, stored apart (`steward.explain.reasoning`):
    the client gets the answer only; operators and auditors read the reasoning, end users only if `end_users`."""

    ask: str | None = "Think step by step inside <think></think> first, then give the answer after </think>."
    open: str = Field("<think>", min_length=1)  # the marker the reasoning starts with
    close: str = Field("</think>", min_length=1)  # and ends with; what follows is the answer
    end_users: bool = False  # may explanations for end users quote it


class Retention(Strict):
    """How long an app's records are kept before they are deleted or anonymised (`steward privacy enforce`)."""

    days: int = Field(ge=1)
    action: Literal["delete", "anonymise"] = "delete"


class AppSpec(Strict):
    """A governed LLM use-case."""

    owner: str
    purpose: str
    risk_tier: RiskTier = "minimal"
    team: str = "default"
    route: Annotated[list[RouteEntry], Field(min_length=1)]
    fallback: list[str] = Field(default_factory=list)
    prompt: PromptSpec = Field(default_factory=PromptSpec)
    params: Params = Field(default_factory=Params)
    policy: str | None = None
    rag: str | None = None
    response_schema: dict[str, Any] | None = None
    limits: Limits = Field(default_factory=Limits)
    retention: Retention | None = None
    reasoning: ReasoningSpec | None = None  # capture the model's reasoning apart from the answer (off: not asked)
    notice: str | None = None  # the transparency notice shown to users (EU AI Act, limited and high tiers)
    variant_of: str | None = (
        None  # an evaluation variant of that app: its passing suite runs may gate its releases
    )
    tools: list[str] | None = None  # the registry's tools it may call; None: inherited (`Project.tools_of`)
    agent: AgentPolicy = Field(default_factory=AgentPolicy)  # how its tool calls and tool results are checked


class StoreSpec(Strict):
    """Where records live. `synchronous` (SQLite only) trades durability for latency: FULL (default) survives a
    power cut, one fsync per commit batch; NORMAL survives a crash of Steward but not of the machine."""

    url: str | None = None  # default: sqlite under the state dir; STEWARD_DATABASE_URL overrides
    synchronous: Literal["FULL", "NORMAL"] | None = None


class TelemetrySpec(Strict):
    otlp_endpoint: str | None = None
    service_name: str = "steward"


class ServerSpec(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)


class Project(Strict):
    """A whole steward.yaml."""

    version: Literal[1] = 1
    models: dict[str, ModelSpec]
    apps: dict[str, AppSpec]
    policies: dict[str, PolicySpec] = Field(default_factory=dict)
    collections: dict[str, CollectionSpec] = Field(default_factory=dict)
    store: StoreSpec = Field(default_factory=StoreSpec)
    telemetry: TelemetrySpec = Field(default_factory=TelemetrySpec)
    server: ServerSpec = Field(default_factory=ServerSpec)
    monitor: MonitorSpec = Field(default_factory=MonitorSpec)
    console: ConsoleSpec = Field(default_factory=ConsoleSpec)  # optional single sign-on (config.console)
    tune: TuneSpec = Field(default_factory=TuneSpec)  # `steward tune run` hyper-parameters (config.tune)
    tools: dict[Annotated[str, Field(pattern=TOOL_NAME)], ToolSpec] = Field(default_factory=dict)  # registry

    source: str = Field("steward.yaml", exclude=True)
    root: Path = Field(default_factory=Path.cwd, exclude=True)
    # key path -> line in `source`, filled by the loader, so checks made after parsing can name `file:line`
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    def where(self, path: tuple[str | int, ...]) -> str:
        """`source:line` of a key path (its nearest enclosing key the loader saw), or `source` if unknown."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self._lines:
                return f"{self.source}:{self._lines[path[:cut]]}"
        return self.source

    def check_references(self) -> None:
        problems = []
        for name, app in self.apps.items():
            for model in [r.model for r in app.route] + app.fallback:
                if model not in self.models:
                    problems.append(f"apps.{name}: model {model!r} is not declared under `models:`")
            if app.policy and app.policy not in self.policies:
                problems.append(f"apps.{name}.policy: {app.policy!r} is not declared under `policies:`")
            if app.variant_of and (app.variant_of not in self.apps or self.apps[app.variant_of].team != app.team):
                problems.append(f"apps.{name}.variant_of: {app.variant_of!r} is not an app of team {app.team!r}")
            if app.rag and app.rag not in self.collections:
                problems.append(f"apps.{name}.rag: {app.rag!r} is not declared under `collections:`")
        if problems:
            raise ConfigError(f"{self.source}: " + "; ".join(problems) + "; declare it or fix the name.")
        monitor = self._monitor_problems() + self._tool_problems()  # each names its own file:line
        if monitor:
            raise ConfigError("invalid steward.yaml:\n  " + "\n  ".join(monitor) + "\ndeclare it or fix the name.")

    def _tool_problems(self) -> list[str]:
        problems = []
        for name, app in self.apps.items():
            for i, tool in enumerate(app.tools or ()):
                where = self.where(("apps", name, "tools", i))
                spec = self.tools.get(tool)
                if spec is None:
                    problems.append(f"{where}: apps.{name}.tools: {tool!r} is not declared under `tools:`")
                elif not spec.admits(name, app.team):
                    problems.append(
                        f"{where}: apps.{name}.tools: tool {tool!r} does not admit app {name!r} of team "
                        f"{app.team!r} (its `apps:`/`teams:`)"
                    )
        for tool, spec in self.tools.items():
            for listed in spec.apps or ():
                if listed not in self.apps:
                    problems.append(
                        f"{self.where(('tools', tool, 'apps'))}: tools.{tool}.apps: {listed!r} is not an app"
                    )
            properties = spec.parameters.get("properties", {})
            for argument in spec.provenance + ([spec.approval.argument] if spec.approval.argument else []):
                if argument not in properties:
                    problems.append(
                        f"{self.where(('tools', tool))}: tools.{tool}: argument {argument!r} is not among its "
                        f"`parameters.properties` ({', '.join(properties) or 'none'})"
                    )
        return problems

    def tools_of(self, app: str) -> list[str]:
        """The tools app `app` may call: its own list, else its parent's (`variant_of`), else every tool
        naming it in its `apps:`."""
        spec = self.apps[app]
        if spec.tools is not None:
            return list(spec.tools)
        if spec.variant_of and spec.variant_of in self.apps and self.apps[spec.variant_of].tools is not None:
            return [t for t in self.tools_of(spec.variant_of) if self.tools[t].admits(app, spec.team)]
        return [t for t, tool in self.tools.items() if tool.apps is not None and tool.admits(app, spec.team)]

    def _monitor_problems(self) -> list[str]:
        problems = []
        drift = self.monitor.drift
        for app in drift.apps if drift is not None else ():
            if app != "*" and app not in self.apps:
                where = self.where(("monitor", "drift", "apps"))
                problems.append(f"{where}: monitor.drift.apps: {app!r} is not an app")
        review = self.monitor.review
        for app in review.apps if review is not None else ():
            if app != "*" and app not in self.apps:
                where = self.where(("monitor", "review", "apps"))
                problems.append(f"{where}: monitor.review.apps: {app!r} is not an app")
        for name, rule in self.monitor.alerts.items():
            path = ("monitor", "alerts", name)
            if rule.metric == "drift" and drift is None:
                problems.append(
                    f"{self.where((*path, 'metric'))}: monitor.alerts.{name}: the drift metric needs scheduled "
                    "drift runs: add a `monitor.drift:` section"
                )
            if rule.app != "*" and rule.app not in self.apps:
                where = self.where((*path, "app"))
                problems.append(f"{where}: monitor.alerts.{name}.app: {rule.app!r} is not an app")
            elif rule.metric.startswith(VERDICT_RATE) and not self._runs_scanner(rule.app, rule.metric):
                problems.append(
                    f"{self.where((*path, 'metric'))}: monitor.alerts.{name}.metric: no app the rule covers runs "
                    f"{rule.metric[len(VERDICT_RATE) :]!r}, so {rule.metric} would never have a value; name a "
                    "scanner of the app's policy (e.g. verdict_rate:input.injection)"
                )
            for channel in rule.channels:
                if channel != "log" and channel not in self.monitor.channels:
                    problems.append(
                        f"{self.where((*path, 'channels'))}: monitor.alerts.{name}.channels: {channel!r} is not "
                        "declared under `monitor.channels:`"
                    )
        return problems

    def _runs_scanner(self, app: str, metric: str) -> bool:
        """Whether `STAGE.SCANNER` of a verdict-rate metric is a rule of the policy of an app the alert covers."""
        stage, _, scanner = metric[len(VERDICT_RATE) :].partition(".")
        for spec in self.apps.values() if app == "*" else [self.apps[app]]:
            policy = self.policies.get(spec.policy) if spec.policy else None
            rules = getattr(policy, stage, None) if policy is not None else None
            if rules is None:
                continue
            named = {n.rstrip("_") for n in type(rules).model_fields if getattr(rules, n) not in (None, [], {})}
            if scanner in (named - {"plugins"}) | set(rules.plugins):
                return True
        return False

    def check_scanners(self, installed: Collection[str]) -> None:
        """Fail with `file:line` for each enabled `plugins:` entry naming a scanner not in `installed`.

        Pure: the caller says what is installed (`steward.config.check_installed_scanners` asks the plugins).
        """
        problems = []
        for policy_name, policy in self.policies.items():
            for stage, scanner in policy.plugin_rules():
                path = ("policies", policy_name, stage, "plugins", scanner)
                if scanner not in installed:
                    problems.append(
                        f"{self.where(path)}: {'.'.join(path)}: no installed plugin provides a guardrail scanner "
                        f"named {scanner!r}"
                    )
        if problems:
            known = ", ".join(sorted(installed)) or "none"
            raise ConfigError(
                "invalid steward.yaml:\n  "
                + "\n  ".join(problems)
                + f"\ninstalled scanners: {known}. Install the plugin package that provides it (one "
                "registering the scanner in the `steward` entry-point group), or remove the entry from the policy."
            )

    def app(self, name: str, team: str | None = None) -> AppSpec:
        """The app called `name`. With `team` (a key's), an app of another team is answered exactly as one
        that does not exist, and only the team's apps are named, so no key can probe other teams' apps."""
        from steward.errors import NotFound

        spec = self.apps.get(name)
        if spec is not None and (team is None or spec.team == team):
            return spec
        names = sorted(n for n, s in self.apps.items() if team is None or s.team == team)
        where = "this project serves" if team is None else f"team {team!r} has"
        raise NotFound(f"unknown app {name!r}; {where}: {', '.join(names) or 'none'}.", param="model")
