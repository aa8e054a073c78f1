"""Only the HTTP layer knows status codes: `steward.errors` carries messages and codes, `errors_http` statuses."""

from __future__ import annotations

import pytest

from steward import errors
from steward.errors import InvalidRequest, ModelError, StewardError
from steward.gateway.errors_http import STATUSES, status_of
from steward.gateway.http import error_body, error_response
from steward.governance.errors import AuditBroken, RuleViolation
from steward.guardrails import StructuredOutputError


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (errors.InvalidRequest("x"), 400, "invalid_request_error"),
        (errors.PayloadTooLarge("x"), 413, "invalid_request_error"),
        (errors.HeadersTooLarge("x"), 431, "invalid_request_error"),
        (errors.MethodNotAllowed("x"), 405, "invalid_request_error"),
        (errors.ContextTooLong("x"), 400, "invalid_request_error"),
        (errors.NotFound("x"), 404, "invalid_request_error"),
        (errors.AuthenticationError("x"), 401, "authentication_error"),
        (errors.PermissionDenied("x"), 403, "permission_error"),
        (errors.RateLimited("x"), 429, "rate_limit_error"),
        (errors.ModelError("x"), 502, "server_error"),
        (errors.ModelUnavailable("x"), 503, "server_error"),
        (errors.ConfigError("x"), 500, "server_error"),
        (errors.ArtefactError("x"), 500, "server_error"),
        (errors.StoreError("x"), 500, "server_error"),
        (errors.PolicyViolation("x", ["pii"]), 400, "invalid_request_error"),
        (errors.StewardError("x"), 500, "server_error"),
        (RuleViolation("x"), 409, "invalid_request_error"),
        (AuditBroken("x"), 500, "server_error"),
        (StructuredOutputError("x"), 502, "server_error"),
    ],
)
def test_each_error_answers_its_status_and_type(error: StewardError, status: int, kind: str) -> None:
    assert status_of(error) == (status, kind)
    response = error_response(error)
    assert response.status_code == status
    assert error_body(error)["error"] == {"message": "x", "type": kind, "param": None, "code": error.code}


def test_an_unlisted_subclass_answers_as_its_nearest_listed_ancestor() -> None:
    class Odd(InvalidRequest):
        code = "odd"

    class Flaky(ModelError):
        pass

    assert status_of(Odd("x")) == (400, "invalid_request_error")
    assert status_of(Flaky("x")) == (502, "server_error")


def test_the_exceptions_carry_no_http() -> None:
    for cls in [StewardError, RuleViolation, AuditBroken, StructuredOutputError, *STATUSES]:
        assert not hasattr(cls, "status") and not hasattr(cls, "type"), cls
        assert isinstance(cls.code, str) and cls.code
