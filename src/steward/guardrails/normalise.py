"""What a detector reads: a text without the tricks that hide a value or a word from it, and the way back.

Zero-width characters inside an e-mail address, a Cyrillic "о" inside "ignore", fullwidth digits in a card
number, "1gn0r3" for "ignore": a person reads through them, a regular expression or a word model does not.
`normalise_for_detection` undoes them once, where the policy engine hands a text to its scanners
(`steward.guardrails.engine`), and keeps an offset map so that a span found in the normalised text is mapped
back to the characters of the original text: redaction then removes what was found, hidden characters
included.

Steps, per character: NFKC (fullwidth and mathematical letters, ligatures, superscripts), a combining accent
composed with the letter before it (decomposed "María", as some keyboards send it); format characters
(category Cf: zero-width space and joiners, soft hyphen, word joiner, byte-order mark) and variation selectors
dropped; a lone surrogate, which no UTF-8 codec accepts (spaCy's tokenizer raises on it), becomes U+FFFD;
inside a word that also holds ASCII letters, a letter of another script that Unicode's confusables table
(`confusable_homoglyphs`: the Unicode consortium's confusables.txt as data) lists as a homoglyph of an ASCII
letter is replaced by it (a word wholly in Cyrillic or Greek is left alone, so mixed-script text keeps its
meaning). With `leet=True`, for the word-level detectors only (injection, toxicity), a word whose leet digits
and symbols ("0 1 3 4 5 7 @ $", and "!" between letters) make it all letters is spelled out ("h4t3" → "hate",
"b!tch"); "B12", "10:45", phone numbers, "1st", "90s", "5pm", "mp3", "covid19", @mentions and the parts of links
and e-mail addresses stay as they are, and PII never gets this step.
ASCII text without leet takes a fast path that returns it unchanged (no offset map).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from steward.guardrails.base import ScanContext, Scanner
from steward.types import Finding

OffsetMap = list[int] | None  # normalised index → original index (len+1 entries); None: the identity
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
# Runs of letters, digits and leet symbols; `spell` skips those without a letter. (A pattern that demanded the
# letter, `[…]*[A-Za-z][…]*`, backtracked over every start of a long digit run: 20,000 "1"s took 12 s.)
_LEET_WORD = re.compile(r"[A-Za-z0-9@$]+")
_HAS_LEET = re.compile(r"[013457@$!]")
_HAS_LETTER = re.compile(r"[A-Za-z]")
# Numbers with a unit or ordinal suffix ("1st", "90s", "5g") and words ending in a count or version ("mp3",
# "covid19", "page1") are not leet
_NOT_LEET = re.compile(
    r"[0-9]+(?:st|nd|rd|th|am|pm|min|mph|kw|mg|ml|[kmg]?b|[km]?g|[kcm]?m|[a-z])|[a-z]+[0-9]+", re.IGNORECASE
)  # ...but "4re" is "are"
_BANG = re.compile(r"(?<=[A-Za-z])!(?=[A-Za-z])")  # "b!tch": an exclamation mark between letters is an "i"
_VARIATION = range(0xFE00, 0xFE10)
_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def _homoglyphs() -> dict[str, str]:
    """Non-Latin letters that look like one ASCII letter or digit, from Unicode's confusables table."""
    from confusable_homoglyphs import confusables

    table: dict[str, str] = {}
    for char, glyphs in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        ascii_glyphs = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if ascii_glyphs:  # a letter before a digit: "О" is read as "O", not "0"
            table[char] = sorted(ascii_glyphs, key=lambda g: not g.isalpha())[0]
    return table


@lru_cache(maxsize=1)
def _homoglyph_table() -> dict[int, str]:
    return str.maketrans(_homoglyphs())


@lru_cache(maxsize=1)
def _hidden() -> re.Pattern[str]:
    """Every character `_unfold` drops or replaces: format characters, variation selectors, surrogates."""
    ranges = [chr(c) for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) == "Cf"]
    return re.compile("[" + "".join(re.escape(c) for c in ranges) + "\ufe00-\ufe0f\ud800-\udfff]")


def warm() -> None:
    """Build the tables now (Guard does, at start), not on the first request that needs them."""
    _homoglyph_table()
    _hidden()


def _is_dropped(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or ord(char) in _VARIATION


def _unfold(text: str) -> tuple[list[str], list[int]]:
    """NFKC per character, format characters dropped: the pieces and the original index of each."""
    pieces, origin = [], []
    for index, char in enumerate(text):
        if char.isascii():
            pieces.append(char)
            origin.append(index)
            continue
        if _is_dropped(char):
            continue
        if pieces and unicodedata.combining(char):
            composed = unicodedata.normalize("NFC", pieces[-1] + char)
            if len(composed) == 1:  # "i" + U+0301 is "í": a decomposed accent no longer splits "María"
                pieces[-1] = composed
                continue
        if unicodedata.category(char) == "Cs":  # a lone surrogate (JSON allows "\ud800"): no codec takes it
            pieces.append("\ufffd")
            origin.append(index)
            continue
        for part in unicodedata.normalize("NFKC", char):
            if not _is_dropped(part):
                pieces.append(part)
                origin.append(index)
    return pieces, origin


_WORD = re.compile(r"\S+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


# Hyphens and dashes other than "-" (U+2010 hyphen, U+2011 non-breaking hyphen, figure dash, en dash, minus
# sign, small and full-width hyphen-minus): "+44‑7700‑900123" is a phone number to the recognisers that read "-".
DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2212\ufe58\ufe63\uff0d", "-"))


def _map_homoglyphs(text: str) -> str:
    """Homoglyph letters of words (runs without spaces) that also hold an ASCII letter, replaced (same length)."""
    table = _homoglyph_table()

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if word.isascii() or not _ASCII_LETTER.search(word) else word.translate(table)

    return _WORD.sub(fix, text)


def _spell_leet(text: str) -> str:
    """Words that leet digits and symbols make all letters, spelled out (same length: offsets unchanged). Parts
    of links and e-mail addresses ("/page1", "user1@example.com") and @mentions keep their characters."""

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        if not _HAS_LETTER.search(word) or not _HAS_LEET.search(word) or _NOT_LEET.fullmatch(word):
            return word
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if before in "/:.@" or word.startswith("@") or ("@" in word and after == "."):
            return word
        spelled = word.translate(LEET)
        return spelled if spelled.isalpha() else word

    text = _BANG.sub("i", text)
    encoded = [run.span() for run in _ENCODED_RUN.finditer(text) if _is_encoded(run.group())]
    if not encoded:
        return _LEET_WORD.sub(spell, text)
    starts = [start for start, _ in encoded]

    def spell_outside(match: re.Match[str]) -> str:
        k = bisect.bisect_right(starts, match.start()) - 1
        return match.group(0) if k >= 0 and match.start() < encoded[k][1] else spell(match)

    return _LEET_WORD.sub(spell_outside, text)


# A base64-like run (16+ characters, upper and lower case, a digit, "+" or "/") is an encoded payload, a key or a
# hash, not a leet word: spelling its digits would destroy what the injection scanner decodes (round 9).
_ENCODED_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _is_encoded(run: str) -> bool:
    return (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() or c in "+/" for c in run)
    )


def normalise_for_detection(text: str, *, leet: bool = False) -> tuple[str, OffsetMap]:
    """The text as detectors should read it, and the map of its indices to the original's (None: identical)."""
    if text.isascii():
        if not leet or not _HAS_LEET.search(text):
            return text, None
        return _spell_leet(text), None  # same length: leet spelling maps one character to one
    offsets: OffsetMap = None
    if unicodedata.is_normalized("NFKC", text) and not _hidden().search(text):
        out = text  # the common case (accents, other scripts, emoji): nothing to unfold, offsets unchanged
    else:
        pieces, origin = _unfold(text)
        out, offsets = "".join(pieces), [*origin, len(text)]
    out = _map_homoglyphs(out).translate(DASHES)
    if leet:
        out = _spell_leet(out)
    return (text, None) if out == text else (out, offsets)


def without_surrogates(text: str) -> str:
    """The text with lone surrogates as U+FFFD (same length: spans stay valid), for scanners reading it as is."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def map_span(offsets: OffsetMap, start: int, end: int) -> tuple[int, int]:
    """A span of the normalised text as a span of the original (covering dropped characters inside it)."""
    if offsets is None:
        return start, end
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1


# Which form each built-in scanner reads: word-level classifiers get leet spelled out; span scanners the plain
# form, with spans mapped back; any other scanner (schema, topic, tone, plugins) the text as sent, only without
# lone surrogates (no UTF-8 codec takes them: sklearn's hasher and spaCy raise on them).
FORMS: dict[str, bool] = {"pii": False, "secrets": False, "injection": True, "toxicity": True}


@dataclass
class Normalised:
    """One text's normalised forms, each computed at most once, and scanning through them."""

    text: str
    _forms: dict[bool, tuple[str, OffsetMap]] = field(default_factory=dict)

    def form(self, leet: bool) -> tuple[str, OffsetMap]:
        if leet not in self._forms:
            self._forms[leet] = normalise_for_detection(self.text, leet=leet)
        return self._forms[leet]

    def scan(self, name: str, scanner: Scanner, context: ScanContext) -> list[Finding]:
        """The findings of rule `name`'s scanner on the form it reads, their spans on the original text."""
        if name not in FORMS:
            return scanner.scan(without_surrogates(self.text), context)
        text, offsets = self.form(FORMS[name])
        found = scanner.scan(text, context)
        if offsets is None:
            return found
        return [_mapped(f, offsets) for f in found]


def _mapped(finding: Finding, offsets: list[int]) -> Finding:
    if finding.start is None or finding.end is None:
        return finding
    start, end = map_span(offsets, finding.start, finding.end)
    return replace(finding, start=start, end=end)


# Runs of three or more single letters joined by one space or punctuation: "i g n o r e", "d.i.s.r.e.g.a.r.d".
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*]){2,}[^\W\d_](?![^\W\d_])")


def for_pattern_rules(text: str) -> str:
    """The leet form with spaced-out letters joined ("i g n o r e" → "ignore"), for pattern rules that read a
    text twice (as sent, and so). Offsets differ from the original's: a match found only here has no span."""
    spelled, _ = normalise_for_detection(text, leet=True)
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), spelled)
