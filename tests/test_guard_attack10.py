"""Attacks on session 12's detector changes (issue 15): people named like places, lists of names, landmark words
after a title, names under a product table's "name" column, accents typed as combining marks, and the packed
bfloat16 toxicity pass. Each PII case is a person's name that the scanner let through (a leak) or a value it
took for personal data (a false alarm), written by hand for this attack, not drawn from any family."""

from __future__ import annotations

import random
import time

import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.pii import PiiScanner
from steward.guardrails.redact import non_overlapping
from steward.guardrails.toxicity import ToxicityScanner
from steward.types import Finding


@pytest.fixture(scope="module")
def pii() -> PiiScanner:
    return PiiScanner()


def names(pii: PiiScanner, text: str) -> list[str]:
    return [
        text[f.start : f.end]
        for f in pii.scan(text, ScanContext(stage="input"))
        if f.kind == "PERSON" and f.start is not None and f.score >= 0.4
    ]


def covered(pii: PiiScanner, text: str, name: str) -> bool:
    """Whether every character of `name` in `text` lies inside a PERSON finding (a partial span leaks the rest)."""
    at = text.index(name)
    spans = [
        (f.start, f.end)
        for f in pii.scan(text, ScanContext(stage="input"))
        if f.kind == "PERSON" and f.start is not None and f.score >= 0.4
    ]
    return all(any(a <= i < b for a, b in spans) for i in range(at, at + len(name)))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # "to" after a verb of sending and its object is the recipient, not a destination (leaked: the place rule
        # read "to Austin" as travel)
        ("Please forward this to Austin before Friday.", "Austin"),
        ("I sent it to Dallas Green yesterday.", "Dallas Green"),
        # a list of people whose first names are also cities: the earlier names are no travel context (leaked:
        # "Chester" read as the third place of a list after "Sydney")
        ("Passengers: Austin, Sydney and Chester.", "Chester"),
        # a given name, then a surname that is a one-word airport's name (leaked: "Kim House" read as an airport)
        ("Booking for Lisa Park and Kim House.", "Kim House"),
        ("Sydney Young called me about the claim.", "Sydney Young"),
        # a title and a surname that is a landmark's word (leaked: "Park" alone read as a landmark)
        ("Mr. Park called about his claim.", "Park"),
        # a cue says it is a name, though the word is a country's (leaked: the country rule dropped it)
        ("My name is Jordan and my bag is lost.", "Jordan"),
        ("Hi, I am Kenya Brown and I need help with my claim.", "Kenya Brown"),
        ("Hi Jordan, your refund is ready.", "Jordan"),
    ],
)
def test_people_named_like_places_are_still_found(pii: PiiScanner, text: str, name: str) -> None:
    assert covered(pii, text, name), (text, names(pii, text))


@pytest.mark.parametrize(
    "text",
    [
        "Can I fly to Austin from Dallas on Friday?",
        "Flights to Austin, Sydney and Chester, please.",
        "I'm visiting Paris, Florence and Rome in June.",
        "Is there a lounge at London Heathrow?",
        "Please send my luggage to Sydney.",
    ],
)
def test_places_after_travel_words_stay_unredacted(pii: PiiScanner, text: str) -> None:
    assert names(pii, text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        # a product table's bare "name" column: nobody's name (false alarm: every cell became a PERSON)
        "name,price,qty\nWidget Pro,9.99,2\nAcme Deluxe,19.50,1",
        # a hotel's name column (false alarm: "Sunset Inn" as a person)
        "hotel name,city,stars\nGrand Palace,Lisbon,5\nSunset Inn,Faro,3",
    ],
)
def test_a_name_column_of_things_is_no_person(pii: PiiScanner, text: str) -> None:
    assert names(pii, text) == [], text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("name,dob,city\nElliott Green,1985-03-12,Leeds", "Elliott Green"),
        ("full_name,price,qty\nXiomara Quispe,9.99,2", "Xiomara Quispe"),
        ("name,price,qty\nMaria Lopez,9.99,2", "Maria Lopez"),
    ],
)
def test_a_name_column_of_people_still_types_its_cells(pii: PiiScanner, text: str, name: str) -> None:
    assert covered(pii, text, name), (text, names(pii, text))


def test_a_name_with_combining_accents_is_found_whole(pii: PiiScanner) -> None:
    # "María López" typed with combining acute accents (NFD, as macOS keyboards and some forms send it): only
    # "Mari" was found, so "a López" leaked
    text = "My name is Mari\u0301a Lo\u0301pez and I lost my bag."
    assert covered(pii, text, "Mari\u0301a Lo\u0301pez"), names(pii, text)


@pytest.mark.xfail(
    strict=True,
    reason="no recogniser finds these names (the NER misses them, the lexicon has no 'young', and spaCy calls "
    "'Florence' an organisation); a fix needs the NER retrained on names that are also places after 'to', "
    "'with' and 'from', not a rule",
)
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Can you send the invoice to Sydney?", "Sydney"),
        ("I need to talk with Florence about the claim.", "Florence"),
        ("Email from Sydney: I will be late.", "Sydney"),
        ("I want to fly to Savannah with Savannah Jones.", "Savannah Jones"),
        ("Please add Sydney Young to the claim.", "Sydney Young"),
        ("Dear Israel, thanks for your claim.", "Israel"),
        ("Travellers: Maria Lopez, Florence and Jackson", "Florence"),
    ],
)
def test_names_that_are_places_no_recogniser_finds(pii: PiiScanner, text: str, name: str) -> None:
    assert covered(pii, text, name), (text, names(pii, text))


def test_a_place_name_after_a_relation_is_a_person(pii: PiiScanner) -> None:
    """Session 15: "the kids" before it says a person (`person_context.cue_before`); moved out of the xfail."""
    text = "The kids, Austin and Dallas, are flying alone."
    assert covered(pii, text, "Austin"), names(pii, text)


@pytest.mark.xfail(
    strict=True,
    reason="'Georgia' is a US state and 'Park' a landmark's word, so not_a_person drops the NER's span; 'with' "
    "cannot count as a name cue for it ('a hotel by Hyde Park', 'a room with Hyde Park views'): needs a "
    "given-name list that keeps names which are also places ('Georgia', 'Jordan')",
)
def test_a_given_name_that_is_a_state_before_a_landmark_surname(pii: PiiScanner) -> None:
    text = "I am travelling with Georgia Park to Lisbon."
    assert covered(pii, text, "Georgia Park"), names(pii, text)


@pytest.mark.xfail(
    strict=True,
    reason="a Chinese sentence with no delimiter around the name ('我叫王小明。') and a mainland mobile number "
    "with no separator are missed: caseless.py reads a CJK name only as a separate word, and no phone "
    "recogniser knows the 1[3-9]x 11-digit plan",
)
@pytest.mark.parametrize(("text", "value"), [("我叫王小明。", "王小明"), ("联系电话 13812345678", "13812345678")])
def test_chinese_name_in_a_sentence_and_mobile_number(pii: PiiScanner, text: str, value: str) -> None:
    found = [text[f.start : f.end] for f in pii.scan(text, ScanContext(stage="input")) if f.start is not None]
    assert any(value in span for span in found), found


# Fixed in session 14: the dates of birth and ages of session 7's NER are vetted by round 5's model
# (`personal_ner.VETTED`); the order number read as a phone was fixed in round 4 (tests/test_guard_pii_round4.py).
@pytest.mark.parametrize(
    "text",
    [
        "Flight on 12/03/2025 departs 18:30",
        "The meeting is on 3. März 2026 in Berlin.",
    ],
)
def test_order_numbers_and_travel_dates_are_no_personal_data(pii: PiiScanner, text: str) -> None:
    assert pii.scan(text, ScanContext(stage="input")) == [], text


# The packed bfloat16 toxicity pass on the bad input: emoji only, zero-width characters, leet, a long
# repeated insult, one character, a 20 kB text: the same decision as float32 at the shipped threshold, no crash.
TOXIC_SHAPES = [
    "🤬🤬🤬",
    "k",
    "y\u200bo\u200bu a\u200br\u200be a\u200bn i\u200bd\u200bi\u200bo\u200bt",
    "y0u 4r3 4 w0rthl3ss 1d10t",
    "You are a worthless idiot. " * 300,
    "Could you check my booking for Friday? 🙂✈️ " * 500,
    "Thanks!!! 🙏🙏🙏",
]


@pytest.fixture(scope="module")
def toxicity_pair() -> tuple[ToxicityScanner, ToxicityScanner]:
    return ToxicityScanner(precision="bfloat16"), ToxicityScanner(precision="float32")


@pytest.mark.parametrize("text", TOXIC_SHAPES)
def test_bfloat16_toxicity_decides_as_float32_on_bad_input(
    toxicity_pair: tuple[ToxicityScanner, ToxicityScanner], text: str
) -> None:
    fast, exact = toxicity_pair
    fast_score = fast.scan(text, ScanContext(stage="input"))[0].score
    exact_score = exact.scan(text, ScanContext(stage="input"))[0].score
    cut = exact.cut
    assert (fast_score >= cut) == (exact_score >= cut), (fast_score, exact_score, cut)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # running Chinese and Korean: words that begin with a family name's character (false alarms: 方 Fang,
        # 何 He, 김 Kim) - "convenient?", "when", and Gimpo airport, which the airport assistant must keep
        ("我周末想坐高铁去黄山，马上订票，方便吗？", "方便吗"),
        ("航班 CA981 何时 起飞？", "何时"),
        ("비행기 표를 예약하고 싶어요. 김포 공항에서 출발합니다.", "김포"),
    ],
)
def test_running_cjk_words_that_start_with_a_family_name_are_no_names(
    pii: PiiScanner, text: str, word: str
) -> None:
    assert not any(word in span for span in names(pii, text)), names(pii, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("name,city\n王小明,北京", "王小明"),
        ('["王小明", "李娜"]', "李娜"),
        ("王小明: 你好，我的航班延误了", "王小明"),
    ],
)
def test_cjk_names_in_cells_and_labels_are_still_found(pii: PiiScanner, text: str, name: str) -> None:
    assert covered(pii, text, name), names(pii, text)


@pytest.mark.xfail(
    strict=True,
    reason="the trained NER tags whole Chinese clauses as PERSON (a false alarm older than session 12), and a "
    "Korean name followed by its honorific in a sentence ('김민준 씨의') is in a run of more than three Hangul "
    "words, which caseless.py leaves to the cues; fixes: NER data in CJK, an honorific cue (씨, 님, さん, 先生)",
)
@pytest.mark.parametrize(
    ("text", "expected"),
    [("我想去王府井和张家界旅游。", []), ("김민준 씨의 예약을 확인해 주세요.", ["김민준"])],
)
def test_cjk_sentences(pii: PiiScanner, text: str, expected: list[str]) -> None:
    assert names(pii, text) == expected


def _brute_non_overlapping(findings: list[Finding]) -> list[Finding]:
    ordered = sorted(findings, key=lambda f: (-f.score, -((f.end or 0) - (f.start or 0))))
    kept: list[Finding] = []
    for f in ordered:
        if all((f.end or 0) <= (k.start or 0) or (k.end or 0) <= (f.start or 0) for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start or 0)


def test_non_overlapping_keeps_what_pairwise_comparison_keeps() -> None:
    rng = random.Random(15)
    for _ in range(300):
        findings = []
        for _ in range(rng.randint(0, 25)):
            start = rng.randint(0, 60)
            end = start + rng.choice([0, 1, 2, 5, 9, 20])
            findings.append(Finding("pii", "PERSON", rng.choice([0.4, 0.5, 0.85]), "input", start, end, ""))
        assert non_overlapping(findings) == _brute_non_overlapping(findings)


def test_non_overlapping_is_fast_on_a_100_kb_table() -> None:
    # a 100 kB CSV gives ~16,000 findings; comparing each with every kept one took ~40 s (the whole scan 60 s)
    findings = [Finding("pii", "PERSON", 0.7, "input", 6 * i, 6 * i + 1, "") for i in range(20_000)]
    started = time.perf_counter()
    assert len(non_overlapping(findings)) == 20_000
    assert time.perf_counter() - started < 5.0


def test_overlapping_names_of_a_list_are_both_redacted(pii: PiiScanner) -> None:
    # the NER found "Sydney, Austin" and the lexicon "Austin, Paris"; only the first was kept, so "Paris" leaked
    text = "Attendees: Florence, Sydney, Austin, Paris"
    assert covered(pii, text, "Sydney, Austin, Paris"), names(pii, text)


@pytest.mark.xfail(
    strict=True,
    reason="PII reads no leet (normalise.py spells leet out only for injection and toxicity, so that ids and "
    "codes keep their digits): a name with digits for letters after a field key is missed; a fix is a leet "
    "reading of name-shaped tokens after a name cue only",
)
def test_a_leetspeak_name_after_a_key_is_found(pii: PiiScanner) -> None:
    text = "Contact: J0hn Sm1th"
    assert covered(pii, text, "J0hn Sm1th"), names(pii, text)
