"""Text as a detector should read it: disguises that change the bytes but not what a reader sees are undone.

Abuse is often disguised so that a word list or a tokenizer misses it while a person reads it at once:
zero-width characters inside a word ("id\u200biot"), Cyrillic or Greek letters that look Latin ("іdіоt"),
full-width or styled letters ("ｉｄｉｏｔ", "𝐢𝐝𝐢𝐨𝐭") and leet digits ("1d10t"). `normalise_for_detection` undoes
these before a detector reads the text; it never raises and keeps everything else as it was (real Russian or
Greek words, numbers such as "2024" or "£45", emoji), so it hides nothing the plain text would show.
"""

from __future__ import annotations

import re
import unicodedata

# Lookalikes of Latin letters in Cyrillic and Greek (the common homoglyphs of spam and abuse), mapped only inside
# words that also hold a Latin letter: a word written wholly in Cyrillic or Greek is a real word and stays.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
        "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x", "ε": "e",
        "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
        "Τ": "T", "Υ": "Y", "Χ": "X", "Ζ": "Z",
    }
)  # fmt: skip
# Leet digits and signs, mapped only inside a word that also holds a letter ("1d10t", "$hit", "b!tch"), so that
# numbers, prices and dates keep their digits.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_WORD = re.compile(r"[^\s]+")
_LATIN = re.compile(r"[A-Za-z]")
_LOOKALIKE = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0261]")
_LEETABLE = re.compile(r"[01345 7@$!]".replace(" ", ""))
# Digits or "!" ending a word are a count, a version or punctuation ("covid19", "mp3", "idiot!"), not letters.
_TRAILING = re.compile(r"[0-9!]+$")
# Numbers with a unit or an ordinal ("5pm", "4th", "10kg"), codes such as seats and flights ("31C", "4B"),
# @mentions, #hashtags, e-mail addresses and links keep their digits and signs.
_KEEP = re.compile(
    r"^[0-9]+[A-Za-z]$|^[0-9]{2,}|^[@#]|"
    r"^[0-9]+(?:st|nd|rd|th|am|pm|[kmg]?b|[km]?g|[kcm]?m|ml|l|k|x|h|s|d|p|min|mph|kw|mg)$|@.*\.|://|^www\.",
    re.I,
)


def _strip_invisible(text: str) -> str:
    """Drop format characters (zero-width space / joiners, soft hyphen, direction marks, BOM) but keep the
    zero-width joiner inside emoji sequences harmless: removing it only splits an emoji into its parts."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _unmask(word: str) -> str:
    if _LOOKALIKE.search(word) and _LATIN.search(word):
        word = word.translate(_CONFUSABLES)
    if _LEETABLE.search(word) and not _KEEP.search(word.rstrip("!?.,;:)")):
        core = word.rstrip("!?.,;:)")
        tail = word[len(core) :]
        trailing = _TRAILING.search(core)
        body, end = (core[: trailing.start()], core[trailing.start() :]) if trailing else (core, "")
        letters = sum(ch.isalpha() for ch in body)
        if letters and letters < len(body) and not body.replace(".", "").replace(",", "").isdigit():
            # a word of letters with digits or signs among them: read the digits as the letters they stand for
            body = body.translate(_LEET)
        word = body + end + tail
    return word


def normalise_for_detection(text: str) -> str:
    """NFKC, no invisible format characters, homoglyphs and leet digits read as the letters they imitate."""
    if not text:
        return ""
    text = _strip_invisible(unicodedata.normalize("NFKC", text))
    return _WORD.sub(lambda match: _unmask(match.group(0)), text)
