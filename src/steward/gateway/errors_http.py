"""What an error is in HTTP: its status code and OpenAI-shaped error `type`.

Capabilities raise `steward.errors` exceptions, which carry a message and a stable `code` (kept in records and
metrics); only this module knows HTTP. `status_of` walks the exception's class hierarchy (its MRO), so a new
subclass answers as its nearest mapped ancestor until it is given a row of its own.
"""

from __future__ import annotations

from steward.errors import (
    ArtefactError,
    AuthenticationError,
    ConfigError,
    ContextTooLong,
    HeadersTooLarge,
    InvalidRequest,
    MethodNotAllowed,
    ModelError,
    ModelUnavailable,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PolicyViolation,
    RateLimited,
    StewardError,
    StoreError,
)
from steward.governance.errors import RuleViolation

# (HTTP status, OpenAI error type) per exception class; the first class along the MRO that is listed wins.
STATUSES: dict[type[StewardError], tuple[int, str]] = {
    StewardError: (500, "server_error"),
    ConfigError: (500, "server_error"),
    InvalidRequest: (400, "invalid_request_error"),
    PayloadTooLarge: (413, "invalid_request_error"),
    HeadersTooLarge: (431, "invalid_request_error"),
    MethodNotAllowed: (405, "invalid_request_error"),
    ContextTooLong: (400, "invalid_request_error"),
    RuleViolation: (409, "invalid_request_error"),  # a governance rule refused the change: a conflict, not a typo
    NotFound: (404, "invalid_request_error"),
    AuthenticationError: (401, "authentication_error"),
    PermissionDenied: (403, "permission_error"),
    RateLimited: (429, "rate_limit_error"),
    ModelError: (502, "server_error"),
    ModelUnavailable: (503, "server_error"),
    ArtefactError: (500, "server_error"),
    StoreError: (500, "server_error"),
    PolicyViolation: (400, "invalid_request_error"),
}


def status_of(exc: StewardError) -> tuple[int, str]:
    """The HTTP status and error type for `exc`: its own class's row, else its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in STATUSES:
            return STATUSES[cls]
    return STATUSES[StewardError]  # unreachable for a StewardError; kept so the answer is never missing
