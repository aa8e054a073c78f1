"""Schemathesis hooks for scripts/attack_schema.py: steer 2/3 of chat bodies to an app that exists and a user turn,
so that the served path (guardrails, model, record) is fuzzed too, not only validation.

    SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH=scripts schemathesis run ...
"""

import schemathesis


@schemathesis.hook
def map_body(ctx, body):  # type: ignore[no-untyped-def]
    if ctx.operation is None or ctx.operation.path != "/v1/chat/completions" or not isinstance(body, dict):
        return body
    model = body.get("model")
    if isinstance(model, str) and len(model) % 3 != 2:
        body["model"] = "plain" if len(model) % 3 == 0 else "private"
        messages = body.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
            messages[-1]["role"] = "user"
    return body
