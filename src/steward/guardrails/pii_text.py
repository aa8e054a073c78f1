"""What the PII scanner reads: the text with invisible characters removed and look-alike letters folded.

A zero-width space inside a name or an e-mail address ("Jo\u200bhn", "anna\u200b@example.com") or a Cyrillic "а"
in "Аnna" hides nothing from a reader but breaks every regex and changes the tokens a model sees. The scanner
therefore analyses a folded copy: invisible format characters (zero-width spaces and joiners, soft hyphens,
direction marks, word joiners, BOM) are dropped, and Cyrillic/Greek letters that look like Latin ones and
full-width ASCII are replaced by their Latin twins, one character for one. Each finding is mapped back onto the
original text, so redaction covers the hidden characters too.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_LOOKALIKES = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοναι",
    "ABEKMHOPCTXaeopcyxijsdqwABEZHIKMNOPTYXovai",
)
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def folded(text: str) -> tuple[str, list[int] | None]:
    """The text to analyse, and for each of its characters the offset in `text` (None: the same offsets)."""
    clean = text.translate(_LOOKALIKES).translate(_FULLWIDTH)
    if _INVISIBLE.search(clean) is None:
        return clean, None
    kept = [i for i, c in enumerate(clean) if _INVISIBLE.fullmatch(c) is None]
    return "".join(clean[i] for i in kept), kept


def original_span(offsets: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """The span in the original text of [start, end) in the folded one."""
    if offsets is None or end <= start:
        return start, end
    return offsets[start], offsets[end - 1] + 1
