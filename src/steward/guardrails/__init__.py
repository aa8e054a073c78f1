"""Guardrails: scanners that find, a policy engine that decides, and the `Guard` the gateway calls.

    input text ─► scanners of the app's policy (PII, secrets, injection, toxicity, topic, plugins…)
                   └─► findings ─► policy engine (thresholds, actions)
                         ─► Decision (allow / warn / redact / escalate / block)

Scanners register through the `register_scanners` hook (`steward.guardrails.builtin` holds the built-ins);
policies are declared in steward.yaml (`steward.config.guardrails.PolicySpec`). Measuring a scanner on labelled
data (`steward guard eval`) lives with the rest of evaluation, in `steward.evals.scanners`; see docs/cards/ for
how the shipped classifiers were trained and measured.
"""

from steward.guardrails.base import Pseudonyms, ScanContext, Scanner, scanner_factories
from steward.guardrails.guard import Guard
from steward.guardrails.output_rules import SchemaEnforcer, StructuredOutputError
from steward.guardrails.stream import OutputStreamGuard

__all__ = [
    "Guard",
    "OutputStreamGuard",
    "Pseudonyms",
    "ScanContext",
    "Scanner",
    "SchemaEnforcer",
    "StructuredOutputError",
    "scanner_factories",
]
