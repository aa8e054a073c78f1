"""What every console action shares: the signed-in person, the form checked for its CSRF token, the form read into
the management API's own request model (a bad field is a 400 that says what to send), and the answer, a note on
the next page (303 back to it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from steward.errors import InvalidRequest
from steward.gateway.console.security import HEADERS, Visitor, check_csrf, form, visitor

if TYPE_CHECKING:
    from steward.gateway.console import Console

Model = TypeVar("Model", bound=BaseModel)


async def acting(console: Console, request: Request) -> tuple[Visitor, dict[str, str]]:
    """Who is acting and the form they sent, refused (403) without the session's token or from another site.
    Whether they may act is decided by the service function the action calls, as in the management API."""
    signed = visitor(console, request)
    fields = await form(request)
    check_csrf(request, signed.session, fields)
    return signed, fields


def parsed(model: type[Model], what: str, **values: Any) -> Model:
    """`values` as the API's `model` (blank fields left out), or a 400 naming the field."""
    try:
        return model(**{k: v for k, v in values.items() if v not in ("", None)})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or what
        raise InvalidRequest(f"{what}: `{name}` {first.get('msg', 'is invalid')}; use the page's form.") from None


def done(signed: Visitor, note: str, where: str) -> RedirectResponse:
    """Back to `where` (a console path), saying `note` once there."""
    signed.note(note)
    return RedirectResponse(where, status_code=303, headers=HEADERS)
