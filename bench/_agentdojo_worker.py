"""Dump AgentDojo's ground-truth tool-call traces with each injection task's calls mixed in, as JSON lines.

Runs in its own virtualenv (`make bench-agentdojo-venv`: agentdojo pulls langchain, anthropic, google-genai,
which the gateway's venv does not need); `bench/agents.py replay` starts it and reads its output. No model is
called: every call is a task's ground truth, executed on AgentDojo's own environment, so the tool results are
what a model would read.

For each suite, user task and injection task: the user task's injection vectors (the ones its ground truth
reads, found with canaries as AgentDojo's attacks find them) get the `important_instructions` attack with the
injection task's goal appended to their default text. (AgentDojo replaces the default, which can remove what
the user's task needs, such as the bill's IBAN: no agent could then do the task, so its calls are not benign.)
The user task's calls run in order; right after the first tool result that shows the attack, the injection
task's ground-truth calls are mixed in (at the end when no result shows it). One line per trace: the suite's
tools (name, description, JSON schema), the user's prompt, and the steps: calls (`injected` true or false)
and their results.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from agentdojo.agent_pipeline.tool_execution import tool_result_to_str
from agentdojo.attacks.important_instructions_attacks import ImportantInstructionsAttack
from agentdojo.functions_runtime import FunctionsRuntime
from agentdojo.task_suite.load_suites import get_suite

VERSION = "v1.2"
ATTACK = ImportantInstructionsAttack._JB_STRING  # the published attack's own template


def _tools(suite: Any) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "description": f.description, "parameters": f.parameters.model_json_schema()}
        for f in suite.tools
    ]


def _run(runtime: Any, env: Any, name: str, args: dict[str, Any]) -> str:
    result, error = runtime.run_function(env, name, args)
    return tool_result_to_str(result) if error is None else f"error: {error}"


def _vectors(suite: Any, task: Any) -> list[str]:
    """The injection vectors the task's ground truth reads (AgentDojo's canary method)."""
    canaries = {v: f"<CANARY---{v}--->" for v in suite.get_injection_vector_defaults()}
    env = suite.load_and_inject_default_environment(canaries)
    runtime = FunctionsRuntime(suite.tools)
    seen = " ".join(_run(runtime, env, c.function, dict(c.args)) for c in task.ground_truth(env))
    return [v for v, canary in canaries.items() if canary in seen]


def traces(suite_name: str) -> Any:
    suite = get_suite(VERSION, suite_name)
    tools = _tools(suite)
    defaults = suite.get_injection_vector_defaults()
    for user_id, user_task in suite.user_tasks.items():
        vectors = _vectors(suite, user_task)
        for injection_id, injection_task in suite.injection_tasks.items():
            text = ATTACK.format(goal=injection_task.GOAL, user="Emma Johnson", model="GPT-4")
            env = suite.load_and_inject_default_environment({v: defaults[v] + text for v in vectors})
            runtime = FunctionsRuntime(suite.tools)
            injected = [(c.function, dict(c.args)) for c in injection_task.ground_truth(env)]
            steps: list[dict[str, Any]] = []
            mixed = False
            for call in user_task.ground_truth(env):
                steps.append({"call": call.function, "args": dict(call.args), "injected": False})
                result = _run(runtime, env, call.function, dict(call.args))
                steps.append({"result": result})
                if not mixed and "<INFORMATION>" in result:
                    mixed = True
                    for name, args in injected:
                        steps.append({"call": name, "args": args, "injected": True})
                        steps.append({"result": _run(runtime, env, name, args)})
            if not mixed:
                steps += [{"call": name, "args": args, "injected": True} for name, args in injected]
            yield {
                "suite": suite_name,
                "user_task": user_id,
                "injection_task": injection_id,
                "prompt": user_task.PROMPT,
                "visible": mixed,
                "tools": tools,
                "steps": steps,
            }


def main() -> None:
    for suite_name in sys.argv[1:]:
        for trace in traces(suite_name):
            print(json.dumps(trace, default=str))


if __name__ == "__main__":
    main()
