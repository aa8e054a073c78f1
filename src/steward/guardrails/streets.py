"""Street addresses in many locales, by the words that name a street type and the house number beside them.

`personal.StreetAddressRecognizer` knows English suffixes ("12 Baker Street") and a few Romance lead words. Read
off the misses on the development families (docs/cards/pii.md), most addresses it lost were in forms it has no
word for: Scandinavian, Dutch and German one-word compounds ("Björkgatan 02", "Jeanette-Gröttner-Gasse 32/26",
"Lucasboulevard 7"), Portuguese, Polish, Romanian, Indonesian, Russian and Greek lead words ("Condomínio Moreira,
173", "ul. Leszczynowa 04/85", "Intrarea Pușcașu Nr. 951 Bl. 37", "Jl. Pasteur No. 8", "пер. Светлый, д. 2"),
Indian house numbers ("43/38, Bhagat Zila"), Australian and British suffixes ("75 Alex Wall"), PO boxes, and flat
or suite lines on their own line of an address block. The street-type words are language knowledge (postal
standards' street types per language), not street names: no list of streets is shipped.

`StreetRecognizer` reports those; `AddressCueRecognizer` reports what follows an address cue ("street=", "Home
address:", "residing at", "deliver it to") when it holds a number or a street-type word. `not_an_address` is the
check the scanner applies to every STREET_ADDRESS finding (the trained NER's included): a span with no digit, no
street-type word and no PO box is a place or an organisation ("never arrived at Ninoy Aquino", "Kempen NV"), and
one that starts inside a date or is a date ("2026-09-19 with Iberia", "Tuesday 13 Jan") is not an address.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from steward.guardrails.rule_recognizer import RuleRecognizer

# Words before the street name (Romance, Portuguese, Polish, Romanian, Indonesian, Spanish-American, Greek,
# Russian, Ukrainian, Turkish). Abbreviations keep their dot.
LEAD = (
    r"rue|avenue|boulevard|chemin|allée|impasse|quai|faubourg|esplanade|sentier|"
    r"Calle|C/|Avenida|Avda\.|Av\.|Paseo|Plaza|Camino|Pasaje|Psje\.|Ronda|Vía|Carrera|Cra\.|Cl\.|Cuesta|"
    r"Rambla|Urbanización|Urb\.|Alameda|Callejón|Glorieta|Travesía|Carretera|Ctra\.|Transversal|"
    r"Calzada|Cerrada|Privada|Prolongación|Andador|Circuito|Periférico|"
    r"Via|Viale|Piazza|Corso|Vicolo|Largo|Contrada|Borgo|Strada|Piazzale|Rotonda|Lungomare|Lungotevere|"
    r"Salita|Traversa|Località|Frazione|Stretto|Canale|Incrocio|"
    r"Rua|R\.|Travessa|Praça|Estrada|Rodovia|Condomínio|Conjunto|Ladeira|Passarela|Vereda|Viela|Vila|"
    r"Quadra|Setor|Lagoa|Praia|Núcleo|Feira|Área|Sítio|Chácara|Fazenda|Residencial|Loteamento|Jardim|"
    r"Morro|Recanto|Trecho|Trevo|Pátio|Colônia|Esplanada|Viaduto|"
    r"ulica|ul\.|aleja|al\.|plac|pl\.|osiedle|os\.|rondo|skwer|"
    r"Strada|Str\.|Aleea|Intrarea|Bulevardul|Bd\.|B-dul|Soseaua|Șoseaua|Calea|Drumul|Piața|Splaiul|"
    r"Jalan|Jl\.|Jln\.|Gang|Gg\.|Lorong|"
    r"Οδός|Οδ\.|Λεωφόρος|Λεωφ\.|Πλατεία|Πλ\.|Πάροδος|Πάρ\.|"
    r"ул\.|улица|пер\.|переулок|пр\.|просп\.|проспект|наб\.|набережная|бул\.|бульвар|ш\.|шоссе|пл\.|"
    r"площадь|алл\.|аллея|вул\.|вулиця|провулок|площа|узвіз"
)
# One-word compounds: the street type is the end of the word ("Hauptstraße", "Björkgatan", "Aiméesingel").
COMPOUND = (
    r"straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|graben|zeile|stieg|"
    r"straat|laan|plein|singel|gracht|kade|dijk|steeg|dreef|boulevard|plantsoen|"
    r"gatan|gata|vägen|väg|gränd|torget|torg|stigen|backen|allén|"
    r"gade|vej|stræde|vænget|alléen|veien|vei|bakken|stien|plassen|"
    r"katu|tie|kuja|polku|tori|bulevardi|"
    r"utca|út|tér|körút"
)
# Words after the street name ("Petőfi utca 12", "Atatürk Caddesi No: 5", "Masarykova třída 3").
TRAIL = (
    r"utca|út|tér|körút|köz|sétány|ulica|ulice|třída|nábřeží|náměstí|nám\.|trieda|námestie|cesta|"
    r"Caddesi|Cad\.|Sokak|Sokağı|Sk\.|Bulvarı|Blv\.|Mahallesi|Mah\.|"
    r"Straße|Strasse|Str\.|Weg|Allee|Gasse|Platz|Ring|Damm|Ufer|Chaussee|Markt|"
    r"Marg|Nagar|Ganj|Chowk|Zila|Gali|Galli|Colony|Puram|Salai|Sarani|Bagh"
)
# English street types beyond personal.SUFFIXES: Australian, New Zealand, British and USPS words.
MORE_SUFFIXES = (
    r"Access|Alleyway|Amble|Anchorage|Artery|Brae|Byway|Circlet|Circuit|Colonnade|Concourse|Copse|Courtyard|"
    r"Crossroad|Crossway|Cul-de-sac|Cutting|Dell|Driveway|Esplanade|Fairway|Footway|Foreshore|Frontage|Glade|"
    r"Grange|Gully|Highroad|Laneway|Line|Link|Lookout|Meander|Nook|Parklands|Pathway|Promenade|Quadrant|"
    r"Ramble|Reserve|Retreat|Ridgeway|Riverway|Roadway|Rotary|Rue|Siding|Strand|Subway|Thoroughfare|Tollway|"
    r"Trace|Turn|Vale|Villas|Walkway|Wall|Walks|Squares|Ways|Streets|Roads|Avenues|Lanes|Drives|Marg|Nagar|"
    r"Ganj|Chowk|Zila"
)
UNIT_WORDS = (
    r"Suite|Ste\.?|Apt\.?|Apartment|Unit|Flat|Floor|Fl\.|Room|Rm\.?|Studio|Bldg\.?|Building|Block|Blk\.?|Lot|"
    r"Level|Wohnung|Whg\.?|Stock|Top|Stiege|Tür|app\.?|appartement|Appartamento|Bât\.?|bâtiment|esc\.?|"
    r"escalier|étage|Piso|Puerta|Pta\.?|Esc\.?|Dpto\.?|Depto\.?|Departamento|Int\.?|Interno|Scala|Sc\.|Piano|"
    r"Bl\.|Ap\.|Et\.|bus|кв\.|корп\.|стр\.|к\.|Casa|Torre|Mz\.?|Manzana|Lt\.?"
)
_NUMBER = r"\d{1,5}(?:\s?[A-Za-z](?![\w]))?(?:\s?[-/]\s?\d{1,5}[A-Za-z]?)?"
_NO = r"(?:No\.?|Nr\.?|nr\.?|n[º°o]\.?|N[º°o]\.?|Nro\.?|д\.|дом|буд\.|№|#)"
_FLOOR = r"(?:,?\s*\d{1,2}\s?[º°ª]\s?(?:[A-Z\d]ª?)?)"
_UNIT = rf"(?:(?:,\s*|\s+)(?:(?:{UNIT_WORDS})\s*{_NO}?\s*[#\w\-/]{{1,6}}|{_FLOOR}))*"
# Flats and suites that open an address or stand on their own line (the unambiguous words of UNIT_WORDS).
FLAT_WORDS = (
    r"Suite|Ste\.?|Apt\.?|Apartment|Unit|Flat|Studio|Wohnung|Appartamento|app\.|appartement|Dpto\.?|Depto\.?|"
    r"Piso|Puerta"
)
_WORD = r"[^\W\d_][\w'’.\-]*"
STREET_PATTERNS = [
    # Condomínio Moreira, 173 / ul. Leszczynowa 04/85 / Jl. Pasteur No. 8 / пер. Светлый, д. 2 / Intrarea X Nr. 9
    rf"(?<![\w.])(?:{LEAD})\s+(?:{_WORD}\s*){{1,5}}?,?\s*{_NO}?\s*{_NUMBER}\b{_UNIT}",
    # Björkgatan 02 / Jeanette-Gröttner-Gasse 32/26 / Leahboulevard 38 / Hauptstr. 5
    rf"\b[^\W\d_][\w'’\-]{{2,}}?(?i:{COMPOUND})\s*,?\s*{_NO}?\s*{_NUMBER}\b{_UNIT}",
    # Petőfi utca 12 / Atatürk Caddesi No: 5 / Mani Marg 4
    rf"\b(?:{_WORD}\s+){{1,3}}(?:{TRAIL})\s*,?\s*{_NO}?:?\s*{_NUMBER}\b{_UNIT}",
    # 75 Alex Wall / 579 Jennifer Cutting / H.No. 689, Mani Marg / 059, Ratti Nagar
    rf"(?:\bH\.\s?No\.\s*)?\b{_NUMBER},?\s+(?:{_WORD}\s+){{1,3}}(?:{MORE_SUFFIXES})\b\.?{_UNIT}",
    # 43/38, Bhagat Zila / 92/987, Handa: the house/plot number of Indian addresses
    r"(?<![\d/.\-])\b\d{1,4}/\d{1,4},\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b(?![/\-]\d)",
    # Suite 692 19 Mack Line: a unit before the number
    rf"\b(?:{FLAT_WORDS})\s*[#\w\-]{{1,5}},?\s+\d{{1,5}}\s+(?:{_WORD}\s+){{1,3}}(?:[A-Z][a-z]+)\b",
]
PO_BOX = (
    r"(?i:\bP\.?\s?O\.?\s?Box|\bPost\s+Office\s+Box|\bPostfach|\bApartado(?:\s+de\s+Correos)?|"
    r"\bCasella\s+Postale|\bPostbus|\bBo[iî]te\s+Postale|\bSkrytka\s+pocztowa|\bCaixa\s+Postal|"
    r"\bPSC\s+\d{1,5},?\s+Box)\s*\d{1,7}\b"
    r"|(?:^|(?<=[,:;]\s)|(?<=\bto\s))BP\s\d{1,5}\b"
)
# A flat, suite or floor line on its own line of an address block ("Studio 08o", "Apt. 12B", "Suite 500").
UNIT_LINE = rf"(?m)^[ \t]*(?:{FLAT_WORDS})\s*{_NO}?\s*[#\w\-/]{{1,6}}[ \t]*$"
ADDRESS_CUE = re.compile(
    # a quoted or camelCase key of a record ("homeAddress": "…", 'residential_address': …), but no e-mail, IP
    # or wallet address
    r"(?i:(?<![\w])[\"']?(?!(?:e[_\-]?mail|ip|mac|web|wallet|url|server|remote|host|btc|eth|crypto)[_\-]?addr)"
    r"(?:[a-z]+[_\-]?)?(?:address|addr)(?:[_\-]?line[_\-]?1|1)?[\"']\s*[:=]\s*[\"']?)|"
    r"(?i:\b(?:street(?:_address)?|address(?:\s*line\s*1|1)?|addr|home\s+address|mailing\s+address|"
    r"postal\s+address|billing\s+address|shipping\s+address|residence|domicile|anschrift|adresse|"
    r"direcci[oó]n|domicilio|indirizzo|adres|endereço|morada)\s*[:=]\s*|"
    r"\b(?:resides?\s+at|residing\s+at|resident\s+at|lives?\s+at|living\s+at|located\s+at|deliver(?:ed)?\s+"
    r"(?:\w+\s+){0,2}to|ship(?:ped)?\s+to|send\s+(?:\w+\s+){0,2}to|courier\s+(?:\w+\s+)?to|moved\s+to|moving\s+to|"
    r"to\s+my\s+(?:flat|house|home|apartment|place),?|new\s+place\s+is)\s+)"
)
# A letter of a script other than Latin: under an address key a value in such a script ("address: 潘街a座",
# "ფალიაშვილის ქ. 33") is an address even when the street words of its language are not known here.
_OTHER_SCRIPT = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]")
# Where a cue's value ends inside a sentence: a joining word or the end of the sentence.
_VALUE_END = re.compile(
    r"\s(?:and|but|in|near|with|since|from|for|that|which|on|at|by|until|if|so|because|then|where|when|who|"
    r"please|pls|asap|thx|thanks)\b|[.!?](?=\s|$)|\s-\s"
)
_CUE_VALUE = re.compile(r"[^\n,;&|\"<>()]{2,60}(?:,\s*\d{1,5}[A-Za-z]?(?=\s*(?:[\n,;&|\"]|$)))?")
STREET_WORD = re.compile(
    rf"(?<![\w])(?:{LEAD})(?=\s)|[^\W\d_]{{3}}(?i:{COMPOUND})\b|(?<![\w])(?:{TRAIL}|{MORE_SUFFIXES})\b|{PO_BOX}|"
    r"\b(?:Street|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Court|Ct|Place|Pl|Boulevard|Blvd|Way|Close|Crescent|"
    r"Terrace|Square|Highway|Hwy|Parkway|Circle|Gardens|Mews|Grove|Row|Hill|Park|Walk|Green|Rise)\b\.?|"
    # "Dr" and "St" are titles too ("19 Feb. Please page Dr Barry"): streets only after a name word
    r"\b[A-Z][\w'’\-]+ (?:Dr|St)\b"
)
NOT_ADDRESS_WORDS = re.compile(
    r"(?i)\b(?:airport|international|intercontinental|terminal|aeropuerto|aéroport|flughafen|aeroporto|"
    r"lufthavn|flygplats|luchthaven|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|gate|seat|flight|platform|carousel|seq|sequence|ref|booking|order|"
    r"ticket|invoice|page|zone|group|boarding)\b"
)
# Before a street named without a house number: a preposition of place ("the shop on Rua Augusta", "staying near
# Martin Luther King Boulevard"): the street says where something is, not where someone lives. A residence verb
# before the preposition ("I live on Maple Street") keeps it personal.
_PLACE_BEFORE = re.compile(
    r"(?i)(?:^|[^\w'’])(?P<verb>\w+\s+)?(?:on|near|along|off|opposite|behind|past|across|down|up|onto|in|at|"
    r"from|by|via|beside|outside|around|towards?|the\s+corner\s+of)\s+(?:the\s+)?$"
)
_NAME_WORDS_BEFORE = re.compile(r"(?:[^\W\d_a-z][\w'’.\-]*\s+){1,4}$")
_RESIDENCE = re.compile(r"(?i)(?:live[sd]?|living|reside[sd]?|residing|moved|moving|move|stay(?:ed|s)?)\s+$")


# A postcode right after a street ("Kilpolankuja 32 55696", "Fándlyho 71, 972 85", "Újszéki utca 45. (H-2084)",
# "96 Bridson Street (H64Y8CP)"): the shapes of European, British, Irish and Canadian postcodes, not a year.
POSTCODE_AFTER = re.compile(
    r"[,.]?\s{1,2}\(?(?!(?:19|20)\d\d\b)(?P<zip>[A-Z]{1,2}-\d{4,5}|\d{3}\s\d{2}|\d{2}-\d{3}|\d{4}\s?[A-Z]{2}|\d{4,6}|"
    r"[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}|[A-Z]\d{2}\s?[A-Z0-9]{4}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b(?![\-/.:]\d)"
)


class StreetRecognizer(RuleRecognizer):
    """STREET_ADDRESS: a street-type word of many languages with its house number (`STREET_PATTERNS`), a PO box,
    or a flat/suite line of an address block."""

    ENTITIES, SCORE = ("STREET_ADDRESS",), 0.9
    PATTERNS = [re.compile(p) for p in (*STREET_PATTERNS, PO_BOX, UNIT_LINE)]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = self._matches(text)
        titled = title_capital_lines(text)
        if titled != text:  # "71 MARA STREET" of a shipping label, read as "71 Mara Street"
            seen = {(r.start, r.end) for r in results}
            results += [r for r in self._matches(titled) if (r.start, r.end) not in seen]
        return results

    def _matches(self, text: str) -> list[Any]:
        results = []
        for pattern in self.PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span()
                while end > start and text[end - 1] in " ,\t":
                    end -= 1
                if end > start and not _in_date(text, start):
                    results.append(RecognizerResult("STREET_ADDRESS", start, end, self.score))
        return results


def title_capital_lines(text: str) -> str:
    """The text with each line written all in capitals (an address block of a label or a form) in title case, so
    the street patterns, written for capitalised words, read it; offsets are kept (a line whose length title case
    would change stays as it is)."""
    lines = text.split("\n")
    out = []
    for line in lines:
        titled = line.title() if line.isupper() else line
        out.append(titled if len(titled) == len(line) else line)
    return "\n".join(out)


class AddressCueRecognizer(RuleRecognizer):
    """STREET_ADDRESS: the value after an address cue, when it holds a digit or a street-type word ("street=al.
    Skargi 24", "residing at Lagoa de Caldeira", "To my flat, Nygatan 52, that's in Kristianstad")."""

    ENTITIES, SCORE = ("STREET_ADDRESS",), 0.6

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[Any]:
        results = []
        for cue in ADDRESS_CUE.finditer(text):
            value = _CUE_VALUE.match(text, cue.end())
            if value is None:
                continue
            start, end = value.span()
            stop = _VALUE_END.search(text, start, end)
            end = stop.start() if stop is not None else end
            while end > start and text[end - 1] in " .!?'’":
                end -= 1
            span = text[start:end]
            other_script = cue.group().rstrip(" \"'")[-1:] in ":=" and _OTHER_SCRIPT.search(span) is not None
            if "@" in span or not (any(c.isdigit() for c in span) or STREET_WORD.search(span) or other_script):
                continue
            if other_script or not not_an_address(text, start, end):
                results.append(RecognizerResult("STREET_ADDRESS", start, end, self.score))
        return results


def postcode_after(text: str, end: int) -> tuple[int, int] | None:
    """The span of a postcode right after a street address that ends at `end` (`POSTCODE_AFTER`), or None."""
    match = POSTCODE_AFTER.match(text, end)
    return match.span("zip") if match is not None else None


# A flat, suite or floor beside a street, in any case ("Bus 40", "APT. 217C", "Piso 165º", "Room 414, Building B",
# "#310"): `UNIT_WORDS` read without regard to case, since forms and labels write them in capitals.
UNIT = re.compile(
    rf"(?<![\w#])(?i:{UNIT_WORDS}|#)\s*{_NO}?\s*\d{{1,5}}[A-Za-z]?[º°]?(?![\w])"
    r"(?:\s*,\s*(?i:building|bldg|block)\s+[A-Za-z0-9]{1,3}\b)?"
)
# What may stand between a street and its unit: a comma, a space, a line break.
_UNIT_GAP = re.compile(r"[\s,;/]{0,4}")


def units_beside(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The units written right after or right before a street address at `start:end` (on its line, or alone on
    the line above it, as an address block has them): each is part of the address."""
    found: list[tuple[int, int]] = []
    left, right = start, end
    for match in UNIT.finditer(text, max(0, start - 40), min(len(text), end + 60)):
        a, b = match.span()
        if a >= right and _UNIT_GAP.fullmatch(text[right:a]):
            found.append((a, b))
            right = b
        elif b <= left and _UNIT_GAP.fullmatch(text[b:left]):
            found.append((a, b))
    return found


def _in_date(text: str, start: int) -> bool:
    """The span starts inside a token that runs on from the left ("2026-09-19 with Iberia" found as "19 with…")."""
    if start == 0:
        return False
    before = text[start - 1]
    return before.isalnum() or (before in "-/.:" and start >= 2 and text[start - 2].isdigit())


def not_an_address(text: str, start: int, end: int) -> bool:
    """A STREET_ADDRESS finding that is no street address: no digit, street-type word or PO box in it (an airport,
    a company, a town), or a date, gate or flight, or a span that starts inside the token before it."""
    span = text[start:end]
    has_street = STREET_WORD.search(span) is not None
    if not has_street and not any(c.isdigit() for c in span):
        return True
    if _in_date(text, start):
        return True
    return not has_street and NOT_ADDRESS_WORDS.search(span) is not None


def place_mention(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A street found with no house number: None when it names a place (`_PLACE_BEFORE`, no residence verb), else
    its span cut before the first lowercase word that is no particle ("Rua Augusta in Charlotte" -> "Rua
    Augusta")."""
    span = text[start:end]
    if any(c.isdigit() for c in span):
        return start, end
    line_start = text.rfind("\n", 0, start) + 1
    head = _NAME_WORDS_BEFORE.search(text, line_start, start)  # "Martin Luther King" before "Boulevard"
    look = head.start() if head is not None else start
    before = _PLACE_BEFORE.search(text[max(line_start, look - 40) : look])
    if before is not None and not (before.group("verb") and _RESIDENCE.fullmatch(before.group("verb"))):
        return None
    offset = 0
    for index, word in enumerate(span.split(" ")):
        if index and word[:1].islower() and word.lower() not in _PARTICLES and not STREET_WORD.fullmatch(word):
            return (start, start + offset - 1) if offset > 1 else None
        offset += len(word) + 1
    return start, end


_PARTICLES = frozenset(
    {"de", "del", "della", "di", "da", "do", "dos", "das", "du", "des", "la", "le", "les", "van", "von", "der"}
    | {"den", "ter", "y", "e", "d'", "al", "el"}
)


def street_recognizers() -> list[EntityRecognizer]:
    return [StreetRecognizer(), AddressCueRecognizer()]
