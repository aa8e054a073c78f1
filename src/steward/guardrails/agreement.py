"""Inter-rater agreement of the review queue: Cohen's κ over the items that got two labels.

Under the two-person rule (`reviewers: 2`) every item gets a first label and a second, blind one by a different
reviewer (`steward.guardrails.review`), each `approve` or `reject`. Agreement compares the first label with the
second over the items that have both (the raters are the two positions, whoever filled them), with
scikit-learn's `cohen_kappa_score` on the two classes: overall, per app and per policy, and per pair of reviewers
that labelled at least `MIN_PAIR_ITEMS` items together (there each reviewer is a rater, the pair ordered by
identity). Each figure comes with its count of items, the observed agreement (the share of items whose labels
match) and the four cells of the table; κ is `None` with a reason (`undefined`) when there are fewer than
`MIN_ITEMS` items, or when every label of both positions is the same class (chance agreement is then 1 and κ is
0/0). Who may read it is the review list's rule: a reader of the queue (admin, developer, auditor) of its own
team, and only the apps its key is for; the local operator reads every team.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from steward.store import Label, Store
from steward.types import Principal

CLASSES = ("approve", "reject")
MIN_ITEMS = 5  # fewer items than this with two labels: κ is undefined (too few items)
MIN_PAIR_ITEMS = 5  # a pair of reviewers is shown once they labelled this many items together


def load_scorer() -> None:
    """Import scikit-learn's κ now (a server's start-up): imported on a first review page instead, it made that
    request 180 ms slower on the 1M-record store (0.2-1.2 s on this VM, by its load)."""
    import sklearn.metrics  # noqa: F401


def summary(first: list[str], second: list[str]) -> dict[str, Any]:
    """κ of two aligned label lists, with the count, the observed agreement, the table and why κ is undefined."""
    from sklearn.metrics import cohen_kappa_score

    n = len(first)
    agreed = sum(a == b for a, b in zip(first, second, strict=True))
    table = {
        f"{a}/{b}": sum(x == a and y == b for x, y in zip(first, second, strict=True))
        for a in CLASSES
        for b in CLASSES
    }
    out: dict[str, Any] = {
        "items": n,
        "agreed": agreed,
        "observed_agreement": agreed / n if n else None,
        "kappa": None,
        "undefined": None,
        "table": table,
    }
    if n < MIN_ITEMS:
        out["undefined"] = f"too few items: {n} with two labels, κ needs at least {MIN_ITEMS}"
    elif len(set(first) | set(second)) < 2:
        out["undefined"] = f"a single class: every label is {first[0]}, so chance agreement is 1 and κ is 0/0"
    else:
        kappa = float(cohen_kappa_score(first, second, labels=list(CLASSES)))
        if math.isnan(kappa):  # chance agreement of 1 by another road; kept as the reason says
            out["undefined"] = "chance agreement is 1, so κ is 0/0"
        else:
            out["kappa"] = kappa
    return out


def _grouped(pairs: Iterable[tuple[Label, Label]], key: str) -> list[dict[str, Any]]:
    groups: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for first, second in pairs:
        name = getattr(first, key)
        if name is None:
            name = "(none)"
        groups[name][0].append(first.label)
        groups[name][1].append(second.label)
    return [{key: name, **summary(*groups[name])} for name in sorted(groups)]


def _by_pair(pairs: Iterable[tuple[Label, Label]]) -> list[dict[str, Any]]:
    """Per pair of reviewers with at least `MIN_PAIR_ITEMS` common items: each reviewer's labels as a rater."""
    shown: dict[str, str] = {}
    groups: dict[tuple[str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for first, second in pairs:
        shown[first.by_id], shown[second.by_id] = first.by, second.by
        a, b = sorted((first, second), key=lambda label: label.by_id)
        groups[(a.by_id, b.by_id)][0].append(a.label)
        groups[(a.by_id, b.by_id)][1].append(b.label)
    return [
        {"reviewers": [shown[a], shown[b]], **summary(*groups[(a, b)])}
        for (a, b) in sorted(groups)
        if len(groups[(a, b)][0]) >= MIN_PAIR_ITEMS
    ]


def agreement(
    store: Store,
    principal: Principal,
    apps: tuple[str, ...] | None = None,
    since: float | None = None,
    until: float | None = None,
) -> dict[str, Any]:
    """Cohen's κ of the first against the second label of `principal`'s team's items with two labels (of these
    apps, second label given in [since, until)): overall, per app, per policy and per pair of reviewers."""
    from steward.guardrails.review import check

    check(principal, "read")
    team = None if principal.key_id is None else principal.team
    if principal.apps:  # a key scoped to some apps of its team counts only theirs
        apps = tuple(a for a in (apps or principal.apps) if principal.may_use(a))
    pairs = store.reviews.label_pairs(team, apps, since, until)
    firsts, seconds = [p[0].label for p in pairs], [p[1].label for p in pairs]
    return {
        "min_items": MIN_ITEMS,
        "min_pair_items": MIN_PAIR_ITEMS,
        "since": since,
        "until": until,
        "overall": summary(firsts, seconds),
        "disagreements": sum(a != b for a, b in zip(firsts, seconds, strict=True)),
        "by_app": _grouped(pairs, "app"),
        "by_policy": _grouped(pairs, "policy"),
        "by_pair": _by_pair(pairs),
    }
