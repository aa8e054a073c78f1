"""Quality filters, each a function from examples to (kept, removed with a reason's detail).

- `length`: an answer that is empty, or a whole example shorter or longer than the limits, in characters (the
  base model, hence its tokenizer, is chosen later, at `steward tune run`);
- `language`: the languages to keep, identified as the drift monitor identifies traffic's language
  (`steward.monitor.drift.languages`, py3langid); texts under four words are too short to tell and are kept;
- `toxicity` / `injection`: the shipped scanners with their policy thresholds, read as the policy engine reads
  a text (`steward.evals.scanners`): a toxic prompt or answer, a user turn that attempts an injection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from steward.guardrails.base import ScanContext
from steward.tune.examples import Example

Progress = Callable[[int], None]


@dataclass(slots=True)
class Removed:
    example: Example
    detail: str


Result = tuple[list[Example], list[Removed]]


def length(
    examples: list[Example], min_chars: int, max_chars: int
) -> tuple[list[Example], dict[str, list[Removed]]]:
    kept: list[Example] = []
    removed: dict[str, list[Removed]] = {"empty_answer": [], "too_short": [], "too_long": []}
    for example in examples:
        size = sum(len(text) for text in example.texts())
        if not example.answer.strip():
            removed["empty_answer"].append(Removed(example, "the answer is empty: nothing to learn"))
        elif size < min_chars:
            removed["too_short"].append(Removed(example, f"{size} characters < --min-chars {min_chars}"))
        elif size > max_chars:
            removed["too_long"].append(Removed(example, f"{size} characters > --max-chars {max_chars}"))
        else:
            kept.append(example)
    return kept, removed


def language(examples: list[Example], keep: set[str], advance: Progress) -> tuple[Result, dict[str, int]]:
    """Examples in a kept language (or too short to tell), and the language mix of all of them."""
    from steward.monitor.drift import languages

    found = languages([f"{example.user_text}\n{example.answer}" for example in examples])
    advance(len(examples))
    mix: dict[str, int] = {}
    for code in found:
        mix[code] = mix.get(code, 0) + 1
    if not keep:
        return (examples, []), dict(sorted(mix.items()))
    kept, removed = [], []
    for example, code in zip(examples, found, strict=True):
        if code == "short" or code in keep:
            kept.append(example)
        else:
            removed.append(Removed(example, f"identified as {code!r}, not {'/'.join(sorted(keep))}"))
    return (kept, removed), dict(sorted(mix.items()))


def scanner_filter(name: str) -> Callable[[list[Example], Progress], tuple[Result, float]]:
    """A filter by the shipped scanner `name` (toxicity: prompt and answer; injection: the user's turns)."""

    def run(examples: list[Example], advance: Progress) -> tuple[Result, float]:
        from steward.evals.scanners import make_scanner, scan_normalised

        scanner, threshold = make_scanner(name)
        context = ScanContext(stage="input")
        kept, removed = [], []
        for example in examples:
            parts = {"prompt": example.user_text}
            if name == "toxicity":
                parts["answer"] = example.answer
            flagged = ""
            for part, text in parts.items():
                if not text.strip():
                    continue
                hits = [f for f in scan_normalised(scanner, text, context) if f.score >= threshold]
                if hits:
                    worst = max(hits, key=lambda f: f.score)
                    flagged = f"{part}: {worst.kind} {worst.score:.2f} ≥ {threshold:.2f}"
                    break
            (removed.append(Removed(example, flagged)) if flagged else kept.append(example))
            advance(1)
        return (kept, removed), threshold

    return run


toxicity = scanner_filter("toxicity")
injection = scanner_filter("injection")
