"""Whether the words around a span say it names a person, whoever found it.

Issue 15, session 15: spaCy's small model tags many names it cannot place as PERSON, ORG or NRP ("Oluwaseun",
"Xiulan", "Dong-hyun Kang"), and the name lexicon only knows a single given name in a cell or a pair. A span is
kept as a person where its context says so, not where a longer name list happens to hold it:

- before it: a relation with any determiner ("your son", "the patient's daughter", "her sister"), a title
  ("Rev.", "Capt.", "Dame", "Coach"), or a verb or preposition that takes a person ("witnessed by", "shoutout
  to", "let", "ask", "known"); not a greeting ("Thanks, Heathrow!", "Dear Ryanair": `personal.WEAK_CUES`);
- after it: a possessive before a lowercase word ("Noura's account"), a verb people do ("is picking me up",
  "joined us", "told me", "has any allergies", "passed away"), or an apposition of a person (", aged 11",
  ", 54,", ", the school nurse", " (the Tenant)", ", a 19-year-old");
- its place: alone on the line after a sign-off ("Sincerely,\\nNoura Abdelrahman").
"""

from __future__ import annotations

import re

RELATIONS = (
    r"husband|wife|son|daughter|mum|mom|mother|father|dad|brother|sister|colleague|friend|partner|boss|manager|"
    r"child|kid|grand(?:mother|father|ma|pa|daughter|son|child)|uncle|aunt|cousin|boyfriend|girlfriend|"
    r"fianc[ée]e?|nephew|niece|neighbou?r|spouse|sibling|twin|baby|step(?:son|daughter|mother|father)|"
    r"guardian|carer|caregiver|tenant|landlord|flatmate|roommate|classmate|teammate|coworker|co-worker"
)
TITLES = (
    r"mr|mrs|ms|miss|mx|dr|prof|sir|madam|dame|lady|lord|rev|revd|reverend|fr|father|sister|brother|capt|"
    r"captain|sgt|sergeant|lt|lieutenant|col|colonel|cpl|officer|judge|justice|coach|nurse|sheikh|sheikha|"
    r"herr|frau|mme|mlle|sr|sra|srta|sig|dhr|mevr|pan|pani|hon|cllr|councillor"
)
PERSON_BEFORE = re.compile(
    r"(?i:(?:\b(?:my|your|our|his|her|their|the|a|an|this)\s+|['’]s\s+)(?:" + RELATIONS + r")s?\s*,?\s+"
    r"|\b(?:" + TITLES + r")\.?\s+"
    r"|\b(?:signed|attn|cc|bcc|c/o)\s*[,:.]?\s+"
    r"|\b(?:witnessed|accompanied|signed|approved|reported|referred|seen|chaired|reviewed|authored|written|"
    r"raised|assigned|requested|resolved|opened|closed|escalated|handled|examined|treated|interviewed|"
    r"prepared|checked|verified|issued|raised|submitted|sent|called|emailed|e-mailed|replaced|covered)\s+by\s+"
    r"|\b(?:shout-?out|thanks|thank\s+you|congratulations|congrats|kudos|credit|goes|went|talk|talked|spoke|"
    r"speak|speaking|belongs|married|engaged|introduced|reach\s+out|passed|transferred|handed|handed\s+over)"
    r"\s+to\s+"
    r"|\b(?:chatting|speaking|talking|travelling|traveling)\s+with\s+"
    r"|\b(?:the|our|your)\s+(?:agent|advisor|adviser|nurse|doctor|driver|guide|courier|receptionist|"
    r"technician|pilot|host|steward|stewardess|clerk|concierge|cashier|waiter|waitress|teacher|caller),\s+"
    r"|\b(?:let|ask|asked|tell|told|thank|thanked|remind|reminded|meet|met|known|invite|invited|congratulate|"
    r"page|paged|email|e-mail|ping|pinged|text|texted|phone|phoned|cc'?d|contact|contacted|visit|visited|"
    r"hire|hired|welcome|welcomed|marry|married|know\s+if)\s+)$"
)
# Words before a span that make it a place or a thing whatever follows ("of Castellar passed away", "flight to
# Stoneberg was delayed", "her MacBook Pro was stolen", "from Changi"): the verbs and possessives after it then
# say nothing. ("with", "and", "for" take people as often as companies: no cue either way.)
NOT_PERSON_BEFORE = re.compile(
    r"(?i:\b(?:of|in|at|from|to|into|near|via|outside|inside|towards?|around|across|through|"
    r"her|his|my|your|our|their|its|the|a|an|this|that|these|those)\s+)$"
)
# a possessive before a lowercase word ("Noura's account", "James' mother"), at the start of a sentence
POSSESSIVE_AFTER = re.compile(r"(?:['’]s|(?<=s)['’])\s+[a-z]")
# what only people do
STRONG_AFTER = re.compile(
    r"\s+(?:(?:was|were)\s+born\b|(?:told|asked|thanked|texted|emailed|e-mailed|called|rang)\s+(?:me|us|him|her|them)\b"
    r"|asked\s+for\b|passed\s+away\b|joined\s+us\b|turns?\s+\d|turned\s+\d)"
)
# a verb people do
VERB_AFTER = re.compile(
    r"\s+(?:is|was|will|would|has|had|have|joined|joins|said|says|told|tells|asked|asks|called|calls|wrote|"
    r"writes|turned|turns|lives|lived|works|worked|passed\s+away|died|picked|picks|needs|needed|wants|wanted|"
    r"confirmed|confirms|reported|reports|approved|presented|raised|agreed|left|arrived|moved|booked|paid|"
    r"signed|founded|laughed|smiled|received|visited|took|takes|gave|gives|can|could|should|may|might|must|"
    r"did|does|got|gets|went|goes|came|comes|stayed|finished|won|lost|thinks|thought|feels|felt|knows|knew)\b"
)
# an apposition that only a person takes: an age, a role with "the", "who" (not "(the Landlord)": a company
# can be one)
APPOSITION_AFTER = re.compile(
    r"(?:,\s+(?:aged\s+\d|\d{1,3}\s*,|\d{1,3}\s+(?:years?|yrs?|y/?o)\b|the\s+[a-z]|a\s+\d{1,3}-year-old|"
    r"who\b|whose\b|my\s+[a-z]|our\s+[a-z]|his\s+[a-z]|her\s+[a-z])"
    r"|\s+\((?:\d{1,3}\)|aged\b|\d{1,3}\s*(?:y|yrs?|years?)\b))"
)
SIGN_OFF_LINE = re.compile(
    r"(?i)(?:regards|sincerely|thanks(?:\s+in\s+advance)?|thank\s+you|cheers|best(?:\s+wishes)?|wishes|"
    r"yours(?:\s+(?:truly|faithfully|sincerely))?|warmly|love|respectfully|signed|--|—|–)\s*[,!.]?\s*$"
)


# Words after a span that make it a company or a team whatever came before ("Hello Ryanair customer care").
GROUP_AFTER = re.compile(
    r"\s+(?:customer|support|service|services|team|care|desk|group|department|office|staff|inc|ltd|llc|plc|gmbh|"
    r"s\.a\.|s\.l\.|s\.r\.l\.|sp\.|and\s+sons|&)\b",
    re.I,
)


def person_context(text: str, start: int, end: int, strong_only: bool = False) -> bool:
    """Whether the words around `text[start:end]` say it is a person's name (see the module docstring).
    `strong_only`: for a span that may as well be a company or a place (spaCy's ORG): not by what also follows
    those (a possessive; "has", "is")."""
    before = text[max(0, start - 60) : start]
    if GROUP_AFTER.match(text, end, min(len(text), end + 20)):
        return False
    if PERSON_BEFORE.search(before) is not None:
        return True
    if NOT_PERSON_BEFORE.search(before) is not None:
        return False
    stop = min(len(text), end + 40)
    if APPOSITION_AFTER.match(text, end, stop) or STRONG_AFTER.match(text, end, stop) or _signed(text, start, end):
        return True
    if strong_only:
        return False
    if VERB_AFTER.match(text, end, stop) is not None:
        return True
    # a possessive only as a sentence's subject ("Noura's account was locked"), not "what is Heathrow's number"
    opens = not before.strip() or before.rstrip()[-1] in ".!?:\n" or before.endswith("\n")
    return opens and POSSESSIVE_AFTER.match(text, end, stop) is not None


def cue_before(text: str, start: int, end: int) -> bool:
    """Only the words before the span: for a word that is also a place ("Denver", "Georgia"), what follows it
    ("Denver was lovely") says nothing, but "passed to Denver in the team lead queue" or "my daughter Georgia"
    does."""
    return PERSON_BEFORE.search(text[max(0, start - 60) : start]) is not None and not (
        GROUP_AFTER.match(text, end, min(len(text), end + 20))
    )


def _signed(text: str, start: int, end: int) -> bool:
    """The span is its line, and the line before it (skipping blank ones) is a sign-off."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip(" -—–") or text[end:line_end].strip(" ,."):
        return False
    previous = text[:line_start].rstrip()
    return SIGN_OFF_LINE.search(previous[-40:]) is not None if previous else False
