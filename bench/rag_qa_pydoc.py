"""A small SQuAD-format QA set over the Python language reference shipped with CPython (`pydoc_data.topics`).

Provenance: the contexts are the reference-manual topics that every CPython install carries in
`pydoc_data/topics.py` (Python documentation, PSF License 2.0), read at run time, never copied into the repo.
The questions and answers below were written for Steward by hand; every answer is a verbatim span of its
topic (checked when the set is built, questions whose answer is missing from the installed Python's text are
dropped and counted). Unanswerable questions (empty answers) ask about things the reference does not contain.
`build(path)` writes SQuAD v2.0 JSON with one article per topic, split into paragraphs at blank lines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# (topic, question, answer); answer "" = unanswerable from the reference manual
QUESTIONS: list[tuple[str, str, str]] = [
    ("pass", "What happens when the pass statement is executed?", "nothing happens"),
    ("pass", "What kind of operation is pass?", "a null operation"),
    ("truth", "Which constants are defined to be false?", 'None" and "False'),
    ("integers", "Is there a limit on the length of integer literals?", "no limit"),
    ("imaginary", "What real part does an imaginary literal yield?", "0.0"),
    (
        "power",
        "How does the power operator bind compared with unary operators on its left?",
        "binds more tightly than unary operators on its",
    ),
    ("lambda", "What are lambda expressions used to create?", "anonymous functions"),
    ("shifting", "Do shifting operations have lower priority than arithmetic operations?", "lower priority"),
    ("execmodel", "Which pieces of program text are blocks?", "a module, a function body, and a class definition"),
    ("with", "Which method of the context manager is loaded first?", "__enter__()"),
    ("raise", "Which attribute holds the traceback of an exception?", "__traceback__"),
    ("del", "How is deletion defined?", "recursively defined"),
    ("global", "What is the global statement?", "a declaration"),
    ("dict", "What encloses the items of a dictionary display?", "curly braces"),
    ("bltin-ellipsis-object", "What is the Ellipsis object commonly used by?", "slicing"),
    (
        "floating",
        "In which radix are the integer and exponent parts of floating point literals interpreted?",
        "radix 10",
    ),
    ("identifiers", "What are identifiers also referred to as?", "names"),
    ("bltin-null-object", "What do functions that don't explicitly return a value return?", "None"),
    ("if", "What is the if statement used for?", "conditional execution"),
    ("while", "What is the while statement used for?", "repeated execution"),
    ("continue", "Where may continue occur syntactically?", 'nested in a "for" or "while"'),
    ("break", "Where may break occur syntactically?", 'nested in a "for" or "while"'),
    ("assert", "What are assert statements a convenient way to insert into a program?", "debugging assertions"),
    ("return", "Where may return occur syntactically?", "in a function definition"),
    ("yield", "Where is the yield statement used?", "generator function"),
    (
        "nonlocal",
        "Which variables does nonlocal make the listed identifiers refer to?",
        "previously bound variables in the nearest enclosing scope",
    ),
    ("import", "What does the import statement do first?", "find a module"),
    ("debugger", "What is the name of the module that defines the interactive source code debugger?", "pdb"),
    ("comparisons", "Do all comparison operations in Python have the same priority?", "same priority"),
    # unanswerable from the reference manual
    ("", "Who designed the logo of the Python Software Foundation?", ""),
    ("", "How many core developers voted on the walrus operator?", ""),
    ("", "What is the default port of the Django development server?", ""),
    ("", "Which company sponsors the PyCon US conference in 2024?", ""),
    ("", "What is the maximum upload size on the Python Package Index?", ""),
]


def build(path: Path) -> tuple[int, list[str]]:
    """Write the SQuAD v2.0 file; returns (questions written, questions dropped)."""
    from pydoc_data.topics import topics

    articles: dict[str, list[dict]] = {name: _paragraphs(text) for name, text in sorted(topics.items())}
    dropped: list[str] = []
    unanswerable = []
    for number, (topic, question, answer) in enumerate(QUESTIONS):
        qid = f"pydoc-{number:03d}"
        if not topic:
            unanswerable.append({"id": qid, "question": question, "answers": [], "is_impossible": True})
            continue
        paragraphs = articles.get(topic, [])
        where = next((p for p in paragraphs if answer in p["context"]), None)
        if where is None:
            dropped.append(question)
            continue
        start = where["context"].index(answer)
        where["qas"].append(
            {
                "id": qid,
                "question": question,
                "is_impossible": False,
                "answers": [{"text": answer, "answer_start": start}],
            }
        )
    data = [{"title": topic, "paragraphs": paragraphs} for topic, paragraphs in articles.items() if paragraphs]
    if data and unanswerable:
        data[0]["paragraphs"][0]["qas"].extend(unanswerable)
    path.write_text(json.dumps({"version": "v2.0", "data": data}, indent=1))
    return len(QUESTIONS) - len(dropped), dropped


def _paragraphs(text: str) -> list[dict]:
    """Paragraphs of about 1,000 characters (blank-line blocks, merged), so that a context is a passage."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    merged: list[str] = []
    for block in blocks:
        if merged and len(merged[-1]) + len(block) < 1000:
            merged[-1] += "\n\n" + block
        else:
            merged.append(block)
    return [{"context": p, "qas": []} for p in merged]
