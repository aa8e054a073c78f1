"""Names and numbers in logs, tickets and XML (issue 15, session 10, after family 6 was scored): a speaker label
after a transcript's timestamp, the text of a name-like XML element, a ticket's assignee or requester; and a
timestamp is no phone number (tested in test_guard_places.py)."""

from __future__ import annotations

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.pii import PiiScanner


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


def person_spans(pii: PiiScanner, text: str) -> list[str]:
    return [
        text[f.start : f.end]
        for f in pii.scan(text, ScanContext(stage="input"))
        if f.kind == "PERSON" and f.start is not None and f.score >= 0.4
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("agent_7: how can I help? [02/Apr/2026:15:50:51] BRIANNA: he's 61, born in October", "BRIANNA"),
        ("bot: hello 2026-06-06 08:32:22 MERETE: also the hotel near the station", "MERETE"),
        ("bot: hi 2026-04-10T04:45:57Z Francis: my flight is late", "Francis"),
        ("<customer>\n  <emergencyContact>KIM Hiroshi</emergencyContact>\n</customer>", "KIM Hiroshi"),
        ('<passenger id="3"><fullName>Ana Julia Mendes</fullName></passenger>', "Ana Julia Mendes"),
        ("Created: 2026-04-02 02:40:01\nAssignee: IKA KRAMARIĆ\nCustomer wrote: hi", "IKA KRAMARIĆ"),
        ("Requester: Lotte de Vries\nPriority: urgent", "Lotte de Vries"),
    ],
)
def test_names_in_logs_tickets_and_xml(pii: PiiScanner, text: str, name: str) -> None:
    assert any(name in span for span in person_spans(pii, text)), person_spans(pii, text)


@pytest.mark.parametrize(
    "text",
    [
        "<productName>Travel Adapter</productName>",
        "<city>Lisbon</city>",
        "2026-04-10T04:45:57Z INFO: cache warmed",
    ],
)
def test_no_name_where_the_element_or_label_is_no_person(pii: PiiScanner, text: str) -> None:
    assert person_spans(pii, text) == []


def test_a_ticket_assigned_to_a_team_names_no_person(pii: PiiScanner) -> None:
    # family 3's "Assigned to: nurse team, Lee Group" lines (a first version of the ticket keys took them)
    assert person_spans(pii, "Assignee: nurse team\nAssigned to: Head of Procurement team, Lee Group") == []


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("profile: address changed to 'Michaweg 9, Bus 40' by the customer", "Bus 40"),
        ("Ship to:\nPatrick McKeon\nApt. 217C\n71 Mara Street\nP48 HHR7 Victoria", "Apt. 217C"),
        ("Shipping to: Windsorgade 2, Unit 431, 6465 Roslev", "Unit 431"),
        ("We moved to 14 Elm Street, Apt 5B, last week.", "Apt 5B"),
    ],
)
def test_the_flat_or_suite_beside_a_street_is_part_of_the_address(pii: PiiScanner, text: str, unit: str) -> None:
    # family 6: 489 street spans missed, most of them the unit written beside the street ("Bus 40", "APT. 217C")
    at = text.index(unit)
    found = [
        f for f in pii.scan(text, ScanContext(stage="input")) if f.kind == "STREET_ADDRESS" and f.score >= 0.4
    ]
    assert any((f.start or 0) <= at and at + len(unit) <= (f.end or 0) for f in found), found


def test_a_gate_or_room_alone_is_no_address(pii: PiiScanner) -> None:
    found = pii.scan("Meet me at gate 22, then room 414 of the lounge.", ScanContext(stage="input"))
    assert [f for f in found if f.kind == "STREET_ADDRESS"] == []


def test_a_street_in_capitals_of_a_shipping_label_is_found(pii: PiiScanner) -> None:
    # family 6: 167 of the 307 street spans still missed were lines of labels written all in capitals
    text = "SHIP TO:\nISABELLA GONZALEZ\nBUS 286\nAVENIDA NEUQUÉN N° 4781\n34001344 Constitución"
    at = text.index("AVENIDA")
    found = [
        f for f in pii.scan(text, ScanContext(stage="input")) if f.kind == "STREET_ADDRESS" and f.score >= 0.4
    ]
    assert any((f.start or 0) <= at < (f.end or 0) for f in found), found
