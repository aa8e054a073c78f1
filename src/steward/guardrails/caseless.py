"""Names written in scripts without capitals (Arabic, Hebrew, Chinese, Japanese, Korean, Thai, Georgian, Indic
scripts) inside text that is otherwise in a cased script.

Issue 15, PII round 3. The trained NER, spaCy and the cased lexicon read capitals, so a name in such a script is
found only after a cue ("my name is"); on family 5, 656 of the 720 names Steward missed were in these scripts, in
CSV cells, JSON arrays, SMS speaker labels and signatures. Here a word of such a script is a name when it is a
known given or family name (Faker's lists of real names for those locales, `weights/caseless_names.json`, built by
`scripts/make_name_lexicon.py`), and for Chinese, Japanese and Korean, which write a name as one word, when a word
of two to four characters starts with a known family name. Adjacent name words form one name. A run of more than
three words of the same script (a phrase, an address) is left to the cues: there, words that are also names are
most often just words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WEIGHTS = Path(__file__).resolve().parent / "weights" / "caseless_names.json"
_CASED = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")
_JOINED = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")  # scripts that write a whole name as one word


@dataclass(frozen=True)
class CaselessLexicon:
    first: frozenset[str]
    last: frozenset[str]


@lru_cache(maxsize=1)
def caseless_lexicon(path: Path = WEIGHTS) -> CaselessLexicon:
    data = json.loads(path.read_text(encoding="utf-8"))
    return CaselessLexicon(frozenset(data["first"]), frozenset(data["last"]))


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    return unicodedata.name(char, "?").split()[0]


def _caseless_word(word: str) -> str | None:
    """The script of a word made only of letters and marks of one caseless script, else None."""
    script = None
    for char in word:
        if unicodedata.category(char)[0] not in "LM" and char != "\u200c":
            return None
        name = _script(char)
        if name in _CASED or name == "?":
            return None
        if unicodedata.category(char)[0] == "L":
            script = script or name
    return script


# Last characters of Chinese, Japanese and Korean place and street names (county, district, city, town, village,
# road, street, ward...): "荆门县", "江東区", "반포대로" start with a family name but are places.
_PLACE_END = frozenset("县縣区區市省镇鎮村乡鄉路街道州町郡島岛洞里邑面구시군동로길읍면리도")


def _known(word: str, script: str, lex: CaselessLexicon, loose: bool = True) -> bool:
    if script in _JOINED and word[-1] in _PLACE_END:
        return False
    if word in lex.first or word in lex.last:
        return True
    if script in _JOINED and 2 <= len(word) <= 4 and loose:
        return word[:1] in lex.last or (len(word) > 2 and word[:2] in lex.last)
    return False


_WORD = re.compile(r"[^\s,;|\t\"'\[\]{}()<>:/«»“”‘’،。、，：；！？.!?]+")


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the words of a line: split at spaces, cell and field delimiters and punctuation."""
    return [m.span() for m in _WORD.finditer(text, start, end)]


def _runs(text: str, start: int, end: int) -> list[list[tuple[int, int, str]]]:
    """Runs of words of one caseless script, each joined to the next by one space."""
    runs: list[list[tuple[int, int, str]]] = []
    for a, b in _words(text, start, end):
        script = _caseless_word(text[a:b])
        if script is None:
            runs.append([])
            continue
        last = runs[-1][-1] if runs and runs[-1] else None
        if last is not None and last[2] == script and a == last[1] + 1 and text[last[1]] == " ":
            runs[-1].append((a, b, script))
        else:
            runs.append([(a, b, script)])
    return [r for r in runs if r]


# What may stand on either side of a cell, a field's value or a speaker label ("王小明,", '"李娜"', "김민준:")
_CELL_EDGE = frozenset(["", ",", ";", "|", "\t", '"', "[", "]", ":", "："])


def _line_names(text: str, start: int, end: int, lex: CaselessLexicon) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    line = text[start:end]
    # In running Chinese, Japanese or Korean text most 2-4 character words that start with a family name's
    # character are words ("方便", "何时", "马上", "김포"): a family name's first character marks a name only
    # in a line mostly of cased letters, or in a cell of its own.
    cased = sum(1 for c in line if c.isalpha() and _script(c) in _CASED)
    mostly_cased = cased >= sum(1 for c in line if c.isalpha()) - cased

    def loose(a: int, b: int) -> bool:
        before, after = text[start:a].rstrip(" ")[-1:], text[b:end].lstrip(" ")[:1]
        return mostly_cased or (before in _CELL_EDGE and after in _CELL_EDGE)

    for run in _runs(text, start, end):
        if len(run) > 3:
            continue  # a phrase or an address in that script, not a name
        known = [(a, b) for a, b, script in run if _known(text[a:b], script, lex, loose(a, b))]
        if known:
            found.append((known[0][0], known[-1][1]))
    return found


def caseless_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of names in caseless scripts (see the module docstring)."""
    if text.isascii():
        return []
    lex = caseless_lexicon()
    found: list[tuple[int, int]] = []
    at = 0
    for line in text.split("\n"):
        if not line.isascii():
            found += _line_names(text, at, at + len(line), lex)
        at += len(line) + 1
    return found
