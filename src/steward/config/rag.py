"""Schema of RAG collections (`collections:` in steward.yaml).

A collection is a named set of documents an app retrieves from. Its spec says how documents are cut into
chunks (token counts of the embedding model's tokenizer), how many chunks ground an answer, how the vector and
BM25 rankings are fused, which exact identifiers (PNR, flight number, claim id) must appear verbatim in a
source to ground an answer, what the grounding check does with an unsupported answer, and which reader groups
documents get when ingested without `--groups`. `sources:` lists files or folders that are synced into the
collection when the gateway starts (incremental: unchanged documents are not touched).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from steward.config.checks import regex

DEFAULT_DECLINE = (
    "I can't find that in the available documents, so I can't answer it. "
    "Please check the reference you gave or ask a member of staff."
)
# Sources were found, but the answer said more than they support: "check the reference you gave" would blame the
# user for the model's sentence.
DEFAULT_UNSUPPORTED = (
    "I found related information, but the available documents do not contain enough to support an answer, so I "
    "can't answer that reliably. Please rephrase your question or ask a member of staff."
)


class Grounding(BaseModel):
    """What the grounding check does with an answer its sources do not support."""

    model_config = ConfigDict(extra="forbid")

    policy: Literal["replace", "flag"] = "replace"
    threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="a sentence is supported when the probability that its sources support it reaches this; "
        "unset: the threshold calibrated with the support check's weights (the evals' faithfulness uses the same)",
    )
    judge: Literal["none", "local"] = Field(
        default="none",
        description="`local`: add a yes/no judge on a local GGUF model, read from its log-probabilities, to the "
        "cheap features (about a second a sentence on one CPU thread for the 0.5B, several for the 1.5B); "
        "`none`: cheap features only (milliseconds)",
    )
    judge_model: str = Field(
        default="qwen2.5-coder-0.5b",
        description="the judge's GGUF: a file name prefix under the project's .steward/models, or a path; when "
        "it is absent the check uses the cheap features and says so in the record",
    )
    require_citation: bool = Field(
        default=False,
        description="decline an answer that cites no source even when its sentences are supported; by default "
        "an uncited sentence is scored against every retrieved source and attributed to the best one",
    )
    decline: str = Field(
        default=DEFAULT_DECLINE,
        description="the answer when nothing may ground it (every retrieved source was screened out)",
    )
    unsupported: str = Field(
        default=DEFAULT_UNSUPPORTED,
        description="the answer (policy `replace`) when sources were found but do not support the answer",
    )
    missing_identifier: str = Field(
        default="I can't find {identifier} in the available documents, so I can't answer that. "
        "Please check the reference and try again, or ask a member of staff.",
        description="the answer when an identifier of the question is in no readable source; `{identifier}` is it",
    )


class CollectionSpec(BaseModel):
    """A named document collection an app retrieves from."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    sources: list[str] = Field(default_factory=list, description="files/folders synced at start; `steward:kb/…`")
    readers: list[str] = Field(default_factory=lambda: ["team:default"], min_length=1)
    chunk_tokens: int = Field(
        default=200, ge=16, le=254, description="embedding-tokenizer tokens per chunk (≤ the model's 256)"
    )
    overlap_tokens: int = Field(default=40, ge=0, le=256)
    top_k: int = Field(default=4, ge=1, le=50)
    candidates: int = Field(default=30, ge=1, le=1000, description="per ranking before reciprocal-rank fusion")
    vector_weight: float = Field(default=1.0, ge=0.0)
    keyword_weight: float = Field(default=1.0, ge=0.0)
    rrf_k: int = Field(default=60, ge=1)
    min_score: float = Field(default=0.0, ge=0.0, description="drop fused results below this (0 keeps top_k)")
    min_similarity: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="drop a chunk that only the vector search found when its cosine similarity to the question "
        "is below this (0 keeps them), so that a greeting grounds on nothing rather than on the nearest rows; "
        "chunks with a keyword match or one of the question's identifiers are kept",
    )
    identifiers: dict[str, str] = Field(default_factory=dict, description="name: regex of an exact identifier")
    lookup_only: list[str] = Field(
        default_factory=list,
        description="glob patterns of document keys (e.g. `bookings.jsonl#*`) holding personal records: they "
        "ground an answer only when the question names one of their exact identifiers, so a vague question "
        "never puts someone's record in front of the model",
    )
    max_query_chars: int = Field(default=2000, ge=1)
    grounding: Grounding = Field(default_factory=lambda: Grounding())
    instructions: str = Field(
        default="Answer only from the numbered sources below and cite each fact with its source number, like [1]. "
        "If the sources do not contain the answer, say that it is not in the available documents.",
        description="added to the app's system prompt for grounded answers",
    )

    reminder: str = Field(
        default="Answer from the sources only, with the details they give (status, reference, time, place), "
        "citing them like [1].",
        description="said right after the question, where small models heed it",
    )

    @field_validator("identifiers")
    @classmethod
    def _patterns_compile(cls, value: dict[str, str]) -> dict[str, str]:
        return {name: regex(pattern, f"identifier {name!r}: ") for name, pattern in value.items()}

    @model_validator(mode="after")
    def _overlap_below_size(self) -> CollectionSpec:
        if self.overlap_tokens >= self.chunk_tokens:
            raise ValueError("overlap_tokens must be smaller than chunk_tokens")
        if self.vector_weight == 0 and self.keyword_weight == 0:
            raise ValueError("vector_weight and keyword_weight cannot both be 0")
        return self
