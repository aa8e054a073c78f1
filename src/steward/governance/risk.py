"""An app's effective EU AI Act risk tier: the more severe of the declared and the assessed one.

steward.yaml declares `risk_tier`; `steward compliance classify` records an assessment from the questionnaire.
Gates use the more severe of the two, so under-declaring a tier in configuration never weakens oversight; the
compliance check reports a mismatch so that the declaration gets fixed.
"""

from __future__ import annotations

from typing import Any

from steward.store import Compliance

TIERS: tuple[str, ...] = ("minimal", "limited", "high", "prohibited")  # least to most severe


def more_severe(a: str, b: str | None) -> str:
    if b is None:
        return a
    return a if TIERS.index(a) >= TIERS.index(b) else b


def assessed_tier(assessments: Compliance, app: str) -> str | None:
    row = assessments.latest_assessment(app)
    return str(row.tier) if row is not None else None


def effective_tier(assessments: Compliance, app: str, spec: Any) -> str:
    return more_severe(str(spec.risk_tier), assessed_tier(assessments, app))
