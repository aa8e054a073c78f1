"""Grounded prompts with numbered sources, and the grounding check of an answer against them.

The prompt puts the app's system prompt and the collection's instructions in the system message and the
numbered sources right before the question in the last user message, where small models attend to them.
The check is the one support check of `steward.rag.support` (the evals' faithfulness calls the same
function, at the same calibrated threshold): each claim-bearing sentence of the answer is scored against the
sources it cites, as the probability, from a logistic regression over cheap features (content words, names
and numbers the source lacks, embedding similarity, negation) and, with `judge: local`, a yes/no judge on a
local model read from its log-probabilities, that the source supports it. A sentence without a citation
(small models often drop the `[n]` markers, or put one marker on the first sentence only) is scored against
every retrieved source and attributed to the one that supports it best (by the cheap features; the judge then
reads that source), so an uncited but faithful answer is not declined while an invented one still is;
`require_citation: true` restores the strict rule. A number or code in the sentence (a PNR, a time, a gate)
that the scoring source does not contain caps the sentence's score below the threshold: that is the invented
detail small models produce. An answer is supported when every claim reaches the threshold and it cites no
source that was not given; a refusal ("not in the available documents") is always supported.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from steward.config.rag import Grounding as GroundingPolicy
from steward.language import CITATION, PLACEHOLDER, codes, is_claim, split_answer_sentences
from steward.models.embeddings import RagEmbedder
from steward.rag.support import SupportChecker, local_judge
from steward.types import Message, Source

REFUSAL = re.compile(
    r"not (?:\w+ )?(?:in|found in|mentioned in|contained in|available in|given in|provided in|stated in|"
    r"specified in|included in|part of) (?:the |any of the |any )?"
    r"(?:available |provided |given |above |numbered )?(?:documents?|sources?|context|records?|information)"
    r"|(?:sources?|documents?|context|records?)(?: provided| given| above)? (?:do|does) not (?:\w+ )?"
    r"(?:mention|contain|say|provide|include|specify|state|give)"
    r"|(?:can ?not|can't|couldn't|could not|unable to) (?:find|answer|locate|determine)"
    r"|(?:don't|do not) (?:know|have (?:that|this|any|enough) information)"
    r"|no (?:information|mention) (?:about|on|in|of)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class SentenceSupport:
    """How well one answer sentence is supported."""

    text: str
    score: float
    cited: list[int]
    best_source: int | None
    unsupported_terms: list[str] = field(default_factory=list)
    judge_probability: float | None = None  # the local judge's P(Yes), when it ran

    @property
    def attributed(self) -> bool:
        """Scored against every source because the sentence cites none."""
        return not self.cited


@dataclass(slots=True)
class GroundingVerdict:
    """The grounding check of one answer: goes into `Record.explanation["grounding"]`."""

    supported: bool
    score: float
    policy: str
    threshold: float
    sentences: list[SentenceSupport]
    citations: list[int]
    invalid_citations: list[int]
    attributed: list[int] = field(default_factory=list)  # best sources of the sentences that cite none
    declined: bool = False
    reason: str = ""
    replacement: str | None = None  # the answer to return instead (policy `replace`, unsupported answer)
    method: str = ""  # how support was scored: cheap features only, or fused with the local judge

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["score"] = round(self.score, 4)
        for sentence in out["sentences"]:
            sentence["score"] = round(sentence["score"], 4)
        return out


# ---- prompts ---------------------------------------------------------------------------------------------


def format_sources(sources: list[Source], titles: dict[str, str] | None = None) -> str:
    lines = []
    for source in sources:
        title = (titles or {}).get(source.chunk_id)
        head = f"[{source.index}] ({title})" if title else f"[{source.index}]"
        lines.append(f"{head} {source.text.strip()}")
    return "\n\n".join(lines)


def compose(
    system: str,
    instructions: str,
    messages: list[Message],
    sources: list[Source],
    titles: dict[str, str] | None = None,
    reminder: str = "",
) -> list[Message]:
    """The messages to send: one system message, earlier turns, and the question below its sources."""
    turns = [m for m in messages if m.role != "system"]
    last = max(i for i, m in enumerate(turns) if m.role == "user")
    body = format_sources(sources, titles) if sources else "(no sources were found)"
    question = turns[last].content
    turns[last] = Message(
        "user",
        f"Sources:\n{body}\n\nQuestion: {question}\n{reminder}".rstrip(),
    )
    system_text = "\n\n".join(part for part in (system.strip(), instructions.strip()) if part)
    return [Message("system", system_text), *turns]


# ---- the check -----------------------------------------------------------------------------------------------


MARKER = re.compile(r"[ \t]*\[(\d{1,3})\]")


def strip_citations(text: str, given: set[int]) -> tuple[str, list[int]]:
    """`text` without the citation markers that name no given source (and the space before them), and their
    numbers. A marker glued to a word (`items[1]` in code) is an index, not a citation, and is kept."""
    removed: list[int] = []

    def drop(match: re.Match[str]) -> str:
        number = int(match.group(1))
        bracket = match.end() - len(match.group(1)) - 2
        before = match.string[bracket - 1] if bracket > 0 else ""
        if number in given or before.isalnum() or before == "_":
            return match.group(0)
        removed.append(number)
        return ""

    return MARKER.sub(drop, text), sorted(set(removed))


class GroundingChecker:
    """Scores answers against their sources with the collection's embedder."""

    def __init__(self, embedder: RagEmbedder, models_dir: Path | None = None) -> None:
        self.embedder = embedder
        self.models_dir = models_dir  # where `judge_model` is looked for (the project's .steward/models)
        self._checkers: dict[tuple[str, str], SupportChecker] = {}

    def support(self, policy: GroundingPolicy) -> SupportChecker:
        """The support check for this policy (the judge loaded once, on first use); cheap features only when
        the policy asks for no judge or its model file is absent (the verdict's `method` says which)."""
        key = (policy.judge, policy.judge_model)
        if key not in self._checkers:
            judge = local_judge(policy.judge_model, self.models_dir) if policy.judge == "local" else None
            missing = f"{policy.judge_model} not found" if policy.judge == "local" and judge is None else ""
            self._checkers[key] = SupportChecker(self.embedder, judge, judge_missing=missing)
        return self._checkers[key]

    def threshold(self, policy: GroundingPolicy) -> float:
        return self.support(policy).threshold if policy.threshold is None else policy.threshold

    def check(
        self, answer: str, sources: list[Source], policy: GroundingPolicy, question: str = ""
    ) -> GroundingVerdict:
        """`question`: the user's turn. What the user said is not the model's claim: its words count as found
        and the conversation's placeholders (`<EMAIL_ADDRESS_1>`) are not scored, so "I will send your booking
        confirmation for PNR 290049223 to anna@example.com" is not declined for the address. Numbers and codes
        must still be in the source: a gate or time the user suggested is not confirmed by being repeated."""
        by_index = {s.index: s for s in sources}
        threshold, method = self.threshold(policy), self.support(policy).method
        citations = sorted({int(n) for n in CITATION.findall(answer)})
        invalid = [n for n in citations if n not in by_index]
        sentences = split_answer_sentences(answer)
        claims = [s for s in sentences if is_claim(s)]  # `language.split_claims`, keeping the sentences
        # A refusal excuses the uncoded sentences from it on ("… not in the documents. Please ask at the desk."),
        # not the claims made before it: a streamed answer has released those before the refusal was written,
        # and streamed and non-streamed answers must reach the same verdict.
        first = next((i for i, s in enumerate(sentences) if REFUSAL.search(s)), None)
        if (
            first is not None
            and not any(is_claim(s) for s in sentences[:first])
            and not any(codes(CITATION.sub("", c)) for c in claims if not REFUSAL.search(c))
        ):
            return GroundingVerdict(
                True,
                1.0,
                policy.policy,
                threshold,
                [],
                citations,
                invalid,
                declined=True,
                reason="the answer declines",
                method=method,
            )
        scored = self._score(claims, by_index, PLACEHOLDER.sub(" ", question), policy)
        score = min((s.score for s in scored), default=1.0)
        attributed = sorted({s.best_source for s in scored if s.attributed and s.best_source is not None})
        reason = ""
        if invalid:
            reason = f"cites sources that were not given: {invalid}"
        elif policy.require_citation and not (set(citations) & set(by_index)) and claims:
            reason = "the answer cites no source"
        elif score < threshold:
            weakest = min(scored, key=lambda s: s.score)
            reason = (
                f"a sentence is not supported by its sources (score {weakest.score:.2f}): {weakest.text[:120]!r}"
            )
        supported = not reason
        replacement = policy.unsupported if not supported and policy.policy == "replace" else None
        return GroundingVerdict(
            supported,
            score,
            policy.policy,
            threshold,
            scored,
            citations,
            invalid,
            attributed=attributed,
            reason=reason or "every sentence is supported by its sources",
            replacement=replacement,
            method=method,
        )

    def _score(
        self, claims: list[str], by_index: dict[int, Source], question: str, policy: GroundingPolicy
    ) -> list[SentenceSupport]:
        if not claims or not by_index:
            return [SentenceSupport(c, 0.0, [], None) for c in claims]
        checker, threshold = self.support(policy), self.threshold(policy)
        cheap = checker.without_judge()
        out = []
        for claim in claims:
            bare = PLACEHOLDER.sub(" ", CITATION.sub("", claim)).strip()
            cited = sorted({int(n) for n in CITATION.findall(claim)} & set(by_index))
            candidates = cited or sorted(by_index)
            ranked = [(cheap.score_claims([bare], [by_index[i].text], question)[0], i) for i in candidates]
            best, index = max(ranked, key=lambda pair: pair[0].score)
            if checker.judge is not None:
                best = checker.score_claims([bare], [by_index[index].text], question)[0]
            score = min(best.score, 0.5 * threshold) if best.missing else best.score
            out.append(SentenceSupport(claim, score, cited, index, best.missing, best.judge_probability))
        return out
