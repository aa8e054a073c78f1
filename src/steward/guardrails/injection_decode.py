"""Readings of a text that hide an instruction from the injection rules: base64, ROT13, written backwards (round 9).

An attacker can wrap "ignore all previous instructions" in base64 or ROT13, or reverse it, and ask the model to
decode it first; the model can, a regular expression cannot. `hidden_readings` returns the decoded texts that
the heuristics should read too. The work is bounded and linear in the input: base64 runs are found by one
regular-expression pass, at most `MAX_RUNS` of them are decoded and each is cut to `MAX_RUN` characters; a run is
kept only when it decodes to UTF-8 text that is mostly letters and spaces (hashes, keys and identifiers decode
to bytes, not words). ROT13 and reversal cost one translation or slice each, and only run when the text holds
the ROT13 or reversed spelling of a word the rules look for ("vafgehpgvbaf", "snoitcurtsni"), so ordinary
text pays a substring test.
"""

from __future__ import annotations

import base64
import binascii
import re

MAX_RUNS = 8  # base64 runs decoded per text
MAX_RUN = 4096  # characters of one run decoded (a multiple of 4)
# 16+ characters of the base64 alphabet (a 12-byte payload), optionally padded. Long plain words match too and
# are dropped by `_is_words` after decoding.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_ROT13 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm"
)
# Words of the override, extraction and persona rules; their ROT13 and reversed spellings gate the two readings.
_STEMS = ("ignore", "disregard", "forget", "instruction", "prompt", "system", "rules", "override", "jailbreak")
_ROT13_STEMS = tuple(stem.translate(_ROT13) for stem in _STEMS)
_REVERSED_STEMS = tuple(stem[::-1] for stem in _STEMS)


def _is_words(text: str) -> bool:
    """True for decoded bytes that read as text: printable, at least one space, four fifths letters or spaces."""
    if not text or not text.isprintable() or " " not in text:
        return False
    wordy = sum(1 for char in text if char.isalpha() or char == " ")
    return wordy >= 0.8 * len(text)


def base64_readings(text: str) -> list[str]:
    """The base64 runs of `text` that decode to words (at most MAX_RUNS runs, each cut to MAX_RUN characters)."""
    found = []
    for count, match in enumerate(_BASE64_RUN.finditer(text)):
        if count >= MAX_RUNS:
            break
        run = match.group().rstrip("=")[:MAX_RUN]
        run = run[: len(run) - len(run) % 4] if len(run) % 4 == 1 else run
        try:
            decoded = base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if _is_words(decoded):
            found.append(decoded)
    return found


def hidden_readings(text: str, lowered: str) -> list[tuple[str, str]]:
    """(reading, how) for each decoded reading of `text` worth scanning; `lowered` is `text.lower()`."""
    readings = [(decoded, "base64") for decoded in base64_readings(text)]
    if any(stem in lowered for stem in _ROT13_STEMS):
        readings.append((text.translate(_ROT13), "rot13"))
    if any(stem in lowered for stem in _REVERSED_STEMS):
        readings.append((text[::-1], "reversed"))
    return readings
