"""Personal data in health and contact records, read by each format's own grammar (issue 15, round 4).

- **HL7 v2** segments (`PID|1||MRN^^^HOSP^MR||FAMILY^GIVEN^M||19850312|F|||street^^city^^zip||phone`): the
  standard's field positions say what each field holds: patient, next-of-kin, guarantor and insured names (XPN:
  `family^given^middle`), doctors (XCN: `id^family^given`), ids (CX: `id^^^authority^type`), dates of birth,
  addresses (XAD: `street^other^city^state^zip`) and phone numbers. Neither spaCy nor the trained NER reads a
  caret-joined name as a name, and they take the segment's digits for postcodes.
- **Chat exports** ("12/03/2026, 14:02 - Name: text"): the sender between the timestamp and the colon.
- **vCard** properties (`N:family;given;;;`, `FN:`, `ADR;TYPE=HOME:;;street;city;region;zip;country`, `BDAY:`,
  `TEL:`) and **iCalendar** attendees and organisers (`ORGANIZER;CN=Name:mailto:…`).

Each value is reported by position, so names here count as cued (`pii.CUED_NAMES`) and addresses as keyed.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.rule_recognizer import RuleRecognizer

HL7_SEGMENT = re.compile(r"^(?P<segment>[A-Z][A-Z0-9]{2})\|", re.MULTILINE)
# (segment, field number) -> what the field holds (HL7 v2.5 positions)
HL7_FIELDS = {
    ("PID", 3): "CX", ("PID", 5): "XPN", ("PID", 6): "XPN", ("PID", 7): "DOB", ("PID", 9): "XPN",
    ("PID", 11): "XAD", ("PID", 13): "PHONE", ("PID", 14): "PHONE", ("PID", 19): "CX", ("PID", 20): "CX",
    ("NK1", 2): "XPN", ("NK1", 4): "XAD", ("NK1", 5): "PHONE", ("NK1", 6): "PHONE", ("NK1", 16): "DOB",
    ("PV1", 7): "XCN", ("PV1", 8): "XCN", ("PV1", 9): "XCN", ("PV1", 17): "XCN",
    ("GT1", 3): "XPN", ("GT1", 5): "XAD", ("GT1", 6): "PHONE", ("GT1", 8): "DOB", ("GT1", 12): "CX",
    ("IN1", 16): "XPN", ("IN1", 18): "DOB", ("IN1", 19): "XAD", ("IN1", 49): "CX",
    ("MRG", 1): "CX", ("MRG", 7): "XPN", ("OBR", 16): "XCN", ("ORC", 12): "XCN",
}  # fmt: skip
_NAME_PART = re.compile(r"[^\W\d_][^\W\d_'’.\- ]*(?:[\s'’.\-]+[^\W\d_]+)*\.?")
_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
VCARD_LINE = re.compile(
    r"^(?P<prop>N|FN|ADR|BDAY|TEL|NICKNAME)(?:;[^:\n]*)?:(?P<value>[^\n]+)$", re.MULTILINE | re.IGNORECASE
)
# A chat export's line: "12/03/2026, 14:02 - Name: text", "[12.03.26, 14:02:11] Name: text" (WhatsApp and the
# like: a comma between the date and the time, which a log line's timestamp has not); the sender is a name unless
# it is a phone number or a @handle.
CHAT_SENDER = re.compile(
    r"^\[?\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4},\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s?[APap]\.?[Mm]\.?)?\]?\s*(?:-\s+)?"
    r"(?P<value>[^\W\d_][^:\n@]{0,40}?):\s",
    re.MULTILINE,
)
CN_PARAM = re.compile(r"^(?:ORGANIZER|ATTENDEE)[^\n]*?;CN=(?P<q>\"?)(?P<value>[^\";:\n]+)(?P=q)[;:]", re.M)


def _parts(text: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    """(start, end) of each `sep`-separated part of text[start:end]."""
    spans, at = [], start
    for part in text[start:end].split(sep):
        spans.append((at, at + len(part)))
        at += len(part) + 1
    return spans


def _name(text: str, parts: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span from the first to the last name-like part, if no part holds a digit."""
    named = [p for p in parts if p[1] > p[0] and _NAME_PART.fullmatch(text[p[0] : p[1]])]
    if not named or any(c.isdigit() for a, b in parts for c in text[a:b]):
        return None
    return named[0][0], named[-1][1]


def _hl7_field(text: str, kind: str, start: int, end: int) -> list[tuple[str, int, int]]:
    first = text[start:end].split("~")[0]
    end = start + len(first)
    parts = _parts(text, start, end, "^")
    if kind == "XPN":
        span = _name(text, parts[:5])
        return [("PERSON", *span)] if span else []
    if kind == "XCN":
        span = _name(text, parts[1:6])
        return [("PERSON", *span)] if span else []
    if kind == "CX":
        a, b = parts[0]
        return [("ID_NUMBER", a, b)] if any(c.isdigit() for c in text[a:b]) else []
    if kind == "DOB":
        return [("DATE_OF_BIRTH", start, start + 8)] if _DATE.match(text, start, end) else []
    if kind == "PHONE":
        a, b = parts[0]
        return [("PHONE_NUMBER", a, b)] if sum(c.isdigit() for c in text[a:b]) >= 6 else []
    found = []  # XAD
    a, b = parts[0]
    if b > a and any(c.isalpha() for c in text[a:b]):
        found.append(("STREET_ADDRESS", a, b))
    if len(parts) > 4 and parts[4][1] > parts[4][0]:
        found.append(("ZIP_CODE", *parts[4]))
    return found


def hl7_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line that is an HL7 segment (a three-character id, then "|")."""
    return [(m.start(), (text.find("\n", m.start()) + 1 or len(text) + 1) - 1) for m in HL7_SEGMENT.finditer(text)]


def hl7_values(text: str) -> list[tuple[str, int, int]]:
    found = []
    for start, end in hl7_lines(text):
        segment = text[start : start + 3]
        for number, (a, b) in enumerate(_parts(text, start, end, "|")):
            kind = HL7_FIELDS.get((segment, number))
            if kind and b > a:
                found += _hl7_field(text, kind, a, b)
    return found


def chat_senders(text: str) -> list[tuple[str, int, int]]:
    return [("PERSON", *m.span("value")) for m in CHAT_SENDER.finditer(text) if _NAME_PART.fullmatch(m["value"])]


def vcard_values(text: str) -> list[tuple[str, int, int]]:
    found = [("PERSON", *match.span("value")) for match in CN_PARAM.finditer(text)]
    if "BEGIN:VCARD" not in text.upper():
        return found
    for match in VCARD_LINE.finditer(text):
        prop, (a, b) = match.group("prop").upper(), match.span("value")
        if prop == "N":
            found += [("PERSON", x, y) for x, y in _parts(text, a, b, ";")[:3] if _NAME_PART.fullmatch(text[x:y])]
        elif prop in ("FN", "NICKNAME") and _NAME_PART.fullmatch(text[a:b].strip()):
            found.append(("PERSON", a, a + len(text[a:b].rstrip())))
        elif prop == "ADR":
            parts = _parts(text, a, b, ";")
            found += [("STREET_ADDRESS", x, y) for x, y in parts[2:3] if y > x]
            found += [("ZIP_CODE", x, y) for x, y in parts[5:6] if y > x]
        elif prop == "BDAY":
            found.append(("DATE_OF_BIRTH", a, b))
        elif prop == "TEL":
            lead = len(text[a:b]) - len(re.sub(r"(?i)^tel:", "", text[a:b]))
            found.append(("PHONE_NUMBER", a + lead, b))
    return found


class RecordFormatRecognizer(RuleRecognizer):
    """PERSON, ID_NUMBER, DATE_OF_BIRTH, STREET_ADDRESS, ZIP_CODE and PHONE_NUMBER values of HL7 segments,
    vCards, iCalendar attendees and chat exports' senders, by the format's grammar (see the module docstring)."""

    ENTITIES = ("PERSON", "ID_NUMBER", "DATE_OF_BIRTH", "STREET_ADDRESS", "ZIP_CODE", "PHONE_NUMBER")
    SCORE = 0.7

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        if "|" not in text and ":" not in text:
            return []
        return [
            RecognizerResult(kind, start, end, self.score)
            for kind, start, end in hl7_values(text) + vcard_values(text) + chat_senders(text)
            if kind in entities and end > start
        ]
