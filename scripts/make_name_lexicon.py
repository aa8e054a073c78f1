"""Build the name lexicon the PII scanner reads (`steward/guardrails/weights/name_lexicon.json`).

Given and family names in scripts with capitals (Latin, Cyrillic, Greek, Armenian) from Faker's person providers
(every locale it ships, ~80: lists of real,
common names per country), minus common English words (Faker's English lorem list, spaCy's stop words, months,
weekdays and a short hand list of words that are also names: "Will", "May", "Grace"...), so a capitalised word at a
sentence start is not taken for a name, and country names (Faker's English list), which are not names. A general
gazetteer of real names, not tied to any template: see docs/cards/pii.md. Deterministic (sorted lists); rerun
after a Faker upgrade.

    python scripts/make_name_lexicon.py
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "steward" / "guardrails" / "weights" / "name_lexicon.json"
# Names in scripts without capitals (Arabic, Hebrew, CJK, Hangul, Thai, Georgian, Indic scripts), read by
# `steward.guardrails.caseless` (PII round 3): kept apart so the cased lexicon above is unchanged.
CASELESS_OUT = OUT.with_name("caseless_names.json")
# English words that are also given or family names and start sentences, or name places and things.
AMBIGUOUS = [
    "will",
    "may",
    "can",
    "grace",
    "hope",
    "faith",
    "joy",
    "rose",
    "june",
    "april",
    "august",
    "mark",
    "bill",
    "art",
    "don",
    "guy",
    "sun",
    "else",
    "my",
    "max",
    "van",
    "so",
    "an",
    "in",
    "on",
    "at",
    "by",
    "do",
    "go",
    "he",
    "me",
    "no",
    "of",
    "or",
    "to",
    "up",
    "us",
    "we",
    "am",
    "hi",
    "ok",
    "per",
    "via",
    "see",
    "sat",
    "pat",
    "rich",
    "long",
    "young",
    "white",
    "black",
    "green",
    "brown",
    "gray",
    "grey",
    "hill",
    "wood",
    "king",
    "rice",
    "page",
    "price",
    "bell",
    "love",
    "lane",
    "street",
    "road",
    "park",
    "field",
    "hall",
    "church",
    "bank",
    "banks",
    "rock",
    "stone",
    "wall",
    "ward",
    "west",
    "north",
    "south",
    "east",
    "summer",
    "winter",
    "autumn",
    "spring",
    "city",
    "ville",
    "port",
    "bay",
    "gate",
    "terminal",
    "flight",
    "airport",
    "air",
    "lines",
    "international",
    "express",
    "line",
    "cross",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "july",
    "september",
    "october",
    "november",
    "december",
    "card",
    "visa",
    "master",
    "gold",
    "silver",
    "star",
    "angel",
    "dear",
    "sir",
    "madam",
    "team",
    "customer",
    "service",
    "support",
    "desk",
    "mrs",
    "mr",
    "ms",
    "dr",
    "miss",
    "prof",
]
# Faker writes Chinese and Korean names in their own scripts; travellers write them in pinyin or romanised Korean
# ("wei zhang", "Kim Min-jun"). Common romanised given names (the family names are mostly in Faker's other
# locales' lists already) are added so that a lowercase "wei zhang" reads as a name (issue 15, session 11).
ROMANISED_GIVEN = [
    "wei",
    "jing",
    "min",
    "jun",
    "hui",
    "yan",
    "ying",
    "xin",
    "lei",
    "hao",
    "ming",
    "fang",
    "tao",
    "jie",
    "ling",
    "hong",
    "qing",
    "xiao",
    "mei",
    "yong",
    "chao",
    "bin",
    "feng",
    "gang",
    "hua",
    "juan",
    "kai",
    "lili",
    "ning",
    "ping",
    "qiang",
    "rui",
    "shan",
    "tian",
    "ting",
    "xiu",
    "yun",
    "zhen",
    "zhi",
    "xiaoming",
    "xiaoyan",
    "jian",
    "jianguo",
    "zhiwei",
    "yifan",
    "haoran",
    "zihan",
    "yuxuan",
    "jiayi",
    "jihoon",
    "minjun",
    "seojun",
    "jiwoo",
    "seoyeon",
    "jiho",
    "hyun",
    "jae",
    "eun",
    "sung",
    "young",
    "soo",
]
ROMANISED_FAMILY = [
    "zhang",
    "wang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "zhou",
    "xu",
    "zhu",
    "guo",
    "luo",
    "liang",
    "song",
    "zheng",
    "xie",
    "han",
    "tang",
    "feng",
]
ATTRS = ("first_names", "first_names_male", "first_names_female", "last_names", "last_names_male")


def _latin(name: str) -> bool:
    """Letters of a script with capitals (Latin, and since issue 15's eleventh session Cyrillic, Greek and
    Armenian, whose names spaCy's small model misses): the lexicon's rules read capitals. Names in caseless
    scripts are found after a cue instead (`personal.ContextNameRecognizer`)."""
    return len(name) > 1 and all(
        c in "-' " or (unicodedata.category(c)[0] == "L" and _cased_script(c)) for c in name
    )


def _cased_script(char: str) -> bool:
    name = unicodedata.name(char, "")
    return any(script in name for script in ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN"))


def _names(provider: Any, attr: str) -> list[str]:
    for base in provider.__mro__:
        if attr in base.__dict__:
            value = base.__dict__[attr]
            return [n for n in value if isinstance(n, str)] if hasattr(value, "__iter__") else []
    return []


def build() -> dict[str, list[str]]:
    import faker.providers.lorem.en_US as lorem
    import faker.providers.person as person
    from spacy.lang.en.stop_words import STOP_WORDS

    common = {w.lower() for w in lorem.Provider.word_list} | set(STOP_WORDS) | set(AMBIGUOUS)
    first: set[str] = set()
    last: set[str] = set()
    for module in sorted(m.name for m in pkgutil.iter_modules(person.__path__)):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module}"), "Provider", None)
        if provider is None:
            continue
        for attr in ATTRS:
            target = first if attr.startswith("first") else last
            target |= {n.lower() for n in _names(provider, attr) if _latin(n) and " " not in n}
    first |= set(ROMANISED_GIVEN)
    last |= set(ROMANISED_FAMILY)
    import faker.providers.address.en_US as address

    countries = {c.lower() for c in address.Provider.countries if " " not in c and "," not in c}
    first, last = first - common - countries, last - common - countries
    return {"first": sorted(first), "last": sorted(last), "common": sorted(common), "places": sorted(countries)}


def caseless(name: str) -> bool:
    """Letters (and their marks) of scripts without capitals only."""
    return bool(name) and all(unicodedata.category(c)[0] in "LM" and not _cased_script(c) for c in name)


def build_caseless() -> dict[str, list[str]]:
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for module in sorted(m.name for m in pkgutil.iter_modules(person.__path__)):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module}"), "Provider", None)
        if provider is None:
            continue
        for attr in (*ATTRS, "last_names_female"):
            target = first if attr.startswith("first") else last
            target |= {n for n in _names(provider, attr) if caseless(n)}
    return {"first": sorted(first), "last": sorted(last)}


def main() -> None:
    lexicon = build()
    OUT.write_text(json.dumps(lexicon, ensure_ascii=False, separators=(",", ":")) + "\n")
    other = build_caseless()
    CASELESS_OUT.write_text(json.dumps(other, ensure_ascii=False, separators=(",", ":")) + "\n")
    print({k: len(v) for k, v in other.items()}, "->", CASELESS_OUT, f"{CASELESS_OUT.stat().st_size // 1024} kB")
    print({k: len(v) for k, v in lexicon.items()}, "->", OUT, f"{OUT.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
