"""Governed agents: the tool registry as the gateway uses it, tool-call checks, tool-result screening, trace
policies.

A model's tool call is an action about to happen, so it is checked before the caller sees it: the tool must be
declared in `steward.yaml` (`tools:`), listed for the app and offered by the request (`registry`); its
arguments must match the tool's JSON schema, stay under its rate limit, carry no secret and no personal data
the tool does not admit, and the values of its `provenance` arguments must come from trusted text: the user's
own messages or tool results without an injection finding (`checks`, `trace`). The tool results a client sends
back (`role: tool`) are scanned for indirect prompt injection with the app's `agent.results` rule: blocked,
neutralised or flagged (`results`). Every verdict is a `Decision` of stage `tool_call` or `tool_result` in the
request's one record, whose reasons name the rule and the tool (`tool:invalid_arguments:send_money`).

Later parts (server-side runs, approvals, MCP import) build on the same registry and checks: a run checks each
step with `ToolCallChecker.check` before it executes it.
"""

from steward.agents.checks import ToolCallChecker
from steward.agents.registry import ToolRegistry
from steward.agents.results import ResultScreen
from steward.agents.trace import Trace

__all__ = ["ResultScreen", "ToolCallChecker", "ToolRegistry", "Trace"]
