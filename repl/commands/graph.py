"""``:graph EXPR [file.png]``: draw the graph of an expression's result to a picture and outline it as text."""
from __future__ import annotations

import os
import textwrap

from minigrad.autograd import is_node

from ..registry import CommandError, command, split_options
from ..session import Session
from ..style import fmt, paint

DEFAULT_DIR = "minigrad-out"
FORMATS = (".png", ".svg", ".pdf")
OTHER_PICTURES = (".gif", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".eps", ".ps", ".dot")
RANKDIRS = ("LR", "TB", "RL", "BT")
SMALL = 6  # tensors with at most this many elements are written out in full, as in the picture,
FULL_WIDTH = 22  # when that takes at most this many characters


FLAG_WORDS = {"zero": "gradient exactly 0", "vanishing": "vanishing gradient", "exploding": "exploding gradient",
              "non-finite": "nan/inf gradient"}


def _tensor_text(x, norm: bool) -> str:
    """A tensor's data (its mean) or gradient (its norm, what the picture's colour shows) in a few characters;
    small tensors in full."""
    import numpy as np

    from minigrad.backend import to_numpy
    from minigrad.viz.names import summary

    arr = np.asarray(to_numpy(getattr(x, "data", x)), dtype=np.float64)
    if arr.size <= SMALL:
        full = summary(arr, small=SMALL)
        if len(full) <= FULL_WIDTH:  # the line must still fit 80 columns: else the picture has it in full
            return full
    return f"‖{fmt(float(np.linalg.norm(arr)), 4)}‖" if norm else f"mean {fmt(float(arr.mean()), 4)}"


def _model_of(root, namespace: dict):
    """The learner's model whose parameters are in this graph (its clusters are then named layers.0, ...)."""
    from minigrad.autograd import topological_order

    in_graph = {id(n) for n in topological_order(root)}
    for value in namespace.values():
        if callable(getattr(type(value), "parameters", None)) and not is_node(value):
            try:
                if any(id(p) in in_graph for p in value.parameters()):
                    return value
            except Exception:  # noqa: BLE001 - naming clusters is a nicety
                continue
    return None


def outline(root, namespace: dict, model=None) -> list[str]:
    """One line per node, inputs first: name = definition, its data and grad, and a flag for bad gradients.

    The names are the picture's and ``:step``'s. Tensors show their shape, the mean of their
    data and the norm of their gradient (small ones in full), so a line stays readable in 80
    columns; a gradient another backward pass left behind is marked stale and not judged.
    """
    from minigrad.health import classify, grad_norm
    from minigrad.viz.names import NodeNames, backward_passes, grad_state, is_tensor, summary

    names = NodeNames(root, namespace, model)
    passes = backward_passes([root])
    rows = []
    for node in reversed(names.order):
        definition = names.definition(node)
        if definition:
            head = f"{names[node]} = {definition}"
        elif node.released:
            head = f"{names[node]} (its graph was freed)"
        else:
            head = f"{names[node]} (input)"
        tensor = is_tensor(node)
        state = grad_state(node, passes)
        flag = classify(grad_norm(node)) if state == "fresh" else None
        flag_text = paint(f"  ← {FLAG_WORDS[flag]}", "red") if flag in FLAG_WORDS else ""
        if state == "none":
            grad = "-"
        else:
            grad = _tensor_text(node.grad, norm=True) if tensor else summary(node.grad)
            if state == "stale":
                grad += paint(" (stale)", "yellow")
        data = f"{tuple(node.shape)} {_tensor_text(node, norm=False)}" if tensor else summary(node.data)
        rows.append((head, f"data {data}", f"grad {grad}{flag_text}"))
    # columns line up, but a long definition must not push every row past 80 columns
    width = min(max(len(r[0]) for r in rows), 28)
    dwidth = min(max(len(r[1]) for r in rows), 24)
    return [f"  {head.ljust(width)}  {data.ljust(dwidth)}  {grad}" for head, data, grad in rows]


def _stale_hint(root, expression: str) -> str | None:
    """What to say when the graph's gradients are not its own (backward never ran on it, or another pass
    rewrote some); None when they are. What to type goes on a line of its own, whole."""
    from minigrad.viz.names import NodeNames, backward_passes, grad_state

    passes = backward_passes([root])
    stale = [n for n in NodeNames(root).order if grad_state(n, passes) == "stale"]
    call = f"{expression}.backward(); :graph {expression}" if expression.isidentifier() else \
        f"L = {expression}; L.backward(); :graph L"
    if not passes:
        if stale:
            return _wrap(f"backward has not run on this graph: the {len(stale)} gradient(s) marked stale were "
                         "left by another backward; to see this graph's own:") + f"\n  {call}"
        return "no gradients yet (backward has not run on this graph); to see them:" + f"\n  {call}"
    if stale:
        return _wrap(f"{len(stale)} gradient(s) marked stale were rewritten by a later backward through another "
                     "graph: they are not this graph's")
    return None


def _wrap(text: str) -> str:
    return textwrap.fill(text, 80, break_long_words=False, break_on_hyphens=False)


@command("graph", ":graph EXPR [FILE.png|.svg|.pdf] [collapse=module|all] [rankdir=TB]",
         "draw EXPR's graph to a picture, outline it as text",
         details="""
Evaluates EXPR (a Value or Tensor, e.g. the loss), writes its graph with each
node's data and grad (colour = |grad| on a log scale; vanishing, exploding and
non-finite gradients are flagged) and prints where it went plus a text outline.
Nodes are named as in :step (n1, n2, ... and L, or their labels and variables).
A gradient left by another backward (not this graph's) is shown as stale.
Tensor graphs are freed by backward(): call loss.backward(retain_graph=True)
first to draw them with their gradients. A long chain is wrapped into rows;
rankdir=TB (or LR, RL, BT) lays it out in one direction instead.""",
         words=["collapse=module", "collapse=all", "rankdir=LR", "rankdir=TB"])
def graph_command(session: Session, argline: str) -> None:
    positional, options = split_options(argline)
    if not positional:
        raise CommandError("give an expression, e.g. :graph (a*b + c).tanh()")
    path = None
    if len(positional) > 1 and positional[-1].lower().endswith(FORMATS):
        path = os.path.expanduser(positional.pop())
    elif len(positional) > 1 and positional[-1].lower().endswith(OTHER_PICTURES):
        raise CommandError(f"cannot write {positional[-1]}: the picture must be .png, .svg or .pdf")
    unknown = set(options) - {"collapse", "rankdir"}
    if unknown:
        raise CommandError(f"unknown option(s) {', '.join(sorted(unknown))} (only collapse=module|all and "
                           "rankdir=LR|TB|RL|BT)")
    collapse = options.get("collapse")
    if collapse not in (None, "module", "all"):
        raise CommandError(f"collapse={collapse} is not a choice: collapse=module or collapse=all")
    rankdir = options.get("rankdir")
    if rankdir is not None and rankdir.upper() not in RANKDIRS:
        raise CommandError(f"rankdir={rankdir} is not a direction: LR, TB, RL or BT")
    expression = " ".join(positional)
    root = session.eval(expression)
    if not is_node(root):
        raise CommandError(f"{expression} is a {type(root).__name__}, not a Value or Tensor: it has no graph")
    if path is None:
        os.makedirs(DEFAULT_DIR, exist_ok=True)
        path = os.path.join(DEFAULT_DIR, "graph.png")
    from minigrad import viz

    model = _model_of(root, session.namespace)
    try:
        written = viz.render(root, path, collapse=collapse, model=model, namespace=session.namespace,
                             rankdir=rankdir.upper() if rankdir else None)
    except viz.RenderError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    session.print(f"graph written to {paint(os.path.abspath(written), 'bold')}")
    if root.released:
        session.print(paint("this graph was freed by backward(): only the result is left.\n"
                            "Call backward(retain_graph=True) to keep it for drawing.", "yellow"))
    hint = _stale_hint(root, expression)
    if hint:
        session.print(paint(hint, "yellow"))
    lines = outline(root, session.namespace, model)
    limit = 40
    for line in lines[:limit]:
        session.print(line)
    if len(lines) > limit:
        session.print(paint(f"  ... {len(lines) - limit} more nodes (see the picture)", "grey"))
