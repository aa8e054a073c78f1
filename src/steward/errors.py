"""One exception tree for the whole platform.

Every error carries a message that tells the user what to do next. Capability packages raise these; only the
HTTP layer maps them to status codes (`status` and `code` below are the OpenAI-shaped defaults it uses), and
the CLI prints `str(error)` without a traceback.
"""

from __future__ import annotations


class StewardError(Exception):
    """Base of all Steward errors."""

    status: int = 500
    code: str = "internal_error"
    type: str = "server_error"

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.record_id: str | None = None  # set by the gateway: the failed request's record


class ConfigError(StewardError):
    """steward.yaml (or another declarative file) is invalid; the message names file:line and a hint."""

    status = 500
    code = "invalid_config"


class InvalidRequest(StewardError):
    """The request is malformed or asks for something impossible."""

    status = 400
    code = "invalid_request"
    type = "invalid_request_error"


class PayloadTooLarge(InvalidRequest):
    """The request body is larger than the gateway accepts."""

    status = 413
    code = "payload_too_large"


class HeadersTooLarge(InvalidRequest):
    """The request's headers are larger than the gateway accepts."""

    status = 431
    code = "headers_too_large"


class MethodNotAllowed(InvalidRequest):
    """The route exists, but not for this HTTP method."""

    status = 405
    code = "method_not_allowed"


class ContextTooLong(InvalidRequest):
    """The input does not fit the model's context window."""

    code = "context_length_exceeded"


class NotFound(StewardError):
    """An app, model, record or key that does not exist."""

    status = 404
    code = "not_found"
    type = "invalid_request_error"


class AuthenticationError(StewardError):
    """No key, an unknown key or a revoked key."""

    status = 401
    code = "invalid_api_key"
    type = "authentication_error"


class PermissionDenied(StewardError):
    """The key is valid but its role or scope does not allow this."""

    status = 403
    code = "permission_denied"
    type = "permission_error"


class RateLimited(StewardError):
    """Per-key rate limit or token budget exhausted."""

    status = 429
    code = "rate_limit_exceeded"
    type = "rate_limit_error"


class ModelError(StewardError):
    """A model backend failed (timeout, 5xx, garbage); the route may fall back to the next model."""

    status = 502
    code = "upstream_error"
    retryable: bool = True


class ModelUnavailable(ModelError):
    """Every model of a route failed."""

    status = 503
    code = "model_unavailable"


class ArtefactError(StewardError):
    """A model artefact is missing or its sha256 does not match the declared one."""

    status = 500
    code = "artefact_invalid"


class StoreError(StewardError):
    """The database refused or lost a write."""

    status = 500
    code = "store_error"


class PolicyViolation(StewardError):
    """A guardrail policy blocked the request; `reasons` are the public reason codes."""

    status = 400
    code = "content_blocked"
    type = "invalid_request_error"

    def __init__(self, message: str, reasons: list[str]) -> None:
        super().__init__(message)
        self.reasons = reasons
