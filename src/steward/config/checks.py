"""Checks that settings of several sections share, so that each says its problem the same way."""

from __future__ import annotations

import re


def regex(pattern: str, where: str = "") -> str:
    """`pattern` unchanged when it compiles as a regular expression; else a ValueError that names it, after
    `where` (the setting it came from, when the pattern alone does not say)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}{pattern!r} is not a valid regular expression ({exc})") from None
    return pattern
