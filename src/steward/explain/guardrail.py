"""Why a guardrail decided: every finding of a record explained from what the record kept.

Each finding is explained by the scanner that made it, re-run on the text the record kept, and the explanation
says whether it reproduces the recorded score (`reproduced`): an explanation that cannot reproduce the decision
says so rather than explaining another one. Per scanner:

- injection, classifier: the exact decomposition of each n-gram model's log-odds into n-grams and words
  (`steward.explain.ngrams`, linear, so the shares are the model's own arithmetic, not an estimate), and of the
  fusion's logit into its five terms (the two log-odds, their product, the persona frame and its product with
  the harm log-odds). The fusion is not linear in the n-grams (a product term), so n-gram shares are given on
  each n-gram model's log-odds, where they are exact, and the fusion's terms on the final logit;
- injection, heuristic: the rule, its pattern and the span it matched;
- toxicity, built-in: the stack's logit split exactly into its three terms. The n-gram model's terms are
  recomputed on its worst window and decomposed into n-grams (class vs `neither` log-odds, exact); the embedding
  head's term is read from the recorded score (logit(P) − intercept − the n-gram terms): what the MiniLM head
  added is known exactly, but not which words drove it (that needs ablation with the encoder: not done here);
- personal data: the recogniser, and where the text is still there, Presidio's decision process for that span
  (`return_decision_process`: the pattern, the score before and after context, the context words that raised it);
- anything else: the span, the detail and the score the record holds, marked `method: recorded`.

The text a decision read is the record's: an input turn (`Decision.turn`), the answer, or a retrieved source.
When the record keeps it redacted (`redact_records`) or erased, the explanation reads what is left and says so.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import numpy as np

from steward.explain.ngrams import Decomposition, decompose
from steward.types import Decision, Finding, Record

METHOD = "steward.guardrail-attribution"
VERSION = "1"
ERASED = "[erased]"  # as steward.governance.privacy.ERASED (explain reads records; governance writes them)
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*(?:_\d+)?>|\[(?:REDACTED|erased)[^\]]*\]")
SCORE_TOLERANCE = 0.002  # recorded scores are rounded to 4 places, the toxicity detail's to 3
TOP = 8  # features shown per model


def explain_decisions(record: Record) -> dict[str, Any]:
    """The `guardrail` explanation of a record: one entry per finding, in decision order."""
    findings = []
    for d, decision in enumerate(record.decisions):
        texts, state = _texts(record, decision)
        for f, finding in enumerate(decision.findings):
            entry = explain_finding(finding, texts, state)
            flagged = decision.flagged is None or finding.scanner in decision.flagged
            entry.update(
                id=f"d{d}.f{f}", decision=d, action=decision.action, policy=decision.policy, flagged=flagged
            )
            findings.append(entry)
    notes = []
    if any(entry["text_state"] in ("redacted", "erased") for entry in findings):
        notes.append(
            "the record keeps some texts redacted or erased: those findings are explained from what is left"
        )
    return {"findings": findings, "notes": notes}


def _texts(record: Record, decision: Decision) -> tuple[list[str], str]:
    """The texts the record kept of what `decision` read, and their state: kept, redacted, erased or absent."""
    if decision.stage == "input":
        turn = decision.turn
        texts = [record.input[turn].content] if turn is not None and 0 <= turn < len(record.input) else []
    elif decision.stage == "output":
        texts = [record.output] if record.output else []
    else:
        texts = [source.text for source in record.sources]
    if not texts:
        return [], "absent"
    if all(text == ERASED for text in texts):
        return [], "erased"
    redacted = decision.stored_text is not None and any(PLACEHOLDER.search(text) for text in texts)
    return texts, "redacted" if redacted else "kept"


def explain_finding(finding: Finding, texts: list[str], state: str) -> dict[str, Any]:
    """One finding's explanation from the texts its decision read (the first that reproduces it counts)."""
    entry: dict[str, Any] = {
        "scanner": finding.scanner,
        "kind": finding.kind,
        "score": finding.score,
        "stage": finding.stage,
        "detail": finding.detail,
        "text_state": state,
        "span": None,
        "method": "recorded",
        "reproduced": None,
    }
    explainer = _explainer(finding)
    if explainer is None or not texts:
        entry["span"] = _span(finding, texts[0] if texts else None)
        return entry
    best: dict[str, Any] | None = None
    for text in texts:
        found = explainer(finding, text)
        found["span"] = _span(finding, text)
        if best is None or found.get("reproduced"):
            best = found
        if found.get("reproduced"):
            break
    assert best is not None
    entry.update(best)
    return entry


def _explainer(finding: Finding) -> Any:
    if finding.scanner == "injection" and finding.detail.startswith("classifier:builtin not applied"):
        return _not_applied
    if finding.scanner == "injection" and finding.detail == "classifier:builtin":
        return _injection_classifier
    if finding.scanner == "injection" and finding.detail.startswith("heuristic:"):
        return _injection_rule
    if finding.scanner == "toxicity" and finding.detail.startswith("toxic="):
        return _toxicity
    if finding.scanner == "pii":
        return _pii
    return None


def _span(finding: Finding, text: str | None) -> dict[str, Any] | None:
    if finding.start is None or finding.end is None:
        return None
    quoted = text[finding.start : finding.end] if text is not None and finding.end <= len(text) else None
    return {"start": finding.start, "end": finding.end, "text": quoted}


def _features(decomposition: Decomposition, top: int = TOP) -> list[dict[str, Any]]:
    return [
        {"feature": f.name, "kind": f.kind, "share": round(f.value, 4), "start": f.start, "end": f.end}
        for f in decomposition.features[:top]
    ]


def _words(decomposition: Decomposition) -> list[dict[str, Any]]:
    return [
        {"word": w.name, "share": round(w.value, 4), "start": w.start, "end": w.end} for w in decomposition.words
    ]


def _linear(name: str, decomposition: Decomposition) -> dict[str, Any]:
    """One linear model's decomposition as an explanation holds it."""
    return {
        "model": name,
        "log_odds": round(decomposition.log_odds, 4),
        "intercept": round(decomposition.intercept, 4),
        "features": _features(decomposition),
        "feature_count": decomposition.feature_count,
        "words": _words(decomposition),
        "residual": decomposition.residual,
    }


def _not_applied(finding: Finding, text: str) -> dict[str, Any]:
    why = finding.detail.partition("(")[2].rstrip(")")
    return {"method": "recorded", "reproduced": None, "note": f"the classifier was not applied: {why}"}


def _injection_classifier(finding: Finding, text: str) -> dict[str, Any]:
    from steward.guardrails.injection import (
        PERSONA_FRAME,
        _builtin_model,
        fusion_features,
        rescale,
        without_revisions,
    )

    model = _builtin_model()
    judged = without_revisions(text)
    injection = decompose(model.model, judged)
    out: dict[str, Any] = {"method": "linear-decomposition", "models": [_linear(model.model.name, injection)]}
    if model.fusion is None or model.harm is None:
        probability = 1.0 / (1.0 + math.exp(-injection.log_odds))
    else:
        harm = decompose(model.harm, judged)
        out["models"].append(_linear(model.harm.name, harm))
        persona = 1.0 if PERSONA_FRAME.search(judged) else 0.0
        coef, intercept = model.fusion
        inputs = fusion_features(np.array([injection.log_odds]), np.array([harm.log_odds]), np.array([persona]))[0]
        terms = dict(zip(FUSION_TERMS, (float(x) for x in inputs * coef), strict=True))
        logit = float(sum(terms.values()) + intercept)
        probability = 1.0 / (1.0 + math.exp(-logit))
        out["fusion"] = {"terms": _rounded(terms), "intercept": round(intercept, 4), "logit": round(logit, 4)}
    score = rescale(probability, model.operating_point)
    out.update(recomputed=round(score, 4), reproduced=abs(score - finding.score) <= SCORE_TOLERANCE)
    if judged != text:
        out["note"] = "the classifier read the text without the user's revisions of their own request"
    return out


FUSION_TERMS = ("injection log-odds", "harm log-odds", "injection × harm", "persona frame", "persona × harm")


def _rounded(terms: dict[str, float]) -> dict[str, float]:
    return {name: round(value, 4) for name, value in terms.items()}


def _injection_rule(finding: Finding, text: str) -> dict[str, Any]:
    from steward.guardrails.injection import _compiled

    name = finding.detail.removeprefix("heuristic:").split(":")[0]
    patterns = [rule[1] for group in _compiled().values() for rule in group if rule[0] == name]
    if not patterns:
        return {"method": "recorded", "reproduced": None, "rule": name, "note": "this rule no longer exists"}
    where = (finding.start, finding.end)
    matched = None
    for pattern in patterns:  # a rule has a pattern per language: the one that matched there
        match = pattern.search(text)
        if match is not None and (where == (None, None) or match.span() == where):
            matched = pattern
            break
    out = {"method": "pattern-rule", "rule": name, "reproduced": matched is not None}
    out["pattern"] = (matched or patterns[0]).pattern[:400]
    if finding.start is None:
        out["note"] = "the rule matched a reading of the text (normalised or decoded), so no span is given"
    return out


def _toxicity(finding: Finding, text: str) -> dict[str, Any]:
    from steward.guardrails.toxicity import _model, load_head, logit, normalise, windows

    recorded = dict(part.split("=", 1) for part in finding.detail.split() if "=" in part)
    model = _model()
    hate_k, offensive_k, neither_k = (model.classes.index(c) for c in ("hate", "offensive", "neither"))
    pieces = [p for p in (normalise(piece) for piece in windows(text)) if p] or [""]
    table = model.predict_proba(pieces)
    worst = int((table[:, hate_k] + table[:, offensive_k]).argmax())
    hate, offensive = float(table[worst, hate_k]), float(table[worst, offensive_k])
    kind = hate_k if finding.kind == "hate" else offensive_k
    ngram = decompose(model, pieces[worst], positive=kind, against=neither_k)
    same = all(
        abs(float(recorded.get(key, value)) - value) <= SCORE_TOLERANCE
        for key, value in (("ngram_hate", hate), ("ngram_offensive", offensive))
    )
    out: dict[str, Any] = {
        "method": "linear-decomposition",
        "window": pieces[worst],
        "models": [{**_linear(f"{model.name} ({model.classes[kind]} vs neither)", ngram)}],
        "recomputed": {"ngram_hate": round(hate, 4), "ngram_offensive": round(offensive, 4)},
        "reproduced": same,
    }
    toxic = float(recorded.get("toxic", finding.score))
    if (
        abs(toxic - (hate + offensive)) <= SCORE_TOLERANCE
    ):  # `backend: ngram`: P(toxic) is the n-gram model's alone
        return out
    head = load_head()
    _, b, c = (float(x) for x in head.coef)
    toxic_logit = float(logit(toxic))
    ngram_terms = {"n-gram P(toxic)": b * float(logit(hate + offensive)), "n-gram P(hate)": c * float(logit(hate))}
    terms = {"embedding head": toxic_logit - head.intercept - sum(ngram_terms.values()), **ngram_terms}
    out["stack"] = {
        "terms": _rounded(terms),
        "intercept": round(head.intercept, 4),
        "logit": round(toxic_logit, 4),
    }
    out["note"] = (
        "the embedding head's term is read from the recorded score; the words behind it are not attributed"
    )
    return out


def _pii(finding: Finding, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"method": "recogniser", "recogniser": finding.detail or None, "reproduced": None}
    if finding.start is None or finding.end is None or finding.end > len(text):
        out["note"] = "the record keeps no span of this value"
        return out
    value = text[finding.start : finding.end]
    if PLACEHOLDER.fullmatch(value.strip()) or PLACEHOLDER.search(
        text[max(0, finding.start - 2) : finding.end + 2]
    ):
        out["note"] = "the value was replaced before the record was stored; the recogniser's decision is recorded"
        return out
    if finding.kind in STATISTICAL or finding.detail in STATISTICAL_READERS:
        out["note"] = (
            f"found by {finding.detail or 'a statistical model'} (named-entity recognition): a model's reading of "
            "the text, with no pattern or context words to show; the span and score are the model's"
        )
        return out
    process = decision_process(text, finding)
    if process is None:
        out["note"] = "Presidio did not find this span again in the kept text"
        out["reproduced"] = False
        return out
    out.update(process, reproduced=abs(float(process["presidio"].get("score", -1.0)) - finding.score) <= 0.01)
    if not out["reproduced"]:
        out["note"] = "Presidio scores the span differently without the request's other entities and NER pass"
    return out


# Entities and recognisers that read the text with a statistical model (spaCy, Steward's personal-data NER):
# re-running them costs a model pass (tens of ms) and shows no pattern, so their findings are told as recorded.
STATISTICAL = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION", "DATE_TIME"})
STATISTICAL_READERS = frozenset(
    {"PersonalNerRecognizer", "NameLexiconRecognizer", "SpacyRecognizer", "SpacyGapName"}
)


CONTEXT_CHARS = 120  # Presidio's context words are looked for within a few words of the span


def decision_process(text: str, finding: Finding) -> dict[str, Any] | None:
    """Presidio's decision process for the finding's span, on a window of the text around it."""
    assert finding.start is not None and finding.end is not None
    begin = max(0, finding.start - CONTEXT_CHARS)
    window = text[begin : finding.end + CONTEXT_CHARS]
    start, end = finding.start - begin, finding.end - begin
    for result in _analyze(window, finding.kind, finding.detail):
        if not (result.start < end and start < result.end):
            continue
        explained = result.analysis_explanation
        if explained is None:  # Steward's own recognisers report no decision process: the result is what there is
            name = (result.recognition_metadata or {}).get("recognizer_name", "")
            return {
                "presidio": {"recognizer": name, "score": result.score, "textual_explanation": f"found by {name}"}
            }
        keep = ("recognizer", "pattern_name", "original_score", "score", "textual_explanation")
        more = ("score_context_improvement", "supportive_context_word", "validation_result")
        facts = {key: getattr(explained, key, None) for key in (*keep, *more)}
        facts["pattern"] = (getattr(explained, "pattern", None) or None) and str(explained.pattern)[:400]
        return {"presidio": {k: v for k, v in facts.items() if v not in (None, "")}}
    return None


def _analyze(window: str, entity: str, recogniser: str) -> list[Any]:
    """Presidio's results for `entity` in the window: by the recogniser that made the finding alone when the
    registry has it (a pattern recogniser explains its own result: pattern, score, validation), else by the
    engine."""
    from steward.guardrails.pii import analyzer

    presidio = analyzer()
    if entity not in presidio.supported:
        return []
    analyze = presidio.engine.analyze  # Presidio's AnalyzerEngine, for its decision process
    named = _recogniser(presidio.engine, entity, recogniser)
    with presidio.lock:
        if named is not None:
            return list(named.analyze(window, [entity], None))
        return list(
            analyze(
                text=window,
                language="en",
                entities=[entity],
                score_threshold=0.0,
                return_decision_process=True,
                nlp_artifacts=_artifacts(presidio, entity),
            )
        )


@lru_cache(maxsize=256)
def _recogniser(analyzer_engine: Any, entity: str, name: str) -> Any:
    found = analyzer_engine.registry.get_recognizers(language="en", entities=[entity])
    return next((r for r in found if r.name == name), None)


def _artifacts(presidio: Any, entity: str) -> Any:
    """No spaCy run for pattern entities (as the scanner does): only the NER entities need it."""
    from steward.guardrails.pii import NER_ENTITIES

    return None if entity in NER_ENTITIES else presidio._no_nlp("en")
