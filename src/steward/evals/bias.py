"""Bias of a model: the CrowS-Pairs metric (`steward.evals.crows`) and BBQ (`steward.evals.bbq`) from its logits.

One local GGUF model is loaded once (llama-cpp-python with every position's logits) and serves both tests: the
log-probability of each token of a sentence after a start token, and of each answer option after a prompt (the
prompt is evaluated once, each option continues from its cached state). The pairs default to the set Steward
ships (`steward/defaults/bias/pairs.csv`, written for Steward; see its data card); any CrowS-Pairs-format CSV can
be given instead. BBQ questions come from a BBQ JSONL file (by default `../shared/data/bias/bbq_sample.jsonl`
when it exists). `limit` keeps every bias type (stereo and antistereo) and every BBQ category and context
condition: it takes items round-robin across them.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from steward.errors import InvalidRequest
from steward.evals import bbq, crows
from steward.evals.metric import Score

if TYPE_CHECKING:
    from steward.config import Project, Settings

PAIRS = Path(__file__).resolve().parent.parent / "defaults" / "bias" / "pairs.csv"
T = TypeVar("T")
Progress = Callable[[str, int, int], None]


def default_bbq() -> Path | None:
    """The BBQ sample of the project's shared data folder, where it exists."""
    for root in (Path.cwd(), *Path.cwd().parents):
        candidate = root / "shared" / "data" / "bias" / "bbq_sample.jsonl"
        if candidate.is_file():
            return candidate
    return None


def _log_softmax(rows: np.ndarray) -> np.ndarray:
    shifted = rows - rows.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class GgufScorer:
    """Token log-probabilities from a local GGUF model, for both bias tests (one model, loaded once)."""

    def __init__(self, path: Path, n_ctx: int = 512, n_threads: int = 2) -> None:
        from steward.evals.perplexity import LogitScorer

        self._base = LogitScorer(path, n_ctx=n_ctx, n_threads=n_threads)
        self.llm = self._base.llm
        self.n_ctx = n_ctx
        with_bos = self.llm.tokenize(b"a", add_bos=True, special=False)
        bos = self.llm.token_bos()
        # models without BOS (Qwen, SmolLM2) start from their end-of-text token, as lm-evaluation-harness does
        self.start = [bos] if with_bos and with_bos[0] == bos else [self.llm.token_eos()]

    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _eval(self, tokens: Sequence[int], keep: int = 0) -> None:
        if keep + len(tokens) > self.n_ctx:
            size = keep + len(tokens)
            raise InvalidRequest(f"a text of {size} tokens is longer than the context ({self.n_ctx}); shorten it.")
        if keep == 0:
            self.llm.reset()
        else:
            self.llm.n_tokens = keep  # continue from the cached prompt; eval() drops the cache after it
        self.llm.eval(list(tokens))

    def token_logprobs(self, tokens: Sequence[int]) -> list[float]:
        sequence = [*self.start, *tokens]
        self._eval(sequence)
        rows = _log_softmax(np.asarray(self.llm.scores[: len(sequence) - 1], dtype=np.float64))
        return [float(v) for v in rows[np.arange(len(tokens)), np.asarray(tokens, dtype=np.int64)]]

    def option_logprobs(self, prompt: str, options: Sequence[str]) -> list[list[float]]:
        context = [*self.start, *self.tokenize(prompt)]
        self._eval(context)
        first = _log_softmax(np.asarray(self.llm.scores[len(context) - 1], dtype=np.float64))
        out: list[list[float]] = []
        for option in options:
            tokens = self.tokenize(option)
            if not tokens:
                out.append([])
                continue
            self._eval(tokens, keep=len(context))
            rest = np.asarray(self.llm.scores[len(context) : len(context) + len(tokens) - 1], dtype=np.float64)
            values = [float(first[tokens[0]])]
            if len(tokens) > 1:
                values += [float(v) for v in _log_softmax(rest)[np.arange(len(tokens) - 1), tokens[1:]]]
            out.append(values)
        return out

    def close(self) -> None:
        self._base.close()


def stratified(items: Sequence[T], key: Callable[[T], str], limit: int | None) -> list[T]:
    """At most `limit` items taken round-robin across `key` groups (file order inside a group)."""
    if limit is None or limit >= len(items):
        return list(items)
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    mixed = [x for row in zip_longest(*groups.values()) for x in row if x is not None]
    return mixed[:limit]


def measure(
    scorer: Any,
    pairs: Sequence[crows.Pair] | None,
    questions: Sequence[bbq.Question] | None,
    *,
    method: crows.Method = "shared",
    scoring: bbq.Scoring = "mean",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Both tests with one scorer; each part is None when its data is not given."""
    report: dict[str, Any] = {"crows_pairs": None, "bbq": None, "rows": {}}
    started = time.time()
    if pairs:
        tick = (lambda d, t: progress("CrowS-Pairs", d, t)) if progress else None
        report["crows_pairs"], report["rows"]["crows_pairs"] = crows.evaluate(scorer, pairs, method, tick)
    if questions:
        tick = (lambda d, t: progress("BBQ", d, t)) if progress else None
        report["bbq"], report["rows"]["bbq"] = bbq.evaluate(scorer, questions, scoring, tick)
    report["seconds"] = round(time.time() - started, 1)
    return report


def measure_model(
    model: str,
    pairs_path: Path | None = PAIRS,
    bbq_path: Path | None = None,
    *,
    limit: int | None = None,
    method: crows.Method = "shared",
    scoring: bbq.Scoring = "mean",
    progress: Progress | None = None,
    project: Project | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Load `model` (a .gguf path, or an artefact name or model id of `project` in the models folder of
    `settings`) once and run both tests on it."""
    from steward.evals.perplexity import resolve_gguf

    if pairs_path is None and bbq_path is None:
        raise InvalidRequest("nothing to measure: give --pairs, --bbq or both.")
    pairs = (
        # stereo groups first, so that a small limit still covers every bias type
        stratified(
            sorted(crows.load_pairs(pairs_path), key=lambda p: p.direction != "stereo"),
            lambda p: f"{p.direction}/{p.bias_type}",
            limit,
        )
        if pairs_path
        else None
    )
    questions = (
        stratified(bbq.load_questions(bbq_path), lambda q: f"{q.category}/{q.condition}", limit)
        if bbq_path
        else None
    )
    path = resolve_gguf(model, project, settings)
    scorer = GgufScorer(path)
    try:
        report = measure(scorer, pairs, questions, method=method, scoring=scoring, progress=progress)
    finally:
        scorer.close()
    files = {"pairs": str(pairs_path) if pairs_path else None, "bbq": str(bbq_path) if bbq_path else None}
    return {"model": model, "gguf": path.name, "limit": limit, "data": files, **report}


def write_reports(report: dict[str, Any], folder: Path) -> dict[str, str]:
    """A JSON report (everything, rows included) and an HTML summary; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", Path(str(report["model"])).name.removesuffix(".gguf"))  # ids hold dots
    stem = f"bias-{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    json_path, html_path = folder / f"{stem}.json", folder / f"{stem}.html"
    json_path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    html_path.write_text(_html(report), encoding="utf-8")
    return {"json": str(json_path), "html": str(html_path)}


def _table(title: str, rows: dict[str, dict[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ("", *columns))
    body = "".join(
        "<tr><td>{}</td>{}</tr>".format(
            html.escape(name), "".join(f"<td>{html.escape(_cell(values.get(c)))}</td>" for c in columns)
        )
        for name, values in rows.items()
    )
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


CROWS_COLUMNS = ("pairs", "metric_score", "stereotype_score", "antistereotype_score", "neutral")
BBQ_COLUMNS = (
    "questions",
    "accuracy_ambiguous",
    "accuracy_disambiguated",
    "bias_score_ambiguous",
    "bias_score_disambiguated",
)


def _html(report: dict[str, Any]) -> str:
    parts = [f"<h1>Bias of {html.escape(str(report['model']))}</h1>"]
    if report.get("crows_pairs"):
        c = report["crows_pairs"]
        rows = {"all": c, **c["per_bias_type"]}
        parts.append(_table(f"CrowS-Pairs metric ({c['method']} tokens; 50 is ideal)", rows, CROWS_COLUMNS))
    if report.get("bbq"):
        b = report["bbq"]
        parts.append(_table(f"BBQ ({b['scoring']} log-probability)", {"all": b, **b["per_category"]}, BBQ_COLUMNS))
    style = "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    return f"<!doctype html><meta charset=utf-8><style>{style}</style>{''.join(parts)}\n"


def _model_score(name: str, value: float | None, detail: dict[str, Any]) -> Score:
    return Score(name=name, value=value, per_row=[], mean=value, detail={"model_bias": True, **detail})


def model_bias_scores(
    models: Sequence[dict[str, Any]], limit: int = 28, project: Project | None = None
) -> list[Score]:
    """The red-team's measurement of the app's own model: CrowS-Pairs and BBQ on its first local GGUF.

    Reported beside the counterfactual pair check, not instead of it: the red-team's target is the app (prompt,
    guardrails and model), which the pairs probe through the gateway; these figures are the raw model's, from its
    log-likelihoods, so a constant or scripted model can no longer look unbiased. An app without a local GGUF gets
    one score without a value that says why.
    """
    from steward.errors import StewardError

    local = [m["id"] for m in models if m.get("backend") == "llama_cpp"]
    if not local:
        why = "the app has no local llama.cpp model whose log-likelihoods could be read"
        return [_model_score("bias_model_crows_metric", None, {"why": why})]
    try:
        report = measure_model(local[0], PAIRS, default_bbq(), limit=limit, project=project)
    except StewardError as exc:
        return [_model_score("bias_model_crows_metric", None, {"why": exc.message})]
    crows_summary, bbq_summary = report["crows_pairs"], report["bbq"] or {}
    detail = {"model": local[0], "limit": limit}
    scores = [
        _model_score(
            "bias_model_crows_metric",
            crows_summary["metric_score"],
            {**detail, "ideal": 50.0, "per_bias_type": crows_summary["per_bias_type"]},
        )
    ]
    for key in BBQ_COLUMNS[1:]:
        if key in bbq_summary:
            scores.append(_model_score(f"bias_model_bbq_{key}", bbq_summary[key], detail))
    return scores
