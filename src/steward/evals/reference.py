"""Reference-based text metrics from the reference libraries: BLEU and chrF (sacrebleu), ROUGE (rouge-score).

We never re-implement a metric: the figures are the libraries' own. What we add is batching. sacrebleu computes
per-segment sufficient statistics once; the corpus score is the library's aggregate of all of them and each
row's sentence score is the library's score of that row's statistics (sentence BLEU with effective order, as
sacrebleu recommends) — one tokenisation pass gives both, where calling `corpus_score` and then
`sentence_score` per row would tokenise everything twice. rouge-score's `RougeScorer` gets a tokenizer with the
same rules as its `DefaultTokenizer` but memoised (texts and Porter stems repeat), which keeps the results
identical and the wrapper faster than calling the library row by row (`bench/evals.py` measures it).

ROUGE-Lsum needs sentences. rouge-score splits on newlines, or with nltk's punkt model, which must be
downloaded; we split offline instead (`sentence_split="auto"`: a text that already has newlines keeps them as
its sentence boundaries, otherwise `steward.language.split_sentences` cuts it) and hand the library
newline-joined sentences, so Lsum works with no download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

from steward.evals.metric import Metric, Row, Score
from steward.language import split_sentences

_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def _reference_streams(rows: Sequence[Row]) -> list[list[str | None]]:
    """sacrebleu's layout: one stream per reference position, `None` where a row has fewer references."""
    width = max(len(r.references) for r in rows)
    return [[r.references[i] if i < len(r.references) else None for r in rows] for i in range(width)]


def _sacrebleu_score(name: str, corpus_metric: Any, sentence_metric: Any, rows: Sequence[Row]) -> list[Score]:
    """The corpus score, with each row's sentence score, from one pass of segment statistics."""
    if not rows:
        return [Score(name, None, [], corpus=True)]
    hypotheses = [r.prediction for r in rows]
    stats = corpus_metric._extract_corpus_statistics(hypotheses, _reference_streams(rows))
    per_row: list[float | None] = [float(sentence_metric._compute_score_from_stats(s).score) for s in stats]
    score = Score.from_rows(name, per_row, corpus=True)
    score.value = float(corpus_metric._aggregate_and_compute(stats).score)
    return [score]


@dataclass
class Bleu(Metric):
    """Corpus BLEU (sacrebleu, 0-100); per row, sentence BLEU with effective order."""

    name: ClassVar[str] = "bleu"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "references")
    description: ClassVar[str] = "BLEU (sacrebleu): n-gram precision with brevity penalty, 0-100"

    tokenize: str = "13a"
    lowercase: bool = False
    smooth_method: str = "exp"
    smooth_value: float | None = None
    max_ngram_order: int = 4
    effective_order: bool = False  # for the corpus figure; sentence figures always use effective order

    def _metric(self, effective_order: bool) -> Any:
        from sacrebleu.metrics import BLEU

        # the fields are BLEU's own options, under its names
        return BLEU(**(asdict(self) | {"effective_order": effective_order}), force=True)

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        return _sacrebleu_score(self.name, self._metric(self.effective_order), self._metric(True), rows)


@dataclass
class Chrf(Metric):
    """Corpus chrF (sacrebleu, 0-100; chrF++ with `word_order: 2`); per row, sentence chrF."""

    name: ClassVar[str] = "chrf"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "references")
    description: ClassVar[str] = "chrF (sacrebleu): character n-gram F-score, 0-100"

    char_order: int = 6
    word_order: int = 0
    beta: int = 2
    lowercase: bool = False
    whitespace: bool = False
    eps_smoothing: bool = False

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        from sacrebleu.metrics import CHRF

        metric = CHRF(**asdict(self))  # the fields are chrF's own options, under its names
        return _sacrebleu_score(self.name, metric, metric, rows)


class MemoTokenizer:
    """rouge-score's `DefaultTokenizer` rules (`rouge_score.tokenize.tokenize`) with memoised texts and stems."""

    def __init__(self, use_stemmer: bool, max_texts: int = 100_000) -> None:
        from nltk.stem import porter

        self._stemmer = _MemoStemmer(porter.PorterStemmer()) if use_stemmer else None
        self._cache: dict[str, list[str]] = {}
        self._max_texts = max_texts

    def tokenize(self, text: str) -> list[str]:
        from rouge_score import tokenize

        tokens = self._cache.get(text)
        if tokens is None:
            tokens = tokenize.tokenize(text, self._stemmer)
            if len(self._cache) >= self._max_texts:
                self._cache.clear()
            self._cache[text] = tokens
        return tokens  # rouge-score only reads token lists


class _MemoStemmer:
    def __init__(self, stemmer: Any) -> None:
        self._stemmer = stemmer
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        stemmed = self._stems.get(word)
        if stemmed is None:
            stemmed = self._stems[word] = self._stemmer.stem(word)
        return stemmed


def lsum_text(text: str, mode: Literal["auto", "newline", "regex"]) -> str:
    """The text as rouge-score's Lsum wants it: one sentence per line (offline splitting, see module doc)."""
    if mode == "newline" or (mode == "auto" and "\n" in text.strip()):
        return text
    return "\n".join(split_sentences(text))


@dataclass
class Rouge(Metric):
    """ROUGE-1/2/L/Lsum F-measure (rouge-score), the best over a row's references; mean over rows."""

    name: ClassVar[str] = "rouge"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "references")
    description: ClassVar[str] = "ROUGE-1, ROUGE-2, ROUGE-L, ROUGE-Lsum F-measure (rouge-score), 0-1"

    types: tuple[str, ...] = _ROUGE_TYPES
    use_stemmer: bool = True
    sentence_split: Literal["auto", "newline", "regex"] = "auto"
    measure: Literal["fmeasure", "precision", "recall"] = "fmeasure"

    def __post_init__(self) -> None:
        self.types = tuple(self.types)
        bad = [t for t in self.types if t not in _ROUGE_TYPES]
        if bad:
            raise ValueError(f"unknown ROUGE type {bad[0]!r}; use {', '.join(_ROUGE_TYPES)}")
        if self.sentence_split not in ("auto", "newline", "regex"):
            raise ValueError("sentence_split is auto, newline or regex")
        if self.measure not in ("fmeasure", "precision", "recall"):
            raise ValueError("measure is fmeasure, precision or recall")

    def outputs(self) -> tuple[str, ...]:
        suffix = "" if self.measure == "fmeasure" else f"_{self.measure}"
        return tuple(f"{t}{suffix}" for t in self.types)

    def scorer(self) -> Any:
        from rouge_score import rouge_scorer

        tokenizer = MemoTokenizer(self.use_stemmer)
        return rouge_scorer.RougeScorer(list(self.types), tokenizer=tokenizer, split_summaries=False)

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        scorer = self.scorer()
        lsum = "rougeLsum" in self.types
        per_type: dict[str, list[float | None]] = {t: [] for t in self.types}
        for row in rows:
            prediction = lsum_text(row.prediction, self.sentence_split) if lsum else row.prediction
            # the reference with the best F-measure, per type, as rouge-score's `score_multi` picks it
            best: dict[str, Any] = {}
            for reference in row.references:
                target = lsum_text(reference, self.sentence_split) if lsum else reference
                for rouge_type, value in scorer.score(target, prediction).items():
                    if rouge_type not in best or value.fmeasure > best[rouge_type].fmeasure:
                        best[rouge_type] = value
            for rouge_type in self.types:
                per_type[rouge_type].append(float(getattr(best[rouge_type], self.measure)))
        suffix = "" if self.measure == "fmeasure" else f"_{self.measure}"
        return [Score.from_rows(f"{t}{suffix}", per_type[t]) for t in self.types]
