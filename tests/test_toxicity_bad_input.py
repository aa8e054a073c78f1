"""Disguised and awkward input: the toxicity scanner reads text as a person reads it, and never crashes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from steward.guardrails.base import ScanContext
from steward.guardrails.normalise import normalise_for_detection
from steward.guardrails.toxicity import (
    MAX_TOKENS,
    WINDOW,
    ToxicityScanner,
    default_threshold,
    encoder_pieces,
    normalise,
)

INPUT = ScanContext(stage="input")
PLAIN = "you are an idiot and a worthless moron"


@pytest.fixture(scope="module")
def scanner() -> ToxicityScanner:
    return ToxicityScanner()


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [
        ("y0u 4re an 1d10t", "you are an idiot"),
        ("you are an \u0456d\u0456\u043et", "you are an idiot"),  # Cyrillic і, і, о
        ("you are an id\u200biot", "you are an idiot"),  # zero-width space inside the insult
        ("you are an i\u200dd\u2060i\u00adot", "you are an idiot"),  # joiner, word joiner, soft hyphen
        ("ｙｏｕ ａｒｅ ａｎ 𝐢𝐝𝐢𝐨𝐭", "you are an idiot"),  # full-width and mathematical bold letters
        ("b!tch, $hut up, l0s3r!!!", "bitch, shut up, loser!!!"),
    ],
)
def test_disguises_are_read_as_the_plain_text(disguised: str, plain: str) -> None:
    assert normalise_for_detection(disguised, leet=True)[0] == plain


@pytest.mark.parametrize(
    "text",
    [
        "Meet me at 5pm on the 4th, the ticket costs $45 (flight BA2024, seat 31C).",
        "Привет, как дела? Καλημέρα!",  # real Cyrillic and Greek words stay as they are
        "Mail user1@example.com or see https://example.com/page1",
        "I loved it 😀👍🏽 covid19 mp3 top 10!",
    ],
)
def test_ordinary_text_keeps_its_digits_scripts_and_emoji(text: str) -> None:
    assert normalise_for_detection(text, leet=True)[0] == text


@pytest.mark.parametrize(
    "disguised",
    [
        "y0u 4re an 1d10t and a w0rthl3ss m0r0n",
        "you are an \u0456d\u0456\u043et and a w\u043erthless m\u043er\u043en",
        "you are an id\u200biot and a worth\u200cless mo\u200bron",
        "you are an idiot 🤡🤡 and a worthless moron 😂",
        "you are an idiot and a worthless moron, 你这个白痴",
    ],
)
def test_a_disguised_insult_is_found_as_the_plain_one(scanner: ToxicityScanner, disguised: str) -> None:
    plain = scanner.scan(PLAIN, INPUT)[0].score
    assert plain >= default_threshold()
    assert scanner.scan(disguised, INPUT)[0].score >= default_threshold()


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "😀", "\x00\x01", "а"])
def test_empty_or_odd_text_does_not_crash(scanner: ToxicityScanner, text: str) -> None:
    findings = scanner.scan(text, INPUT)
    assert findings == [] or 0.0 <= findings[0].score < default_threshold()


def test_a_text_that_fits_the_encoder_is_embedded_once(scanner: ToxicityScanner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from steward.models.embeddings import Embedder, PackedEncoder

    seen: list[list[str]] = []
    embed = PackedEncoder.embed

    def spy(self: PackedEncoder, texts: list[str]) -> np.ndarray:
        seen.append(list(texts))
        return embed(self, texts)

    def refuse(self: Embedder, texts: list[str]) -> np.ndarray:
        raise AssertionError("the scanner embeds through its packed encoder, in one pass")

    monkeypatch.setattr(PackedEncoder, "embed", spy)
    monkeypatch.setattr(Embedder, "embed", refuse)
    kilobyte = "I would like to change my seat to the aisle if possible, and add a bag to my booking. " * 12
    scanner.scan(kilobyte[:1000], INPUT)
    # was seven windows of ~160 characters, each embedded; now the whole text, and the n-gram model's worst
    # window beside it (so that one insult in a long polite text is not diluted), packed into one forward pass
    assert [len(batch) for batch in seen] == [2]
    assert seen[0][0] == normalise(kilobyte[:1000]) and len(seen[0][1]) <= 2 * WINDOW


def test_a_long_text_is_cut_into_overlapping_windows_of_word_pieces() -> None:
    from steward.models.embeddings import Embedder

    text = " ".join(f"word{i}" for i in range(600))
    pieces = encoder_pieces(text)
    assert len(pieces) > 1
    assert all(Embedder.shared().count_tokens(p) <= MAX_TOKENS for p in pieces)
    for first, second in itertools.pairwise(pieces):
        assert first.split()[-1] in second.split()  # consecutive windows overlap
    assert pieces[0].startswith("word0 ") and pieces[-1].endswith(" word599")  # nothing dropped at either end


def test_100_kb_of_text_is_scanned_and_an_insult_at_its_end_is_found(scanner: ToxicityScanner) -> None:
    polite = "Could you please check the status of my refund for the cancelled flight? Thank you. "
    long_text = polite * (100_000 // len(polite))
    assert len(long_text) > 99_000
    assert scanner.scan(long_text, INPUT)[0].score < default_threshold()
    assert scanner.scan(long_text + "You are a useless piece of shit.", INPUT)[0].score >= default_threshold()
