"""Values that have the shape of personal data and are something else (issue 15, round 4).

A scanner finding is dropped when its value reads, by its own grammar and the words around it, as:
- an IP address that is a version number ("version 2.14.3.1", "nginx/1.18.0.2"), part of a longer dotted run
  ("2026.03.12.14.5"), or a private, loopback or link-local address in a server's error message ("upstream
  connect error to 10.2.3.4:8443"). A public address stays an IP wherever it is (a client's address in a log is
  personal data), and so does a private one in the user's own words;
- a phone number, an id or a card that is a compact timestamp ("20260920192510" of an HL7 header);
- a phone number that is an order, ticket or booking number ("order #68821433", "booking code 4567890"), or a
  flight's number with the times after it ("UA 1234 5678");
- an age of zero, or a count ("1 attempt", "Errors (0)");
- a date of birth with a digit run no date has ("853-1799875582", a ticket number);
- a postcode that is the number of a flight ("boarding LH 2398", "QR 2535 was late");
- a link that is a dotted name with no public suffix ("claim.created") or a social handle ("@blue.lover418");
- a name (of an uncued recogniser) with a word in the camel case of product names ("Bose QuietComfort"), unless
  its inner capital follows a surname prefix ("McDonald", "DeLuca", "MacArthur").
"""

from __future__ import annotations

import ipaddress
import re

# "version 2.14.3.1", "v1.2.3.4", "nginx/1.18.0.2", "build 10.0.19045.1"
_VERSION_BEFORE = re.compile(r"(?i:(?:\b(?:v|ver|version|release|build|rev|revision)\.?\s*|[A-Za-z]/))$")
_SERVER_ERROR = re.compile(
    r"(?i:\b(?:error|failed|failure|refused|timed?\s*out|timeout|unreachable|upstream|exception|denied|"
    r"reset|502|503|504|econnrefused|etimedout)\b)"
)
# A server's own networks (RFC 1918, shared, loopback, link-local, unique-local); documentation ranges
# (203.0.113.0/24...) are left to stand for anyone's address.
_INTERNAL = [
    ipaddress.ip_network(n)
    for n in (
        *("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"),
        *("::1/128", "fc00::/7", "fe80::/10"),
    )
]
_TIMESTAMP = re.compile(
    r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?"
)
_CODE_BEFORE = re.compile(
    r"(?i:\b(?:order|invoice|inv|ticket|tkt|booking|reservation|pnr|confirmation|ref|reference|case|claim|"
    r"policy|tracking|application|receipt|transaction|txn|item|sku)\b[^\n\d]{0,20})$"
)
_PHONE_WORD = re.compile(r"(?i:\b(?:phone|telephone|tel|mobile|cell|call|ring|text|sms|whatsapp|fax)\b)")
_COUNT_AFTER = re.compile(
    r"(?i)^\s*(?:attempts?|tries|times?|retries|errors?|items?|failures?|warnings?|records?|rows?|results?|"
    r"matches|messages?|files?|requests?|steps?|points?|pieces?)\b"
)
_FLIGHT_CODE_BEFORE = re.compile(r"(?:^|(?<=[\s(,;]))(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\s?$")
_PRODUCT_WORD = re.compile(
    r"(?!(?:Mac|Mc|Fitz|De|Di|Da|Du|La|Le|Lo|Van|Von|St|Ter|Ten)[A-Z])[A-Z][a-z]{2,}[A-Z][a-z]{2,}"
)
_DIGIT_RUN = re.compile(r"\d{5,}")
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def _line(text: str, start: int, end: int) -> str:
    return text[text.rfind("\n", 0, start) + 1 : (text.find("\n", end) + 1 or len(text) + 1) - 1]


def not_an_ip(text: str, start: int, end: int) -> bool:
    """A version number, part of a longer dotted run, or a server's own address in an error message."""
    if _VERSION_BEFORE.search(text[max(0, start - 12) : start]):
        return True
    if re.match(r"\.\d", text[end : end + 2]) or re.search(r"\d\.$", text[max(0, start - 2) : start]):
        return True
    try:
        address = ipaddress.ip_address(text[start:end])
    except ValueError:
        return False
    internal = any(address in network for network in _INTERNAL if network.version == address.version)
    return internal and _SERVER_ERROR.search(_line(text, start, end)) is not None


def not_a_number_of_a_person(kind: str, text: str, start: int, end: int) -> bool:
    """A phone number, an id or a card that is a timestamp; an id inside a longer number; a phone number that is
    an order or booking number."""
    value = text[start:end]
    if _TIMESTAMP.fullmatch(value):
        return True
    if kind != "PHONE_NUMBER":  # an id inside a longer number ("79460958123" of "+4479460958123") is none
        return bool(re.match(r"[\d+]", text[max(0, start - 1) : start]) or re.match(r"\d", text[end : end + 1]))
    if text[max(0, start - 1) : start] == "#":
        return True
    before = text[max(0, start - 30) : start]
    if _PHONE_WORD.search(before):
        return False
    # "flight UA 1234 5678", "LH 401 1130 1245": a flight's number and the times after it
    return _CODE_BEFORE.search(before) is not None or _FLIGHT_CODE_BEFORE.search(before[-4:]) is not None


def not_an_age(text: str, start: int, end: int) -> bool:
    """Zero ("Errors (0)") or a count of things ("1 attempt left")."""
    value = text[start:end].strip()
    return (value.isdigit() and int(value) == 0) or _COUNT_AFTER.match(text[end : end + 20]) is not None


def not_a_birth_date(value: str) -> bool:
    """A digit run of five or more that is no compact date ("853-1799875582"): a ticket or account number."""
    return any(not _COMPACT_DATE.fullmatch(run) for run in _DIGIT_RUN.findall(value))


def flight_number(text: str, start: int, end: int) -> bool:
    """A "postcode" of one to four digits right after an airline's two-character code ("LH 2398", "QR2535")."""
    value = text[start:end]
    before = text[max(0, start - 4) : start]
    return value.isdigit() and len(value) <= 4 and _FLIGHT_CODE_BEFORE.search(before) is not None


def not_a_link(text: str, start: int, end: int, has_suffix: bool) -> bool:
    """A bare dotted name (no scheme, no "www.", no path) with no public suffix, or a handle after "@"."""
    value = text[start:end].lower()
    if value.startswith(("http", "www.")) or "/" in value:
        return False
    return not has_suffix or text[max(0, start - 1) : start] == "@"


def product_name(span: str) -> bool:
    """A word in camel case ("QuietComfort", "PlayStation") that no surname prefix explains."""
    return any(_PRODUCT_WORD.fullmatch(word) for word in span.split())
