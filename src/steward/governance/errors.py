"""Governance refusals: a rule was not met (promotion gates, four-eyes, rollback limits) or the log is broken."""

from __future__ import annotations

from steward.errors import InvalidRequest, StoreError


class RuleViolation(InvalidRequest):
    """A governance rule refused the change; the message names the rule and what to do. Nothing was written.

    The HTTP layer answers it 409 (a conflict with the current state), not 400.
    """

    code = "governance_rule"


class AuditBroken(StoreError):
    """The audit log or a governed row was tampered with; gated changes are refused until it is investigated."""

    code = "audit_broken"
