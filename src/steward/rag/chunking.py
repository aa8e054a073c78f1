"""Structure-aware, token-aware chunking with overlap.

Blocks (paragraphs, rows, pages) are packed into chunks of at most `chunk_tokens` tokens of the embedding
model's tokenizer, so the embedder sees every token of every chunk. A chunk never spans two sections: a new
heading path starts a new chunk, and the chunk text begins with that path ("Baggage > Hand luggage") so a
chunk carries its context. A block larger than a chunk is split at sentence ends, and a sentence larger than a
chunk at token boundaries. When a section continues into the next chunk, that chunk repeats the last
`overlap_tokens` worth of sentences, so an answer that straddles the cut is still found whole in one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.language import CHUNK_UNIT_END
from steward.models.embeddings import RagEmbedder
from steward.rag.documents import Block


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a document as embedded and shown to the model."""

    position: int
    text: str
    section: str
    tokens: int


@dataclass(slots=True)
class _Unit:
    text: str
    tokens: int


class Chunker:
    """Cuts documents into chunks sized in the embedder's tokens."""

    def __init__(self, embedder: RagEmbedder, chunk_tokens: int = 200, overlap_tokens: int = 40) -> None:
        if overlap_tokens >= chunk_tokens:
            raise ValueError("overlap_tokens must be smaller than chunk_tokens")
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens

    def chunk(self, blocks: list[Block]) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section, section_blocks in _by_section(blocks):
            header = section + "\n" if section else ""
            header_tokens = self.embedder.count_tokens([section])[0] if section else 0
            budget = max(self.chunk_tokens - header_tokens, self.chunk_tokens // 2)
            for units in self._pack(self._units(section_blocks, budget), budget):
                text = header + " ".join(u.text for u in units)
                chunks.append(Chunk(len(chunks), text, section, header_tokens + sum(u.tokens for u in units)))
        return chunks

    def _units(self, blocks: list[Block], budget: int) -> list[list[_Unit]]:
        """Each block as a list of units of at most `budget` tokens (the whole block when it fits)."""
        counts = self.embedder.count_tokens([b.text for b in blocks])
        out = []
        for block, count in zip(blocks, counts, strict=True):
            if count <= budget:
                out.append([_Unit(block.text, count)])
                continue
            sentences = [s for s in CHUNK_UNIT_END.split(block.text) if s.strip()]
            units = []
            for sentence, tokens in zip(sentences, self.embedder.count_tokens(sentences), strict=True):
                if tokens <= budget:
                    units.append(_Unit(sentence, tokens))
                else:
                    pieces = self.embedder.cut(sentence, budget)
                    units.extend(
                        _Unit(p, n) for p, n in zip(pieces, self.embedder.count_tokens(pieces), strict=True)
                    )
            out.append(units)
        return out

    def _pack(self, blocks: list[list[_Unit]], budget: int) -> list[list[_Unit]]:
        """Greedy packing: whole blocks while they fit; a block split over chunks carries sentence overlap."""
        chunks: list[list[_Unit]] = []
        current: list[_Unit] = []
        fresh = 0  # units of `current` that are not overlap carried from the previous chunk

        def size() -> int:
            return sum(u.tokens for u in current)

        for units in blocks:
            if fresh and size() + sum(u.tokens for u in units) > budget:
                chunks.append(current)  # start the block in a new chunk rather than cut it needlessly
                current, fresh = self._overlap(current), 0
            for unit in units:
                if fresh and size() + unit.tokens > budget:
                    chunks.append(current)
                    current, fresh = self._overlap(current), 0
                while current and size() + unit.tokens > budget:
                    current.pop(0)  # the carried overlap gives way to new text
                current.append(unit)
                fresh += 1
        if fresh:
            chunks.append(current)
        return chunks

    def _overlap(self, previous: list[_Unit]) -> list[_Unit]:
        """The trailing units of the previous chunk that fit in the overlap budget."""
        kept: list[_Unit] = []
        size = 0
        for unit in reversed(previous):
            if size + unit.tokens > self.overlap_tokens:
                break
            kept.insert(0, unit)
            size += unit.tokens
        if not kept and previous and self.overlap_tokens:  # a long last sentence: repeat its last tokens
            half = max(1, self.overlap_tokens // 2)
            text = previous[-1].text
            pieces = self.embedder.cut(text, half)
            tail = text[text.rfind(pieces[-2] if len(pieces) > 1 else pieces[-1]) :]
            kept = [_Unit(tail, self.embedder.count_tokens([tail])[0])]
        return kept


def _by_section(blocks: list[Block]) -> list[tuple[str, list[Block]]]:
    groups: list[tuple[str, list[Block]]] = []
    for block in blocks:
        if groups and groups[-1][0] == block.section:
            groups[-1][1].append(block)
        else:
            groups.append((block.section, [block]))
    return groups
