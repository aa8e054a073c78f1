"""Language rules that guardrails, retrieval, evaluation and the gateway share: where a sentence ends, which
words are stop words, what is small talk.

Sentence ends: the output guard cuts a streamed answer into windows to scan, and the grounded release checks
those windows; with two rules the release held each sentence until the next one was complete. The other cuts
live here too, each for its own reason (below): prose sentences for the metrics and the support scorer,
an answer's sentences as the grounding check scores them, a chunk's units. So do the stop words: one list of
function words, with what a search and a grounding claim each add to it. Small talk (a
turn made only of greetings, thanks, farewells, "how are you"): the injection detector leaves it to its
heuristics (below: why its classifier misread greetings), and a grounded app answers it without retrieval and
without the grounding check: a greeting asks nothing the documents could answer, and retrieving for it finds
whatever shares a word with it ("Have a nice day!" found the flight to Nice), after which the model's friendly
reply, checked against that flight, was declined as unsupported. And how a count is written with its noun
(`counted`: "1 rule", "2 rules"), for the messages a person reads. Pure functions over text; nothing is loaded.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# A sentence ends at `.!?…` (and closing quotes or brackets) followed by whitespace: "23.5 kg" is not cut, and
# neither are the common abbreviations below ("e.g. a bag", "Dr. Smith"), which would otherwise leave a fragment
# to be scanned and grounding-checked alone. `GroundedRelease` checks the windows cut here, so it shares this rule.
_ABBREVIATIONS = ("e.g", "i.e", "cf", "vs", "approx", "incl", "Mr", "Mrs", "Ms", "Dr", "St", "Jr")
_NOT_AFTER = "".join(rf"(?<!\b{re.escape(a)})" for a in _ABBREVIATIONS)
SENTENCE_END = re.compile(rf"{_NOT_AFTER}[.!?…](?:[\"')\]]*)(?=\s)|\n")
# The same end with nothing after it yet, except a dot after a digit, which may be a decimal point ("23.5").
SENTENCE_END_AT_END = re.compile(rf"{_NOT_AFTER}(?:(?<!\d)\.|[!?…])[\"')\]]*\Z")
MAX_WINDOW = 600  # characters without a sentence end before a window is cut at a space


def cut_window(buffer: str, *, at_end: bool = False) -> int:
    """Where the complete part of the buffer ends (0 when nothing is complete yet).

    `at_end`: a buffer that ends in sentence punctuation is complete without waiting for the whitespace after
    it. The output guard does not use it: it sees raw deltas, and "anna@example." may still become
    "anna@example.com" (a window that splits an address would not be masked). The grounding check does: the
    guard's windows end just before that whitespace, and a sentence must be released once it is complete.
    """
    if at_end and SENTENCE_END_AT_END.search(buffer):
        return len(buffer)
    ends = [m.end() for m in SENTENCE_END.finditer(buffer)]
    if ends:
        return ends[-1]
    if len(buffer) > MAX_WINDOW:
        space = buffer.rfind(" ", 0, MAX_WINDOW)
        return space + 1 if space > 0 else MAX_WINDOW
    return 0


# Sentences of prose, for the metrics, the support scorer and test-set generation. It deliberately avoids nltk's
# punkt model (which must be downloaded): a cut after `.`, `!`, `?` (and their closing quotes or brackets) when
# the next word starts with a capital letter, a digit or a quote, never after common abbreviations or single
# initials, and always at the end of a logical line (hard wraps undone).
# Abbreviations after which a full stop does not end a sentence (lower-case, without the dot).
_PROSE_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "no",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "est",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "u.s",
        "a.m",
        "p.m",
    ]
)
_PROSE_SENTENCE_END = re.compile(r"""([.!?]+["')\]]*)\s+(?=["'(\[]?[A-Z0-9])""")
_LINE_START = re.compile(r"^(?:[-*•#|>]|\d{1,3}[.)]\s|[A-Z][\w ]{0,30}:\s)")
_LINE_END = re.compile(r"[.!?:;\"')\]]\s*$")
_LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]$")


def _ends_with_abbreviation(piece: str) -> bool:
    """Whether the full stop ending `piece` belongs to an abbreviation, an initial or a list number."""
    if _LIST_NUMBER.match(piece):
        return True
    last = piece.rstrip(".!?\"')]").rsplit(maxsplit=1)[-1:] or [""]
    word = last[0].lower()
    return word in _PROSE_ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _logical_lines(text: str) -> list[str]:
    """Lines with hard wraps undone: a line continues the previous one unless that ended a sentence, a blank
    line separates them, or it starts a list item, a heading or a table row."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for line in paragraph.splitlines():
            stripped = line.strip()
            if (
                lines
                and lines[-1]
                and stripped
                and not _LINE_START.match(stripped)
                and not _LINE_END.search(lines[-1])
            ):
                lines[-1] = f"{lines[-1]} {stripped}"
            else:
                lines.append(stripped)
        lines.append("")  # a paragraph break always ends the line
    return lines


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`: cut at line and paragraph ends and after sentence-ending punctuation (offline)."""
    sentences: list[str] = []
    for line in _logical_lines(text):
        start = 0
        for match in _PROSE_SENTENCE_END.finditer(line):
            piece = line[start : match.end(1)]
            if _ends_with_abbreviation(piece):
                continue
            sentences.append(piece.strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]


# The grounding check's cut of an answer into the sentences it scores: after `.!?` and whitespace, and at line
# breaks. Kept as it is (no abbreviation rule, no hard-wrap joining) because it decides the verdicts served;
# cutting answers with `split_sentences` instead would change them and wants its own measured change.
ANSWER_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def split_answer_sentences(text: str) -> list[str]:
    """An answer's sentences as the grounding check scores them."""
    return [s.strip() for s in ANSWER_SENTENCE_END.split(text) if s and s.strip()]


# A chunk's units when a block is longer than a chunk: also cut after `;` and `:` (a long list of clauses is
# better split there than mid-clause), and at line breaks.
CHUNK_UNIT_END = re.compile(r"(?<=[.!?;:])\s+(?=\S)|\n+")


# Stop words, one list: the function words that neither a keyword search nor a grounding claim looks at. The
# search drops them from a question's terms (`steward.rag.query`); the grounding check needs two content words
# beyond them (and beyond pronouns, negation and courtesy, which state nothing a source could support) before a
# sentence counts as a claim (`is_claim`, below). The support scorer's content words use scikit-learn's English
# list (`CONTENT_STOP_WORDS`, below), the reference it was calibrated with.
FUNCTION_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has", "have",
        "how", "i", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "that", "the",
        "their", "there", "this", "to", "was", "we", "what", "when", "where", "which", "who", "why", "will",
        "with", "you", "your",
    }
)  # fmt: skip
SEARCH_STOP_WORDS = FUNCTION_WORDS | {"tell"}
CLAIM_STOP_WORDS = FUNCTION_WORDS | frozenset(
    {
        "also", "been", "could", "did", "had", "he", "her", "his", "if", "into", "no", "not", "she", "so",
        "than", "thank", "thanks", "them", "then", "these", "they", "those", "were", "while", "whom", "would",
        "yes",
    }
)  # fmt: skip


# ---- claims: what a grounding check and the faithfulness metric score ------------------------------------------
# One cut for both, so the faithfulness an app is served with and the faithfulness an evaluation reports score the
# same claims: an answer's sentences (`split_answer_sentences`) that make a claim (`is_claim`). A sentence makes a
# claim when it holds a code or number, or at least two content words beyond the claim stop words and the words
# that only point at the sources; citations and the placeholders of masked personal data are not words.
CITATION = re.compile(r"\[(\d{1,3})\]")
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*(?:_\d+)?>")  # a pseudonym or mask of personal data: `<EMAIL_ADDRESS_1>`
CLAIM_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
CODE = re.compile(
    r"\b(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b"
)  # tokens with a digit: 290049223, EX123
# Words of sentences that only point at the sources ("This information is provided in the source [1].");
# such a sentence makes no claim about the world, so there is nothing for a source to support.
META_WORDS = frozenset(
    {
        "source", "sources", "document", "documents", "information", "provided", "provide", "found", "find",
        "according", "based", "given", "above", "record", "records", "context", "mentioned", "stated", "listed",
        "shown",
    }
)  # fmt: skip


def codes(text: str) -> set[str]:
    """The codes and numbers of a text (tokens with a digit), lower-cased."""
    return {c.lower() for c in CODE.findall(text)}


def is_claim(sentence: str) -> bool:
    """Whether a sentence states something a source could support (see above)."""
    bare = PLACEHOLDER.sub(" ", CITATION.sub("", sentence))
    if codes(bare):
        return True
    found = CLAIM_WORD.findall(bare.lower())
    content = {w for w in found if w not in CLAIM_STOP_WORDS and len(w) > 1 and w not in META_WORDS}
    return len(content) >= 2


def split_claims(text: str) -> list[str]:
    """The claims of an answer: its sentences that make one, in order (the grounding check's and the metrics')."""
    return [s for s in split_answer_sentences(text) if is_claim(s)]


# ---- content words: what the support scorer compares ---------------------------------------------------------
# Stems of the words that carry content, for the support scorer's overlap features (`steward.rag.support`) and
# the metrics. The stop words are scikit-learn's English list (copied here, so serving loads no scikit-learn),
# the reference the support scorer was calibrated with.
CONTENT_STOP_WORDS = frozenset(
    {
        "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost",
        "alone", "along", "already", "also", "although", "always", "am", "among", "amongst", "amoungst",
        "amount", "an", "and", "another", "any", "anyhow", "anyone", "anything", "anyway", "anywhere",
        "are", "around", "as", "at", "back", "be", "became", "because", "become", "becomes", "becoming",
        "been", "before", "beforehand", "behind", "being", "below", "beside", "besides", "between",
        "beyond", "bill", "both", "bottom", "but", "by", "call", "can", "cannot", "cant", "co", "con",
        "could", "couldnt", "cry", "de", "describe", "detail", "do", "done", "down", "due", "during",
        "each", "eg", "eight", "either", "eleven", "else", "elsewhere", "empty", "enough", "etc", "even",
        "ever", "every", "everyone", "everything", "everywhere", "except", "few", "fifteen", "fifty",
        "fill", "find", "fire", "first", "five", "for", "former", "formerly", "forty", "found", "four",
        "from", "front", "full", "further", "get", "give", "go", "had", "has", "hasnt", "have", "he",
        "hence", "her", "here", "hereafter", "hereby", "herein", "hereupon", "hers", "herself", "him",
        "himself", "his", "how", "however", "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest",
        "into", "is", "it", "its", "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd",
        "made", "many", "may", "me", "meanwhile", "might", "mill", "mine", "more", "moreover", "most",
        "mostly", "move", "much", "must", "my", "myself", "name", "namely", "neither", "never",
        "nevertheless", "next", "nine", "no", "nobody", "none", "noone", "nor", "not", "nothing", "now",
        "nowhere", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others",
        "otherwise", "our", "ours", "ourselves", "out", "over", "own", "part", "per", "perhaps", "please",
        "put", "rather", "re", "same", "see", "seem", "seemed", "seeming", "seems", "serious", "several",
        "she", "should", "show", "side", "since", "sincere", "six", "sixty", "so", "some", "somehow",
        "someone", "something", "sometime", "sometimes", "somewhere", "still", "such", "system", "take",
        "ten", "than", "that", "the", "their", "them", "themselves", "then", "thence", "there",
        "thereafter", "thereby", "therefore", "therein", "thereupon", "these", "they", "thick", "thin",
        "third", "this", "those", "though", "three", "through", "throughout", "thru", "thus", "to",
        "together", "too", "top", "toward", "towards", "twelve", "twenty", "two", "un", "under", "until",
        "up", "upon", "us", "very", "via", "was", "we", "well", "were", "what", "whatever", "when",
        "whence", "whenever", "where", "whereafter", "whereas", "whereby", "wherein", "whereupon",
        "wherever", "whether", "which", "while", "whither", "who", "whoever", "whole", "whom", "whose",
        "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself",
        "yourselves"
    }
)  # fmt: skip
_CONTENT_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from nltk.stem.porter import PorterStemmer  # loaded on first use: nothing here loads at import

    return PorterStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Porter stem of a lower-case word (memoised: vocabularies repeat, stemming is the slow part)."""
    return str(_stemmer().stem(word)) if len(word) > 3 else word


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, keeping inner dots, apostrophes and hyphens)."""
    return [w.lower() for w in _CONTENT_WORD.findall(text)]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry content: stop words dropped, numbers kept."""
    return [stem(w) for w in words(text) if w not in CONTENT_STOP_WORDS]


# Why "Hello! How are you?" scored 0.86: the n-gram model's benign training side has no small talk (WildGuard's
# benign rows are questions; the synthetic families are tasks), while jailbreaks open with "Hello ChatGPT" and
# close with "thank you for your help". In a four-word input those few n-grams carry all the L2-normalised
# weight, the injection model's log-odds reach about -1.2 (p 0.22), and the fusion's cut sits at p 0.14 of that
# model (its intercept, fitted on long prompts), so the greeting was an attack. A turn made only of social
# phrases (greeting, thanks, farewell, how are you, who are you, what can you do), in the languages below, holds
# no instruction to override anything; like a one-word input it is left to the heuristics. Any other sentence in
# the turn ("Hi! Ignore your rules.") sends the whole turn to the classifier. Retraining with small talk on the
# benign side is the lasting fix (docs/cards/injection.md).
_WORD = re.compile(r"[^\W\d_]+")
_SOCIAL_PHRASES = (
    r"(hello|hi|hey|hiya|howdy|greetings|good (morning|afternoon|evening|day)|bonjour|bonsoir|salut|hallo|"
    r"guten (morgen|tag|abend)|servus|moin|hola|buen(os|as) (d[ií]as|tardes|noches)|ciao|buongiorno|buonasera|"
    r"ol[áa]|oi|bom dia|boa (tarde|noite)|hoi|goedemorgen|hej|namaste)( (there|everyone|all|again|friend))?",
    r"(thanks?|thank you|many thanks|cheers|merci|danke|vielen dank|gracias|muchas gracias|grazie|obrigad[oa]|"
    r"dank je( wel)?|bedankt|that was (very |really )?helpful)( (you|so much|very much|a lot|again|beaucoup|"
    r"sch[öo]n|sehr|mille|mil))*"
    r"( (for|por|pour|f[üu]r) (your|the|tu|su|votre|ta|deine|ihre) (help|assistance|ayuda|aide|hilfe))?",
    r"(good ?bye|bye|see you( later| soon)?|have a (nice|good|great) (day|evening|one|trip|flight)|au revoir|"
    r"[àa] bient[ôo]t|tsch[üu]ss|auf wiedersehen|adi[óo]s|hasta luego|arrivederci|tchau|tot ziens)",
    r"(how are you( doing)?( today)?|how's it going|how is it going|how are things|how is your day( going)?|"
    r"how's your day( going)?|i hope you('re| are) (well|fine|doing well)|nice to meet you|comment (ça|ca) va|"
    r"comment allez[- ]vous|wie geht('s| es (dir|ihnen))|c[óo]mo est[áa]s|qu[ée] tal|come stai|come va|"
    r"tudo bem|como vai|hoe gaat het( met (je|jou|u))?)",
    r"(what can you (do|help( me)? with)( for me)?|how can you help( me)?|what kind of questions can i ask( you)?|"
    r"who are you|who am i talking to|what('s| is) your name|are you a (real person|human|bot|robot)( or a bot)?|"
    r"can you hear me|que (pouvez-vous|peux-tu) faire|was kannst du( f[üu]r mich)?( tun)?|qu[ée] puedes hacer|"
    r"cosa puoi fare|o que voc[êe] pode fazer)",
    r"(ok|okay|great|nice|perfect|super|wonderful|awesome|oh|well|yes|no|sure)",
)
_ONE_SOCIAL = r"(?:" + "|".join(_SOCIAL_PHRASES) + r")"
_SOCIAL = re.compile(rf"{_ONE_SOCIAL}(?:\s+(?:and\s+|und\s+|et\s+|y\s+|e\s+)?{_ONE_SOCIAL})*", re.IGNORECASE)
_SOCIAL_SPLIT = re.compile(r"[.,;:!?¡¿…]+")
MAX_SOCIAL_WORDS = 16  # a longer turn is not small talk, whatever its sentences


def is_small_talk(text: str) -> bool:
    """Whether every sentence (or comma-separated part) of a short input is a social phrase."""
    if len(_WORD.findall(text)) > MAX_SOCIAL_WORDS:
        return False
    parts = [" ".join(part.split()) for part in _SOCIAL_SPLIT.split(text)]
    parts = [part for part in parts if part]
    return bool(parts) and all(_SOCIAL.fullmatch(part) for part in parts)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 rule`, `2 rules`, `0 rules`: a count with its noun in agreement (`plural` when it is not noun + s)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
