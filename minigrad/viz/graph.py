"""Computation graphs as Graphviz diagrams: `draw(root)` returns a `graphviz.Digraph`.

Works for `Value` and `Tensor` graphs alike: both keep the node protocol
(`minigrad.autograd.Node`: ``parents``, ``op``, ``describe()``, ``grad``, ``label`` and
the Module whose forward made them, ``scope``) and hold ``data``. Each value is a box
showing its name, data and gradient; each operation is a small ellipse between its
inputs and its result, as in micrograd.

Colour encodes the size of the gradient, ``|grad|`` for a scalar and the L2 norm
``‖grad‖`` for a tensor, on a log scale from 1e-7 (cool) to 1e3 (warm). Gradients
below 1e-7 (vanishing), above 1e3 (exploding) or not finite (nan/inf) get their own
loud styles and a word in the box, so the learner sees them without reading numbers.

Graphs larger than ``max_nodes`` are collapsed: every module becomes one summary
box with its parameter count and gradient norm, then (if still too big) the inputs
and the operations outside modules are folded too.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterable

import graphviz
import numpy as np

from ..autograd import is_node, topological_order
from ..backend import to_numpy
from ..health import EXPLODING, VANISHING, classify, grad_norm  # one judge of gradients for every view
from .term import fmt

DEFAULT_MAX_NODES = 150  # more boxes than this is hard to read and slow to lay out (seconds): collapse
DEFAULT_MAX_DEPTH = 40  # a chain longer than this many boxes (ops included) is metres wide in LR: fold modules
COLLAPSE_MODES = (None, "module", "all")

FONT = "Helvetica"
# colour stops of the |grad| ramp, position 0 = 1e-7 ... 1 = 1e3 (log10 scale)
_RAMP = ((0.0, (0x9E, 0xCA, 0xE1)), (0.35, (0xA1, 0xD9, 0x9B)), (0.7, (0xFF, 0xF3, 0x8A)), (1.0, (0xFD, 0x8D, 0x3C)))
# node style per gradient flag: fill, border colour, border width, font colour, the word shown in the box
FLAG_STYLES = {
    # exactly 0 is not "small": nothing reached the node (a dead ReLU, a factor that was 0, an unused input)
    "zero": ("#d9d9d9", "#525252", "2", "#252525", "ZERO GRAD"),
    "vanishing": ("#eeeeee", "#2166ac", "3", "#2166ac", "VANISHING"),
    "exploding": ("#e31a1c", "#67000d", "3", "#ffffff", "EXPLODING"),
    "non-finite": ("#000000", "#e31a1c", "3", "#ffffff", "NOT FINITE"),
}
NO_GRAD_FILL = "#ffffff"
RELEASED_NOTE = ("This graph was freed by backward(): only what is drawn is left. "
                 "Call loss.backward(retain_graph=True) to keep the whole graph for drawing.")
NO_GRAD_NOTE = "No gradients yet: call backward() on the output to colour the graph by |grad|."


# -- gradient magnitude and its colour -------------------------------------------------------
def grad_colour(magnitude: float) -> str:
    """Hex fill colour for a healthy gradient size: log10 position between 1e-7 and 1e3 on the ramp."""
    lo, hi = math.log10(VANISHING), math.log10(EXPLODING)
    t = (math.log10(max(magnitude, VANISHING)) - lo) / (hi - lo)
    t = min(max(t, 0.0), 1.0)
    for (t0, c0), (t1, c1) in zip(_RAMP, _RAMP[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return "#" + "".join(f"{round(a + (b - a) * f):02x}" for a, b in zip(c0, c1))
    return "#" + "".join(f"{c:02x}" for c in _RAMP[-1][1])  # pragma: no cover - t is clamped to 1


def _style(magnitude: float | None) -> dict[str, str]:
    """Graphviz attributes (fill, border, font colour) for a box with this gradient size."""
    flag = classify(magnitude)
    if flag in FLAG_STYLES:
        fill, border, width, font, _ = FLAG_STYLES[flag]
        return {"fillcolor": fill, "color": border, "penwidth": width, "fontcolor": font}
    if flag == "ok":
        return {"fillcolor": grad_colour(magnitude), "color": "#444444", "penwidth": "1", "fontcolor": "#000000"}
    return {"fillcolor": NO_GRAD_FILL, "color": "#444444", "penwidth": "1", "fontcolor": "#000000"}


# -- text --------------------------------------------------------------------------------------
def _esc(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _is_tensor(node: Any) -> bool:
    return not isinstance(node.data, (int, float))


def _data_text(node: Any) -> str:
    if not _is_tensor(node):
        return f"data {fmt(node.data)}"
    arr = to_numpy(node.data)
    if arr.size == 0:
        return "data (empty)"
    if arr.dtype.kind not in "fiub":
        return f"data {arr.dtype}"
    flat = arr.astype(np.float64).ravel()
    if arr.ndim == 0:
        return f"data {fmt(float(flat[0]))}"
    if flat.size <= 3:
        return "data [" + ", ".join(fmt(v) for v in flat) + "]"
    return f"mean {fmt(float(flat.mean()))} std {fmt(float(flat.std()))}"


def _grad_text(node: Any, magnitude: float | None) -> str:
    if magnitude is None:
        return "grad -"
    if not _is_tensor(node):
        return f"grad {fmt(float(node.grad))}"
    g = node.grad
    if getattr(g, "size", 2) == 1:
        return f"grad {fmt(float(g.item()))}"
    return f"||grad|| {fmt(magnitude)}"


def _op_text(node: Any) -> str:
    return node.describe() or "?"  # the op with its non-default parameters, e.g. "sum(axis=1)"


# -- walking the graph ---------------------------------------------------------------------------
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


class _Modules:
    """Which module each node belongs to, the modules' names and their own parameters."""

    def __init__(self, nodes: list, model: Any = None):
        self.names: dict[int, str] = {}
        self.module: dict[int, Any] = {}  # id(module) -> module
        self.key: dict[int, str] = {}  # id(module) -> "m0", "m1", ... in order from the input side
        self.params: dict[int, list] = {}  # id(module) -> its own parameters
        self.owner: dict[int, tuple] = {}  # id(parameter) -> (owning module, parameter name)
        found: list = []
        for node in nodes:  # parents first: modules are numbered from the input side
            m = getattr(node, "scope", None)
            if m is not None and id(m) not in self.module:
                self.module[id(m)] = m
                self.key[id(m)] = f"m{len(found)}"
                found.append(m)
        self.by_key = {self.key[id(m)]: m for m in found}
        self.order: dict[int, int] = {}  # id(module) -> position in the model (for a stable picture)
        if model is not None:
            for i, (name, m) in enumerate(named_modules(model)):
                self.order[id(m)] = i
                if id(m) in self.module:
                    self.names[id(m)] = f"{name or 'model'}: {_short_repr(m)}"
        reprs = Counter(_short_repr(m) for m in found)
        seen: Counter = Counter()
        for m in found:
            if id(m) not in self.names:
                text = _short_repr(m)
                seen[text] += 1
                self.names[id(m)] = f"{text} #{seen[text]}" if reprs[text] > 1 else text
        # the biggest modules first, so a parameter ends up owned by the smallest module that holds it
        for m in sorted(found, key=lambda m: -len(_own_parameters(m))):
            own = _own_parameters(m)
            self.params[id(m)] = [p for _, p in own]
            for name, p in own:
                self.owner[id(p)] = (m, name)

    def rank(self, key: str) -> tuple:
        """Sort key of a summary box: model order, then order of appearance; inputs first, loose ops last."""
        if key in ("inputs", "ops"):
            return (-1 if key == "inputs" else 1 << 30, 0)
        m = self.by_key[key]
        return (self.order.get(id(m), len(self.order)), int(key[1:]))

    def group_of(self, node: Any) -> Any:
        """The module a node belongs to: its owner for a parameter, else the module whose forward made it."""
        owned = self.owner.get(id(node))
        if owned is not None:
            return owned[0]
        return getattr(node, "scope", None)


def _own_parameters(m: Any) -> list[tuple[str, Any]]:
    """``(name, parameter)`` pairs of a module, without those of its sub-modules where that can be told."""
    named = getattr(m, "named_parameters", None)
    if callable(named):  # minigrad.nn.Module: dotted names belong to children
        return [(n, p) for n, p in named() if "." not in n]
    params = getattr(m, "parameters", None)
    return [("", p) for p in params()] if callable(params) else []


def _module_like(x: Any) -> bool:
    return callable(getattr(x, "parameters", None)) and not is_node(x)


def named_modules(model: Any) -> list[tuple[str, Any]]:
    """``(dotted name, module)`` for a model and everything below it (nn.Module or micrograd-style objects)."""
    if callable(getattr(model, "named_modules", None)):
        return list(model.named_modules())
    out: list = []
    seen: set[int] = set()
    stack = [("", model)]
    while stack:
        name, m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        out.append((name, m))
        kids = []
        for attr, value in vars(m).items() if hasattr(m, "__dict__") else ():
            if _module_like(value):
                kids.append((attr, value))
            elif isinstance(value, (list, tuple)):
                kids.extend((f"{attr}.{i}", v) for i, v in enumerate(value) if _module_like(v))
        stack.extend((f"{name}.{n}" if name else n, k) for n, k in reversed(kids))
    return out


def _short_repr(m: Any) -> str:
    text = repr(m).split("\n")[0].split("  #")[0].strip()
    return text if len(text) <= 40 and not text.endswith("(") else type(m).__name__


# -- the picture ------------------------------------------------------------------------------------
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
         max_nodes: int = DEFAULT_MAX_NODES, rankdir: str = "LR", model: Any = None,
         legend: bool = True, max_depth: int = DEFAULT_MAX_DEPTH) -> Graph:
    """The computation graph that produced ``root`` (a Value, a Tensor, or a list of them) as a Digraph.

    ``collapse="module"`` draws each module as one summary box (parameter count and
    gradient norm); ``"all"`` also folds the inputs and the ops outside modules. With
    ``collapse=None`` the graph is collapsed only when it has more than ``max_nodes``
    boxes, or when its longest chain of boxes is longer than ``max_depth`` and it has
    modules to fold (a 20-layer net is a strip too long to read). ``model`` (optional)
    names the clusters after its attributes (``layers.0``).
    """
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"draw: collapse must be one of {COLLAPSE_MODES}, got {collapse!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive integer, got {max_nodes!r}")
    roots = _roots(root)
    nodes = walk(roots)
    modules = _Modules(nodes, model)
    magnitudes = {id(n): grad_norm(n) for n in nodes} if show_grad else {}
    # a Value graph before backward has grad 0 everywhere: that is "no gradient yet", not "vanishing"
    if show_grad and all(not _is_tensor(r) and r.grad == 0 for r in roots):
        magnitudes = {id(n): None for n in nodes}

    detailed = len(nodes) + sum(1 for n in nodes if n.parents)
    level = {None: 0, "module": 1, "all": 2}[collapse]
    depth = _depth(nodes)
    too_deep = depth > max_depth and bool(modules.module)
    if level == 0 and (detailed > max_nodes or too_deep):
        level = 1 if modules.module else 2
    builder = _Builder(roots, nodes, modules, magnitudes, show_data, show_grad, rankdir)
    builder.build(level)
    if level == 1 and builder.count > max_nodes and collapse != "module":
        level = 2
        builder = _Builder(roots, nodes, modules, magnitudes, show_data, show_grad, rankdir)
        builder.build(level)

    notes = []
    if any(n.released for n in nodes):
        notes.append(RELEASED_NOTE)
    if show_grad and all(m is None for m in magnitudes.values()):
        notes.append(NO_GRAD_NOTE)
    if level and collapse is None:
        why = f"more than max_nodes={max_nodes}" if detailed > max_nodes else \
            f"a chain {depth} boxes long, more than max_depth={max_depth}"
        notes.append(f"{detailed} boxes folded into {builder.count} ({why})")
    flags = Counter(classify(m) for m in magnitudes.values() if m is not None)
    if legend and show_grad and flags:
        builder.add_legend()
    g = builder.graph
    if notes:
        g.attr(label="\\n".join(_esc_label(n) for n in notes), labelloc="t", labeljust="l", fontsize="14",
               fontcolor="#b2182b")
    g.info = {"nodes": len(nodes), "boxes": builder.count, "collapse": (None, "module", "all")[level],
              "flags": dict(flags), "released": RELEASED_NOTE in notes}
    return g


def _depth(nodes: list) -> int:
    """Boxes on the longest input-to-output chain, an op ellipse counting as one (nodes come parents first)."""
    depth: dict[int, int] = {}
    for n in nodes:
        depth[id(n)] = 1 + max((depth[id(p)] + 1 for p in n.parents), default=0)
    return max(depth.values(), default=0)


def _record(body: str, stacked: bool, rankdir: str) -> str:
    """A record label whose fields are stacked or in a row (braces flip the direction, per rankdir)."""
    sideways = rankdir in ("LR", "RL")
    return "{ " + body + " }" if stacked != sideways else body


def _esc_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _Builder:
    """Turns the walked nodes into Graphviz statements for one collapse level (0, 1 or 2)."""

    def __init__(self, roots, nodes, modules, magnitudes, show_data, show_grad, rankdir):
        self.roots, self.nodes, self.modules, self.mag = roots, nodes, modules, magnitudes
        self.show_data, self.show_grad, self.rankdir = show_data, show_grad, rankdir
        self.graph = Graph("minigrad", graph_attr={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.25",
                                                   "ranksep": "0.35"},
                           node_attr={"fontname": FONT, "fontsize": "11"},
                           edge_attr={"color": "#555555", "arrowsize": "0.7"})
        self.count = 0
        self.ids = {id(n): f"n{i}" for i, n in enumerate(nodes)}
        self.root_ids = {id(r) for r in roots}

    # which summary box (if any) a node is folded into at this level
    def _fold_key(self, node: Any, level: int) -> str | None:
        if level == 0 or id(node) in self.root_ids:
            return None
        m = self.modules.group_of(node)
        if m is not None:
            return self.modules.key[id(m)]
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
        # boxes for single nodes, grouped in clusters named after their module
        clusters: dict[str, list[tuple[str, dict]]] = {}
        loose: list[tuple[str, dict]] = []
        for n in self.nodes:
            if key_of[id(n)] is not None:
                continue
            m = self.modules.group_of(n)
            target = clusters.setdefault(self.modules.key[id(m)], []) if m is not None else loose
            target.extend(self._value_boxes(n))
        for key, stmts in clusters.items():
            name = self._cluster_name(key)
            with self.graph.subgraph(name=f"cluster_{key}") as c:
                c.attr(label=name, style="rounded,filled", fillcolor="#f7f7f7", color="#999999", fontname=FONT,
                       fontsize="11")
                for node_id, attrs in stmts:
                    c.node(node_id, **attrs)
        for node_id, attrs in loose:
            self.graph.node(node_id, **attrs)
        # summaries in the model's own order: a stable DOT text (dot may still reorder boxes within a rank)
        for key in sorted(members, key=self.modules.rank):
            self.graph.node(key, **self._summary_box(key, members[key], key_of))
        self.count = len(loose) + sum(len(s) for s in clusters.values()) + len(members)
        self._edges(key_of)

    def _module(self, key: str) -> Any:
        return self.modules.by_key[key]

    def _cluster_name(self, key: str) -> str:
        return self.modules.names[id(self._module(key))]

    def _value_boxes(self, n: Any) -> list[tuple[str, dict]]:
        node_id = self.ids[id(n)]
        mag = self.mag.get(id(n))
        fields = []
        owned = self.modules.owner.get(id(n))
        name = n.label or (owned[1] if owned and owned[1] else "")
        if name:
            fields.append(name)
        if _is_tensor(n):
            fields.append(f"shape {tuple(n.shape)}")
        if self.show_data:
            fields.append(_data_text(n))
        if self.show_grad:
            fields.append(_grad_text(n, mag))
            flag = classify(mag)
            if flag in FLAG_STYLES:
                fields.append(FLAG_STYLES[flag][4])
        if not fields:
            fields.append(" ")  # nothing asked for: an empty box keeps the shape of the graph
        body = " | ".join(_esc(f) for f in fields)
        # scalars read as one row (micrograd's look), tensors and summaries as a narrower stack of lines
        label = _record(body, stacked=_is_tensor(n), rankdir=self.rankdir)
        style = ["filled"]
        if not n.parents:
            # a Tensor says whether it is trained; every Value gets a gradient, so for Values only
            # belonging to a model's parameters makes a parameter (not Value.requires_grad, always True)
            trainable = getattr(n, "requires_grad", None) if _is_tensor(n) else None
            if trainable is False:
                style.append("dashed")  # a constant: the input batch, targets
            elif trainable or id(n) in self.modules.owner:
                style.append("bold")  # a parameter
        attrs = {"shape": "record", "label": label, "style": ",".join(style), **_style(mag if self.show_grad else None)}
        if "bold" in style and attrs["penwidth"] == "1":
            attrs["penwidth"] = "2"
        boxes = [(node_id, attrs)]
        if n.parents:
            boxes.append((node_id + "_op", {"shape": "ellipse", "label": _op_text(n), "fontsize": "10",
                                            "height": "0.3", "margin": "0.04,0.02"}))
        return boxes

    def _summary_box(self, key: str, group: list, key_of: dict) -> dict:
        """One box standing for a module (or for the inputs / the loose ops): size and gradient norm."""
        if key == "inputs":
            title, params = f"inputs ({len(group)} values)", []
        elif key == "ops":
            title, params = f"operations outside modules ({len(group)} nodes)", []
        else:
            title = self._cluster_name(key)
            params = self.modules.params.get(id(self._module(key)), [])
        lines = [title]
        mag = None
        if params:
            count = sum(getattr(p, "size", 1) for p in params)
            lines.append(f"{count:,} parameters")
            mags = [grad_norm(p) for p in params] if self.show_grad else []
            mags = [m for m in mags if m is not None]
            if mags:
                mag = math.sqrt(sum(m * m for m in mags))
                lines.append(f"||grad|| params {fmt(mag)}")
        if mag is None and self.show_grad and key != "inputs":  # judge by the gradient leaving its outputs
            # (not for the inputs: data and constants are not trained, their gradient says little)
            outs = [n for n in group if any(key_of.get(id(c)) != key for c in self._children(n))]
            mags = [self.mag.get(id(n)) for n in (outs or group)]
            mags = [m for m in mags if m is not None]
            if mags:
                mag = math.sqrt(sum(m * m for m in mags))
                lines.append(f"||grad|| out {fmt(mag)}")
        shapes = {tuple(n.shape) for n in group if _is_tensor(n) and any(
            key_of.get(id(c)) != key for c in self._children(n))}
        if len(shapes) == 1:
            lines.append(f"out {shapes.pop()}")
        flag = classify(mag) if self.show_grad else None
        if flag in FLAG_STYLES:
            lines.append(FLAG_STYLES[flag][4])
        body = " | ".join(_esc(x) for x in lines)
        return {"shape": "Mrecord", "label": _record(body, stacked=True, rankdir=self.rankdir),
                "style": "filled,bold", **_style(mag if self.show_grad else None)}

    def _children(self, node: Any) -> list:
        if not hasattr(self, "_child_map"):
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
            if k is None:
                op = self.ids[id(n)] + "_op"
                self.graph.edge(op, self.ids[id(n)])
                for p in n.parents:  # one arrow per use: `a + a` shows two
                    self.graph.edge(key_of[id(p)] or self.ids[id(p)], op)
            else:
                for p in n.parents:
                    src = key_of[id(p)] or self.ids[id(p)]
                    if src != k and (src, k) not in seen:  # one arrow between two boxes is enough
                        seen.add((src, k))
                        self.graph.edge(src, k)

    def add_legend(self) -> None:
        """One table box: the |grad| colour ramp, the three flag styles and what borders mean."""
        ramp = "".join(f'<td bgcolor="{grad_colour(10.0 ** e)}">1e{e}</td>' for e in range(-7, 4, 2))
        words = {"vanishing": "vanishing &lt; 1e-7", "exploding": "exploding &gt; 1e3", "non-finite": "nan / inf",
                 "zero": "exactly 0"}

        def cell(flag: str) -> str:
            fill, _, _, font, _ = FLAG_STYLES[flag]
            return f'<td colspan="2" bgcolor="{fill}"><font color="{font}">{words[flag]}</font></td>'

        html = ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
                '<tr><td colspan="6"><b>|grad| (||grad|| for tensors), log scale</b></td></tr>'
                f'<tr>{ramp}</tr><tr>{cell("vanishing")}{cell("exploding")}{cell("non-finite")}</tr>'
                f'<tr>{cell("zero")}<td colspan="2">bold border: parameter</td>'
                '<td colspan="2">dashed border: constant</td></tr>'
                '</table>>')
        self.graph.node("legend", label=html, shape="plaintext", fontsize="10")
