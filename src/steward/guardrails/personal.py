"""Recognisers for personal data that Presidio's English defaults miss or only find by accident.

Measured on a held-out multi-locale set (`scripts/make_pii_heldout.py`, docs/cards/pii.md), spaCy's small model
tags many non-English names as organisations, places or nationalities, and stock Presidio "finds" addresses, ages
and postcodes only because it reports every place and date. Steward does not report places, organisations or bare
dates by default (a city or an airport is not personal data), so these recognisers find the personal ones by
their shape and by the words around them, in every locale the set covers:

- `ContextNameRecognizer`: capitalised words after words that introduce a person ("my name is", "Dear", "Mr",
  "my husband", "Full name:", "Kind regards,"), whatever label spaCy gave them;
- `StreetAddressRecognizer`: a house number with a street type (English/USPS suffixes, French, Spanish, Italian
  lead words), or what follows "Address:" / "I live at" when it holds a number; the street types of many more
  languages, compounds ("Björkgatan 2"), PO boxes and flat lines are `steward.guardrails.streets`';
- postcodes after a postcode word, in the "street, 12345 City" position, or in the UK format;
- dates of birth (a date near "born", "date of birth", "DOB"), ages tied to a person ("aged 34", "34 years
  old", "Age: 34", "she's 34", "Anna (34)"), nationalities (a demonym next to "nationality", "citizen", "I'm"),
  and identity numbers after the words that name them (passport, ID, national insurance, SSN, BSN, DNI…).
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.rule_recognizer import RuleRecognizer

TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Herr|Frau|Mme|Mlle|M|Sr|Sra|Sig|Sig\.ra|Dhr|Mevr)\.?"
RELATIONS = (
    r"husband|wife|son|daughter|mum|mom|mother|father|dad|brother|sister|colleague|friend|partner|boss|manager|"
    r"child|kid|grandmother|grandfather|grandma|grandpa|granddaughter|grandson|uncle|aunt|cousin|boyfriend|"
    r"girlfriend|fianc[ée]e?|nephew|niece|neighbour|neighbor|assistant|employee|client|tenant|landlord|"
    r"passenger|patient"
)
# "My name is" in the languages of the travellers the assistant serves, in their own scripts.
OTHER_LANGUAGE_CUES = (
    r"\bje\s+m['’]appelle|\bich\s+hei(?:ß|ss)e|\bme\s+llamo|\bmi\s+chiamo|\bik\s+heet|\bnazywam\s+się|"
    r"\bmeu\s+nome\s+é|\bmi\s+nombre\s+es|\bjeg\s+hedder|\bjag\s+heter|\bbenim\s+adım|"
    r"\bменя\s+зовут|\bмо[её]\s+имя|\bмене\s+звати|\bμε\s+λένε|\bονομάζομαι|\bاسمي|\bأنا\s+اسمي|"
    r"\bשמי|\bmera\s+naam"
)
# Greetings and sign-offs also open a place or a company ("Thanks, Heathrow!", "Dear Ryanair"): after these the
# words must look like a name (`names.plausible_name`).
WEAK_CUES = re.compile(
    r"(?i)^(?:(?:dear|hi|hello|signed|this\s+is|it['’]s|it\s+is|witnessed|accompanied|attn|c/o)\b|thanks,|"
    r"thank\s+you,|regards,|sincerely,|best,|cheers,)"
)
NAME_CUES = re.compile(
    r"(?i:\b(?:my|our|the|his|her)\s+name\s+is|\bname['’]s|\bI['’]m|\bI\s+am|\bthis\s+is|\bit['’]s|\bit\s+is|"
    r"\bcall\s+me|\bask\s+for|\bspeaking\s+(?:with|to)|\bspeak\s+(?:with|to)|\btalk\s+to|\bdear|\bhi|\bhello|"
    r"\bthanks,|\bthank\s+you,|\bregards,|\bsincerely,|\bbest,|\bcheers,|\bsigned,?|"
    r"\b(?:full\s+|first\s+|last\s+|given\s+|family\s+|passenger\s+|contact\s+|customer\s+)?names?\s*:|"
    r"\bsurname\s*:|\bpassenger\s*:|\b(?:surname|first\s+name|last\s+name|given\s+names?|family\s+name)(?:\s+is)?|\bcontact\s*:|\baccount\s+holder:?|\bcard\s*holder:?|"
    r"\bname\s+on\s+(?:the\s+)?card:?|\bwitnessed\s+by|\baccompanied\s+by|\battn\.?:?|\bc/o|"
    r"\bmy\s+(?:" + RELATIONS + r")(?:\s*,)?|" + OTHER_LANGUAGE_CUES + r")\s+"
    r"|\b" + TITLES + r"\s+"
)
PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "dos", "das", "le", "la", "y"}
PARTICLES |= {"bin", "al", "ter", "ten", "zu", "e", "d'", "di'"}
NOT_NAMES = {
    "sir", "madam", "team", "all", "customer", "customers", "service", "support", "everyone", "there", "agent",
    "caller", "the", "a", "an", "and", "or", "i", "we", "you", "thanks", "please", "sorry", "yes", "no", "ok",
    "travelling", "flying", "calling", "writing", "here", "not", "just", "also", "still", "sure", "afraid",
}  # fmt: skip
GROUP_WORDS = {
    "team",
    "group",
    "support",
    "department",
    "staff",
    "office",
    "desk",
    "service",
    "services",
    "company",
}
_WORD = re.compile(r"[^\W\d_][\w'’\-.]*")


class ContextNameRecognizer(RuleRecognizer):
    """PERSON: up to five name words (particles such as "van", "de" inside) right after a word that introduces a
    person."""

    ENTITIES, SCORE = ("PERSON",), 0.85

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        from steward.guardrails.fields import next_names
        from steward.guardrails.names import plausible_name

        results = []
        for cue in NAME_CUES.finditer(text):
            span = _name_after(text, cue.end())
            if span is None:
                continue
            name, following = text[span[0] : span[1]], text[span[1] : span[1] + 30]
            if WEAK_CUES.match(cue.group(0)) and not (_caseless(name) or plausible_name(name, following)):
                continue
            results.append(RecognizerResult("PERSON", span[0], span[1], self.score))
            # "witnessed by A and B", "my sons Tom, Ben and Sam": the names joined to this one
            for joined in next_names(text, span[1]):
                results.append(RecognizerResult("PERSON", joined[0], joined[1], self.score))
        return results


def _name_after(text: str, at: int) -> tuple[int, int] | None:
    """The span of the capitalised words that start at `at`, or None."""
    start = end = -1
    words = 0
    position = at
    while words < 5:
        match = _WORD.match(text, position)
        if match is None:
            break
        word = match.group(0).rstrip(".")
        if word.lower() in PARTICLES and start >= 0:
            position = _skip_spaces(text, match.end())
            continue
        initial = len(word) == 1
        if (
            not (word[:1].isupper() or _caseless(word))
            or word.lower() in NOT_NAMES
            or word.lower() in DEMONYMS
            or (word.isupper() and not initial)
        ):
            break
        start = match.start() if start < 0 else start
        end = match.start() + len(word)
        words += 1
        position = _skip_spaces(text, match.end())
        if (
            position == match.end()
            or "\n" in text[match.end() : position]
            or (match.group(0)[-1] in ".'’" and not initial)
        ):
            break  # a name does not run on without a space, onto the next line, or past a full stop
    after = _WORD.match(text, _skip_spaces(text, end)) if start >= 0 else None
    if after is not None and after.group(0).lower().rstrip(".") in GROUP_WORDS:
        return None  # "Dear Mende team": an organisation, not a person
    return (start, end) if start >= 0 else None


def _caseless(word: str) -> bool:
    """A word of a script without capitals (Arabic, Hebrew, Chinese, Devanagari…): no capital marks a name."""
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(c.lower() == c.upper() for c in letters)


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n":
        at += 1
    return at


# Street types: USPS Publication 28 suffixes and British ones (after the name), French/Spanish/Italian/Portuguese
# lead words (before the name), German/Dutch compound endings (one word with the name).
SUFFIXES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Way|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Crescent|Close|Gardens?|"
    "Terrace|Boulevard|Blvd|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Row|Mews|Hill|Hills|Grove|Park|Walk|Green|"
    "Rise|View|Views|Villages?|Lights?|Crossing|Ville|Haven|Points?|Ports?|Ridges?|Springs?|Station|Stream|Summit|"
    "Track|Tunnel|Turnpike|Unions?|Valleys?|Vista|Wells?|Estates?|Expressway|Extension|Falls?|Ferry|Fields?|Flats?|"
    "Fords?|Forest|Forges?|Forks?|Fort|Freeway|Gateway|Glens?|Harbors?|Harbour|Heights|Hollow|Inlet|Islands?|Isle|"
    "Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Loaf|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mills?|Mission|"
    "Motorway|Mount|Mountains?|Neck|Orchard|Oval|Overpass|Pass|Path|Pike|Pines?|Plains?|Plaza|Prairie|Radial|Ramp|"
    "Ranch|Rapids?|Rest|Route|Run|Shoals?|Shores?|Skyway|Spur|Stravenue|Burgs?|Bypass|Camp|Canyon|Cape|Causeway|"
    "Centers?|Centre|Cliffs?|Club|Commons?|Corners?|Course|Courts|Coves?|Creek|Crest|Curve|Dale|Dam|Divide|Drives|"
    "Alley|Annex|Arcade|Bayou|Beach|Bend|Bluffs?|Bottom|Branch|Bridge|Brooks?|Underpass|Viaduct|Wharf|Quay|Parade|"
    "Approach|Broadway|Circus|Embankment|Gate|Hey|Market|Passage|Wynd|Yard|Cottages|Brow|Chase|Croft|End|Fold"
)
LEAD_WORDS = (
    "rue|Rue|Avenue|Boulevard|chemin|Chemin|allée|Allée|impasse|Impasse|Place|quai|Quai|"
    "Cours|Route|rond-point|Calle|calle|C/|Avenida|Avda\\.?|Av\\.|Paseo|Plaza|Camino|Pasaje|Ronda|"
    "Vía|Carrera|Cuesta|Rambla|Urbanización|Alameda|Callejón|Glorieta|Travesía|Carretera|Via|Viale|viale|"
    "Piazza|piazza|Corso|corso|Vicolo|vicolo|Largo|Contrada|contrada|Borgo|borgo|Strada|strada|Piazzale|"
    "Rotonda|Incrocio|Canale|Stretto|Rua|Travessa|Praça|Estrada"
)
AMBIGUOUS_LEAD_WORDS = "via|place|route|square|avenue|boulevard|cours|largo"
_NAME_WORD = r"(?:[^\W\d_][\w'’.\-]*)"
_NUMBER = r"\d{1,5}(?:\s?[A-Za-z])?(?:\s?[-/]\s?\d{1,5}[A-Za-z]?)?"
_UNIT = r"(?:,?\s+(?:Suite|Ste\.?|Apt\.?|Apartment|Unit|Flat|Floor|Puerta|Piso|Esc\.?|Int\.?|Bus)\s*[\w\-]{1,5})*"
ADDRESS_PATTERNS = [
    # 12 Tony Village Suite 690 / 17 Jones Light / 10 Downing Street
    rf"\b{_NUMBER},?\s+(?:{_NAME_WORD}\s+){{1,4}}(?:{SUFFIXES})\b\.?{_UNIT}",
    # rue de la Paix 12 / Calle de Cleto Bayona 41 Puerta 6 / Viale Sermonti, 13 / 12, rue Clémence Samson
    rf"(?:\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+)?(?<![\w])(?:{LEAD_WORDS})\s+(?:{_NAME_WORD}\s*){{1,5}}"
    rf"(?:,?\s*{_NUMBER}\b)?{_UNIT}",
    # Lead words that are also English words ("via Munich", "my place is", "the route", "the square") only with
    # a house number: 12 place Bellecour / via Roma 12
    rf"\b{_NUMBER},?\s+(?:{AMBIGUOUS_LEAD_WORDS})\s+(?:{_NAME_WORD}\s*){{1,5}}{_UNIT}",
    rf"(?<![\w])(?:{AMBIGUOUS_LEAD_WORDS})\s+(?:[^\W\d_][\w'’.\-]*\s+){{1,4}},?\s*\d{{1,4}}[A-Za-z]?\b{_UNIT}",
    # One-word compounds ("Agnes-Wesack-Straße 26-83", "Aiméesingel 6") are `steward.guardrails.streets`'s, which
    # also wants three letters before the ending ("Spring 2024" is no street).
]
ADDRESS_CONTEXT = re.compile(
    r"(?i:\b(?:address(?:\s+is)?\s*:?|live\s+at|living\s+at|reside\s+at|moved\s+to|line\s+of\s+(?:your|my)\s+"
    r"address\s*[?:]?(?:\s*\w+:)?)\s*)(?P<value>[^\n,.;]*\d[^\n,;]*?)(?=\s*(?:[\n,;]|\.(?:\s|$)|$))"
)


class PatternRecognizer(RuleRecognizer):
    """`entity` for every match of the patterns (the `value` group if there is one), at a fixed score."""

    def __init__(self, entity: str, patterns: list[str], score: float, name: str, flags: int = 0) -> None:
        self.patterns = [re.compile(p, flags) for p in patterns]
        super().__init__(score, entities=[entity], name=name)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                start, end = match.span("value") if "value" in pattern.groupindex else match.span()
                if end > start:
                    results.append(RecognizerResult(self.supported_entities[0], start, end, self.score))
        return results


# Month names and abbreviations in English, French, German, Spanish, Italian, Dutch and Portuguese (round 3:
# "3. März 1979", "5 de mayo de 1990", "12 janv. 1985" were not dates at all).
MONTHS = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*|janv|janvier|f[ée]vr?|f[ée]vrier|mars|avr|"
    r"avril|mai|juin|juil|juillet|ao[uû]t|sept?|septembre|octobre|novembre|d[ée]c|d[ée]cembre|J[äa]n|J[äa]nner|"
    r"Januar|Februar|M[äa]rz|Mai|Juni|Juli|Okt|Oktober|Dez|Dezember|enero|ene|febrero|marzo|abril|mayo|junio|"
    r"julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|dic|gennaio|genn?|febbraio|aprile|maggio|"
    r"mag|giugno|giu|luglio|lug|settembre|sett?|ottobre|ott|dicembre|januari|februari|maart|mrt|mei|juni|juli|"
    r"augustus|oktober|janeiro|fevereiro|fev|mar[çc]o|maio|junho|julho|setembro|set|outubro|out|novembro|"
    r"dezembro|dez"
)
DATE = (
    r"(?:\d{1,2}[./\-]\d{1,2}[./\-](?:19|20)?\d{2}|(?:19|20)\d{2}[./\-]\d{1,2}[./\-]\d{1,2}|"
    rf"\d{{1,2}}(?:st|nd|rd|th|er|º|°)?\.?\s*(?:of\s+|de\s+)?(?i:{MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}|"
    rf"\d{{1,2}}[\-/](?i:{MONTHS})[\-/](?:19|20)?\d{{2}}\b|"
    rf"(?i:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    # round 4: "12MAR1985", "1985年3月12日", "12/III/1985", "Mar-12-85", "21 Mar '60"
    rf"\d{{2}}(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(?:19|20)\d{{2}}\b|"
    r"(?:19|20)\d{2}\s?年\s?\d{1,2}\s?月\s?\d{1,2}\s?日|"
    r"\d{1,2}[./\-](?:I{1,3}|IV|VI{0,3}|IX|XI{0,2})[./\-](?:19|20)\d{2}\b|"
    rf"(?i:{MONTHS})\.?-\d{{1,2}}-(?:19|20)?\d{{2}}\b|"
    rf"\d{{1,2}}\s+(?i:{MONTHS})\.?\s+['’]\d{{2}}\b)"
)
# With a birth cue the date may also be written without separators ("dob=19850312").
_COMPACT_DATE = r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b"
DATE_OF_BIRTH = (
    r"(?i:\b(?:born|birth|d\.?o\.?b\.?|birthday|birthdate|geboren|geb\.|né|née|nacido|nacida|nací|nata|nato|"
    r"nasci(?:da|do)?|naissance|nascita|nacimiento|geburtsdatum|geboortedatum|nascimento|f[öo]delsedatum|"
    r"urodzon[ay]|data\s+urodzenia|syntym[äa]aika|f[øo]dt|f[øo]dselsdato)\b[^\n]{0,40}?(?:\n[^\n]{0,20}?)?"
    r"|(?<![\w.])b\.\s?(?=\d))"  # "b. 14.03.85": the genealogist's "born", right before the date
    rf"(?P<value>\b(?:{DATE}|{_COMPACT_DATE}))"
)
# A value under a birth key of a record ("dateOfBirth": "28JAN1964", "dob_iso=1985.03.12", "geburtstag: …"): a
# date of birth by position, whatever its writing, if it holds a digit.
KEYED_BIRTH_DATE = (
    r"(?i:(?<![^\W_])[\w\-]*?(?:birth|dob|geburt|nacimiento|naissance|nascita|nascimento|urodzenia)[\w\-]*"
    r"[\"']?\s*[:=]\s*[\"']?)(?P<value>(?=[^\"'\n,;&|]*\d)[^\"'\s,;&|][^\"'\n,;&|]{3,28}?)(?=\s*[\"'\n,;&|]|\s*$)"
)
_NOT_A_UNIT = r"(?!\s*(?:min|minutes|hours?|h\b|km|kg|miles|%|euros?|pounds?|dollars?|€|\$|£|am\b|pm\b|[:.,]\d))"
# An age written in words ("aged seventeen", "a fifty-six-year-old", "eighty-two years old"), round 4.
_AGE_WORD = (
    r"(?i:\b(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s\-](?:one|two|three|four|five|"
    r"six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|a\s+hundred(?:\s+and\s+\w+)?)\b)"
)
AGES = [
    rf"(?i:\baged?\s*[:=]?\s*)(?P<value>\d{{1,3}}\b{_NOT_A_UNIT}|{_AGE_WORD}(?![\s\-]*(?:of|or|and|to)\b))",
    rf"(?P<value>\b\d{{1,3}}|{_AGE_WORD})(?:\s*|-)(?:years?|yrs?)(?:\s*|-)old\b",
    rf"(?P<value>\b\d{{1,3}}|{_AGE_WORD})\s+(?:years?\s+of\s+age|anni|ans|Jahre\s+alt|jaar\s+oud|años)\b",
    rf"(?i:\b(?:I['’]m|I\s+am|s?he['’]s|s?he\s+is|they['’]re|who\s+is|turned|turns|turning)\s+|\bim\s+)"
    rf"(?P<value>\d{{1,3}})\b{_NOT_A_UNIT}",
    r"\b[A-Z][^\W\d_]+\s*\((?P<value>\d{1,3})\)",
    # round 5: an age in apposition after a name, as news and bios write it: "Grace Singleton, 64, a nurse",
    # "Ji-woo Park, 54, was named"; the word after it must open a description or a verb phrase
    r"\b[A-Z][^\W\d_]+(?:['’\-][^\W\d_]+)?,\s(?P<value>\d{1,3}),\s+(?=(?:a|an|the|who|was|is|has|had|of|from|"
    r"and|says|said|told|whose|lives|died|became|now)\b)",
    # "my little one is six now", "her daughter, Mark, then nineteen,": an age in words said of someone
    rf"(?i:\b(?:is|s|am|are)\s+)(?P<value>{_AGE_WORD})\s+now\b",
    rf"(?i:,\s*then\s+)(?P<value>{_AGE_WORD})(?=\s*[,;.)])",
    # "at the age of 45"; "(Bulgarian, 38)", "(F, 34)": a description and an age in brackets
    rf"(?i:\bage\s+of\s+)(?P<value>\d{{1,3}})\b{_NOT_A_UNIT}",
    r"\((?:[^\W\d_][^\n(),\d]{0,25}),\s*(?P<value>\d{1,3})\)",
    rf"\b[A-Z][^\W\d_]+\s+is\s+(?P<value>\d{{1,2}})\b{_NOT_A_UNIT}",
]
DEMONYMS_TEXT = """
afghan albanian algerian american andorran angolan argentine argentinian armenian australian austrian azerbaijani
bahraini bangladeshi barbadian belarusian belgian belizean beninese bhutanese bolivian bosnian brazilian british
bulgarian burmese burundian cambodian cameroonian canadian chadian chilean chinese colombian congolese croatian
cuban cypriot czech danish dominican dutch ecuadorian egyptian emirati english eritrean estonian ethiopian fijian
filipino finnish french gabonese gambian georgian german ghanaian greek guatemalan guinean haitian honduran
hungarian icelandic indian indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian
kazakh kenyan korean kosovar kuwaiti kyrgyz lao latvian lebanese liberian libyan lithuanian luxembourgish
macedonian malagasy malawian malaysian maldivian malian maltese mauritanian mauritian mexican moldovan monegasque
mongolian montenegrin moroccan mozambican namibian nepalese nepali nicaraguan nigerian nigerien norwegian omani
pakistani palestinian panamanian paraguayan peruvian polish portuguese qatari romanian russian rwandan salvadoran
samoan saudi scottish senegalese serbian singaporean slovak slovenian somali south-african spanish sri-lankan
sudanese surinamese swedish swiss syrian taiwanese tajik tanzanian thai togolese tunisian turkish turkmen ugandan
ukrainian uruguayan uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean
"""
DEMONYMS = frozenset(DEMONYMS_TEXT.split())
ID_NUMBER = (
    r"(?i:\b(?:passport|id(?![\"']\s*[:=])|identity(?:\s+card)?|identification|national\s+insurance|ni|nino|"
    r"social\s+security|"
    r"ssn|tax\s+id|tin|personal\s+(?:id|number|code)|bsn|dni|nie|nif|codice\s+fiscale|fiscal\s+code|nir|"
    r"driver['’]?s\s+licen[cs]e|licen[cs]e|document|doc|national[\s_]id|tax[\s_]id|"
    # national ids by their names (round 4): the names a form or a KYC note uses
    r"aadhaar|cpf|cnp|pesel|amka|taj|rrn|sin|personnummer|henkil[öo]tunnus|f[øo]dselsnummer|"
    r"rijksregisternummer|sv-nummer|tc\s+kimlik|teudat\s+zehut|resident\s+id|n°\s+de\s+s[ée]cu"
    # round 5: medical record numbers; "licence number as X", "passport (X)" in prose
    r"|medical\s+record|mrn)"
    r"(?:[\s,_]+(?:card|number|no\.?|num|nr\.?|#|code))?(?:\s+(?:is|was))?(?:\s+(?:given\s+|listed\s+)?as)?"
    r"[\"']?\s*[:#=(]?\s*[\"']?)"
    r"(?P<value>\b(?=(?:[A-Z\-\s]*\d){5})[A-Z0-9](?:[A-Z0-9\-]|\s(?=[A-Z0-9]{1,6}\b)){4,22}[A-Z0-9]\b"
    r"|\b(?=(?:[a-z\-]*\d){5})[a-z0-9][a-z0-9\-]{4,22}[a-z0-9]\b)"  # lowercase chat: "passport number eg699663"
)
# A document number on its own in a cell of a delimited record (CSV, `|`-separated): one or two letters and six
# to nine digits, the shape of most passports and many licences and national ids.
# An account number in IBAN shape after words that name a bank account, even when its checksum fails (a typo, or a
# generator's made-up number: family 1's en_IN rows, which Presidio only "found" as spaCy places and people);
# checksummed IBANs score 1.0 and win where both match.
IBAN_SHAPED = (
    r"(?i:\b(?:account|iban|acct|wire|transfer|refund|remit|pay\s+(?:it\s+)?(?:in)?to)\b[^\n\d]{0,30}?)"
    r"(?P<value>\b[A-Za-z]{2}\d{2}(?=(?:[A-Za-z0-9]*\d){8})[A-Za-z0-9]{11,30}\b)"
)
ID_CELL = r"(?:^|(?<=[,;|\t])\s?)(?P<value>[A-Z]{1,2}\d{6,9})(?=[,;|\t]|$)"
POSTCODE_FORMATS = [
    r"(?i:\b(?:post\s?code|postal[\s_]?code|zip(?:[\s_]?code)?|plz|cap|c\.p\.|eircode)[\"']?\s*[:#=]?\s*[\"']?"
    r"(?:is\s+)?)"
    r"(?P<value>\b(?=[A-Z\s\-]*\d)[A-Z0-9]{2,5}(?:[\s\-]?[A-Z0-9]{2,4})?\b)",
    r"(?<=,\s)(?P<value>\d{4,5}|\d{4}\s?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2})(?=\s+[A-Z][^\W\d_])",
    r"(?<=[a-z],\s)[A-Z]{2}\s(?P<value>\d{5}(?:-\d{4})?)\b",
    r"(?P<value>\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b)",
]


# A postcode as the cell after an address in a delimited record ("Idrottsgatan 4,65561", "…Ring 79,7698",
# "Rosapad 8,1949 BG"): the shapes of European, Canadian and British postcodes, not a year.
POSTCODE_CELL = (
    r"(?<=[,;|])(?!(?:19|20)\d\d(?:[,;|]|$))"
    r"(?P<value>\d{4,6}|\d{2}-\d{3}|\d{4}-\d{3}|\d{4}\s?[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)(?=[,;|]|$)"
)


class PostcodeCellRecognizer(PatternRecognizer):
    """ZIP_CODE: a postcode-shaped cell (`POSTCODE_CELL`) whose previous cell is words, as an address is."""

    def __init__(self, score: float = 0.5) -> None:
        super().__init__("ZIP_CODE", [POSTCODE_CELL], score, "PostcodeCellRecognizer", re.MULTILINE)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        for result in super().analyze(text, entities, nlp_artifacts):
            cell_start = max(text.rfind(d, 0, result.start - 1) for d in ",;|\n") + 1
            previous = text[cell_start : result.start - 1]
            if sum(c.isalpha() for c in previous) >= 4 and "@" not in previous:
                results.append(result)
        return results


class PastDateRecognizer(PatternRecognizer):
    """DATE_OF_BIRTH, weaker: a full date at least `years` years in the past. Travel and claim dates are recent
    or ahead; in a conversation with a service, a date decades back is nearly always someone's birth date."""

    def __init__(self, years: int = 5, score: float = 0.5) -> None:
        super().__init__("DATE_OF_BIRTH", [rf"(?P<value>\b{DATE})"], score, "PastDateRecognizer")
        self.years = years

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        from datetime import date

        latest = date.today().year - self.years
        results = []
        for result in super().analyze(text, entities, nlp_artifacts):
            year = re.search(r"(?:19|20)\d{2}", text[result.start : result.end])
            if year is not None and 1900 <= int(year.group(0)) <= latest:
                results.append(result)
        return results


def personal_recognizers() -> list[EntityRecognizer]:
    from steward.guardrails.fields import FieldNameRecognizer, SignOffNameRecognizer
    from steward.guardrails.nationality import NationalityRecognizer  # it reads DEMONYMS from here
    from steward.guardrails.possessive import PossessiveNameRecognizer
    from steward.guardrails.record_formats import RecordFormatRecognizer
    from steward.guardrails.streets import street_recognizers
    from steward.guardrails.tables import TableCellRecognizer

    return [
        ContextNameRecognizer(),
        FieldNameRecognizer(),
        TableCellRecognizer(),
        SignOffNameRecognizer(),
        PossessiveNameRecognizer(),
        # Above spaCy's names (0.85): street names are often people's names ("Viale Sermonti", "rue Clémence
        # Samson"), and the address that holds them is the span to report.
        PatternRecognizer("STREET_ADDRESS", ADDRESS_PATTERNS, 0.9, "StreetAddressRecognizer"),
        PatternRecognizer("STREET_ADDRESS", [ADDRESS_CONTEXT.pattern], 0.6, "AddressContextRecognizer"),
        PatternRecognizer("ZIP_CODE", POSTCODE_FORMATS, 0.6, "PostcodeRecognizer"),
        PatternRecognizer("DATE_OF_BIRTH", [DATE_OF_BIRTH, KEYED_BIRTH_DATE], 0.85, "DateOfBirthRecognizer"),
        PastDateRecognizer(),
        PatternRecognizer("AGE", AGES, 0.6, "AgeRecognizer"),
        NationalityRecognizer(),
        # Below the country recognisers (UK NINO 0.5, checksummed ids 1.0): where both match, the precise type
        # wins.
        PatternRecognizer("ID_NUMBER", [ID_NUMBER], 0.45, "IdNumberRecognizer"),
        PatternRecognizer("ID_NUMBER", [ID_CELL], 0.45, "IdCellRecognizer", re.MULTILINE),
        PatternRecognizer("IBAN_CODE", [IBAN_SHAPED], 0.5, "IbanShapeRecognizer"),
        PostcodeCellRecognizer(),
        *street_recognizers(),
        RecordFormatRecognizer(),
    ]
