"""Name shapes of chats, records and letters (issue 15): speaker labels, honorifics, initials, lowercase names in
cased text, signature blocks, names in a record whose other cells are found too."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.pii import PiiScanner


def _names(text: str) -> set[str]:
    findings = PiiScanner().scan(text, ScanContext(stage="input"))
    return {text[f.start : f.end] for f in findings if f.kind == "PERSON"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mira: can you hold the bag at the desk?\nOctavio: nationality is Ghanaian btw", "Mira"),
        ("Mira: can you hold the bag at the desk?\nOctavio: nationality is Ghanaian btw", "Octavio"),
        ("Booked by V. Mckee, approved by the duty manager.", "V. Mckee"),
        ("Spoke to nieves iniesta re: lost bag, delivery tomorrow.", "nieves iniesta"),
        ("Please page Frau Ingrid Kessler to gate 12.", "Ingrid Kessler"),
        ("Herr Bauer will travel with Mme Dupont from Zaventem.", "Dupont"),
        ("Sra. Lucía Fernández called about the refund.", "Lucía Fernández"),
        ("Thanks in advance,\n--\nMargarethe Olsen\nHead of Procurement | Acme Ltd", "Margarethe Olsen"),
        ("T06858851|Austrian|Reginald Sims|Kenya", "Reginald Sims"),
        ("Nationality: Irish. Surname: Rocha. Given names: Caoimhe.", "Caoimhe"),
    ],
)
def test_a_name_in_each_shape_is_found(text: str, name: str) -> None:
    assert any(name in found for found in _names(text)), _names(text)


@pytest.mark.parametrize(
    "text",
    [
        "Summary: refund not received\nNote: customer called twice",
        "REP: Good morning, baggage desk.\nCUSTOMER: Hello.",
        "Gate: B12\nStatus: boarding",
    ],
)
def test_record_keys_and_roles_are_not_speakers(text: str) -> None:
    assert _names(text) == set()
