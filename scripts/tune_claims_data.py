"""Synthetic insurance-claim messages labelled with their category, for the fine-tuning quality figure.

An insurer's intake assistant must route each first notice of loss to one of six categories and answer with the
category alone (the routing system reads it). Seeded (Faker and random), so the same file comes out every time:

    python scripts/tune_claims_data.py --out data/claims.jsonl --rows 400 --seed 15

Each row is `{"messages": [system, user, assistant]}`; `steward tune run --data` splits it by a hash of the
prompt (10 % validation, never trained on).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from faker import Faker

CATEGORIES = ("collision", "theft", "water_damage", "storm", "glass", "fire")
SYSTEM = (
    "You route insurance claims. Answer with exactly one category: collision, theft, water_damage, storm, "
    "glass or fire."
)
EVENTS = {
    "collision": [
        "another car hit the back of my {car} at a red light in {city}",
        "I reversed into a bollard in the {place} car park and dented the {part}",
        "a van sideswiped my {car} on the motorway near {city}",
        "my {car} skidded on ice and hit a wall",
        "someone ran into my parked {car} outside {place} and drove off",
    ],
    "theft": [
        "my {car} was stolen from the street in {city} overnight",
        "burglars broke into the house and took my {item}",
        "my {item} was taken from my bag at {place}",
        "someone stole the catalytic converter from my {car}",
        "thieves forced the shed door and took the {item}",
    ],
    "water_damage": [
        "a pipe burst under the kitchen sink and soaked the floor",
        "the washing machine leaked and water came through the ceiling below",
        "the basement flooded after the water main broke on {street}",
        "the upstairs neighbour's bath overflowed into my {room}",
        "a leaking radiator ruined the {room} carpet",
    ],
    "storm": [
        "strong winds blew tiles off the roof during last night's storm",
        "a tree fell on the garage in the gale",
        "hailstones dented the roof of my {car} in {city}",
        "lightning struck the chimney during the thunderstorm",
        "the storm tore down the garden fence on {street}",
    ],
    "glass": [
        "a stone chipped the windscreen of my {car} on the way to {city}",
        "the rear window of my {car} shattered for no reason",
        "my son kicked a ball through the {room} window",
        "the glass door of the patio cracked",
        "the side mirror glass of my {car} is broken",
    ],
    "fire": [
        "a pan caught fire and burned the kitchen cupboards",
        "an electrical fault started a fire in the {room}",
        "my {car} caught fire on the hard shoulder near {city}",
        "a candle set the {room} curtains alight",
        "the barbecue spread fire to the garden shed",
    ],
}
OPENERS = [
    "Hi, {name} here.",
    "Hello,",
    "Good morning.",
    "I need to report a claim.",
    "Policy {policy}:",
    "",
    "Hi there, my name is {name}.",
]
CLOSERS = [
    "",
    "What do I do now?",
    "Please help.",
    "It happened on {date}.",
    "Can someone call me back?",
    "Thanks.",
]


def message(fake: Faker, rng: random.Random, category: str) -> str:
    slots = {
        "car": rng.choice(["car", "Toyota", "VW Golf", "Ford Focus", "van", "Tesla", "motorbike"]),
        "city": fake.city(),
        "place": rng.choice(["supermarket", "station", "gym", "office", "hospital", "airport"]),
        "part": rng.choice(["bumper", "door", "wing", "tailgate"]),
        "item": rng.choice(["laptop", "bicycle", "jewellery", "phone", "lawnmower", "tools", "TV"]),
        "street": fake.street_name(),
        "room": rng.choice(["living room", "bedroom", "hallway", "study", "kitchen"]),
        "name": fake.name(),
        "policy": fake.bothify("PL-####-??").upper(),
        "date": fake.date_this_year().strftime("%d %B"),
    }
    event = rng.choice(EVENTS[category]).format(**slots)
    parts = [
        rng.choice(OPENERS).format(**slots),
        event[0].upper() + event[1:] + ".",
        rng.choice(CLOSERS).format(**slots),
    ]
    return " ".join(p for p in parts if p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    fake, rng = Faker("en_GB"), random.Random(args.seed)
    Faker.seed(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for i in range(args.rows):
            category = CATEGORIES[i % len(CATEGORIES)]
            turns = [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": message(fake, rng, category)},
                {"role": "assistant", "content": category},
            ]
            out.write(json.dumps({"messages": turns}) + "\n")
    print(f"{args.rows} rows written to {args.out}")


if __name__ == "__main__":
    main()
