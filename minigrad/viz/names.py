"""Names for the nodes of a graph, as a learner writes them: ``a``, ``n1 = a * b``, ``L = tanh(n2)``.

One naming serves every view, so ``n2`` is the same node in the REPL's ``:step``,
the ``:graph`` outline and the picture: a node is called by its label, else by the
variable that holds it (a REPL namespace) or its place in a model
(``model.layers.0.weight``), else ``n1``, ``n2``, ... in forward order over the
nodes backward visits; the output is ``L``. A constant nobody named is called by
its value, or ``target`` when a loss function reads it. Names and definitions are
taken when the naming is made, because a Tensor graph is freed by ``backward()``.

`grad_state` says whether a node's gradient belongs to its graph's last backward
pass (the engine stamps every node a pass writes with the pass's number).
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ..autograd import is_node, topological_order
from ..backend import to_numpy
from .arith import fmt

INFIX = {"+", "-", "*", "/", "**", "@"}
NON_COMMUTATIVE = {"-", "/", "**", "@"}  # pictures spell these out (n1 - y) so the operand order shows


def is_tensor(node: Any) -> bool:
    """A Tensor node (an array) rather than a scalar Value."""
    return not isinstance(getattr(node, "data", None), (int, float))


def small_array(arr: np.ndarray, digits: int = 4) -> str:
    """An array of a few elements written out in full, nested like its shape: ``[[1, 2], [3, 4]]``."""
    if arr.ndim == 0:
        return fmt(float(arr), digits)
    return "[" + ", ".join(small_array(a, digits) for a in arr) + "]"


def summary(x: Any, small: int = 6) -> str:
    """A number, an array of at most ``small`` elements in full, or a bigger one as shape, mean, norm and range."""
    if x is None:
        return "None"
    if isinstance(x, (int, float)):
        return fmt(x)
    arr = np.asarray(to_numpy(getattr(x, "data", x) if is_node(x) else x))
    if arr.size == 1:
        return fmt(float(arr.reshape(())))
    if arr.dtype.kind not in "fiub":
        return f"{arr.dtype} {tuple(arr.shape)}"
    if arr.size <= small:
        return small_array(arr.astype(np.float64))
    a64 = arr.astype(np.float64)
    return (f"shape {tuple(arr.shape)}  mean {fmt(a64.mean(), 4)}  norm {fmt(np.linalg.norm(a64), 4)}"
            f"  range [{fmt(a64.min(), 4)}, {fmt(a64.max(), 4)}]")


def _roots(roots: Any) -> list:
    return list(roots) if isinstance(roots, (list, tuple)) else [roots]


def backward_order(roots: Sequence[Any]) -> list:
    """The nodes backward visits from any of ``roots``, each before its parents (roots first)."""
    return topological_order(list(roots))


def _known_names(namespace: dict | None, model: Any) -> dict[int, str]:
    """id -> name for the nodes a namespace holds and the parameters of its models (and of ``model``)."""
    by_id: dict[int, str] = {}

    def parameters_of(owner: str, m: Any) -> None:
        from .modules import named_parameters

        try:
            for pname, p in named_parameters(m):
                by_id.setdefault(id(p), f"{owner}.{pname}" if owner else pname)
        except Exception:  # noqa: BLE001 - naming is a nicety, never an error
            pass

    for var, value in (namespace or {}).items():
        if var.startswith("_"):
            continue
        if is_node(value):
            by_id.setdefault(id(value), var)
        elif callable(getattr(type(value), "parameters", None)):  # a model: name its parameters
            parameters_of(var, value)
    if model is not None:
        parameters_of("", model)
    return by_id


class NodeNames:
    """Names, definitions and inputs of the nodes of the graph(s) ending in ``roots``.

    ``namespace`` (a REPL's variables) and ``model`` give the names a learner chose;
    ``order`` lists the nodes backward visits, outputs first.
    """

    def __init__(self, roots: Any, namespace: dict | None = None, model: Any = None):
        roots = _roots(roots)
        self.roots = roots
        self.root = roots[0]
        self.order = backward_order(roots)
        self._by_id = _known_names(namespace, model)  # also names the constants backward never visits
        self._names: dict[int, str] = {}
        self._loss_inputs = self._constants_read_by_losses()
        counter = 0
        for node in reversed(self.order):  # forward order, so n1 is computed first
            known = self._by_id.get(id(node), "")
            # a model's parameter is clearest by its path (model.layers.0.weight); else its label, else its variable
            name = known if "." in known else (getattr(node, "label", "") or known)
            if not name and any(node is r for r in roots):
                name = "L" if len(roots) == 1 else f"L{next(i for i, r in enumerate(roots, 1) if r is node)}"
            if not name and not node.parents and not is_tensor(node):
                name = fmt(node.data)  # an unnamed scalar input is a constant: show its value
            if not name:
                counter += 1
                name = f"n{counter}"
            self._names[id(node)] = name
        self._parents = {id(n): tuple(n.parents) for n in self.order}
        self._definitions = {id(n): self._define(n) for n in self.order}
        self.leaves = [n for n in self.order if not self._parents[id(n)]]

    def _constants_read_by_losses(self) -> set[int]:
        """Constant inputs of ops that a loss function made (its target), so they can be called ``target``."""
        from ..nn.functional import LossScope

        found: set[int] = set()
        for node in self.order:
            scope = getattr(node, "scope", None)
            if isinstance(scope, LossScope):  # made outside the loss and read by it (not its own 0 and 1)
                found.update(id(p) for p in node.parents if not p.parents and not getattr(p, "requires_grad", True)
                             and getattr(p, "scope", None) is not scope)
        return found

    def __getitem__(self, node: Any) -> str:
        name = self._names.get(id(node))
        if name is None:  # a constant outside the backward order (a tensor that needs no gradient)
            name = getattr(node, "label", "") or self._by_id.get(id(node), "")
            if not name and id(node) in self._loss_inputs:
                name = "target"
            if not name:
                size = getattr(node.data, "size", 1)
                name = summary(node.data, small=1) if size == 1 else f"const{tuple(node.shape)}"
            self._names[id(node)] = name
        return name

    def parents(self, node: Any) -> tuple:
        return self._parents.get(id(node), tuple(node.parents))

    def definition(self, node: Any) -> str:
        """How the node was computed from its parents, with their names (empty for inputs)."""
        if id(node) not in self._definitions:
            self._definitions[id(node)] = self._define(node)
        return self._definitions[id(node)]

    def _define(self, node: Any) -> str:
        parents = [self[p] for p in node.parents]
        return define(node, parents) if parents else ""


def define(node: Any, operands: Sequence[str]) -> str:
    """``node``'s op applied to ``operands`` (names or numbers): ``a * b``, ``n1**2``, ``sum(n3, axis=1)``."""
    op = node.op
    operands = [f"({x})" if x.startswith("-") else x for x in operands]  # n3 - (-0.7), not n3 - -0.7
    if op in INFIX and len(operands) == 2:
        return f"{operands[0]} {op} {operands[1]}"
    if op.startswith("**") and len(operands) == 1:
        return f"{operands[0]}{node.describe()}"  # x**2: the exponent is a parameter of the op
    if op == "neg":
        return f"-{operands[0]}"
    if op == "[]":
        return f"{operands[0]}[...]"
    described = node.describe()  # the op with its parameters: sum(axis=1)
    if op and described.startswith(op + "(") and described.endswith(")"):
        return f"{op}({', '.join(operands)}, {described[len(op) + 1:-1]})"
    return f"{described or op}({', '.join(operands)})"


# -- whose gradient is it? -----------------------------------------------------------------------
def backward_passes(roots: Iterable[Any]) -> set[int]:
    """The backward passes that count for a picture of ``roots``: each root's last one (none before backward)."""
    return {r.grad_pass for r in roots if getattr(r, "grad_pass", 0)}


def grad_state(node: Any, passes: set[int]) -> str:
    """'none' (no gradient yet), 'fresh' (written by a pass in ``passes``) or 'stale' (left by another pass).

    A stale gradient came from a backward() through another graph (the same parameters
    in a later training step, an earlier expression) or from before this graph's own
    pass; it says nothing about this graph.
    """
    g = getattr(node, "grad", None)
    written = getattr(node, "grad_pass", 0)
    if g is None or (not written and not is_tensor(node) and g == 0):
        return "none"  # a Value starts at grad 0 before any backward: that is "nothing yet", not a zero gradient
    return "fresh" if written in passes else "stale"
