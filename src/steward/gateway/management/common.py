"""What every management route shares: who may call it, and how its query parameters are read.

The management API serves the people who oversee the apps, so an `app` key (which calls apps) and a `metrics` key
(which scrapes /metrics) are refused with a 403 that names the keys that may; `admin`, `developer` and `auditor`
keys read, each within its team (`steward.governance.tenancy`). Times are ISO 8601 (a time without a zone is
UTC) or epoch seconds, the form records and events give their own times in; cursors are opaque strings the
previous page handed out. Bad input is an `InvalidRequest` (a 400 with an
OpenAI-shaped body) whose message says what to send, FastAPI's own validation errors included
(`validation_error`), never a 422 or a 500. A query parameter the route does not take, or one given twice, is such
a 400 too (`check_query`): FastAPI ignores both, and an ignored filter answers with what the caller meant to leave
out. So is a JSON body that gives a field twice (`check_body`): parsers disagree on which one counts.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from steward.config import AppSpec, Project
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.gateway.auth import Authenticator
from steward.governance import tenancy
from steward.governance.identity import Actor
from steward.types import Principal

READING_ROLES = ("admin", "developer", "auditor")
MAX_LIMIT = 500
TIME_EXAMPLE = "2026-12-07T13:00:00Z"
WHEN = "ISO 8601 (UTC when it names no zone) or epoch seconds, as records and events give their times"
EPOCH = re.compile(r"[0-9]{9,10}(?:\.[0-9]+)?")  # seconds since 1970, as `created_at` and `at` are written
ROW_ID = re.compile(r"[0-9]{1,18}")  # a row id or sequence number as SQL stores it: ASCII digits below 2**63

Reader = Callable[[Request], Awaitable[Principal]]


class JSON(JSONResponse):
    """A JSON answer rendered by orjson (the shapes are documented by each route's pydantic `response_model`)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ErrorDetail(BaseModel):
    message: str = Field(description="what went wrong and what to send instead")
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    """An OpenAI-shaped error."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a bad filter, time, limit or cursor; the message says what to send"},
    401: {"model": ErrorBody, "description": "no key or an unknown key"},
    403: {"model": ErrorBody, "description": "an `app` or `metrics` key: use an admin, developer or auditor key"},
}


def reader(authenticator: Authenticator) -> Reader:
    """The dependency of every management route: the caller, if its key may read management data."""

    async def principal(request: Request) -> Principal:
        who = authenticator.authenticate(request.headers.get("authorization"))
        if who.role not in READING_ROLES:
            raise PermissionDenied(
                f"{who.role} keys cannot use the management API; use an admin, developer or auditor key "
                "(`steward keys create --role auditor`)."
            )
        check_query(request)
        check_body(await request.body())
        return who

    return principal


def check_query(request: Request) -> None:
    """A 400 naming a query parameter the matched route does not declare, or one sent more than once."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    takes = list(dict.fromkeys(_query_names(dependant)))
    for name in dict.fromkeys(request.query_params.keys()):
        if name not in takes:
            where = f"{request.method} {getattr(route, 'path', request.url.path)}"
            listed = f"it takes: {', '.join(takes)}" if takes else "it takes none"
            raise InvalidRequest(f"`{name}` is not a parameter of {where}; {listed}.", param=name)
        if (count := len(request.query_params.getlist(name))) > 1:
            raise InvalidRequest(f"`{name}` was given {count} times; send it once.", param=name)


def check_body(body: bytes) -> None:
    """A 400 naming a field a JSON body gives twice (`{"action": "reject", "action": "approve"}`): JSON parsers
    disagree on which one counts (Python's and orjson keep the last, others the first), so a governance action
    must not depend on it. A body that is no JSON at all is left to FastAPI's own 400."""
    if not body.strip():
        return
    try:
        json.loads(body, object_pairs_hook=_once)
    except (ValueError, RecursionError):  # not JSON (JSONDecodeError and UnicodeDecodeError are ValueErrors)
        return


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise InvalidRequest(f"the body gives `{name}` more than once; send each field once.", param=name)
        if _holds_nul(name) or _holds_nul(value):  # PostgreSQL refuses NUL in text: a 400, not a 500
            field = name[:80]
            raise InvalidRequest(f"`{field}` holds a NUL character (U+0000); send it without.", param=field)
        found[name] = value
    return found


def _holds_nul(value: Any) -> bool:
    """A string, or a list's string, with a NUL (objects inside were checked by `_once` when they were parsed)."""
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(_holds_nul(item) for item in value)


def _query_names(dependant: Any) -> Iterator[str]:
    """The query parameters of a FastAPI `Dependant` and of the dependencies under it, in declaration order."""
    yield from (param.alias for param in dependant.query_params)
    for below in dependant.dependencies:
        yield from _query_names(below)


# what the routes that change something may also answer
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "nothing of that name in your team"}
}
CHANGES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {
        "model": ErrorBody,
        "description": "a governance rule refused it; the message names the rule and what to do",
    },
}


def actor(who: Principal) -> Actor:
    """The identity a route acts and is audited as: the caller's key, as `steward … --key` is."""
    return Actor.from_principal(who)


def app_of(project: Project, who: Principal, name: str) -> AppSpec:
    """The app `name` of the caller's team that its key is for; any other answers 404 as a missing one does."""
    try:
        spec = project.app(name, team=who.team)
    except NotFound as exc:
        raise NotFound(exc.message, param="app") from None
    if not who.may_use(name):
        raise NotFound(
            f"unknown app {name!r}; your key is for: {', '.join(readable_apps(project, who)) or 'none'}."
        )
    return spec


def readable_apps(project: Project, who: Principal) -> list[str]:
    """The apps whose records, rollups and alerts `who` may read: its team's, less those its key is not for."""
    return sorted(app for app in tenancy.apps_for(project, who) if who.may_use(app))


def parse_time(value: str | None, param: str) -> float | None:
    """An ISO 8601 time (UTC when it names no zone), or epoch seconds as records and events give them, as epoch
    seconds."""
    if value is None:
        return None
    if EPOCH.fullmatch(value.strip()):
        return float(value)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        plus = " (a `+` in a URL reads as a space: send it as %2B)" if " " in value else ""
        raise InvalidRequest(
            f"`{param}` {value!r} is not an ISO 8601 time or epoch seconds{plus}; send e.g. "
            f"{param}={TIME_EXAMPLE} or {param}=1796648400.5.",
            param=param,
        ) from None
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


def check_range(since: float | None, until: float | None) -> None:
    if since is not None and until is not None and since >= until:
        message = "`since` must be before `until`; send an earlier since or a later until."
        raise InvalidRequest(message, param="since")


def check_choice(value: str | None, choices: tuple[str, ...] | list[str], param: str) -> str | None:
    if value is not None and value not in choices:
        raise InvalidRequest(f"`{param}` {value!r} is not one of: {', '.join(choices) or 'none'}.", param=param)
    return value


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("\x1f".join(map(str, parts)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, fields: int) -> list[str] | None:
    """The parts of a cursor this API handed out (`next` of a page), or a 400."""
    if cursor is None:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("\x1f")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        parts = []
    if len(parts) != fields or any("\x00" in part for part in parts):  # no cursor handed out holds a NUL
        raise bad_cursor()
    return parts


def id_cursor(cursor: str | None) -> int | None:
    """An id cursor of a listing newest first (feedback, audit events), or a 400."""
    parts = decode_cursor(cursor, 1)
    if parts is None:
        return None
    if not ROW_ID.fullmatch(parts[0]):
        raise bad_cursor()
    return int(parts[0])


def time_cursor(cursor: str | None) -> tuple[float, str] | None:
    """A (created_at, id) cursor of a listing newest or oldest first (records, review items), or a 400."""
    parts = decode_cursor(cursor, 2)
    if parts is None:
        return None
    try:
        return float(parts[0]), parts[1]
    except ValueError:
        raise bad_cursor() from None


def bad_cursor() -> InvalidRequest:
    return InvalidRequest(
        "`after` is not a cursor of this listing; send the `next` value of the previous page, or leave it out "
        "to start from the newest.",
        param="after",
    )


def validation_error(exc: RequestValidationError) -> InvalidRequest:
    """FastAPI's validation error of a query parameter as a 400 that names it and says what to send."""
    first = exc.errors()[0] if exc.errors() else {}
    where = tuple(first.get("loc", ()))
    message = first.get("msg", "invalid")
    if first.get("type") == "json_invalid":
        return InvalidRequest(f"the body is not valid JSON ({message}); send a JSON object (see /openapi.json).")
    loc = [str(part) for part in where[1:]]
    if where[:1] == ("body",) and not loc:
        return InvalidRequest(f"the body must be a JSON object ({message}); see /openapi.json for its fields.")
    name = loc[-1] if loc else "the request"
    hint = f"send an integer from 1 to {MAX_LIMIT}" if name == "limit" else "see /openapi.json for what it takes"
    return InvalidRequest(f"`{name}`: {message}; {hint}.", param=name if loc else None)
