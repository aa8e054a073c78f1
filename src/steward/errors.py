"""One exception tree for the whole platform.

Every error carries a message that tells the user what to do next, and a stable `code` that records and metrics
keep. Capability packages raise these; only the HTTP layer knows status codes (`steward.gateway.errors_http` maps
each class to its status and OpenAI error type), and the CLI prints `str(error)` without a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from steward.types import Attempt


class StewardError(Exception):
    """Base of all Steward errors."""

    code: str = "internal_error"
    # The caller's mistake (a malformed request, an unknown app, a bad key, a spent budget), not a failure of
    # Steward or its upstream: monitoring counts such requests apart from failures (`client_error`).
    caller_error: ClassVar[bool] = False

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.record_id: str | None = None  # set by the gateway: the failed request's record
        # Set by the model router when the error ended a route (a model that failed and could not fall back, or
        # `ModelUnavailable`): the models it tried, which the request's record lists. Any Steward error a
        # backend raises may end a route (a prompt too long for the context is an `InvalidRequest`).
        self.attempts: list[Attempt] = []


class ConfigError(StewardError):
    """steward.yaml (or another declarative file) is invalid; the message names file:line and a hint."""

    code = "invalid_config"


class InvalidRequest(StewardError):
    """The request is malformed or asks for something impossible."""

    code = "invalid_request"
    caller_error = True


class PayloadTooLarge(InvalidRequest):
    """The request body is larger than the gateway accepts."""

    code = "payload_too_large"


class HeadersTooLarge(InvalidRequest):
    """The request's headers are larger than the gateway accepts."""

    code = "headers_too_large"


class MethodNotAllowed(InvalidRequest):
    """The route exists, but not for this HTTP method."""

    code = "method_not_allowed"


class ContextTooLong(InvalidRequest):
    """The input does not fit the model's context window."""

    code = "context_length_exceeded"


class NotFound(StewardError):
    """An app, model, record or key that does not exist."""

    code = "not_found"
    caller_error = True


class AuthenticationError(StewardError):
    """No key, an unknown key or a revoked key."""

    code = "invalid_api_key"
    caller_error = True


class PermissionDenied(StewardError):
    """The key is valid but its role or scope does not allow this."""

    code = "permission_denied"
    caller_error = True


class RateLimited(StewardError):
    """Per-key rate limit or token budget exhausted."""

    code = "rate_limit_exceeded"
    caller_error = True


class ModelError(StewardError):
    """A model backend failed (timeout, 5xx, garbage); the route may fall back to the next model."""

    code = "upstream_error"
    retryable: bool = True


class ModelUnavailable(ModelError):
    """Every model of a route failed."""

    code = "model_unavailable"


class ArtefactError(StewardError):
    """A model artefact is missing or its sha256 does not match the declared one."""

    code = "artefact_invalid"


class StoreError(StewardError):
    """The database refused or lost a write."""

    code = "store_error"


class PolicyViolation(StewardError):
    """A guardrail policy blocked the request; `reasons` are the public reason codes."""

    code = "content_blocked"

    def __init__(self, message: str, reasons: list[str]) -> None:
        super().__init__(message)
        self.reasons = reasons
