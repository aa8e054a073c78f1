"""Readings of a text that hide an instruction from the injection rules: base64, ROT13, backwards (round 9).

An attacker can wrap "ignore all previous instructions" in base64 or ROT13, or reverse it, and ask the model to
decode it first; the model can, a regular expression cannot. `hidden_readings` returns the decoded texts that
the heuristics should read too. The work is bounded and linear in the input: base64 runs are found by one
regular-expression pass, those that look encoded are decoded up to `MAX_DECODED` characters in all; a run is
kept only when it decodes to UTF-8 text that is mostly letters and spaces (hashes, keys and identifiers decode
to bytes, not words). ROT13 and reversal cost one translation or slice each, and only run when the text holds
the ROT13 or reversed spelling of a word the rules look for ("vafgehpgvbaf", "snoitcurtsni"), so ordinary
text pays a substring test.
"""

from __future__ import annotations

import base64
import binascii
import re

MAX_DECODED = 65_536  # characters of base64 decoded per text, all runs together
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


def _looks_encoded(run: str) -> bool:
    """Upper and lower case and a digit, "+" or "/": base64 of text has them, long words and "xxxx…" do not."""
    return (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() or c in "+/" for c in run)
    )


def base64_readings(text: str) -> list[str]:
    """The base64 runs of `text` that decode to words, MAX_DECODED characters of runs at most."""
    found: list[str] = []
    budget = MAX_DECODED
    for match in _BASE64_RUN.finditer(text):
        if budget <= 0:
            break
        if not _looks_encoded(match.group()):
            continue
        run = match.group().rstrip("=")[:budget]
        budget -= len(run)
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
