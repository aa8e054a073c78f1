"""The gateway's request and result values, independent of HTTP.

`ChatRequest` is what the OpenAI-compatible API, the in-process `steward.Client` and the CLI all build; the
pipeline answers with a `ChatResult` (or a stream of `StreamEvent`s ending in one), whose `steward` block
(`public_summary`) is what the caller may see of the record. Parsing an OpenAI request body into a
`ChatRequest` lives here too, so that every entry point validates the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema
import referencing.exceptions

from steward.errors import InvalidRequest
from steward.types import ORIGINS, Message, Origin, Record, ToolCall, Usage

ROLES = ("system", "user", "assistant", "tool")


@dataclass(slots=True)
class ChatRequest:
    """One chat request to an app; `None` parameters mean "the app's value"."""

    app: str
    messages: list[Message]
    stream: bool = False
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    json_schema: dict[str, Any] | None = None
    subject: str | None = None
    consent: bool = True
    include_usage: bool = False  # streamed: end with a chunk that carries the usage (`stream_options`)
    origin: Origin = "traffic"  # evals, red-team scans and tests say so, and their records stay out of datasets
    tools: tuple[str, ...] = ()  # the names of the functions the client offers the model (`tools`)
    tool_choice: str | dict[str, Any] | None = None  # `none`, `auto`, `required` or one function
    parallel_tool_calls: bool = True


@dataclass(slots=True)
class ChatResult:
    """The answer the caller sees, with the governed record it produced."""

    text: str
    finish_reason: str
    usage: Usage
    record: Record
    steward: dict[str, Any] = field(default_factory=dict)  # public reason codes, sources, record id
    tool_calls: tuple[ToolCall, ...] = ()  # the calls the model made that passed the tool-call checks


def public_summary(record: Record) -> dict[str, Any]:
    """A result's `steward` block: what the caller may see of its record (ids, status, reason codes, sources)."""
    reasons = sorted({r for d in record.decisions for r in d.reasons})
    out: dict[str, Any] = {"record_id": record.id, "status": record.status}
    if reasons:
        out["reasons"] = reasons
    if record.sources:
        out["sources"] = [
            {
                "n": s.index,
                "document": s.document_id,
                "chunk": s.chunk_id,
                "score": round(s.score, 4),
                "uri": s.uri,
            }
            for s in record.sources
        ]
    return out


@dataclass(slots=True)
class StreamEvent:
    """A piece of a streamed answer (`text`), or the end of the stream (`result`)."""

    text: str = ""
    result: ChatResult | None = None


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"`{name}` must be a number between {low} and {high}.", param=name)
    if not low <= value <= high:
        raise InvalidRequest(f"`{name}` is {value}; use a value between {low} and {high}.", param=name)
    return float(value)


def _integer(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequest(f"`{name}` must be an integer between {low} and {high}.", param=name)
    return value


def _content_text(content: Any, index: int) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts: keep the text parts
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise InvalidRequest(
                    f"messages[{index}].content: only text parts are supported "
                    '(`{"type": "text", "text": "..."}`).',
                    param=f"messages[{index}].content",
                )
            parts.append(part["text"])
        return "".join(parts)
    if content is None:
        return ""
    raise InvalidRequest(f"messages[{index}].content must be a string.", param=f"messages[{index}].content")


def parse_messages(raw: Any) -> list[Message]:
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("`messages` must be a non-empty list of {role, content} objects.", param="messages")
    messages = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidRequest(f"messages[{i}] must be an object with `role` and `content`.", param="messages")
        role = item.get("role")
        if role == "developer":  # newer OpenAI clients send `developer` for system instructions
            role = "system"
        if role not in ROLES:
            raise InvalidRequest(
                f"messages[{i}].role is {role!r}; use one of {', '.join(ROLES)}.", param=f"messages[{i}].role"
            )
        if item.get("content") is None and role in ("user", "system"):  # only an assistant turn may carry none
            raise InvalidRequest(f"messages[{i}] ({role}) needs `content`.", param=f"messages[{i}].content")
        calls = _tool_calls(item.get("tool_calls"), i) if role == "assistant" else ()
        call_id = item.get("tool_call_id")
        if role == "tool" and (not isinstance(call_id, str) or not call_id):
            raise InvalidRequest(
                f"messages[{i}] (tool) needs `tool_call_id`: the id of the call it answers.",
                param=f"messages[{i}].tool_call_id",
            )
        content = _content_text(item.get("content"), i)
        messages.append(
            Message(
                role=role,
                content=content,
                name=item.get("name"),
                tool_calls=calls,
                tool_call_id=call_id if role == "tool" else None,
            )
        )
    if not any(m.role == "user" for m in messages):
        raise InvalidRequest("`messages` needs at least one message with role `user`.", param="messages")
    return messages


def _tool_calls(raw: Any, index: int) -> tuple[ToolCall, ...]:
    """An assistant turn's `tool_calls` (the calls the model made earlier in the conversation)."""
    if raw is None:
        return ()
    where = f"messages[{index}].tool_calls"
    if not isinstance(raw, list):
        raise InvalidRequest(f"{where} must be a list of function calls.", param=where)
    calls = []
    for j, call in enumerate(raw):
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(function, dict)
            or not isinstance(call.get("id"), str)
            or not isinstance(function.get("name"), str)
            or not isinstance(function.get("arguments", ""), str)
        ):
            raise InvalidRequest(
                f'{where}[{j}] must be {{"id": ..., "type": "function", "function": {{"name": ..., "arguments": '
                '"<JSON text>"}}.',
                param=where,
            )
        calls.append(ToolCall(call["id"], function["name"], function.get("arguments", "")))
    return tuple(calls)


def _tools(body: dict[str, Any]) -> tuple[str, ...]:
    """The names of the functions a request offers (`tools`); their definitions are the registry's."""
    raw = body.get("tools")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InvalidRequest("`tools` must be a list of function tools.", param="tools")
    names: list[str] = []
    for i, tool in enumerate(raw):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
            raise InvalidRequest(
                f'tools[{i}] must be {{"type": "function", "function": {{"name": ...}}}}.', param=f"tools[{i}]"
            )
        name = function.get("name")
        if not isinstance(name, str) or not name or name in names:
            raise InvalidRequest(
                f"tools[{i}].function.name must be a unique non-empty string.", param=f"tools[{i}]"
            )
        names.append(name)
    return tuple(names)


def _tool_choice(body: dict[str, Any], tools: tuple[str, ...]) -> str | dict[str, Any] | None:
    choice = body.get("tool_choice")
    if choice is None:
        return None
    if choice in ("none", "auto", "required"):
        if choice == "required" and not tools:
            raise InvalidRequest("`tool_choice: required` needs `tools`.", param="tool_choice")
        return str(choice)
    function = choice.get("function") if isinstance(choice, dict) else None
    if isinstance(function, dict) and function.get("name") in tools:
        return {"type": "function", "function": {"name": function["name"]}}
    raise InvalidRequest(
        "`tool_choice` must be `none`, `auto`, `required` or "
        '{"type": "function", "function": {"name": <one of the request\'s tools>}}.',
        param="tool_choice",
    )


def _json_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    fmt = body.get("response_format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        raise InvalidRequest(
            "`response_format.type` must be `text`, `json_object` or `json_schema`.", param="response_format"
        )
    if fmt["type"] == "text":
        return None
    if fmt["type"] == "json_object":
        return {"type": "object"}
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise InvalidRequest(
            "`response_format.json_schema.schema` must be a JSON schema object.", param="response_format"
        )
    schema: dict[str, Any] = spec["schema"]
    problem = _schema_problem(schema)
    if problem is not None:
        raise InvalidRequest(
            f"`response_format.json_schema.schema` is not a valid JSON schema ({problem}); fix it or leave "
            "`response_format` out.",
            param="response_format",
        )
    return schema


def _schema_problem(schema: dict[str, Any]) -> str | None:
    """Why a client's schema cannot validate an answer (the answer is checked against it), or None."""
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).is_valid(None)  # resolves a root `$ref`: none is fetched
    except jsonschema.SchemaError as exc:
        return exc.message
    except referencing.exceptions.Unresolvable as exc:
        return f"unresolvable $ref: {exc}"
    except RecursionError:  # `{"$ref": "#"}`, a `$defs` loop, or nesting deeper than Python's stack
        return "it refers to itself without end or is nested too deeply"
    return None


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list) and all(isinstance(s, str) for s in stop) and len(stop) <= 4:
        return tuple(stop)
    raise InvalidRequest("`stop` must be a string or a list of at most 4 strings.", param="stop")


def _include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    if options is None:
        return False
    if not isinstance(options, dict):
        raise InvalidRequest(
            '`stream_options` must be an object, e.g. {"include_usage": true}.', param="stream_options"
        )
    include = options.get("include_usage", False)
    if not isinstance(include, bool):
        raise InvalidRequest("`stream_options.include_usage` must be true or false.", param="stream_options")
    return include


def _origin(metadata: dict[str, Any]) -> Origin:
    origin = metadata.get("origin", "traffic")
    for known in ORIGINS:
        if origin == known:
            return known
    raise InvalidRequest(
        f"`metadata.origin` is {origin!r}; use one of {', '.join(ORIGINS)} (test traffic says `test`, so that no "
        "training dataset takes it).",
        param="metadata.origin",
    )


def parse_chat_body(body: Any) -> ChatRequest:
    """Validate an OpenAI chat-completions body; every problem names the field and what to send."""
    if not isinstance(body, dict):
        raise InvalidRequest("the request body must be a JSON object.")
    app = body.get("model")
    if not isinstance(app, str) or not app:
        raise InvalidRequest("`model` is required: name one of the apps listed by GET /v1/models.", param="model")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidRequest("`stream` must be true or false.", param="stream")
    n = body.get("n", 1)
    if n != 1:
        raise InvalidRequest("`n` must be 1: Steward records one answer per request.", param="n")
    max_tokens = _integer(body, "max_completion_tokens", 1, 1_000_000)
    if max_tokens is None:
        max_tokens = _integer(body, "max_tokens", 1, 1_000_000)
    if "\x00" in app:
        raise InvalidRequest("`model` holds a NUL character (U+0000); send the app's name.", param="model")
    subject = body.get("user")
    if isinstance(subject, str) and "\x00" in subject:
        raise InvalidRequest("`user` holds a NUL character (U+0000); send the user's id without.", param="user")
    metadata = body.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise InvalidRequest("`metadata` must be an object.", param="metadata")
    consent = metadata.get("consent", "true")
    temperature = _number(body, "temperature", 0, 2)
    top_p = _number(body, "top_p", 0, 1)
    tools = _tools(body)
    parallel = body.get("parallel_tool_calls", True)
    if not isinstance(parallel, bool):
        raise InvalidRequest("`parallel_tool_calls` must be true or false.", param="parallel_tool_calls")
    return ChatRequest(
        app=app,
        messages=parse_messages(body.get("messages")),
        stream=stream,
        temperature=temperature,
        top_p=top_p,
        seed=_integer(body, "seed", -(2**63), 2**63 - 1),
        max_tokens=max_tokens,
        stop=_stop(body),
        json_schema=_json_schema(body),
        subject=subject if isinstance(subject, str) and subject else None,
        consent=str(consent).lower() not in ("false", "0", "no"),
        include_usage=_include_usage(body),
        origin=_origin(metadata),
        tools=tools,
        tool_choice=_tool_choice(body, tools),
        parallel_tool_calls=parallel,
    )
