"""Names that own a personal detail: "send Valerio's address", "Ana Ruiz's phone number" (issue 15, round 4).

The possessor is reported as PERSON when its words are capitalised and one of them is a known given or family
name, so a brand's or an airport's possessive ("Heathrow's phone number", "Amazon's address") is not.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.rule_recognizer import RuleRecognizer

_POSSESSIVE = re.compile(
    r"(?<![\w'’])(?P<value>[^\W\d_][\w\-]*(?:\s+[^\W\d_][\w\-]*)?)['’]s\s+(?:(?:home|new|current|mobile|"
    r"private|postal)\s+)?(?:address|phone|number|mobile|e-?mail|birthday|date\s+of\s+birth|passport|details)\b"
)


class PossessiveNameRecognizer(RuleRecognizer):
    """PERSON: capitalised words, one of them a known given or family name, that own a personal detail ("send
    Valerio's address", "Ana Ruiz's phone")."""

    ENTITIES, SCORE = ("PERSON",), 0.6

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        if "PERSON" not in entities or ("'s " not in text and "’s " not in text):
            return []
        from steward.guardrails.names import lexicon

        lex = lexicon()  # a known given or family name owns the detail, not "Heathrow's" or "Amazon's"
        results = []
        for match in _POSSESSIVE.finditer(text):
            start, end = match.span("value")
            words = list(re.finditer(r"\S+", text[start:end]))
            while words and not words[0].group(0)[:1].isupper():  # "send Valerio's": the name is "Valerio"
                words.pop(0)
            lowered = [w.group(0).lower() for w in words]
            named = [w for w in lowered if w in lex.first or w in lex.last]
            if named and not all(w in lex.common or w in lex.places for w in named):
                results.append(RecognizerResult("PERSON", start + words[0].start(), end, self.score))
        return results
