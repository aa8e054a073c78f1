"""Card numbers and IBANs written with unusual separators, found by their checksums.

Presidio's card and IBAN patterns allow a space or a dash between groups. People (and forms, PDFs, copy and
paste) also write "4111.1111.1111.1111", "4111/1111/1111/1111", "4111_1111_1111_1111", "4111 · 1111", em dashes,
a line break in the middle, or Arabic-Indic digits. This recogniser joins groups of digits (or an IBAN's letters
and digits) across any run of such separators and reports the whole span only when the joined value passes the
checksum: Luhn for a card of 13-19 digits, ISO 7064 mod-97 for an IBAN. The checksum is what keeps a row of
phone numbers, dates or prices from being read as a card.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.rule_recognizer import RuleRecognizer

# Separators between groups: spaces and line breaks, dots, slashes, underscores, middle dots, bullets, dashes of
# every width, non-breaking hyphens.
_SEP = r"[\s._/·•\u2010-\u2015\u2212\-]{1,3}"
# Groups with separators, or one run of 13-19 digits in a script Presidio's ASCII pattern does not read
# ("٤١١١١١١١١١١١١١١١").
CARD = re.compile(rf"(?<![\w.])(?:\d{{2,6}}(?:{_SEP}\d{{1,6}}){{1,8}}|\d{{13,19}})(?![\w])")
IBAN = re.compile(rf"(?<![\w])[A-Z]{{2}}\d{{2}}(?:{_SEP}?[A-Z0-9]{{1,4}}){{3,9}}(?![\w])")
# IBAN lengths per country are 15-34 characters.
IBAN_LENGTHS = range(15, 35)


def _digits(span: str) -> str:
    """The digits of a span, Arabic-Indic and full-width digits read as ASCII."""
    return "".join(str(unicodedata.digit(c)) for c in span if c.isdigit())


def luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(value: str) -> bool:
    if len(value) not in IBAN_LENGTHS or not value[:2].isalpha() or not value[2:4].isdigit():
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


_GROUP_CARD = re.compile(r"\d{1,6}")
_GROUP_IBAN = re.compile(r"[A-Z0-9]{1,4}")


def _groups(text: str, start: int, end: int, group: re.Pattern[str]) -> list[tuple[int, int]]:
    return [m.span() for m in group.finditer(text, start, end)]


def _uniform(text: str, groups: list[tuple[int, int]]) -> bool:
    """One separator throughout (a line break may stand for it: "4111 1111\n1111 1111"); dates and lists of
    numbers mix them ("2026-09-19 2027-01-01")."""
    seps = {text[a[1] : b[0]].strip() or " " for a, b in itertools.pairwise(groups)}
    return len(seps) <= 1


def _card_end(text: str, groups: list[tuple[int, int]]) -> int | None:
    """End of the longest run of groups from the first that reads as a card (13-19 digits, Luhn), or None.
    Card groups have three digits or more, but the last."""
    for n in range(len(groups), 1, -1):
        run = groups[:n]
        if any(b - a < 3 for a, b in run[:-1]) or not _uniform(text, run):
            continue
        number = _digits(text[run[0][0] : run[-1][1]])
        if 13 <= len(number) <= 19 and len(set(number)) > 1 and luhn(number):
            return run[-1][1]
    return None


def _iban_end(text: str, groups: list[tuple[int, int]]) -> int | None:
    for n in range(len(groups), 1, -1):
        run = groups[:n]
        value = "".join(text[a:b] for a, b in run)
        if iban_valid(value):
            return run[-1][1]
    return None


class SeparatedNumberRecognizer(RuleRecognizer):
    """CREDIT_CARD and IBAN_CODE written with any separators, checked by Luhn and mod-97."""

    ENTITIES, SCORE = ("CREDIT_CARD", "IBAN_CODE"), 1.0

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        if "CREDIT_CARD" in entities:
            for match in CARD.finditer(text):
                end = _card_end(text, _groups(text, match.start(), match.end(), _GROUP_CARD))
                if end is not None:
                    results.append(RecognizerResult("CREDIT_CARD", match.start(), end, self.score))
        if "IBAN_CODE" in entities:
            for match in IBAN.finditer(text):
                end = _iban_end(text, _groups(text, match.start(), match.end(), _GROUP_IBAN))
                if end is not None:
                    results.append(RecognizerResult("IBAN_CODE", match.start(), end, self.score))
        return results
