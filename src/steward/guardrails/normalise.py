"""Text normalisation in front of the detectors' pattern rules.

Zero-width characters, homoglyphs (Cyrillic "і" for Latin "i"), leetspeak ("1gn0re") and spaced-out letters
("i g n o r e") leave a phrase readable to a model but invisible to a regular expression. The rules read the
normalised text as well as the original; the result is for matching only (offsets differ), never shown.
"""

from __future__ import annotations

import re
import unicodedata

# Cyrillic and Greek letters drawn like Latin ones (the common subset of Unicode's confusables list).
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁӏɡАВЕКМНОРСТХІЈЅαεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdlgABEKMHOPCTXIJSaeikvoptuxABEZHIKMNOPTYX",
)
_LEET = str.maketrans("013457@$", "oieastas")
# Only words with a digit, "@", "$" or a non-ASCII character can be disguised: the rest is never touched.
_WORD = re.compile(r"\b[a-zA-Z]*+[\d@$\u0080-\U0010ffff][\w@$]*")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Runs of three or more single letters joined by one space or punctuation: "i g n o r e", "d.i.s.r.e.g.a.r.d".
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*]){2,}[^\W\d_](?![^\W\d_])")


def _fix_word(match: re.Match[str]) -> str:
    word = match.group()
    if not _ASCII_LETTER.search(word):
        return word  # a word in another script (Russian, Greek) is left alone: only mixed words are disguises
    word = word.translate(_CONFUSABLES)
    if any(c.isdigit() or c in "@$" for c in word) and any(c.isalpha() for c in word):
        word = word.translate(_LEET)  # "1gn0re" -> "ignore"; a plain number is left alone
    return word


def normalise_for_detection(text: str) -> str:
    """NFKC, without format characters (zero-width spaces, joiners, bidi marks), with homoglyphs and leet digits
    mapped to Latin letters inside Latin words, and spaced-out letters joined. Linear in the text's length."""
    if not text.isascii():  # ASCII has no format characters and is its own NFKC form
        text = unicodedata.normalize("NFKC", text)
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _WORD.sub(_fix_word, text)
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), text)
