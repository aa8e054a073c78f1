"""Personal data out of training rows: the shipped PII scanner's pseudonymiser, with counts for the data card.

The redaction is the one `steward alerts dataset` uses (`steward.guardrails.redact.personal_data_pseudonymiser`):
numbered placeholders per row (`<PERSON_1>`), one value one placeholder in the prompt and the answer. This
module only counts what it replaced, by entity kind — never the values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from steward.guardrails.redact import personal_data_pseudonymiser

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*?)_(\d+)>")


class CountingRedactor:
    """Pseudonymise one row's texts at a time and count the placeholders it added, by kind."""

    def __init__(self, advance: Callable[[int], None] = lambda n: None) -> None:
        self._pseudonymise = personal_data_pseudonymiser()
        self.advance = advance
        self.by_kind: Counter[str] = Counter()
        self.rows_with_findings = 0
        self.rows = 0

    def __call__(self, texts: list[str]) -> list[str]:
        before = Counter(kind for kind, _ in {m for text in texts for m in _PLACEHOLDER.findall(text)})
        clean = self._pseudonymise(texts)
        # distinct placeholders of the row (one person named twice is one PERSON), less those it already held
        after = Counter(kind for kind, _ in {m for text in clean for m in _PLACEHOLDER.findall(text)})
        added = after - before
        self.rows += 1
        self.rows_with_findings += bool(added)
        self.by_kind.update(added)
        self.advance(1)
        return clean

    def summary(self) -> dict[str, Any]:
        return {
            "scanned": True,
            "method": "the shipped PII scanner at build time; values pseudonymised per row (<PERSON_1>)",
            "rows_scanned": self.rows,
            "rows_with_findings": self.rows_with_findings,
            "entities_by_kind": dict(sorted(self.by_kind.items())),
        }
