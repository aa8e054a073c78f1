"""Session 14's role split: the shipped NER's dates of birth, ages and year-shaped postcodes are kept only where
the vetting model (round 5's retrain) gives the same label over the same place; names, streets, nationalities and
other postcodes are the first model's alone. Cases written for the test."""

from __future__ import annotations

from typing import Any

import pytest

from steward.guardrails import personal_ner as pn


class FakeVetter:
    """Says `label` over every occurrence of `value` in what it is given, and records what it was given."""

    def __init__(self, value: str = "", label: str = "") -> None:
        self.value, self.label = value, label
        self.seen: list[str] = []

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        self.seen.append(text)
        at = text.find(self.value) if self.value else -1
        return [(at, at + len(self.value), self.label)] if at >= 0 else []


def with_vetter(monkeypatch: Any, vetter: FakeVetter) -> None:
    monkeypatch.setattr(pn, "vetter", lambda: vetter)


def test_a_date_of_birth_the_vetter_does_not_give_is_dropped(monkeypatch: Any) -> None:
    text = "Anna Kowalska signed on 14 March 2021 in Leeds."
    at = text.index("14 March 2021")
    spans = [(0, 13, "PERSON"), (at, at + 13, "DATE_OF_BIRTH")]
    with_vetter(monkeypatch, FakeVetter())
    assert pn.vetted(text, spans) == [(0, 13, "PERSON")]


def test_an_agreed_date_of_birth_is_kept_with_the_first_models_bounds(monkeypatch: Any) -> None:
    text = "Anna Kowalska, born 14 March 1981, lives in Leeds."
    at = text.index("14 March 1981")
    spans = [(0, 13, "PERSON"), (at - 5, at + 13, "DATE_OF_BIRTH")]
    with_vetter(monkeypatch, FakeVetter("14 March 1981", "DATE_OF_BIRTH"))
    assert pn.vetted(text, spans) == spans


def test_another_label_over_the_span_is_no_agreement(monkeypatch: Any) -> None:
    text = "Flat 2, 12 High Street, 2004 Leeds"
    at = text.index("2004")
    with_vetter(monkeypatch, FakeVetter("2004", "AGE"))
    assert pn.vetted(text, [(at, at + 4, "ZIP_CODE")]) == []


def test_a_postcode_that_cannot_be_a_year_is_not_vetted(monkeypatch: Any) -> None:
    text = "Flat 2, 12 High Street, LS1 4DY Leeds; moved in 2019"
    at = text.index("LS1 4DY")
    vetter = FakeVetter()
    with_vetter(monkeypatch, vetter)
    assert pn.vetted(text, [(at, at + 7, "ZIP_CODE")]) == [(at, at + 7, "ZIP_CODE")]
    assert vetter.seen == []
    year = text.index("2019")
    assert pn.vetted(text, [(at, at + 7, "ZIP_CODE"), (year, year + 4, "ZIP_CODE")]) == [(at, at + 7, "ZIP_CODE")]


def test_no_doubtful_span_no_second_model(monkeypatch: Any) -> None:
    vetter = FakeVetter()
    with_vetter(monkeypatch, vetter)
    spans = [(0, 5, "PERSON"), (10, 20, "STREET_ADDRESS"), (22, 30, "NATIONALITY")]
    assert pn.vetted("x" * 40, spans) == spans
    assert vetter.seen == []


def test_the_vetter_reads_the_whole_text_once(monkeypatch: Any) -> None:
    text = "Ward 3. " * 100 + "Tomasz, aged 34, and Ewa, aged 36. " + "Ward 3. " * 100
    ages = [(text.index("34"), text.index("34") + 2, "AGE"), (text.index("36"), text.index("36") + 2, "AGE")]
    vetter = FakeVetter("34", "AGE")
    with_vetter(monkeypatch, vetter)
    assert pn.vetted(text, ages) == ages[:1]
    assert vetter.seen == [text]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The hearing was set for 14 March 2025, and the contract was signed on 2 May 2023.", "2 May 2023"),
        ("She has worked at Initrode for 12 years and loves it.", "12"),
    ],
)
def test_the_shipped_vetter_refuses_dates_and_durations_in_prose(text: str, value: str) -> None:
    at = text.index(value)
    spans = [s for s in pn.vetter().entities(text) if s[0] < at + len(value) and at < s[1]]
    assert not [s for s in spans if s[2] in pn.VETTED], spans


def test_the_vetter_finds_a_birth_date_after_its_cue() -> None:
    text = "Patient: Maria Lopez, date of birth 03/11/1974, allergic to penicillin."
    labels = {label for _, _, label in pn.vetter().entities(text)}
    assert "DATE_OF_BIRTH" in labels
