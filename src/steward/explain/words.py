"""Words for each audience, generated from the attributions with templates, and checked against them.

Every sentence is a `Claim` that names what supports it (`Ref`: a finding, a feature or word of its attribution,
a span, a recogniser, a rule, a model, an error, a source, the reasoning). `check` refuses a text in which a claim
names anything the attribution does not hold: each reference must resolve in the explanation's sections, and every
quoted term of a sentence ("…") must be the name of one of its references, so a sentence cannot quote a word, a
span or a model that no attribution supports. Audiences differ in what they are told, not in what it rests on:
`end_user` reads short, plain sentences (its readability grade is reported), `operator` gets scores, shares and
the route, `auditor` also the methods, whether each score was reproduced, and digests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from steward.errors import StewardError

Audience = Literal["end_user", "operator", "auditor"]
AUDIENCES: tuple[Audience, ...] = ("end_user", "operator", "auditor")
QUOTED = re.compile(r'"([^"]+)"')

PLAIN_KINDS = {
    "EMAIL_ADDRESS": "an e-mail address",
    "PHONE_NUMBER": "a phone number",
    "PERSON": "a name",
    "CREDIT_CARD": "a card number",
    "IBAN_CODE": "a bank account number",
    "STREET_ADDRESS": "an address",
    "LOCATION": "a place",
    "DATE_OF_BIRTH": "a date of birth",
    "IP_ADDRESS": "an internet address",
    "US_SSN": "a social security number",
}
WHERE = {"input": "your message", "output": "the answer", "retrieved": "a document the assistant read"}
ACTIONS = {
    "block": "so the request was stopped",
    "redact": "so it was hidden",
    "escalate": "so a person will check it",
    "warn": "and this was noted",
}


class ExplanationRefused(StewardError):
    """A text names something its attribution does not hold: it is not given out."""


@dataclass(frozen=True, slots=True)
class Ref:
    """What a claim rests on: `kind` (finding, feature, span, recogniser, rule, model, error, source, reasoning,
    note), where in the explanation (`at`: a finding id, a source number, a route slot) and the name it quotes."""

    kind: str
    at: str
    name: str


@dataclass(frozen=True, slots=True)
class Claim:
    text: str
    refs: tuple[Ref, ...] = field(default_factory=tuple)


def _q(value: Any) -> str:
    """A term as a claim quotes it (no double quotes inside, so the check reads it back whole)."""
    return str(value).replace('"', "'")


# ---- the check ---------------------------------------------------------------------------------------------


def check(claims: list[Claim], sections: dict[str, Any]) -> None:
    """Refuse (`ExplanationRefused`) a claim whose references do not resolve, or which quotes a term that none of
    its references names."""
    for claim in claims:
        if not claim.refs:
            raise ExplanationRefused(
                f"the explanation says {claim.text!r} without naming what supports it: refused."
            )
        for ref in claim.refs:
            if not _holds(sections, ref):
                raise ExplanationRefused(
                    f"the explanation names {ref.kind} {ref.name!r} ({ref.at}), which its attribution does not "
                    "hold: "
                    f"refused ({claim.text!r})."
                )
        named = {_q(ref.name) for ref in claim.refs}
        for term in QUOTED.findall(claim.text):
            if term not in named:
                raise ExplanationRefused(
                    f"the explanation quotes {term!r}, which no attribution it names supports: refused "
                    f"({claim.text!r})."
                )


def _finding(sections: dict[str, Any], at: str) -> dict[str, Any] | None:
    for entry in (sections.get("guardrail") or {}).get("findings", []):
        if entry.get("id") == at:
            return dict(entry)
    return None


def _holds(sections: dict[str, Any], ref: Ref) -> bool:
    routing = sections.get("routing") or {}
    if ref.kind in ("finding", "feature", "span", "recogniser", "rule"):
        entry = _finding(sections, ref.at)
        return entry is not None and _finding_holds(entry, ref)
    if ref.kind == "model":
        route = routing.get("route") or {}
        known = {"served": routing.get("served"), "first": route.get("first"), "candidate": route.get("candidate")}
        attempts = [a["model"] for a in routing.get("attempts", [])]
        return known.get(ref.at) == ref.name or (ref.at == "attempt" and ref.name in attempts)
    if ref.kind == "error":
        return any(a["model"] == ref.at and a["error"] == ref.name for a in routing.get("attempts", []))
    if ref.kind == "arm":
        return (routing.get("route") or {}).get("arm") == ref.name
    if ref.kind == "source":
        found = [s for s in (sections.get("sources") or {}).get("sources", []) if str(s.get("n")) == ref.at]
        return bool(found) and found[0].get("document") == ref.name
    if ref.kind == "reasoning":
        kept = sections.get("reasoning") or {}
        return (ref.at == "sha256" and kept.get("sha256") == ref.name) or (
            ref.at == "text" and bool(kept.get("text")) and ref.name in kept["text"]
        )
    if ref.kind == "note":
        return ref.name in (sections.get(ref.at) or {}).get("notes", [])
    return False


def _finding_holds(entry: dict[str, Any], ref: Ref) -> bool:
    if ref.kind == "finding":
        return bool(entry.get("kind") == ref.name or entry.get("scanner") == ref.name)
    if ref.kind == "span":
        return (entry.get("span") or {}).get("text") == ref.name
    if ref.kind == "recogniser":
        return ref.name in (entry.get("recogniser"), (entry.get("presidio") or {}).get("recognizer"))
    if ref.kind == "rule":
        return bool(entry.get("rule") == ref.name)
    names = set()
    for model in entry.get("models", []):
        names |= {f["feature"] for f in model.get("features", [])} | {w["word"] for w in model.get("words", [])}
    return ref.name in names


# ---- the templates -----------------------------------------------------------------------------------------


def compose(audience: Audience, sections: dict[str, Any]) -> list[Claim]:
    """The claims of an explanation for `audience`, from its sections (guardrail, routing, sources, reasoning)."""
    claims: list[Claim] = []
    told: dict[tuple[Any, str], int] = {}  # end users hear once per check and decision: the best-supported finding
    for entry in _reported(sections, audience):
        said = _finding_claims(audience, entry)
        key = (entry.get("decision"), entry["scanner"])
        if audience == "end_user" and key in told:
            if len(said[0].refs) > len(claims[told[key]].refs):
                claims[told[key]] = said[0]
            continue
        told[key] = len(claims)
        claims += said
    claims += _route_claims(audience, sections.get("routing") or {})
    claims += _source_claims(audience, sections.get("sources") or {})
    claims += _reasoning_claims(audience, sections.get("reasoning") or {})
    for name in ("guardrail", "routing", "sources", "reasoning"):
        for note in (sections.get(name) or {}).get("notes", []):
            captured = (sections.get("reasoning") or {}).get("captured")
            if audience != "end_user" or name == "guardrail" or (name == "reasoning" and captured):
                claims.append(Claim(f"Note: {note}.", (Ref("note", name, note),)))
    return claims


def _reported(sections: dict[str, Any], audience: Audience) -> list[dict[str, Any]]:
    """The findings to tell: for end users those a rule flagged, for operators and auditors every one."""
    findings = (sections.get("guardrail") or {}).get("findings", [])
    return [entry for entry in findings if audience != "end_user" or entry.get("flagged", True)]


def _top_words(entry: dict[str, Any], count: int) -> list[str]:
    models = entry.get("models") or []
    if not models:
        return []
    words = sorted(models[0].get("words", []), key=lambda w: -w["share"])
    return [w["word"] for w in words[:count] if w["share"] > 0]


def _finding_claims(audience: Audience, entry: dict[str, Any]) -> list[Claim]:
    fid, scanner, kind = entry["id"], entry["scanner"], entry["kind"]
    where = WHERE.get(entry.get("stage", ""), "the text")
    base = Ref("finding", fid, kind)
    span = (entry.get("span") or {}).get("text")
    then = ACTIONS.get(entry.get("action", ""), "")
    if scanner == "pii":
        plain = PLAIN_KINDS.get(kind, "personal data")
        if audience == "end_user":
            if span and entry.get("text_state") == "kept":
                return [
                    Claim(
                        f'We found {plain} in {where}: "{_q(span)}", {then}.'.replace(", .", "."),
                        (base, Ref("span", fid, span)),
                    )
                ]
            return [Claim(f"We found {plain} in {where}, {then}.".replace(", .", "."), (base,))]
        return [_pii_claim(audience, entry, base, span)]
    words = _top_words(entry, 3)
    quoted = ", ".join(f'"{_q(w)}"' for w in words)
    refs = (base, *(Ref("feature", fid, w) for w in words))
    if audience == "end_user":
        what = {
            "injection": "looked like an attempt to change the assistant's instructions",
            "toxicity": "read as hurtful or offensive",
        }.get(scanner, "was flagged by a check")
        lead = f"Part of {where} {what}" if scanner in ("injection", "toxicity") else f"A check flagged {where}"
        said = f" The words that counted most were {quoted}." if words else ""
        return [Claim(f"{lead}, {then}.".replace(", .", ".") + said, refs)]
    return [_model_claim(audience, entry, refs, quoted)]


def _pii_claim(audience: Audience, entry: dict[str, Any], base: Ref, span: str | None) -> Claim:
    fid = entry["id"]
    refs = [base]
    text = f'Finding {fid}: "{_q(entry["kind"])}" at score {entry["score"]}'
    if span:
        text += f' on "{_q(span)}"'
        refs.append(Ref("span", fid, span))
    process = entry.get("presidio") or {}
    recogniser = process.get("recognizer") or entry.get("recogniser")
    if recogniser:
        text += f', recognised by "{_q(recogniser)}"'
        refs.append(Ref("recogniser", fid, recogniser))
    if process.get("pattern_name"):
        text += f" with pattern {process['pattern_name']} (score {process.get('original_score')} before context)"
    if process.get("supportive_context_word"):
        text += f", raised by the context word {process['supportive_context_word']}"
    if audience == "auditor":
        text += f"; method {entry['method']}, reproduced: {entry.get('reproduced')}, text {entry['text_state']}"
    return Claim(text + ".", tuple(refs))


def _model_claim(audience: Audience, entry: dict[str, Any], refs: tuple[Ref, ...], quoted: str) -> Claim:
    fid = entry["id"]
    text = f'Finding {fid}: "{_q(entry["kind"])}" by {entry["scanner"]} at score {entry["score"]}'
    if entry.get("rule"):
        text += f', rule "{_q(entry["rule"])}"'
        refs = (*refs, Ref("rule", fid, entry["rule"]))
    if quoted:
        text += f"; the words that added most to its log-odds: {quoted}"
    terms = (entry.get("fusion") or entry.get("stack") or {}).get("terms")
    if terms:
        text += "; terms of the final logit: " + ", ".join(f"{name} {value:+.2f}" for name, value in terms.items())
    if entry.get("note"):
        text += f" ({entry['note']})"
    if audience == "auditor":
        text += f"; method {entry['method']}, reproduced: {entry.get('reproduced')}, text {entry['text_state']}"
    return Claim(text + ".", refs)


def _route_claims(audience: Audience, routing: dict[str, Any]) -> list[Claim]:
    served = routing.get("served")
    if served is None:
        return []
    claims = []
    ref = Ref("model", "served", served)
    if audience == "end_user":
        claims.append(Claim(f'Your answer came from the model "{_q(served)}".', (ref,)))
        if routing.get("fallback_after"):
            first = routing["fallback_after"][0]["model"]
            claims.append(
                Claim("Another model was tried first but could not answer.", (Ref("model", "attempt", first),))
            )
        return claims
    route = routing.get("route") or {}
    text = f'Model "{_q(served)}" served'
    if route:
        split = ", ".join(f"{s['model']} {s['percent']}%" for s in route.get("split", []))
        drawn = "sticky on the subject" if route.get("sticky") else "at random (no subject)"
        text += f" from {route.get('source')} route [{split}], first choice drawn {drawn}"
        if route.get("fallback"):
            text += f", fallback {', '.join(route['fallback'])}"
        if route.get("candidate"):
            text += f'; canary "{_q(route["candidate"])}" at {route.get("share")}% ({route.get("strategy")})'
            ref2 = Ref("model", "candidate", route["candidate"])
            claims.append(Claim(text + f", arm {route.get('arm')}.", (ref, ref2)))
        else:
            claims.append(Claim(text + ".", (ref,)))
    else:
        claims.append(Claim(text + ".", (ref,)))
    for attempt in routing.get("fallback_after", []):
        claims.append(
            Claim(
                f'It fell back after "{_q(attempt["model"])}" failed: "{_q(attempt["error"])}".',
                (Ref("model", "attempt", attempt["model"]), Ref("error", attempt["model"], attempt["error"])),
            )
        )
    return claims


def _source_claims(audience: Audience, sources: dict[str, Any]) -> list[Claim]:
    listed = sources.get("sources") or []
    claims = []
    for source in listed[: 3 if audience == "end_user" else len(listed)]:
        ref = Ref("source", str(source["n"]), source["document"])
        if audience == "end_user":
            claims.append(Claim(f'The answer used source [{source["n"]}], "{_q(source["document"])}".', (ref,)))
        else:
            claims.append(
                Claim(
                    f'Source [{source["n"]}] "{_q(source["document"])}" was retrieved, score {source["score"]}.',
                    (ref,),
                )
            )
    return claims


def _reasoning_claims(audience: Audience, reasoning: dict[str, Any]) -> list[Claim]:
    if not reasoning.get("text"):  # not captured, or withheld from this audience: its notes say which
        return []
    excerpt = reasoning["text"][:400]
    claims = [Claim(f'The model reasoned: "{_q(excerpt)}".', (Ref("reasoning", "text", excerpt),))]
    if audience == "auditor" and reasoning.get("sha256"):
        digest = reasoning["sha256"]
        claims.append(
            Claim(f'The record names the reasoning by sha256 "{digest}".', (Ref("reasoning", "sha256", digest),))
        )
    return claims


def render(claims: list[Claim]) -> str:
    return "\n".join(claim.text for claim in claims)


SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def readability(text: str) -> dict[str, float] | None:
    """The Flesch-Kincaid grade and Flesch reading ease of an English text, None for a text without words.

    grade = 0.39·(words/sentences) + 11.8·(syllables/words) − 15.59;
    ease = 206.835 − 1.015·(words/sentences) − 84.6·(syllables/words) (Kincaid et al., 1975; Flesch, 1948).
    Syllables are counted as textstat counts a word its dictionary does not know: pyphen's hyphenation points + 1.
    """
    found = WORD.findall(text)
    if not found:
        return None
    sentences = max(1, len(SENTENCE_END.findall(text.strip() + " ")))
    syllables = sum(_syllables(word) for word in found)
    per_sentence, per_word = len(found) / sentences, syllables / len(found)
    return {
        "flesch_kincaid_grade": round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1),
        "flesch_reading_ease": round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 1),
    }


@lru_cache(maxsize=1)
def _hyphenator() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=20_000)
def _syllables(word: str) -> int:
    return len(_hyphenator().positions(word.lower())) + 1
