"""Train Steward's personal-data NER: a small spaCy entity recogniser over generated multi-locale text.

Labels: PERSON, STREET_ADDRESS, AGE, DATE_OF_BIRTH, NATIONALITY, ZIP_CODE (the personal types regexes find worst).
Data: Faker values in 27 locales (romanised Chinese/Japanese names, Indian, Turkish, Nigerian, Polish… names;
street addresses in each locale's format; dates of birth and ages in many phrasings) in templates written for
training only (chat, lowercase chat, e-mail, forms, transcripts, CSV, notes), mixed with hard negatives that
must stay `O`: cities, countries, airports, airlines, companies, products, months, weekdays, job titles, travel
dates, street names without a house number. None of these templates is shared with `make_pii_heldout.py` or
`make_pii_family.py` (the report family, written before this script).

Round 5 (session 13) adds running prose (non-birth dates, years, durations, companies as `O`; given names alone,
possessives, compound surnames), assistant questions with no personal data (landmarks, brands, durations),
23 more name locales, and `--family-rows` rows of each report family 1-7's generator under seeds of their own
(never a report seed; family 8, round 5's first-seen family, is not used).

Model: spaCy's transition-based NER on a blank English pipeline, hash embeddings of NORM/PREFIX/SUFFIX/SHAPE
(width 64) and a 4-layer CNN, trained from scratch on one thread. Shipped as plain arrays (npz, float16) plus a
JSON file with the config and move names: no pickle, no msgpack (`steward.guardrails.personal_ner` loads it).

    # round 5 / 5b's run. Shipped since session 14 (docs/cards/pii.md): weights/personal_ner.* are session 7's
    # (`git show a65e871:scripts/train_pii_ner.py`); weights/personal_ner_vetter.* are round 5's run of this
    # command with `git show ed97912:scripts/train_pii_ner.py` (before the 5b data), which only vets the
    # first model's dates of birth, ages and postcodes (`personal_ner.vetted`)
    OMP_NUM_THREADS=1 python scripts/train_pii_ner.py --n 12000 --family-rows 600 --minutes 13 --epochs 8 \
        --out /tmp/ner
    python scripts/train_pii_ner.py --n 400 --minutes 0.5 --out /tmp/ner   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SEEDS = {"train": 424242, "val": 515151}
LOCALES = [
    "en_US", "en_GB", "en_IE", "en_AU", "en_CA", "en_NZ", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
    "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_BR", "pt_PT", "pl_PL", "sv_SE", "da_DK", "fi_FI", "tr_TR",
    "cs_CZ", "ro_RO", "hu_HU",
]  # fmt: skip
ROMANISED = ["zh_CN", "ja_JP"]  # names only, romanised
# Round 5: names only, from locales whose names the first model rarely saw (African, South and South-East Asian,
# Irish, Latin American); their addresses are not used.
NAME_LOCALES = [
    "en_KE", "en_NG", "en_PK", "yo_NG", "ig_NG", "ha_NG", "zu_ZA", "tw_GH", "id_ID", "vi_VN", "ga_IE", "es_CO",
    "es_AR", "es_CL", "fr_CH", "sk_SK", "hr_HR", "lt_LT", "et_EE", "bg_BG", "en_PH", "ne_NP", "si_LK",
]  # fmt: skip
EXTRA_NAMES = [
    "Chinedu Okafor", "Ngozi Adeyemi", "Oluwaseun Bello", "Kwame Mensah", "Abebe Bikila", "Fatima Zahra Benali",
    "Mohammed Al-Rashid", "Aisha Abdullahi", "Nguyen Van An", "Tran Thi Mai", "Siddharth Iyer", "Priyanka Reddy",
    "Anjali Deshpande", "Kenji Watanabe", "Yuki Tanaka", "Wei Zhang", "Li Na", "Min-jun Park", "Ji-woo Kim",
    "Olga Petrova", "Dmitri Volkov", "Ayşe Yılmaz", "Mehmet Öztürk", "Zainab Hussain", "Tariq Mahmood",
    "Emeka Nwosu", "Thandiwe Dlamini", "Sipho Ndlovu", "Leilani Kahale", "Aroha Ngata", "Javier Quispe",
]  # fmt: skip
LABELS = ["PERSON", "STREET_ADDRESS", "AGE", "DATE_OF_BIRTH", "NATIONALITY", "ZIP_CODE"]
DEMONYMS = [
    "German", "French", "Dutch", "Spanish", "Italian", "British", "Irish", "American", "Canadian", "Mexican",
    "Indian", "Chinese", "Japanese", "Nigerian", "Ghanaian", "Turkish", "Polish", "Swedish", "Danish", "Finnish",
    "Czech", "Romanian", "Hungarian", "Portuguese", "Brazilian", "Australian", "Greek", "Egyptian", "Pakistani",
    "Bangladeshi", "Filipino", "Thai", "Iranian", "Israeli", "Swiss", "Austrian", "Belgian", "Norwegian",
]  # fmt: skip
AIRPORTS = [
    "Heathrow", "Gatwick", "Luton", "Schiphol", "Charles de Gaulle", "Orly", "JFK", "LaGuardia", "Newark", "SFO",
    "Frankfurt Airport", "Munich Airport", "Barajas", "El Prat", "Fiumicino", "Malpensa", "Linate",
    "Dublin Airport", "Changi", "Narita", "Haneda", "Incheon", "Dubai International", "Doha Hamad",
    "Istanbul Airport", "Sabiha Gokcen",
    "Kastrup", "Arlanda", "Gardermoen", "Vienna Airport", "Zurich Airport", "Brussels Airport", "Logan", "Dulles",
]  # fmt: skip
AIRLINES = [
    "Lufthansa", "British Airways", "Air France", "KLM", "Iberia", "Vueling", "Ryanair", "easyJet", "Aer Lingus",
    "Emirates", "Qatar Airways", "Turkish Airlines", "Delta", "United", "American Airlines", "Air India", "IndiGo",
    "Singapore Airlines", "Cathay Pacific", "ANA", "Qantas", "Wizz Air", "Norwegian", "SAS", "Finnair", "TAP",
]  # fmt: skip
PRODUCTS = [
    "iPhone",
    "Galaxy S23",
    "PlayStation",
    "Kindle",
    "MacBook Pro",
    "Nespresso",
    "Dyson",
    "Android",
    "Windows",
]
JOBS = [
    "Head of Sales", "Senior Engineer", "Chief Executive Officer", "nurse", "Product Manager", "teacher", "Pilot",
    "Flight Attendant", "Data Scientist", "Director of Operations", "accountant", "Customer Service Agent",
]  # fmt: skip
COUNTRIES = [
    "France", "Germany", "Spain", "Italy", "Portugal", "Ireland", "United Kingdom", "United States", "Canada",
    "Mexico", "Brazil", "India", "China", "Japan", "Nigeria", "Turkey", "Poland", "Sweden", "Australia", "Greece",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip

# Training templates. {TYPE}: a labelled value; {TYPE!}: a hard negative (labelled O).
TEMPLATES = [
    "Hello, this is {PERSON} calling about my booking to {CITY!}.",
    "{PERSON} would like a window seat on the {AIRLINE!} flight from {AIRPORT!}.",
    "Please tell {PERSON} that the car is waiting at {AIRPORT!}.",
    "My partner {PERSON} and I are flying {AIRLINE!} on {WEEKDAY!}.",
    "I'm travelling with {PERSON}, who is {AGE} years old.",
    "We met {PERSON} from {ORGANIZATION!} at the lounge in {AIRPORT!}.",
    "The passenger, {PERSON}, lives at {STREET_ADDRESS}.",
    "{PERSON} ({AGE}) needs assistance boarding.",
    "Send it to {PERSON}, {STREET_ADDRESS}, {ZIP_CODE} {CITY!}, {COUNTRY!}.",
    "Our office is on {STREET_NAME!} in {CITY!}, near the {AIRLINE!} desk.",
    "Can I change the name on the ticket from {PERSON} to {PERSON}?",
    "{PERSON} wrote: the {PRODUCT!} I left on board was a gift.",
    "I left my {PRODUCT!} on the {AIRLINE!} plane to {CITY!} in {MONTH!}.",
    "He was born on {DATE_OF_BIRTH} in {CITY!}.",
    "Date of birth {DATE_OF_BIRTH}, nationality {NATIONALITY}.",
    "She is {NATIONALITY} and was born {DATE_OF_BIRTH}.",
    "I am a {NATIONALITY} citizen living in {COUNTRY!}.",
    "My son is {AGE} and my daughter is {AGE}.",
    "I'm {AGE}, is there a youth fare to {CITY!}?",
    "Aged {AGE}, {PERSON} is the oldest member of the group.",
    "Ask {PERSON}, our {JOB!}, about the {ORGANIZATION!} contract.",
    "{PERSON} is the {JOB!} at {ORGANIZATION!} in {CITY!}.",
    "The new address is {STREET_ADDRESS}, {CITY!} {ZIP_CODE}.",
    "Deliver to {STREET_ADDRESS}.",
    "I moved from {CITY!} to {STREET_ADDRESS} last {MONTH!}.",
    "Flying out {TRAVEL_DATE!} from {AIRPORT!}, back on {TRAVEL_DATE!}.",
    "Thanks {PERSON}, see you in {CITY!}!",
    "Cheers, {PERSON}",
    "Regards,\n{PERSON}\n{JOB!}\n{ORGANIZATION!}",
    "Hi {PERSON},\nyour flight to {CITY!} on {TRAVEL_DATE!} is confirmed.",
    "Name: {PERSON}\nDOB: {DATE_OF_BIRTH}\nAddress: {STREET_ADDRESS}\nZIP: {ZIP_CODE}",
    "Passenger name | {PERSON}\nBirth date | {DATE_OF_BIRTH}\nCitizenship | {NATIONALITY}\nAge | {AGE}",
    "surname: {PERSON}; city: {CITY!}; street: {STREET_ADDRESS}; post code: {ZIP_CODE}",
    "{PERSON},{DATE_OF_BIRTH},{STREET_ADDRESS},{CITY!},{ZIP_CODE}",
    "{PERSON}\t{AGE}\t{NATIONALITY}\t{AIRPORT!}",
    "Agent: Who's travelling?\nCustomer: Me, {PERSON}, and my kid, she's {AGE}.",
    "Agent: Your postcode?\nCustomer: {ZIP_CODE}, the house is {STREET_ADDRESS}.",
    "Agent: Can I have the date of birth?\nCaller: Yes, {DATE_OF_BIRTH}.",
    "Operator: Which airport?\nCaller: {AIRPORT!}, terminal 2, flying {AIRLINE!} to {CITY!}.",
    "Note: {PERSON} called, bag delivered to {STREET_ADDRESS}.",
    "{PERSON} missed the connection in {CITY!} because {AIRLINE!} was late.",
    "According to {PERSON}, the {ORGANIZATION!} shuttle leaves {AIRPORT!} hourly.",
    "I booked for {PERSON}, {PERSON} and {PERSON}.",
    "The {ORGANIZATION!} team in {CITY!} will handle it.",
    "We visited {CITY!}, {COUNTRY!} and {CITY!} in {MONTH!}.",
    "{AIRLINE!} cancelled the {WEEKDAY!} flight from {AIRPORT!} to {CITY!}.",
    "is {AIRPORT!} or {AIRPORT!} closer to {STREET_NAME!}?",
    "My grandfather {PERSON} turned {AGE} in {MONTH!}.",
    "{PERSON} is {AGE} years of age and {NATIONALITY}.",
    "Born in {CITY!} on {DATE_OF_BIRTH}, {PERSON} now lives at {STREET_ADDRESS}.",
    "Please invoice {ORGANIZATION!}, attention {PERSON}, {STREET_ADDRESS}, {ZIP_CODE}.",
    "Is {PERSON} on the passenger list for {AIRLINE!}?",
    "I need a wheelchair for {PERSON} at {AIRPORT!}.",
    "Reservation under {PERSON}, please.",
    "{PERSON} - {STREET_ADDRESS} - {ZIP_CODE}",
    "The hotel on {STREET_NAME!} in {CITY!} is full in {MONTH!}.",
    "Shipping from {ORGANIZATION!} warehouse in {CITY!} to {STREET_ADDRESS}",
    "Dear {ORGANIZATION!} team,",
    "Employer: {ORGANIZATION!}\nPosition: {JOB!}",
    "Company: {ORGANIZATION!}; contact person: {PERSON}",
    "Flight {FLIGHT!}, booking code {PNR!}, seat 14C.",
    "Booking {PNR!} for {PERSON} on {FLIGHT!} from {AIRPORT!}.",
    "Your confirmation number is {PNR!} and the gate is B{AGE}.",
    "{ORGANIZATION!} and {ORGANIZATION!} merged last {MONTH!}.",
    "Thanks, {PERSON}. Is there anything else I can do?",
    "Caller: It's {PERSON} again.\nAgent: Welcome back. How can I help today?",
]
# Round 5: running prose (letters, notes, stories, news and bios, announcements, reviews) where dates, years,
# durations, counts, companies and job titles sit next to the personal values and must stay `O`: the first model
# tagged most dates as dates of birth, years as postcodes and "for 10 years" as an age. Written for training only.
PROSE = [
    "On {EVENT_DATE!} {PERSON} signed the contract with {ORGANIZATION!} in {CITY!}.",
    "{PERSON}, {AGE}, a {NATIONALITY} {JOB_LOWER!} from {CITY!}, won the award on {EVENT_DATE!}.",
    "{PERSON}, {AGE}, was the youngest speaker at the {ORGANIZATION!} conference.",
    "The {AGE}-year-old {NATIONALITY} {PERSON_NOUN!} was taken to hospital in {CITY!}.",
    "A {NATIONALITY} {PERSON_NOUN!}, aged {AGE}, was stopped at {AIRPORT!} on {EVENT_DATE!}.",
    "{PERSON} is a {NATIONALITY}-born {JOB_LOWER!} who has worked at {ORGANIZATION!} for {COUNT!} years.",
    "I have worked with {PERSON} for {COUNT!} years, and since {YEAR!} she has led the {ORGANIZATION!} team.",
    "{GIVEN} has lived at {STREET_ADDRESS} for {COUNT!} years and moved there in {YEAR!}.",
    "{GIVEN} started on {EVENT_DATE!} and will finish on {EVENT_DATE!}.",
    "We bought the {PRODUCT!} from {ORGANIZATION!} on {EVENT_DATE!} for {AMOUNT!}.",
    "The meeting with {PERSON} is on {EVENT_DATE!} at {ORGANIZATION!}.",
    "Your appointment with Dr. {SURNAME} is on {EVENT_DATE!}; please arrive {COUNT!} minutes early.",
    "{PERSON} was admitted on {EVENT_DATE!} and discharged on {EVENT_DATE!}.",
    "{PERSON} was born on {DATE_OF_BIRTH} and was admitted to {ORGANIZATION!} on {EVENT_DATE!}.",
    "The patient, a {AGE}-year-old {NATIONALITY} {PERSON_NOUN!}, was diagnosed in {YEAR!}.",
    "{GIVEN_POSS} passport expired on {EVENT_DATE!}, so {GIVEN} applied for a new one in {CITY!}.",
    "Please ask {GIVEN} whether the invoice from {ORGANIZATION!} dated {EVENT_DATE!} was paid.",
    "{PERSON} passed away on {EVENT_DATE!}, aged {AGE}, surrounded by family.",
    "{PERSON} and {PERSON} were married in {CITY!} on {EVENT_DATE!}.",
    "Since {YEAR!}, {PERSON} has run {ORGANIZATION!} from an office in {CITY!}.",
    "The lease runs from {EVENT_DATE!} to {EVENT_DATE!}; the tenant is {PERSON}.",
    "Sent on {EVENT_DATE!} by {PERSON} on behalf of {ORGANIZATION!}.",
    "{GIVEN} said that {ORGANIZATION!} had refunded {AMOUNT!} on {EVENT_DATE!}.",
    "According to {ORGANIZATION!}, {PERSON} joined in {YEAR!} and left in {YEAR!}.",
    "My daughter {GIVEN} is {AGE} and my son {GIVEN} turns {AGE} in {MONTH!}.",
    "I'm {GIVEN}, I'm {AGE} and I'm {NATIONALITY}, living in {CITY!} since {YEAR!}.",
    "she is {NATIONALITY} but grew up in {CITY!}",
    "His nationality is listed as {NATIONALITY} and his date of birth as {DATE_OF_BIRTH}.",
    "{PERSON} ({NATIONALITY}, {AGE}) was the only passenger on the {FLIGHT!} flight.",
    "Our neighbour {PERSON}, a retired {JOB_LOWER!}, looks after the garden at {STREET_ADDRESS}.",
    "{PERSON_POSS} new address is {STREET_ADDRESS}, {CITY!}.",
    "Thanks to {GIVEN} at {ORGANIZATION!} for sorting this out within {COUNT!} days!",
    "We stayed {COUNT!} nights at {ORGANIZATION!} in {CITY!} in {YEAR!}.",
    "The {ORGANIZATION!} report of {EVENT_DATE!} lists {COUNT!} incidents in {CITY!}.",
    "{ORGANIZATION!} was founded in {YEAR!} and employs {COUNT!} people in {COUNTRY!}.",
    "{PERSON} was hired as {JOB!} at {ORGANIZATION!} in {MONTH!} {YEAR!}.",
    "Ask for {GIVEN} or {GIVEN} at the front desk of {ORGANIZATION!}.",
    "I'd like to thank {PERSON}, {PERSON} and {GIVEN} for their help.",
    "The {NATIONALITY_THING!} at the place on {STREET_NAME!} was great, said {GIVEN}.",
    "We learnt {NATIONALITY} grammar for {COUNT!} weeks at {ORGANIZATION!}.",
    "Order {PNR!} placed on {EVENT_DATE!} will arrive in {COUNT!} to {COUNT!} days.",
    "The warranty for the {PRODUCT!} bought on {EVENT_DATE!} lasts {COUNT!} years.",
]
# Round 5: assistant questions with no personal data at all, where landmarks, chains and brands, cities alone,
# durations ("a 48-hour trip") and percentages must stay `O` (a model trained on prose with given names alone
# starts to read any capitalised subject as a person). Written for training; none is a benign-set template.
QUESTIONS = [
    "Would you recommend visiting {LANDMARK!} during a {DURATION!} break?",
    "What's the quickest way from {AIRPORT!} to {LANDMARK!}?",
    "Does {BRAND!} take cards at {AIRPORT!}?",
    "How safe is {BIG_CITY!} at night in {MONTH!}?",
    "Plan a {DURATION!} itinerary covering {BIG_CITY!} and {BIG_CITY!}.",
    "Conversion rates in {BIG_CITY!} were {PERCENT!} higher than in {BIG_CITY!} last {MONTH!}.",
    "I want to hire a car from {BRAND!} at {AIRPORT!}.",
    "Opening times for {LANDMARK!} on {WEEKDAY!}?",
    "Is there a {BRAND!} near {LANDMARK!}?",
    "Prices for a {DURATION!} stay at {BRAND!} in {BIG_CITY!}?",
    "{BIG_CITY!} or {BIG_CITY!} for a {DURATION!} holiday in {MONTH!}?",
    "Can I pay with {BRAND!} on the train from {AIRPORT!}?",
    "Which is older, {LANDMARK!} or {LANDMARK!}?",
    "Our {BRAND!} ads reached {PERCENT!} more people in {BIG_CITY!} than in {BIG_CITY!}.",
    "Tell me three facts about {LANDMARK!}.",
    "Is {BIG_CITY!} expensive compared with {BIG_CITY!}?",
    "Write a {DURATION!} plan for {LANDMARK!} and the old town.",
    # brands and services as what one uses, books, orders, pays with; landmarks as what one sees or reaches
    "Can I use {BRAND!} to book a taxi in {BIG_CITY!}?",
    "Is it possible to use {BRAND!} abroad, for example in {BIG_CITY!}?",
    "Should I order from {BRAND!} or {BRAND!} tonight?",
    "How do I cancel my {BRAND!} subscription?",
    "I signed up for {BRAND!} last {MONTH!}; can I get a refund?",
    "We usually stay with {BRAND!} when we travel for work.",
    "Where can I buy {BRAND!} gift cards near {AIRPORT!}?",
    "How long does it take to reach {LANDMARK!} from the station?",
    "Can we see {LANDMARK!} and {LANDMARK!} in one day?",
    "Is {LANDMARK!} open on public holidays?",
    "Best time of year to photograph {LANDMARK!}?",
    "Tickets for {LANDMARK!}: do I need to book ahead?",
]
# Round 5b: contexts the first round-5 model got wrong, written as general patterns (none is a test sentence):
# travel and event dates in several languages and numeric writings without a birth cue; products, hotels,
# restaurants and venues in the name column of a table; cities that are also given names in lists and after
# travel verbs (places) beside the same names after "forward/send/give ... to", in attendee and passenger
# lists, and with a surname (people); airlines as what one flies; names in German, French, Spanish, Italian and
# Dutch sentences; sentences in Chinese, Japanese and Korean with no personal data (as fillers).
TRAVEL = [
    "Boarding for {FLIGHT!} closes at {CLOCK!} on {EVENT_NUM!}.",
    "Your flight {FLIGHT!} on {EVENT_NUM!} leaves {AIRPORT!} at {CLOCK!}.",
    "Train to {BIG_CITY!} on {EVENT_DATE!}, return on {EVENT_NUM!}.",
    "Check-in opens {EVENT_NUM!} at {CLOCK!} and closes {COUNT!} minutes before departure.",
    "The hotel booking runs from {EVENT_NUM!} to {EVENT_NUM!}.",
    "Our workshop takes place on {FOREIGN_DATE!}; see you in {BIG_CITY!}.",
    "Die Messe beginnt am {FOREIGN_DATE!} in {CITY!}.",
    "La réunion aura lieu le {FOREIGN_DATE!} à {CITY!}.",
    "El vuelo sale el {FOREIGN_DATE!} a las {CLOCK!}.",
    "Departure {EVENT_NUM!} {CLOCK!}, arrival {EVENT_NUM!} {CLOCK!}.",
    "Is there a direct connection to {NAME_CITY!} from {NAME_CITY!} in {MONTH!}?",
    "Show me fares to {NAME_CITY!}, {NAME_CITY!} or {NAME_CITY!} next {MONTH!}.",
    "We are driving to {NAME_CITY!} and then on to {NAME_CITY!}.",
    "Trains from {NAME_CITY!} to {NAME_CITY!} run every {COUNT!} minutes.",
    "Compare hotels in {NAME_CITY!}, {BIG_CITY!} and {NAME_CITY!} for {MONTH!}.",
    "After {AIRPORT!} we connect with {AIRLINE!} onward to {BIG_CITY!}.",
    "We fly {AIRLINE!} to {BIG_CITY!} and come back with {AIRLINE!}.",
    "Is {AIRLINE!} or {AIRLINE!} better for the route to {BIG_CITY!}?",
    "{AIRLINE!} lost my bag between {AIRPORT!} and {NAME_CITY!}.",
    "product_name,unit_price,in_stock\n{ITEM!},{PRICE!},{COUNT!}\n{ITEM!},{PRICE!},{COUNT!}",
    "product name;category;stock\n{ITEM!};{CATEGORY!};{COUNT!}\n{ITEM!};{CATEGORY!};{COUNT!}",
    "property,town,rating\n{VENUE!},{BIG_CITY!},{STARS!}\n{VENUE!},{BIG_CITY!},{STARS!}",
    "Name | Location | Rating\n{VENUE!} | {BIG_CITY!} | {STARS!}\n{VENUE!} | {BIG_CITY!} | {STARS!}",
    "restaurant,cuisine,price\n{VENUE!},{NATIONALITY_THING!},{PRICE!}",
    "name,age,city\n{PERSON},{AGE},{BIG_CITY!}\n{PERSON},{AGE},{BIG_CITY!}",
    "first name,last name,team\n{GIVEN},{SURNAME},{CATEGORY!}",
    "We stayed at {VENUE!} near {LANDMARK!}; the {ITEM!} in the room was broken.",
    "Can you {HANDOVER!} to {NAME_GIVEN} by the end of the day?",
    "I'll {HANDOVER!} to {NAME_GIVEN} when she is back.",
    "Travellers on this booking: {NAME_GIVEN}, {NAME_GIVEN} and {NAME_GIVEN}.",
    "Present at the meeting: {NAME_GIVEN}, {GIVEN}, {NAME_GIVEN}, {GIVEN}",
    "My nephews {NAME_GIVEN} and {NAME_GIVEN} need an escort at the airport.",
    "{NAME_GIVEN} {SURNAME} is moving to {NAME_CITY!} in {MONTH!}.",
    "{NAME_GIVEN} {SURNAME} booked the trip to {NAME_CITY!} for {MONTH!}.",
    "Guests: {PERSON}; {PERSON}; {PERSON}",
    "Team: {PERSON}, {PERSON}, {GIVEN} {SURNAME} and {PERSON}.",
    "- {PERSON}\n- {PERSON}\n- {PERSON}",
    "Können Sie bitte {PERSON} Bescheid geben? Der Termin ist am {FOREIGN_DATE!}.",
    "Herr {SURNAME} und Frau {PERSON} warten am Schalter von {AIRLINE!}.",
    "Könnten Sie {PERSON} sagen, dass der Zug nach {CITY!} später fährt?",
    "Merci de rappeler {PERSON} avant {WEEKDAY!}, il attend à {AIRPORT!}.",
    "Por favor, llame a {PERSON}; su maleta está en {AIRPORT!}.",
    "Può richiamare {PERSON}? Il volo per {CITY!} è in ritardo.",
    "Wilt u {PERSON} terugbellen over de vlucht naar {CITY!}?",
]
NAME_CITIES = [
    "Austin", "Sydney", "Chester", "Savannah", "Florence", "Charlotte", "Dallas", "Jackson", "Madison",
    "Lincoln", "Victoria", "Phoenix", "Paris", "Adelaide", "Regina", "Eugene", "Orlando", "Houston", "Denver",
    "Camden", "Preston", "Sherwood", "Tyler", "Kingston", "Aurora", "Georgia", "Brooklyn", "Memphis",
]  # fmt: skip
ITEM_HEADS = ["Widget", "Gadget", "Blender", "Router", "Kettle", "Speaker", "Monitor", "Drone", "Scooter",
              "Jacket", "Backpack", "Lamp", "Toaster", "Headset", "Charger", "Tablet", "Sneaker",
              "Mixer"]  # fmt: skip
ITEM_TAILS = ["Pro", "Max", "Mini", "Plus", "Deluxe", "Lite", "Ultra", "X", "Air", "Classic", "2", "500", "Go"]
ITEM_MAKERS = ["Acme", "Nova", "Zenith", "Orion", "Apex", "Vertex", "Summit", "Polar", "Atlas", "Echo"]
VENUE_HEADS = ["Grand", "Royal", "Sunset", "Ocean", "Golden", "Silver", "Old", "Harbour", "Park", "Imperial",
               "Blue", "Green", "Palm", "Riverside", "Alpine", "Crown", "Star", "Lakeside"]  # fmt: skip
VENUE_TAILS = ["Palace", "Inn", "Hotel", "Resort", "Lodge", "Suites", "Bistro", "Grill", "Tavern", "Arms",
               "Plaza", "House", "Garden", "Café", "Hostel", "Retreat", "Towers", "Court"]  # fmt: skip
CATEGORIES = ["Kitchen", "Audio", "Outdoor", "Office", "Garden", "Toys", "Sales", "Marketing", "Support", "Red"]
HANDOVERS = ["forward this", "send this", "pass this on", "give the keys", "hand the file", "email the report",
             "show the draft", "mention it", "explain this", "reply"]  # fmt: skip
FOREIGN_MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
}  # fmt: skip
LANDMARKS = [
    "the Eiffel Tower", "Colosseum", "Sagrada Familia", "Golden Gate Bridge", "Table Mountain", "Petra",
    "Chichen Itza", "Niagara Falls", "Mont Saint-Michel", "the Alhambra", "the Acropolis", "the Louvre", "Uluru",
    "Sydney Opera House", "Hagia Sophia", "Burj Khalifa", "Stonehenge", "the Matterhorn", "Lake Como",
    "Victoria Falls", "Mount Kilimanjaro", "Grand Canyon", "Central Park", "Tower Bridge", "St Peter's Basilica",
    "Brandenburg Gate", "the Forbidden City", "Neuschwanstein Castle", "Ha Long Bay", "Edinburgh Castle",
    "Lake Bled", "Cliffs of Moher", "Plitvice Lakes", "Mount Rushmore", "Sugarloaf Mountain", "Ayers Rock",
    "Saint Basil's Cathedral", "Kinkaku-ji", "Milford Sound", "Iguazu Falls", "Borobudur", "Bagan",
    "Luang Prabang", "Pamukkale", "Cappadocia", "Hallstatt", "Sintra", "Meteora", "Ephesus", "Wat Arun",
    "Fushimi Inari", "Santorini", "Dubrovnik Old Town", "Mount Etna", "Kruger Park", "Serengeti", "Galapagos",
    "Yosemite",
]  # fmt: skip
BRANDS = [
    "Hertz", "Sixt", "Europcar", "Hilton", "Hyatt", "Ibis", "Novotel", "Starbucks", "Subway", "KFC",
    "Pret A Manger", "Costa Coffee", "Uber", "Lyft", "Bolt", "Visa", "American Express", "Apple Pay",
    "Google Pay", "Booking.com", "Tripadvisor", "Wendy's", "Tim Hortons", "Domino's", "Nando's", "Holiday Inn",
    "Radisson", "Sheraton", "Westin", "Enterprise", "Alamo", "PayPal", "Revolut", "Wise", "Monzo", "Zara",
    "Lufthansa", "Emirates", "Ryanair", "Deliveroo", "Just Eat", "Netflix", "Spotify", "Skyscanner", "Kayak",
    "Trainline", "FlixBus", "Greyhound", "Amtrak", "Eurostar", "Accor", "Best Western", "Pizza Hut", "Five Guys",
    "Chipotle", "Dominos", "Discover", "Maestro", "Klarna", "Venmo", "Zelle", "Orbitz", "Hotels.com", "Vrbo",
]  # fmt: skip
BIG_CITIES = [
    "Lyon", "Porto", "Seville", "Kraków", "Bruges", "Cork", "Leeds", "Adelaide", "Denver", "Nashville", "Quebec",
    "Cusco", "Hanoi", "Kyoto", "Busan", "Tbilisi", "Zanzibar", "Accra", "Nairobi", "Florence", "Victoria",
    "Charlotte", "Savannah", "Jackson", "Regina", "Eugene", "Madison", "Austin", "Lincoln", "Sydney", "Phoenix",
]  # fmt: skip
# Sentences without personal data, mixed into texts so that common words, capitalised sentence openers and
# service phrases are seen as nothing (a model trained only on slot templates tags any unfamiliar phrase).
FILLERS = [
    "How can I help you today?", "Is there anything else?", "Kind regards,", "Best wishes,", "Many thanks.",
    "Could you confirm the spelling?", "What number should we use to contact you?", "You can check it online.",
    "Please hold the line.", "I'll transfer you now.", "Your reference is in the e-mail.", "Sorry for the wait.",
    "We apologise for the inconvenience.", "The seat map shows two free aisle seats.", "Yes, that's correct.",
    "No problem at all.", "Let me look into that.", "Your bag has been located.", "Boarding starts at 9:40.",
    "The lounge is on the upper level.", "Your refund is being processed.", "Thank you for flying with us.",
    "Can you spell your surname?", "Which date suits you better?", "I need to change my booking.",
    "My suitcase never arrived.", "Do I need a visa?", "Is breakfast included?", "I want to complain.",
    "The app keeps crashing.", "Please find the documents attached.", "Looking forward to hearing from you.",
    "Customer Service Team", "Terms and Conditions apply.", "Reply STOP to unsubscribe.", "ID number:",
    "Passenger Details", "Contact Information", "Payment Method: card", "Special Assistance Request",
]  # fmt: skip


def _dob(fake: Any, rng: random.Random) -> str:
    born: date = fake.date_of_birth(minimum_age=0, maximum_age=100)
    month = MONTHS[born.month - 1]
    return rng.choice(
        [
            f"{born.day:02d}/{born.month:02d}/{born.year}", f"{born.month}/{born.day}/{born.year}",
            born.isoformat(), f"{born.day} {month} {born.year}", f"{month} {born.day}, {born.year}",
            f"{born.day}.{born.month}.{born.year}", f"{born.day} {month[:3]} {born.year}",
            f"{born.day}-{born.month:02d}-{born.year}", f"{month[:3]}. {born.day} {born.year}",
        ]
    )  # fmt: skip


def _person(fake: Any, romanised: list[Any], rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(EXTRA_NAMES)
    if roll < 0.16:
        return str(rng.choice(romanised).romanized_name())
    if roll < 0.5:
        return f"{fake.first_name()} {fake.last_name()}"
    if roll < 0.65:
        return str(fake.name())
    if roll < 0.75:
        return str(fake.first_name())
    if roll < 0.82:
        return f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Dr', 'Mr.', 'Mrs.', 'Prof.'])} {fake.last_name()}"
    if roll < 0.88:
        return f"{fake.last_name()}, {fake.first_name()}"
    if roll < 0.94:
        return f"{fake.first_name()} {fake.first_name()[0]}. {fake.last_name()}"
    return f"{fake.first_name()} {fake.last_name()}-{fake.last_name()}"


def _address(fake: Any, rng: random.Random) -> str:
    street = str(fake.street_address()).replace("\n", ", ")
    if rng.random() < 0.15 and hasattr(fake, "secondary_address"):
        street += rng.choice([", ", " "]) + str(fake.secondary_address())
    return street


def _street_name(fake: Any) -> str:
    return str(fake.street_name()) if hasattr(fake, "street_name") else str(fake.city())


def _travel(rng: random.Random) -> str:
    day = date(2025, 6, 1) + timedelta(days=rng.randint(0, 900))
    return rng.choice([day.isoformat(), day.strftime("%d %B"), day.strftime("%B %d"), day.strftime("%a %d/%m")])


PERSON_NOUNS = [
    "man", "woman", "male", "female", "boy", "girl", "guy", "grandmother", "grandfather", "mother", "father",
    "student", "patient", "teenager", "pensioner", "tourist", "runner", "nurse", "engineer", "driver",
]  # fmt: skip
NATIONALITY_THINGS = ["restaurant", "cuisine", "coffee", "film", "wine", "market", "embassy", "bakery", "music"]


def _event_date(rng: random.Random) -> str:
    """A date that is not a date of birth (signing, appointment, event, invoice), in the writings of DOBs."""
    day = date(1990, 1, 1) + timedelta(days=rng.randint(0, 14000))
    fmt = rng.choice(["%B %d, %Y", "%d %B %Y", "%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d", "%A, %B %d", "%b %d %Y",
                      "%d.%m.%Y", "%B %Y", "%A %d %B"])  # fmt: skip
    return day.strftime(fmt)


def _event_num(rng: random.Random) -> str:
    """A travel, booking or meeting date in the numeric writings of dates of birth, in the coming years."""
    day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1500))
    fmt = rng.choice(["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y", "%d %b %Y"])
    return day.strftime(fmt)


def _foreign_date(rng: random.Random) -> str:
    """An event date written in German, French or Spanish ("3. März 2026", "12 juin 2025", "5 de mayo de 2026")."""
    day = date(2020, 1, 1) + timedelta(days=rng.randint(0, 3000))
    language = rng.choice(list(FOREIGN_MONTHS))
    month = FOREIGN_MONTHS[language][day.month - 1]
    if language == "de":
        return f"{day.day}. {month} {day.year}"
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def _item(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return f"{rng.choice(ITEM_HEADS)} {rng.choice(ITEM_TAILS)}"
    if roll < 0.8:
        return f"{rng.choice(ITEM_MAKERS)} {rng.choice(ITEM_TAILS + ITEM_HEADS)}"
    return rng.choice(PRODUCTS)


def _cjk_sentence(fakers: dict[str, Any], rng: random.Random) -> str:
    """A Chinese or Japanese Faker lorem sentence, or a Korean one from a few phrases: no personal data."""
    if rng.random() < 0.2:
        return rng.choice(KOREAN)
    return str(fakers[rng.choice(ROMANISED)].sentence(nb_words=rng.randint(4, 14)))


KOREAN = [
    "내일 회의는 오후 세 시에 시작합니다.", "이 제품의 배송은 얼마나 걸리나요?",
    "공항까지 가는 가장 빠른 방법을 알려 주세요.",
    "환불은 영업일 기준 오 일 이내에 처리됩니다.", "호텔 조식은 몇 시부터인가요?", "비밀번호를 잊어버렸어요.",
]  # fmt: skip


def _names(fake: Any, name_fakers: list[Any], romanised: list[Any], rng: random.Random) -> tuple[str, str]:
    """A (given name, surname) from the row's locale, a names-only locale or a romanised one."""
    roll = rng.random()
    if roll < 0.15:
        other = rng.choice(romanised)
        return str(other.first_romanized_name()), str(other.last_romanized_name())
    source = rng.choice(name_fakers) if roll < 0.55 else fake
    return str(source.first_name()), str(source.last_name())


def _makers(
    fake: Any, romanised: list[Any], rng: random.Random, name_fakers: list[Any] | None = None
) -> dict[str, Callable[[], str]]:
    pool = name_fakers or [fake]

    def person() -> str:
        if rng.random() < 0.5:
            return _person(fake, romanised, rng)
        given, surname = _names(fake, pool, romanised, rng)
        roll = rng.random()
        if roll < 0.15:
            return f"{given} {surname}-{_names(fake, pool, romanised, rng)[1]}"
        if roll < 0.22:
            return f"{given} {surname} {_names(fake, pool, romanised, rng)[1]}"
        return f"{given} {surname}"

    def possessive(name: str) -> str:
        return name + ("'" if name.endswith("s") else "'s")

    return {
        "PERSON": person,
        "PERSON_POSS": lambda: possessive(person()),
        "GIVEN": lambda: _names(fake, pool, romanised, rng)[0],
        "GIVEN_POSS": lambda: possessive(_names(fake, pool, romanised, rng)[0]),
        "SURNAME": lambda: _names(fake, pool, romanised, rng)[1],
        "PERSON_NOUN": lambda: rng.choice(PERSON_NOUNS),
        "NATIONALITY_THING": lambda: f"{rng.choice(DEMONYMS)} {rng.choice(NATIONALITY_THINGS)}",
        "EVENT_DATE": lambda: _event_date(rng),
        "YEAR": lambda: str(rng.randint(1960, 2030)),
        "COUNT": lambda: str(rng.randint(2, 40)),
        "AMOUNT": lambda: rng.choice(["$", "£", "€", "USD "]) + f"{rng.randint(5, 90000):,}",
        "JOB_LOWER": lambda: rng.choice(JOBS).lower(),
        "LANDMARK": lambda: rng.choice(LANDMARKS),
        "BRAND": lambda: rng.choice(BRANDS),
        "BIG_CITY": lambda: rng.choice(BIG_CITIES),
        "PERCENT": lambda: f"{rng.randint(2, 90)}%",
        "DURATION": lambda: rng.choice(
            [f"{rng.randint(2, 96)}-hour", f"{rng.randint(2, 14)}-night", f"{rng.randint(2, 21)}-day", "two-week"]
        ),
        "EVENT_NUM": lambda: _event_num(rng),
        "FOREIGN_DATE": lambda: _foreign_date(rng),
        "CLOCK": lambda: f"{rng.randint(0, 23):02d}:{rng.choice(['00', '05', '15', '30', '45', '50'])}",
        "NAME_CITY": lambda: rng.choice(NAME_CITIES),
        "NAME_GIVEN": lambda: (
            rng.choice(NAME_CITIES) if rng.random() < 0.6 else _names(fake, pool, romanised, rng)[0]
        ),
        "ITEM": lambda: _item(rng),
        "VENUE": lambda: f"{rng.choice(VENUE_HEADS)} {rng.choice(VENUE_TAILS)}",
        "CATEGORY": lambda: rng.choice(CATEGORIES),
        "PRICE": lambda: f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
        "STARS": lambda: str(rng.randint(1, 5)),
        "HANDOVER": lambda: rng.choice(HANDOVERS),
        "STREET_ADDRESS": lambda: _address(fake, rng),
        "ZIP_CODE": lambda: str(fake.postcode()),
        "DATE_OF_BIRTH": lambda: _dob(fake, rng),
        "AGE": lambda: str(rng.choice([rng.randint(1, 17), rng.randint(18, 99)])),
        "NATIONALITY": lambda: rng.choice(DEMONYMS),
        "CITY": lambda: str(fake.city()),
        "COUNTRY": lambda: rng.choice(COUNTRIES),
        "AIRPORT": lambda: rng.choice(AIRPORTS),
        "AIRLINE": lambda: rng.choice(AIRLINES),
        "ORGANIZATION": lambda: str(fake.company()),
        "PRODUCT": lambda: rng.choice(PRODUCTS),
        "JOB": lambda: rng.choice(JOBS),
        "MONTH": lambda: rng.choice(MONTHS),
        "WEEKDAY": lambda: rng.choice(WEEKDAYS),
        "TRAVEL_DATE": lambda: _travel(rng),
        "STREET_NAME": lambda: _street_name(fake),
        "FLIGHT": lambda: f"{rng.choice(['BA', 'LH', 'AZ', 'TK', 'EK', 'DL', 'FR', 'W6'])}{rng.randint(1, 9999)}",
        "PNR": lambda: "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(6)),
    }


SLOT_LABEL = {
    "PERSON_POSS": "PERSON", "GIVEN": "PERSON", "GIVEN_POSS": "PERSON", "SURNAME": "PERSON",
    "NAME_GIVEN": "PERSON",
}  # fmt: skip


def fill(template: str, makers: dict[str, Callable[[], str]]) -> tuple[str, list[tuple[int, int, str]]]:
    text, spans, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        text += before
        value = makers[slot.rstrip("!")]()
        if not slot.endswith("!"):
            spans.append((len(text), len(text) + len(value), SLOT_LABEL.get(slot, slot)))
        text += value
    return text + rest, spans


def _filler(fake: Any, rng: random.Random) -> str:
    """A sentence without personal data: a service phrase or Faker's English word salad."""
    return rng.choice(FILLERS) if rng.random() < 0.6 else str(fake.sentence(nb_words=rng.randint(4, 12)))


def _augment(text: str, rng: random.Random) -> str:
    """Lowercase chat without punctuation (15 %), all lowercase (5 %): offsets are kept."""
    roll = rng.random()
    lowered = text.lower()
    if roll < 0.2 and len(lowered) == len(text):
        return "".join(" " if c in "?!,;" and roll < 0.15 else c for c in lowered)
    return text


def examples(n: int, seed: int) -> list[tuple[str, list[tuple[int, int, str]]]]:
    from faker import Faker

    rng = random.Random(seed)
    fakers = {}
    for index, locale in enumerate(LOCALES + ROMANISED + NAME_LOCALES):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 1000 + index)
    romanised = [fakers[locale] for locale in ROMANISED]
    name_fakers = [fakers[locale] for locale in LOCALES + NAME_LOCALES]
    out = []
    for _ in range(n):
        makers = _makers(fakers[rng.choice(LOCALES)], romanised, rng, name_fakers)
        roll = rng.random()  # round 5: 35 % running prose, 10 % questions with no personal data, 12 % round 5b
        pool = PROSE if roll < 0.35 else QUESTIONS if roll < 0.45 else TRAVEL if roll < 0.57 else TEMPLATES
        parts = rng.sample(pool, rng.choice([0, 1, 1, 2, 3]))
        for _ in range(rng.choice([0, 0, 1, 2])):
            parts.insert(rng.randint(0, len(parts)), _filler(fakers["en_US"], rng))
        if rng.random() < 0.06:  # round 5b: a sentence in Chinese, Japanese or Korean, no personal data
            parts.insert(rng.randint(0, len(parts)), _cjk_sentence(fakers, rng))
        text, spans = "", []
        for part in parts or [_filler(fakers["en_US"], rng)]:
            piece, found = fill(part, makers)
            if text:
                text += rng.choice([" ", "\n", " "])
            spans += [(s + len(text), e + len(text), label) for s, e, label in found]
            text += piece
        out.append((_augment(text, rng), spans))
    return out


# The report families' generators (scripts/make_pii_family.py, families 1-7) with seeds of their own, none the
# seed a family is reported on: their formats (records, logs, HL7, vCards, chats...) as training text. Family 8
# is left out: it is the first-seen family of round 5. Gold types become the model's labels; the rest is `O`.
FAMILY_SEEDS = {1: 610001, 2: 610002, 3: 610003, 4: 610004, 5: 610005, 6: 610006, 7: 610007}
FAMILY_LABEL = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "AGE": "AGE",
    "DATE_OF_BIRTH": "DATE_OF_BIRTH",
}
FAMILY_LABEL |= {"NRP": "NATIONALITY", "NATIONALITY": "NATIONALITY", "ZIP_CODE": "ZIP_CODE"}


def family_examples(per_family: int, offset: int = 0) -> list[tuple[str, list[tuple[int, int, str]]]]:
    if per_family <= 0:
        return []
    sys.path.insert(0, str(ROOT / "scripts"))
    from faker import Faker
    from make_pii_family import NAME_LOCALES_8, _locales, record

    out = []
    for family, seed in FAMILY_SEEDS.items():
        rng, fakers = random.Random(seed + offset), {}
        for index, locale in enumerate(_locales(family) + NAME_LOCALES_8):
            fakers.setdefault(locale, Faker(locale)).seed_instance((seed + offset) * 100 + index)
        made = 0
        while made < per_family:
            try:  # a few Faker locales lack a card type or a provider some template asks for: skip that row
                row = record(rng, fakers, family)
            except (AttributeError, KeyError):
                continue
            made += 1
            spans = [
                (int(x["start"]), int(x["end"]), FAMILY_LABEL[x["type"]])
                for x in row["spans"]
                if x.get("personal", True) and x["type"] in FAMILY_LABEL
            ]
            out.append((row["text"], spans))
    return out


def to_examples(nlp: Any, data: list[tuple[str, list[tuple[int, int, str]]]]) -> list[Any]:
    from spacy.training import Example

    result = []
    for text, spans in data:
        doc = nlp.make_doc(text)
        ents, taken = [], set()
        for start, end, label in spans:
            span = doc.char_span(start, end, label, alignment_mode="expand")
            if span is not None and not taken & set(range(span.start, span.end)):
                ents.append((span.start_char, span.end_char, label))
                taken |= set(range(span.start, span.end))
        result.append(Example.from_dict(doc, {"entities": ents}))
    return result


def evaluate(nlp: Any, dev: list[Any]) -> dict[str, Any]:
    """Token-overlap recall and precision per label on `dev` (what the scanner's overlap matching rewards)."""
    counts: dict[str, list[int]] = {label: [0, 0, 0, 0] for label in LABELS}  # gold hit, gold, found hit, found
    for eg in dev:
        pred = nlp(eg.reference.text)
        gold = [(e.start_char, e.end_char, e.label_) for e in eg.reference.ents]
        found = [(e.start_char, e.end_char, e.label_) for e in pred.ents]
        for s, e, label in gold:
            counts[label][0] += any(fs < e and s < fe and fl == label for fs, fe, fl in found)
            counts[label][1] += 1
        for s, e, label in found:
            counts[label][2] += any(gs < e and s < ge and gl == label for gs, ge, gl in gold)
            counts[label][3] += 1
    return {k: {"R": round(v[0] / max(v[1], 1), 3), "P": round(v[2] / max(v[3], 1), 3)} for k, v in counts.items()}


def build(width: int = 64, embed: int = 3000) -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("ner", config={"model": model_config(width, embed)})
    return nlp


def model_config(width: int, embed: int) -> dict[str, Any]:
    return {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 64,
        "maxout_pieces": 2,
        "use_upper": True,
        "nO": None,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2",
            "pretrained_vectors": None,
            "width": width,
            "depth": 4,
            "embed_size": embed,
            "window_size": 1,
            "maxout_pieces": 3,
            "subword_features": True,
        },
    }


def train(args: argparse.Namespace) -> None:
    import spacy
    import torch
    from spacy.training import Example
    from spacy.util import minibatch

    torch.set_num_threads(1)
    spacy.util.fix_random_seed(args.seed)
    nlp = build(args.width, args.embed)
    train_set = to_examples(nlp, examples(args.n, SEEDS["train"]) + family_examples(args.family_rows))
    dev = to_examples(nlp, _dev(args))
    optimizer = nlp.initialize(lambda: train_set[:2000])
    rng = random.Random(args.seed)
    started, epoch, best, best_score = time.time(), 0, None, -1.0
    while time.time() - started < args.minutes * 60 and (args.epochs is None or epoch < args.epochs):
        epoch += 1
        rng.shuffle(train_set)
        losses: dict[str, float] = {}
        for batch in minibatch(train_set, size=32):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
            if time.time() - started > args.minutes * 60:
                break
        figures = evaluate(nlp, dev)
        score = sum(v["R"] + v["P"] for v in figures.values())
        print(f"epoch {epoch} {time.time() - started:.0f}s loss {losses.get('ner', 0):.0f} {figures}", flush=True)
        if score > best_score:
            best, best_score = nlp.get_pipe("ner").model.to_bytes(), score
    if best is not None:
        nlp.get_pipe("ner").model.from_bytes(best)
    export(nlp, args, time.time() - started, epoch)
    del Example


def _dev(args: argparse.Namespace) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Validation texts: the generator's with its own seed, and family rows with seeds of their own."""
    return examples(max(200, args.n // 20), SEEDS["val"]) + family_examples(args.family_rows // 20, offset=500)


def export(nlp: Any, args: argparse.Namespace, seconds: float, epochs: int) -> None:
    """Weights as float16 arrays keyed by node index and name, and the config and moves as JSON."""
    import numpy as np

    ner = nlp.get_pipe("ner")
    arrays = {}
    for index, node in enumerate(ner.model.walk()):
        for name in node.param_names:
            if node.has_param(name):
                arrays[f"{index}/{node.name}/{name}"] = np.asarray(node.get_param(name), dtype=np.float16)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "personal_ner.npz", **arrays)
    meta = {
        "labels": LABELS,
        "moves": [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)],
        "model": model_config(args.width, args.embed),
        "dims": {
            f"{i}/{node.name}": {d: node.get_dim(d) for d in node.dim_names if node.has_dim(d)}
            for i, node in enumerate(ner.model.walk())
        },
        "training": {
            "examples": args.n,
            "family_rows": args.family_rows,
            "seed": args.seed,
            "seconds": round(seconds),
            "epochs": epochs,
        },
        "validation": evaluate(nlp, to_examples(nlp, _dev(args))),
    }
    (args.out / "personal_ner.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(json.dumps(meta["validation"]))


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # Faker picks from sets in some locales: fix their order
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=12000, help="training texts")
    parser.add_argument("--minutes", type=float, default=15.0, help="wall-clock budget")
    parser.add_argument("--epochs", type=int, help="stop after this many epochs (for a run independent of speed)")
    parser.add_argument("--family-rows", type=int, default=0, help="rows per report family 1-7 (own seeds)")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--embed", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "steward" / "guardrails" / "weights")
    parser.add_argument("--dump", type=Path, help="only write the generated training texts as JSONL here")
    args = parser.parse_args()
    if args.dump:
        data = examples(args.n, SEEDS["train"]) + family_examples(args.family_rows)
        args.dump.write_text("".join(json.dumps({"text": t, "spans": s}) + "\n" for t, s in data))
        return
    train(args)


if __name__ == "__main__":
    main()
