"""Laying out a graph picture: direction, rows for long chains, and the order of side-by-side boxes.

`viz.graph` decides *what* to draw (a `Plan`: boxes, clusters, edges); this module
decides *where*, then writes the DOT statements. Graphviz lays a chain out in one
line, so a 12-layer network is a strip metres wide. A chain wider than
``WRAP_WIDTH`` pixels (estimated from its boxes' text) is cut into rows read like
text (left to right, then the next row), each row starting under the previous one,
about as many rows as make the picture screen-shaped; where boxes sit in clusters
(which rows would cut through) a chain longer than ``WRAP_AFTER`` boxes turns top to
bottom instead. Boxes that are copies side by side (a layer's neurons) are kept in the
model's order, which Graphviz would otherwise shuffle to shorten edges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .graph_style import FONT, record

WRAP_WIDTH = 2400  # px: a wider chain is wrapped into rows when rankdir is automatic (about a screen's width)
WRAP_AFTER = 24  # boxes: a longer chain in clusters is laid out top to bottom when rankdir is automatic
CHAR_PX, LINE_PX, PAD_PX, GAP_PX = 8.6, 24, 22, 50  # 11 pt Helvetica in a PNG: a character, a line; margins, gaps
SCREEN = 1.2  # estimated width / height to aim at: the pictures come out about 16:9 (rows need room between them)


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


def _width(box: dict) -> float:
    """Estimated width in pixels of a box laid out left to right (stacked records: their widest line)."""
    if "fields" in box:
        sizes = [len(f.replace("\\", "")) * CHAR_PX + PAD_PX for f in box["fields"]]
        return max(sizes) if box["stacked"] else sum(sizes)
    return len(str(box.get("label", ""))) * CHAR_PX * 0.9 + PAD_PX


def _height(box: dict) -> float:
    """Estimated height in pixels of a box laid out left to right."""
    if "fields" in box:
        return (len(box["fields"]) if box["stacked"] else 1) * LINE_PX + PAD_PX
    return LINE_PX + PAD_PX


def extent(plan: Plan, height: dict[str, int]) -> tuple[float, float]:
    """Estimated (width, height) in pixels of the picture laid out left to right in one strip."""
    children: dict[str, list[str]] = {b: [] for b in plan.boxes}
    for tail, head in plan.edges:
        children[tail].append(head)
    widest: dict[str, float] = {}
    for b in sorted(plan.boxes, key=height.get):  # outputs first: children are done before their parents
        widest[b] = _width(plan.boxes[b]) + max((GAP_PX + widest[c] for c in children[b]), default=0.0)
    column: dict[int, float] = {}  # boxes stacked at one place of the chain (a layer's neurons, side inputs)
    for b, h in height.items():
        column[h] = column.get(h, -GAP_PX / 2) + _height(plan.boxes[b]) + GAP_PX / 2
    return max(widest.values(), default=0.0), max(column.values(), default=0.0)


def emit(plan: Plan, g: Any, rankdir: str | None) -> str:
    """Write ``plan`` into the Digraph ``g``; returns how it was laid out ("LR", "TB", "4 rows of ...")."""
    height = _heights(plan)
    chain = max(height.values(), default=0)
    width, tall = extent(plan, height) if rankdir is None and not plan.clusters else (0.0, 1.0)
    # r rows of width w/r, each as tall as the strip, make a screen-shaped picture when r² = w / (SCREEN h)
    n_rows = min(round(math.sqrt(width / (SCREEN * tall))), max(chain // 3, 1)) if width > WRAP_WIDTH else 1
    wrap = n_rows > 1
    direction = rankdir or ("TB" if plan.clusters and chain > WRAP_AFTER else "LR")
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
    per_row = math.ceil(chain / n_rows) if wrap else chain + 1
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
