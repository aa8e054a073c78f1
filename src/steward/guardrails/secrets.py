"""Secrets: API keys, access tokens, private keys and credentials written inline.

Pure regular expressions over well-known token formats (their prefixes are designed to be recognisable:
`AKIA`, `ghp_`, `sk-`, `xoxb-`, `AIza`, `-----BEGIN … PRIVATE KEY-----`, JWTs), plus `key = value`
assignments whose value looks random (Shannon entropy ≥ 3.5 bits per character), so "password: hunter2" in
prose is not flagged but `api_key="q8Z…"` is. Runs in microseconds; used on input (users pasting keys) and on
output (a model repeating one it saw).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from steward.guardrails.base import ScanContext
from steward.types import Finding

TOKEN_FORMATS: tuple[tuple[str, str], ...] = (
    ("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    ("GITHUB_TOKEN", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"),
    ("OPENAI_API_KEY", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}\b"),
    ("ANTHROPIC_API_KEY", r"\bsk-ant-[A-Za-z0-9_\-]{20,}\b"),
    ("STEWARD_API_KEY", r"\bsk-stw-[A-Za-z0-9_\-]{16,}\b"),
    ("SLACK_TOKEN", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    ("GOOGLE_API_KEY", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("STRIPE_KEY", r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b"),
    ("HUGGINGFACE_TOKEN", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("PRIVATE_KEY", r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
    ("JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),
    ("CONNECTION_STRING", r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s:/@]{3,}@[^\s/]+"),
)
ASSIGNMENT = re.compile(
    r"(?i)\b(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|password|passwd|pwd|token|"
    r"client[_-]?secret)\b[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9_\-/+=.]{12,})"
)
MIN_ENTROPY = 3.5


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in TOKEN_FORMATS]


@dataclass
class SecretsScanner:
    name: str = "secrets"

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for kind, pattern in _COMPILED:
            for match in pattern.finditer(text):
                findings.append(
                    Finding("secrets", kind, 0.99, context.stage, match.start(), match.end(), "format")
                )
                taken.append(match.span())
        for match in ASSIGNMENT.finditer(text):
            start, end = match.span("value")
            value = match.group("value")
            if any(s < end and start < e for s, e in taken) or entropy(value) < MIN_ENTROPY:
                continue
            findings.append(Finding("secrets", "CREDENTIAL", 0.9, context.stage, start, end, "assignment"))
        return findings

    def reason_code(self, finding: Finding) -> str:
        return "secret"


def secrets_factory(options: dict[str, Any]) -> SecretsScanner:
    return SecretsScanner()
