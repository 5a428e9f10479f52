"""``:graph EXPR [file.png]``: draw the graph of an expression's result to a picture and outline it as text."""
from __future__ import annotations

import os

from minigrad.autograd import is_node

from ..registry import CommandError, command, split_options
from ..session import Session
from ..style import fmt, paint
from .graph_names import NodeNames, is_tensor, summary

DEFAULT_DIR = "minigrad-out"
FORMATS = (".png", ".svg", ".pdf")
OTHER_PICTURES = (".gif", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".eps", ".ps", ".dot")


FLAG_WORDS = {"zero": "gradient exactly 0", "vanishing": "vanishing gradient", "exploding": "exploding gradient",
              "non-finite": "nan/inf gradient"}


def no_backward_yet(root) -> bool:
    """A Value graph whose root has grad 0 has not been through backward: its zeros mean "no gradient yet"."""
    return not is_tensor(root) and root.grad == 0


def _tensor_text(x, norm: bool) -> str:
    """A tensor's data (its mean) or gradient (its norm, what the picture's colour shows) in a few characters;
    tiny tensors in full."""
    import numpy as np

    from minigrad.backend import to_numpy

    arr = np.asarray(to_numpy(getattr(x, "data", x)), dtype=np.float64)
    if arr.size <= 3:
        return summary(x)
    return f"‖{fmt(float(np.linalg.norm(arr)), 4)}‖" if norm else f"mean {fmt(float(arr.mean()), 4)}"


def _model_of(root, namespace: dict):
    """The learner's model whose parameters are in this graph (its clusters are then named layers.0, ...)."""
    from minigrad.autograd import topological_order

    in_graph = {id(n) for n in topological_order(root)}
    for value in namespace.values():
        if callable(getattr(type(value), "named_parameters", None)) and not is_node(value):
            try:
                if any(id(p) in in_graph for p in value.parameters()):
                    return value
            except Exception:  # noqa: BLE001 - naming clusters is a nicety
                continue
    return None


def outline(root, namespace: dict) -> list[str]:
    """One line per node, inputs first: name = definition, its data and grad, and a flag for bad gradients.

    Tensors show their shape, the mean of their data and the norm of their gradient, so a
    line stays readable in 80 columns.
    """
    from minigrad.health import classify, grad_norm

    names = NodeNames(root, namespace)
    fresh = no_backward_yet(root)
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
        flag = None if fresh else classify(grad_norm(node))
        flag_text = paint(f"  ← {FLAG_WORDS[flag]}", "red") if flag in FLAG_WORDS else ""
        if fresh or node.grad is None:
            grad = "-"
        else:
            grad = _tensor_text(node.grad, norm=True) if tensor else summary(node.grad)
        data = f"{tuple(node.shape)} {_tensor_text(node, norm=False)}" if tensor else summary(node.data)
        rows.append((head, f"data {data}", f"grad {grad}{flag_text}"))
    # columns line up, but a long definition must not push every row past 80 columns
    width = min(max(len(r[0]) for r in rows), 28)
    dwidth = min(max(len(r[1]) for r in rows), 24)
    return [f"  {head.ljust(width)}  {data.ljust(dwidth)}  {grad}" for head, data, grad in rows]


@command("graph", ":graph EXPR [FILE.png|.svg|.pdf] [collapse=module|all]",
         "draw EXPR's graph to a picture, outline it as text",
         details="""
Evaluates EXPR (a Value or Tensor, e.g. the loss), writes its graph with each
node's data and grad (colour = |grad| on a log scale; vanishing, exploding and
non-finite gradients are flagged) and prints where it went plus a text outline.
Tensor graphs are freed by backward(): call loss.backward(retain_graph=True)
first to draw them with their gradients.""",
         words=["collapse=module", "collapse=all"])
def graph_command(session: Session, argline: str) -> None:
    positional, options = split_options(argline)
    if not positional:
        raise CommandError("give an expression, e.g. :graph (a*b + c).tanh()")
    path = None
    if len(positional) > 1 and positional[-1].lower().endswith(FORMATS):
        path = os.path.expanduser(positional.pop())
    elif len(positional) > 1 and positional[-1].lower().endswith(OTHER_PICTURES):
        raise CommandError(f"cannot write {positional[-1]}: the picture must be .png, .svg or .pdf")
    expression = " ".join(positional)
    root = session.eval(expression)
    if not is_node(root):
        raise CommandError(f"{expression} is a {type(root).__name__}, not a Value or Tensor: it has no graph")
    unknown = set(options) - {"collapse"}
    if unknown:
        raise CommandError(f"unknown option(s) {', '.join(sorted(unknown))} (only collapse=module|all)")
    collapse = options.get("collapse")
    if path is None:
        os.makedirs(DEFAULT_DIR, exist_ok=True)
        path = os.path.join(DEFAULT_DIR, "graph.png")
    from minigrad import viz

    try:
        written = viz.render(root, path, collapse=collapse, model=_model_of(root, session.namespace))
    except viz.RenderError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    session.print(f"graph written to {paint(os.path.abspath(written), 'bold')}")
    if root.released:
        session.print(paint("this graph was freed by backward(): only the result is left.\n"
                            "Call backward(retain_graph=True) to keep it for drawing.", "yellow"))
    if no_backward_yet(root):
        hint = f"L = {expression}; L.backward(); :graph L" if not expression.isidentifier() else \
            f"{expression}.backward(); :graph {expression}"
        session.print(paint(f"no gradients yet (backward has not run on this graph); to see them: {hint}", "yellow"))
    lines = outline(root, session.namespace)
    limit = 40
    for line in lines[:limit]:
        session.print(line)
    if len(lines) > limit:
        session.print(paint(f"  ... {len(lines) - limit} more nodes (see the picture)", "grey"))
