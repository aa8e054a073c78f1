"""The base of Steward's own Presidio recognizers (names by cue or field, streets, tables, nationalities, the
trained NER, codes and numbers): English, their entities and default score declared on the class, named after it,
nothing for Presidio to load (patterns are compiled with the module, the NER is loaded on first use)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from presidio_analyzer import EntityRecognizer


class RuleRecognizer(EntityRecognizer):
    """A recognizer of Steward's own; subclasses declare `ENTITIES` and `SCORE` and write `analyze`."""

    ENTITIES: ClassVar[Sequence[str]] = ()
    SCORE: ClassVar[float] = 0.5

    def __init__(
        self, score: float | None = None, *, entities: Sequence[str] | None = None, name: str | None = None
    ) -> None:
        self.score = self.SCORE if score is None else score
        entities = list(entities or self.ENTITIES)
        super().__init__(supported_entities=entities, name=name or type(self).__name__, supported_language="en")

    def load(self) -> None:
        return None
