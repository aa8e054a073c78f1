"""Benign assistant traffic for the PII scanner's false alarms: travel, insurance and campaign questions full of
places, airports, landmarks, brands, durations, flight numbers and travel dates, and no personal data.

Every place-like value is a labelled non-personal span (`"personal": false`), so `steward guard eval pii` counts
how many the scanner flags (its "distractors" table), and every finding is a false alarm. The destinations,
airports and landmarks are hand-written lists of what travellers ask about, not drawn from the gazetteer the
scanner reads (`weights/places.json`); written after the first probe of session 10 found "Lisbon", "Cancun" and
"Berlin Brandenburg" redacted as people, with templates other than that probe's.

    python scripts/make_pii_benign.py --out bench/results/pii/benign.jsonl
    steward guard eval pii --data bench/results/pii/benign.jsonl --match overlap --any-type --presidio
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

CITIES = (
    "Lisbon Porto Seville Valencia Bilbao Marseille Lyon Nice Bordeaux Toulouse Geneva Lausanne Basel Bern Vienna "
    "Salzburg Innsbruck Prague Brno Krakow Gdansk Warsaw Budapest Bratislava Ljubljana Zagreb Split Dubrovnik "
    "Belgrade Sofia Bucharest Athens Thessaloniki Heraklion Istanbul Izmir Antalya Tbilisi Yerevan Baku Almaty "
    "Tashkent Dubai Doha Muscat Amman Beirut Cairo Luxor Marrakech Casablanca Tunis Algiers Dakar Accra Lagos "
    "Nairobi Mombasa Kigali Addis Ababa Zanzibar Johannesburg Cape Town Durban Windhoek Maputo Antananarivo "
    "Mumbai Delhi Bangalore Chennai Kolkata Goa Jaipur Kathmandu Colombo Dhaka Karachi Lahore Bangkok Phuket "
    "Chiang Mai Hanoi Da Nang Ho Chi Minh City Phnom Penh Vientiane Yangon Kuala Lumpur Penang Singapore Jakarta "
    "Bali Manila Cebu Taipei Seoul Busan Osaka Kyoto Sapporo Fukuoka Shanghai Beijing Chengdu Guangzhou Hong Kong "
    "Macau Ulaanbaatar Sydney Melbourne Brisbane Perth Adelaide Hobart Auckland Wellington Queenstown "
    "Christchurch "
    "Fiji Honolulu Anchorage Vancouver Calgary Edmonton Winnipeg Montreal Quebec City Halifax Ottawa Toronto "
    "Boston Chicago Denver Phoenix Seattle Portland Atlanta Miami Orlando Tampa Nashville Memphis New Orleans "
    "Houston Dallas Austin San Antonio Las Vegas Salt Lake City Minneapolis Detroit Pittsburgh Philadelphia "
    "Baltimore Charlotte Raleigh Cancun Mexico City Guadalajara Oaxaca Havana San Juan Punta Cana Bogota Medellin "
    "Cartagena Quito Lima Cusco La Paz Santiago Buenos Aires Mendoza Montevideo Asuncion Sao Paulo Rio de Janeiro "
    "Salvador Recife Manaus Reykjavik Oslo Bergen Tromso Stockholm Gothenburg Copenhagen Aarhus Helsinki Tallinn "
    "Riga Vilnius Dublin Cork Galway Edinburgh Glasgow Manchester Liverpool Bristol Cardiff Belfast Brussels "
    "Antwerp Bruges Amsterdam Rotterdam Utrecht Luxembourg Hamburg Cologne Dusseldorf Stuttgart Nuremberg Dresden "
    "Leipzig Milan Turin Bologna Florence Naples Palermo Venice Verona Malta"
)
# Multi-word cities in the list above are written with a double space marker below.
MULTI = [
    "Addis Ababa",
    "Cape Town",
    "Chiang Mai",
    "Da Nang",
    "Ho Chi Minh City",
    "Phnom Penh",
    "Kuala Lumpur",
    "Hong Kong",
    "Quebec City",
    "New Orleans",
    "San Antonio",
    "Las Vegas",
    "Salt Lake City",
    "Mexico City",
    "San Juan",
    "Punta Cana",
    "La Paz",
    "Buenos Aires",
    "Sao Paulo",
    "Rio de Janeiro",
]
AIRPORTS = [
    "Charles de Gaulle",
    "Orly",
    "Heathrow",
    "Gatwick",
    "Stansted",
    "Schiphol",
    "Frankfurt Airport",
    "Munich Airport",
    "Zurich Airport",
    "Vienna International",
    "Barajas",
    "El Prat",
    "Fiumicino",
    "Malpensa",
    "Marco Polo Airport",
    "Tegel",
    "Berlin Brandenburg",
    "Kastrup",
    "Arlanda",
    "Gardermoen",
    "Keflavik",
    "Dublin Airport",
    "Changi",
    "Narita",
    "Haneda",
    "Kansai",
    "Incheon",
    "Suvarnabhumi",
    "Don Mueang",
    "Hamad International",
    "Dubai International",
    "Ataturk Airport",
    "Sabiha Gokcen",
    "Indira Gandhi International",
    "Chhatrapati Shivaji Maharaj International",
    "Kempegowda International",
    "Soekarno-Hatta",
    "Ngurah Rai",
    "Ninoy Aquino International",
    "Kingsford Smith",
    "Tullamarine",
    "JFK",
    "LaGuardia",
    "Newark Liberty",
    "O'Hare",
    "Midway",
    "Logan International",
    "Dulles",
    "Reagan National",
    "Hartsfield-Jackson",
    "Sea-Tac",
    "LAX",
    "SFO",
    "George Bush Intercontinental",
    "Love Field",
    "John Wayne Airport",
    "Pearson",
    "Trudeau Airport",
    "Jorge Chavez International",
    "Benito Juarez International",
    "El Dorado International",
    "Ezeiza",
    "Guarulhos",
    "Galeao",
    "Jomo Kenyatta",
    "OR Tambo",
    "Bole International",
    "Queen Alia",
    "Pulkovo",
    "Sheremetyevo",
    "Vaclav Havel Airport",
    "Chopin Airport",
    "Liszt Ferenc",
    "Humberto Delgado",
    "Eleftherios Venizelos",
]
LANDMARKS = [
    "the Eiffel Tower",
    "the Louvre",
    "the Colosseum",
    "the Sagrada Familia",
    "the Alhambra",
    "Big Ben",
    "the British Museum",
    "the Rijksmuseum",
    "the Anne Frank House",
    "the Brandenburg Gate",
    "Neuschwanstein",
    "the Acropolis",
    "the Blue Mosque",
    "the Hagia Sophia",
    "the Pyramids of Giza",
    "the Taj Mahal",
    "Angkor Wat",
    "the Forbidden City",
    "the Great Wall",
    "Mount Fuji",
    "the Sydney Opera House",
    "the Golden Gate Bridge",
    "the Statue of Liberty",
    "Central Park",
    "the Lincoln Memorial",
    "the Jefferson Memorial",
    "the Washington Monument",
    "the Martin Luther King Jr. Memorial",
    "the Kennedy Space Center",
    "Niagara Falls",
    "Machu Picchu",
    "Christ the Redeemer",
    "Table Mountain",
    "the Gandhi Smriti",
    "the Victoria Memorial",
    "Hyde Park",
    "St. Peter's Basilica",
    "the Vatican Museums",
    "the Uffizi",
    "the Doge's Palace",
    "Schonbrunn Palace",
    "Charles Bridge",
    "Prince Albert's Cathedral",
]
BRANDS = [
    "Apple Pay",
    "Google Pay",
    "Samsung Pay",
    "PayPal",
    "Visa",
    "Mastercard",
    "American Express",
    "Revolut",
    "Uber",
    "Lyft",
    "Bolt",
    "Airbnb",
    "Booking.com",
    "Expedia",
    "Hilton",
    "Marriott",
    "Hyatt",
    "Holiday Inn",
    "Ritz-Carlton",
    "Four Seasons",
    "Starbucks",
    "McDonald's",
    "Burger King",
    "Dunkin'",
    "Hertz",
    "Avis",
    "Enterprise",
    "Sixt",
    "Europcar",
    "Lufthansa",
    "Emirates",
    "Qatar Airways",
    "Ryanair",
    "easyJet",
    "Wizz Air",
    "Delta",
    "United",
    "American Airlines",
    "JetBlue",
    "Air Canada",
    "Qantas",
    "Singapore Airlines",
    "Cathay Pacific",
    "Turkish Airlines",
    "KLM",
    "Air France",
    "British Airways",
    "Iberia",
    "Alitalia",
    "WhatsApp",
    "Google Maps",
    "Tesla",
    "Ben & Jerry's",
    "Hugo Boss",
    "Louis Vuitton",
    "Marks & Spencer",
]
AIRLINE_CODES = ["LH", "BA", "AF", "KL", "EK", "QR", "TK", "DL", "UA", "AA", "QF", "SQ", "CX", "FR", "U2", "IB"]
DURATIONS = ["a 3-day", "a two-week", "a 10-day", "a long-weekend", "a 48-hour", "a 5-night", "a one-week"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
POLICIES = ["travel insurance", "home insurance", "car insurance", "pet insurance", "health cover"]

TEMPLATES = [
    "Are there cheap flights from {city} to {city2} in {month}?",
    "How long is the layover in {city} if I fly {brand}?",
    "I land at {airport} at 6am, how do I get to {landmark}?",
    "Is {landmark} worth a visit on {duration} trip to {city}?",
    "Which is closer to the old town of {city}, the train or a {brand} ride?",
    "Flight {code} {num} from {airport} shows delayed, can you check the status?",
    "Can I use {brand} at the duty free in {airport}?",
    "We're planning {duration} trip to {city} and {city2}, any tips?",
    "What's the best neighbourhood to stay in {city} near {landmark}?",
    "Does my {policy} cover a cancelled flight from {city}?",
    "Is {city} safe for tourists in {month}?",
    "How much does a taxi from {airport} to downtown {city} cost?",
    "My bag didn't arrive at {airport}, where is the lost luggage desk?",
    "Summarise the campaign results for the {city} launch of {brand}.",
    "Draft a short post about our {month} sale in {city} and {city2}.",
    "Which terminal at {airport} does {brand} fly from?",
    "Can I claim for a missed connection in {city} under my {policy}?",
    "Do I need a visa to transit through {city}?",
    "Compare hotel prices in {city} for {duration} stay in {month}.",
    "Is there a direct train from {airport} to the centre of {city}?",
    "What are the opening hours of {landmark} on {weekday}?",
    "Rebook me from {city} to {city2} on {code}{num} please.",
    "How early do I need to be at {airport} for a {brand} flight to {city}?",
    "Our {brand} campaign in {city} got 12% more clicks than {city2}, why?",
    "Is it cheaper to fly into {airport} or take the bus from {city}?",
    "Write a two-line summary of the storm damage claims from {city} this {month}.",
    "Where can I rent a car from {brand} in {city}?",
    "Can you list three day trips from {city}?",
    "Will {landmark} be crowded on a {weekday} in {month}?",
    "Thanks! And what's the weather like in {city} next week?",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
KIND = {"city": "CITY", "city2": "CITY", "airport": "AIRPORT", "landmark": "LANDMARK", "brand": "BRAND"}


def _cities() -> list[str]:
    text = CITIES
    for name in MULTI:
        text = text.replace(name, name.replace(" ", "_"))
    return [c.replace("_", " ") for c in text.split()]


def row(rng: random.Random, template: str, cities: list[str]) -> dict[str, object]:
    values = {
        "city": rng.choice(cities),
        "city2": rng.choice(cities),
        "airport": rng.choice(AIRPORTS),
        "landmark": rng.choice(LANDMARKS),
        "brand": rng.choice(BRANDS),
        "code": rng.choice(AIRLINE_CODES),
        "num": str(rng.randint(10, 2999)),
        "duration": rng.choice(DURATIONS),
        "month": rng.choice(MONTHS),
        "policy": rng.choice(POLICIES),
        "weekday": rng.choice(WEEKDAYS),
    }
    text, spans, pos = "", [], 0
    for match in re.finditer(r"\{(\w+)\}", template):
        text += template[pos : match.start()]
        value = values[match.group(1)]
        if match.group(1) in KIND:
            spans.append(
                {
                    "start": len(text),
                    "end": len(text) + len(value),
                    "type": KIND[match.group(1)],
                    "personal": False,
                }
            )
        text += value
        pos = match.end()
    text += template[pos:]
    return {"text": text, "spans": spans, "style": "assistant", "locale": "en"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench/results/pii/benign.jsonl"))
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--seed", type=int, default=90210)
    args = parser.parse_args()
    rng, cities = random.Random(args.seed), _cities()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        for i in range(args.rows):
            out.write(json.dumps(row(rng, TEMPLATES[i % len(TEMPLATES)], cities), ensure_ascii=False) + "\n")
    print(f"{args.out}: {args.rows} rows")


if __name__ == "__main__":
    main()
