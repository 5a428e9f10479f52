"""Short names for the nodes of a graph, as a learner would write them: ``a``, ``n1 = a * b``, ``L = tanh(n2)``.

A node is called by its label, else by the variable that holds it in the REPL
namespace, else ``n1``, ``n2``, ... in forward order (the root is ``L``). Names and
definitions are taken before backward runs, because a Tensor graph is freed by it.
"""
from __future__ import annotations

from typing import Any

from ..style import fmt

_INFIX = {"+", "-", "*", "/", "**", "@"}


def is_tensor(node: Any) -> bool:
    from minigrad.tensor import Tensor

    return isinstance(node, Tensor)


def summary(x: Any, small: int = 6) -> str:
    """A number, a small array in full, or a big array as shape, mean, norm and range."""
    if x is None:
        return "None"
    if isinstance(x, (int, float)):
        return fmt(x)
    data = getattr(x, "data", x) if is_tensor(x) else x
    from minigrad.backend import to_numpy
    import numpy as np

    arr = np.asarray(to_numpy(data))
    if arr.size == 1:
        return fmt(float(arr.reshape(())))
    if arr.size <= small:
        return np.array2string(arr, precision=4, separator=", ", suppress_small=True).replace("\n", "")
    a64 = arr.astype(np.float64)
    return (f"shape {tuple(arr.shape)}  mean {fmt(a64.mean(), 4)}  norm {fmt(np.linalg.norm(a64), 4)}"
            f"  range [{fmt(a64.min(), 4)}, {fmt(a64.max(), 4)}]")


class NodeNames:
    """Names, definitions and inputs of every node that backward will visit from ``root``."""

    def __init__(self, root: Any, namespace: dict | None = None):
        from minigrad.autograd import is_node, topological_order

        self.root = root
        self.order = topological_order(root)  # root first, as backward visits them
        by_id: dict[int, str] = {}
        for var, value in (namespace or {}).items():
            if var.startswith("_"):
                continue
            if is_node(value) and id(value) not in by_id:
                by_id[id(value)] = var
            elif callable(getattr(type(value), "named_parameters", None)):  # a model: name its parameters
                try:
                    for pname, p in value.named_parameters():
                        by_id.setdefault(id(p), f"{var}.{pname}")
                except Exception:  # noqa: BLE001 - naming is a nicety, never an error
                    pass
        self._by_id = by_id  # also names the constants that backward never visits (the input batch x)
        self._names: dict[int, str] = {}
        counter = 0
        for node in reversed(self.order):  # forward order, so n1 is computed first
            known = by_id.get(id(node), "")
            # a model's parameter is clearest by its path (model.layers.0.weight); else its label, else its variable
            name = known if "." in known else (getattr(node, "label", "") or known)
            if not name and node is root:
                name = "L"
            if not name and not node.parents and not is_tensor(node):
                name = fmt(node.data)  # an unnamed scalar input is a constant: show its value
            if not name:
                counter += 1
                name = f"n{counter}"
            self._names[id(node)] = name
        self._parents = {id(n): tuple(n.parents) for n in self.order}
        self._definitions = {id(n): self._define(n) for n in self.order}
        self._numbers = {id(n): self._define(n, numbers=True) for n in self.order}
        self.leaves = [n for n in self.order if not self._parents[id(n)]]

    def __getitem__(self, node: Any) -> str:
        name = self._names.get(id(node))
        if name is None:  # a constant outside the backward order (a tensor that needs no gradient)
            name = getattr(node, "label", "") or self._by_id.get(id(node), "")
            if not name:
                name = summary(node.data, small=1) if node.data.size == 1 else f"const{tuple(node.shape)}"
            self._names[id(node)] = name
        return name

    def parents(self, node: Any) -> tuple:
        return self._parents.get(id(node), ())

    def definition(self, node: Any) -> str:
        """How the node was computed from its parents (empty for inputs)."""
        return self._definitions.get(id(node), "")

    def with_numbers(self, node: Any) -> str:
        """A scalar node's definition with its inputs' values put in (``2 * -3``); empty for tensors and inputs."""
        return self._numbers.get(id(node), "")

    def _define(self, node: Any, numbers: bool = False) -> str:
        if numbers:
            if is_tensor(node) or not node.parents:
                return ""
            parents = [f"({fmt(p.data)})" if p.data < 0 else fmt(p.data) for p in node.parents]
        else:
            parents = [self[p] for p in node.parents]
        if not parents:
            return ""
        op = node.op
        if op in _INFIX and len(parents) == 2:
            return f"{parents[0]} {op} {parents[1]}"
        if op.startswith("**") and len(parents) == 1:
            return f"{parents[0]}{node.describe()}"  # x**2: the exponent is a parameter of the op
        if op == "neg":
            return f"-{parents[0]}"
        if op == "[]":
            return f"{parents[0]}[...]"
        described = node.describe()  # the op with its parameters: sum(axis=1)
        if described.startswith(op + "(") and described.endswith(")") and op:
            return f"{op}({', '.join(parents)}, {described[len(op) + 1:-1]})"
        return f"{described or op}({', '.join(parents)})"
