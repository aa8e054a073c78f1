"""Presidio recognisers for what enterprises hold that Presidio's defaults do not cover.

Airline booking references (PNR), insurance claim and policy numbers are short alphanumeric codes that look
like many other things, so each is recognised only next to the words that name it ("booking reference",
"claim no.", "policy number") and only the code itself is reported as the span. `ContextCodeRecognizer` is
that shape: a regex with a named group `value`, whose span alone is the entity. National identifiers come from
Presidio's own country recognisers (UK NINO, Spanish NIF, Italian fiscal code, Indian Aadhaar/PAN, Singapore
FIN, Australian TFN, Canadian SIN, Polish PESEL…), which Presidio ships but does not switch on for English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from steward.guardrails.rule_recognizer import RuleRecognizer


class ContextCodeRecognizer(RuleRecognizer):
    """Reports the `value` group of `pattern` as `entity` with a fixed score."""

    def __init__(self, entity: str, pattern: str, score: float, name: str) -> None:
        self.pattern = re.compile(pattern)
        super().__init__(score, entities=[entity], name=name)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        for match in self.pattern.finditer(text):
            start, end = match.span("value")
            results.append(RecognizerResult(self.supported_entities[0], start, end, self.score))
        return results


_CODE = r"[A-Z0-9][A-Z0-9\-/]{4,18}[A-Z0-9]"
_HAS_DIGIT = r"(?=[A-Z\-/]*\d)"

BOOKING_REF = (
    r"(?i:\b(?:booking|reservation|pnr|confirmation|record locator)(?:\s+(?:ref(?:erence)?|code|number|no\.?|#))?"
    r"(?:\s+(?:is|was))?\s*[:#]?\s*)(?P<value>\b[A-Z0-9]{6}\b)"
)
CLAIM_NUMBER = (
    r"(?i:\bclaims?\s*(?:ref(?:erence)?|number|no\.?|#|id)?(?:\s+(?:is|was))?\s*[:#]?\s*)"
    rf"(?P<value>\b{_HAS_DIGIT}{_CODE}\b)"
)
CLAIM_NUMBER_FORMAT = r"(?P<value>\bCLM[-/]?\d{2,4}[-/]?\d{4,10}\b)"
POLICY_NUMBER = (
    r"(?i:\bpolicy\s*(?:number|no\.?|#|id|ref(?:erence)?)(?:\s+(?:is|was))?\s*[:#]?\s*)"
    rf"(?P<value>\b{_HAS_DIGIT}{_CODE}\b)"
)
POLICY_NUMBER_FORMAT = r"(?P<value>\bPOL[-/]?\d{6,12}\b)"


class FastPhoneRecognizer(RuleRecognizer):
    """Phone numbers: one regex pass for candidates, then libphonenumber validates each for a few regions.

    Presidio's PhoneRecognizer runs libphonenumber's matcher over the whole text once per region (eight by
    default), which is most of its time on a 1 kB prompt; validating only digit runs that look like a phone
    number gives the same numbers for a fraction of the cost. Scores follow Presidio's (0.4, 0.75 with a
    context word such as "phone" or "call" shortly before).
    """

    CANDIDATE = re.compile(r"(?<![\w+\-/])\+?\(?\d[\d \t().\-/]{5,20}\d(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w])")
    # Written forms libphonenumber does not parse as they stand: an extension ("x3554"), the trunk zero kept in
    # brackets after the country code ("+49(0) 30…"), the international prefix as "00" instead of "+".
    EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?\d{1,6}$")
    CONTEXT = re.compile(r"\b(phone|telephone|tel|mobile|cell|call|ring|text|sms|whatsapp|number|contact)\b", re.I)
    REGIONS = ("GB", "US", "DE", "FR", "IE", "ES", "IT", "NL", "IN", "CA", "AU", "IL", "BR")
    DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
    # A span of years ("1998-2004", "2011 - 2019", "(1985/1990)"): two years of 1900-2099, the second later
    # (session 15: a CV's "employed 2011-2019" was read as an 8-digit phone number).
    YEARS = re.compile(r"\(?((?:19|20)\d\d)\s?[-/]\s?((?:19|20)\d\d)\)?")

    ENTITIES = ("PHONE_NUMBER",)

    def _valid(self, candidate: str, context: bool = False) -> bool:
        import phonenumbers

        candidate = self.EXTENSION.sub("", candidate).replace("(0)", "")
        if candidate.startswith("00"):
            candidate = "+" + candidate[2:]
        digits = sum(c.isdigit() for c in candidate)
        if not 7 <= digits <= 15 or self.DATE.fullmatch(candidate.strip("()")) or self._timestamp(candidate):
            return False
        if self._years(candidate):
            return False
        regions = (None,) if candidate.startswith("+") else self.REGIONS
        for region in regions:
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            # A number written with its country code, or one the text calls a phone number, needs only a length
            # the country's plan allows (new or unlisted area codes are not "valid" to libphonenumber).
            check = (
                phonenumbers.is_possible_number if (region is None or context) else phonenumbers.is_valid_number
            )
            if check(number):
                return True
        # a number with its international prefix that the text calls a phone ("sms to +4477004001214"): a phone,
        # whatever the plan says of its length
        return context and candidate.lstrip("(").startswith("+") and 8 <= digits <= 15

    def _years(self, candidate: str) -> bool:
        """A span of years, not a number: "1998-2004" (the second year later than the first)."""
        years = self.YEARS.fullmatch(candidate.strip())
        return years is not None and int(years.group(1)) < int(years.group(2))

    def _timestamp(self, candidate: str) -> bool:
        """A date and the hour of a timestamp ("2026-05-11 18" of "2026-05-11 18:17:21"): the digits after the
        date are too few for any phone number."""
        date = self.DATE.match(candidate)
        return date is not None and sum(c.isdigit() for c in candidate[date.end() :]) < 7

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        for match in self.CANDIDATE.finditer(text):
            candidate = match.group(0).rstrip(" -./")
            start = match.start()
            context = self.CONTEXT.search(text, max(0, start - 40), start) is not None
            if self._valid(candidate, context):
                score = 0.75 if context else 0.4
                results.append(RecognizerResult("PHONE_NUMBER", start, start + len(candidate), score))
        return results


@lru_cache(maxsize=4096)
def has_public_suffix(domain: str) -> bool:
    import tldextract

    return tldextract.extract(domain).fqdn != ""


class CachedEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, with its public-suffix check (tldextract, ~0.2 ms a call) cached per domain:
    a conversation repeats the same few domains."""

    def validate_result(self, pattern_text: str) -> bool:
        return has_public_suffix(pattern_text.rsplit("@", 1)[-1].lower())

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Run Presidio's pattern only around each "@": its regex tries every word boundary of the whole text,
        which costs ~0.5 ms per 1 kB; an address spans at most 64 characters before the "@" and 255 after."""
        results = []
        for start, end in _around(text, "@", 64, 255):
            for result in super().analyze(text[start:end], entities, None, regex_flags):
                result.start += start
                result.end += start
                results.append(result)
        return results


def _around(text: str, mark: str, before: int, after: int) -> list[tuple[int, int]]:
    """Merged ranges around each `mark`, widened to whitespace so no word is cut."""
    ranges: list[tuple[int, int]] = []
    at = text.find(mark)
    while at >= 0:
        start = text.rfind(" ", 0, max(0, at - before)) + 1
        end = text.find(" ", min(len(text), at + after))
        end = len(text) if end < 0 else end
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
        at = text.find(mark, end if end > at else at + 1)
    return ranges


# Mastercard's 2-series (2221–2720, since 2017) is missing from Presidio's card pattern; the Luhn check applies.
MASTERCARD_2_SERIES = r"\b2(?:2(?:2[1-9]|[3-9]\d)|[3-6]\d\d|7(?:[01]\d|20))[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b"


def mastercard_2_series() -> EntityRecognizer:
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    pattern = Pattern("Mastercard 2-series (weak)", MASTERCARD_2_SERIES, 0.3)  # Luhn-valid matches score 1.0
    return CreditCardRecognizer(patterns=[pattern], name="Mastercard2SeriesRecognizer")


def custom_recognizers() -> list[EntityRecognizer]:
    from steward.guardrails.separated import SeparatedNumberRecognizer

    return [
        CachedEmailRecognizer(),
        SeparatedNumberRecognizer(),
        FastPhoneRecognizer(),
        mastercard_2_series(),
        ContextCodeRecognizer("BOOKING_REF", BOOKING_REF, 0.85, "BookingReferenceRecognizer"),
        ContextCodeRecognizer("CLAIM_NUMBER", CLAIM_NUMBER, 0.85, "ClaimNumberRecognizer"),
        ContextCodeRecognizer("CLAIM_NUMBER", CLAIM_NUMBER_FORMAT, 0.85, "ClaimNumberFormatRecognizer"),
        ContextCodeRecognizer("POLICY_NUMBER", POLICY_NUMBER, 0.85, "PolicyNumberRecognizer"),
        ContextCodeRecognizer("POLICY_NUMBER", POLICY_NUMBER_FORMAT, 0.85, "PolicyNumberFormatRecognizer"),
    ]


def national_id_recognizers() -> list[EntityRecognizer]:
    """Presidio's country recognisers, re-declared for English text."""
    from presidio_analyzer import predefined_recognizers as pr

    names = (
        "UkNinoRecognizer",
        "UkPassportRecognizer",
        "EsNifRecognizer",
        "EsNieRecognizer",
        "ItFiscalCodeRecognizer",
        "InAadhaarRecognizer",
        "InPanRecognizer",
        "SgFinRecognizer",
        "AuTfnRecognizer",
        "CaSinRecognizer",
        "PlPeselRecognizer",
        "FiPersonalIdentityCodeRecognizer",
        "SePersonnummerRecognizer",
        "DeTaxIdRecognizer",
    )
    found: list[EntityRecognizer] = []
    for name in names:
        cls = getattr(pr, name, None)
        if cls is not None:  # older Presidio versions lack some
            found.append(cls(supported_language="en"))
    return found
