"""Laying out a graph picture: direction, rows for long chains, and the order of side-by-side boxes.

`viz.graph` decides *what* to draw (a `Plan`: boxes, clusters, edges); this module
decides *where*, then writes the DOT statements. Graphviz lays a chain out in one
line, so a 12-layer network is a strip metres wide; a chain longer than
``WRAP_AFTER`` boxes is cut into rows read like text (left to right, then the next
row), each row starting under the previous one; where boxes sit in clusters (which
rows would cut through) the picture turns top to bottom instead. Boxes that are copies side by side (a
layer's neurons) are kept in the model's order, which Graphviz would otherwise shuffle
to shorten edges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .graph_style import FONT, record

WRAP_AFTER = 24  # a longer chain of drawn boxes (ops included) is wrapped into rows when rankdir is automatic
ROW_SHAPE = 0.8  # boxes per row ~ sqrt(ROW_SHAPE * chain): about as wide as tall on a screen


@dataclass
class Plan:
    """What to draw: boxes (id -> attributes, a record's ``fields`` unjoined), clusters, edges."""

    boxes: dict[str, dict] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)  # cluster key -> its label
    edges: list[tuple[str, str]] = field(default_factory=list)
    siblings: dict[int, list[str]] = field(default_factory=dict)  # copies side by side, in model order
    legend: str | None = None
    title: str = ""

    def add(self, box_id: str, cluster: str | None, **attrs: Any) -> None:
        self.boxes[box_id] = {"cluster": cluster, **attrs}

    def edge(self, tail: str, head: str) -> None:
        self.edges.append((tail, head))


def _heights(plan: Plan) -> dict[str, int]:
    """Boxes on the longest path from each box to an output, the box itself included (iterative)."""
    children: dict[str, list[str]] = {b: [] for b in plan.boxes}
    indegree = dict.fromkeys(plan.boxes, 0)
    for tail, head in plan.edges:
        children[tail].append(head)
        indegree[head] += 1
    order = [b for b, d in indegree.items() if d == 0]
    for b in order:  # Kahn's algorithm: order grows while we walk it
        for c in children[b]:
            indegree[c] -= 1
            if indegree[c] == 0:
                order.append(c)
    height: dict[str, int] = {}
    for b in reversed(order):
        height[b] = 1 + max((height[c] for c in children[b]), default=0)
    return height


def emit(plan: Plan, g: Any, rankdir: str | None) -> str:
    """Write ``plan`` into the Digraph ``g``; returns how it was laid out ("LR", "TB", "4 rows of ...")."""
    height = _heights(plan)
    chain = max(height.values(), default=0)
    wrap = rankdir is None and chain > WRAP_AFTER and not plan.clusters
    direction = rankdir or ("TB" if chain > WRAP_AFTER and not wrap else "LR")
    g.attr("graph", rankdir=direction, fontname=FONT, nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", color="#555555", arrowsize="0.7")
    if plan.title:
        g.attr("graph", label=plan.title, labelloc="t", labeljust="l", fontsize="14", fontcolor="#b2182b")

    def statement(box_id: str, target: Any) -> None:
        box = plan.boxes[box_id]
        attrs = {k: v for k, v in box.items() if k not in ("cluster", "fields", "stacked")}
        if "fields" in box:
            attrs["label"] = record(" | ".join(box["fields"]) or " ", box["stacked"], direction)
        target.node(box_id, **attrs)

    for key, label in plan.clusters.items():
        with g.subgraph(name=f"cluster_{key}") as c:
            c.attr(label=label, style="rounded,filled", fillcolor="#f7f7f7", color="#999999", fontname=FONT,
                   fontsize="11")
            for box_id, box in plan.boxes.items():
                if box["cluster"] == key:
                    statement(box_id, c)
    for box_id, box in plan.boxes.items():
        if box["cluster"] is None:
            statement(box_id, g)
    position = {b: chain - h for b, h in height.items()}  # as late as possible: side inputs sit by their use
    per_row = min(max(round(math.sqrt(ROW_SHAPE * chain)), 4), 12) if wrap else chain + 1
    row = {b: p // per_row for b, p in position.items()}
    for tail, head in plan.edges:
        if row[tail] == row[head]:
            g.edge(tail, head)
        else:  # the jump back to the start of the next row: drawn, but it does not push the row to the right
            g.edge(tail, head, constraint="false")
    layout = direction
    if wrap:
        rows = sorted(set(row.values()))
        # each row starts under the previous one: an invisible anchor lists the rows' first boxes in order
        # (rows are chains left to right; no rank=same rows, whose flat edges graphviz-pure cannot route)
        heads = [max((b for b in plan.boxes if row[b] == r and position[b] == r * per_row), key=height.get,
                     default=min((b for b in plan.boxes if row[b] == r), key=position.get)) for r in rows]
        _anchor(g, "rows", heads)
        layout = f"{len(rows)} rows of up to {per_row} boxes"
    _keep_sibling_order(plan, g, position)
    if plan.legend:
        g.node("legend", label=plan.legend, shape="plaintext", fontsize="10")
    return layout


def _anchor(g: Any, name: str, boxes: list[str]) -> None:
    """An invisible node whose out-edges list ``boxes``: Graphviz keeps them in this order (``ordering=out``)."""
    g.node(f"order_{name}", label="", style="invis", width="0", height="0", fixedsize="true", ordering="out")
    for b in boxes:
        g.edge(f"order_{name}", b, style="invis")


def _keep_sibling_order(plan: Plan, g: Any, position: dict[str, int]) -> None:
    """Copies side by side (same parent, same place in the chain) stay in model order.

    An invisible anchor lists them; invisible edges between the copies themselves
    (the usual trick) would do it in ``dot`` but make graphviz-pure give up ("lost edge").
    """
    for n, keys in enumerate(plan.siblings.values()):
        by_place: dict[int, list[str]] = {}
        for k in keys:
            by_place.setdefault(position.get(k, -1), []).append(k)
        for m, group in enumerate(by_place.values()):
            if len(group) > 1:
                _anchor(g, f"{n}_{m}", group)
