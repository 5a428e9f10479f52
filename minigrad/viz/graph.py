"""Computation graphs as Graphviz diagrams: `draw(root)` returns a `graphviz.Digraph`.

Works for `Value` and `Tensor` graphs alike. Each value is a box showing its name
(the same ``n1``, ``n2``, ``L`` as the REPL's ``:step`` and ``:graph`` outline, see
`minigrad.viz.names`), data and gradient; each operation is a small ellipse between
its inputs and its result, as in micrograd, spelled out (``n3 - y``) where operand
order matters. Colours and flags: `minigrad.viz.graph_style`.

A box shows only gradients that the graph's own last backward pass wrote; one left
by another pass is marked stale, not coloured, and the picture says so.

Graphs larger than ``max_nodes`` boxes, or with a chain longer than ``max_depth``,
are collapsed: every module becomes one summary box with its parameter count and
gradient norm, then (if still too big) a layer's copies of one module fold into the
layer, and the inputs and operations outside modules are folded too. A drawn chain
longer than ``WRAP_AFTER`` boxes is wrapped into rows, so a deep network reads on a
screen instead of as one long strip.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterable

import graphviz

from ..autograd import is_node, topological_order
from ..health import largest, relative
from ..nn.functional import LossScope
from .graph_style import (FLAG_STYLES, FONT, NO_GRAD_FILL, RELATIVE_VANISHING, box_style, classify,  # noqa: F401
                          data_text, esc, esc_label, flag_words, grad_colour, grad_norm, grad_text, legend_html,
                          record)
from .layout import Plan, emit
from .modules import Modules, named_modules  # noqa: F401 - named_modules is part of this module's surface
from .names import NON_COMMUTATIVE, NodeNames, backward_passes, define, grad_state, is_tensor
from .term import fmt  # noqa: F401 - kept importable from here

DEFAULT_MAX_NODES = 150  # more boxes than this is hard to read and slow to lay out (seconds): collapse
DEFAULT_MAX_DEPTH = 40  # a chain longer than this many boxes (ops included) is metres wide in LR: fold modules
COLLAPSE_MODES = (None, "module", "all")
RANKDIRS = ("LR", "RL", "TB", "BT")
OP_TEXT_LIMIT = 32  # an ellipse spelling out its operands (n3 - y) longer than this shows the op alone
RELEASED_NOTE = ("This graph was freed by backward(): only what is drawn is left. "
                 "Call loss.backward(retain_graph=True) to keep the whole graph for drawing.")
NO_GRAD_NOTE = "No gradients yet: call backward() on the output to colour the graph by |grad|."
NO_BACKWARD_NOTE = ("backward() has not run on this graph: the gradients shown were left by another "
                    "backward() (marked stale, not coloured). Call backward() on this output to see its own.")
STALE_NOTE = ("{n} box(es) show a gradient left by another backward(), not this graph's last one "
              "(marked stale, not coloured).")


def walk(roots: Iterable[Any]) -> list:
    """Every node reachable from ``roots``, constants included, parents before children."""
    order = topological_order(list(roots), include_constants=True)
    order.reverse()
    return order


def _roots(root: Any) -> list:
    items = list(root) if isinstance(root, (list, tuple)) else [root]
    if not items:
        raise ValueError("draw: nothing to draw (an empty list of outputs)")
    for item in items:
        if not is_node(item) or not hasattr(item, "data"):
            raise TypeError(f"draw: expected a Value or Tensor (or a list of them), got {type(item).__name__}")
    return items


class Graph(graphviz.Digraph):
    """A `graphviz.Digraph` that renders with minigrad's renderer (Graphviz `dot` or graphviz-pure).

    Jupyter shows it inline (`_repr_svg_`, `_repr_png_`); ``save(path)`` writes PNG/SVG/PDF.
    ``info`` says what was drawn: node counts, collapse level and the gradient flags found.
    """

    info: dict

    def save(self, path: str, renderer: str | None = None) -> str:
        from .render import render

        return render(self, path, renderer=renderer)

    def _repr_svg_(self) -> str:
        from .render import render_bytes

        return render_bytes(self, "svg").decode("utf-8")

    def _repr_png_(self) -> bytes:
        from .render import render_bytes

        return render_bytes(self, "png")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict:
        return {"image/svg+xml": self._repr_svg_()}


def draw(root: Any, show_data: bool = True, show_grad: bool = True, collapse: str | None = None,
         max_nodes: int = DEFAULT_MAX_NODES, rankdir: str | None = None, model: Any = None,
         legend: bool = True, max_depth: int | None = DEFAULT_MAX_DEPTH, namespace: dict | None = None) -> Graph:
    """The computation graph that produced ``root`` (a Value, a Tensor, or a list of them) as a Digraph.

    ``collapse="module"`` draws each module as one summary box (parameter count and
    gradient norm); ``"all"`` also folds a layer's copies of a module into the layer
    and the inputs and ops outside modules. With ``collapse=None`` the graph is collapsed
    only when it has more than ``max_nodes`` boxes, or when its longest chain of boxes is
    longer than ``max_depth`` (None: no limit) and it has modules to fold. ``rankdir``
    None lays out left to right and wraps a long chain into rows; "LR", "TB", "RL" or
    "BT" force one direction. ``model`` (optional) names the clusters after its
    attributes (``layers.0``); ``namespace`` (a dict of variables) names nodes after them.
    """
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"draw: collapse must be one of {COLLAPSE_MODES}, got {collapse!r}")
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be 'LR', 'RL', 'TB' or 'BT' (or None: automatic), got {rankdir!r}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive integer, got {max_nodes!r}")
    if max_depth is not None and (not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 1):
        raise ValueError(f"draw: max_depth must be a positive integer or None, got {max_depth!r}")
    roots = _roots(root)
    nodes = walk(roots)
    names = NodeNames(roots, namespace, model)
    modules = Modules(nodes, model)
    passes = backward_passes(roots)
    states = {id(n): grad_state(n, passes) if show_grad else "none" for n in nodes}
    magnitudes = {id(n): grad_norm(n) if states[id(n)] != "none" else None for n in nodes}

    judge = _Judge(nodes, modules, magnitudes, states)

    ops = sum(1 for n in nodes if n.parents)
    detailed = len(nodes) + ops
    level = {None: 0, "module": 1, "all": 2}[collapse]
    depth = _depth(nodes)
    too_deep = max_depth is not None and depth > max_depth and bool(modules.module)
    if level == 0 and (detailed > max_nodes or too_deep):
        level = 1 if modules.module else 2
    builder = _Builder(roots, nodes, modules, names, judge, show_data, show_grad)
    builder.build(level)
    if level == 1 and builder.count > max_nodes and collapse != "module":
        level = 2
        builder = _Builder(roots, nodes, modules, names, judge, show_data, show_grad)
        builder.build(level)

    notes = []
    if any(n.released for n in nodes):
        notes.append(RELEASED_NOTE)
    stale = sum(1 for s in states.values() if s == "stale")
    if show_grad and not passes and stale:
        notes.append(NO_BACKWARD_NOTE)
    elif show_grad and stale:
        notes.append(STALE_NOTE.format(n=stale))
    elif show_grad and all(s == "none" for s in states.values()):
        notes.append(NO_GRAD_NOTE)
    folded = ""
    if level and collapse is None:
        why = f"more than max_nodes={max_nodes}" if detailed > max_nodes else \
            f"a chain {depth} boxes long, more than max_depth={max_depth}"
        folded = f"{detailed} boxes ({len(nodes)} values, {ops} ops) folded into {builder.count} ({why})"
        notes.append(folded)
    flags = Counter(judge.flag(n)[0] for n in nodes if states[id(n)] == "fresh")
    plan = builder.plan
    if legend and show_grad and (flags or stale):
        plan.legend = legend_html(stale=bool(stale))
    plan.title = "\\n".join(esc_label(n) for n in notes)
    g = Graph("minigrad")
    layout = emit(plan, g, rankdir)
    g.info = {"nodes": len(nodes), "ops": ops, "detailed": detailed, "boxes": builder.count,
              "collapse": (None, "module", "all")[level], "folded": folded, "flags": dict(flags),
              "stale": stale, "released": RELEASED_NOTE in notes, "layout": layout}
    return g


def _depth(nodes: list) -> int:
    """Boxes on the longest input-to-output chain, an op ellipse counting as one (nodes come parents first)."""
    depth: dict[int, int] = {}
    for n in nodes:
        depth[id(n)] = 1 + max((depth[id(p)] + 1 for p in n.parents), default=0)
    return max(depth.values(), default=0)


def op_text(node: Any, names: NodeNames) -> str:
    """The ellipse of an op: ``n3 - y`` where operand order matters (short enough), else the op with its
    parameters, e.g. ``sum(axis=1)``."""
    if node.op in NON_COMMUTATIVE and len(node.parents) == 2:
        spelled = define(node, [names[p] for p in node.parents])
        if len(spelled) <= OP_TEXT_LIMIT:
            return spelled
    return node.describe() or "?"


class _Judge:
    """Which flag a box gets: health.classify of its gradient, plus the relative rule for a model's layers.

    Within one model a layer (a module with parameters; a scalar Layer's neurons count as
    that one layer) whose parameters' gradient norm is below ``RELATIVE_VANISHING`` times
    the largest layer's is vanishing, however far above 1e-7 it is: its parameters (and its
    summary box) say so, with the ratio.
    """

    def __init__(self, nodes, modules, magnitudes, states):
        self.mag, self.states, self.modules = magnitudes, states, modules
        units: dict[int, list] = {}
        for m in list(modules.by_key.values()):
            params = modules.params.get(id(m), [])
            if params:
                units.setdefault(id(modules.folded(m)), []).extend(params)
        self.layer_norm: dict[int, float] = {}
        for unit, params in units.items():
            norm = self.norm(params)[0]
            if norm is not None:
                self.layer_norm[unit] = norm
        self.reference = largest(list(self.layer_norm.values())) if len(self.layer_norm) > 1 else None

    def norm(self, nodes: list) -> tuple[float | None, bool]:
        """The joint gradient norm of ``nodes`` and whether any of it is stale (then the norm is of those)."""
        stale = [n for n in nodes if self.states.get(id(n)) == "stale"]
        use = stale or [n for n in nodes if self.states.get(id(n)) == "fresh"]
        mags = [self.mag[id(n)] for n in use if self.mag.get(id(n)) is not None]
        if not mags:
            return None, False
        return math.sqrt(sum(m * m for m in mags)), bool(stale)

    def layer(self, m: Any) -> tuple[str | None, str]:
        """The flag of module ``m``'s parameters, and why when the relative rule for its layer gave it."""
        flag = classify(self.norm(self.modules.params.get(id(m), []))[0])
        unit = self.layer_norm.get(id(self.modules.folded(m)))
        ratio = relative(unit, self.reference)
        if flag == "ok" and classify(unit, self.reference) == "vanishing" and ratio is not None:
            return "vanishing", f"1/{1 / ratio:,.0f} of the largest layer's"
        return flag, ""

    def flag(self, n: Any) -> tuple[str | None, str]:
        """The flag of one value box (None for no gradient or a stale one) and the reason to print."""
        if self.states.get(id(n)) != "fresh":
            return None, ""
        flag = classify(self.mag.get(id(n)))
        owned = self.modules.owner.get(id(n))
        if flag == "ok" and owned is not None and self.reference is not None:
            layer_flag, reason = self.layer(owned[0])
            if reason:
                return layer_flag, reason
        return flag, ""


class _Builder:
    """Turns the walked nodes into a `Plan` (boxes, clusters, edges) for one collapse level (0, 1 or 2)."""

    def __init__(self, roots, nodes, modules, names, judge, show_data, show_grad):
        self.roots, self.nodes, self.modules, self.names = roots, nodes, modules, names
        self.judge, self.mag, self.states = judge, judge.mag, judge.states
        self.show_data, self.show_grad = show_data, show_grad
        self.plan = Plan()
        self.count = 0
        self.ids = {id(n): f"n{i}" for i, n in enumerate(nodes)}
        self.root_ids = {id(r) for r in roots}
        self._child_map: dict[int, list] | None = None

    def _fold_key(self, node: Any, level: int) -> str | None:
        """Which summary box (if any) a node is folded into at this level.

        A loss function's ops are always folded: the loss is one labelled box, as a fused op would be
        (its inner steps are in ``:step`` and the outline)."""
        if id(node) in self.root_ids:
            return None
        m = self.modules.group_of(node)
        if level == 0:
            return self.modules.key[id(m)] if isinstance(m, LossScope) else None
        if m is not None:
            return self.modules.key[id(self.modules.folded(m) if level == 2 else m)]
        if level == 2:
            return "inputs" if not node.parents else "ops"
        return None

    def build(self, level: int) -> None:
        members: dict[str, list] = {}
        key_of = {}
        for n in self.nodes:
            k = self._fold_key(n, level)
            key_of[id(n)] = k
            if k is not None:
                members.setdefault(k, []).append(n)
        # a root whose op and inputs all sit in one folded box hangs straight off that box (no lone op ellipse)
        self.absorbed = {id(r) for r in self.roots if r.parents and self._own_key(r, level) is not None
                         and all(key_of.get(id(p)) == self._own_key(r, level) for p in r.parents)}
        for n in self.nodes:
            if key_of[id(n)] is not None:
                continue
            m = self.modules.group_of(n) if level == 0 else None  # folded, what is left is drawn loose
            m = None if isinstance(m, LossScope) else m  # (a loss's own root: drawn beside the loss's box)
            cluster = self.modules.key[id(m)] if m is not None else None
            if cluster is not None and cluster not in self.plan.clusters:
                self.plan.clusters[cluster] = self.modules.names[id(m)]
            self._value_boxes(n, cluster)
        # summaries in the model's own order; siblings side by side keep that order in the picture
        for key in sorted(members, key=self.modules.rank):
            self.plan.add(key, None, **self._summary_box(key, members[key], key_of))
            parent = self.modules.parent.get(id(self.modules.by_key[key])) if key in self.modules.by_key else None
            if parent is not None:
                self.plan.siblings.setdefault(id(parent), []).append(key)
        self.count = len(self.plan.boxes)
        self._edges(key_of)

    def _own_key(self, node: Any, level: int) -> str | None:
        m = self.modules.group_of(node)
        if m is None or (level == 0 and not isinstance(m, LossScope)):
            return None
        return self.modules.key[id(self.modules.folded(m) if level == 2 else m)]

    def _value_boxes(self, n: Any, cluster: str | None) -> None:
        node_id = self.ids[id(n)]
        state = self.states[id(n)]
        mag = self.mag.get(id(n))
        stale = state == "stale"
        fields = [self.names[n]]
        if is_tensor(n):
            fields.append(f"shape {tuple(n.shape)}")
        if self.show_data:
            fields.append(data_text(n))
        flag, reason = self.judge.flag(n) if self.show_grad else (None, "")
        if self.show_grad:
            fields.append(grad_text(n, mag, stale))
            fields.extend(flag_words(flag, reason))
        style = ["filled"]
        if not n.parents:
            # a Tensor says whether it is trained; every Value gets a gradient, so for Values only
            # belonging to a model's parameters makes a parameter (not Value.requires_grad, always True)
            trainable = getattr(n, "requires_grad", None) if is_tensor(n) else None
            if trainable is False:
                style.append("dashed")  # a constant: the input batch, targets
            elif trainable or id(n) in self.modules.owner:
                style.append("bold")  # a parameter
        attrs = {"shape": "record", "style": ",".join(style),
                 **box_style(flag, mag, stale=stale and self.show_grad)}
        if "bold" in style and attrs["penwidth"] == "1":
            attrs["penwidth"] = "2"
        # scalars read as one row (micrograd's look), tensors as a narrower stack of lines
        self.plan.add(node_id, cluster, fields=[esc(f) for f in fields], stacked=is_tensor(n), **attrs)
        if n.parents and id(n) not in self.absorbed:
            self.plan.add(node_id + "_op", cluster, shape="ellipse", label=op_text(n, self.names), fontsize="10",
                          height="0.3", margin="0.04,0.02")

    def _summary_box(self, key: str, group: list, key_of: dict) -> dict:
        """One box standing for a module (or for the inputs / the loose ops): size and gradient norm."""
        if key == "inputs":
            title, params = f"inputs ({len(group)} values)", []
        elif key == "ops":
            title, params = f"operations outside modules ({len(group)} nodes)", []
        else:
            m = self.modules.by_key[key]
            title, params = self.modules.names[id(m)], self.modules.params.get(id(m), [])
        lines = [title]
        mag, stale, flag, reason = None, False, None, ""
        if params:
            count = sum(getattr(p, "size", 1) for p in params)
            lines.append(f"{count:,} parameters")
            mag, stale = self.judge.norm(params) if self.show_grad else (None, False)
            if mag is not None:
                lines.append(f"||grad|| params {fmt(mag)}" + (" (stale)" if stale else ""))
                flag, reason = self.judge.layer(self.modules.by_key[key]) if not stale else (None, "")
        if mag is None and self.show_grad and key != "inputs":  # judge by the gradient leaving its outputs
            # (not for the inputs: data and constants are not trained, their gradient says little)
            outs = [n for n in group if any(key_of.get(id(c)) != key for c in self._children(n))]
            mag, stale = self.judge.norm(outs or group)
            if mag is not None:
                lines.append(f"||grad|| out {fmt(mag)}" + (" (stale)" if stale else ""))
                flag = classify(mag) if not stale else None
        shapes = {tuple(n.shape) for n in group if is_tensor(n) and any(
            key_of.get(id(c)) != key for c in self._children(n))}
        if len(shapes) == 1:
            lines.append(f"out {shapes.pop()}")
        lines.extend(flag_words(flag, reason))
        return {"fields": [esc(x) for x in lines], "stacked": True, "shape": "Mrecord", "style": "filled,bold",
                **box_style(flag, mag, stale=stale)}

    def _children(self, node: Any) -> list:
        if self._child_map is None:
            cm: dict[int, list] = {}
            for n in self.nodes:
                for p in n.parents:
                    cm.setdefault(id(p), []).append(n)
            self._child_map = cm
        return self._child_map.get(id(node), [])

    def _edges(self, key_of: dict) -> None:
        seen: set[tuple[str, str]] = set()
        for n in self.nodes:
            if not n.parents:
                continue
            k = key_of[id(n)]
            if k is None and id(n) in self.absorbed:
                src = key_of[id(n.parents[0])]
                self.plan.edge(src, self.ids[id(n)])
            elif k is None:
                op = self.ids[id(n)] + "_op"
                self.plan.edge(op, self.ids[id(n)])
                for p in n.parents:  # one arrow per use: `a + a` shows two
                    self.plan.edge(key_of[id(p)] or self.ids[id(p)], op)
            else:
                for p in n.parents:
                    src = key_of[id(p)] or self.ids[id(p)]
                    if src != k and (src, k) not in seen:  # one arrow between two boxes is enough
                        seen.add((src, k))
                        self.plan.edge(src, k)
