"""The lineage graph laid out for an SVG the template draws: dataset → training run → model → eval run →
deployment, left to right, no script and nothing fetched.

`layout` takes `management.registry.lineage_of`'s answer (edges between readable labels) and places each node in
a column by its longest path from a source (a cycle, which lineage should never hold, is cut), rows in order of
appearance. It returns numbers and the labels as text; the template escapes them, so a label is never markup.
"""

from __future__ import annotations

from typing import Any

COLUMN, ROW = 250, 56
BOX_W, BOX_H = 220, 36
MARGIN = 12
SHORT = 30  # characters of a label shown in its box; the whole label is its <title>


def _short(label: str) -> str:
    return label if len(label) <= SHORT else label[: SHORT - 1] + "…"


def layout(lineage: dict[str, Any]) -> dict[str, Any]:
    """Boxes (`x`, `y`, `label`, `short`, `focus`) and arrows (`x1`…`y2`, `relation`) with the drawing's size."""
    edges = [(e["parent"], e["child"], e["relation"]) for e in lineage["upstream"] + lineage["downstream"]]
    edges = list(dict.fromkeys(edges))
    names = list(dict.fromkeys([lineage["node"], *(n for p, c, _ in edges for n in (p, c))]))
    column = dict.fromkeys(names, 0)
    for _ in range(len(names)):  # longest path from a source; at most len(names) rounds, which also cuts a cycle
        moved = False
        for parent, child, _ in edges:
            if column[child] < column[parent] + 1 <= len(names):
                column[child], moved = column[parent] + 1, True
        if not moved:
            break
    rows: dict[int, int] = {}
    place: dict[str, tuple[int, int]] = {}
    for name in names:
        col = column[name]
        place[name] = (MARGIN + col * COLUMN, MARGIN + rows.get(col, 0) * ROW)
        rows[col] = rows.get(col, 0) + 1
    boxes = [
        {"x": x, "y": y, "label": n, "short": _short(n), "focus": n == lineage["node"]}
        for n, (x, y) in place.items()
    ]
    arrows = []
    for parent, child, relation in edges:
        (px, py), (cx, cy) = place[parent], place[child]
        arrows.append(
            {"x1": px + BOX_W, "y1": py + BOX_H // 2, "x2": cx, "y2": cy + BOX_H // 2, "relation": relation}
        )
    width = MARGIN * 2 + (max(column.values()) * COLUMN) + BOX_W
    height = MARGIN * 2 + (max(rows.values()) - 1) * ROW + BOX_H
    return {"boxes": boxes, "arrows": arrows, "width": width, "height": height, "box_w": BOX_W, "box_h": BOX_H}
