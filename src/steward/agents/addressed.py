"""Text in a tool result that speaks to the assistant about its task: the shape of an indirect injection.

A tool result is data: a file, an e-mail, a web page, a message. Data has no business addressing the AI that
reads it ("this is an important message to you, the assistant"), referring to the task the user gave it
("before you can solve the task I gave you"), or wrapping itself in fake instruction markers
(`<INFORMATION>`, `<system>`, `[INST]`). The shipped classifier was trained on direct prompts and scores such
paragraphs low while it scores an ordinary landlord's "please update your records" high, so tool results get
these rules beside it (`ResultScreen`). Each rule is generic (no names, no sites, no goals of a benchmark);
their false-positive rate on benign texts is measured by `bench/agents.py rules`.
"""

from __future__ import annotations

import re

from steward.types import Finding

_AI = r"(ai|a\.i\.|assistant|agent|chat ?bot|bot|language model|llm|model|gpt[-\w.]*|claude|gemini|llama|copilot)"
RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("addressed_to_assistant", rf"\b(to|for) you,? (the |my |dear )?{_AI}\b"),
        ("addressed_to_assistant", rf"\b(dear|hey|hi|attention|note to( the)?) {_AI}\b"),
        (
            "refers_to_its_task",
            r"\b(before|after|once) you (can |could |may )?"
            r"(solve|complete|do|finish|continue|answer|proceed|start)\b[^\n]{0,60}\btask\b",
        ),
        ("refers_to_its_task", r"\btask (that |which )?(i|the user|your user) (gave|assigned|asked of|set) you\b"),
        (
            "instructions_for_assistant",
            rf"\b(important|urgent|new|updated|additional|secret|hidden) (message|instructions?|note|task)s? "
            rf"(from [^\n]{{0,40}})?(to|for) (you|the {_AI})\b",
        ),
        ("instruction_marker", r"<\s*/?\s*(information|instructions?|system|important|admin|inst)\s*>|\[/?INST\]"),
    )
)
SCORE = 0.9


def addressed_findings(text: str) -> list[Finding]:
    """One finding per rule that matches (kind `prompt_injection`, as the injection scanner's)."""
    found: dict[str, Finding] = {}
    for name, pattern in RULES:
        if name in found:
            continue
        match = pattern.search(text)
        if match:
            found[name] = Finding(
                "injection",
                "prompt_injection",
                SCORE,
                "tool_result",
                match.start(),
                match.end(),
                f"tool_result:{name}",
            )
    return list(found.values())
