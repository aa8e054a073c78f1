"""Schema of the tool registry (`tools:` in steward.yaml) and of an app's agent policy (`apps.NAME.agent:`).

A tool is declared once for the project: what it does, the JSON schema of its arguments, how risky a call is,
who may call it, how often, when a human must approve a call (enforced by server-side agent runs), and which
kinds of personal data may leave through its arguments. An app lists its tools (`tools: [a, b]`) or inherits
them (no `tools:` key: every tool whose `apps`/`teams` admit the app, or the tools of the app it is a variant
of). How calls and the tool results a client sends back are checked is the app's `agent:` policy.

    tools:
      send_money:
        description: Send money to an IBAN.
        parameters: {type: object, properties: {recipient: {type: string}, amount: {type: number}},
                     required: [recipient, amount], additionalProperties: false}
        risk: irreversible
        apps: [banking]                    # absent: any app that lists it
        rate: {calls: 5, seconds: 60}      # per tool and team, in this process
        approval: {when: above, argument: amount, limit: 1000}
        personal_data: [IBAN_CODE]         # kinds that may leave through its arguments
        provenance: [recipient]            # values that must come from the user or a clean tool result
    apps:
      banking:
        tools: [send_money, get_balance]
        agent:
          on_refusal: block                # or tell_model: the model is told why and asked again
          results: {threshold: 0.5, action: neutralise}
"""

from __future__ import annotations

from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Risk = Literal["read", "write", "irreversible"]
TOOL_NAME = r"^[a-zA-Z0-9_-]{1,64}$"  # OpenAI's rule for function names


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateLimit(_Strict):
    """At most `calls` calls of the tool per `seconds`, per team (counted in this process)."""

    calls: int = Field(ge=1)
    seconds: float = Field(60.0, gt=0)


class ApprovalRule(_Strict):
    """When a call needs a human's approval before it runs: never, always, or when a numeric argument is above
    a limit. Server-side agent runs pause for it; through the gateway the client runs tools, so the record says
    that the call needed approval."""

    when: Literal["never", "always", "above"] = "never"
    argument: str | None = None
    limit: float | None = None

    @model_validator(mode="after")
    def _above_needs_limit(self) -> ApprovalRule:
        if self.when == "above" and (self.argument is None or self.limit is None):
            raise ValueError("approval `when: above` needs `argument:` (a numeric argument) and `limit:`")
        return self

    def needed(self, arguments: dict[str, Any]) -> bool:
        if self.when == "always":
            return True
        if self.when == "above" and self.argument is not None and self.limit is not None:
            value = arguments.get(self.argument)
            return isinstance(value, int | float) and not isinstance(value, bool) and value > self.limit
        return False


class ToolSpec(_Strict):
    """One tool the models of this project may call."""

    description: str = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    risk: Risk = "read"
    apps: list[str] | None = None  # None: any app that lists the tool (or inherits it)
    teams: list[str] | None = None  # None: any team
    rate: RateLimit | None = None
    approval: ApprovalRule = Field(default_factory=ApprovalRule)
    personal_data: list[str] = Field(default_factory=list)  # PII kinds that may leave through its arguments
    provenance: list[str] = Field(default_factory=list)  # arguments whose values must come from trusted text

    @field_validator("parameters")
    @classmethod
    def _is_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"`parameters` is not a valid JSON schema: {exc.message}") from None
        if schema.get("type", "object") != "object":
            raise ValueError("`parameters` must describe an object (`type: object`): arguments are named")
        return schema

    @field_validator("personal_data")
    @classmethod
    def _upper(cls, kinds: list[str]) -> list[str]:
        return [k.upper() for k in kinds]

    def admits(self, app: str, team: str) -> bool:
        """Whether an app of `team` may call this tool."""
        return (self.apps is None or app in self.apps) and (self.teams is None or team in self.teams)

    def openai_function(self, name: str) -> dict[str, Any]:
        """The tool as OpenAI's `tools` entry: what the model is shown (the registry's, not the client's)."""
        return {
            "type": "function",
            "function": {"name": name, "description": self.description, "parameters": self.parameters},
        }


class ResultsRule(_Strict):
    """Tool results the client sends back (`role: tool`) scanned for indirect prompt injection.

    `block`: the request is refused; `neutralise`: the flagged result reaches the model replaced by a notice;
    `flag`: it reaches the model unchanged, and the trace remembers the finding (provenance checks)."""

    enabled: bool = True
    threshold: float = Field(0.5, ge=0.0, le=1.0)
    action: Literal["block", "neutralise", "flag"] = "neutralise"


class AgentPolicy(_Strict):
    """How an app's tool calls and tool results are checked."""

    on_refusal: Literal["block", "tell_model"] = "block"
    max_reasks: int = Field(1, ge=0, le=4)  # tell_model: how often the model is asked again
    secrets: bool = True  # a call whose arguments carry a secret is refused
    personal_data: bool = True  # a call whose arguments carry PII kinds the tool does not admit is refused
    provenance: bool = True  # the tools' `provenance` arguments must come from trusted text
    taint: bool = True  # no argument may carry an identifier found only in a flagged tool result
    results: ResultsRule = Field(default_factory=ResultsRule)
