"""spaCy's greedy NER decoding, done in numpy: the same entities, without the compiled loop's GIL round trips.

spaCy's entity recogniser is a transition-based parser: a Tok2Vec layer embeds the tokens, a precomputable
affine layer (`lower`) turns each token into three feature blocks, and a greedy loop walks the tokens choosing one
BILUO move per token (`B-PERSON`, `I-PERSON`, `L-PERSON`, `U-PERSON`, `O`…) from the scores of the hidden state
(`upper`). The loop is compiled, but in spaCy 3.8's wheels it re-acquires the GIL many times a step: `perf`
shows `PyGILState_Ensure` under `StateC::B_`, which the validity checks of all 74 moves call, and
`c_transition_batch` asserts with the GIL held. On one core ~30 % of the recogniser's time went to taking and
dropping the GIL, and decoding cost ~40 µs per token, more than the network's arithmetic.

`GreedyNerDecoder` decodes from the same layers with the same arithmetic. With no entity open, the state's
features are the current token and two padding rows, so the scores of every closed state come from one matrix
product over all tokens; only tokens inside an entity need a step of their own, and there the choice is between
two moves (`I-X` or `L-X`). The validity rules are spaCy's for a document without preset entities
(`spacy/pipeline/_parser_internals/ner.pyx`): no `B`/`U` on whitespace, no `B` on the last token or before a
sentence start, an open entity must continue (`I`) or close (`L`). Sums run in spaCy's order and the products
through the same BLIS kernel thinc uses, so the scores are the same floats; ties go to the first move, as in
`arg_max_if_valid`.

The decoder refuses models it does not reproduce (another feature layout, unseen classes, unknown moves, ops
other than thinc's BLIS ones) with `UnsupportedNerModel`; `CandidateNerEngine` then keeps spaCy's own loop. A
test compares the two on thousands of texts, and the engine checks them against each other when it loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.attrs import IS_SPACE, SENT_START
from spacy.tokens import Doc
from thinc.api import NumpyOps

BEGIN, IN, LAST, UNIT, OUT = "B", "I", "L", "U", "O"


class UnsupportedNerModel(ValueError):
    """The NER's layers or moves are not the layout `GreedyNerDecoder` reproduces."""


@dataclass(frozen=True)
class Entity:
    """An entity in token offsets of its doc: [start, end)."""

    start: int
    end: int
    label: str


class GreedyNerDecoder:
    """Decodes docs with a spaCy `EntityRecognizer`'s own layers; see the module docstring."""

    def __init__(self, pipe: Any) -> None:
        model = pipe.model
        if model.name != "parser_model" or not model.attrs.get("has_upper"):
            raise UnsupportedNerModel("not a transition model with an output layer")
        if model.attrs.get("unseen_classes"):
            raise UnsupportedNerModel("the model has unseen classes")
        if not isinstance(model.ops, NumpyOps) or not model.ops.use_blis:
            raise UnsupportedNerModel(f"{type(model.ops).__name__} without BLIS, which spaCy's loop uses")
        self.tok2vec = model.get_ref("tok2vec")
        self.lower = model.get_ref("lower")
        upper = model.get_ref("upper")
        if self.lower.get_dim("nF") != 3:
            raise UnsupportedNerModel(f"{self.lower.get_dim('nF')} state features, not 3")
        self.ops = model.ops
        self.bias = self.lower.get_param("b")  # (hidden, pieces)
        self.weights = upper.get_param("W")  # (classes, hidden)
        self.output_bias = upper.get_param("b")
        # Every class in order, the blocking "U-" included (`pipe.move_names` leaves it out).
        self._moves([pipe.moves.get_class_name(i) for i in range(pipe.moves.n_moves)])

    def _moves(self, names: list[str]) -> None:
        if len(names) != self.weights.shape[0]:
            raise UnsupportedNerModel(f"{len(names)} moves for {self.weights.shape[0]} classes")
        kinds, labels = [], []
        for name in names:
            kind, _, label = name.partition("-")
            if kind not in (BEGIN, IN, LAST, UNIT, OUT) or (kind == OUT) != (name == OUT):
                raise UnsupportedNerModel(f"unknown move {name!r}")
            kinds.append(kind)
            labels.append(label)
        self.kinds, self.labels = kinds, labels
        self.out = kinds.index(OUT)
        move_kind, labelled = np.array(kinds), np.array([bool(label) for label in labels])
        # Moves valid with no entity open: O anywhere, a labelled U except on whitespace, a labelled B also only
        # where a next token follows that does not start a sentence. ("U-" without a label is only ever valid on
        # preset blocked tokens, which a fresh doc has none of.)
        self.closed_no_begin = (move_kind == OUT) | ((move_kind == UNIT) & labelled)
        self.closed_any = self.closed_no_begin | ((move_kind == BEGIN) & labelled)
        moves = list(enumerate(zip(kinds, labels, strict=True)))
        self.continue_move = {label: i for i, (k, label) in moves if k == IN and label}
        self.close_move = {label: i for i, (k, label) in moves if k == LAST and label}

    def __call__(self, docs: list[Doc]) -> list[list[Entity]]:
        """The entities of each doc, as spaCy's NER would set them (`doc.ents`) on a doc without any."""
        if not docs:
            return []
        vectors = self.tok2vec.predict(docs)  # all tokens of all docs, concatenated
        features = self.lower.predict(vectors)  # (tokens + 1, 3, hidden, pieces); row 0 is the padding
        padding, tokens = features[0], features[1:]
        # With no entity open the features are (this token, padding, padding): every closed state at once.
        scores = self._scores(_maxout(tokens[:, 0] + padding[1] + padding[2] + self.bias))
        best_any = _masked_argmax(scores, self.closed_any).tolist()
        best_no_begin = _masked_argmax(scores, self.closed_no_begin).tolist()
        found, offset = [], 0
        for doc in docs:
            flags = doc.to_array([IS_SPACE, SENT_START])
            space = flags[:, 0].astype(bool).tolist()
            # B and I need a next token, and one that does not start a sentence.
            can_extend = [*(flags[1:, 1] != 1).tolist(), False]
            entities: list[Entity] = []
            start, label = -1, ""
            for i in range(len(doc)):
                if start < 0:
                    move = self.out if space[i] else (best_any if can_extend[i] else best_no_begin)[offset + i]
                    if self.kinds[move] == BEGIN:
                        start, label = i, self.labels[move]
                    elif self.kinds[move] == UNIT:
                        entities.append(Entity(i, i + 1, self.labels[move]))
                elif not can_extend[i] or self._closes(tokens, offset + start, offset + i, label):
                    entities.append(Entity(start, i + 1, label))
                    start, label = -1, ""
            found.append(entities)
            offset += len(doc)
        return found

    def _closes(self, tokens: np.ndarray, start: int, at: int, label: str) -> bool:
        """Inside an entity that may go on: `L-label` (close here) or `I-label` (continue), by score."""
        state = tokens[at, 0] + tokens[start, 1] + tokens[at - 1, 2] + self.bias
        row = self._scores(_maxout(state)[None, :])[0]
        close, keep = self.close_move[label], self.continue_move[label]
        if row[close] != row[keep]:
            return bool(row[close] > row[keep])
        return close < keep  # arg_max_if_valid keeps the first of equal scores

    def _scores(self, hidden: np.ndarray) -> np.ndarray:
        return self.ops.gemm(np.ascontiguousarray(hidden), self.weights, trans2=True) + self.output_bias


def _maxout(pieces: np.ndarray) -> np.ndarray:
    return pieces.max(axis=-1)


def _masked_argmax(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    return np.where(valid, scores, -np.inf).argmax(axis=1)
