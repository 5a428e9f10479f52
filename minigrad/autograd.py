"""Graph machinery shared by `Value` (scalars) and `Tensor` (arrays).

The public face of a node is the `Node` protocol below: what pictures, the REPL,
diagnostics and lessons may read. Everything else about a node is the engine's.

Under the protocol, the engine itself works with these private hooks:

* ``_prev`` – the parents as stored (``parents`` reads it), dropped by ``_release()``,
* ``_initial_grad(g)`` – the seed gradient of the root: ``g`` checked and converted, or 1 when it is None,
* ``_sends(g)``       – given the node's upstream gradient ``g``, return one
  ``(parent, local, contribution)`` triple per parent that needs a gradient:
  ``local`` is the local derivative (a float for scalars, a formula string for
  tensors) and ``contribution`` what the chain rule sends to that parent,
* ``_accumulate(g)``  – add ``g`` to ``node.grad``,
* ``_grad_pass``      – a slot the engine stamps with the number of the backward pass that
  last wrote ``.grad`` (read through the public ``grad_pass`` property, 0 before any), so a
  picture can tell this graph's gradients from ones another backward left behind,
* ``_release()``      – drop the parents after backward and set ``_released``, so a
  second pass through the freed graph is refused instead of silently incomplete;
  ``_retain_default`` (a class attribute) is True where graphs are kept by default (Value).

`backward_steps` walks the graph once, in reverse topological order, and yields a
`Step` per node; `backward` is that generator run to the end, so what the REPL
shows when it steps is exactly what the engine does.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

_grad_enabled = True
_passes = 0  # backward passes started in this process: each stamps the nodes it writes with its number
_scope = None  # the Module whose forward() is running: recorded on each node so pictures can group them


class scope:
    """``with scope(owner):`` records ``owner`` (usually a Module) on every node created inside the block.

    A small class rather than a generator-based context manager: every module call
    enters one, so it is on the hot path of a training step.
    """

    __slots__ = ("owner", "previous")

    def __init__(self, owner: Any):
        self.owner = owner

    def __enter__(self) -> None:
        global _scope
        self.previous, _scope = _scope, self.owner

    def __exit__(self, *exc_info: Any) -> None:
        global _scope
        _scope = self.previous


def is_grad_enabled() -> bool:
    """True unless inside a `no_grad()` block."""
    return _grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: results have no parents and need no memory for backward."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Re-enable graph building inside a `no_grad()` block."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, True
    try:
        yield
    finally:
        _grad_enabled = previous


@runtime_checkable
class Node(Protocol):
    """What every graph node (`Value`, `Tensor`) shows the world; viz, repl and diagnose read only this.

    ``parents`` are the nodes it was computed from (empty for inputs, and for results
    whose graph ``backward()`` has freed: then ``released`` is true); ``op`` a short
    label of the operation that made it (``"*"``, ``"tanh"``, ``"sum"``; empty for an
    input); ``describe()`` the op with its parameters (``sum(axis=1)``);
    ``local_rule(i, names)`` the local derivative with respect to ``parents[i]``,
    written with ``names[j]`` for parent j (``1 - tanh(n2)²``). A tensor's rules are
    vector-Jacobian products written with ``g``, the upstream gradient (``g * b``).
    ``scope`` is the Module whose forward made the node (None outside modules).
    """

    label: str
    grad: Any
    requires_grad: bool

    @property
    def parents(self) -> tuple: ...

    @property
    def op(self) -> str: ...

    @property
    def scope(self) -> Any: ...

    @property
    def released(self) -> bool: ...

    def describe(self) -> str: ...

    def local_rule(self, index: int, names: Sequence[str]) -> str: ...


def is_node(x: Any) -> bool:
    """True for a graph node: something with ``parents``, ``op`` and ``describe()`` (a `Value` or `Tensor`).

    Checks the part of `Node` a walk over the graph needs, on the type (a plain ``hasattr``
    would run the properties): cheap enough to test every name in a REPL namespace.
    """
    t = type(x)
    return hasattr(t, "parents") and hasattr(t, "op") and hasattr(t, "describe")


@dataclass(slots=True)
class Step:
    """One node visited by backward.

    ``grad`` is the full upstream gradient d(root)/d(node) for this pass (the sum of
    everything its children sent), ``sends`` the chain-rule products it passes on:
    a list of ``(parent, local_derivative, contribution)``.
    """

    node: Any
    grad: Any
    sends: list


_FREED = ("backward {what} that was already freed: the first backward() released it. "
          "Call backward(retain_graph=True) the first time to backpropagate twice.")


def _describe(node: Any) -> str:
    label = getattr(node, "label", "")
    return f"the {node._op or 'node'} result" + (f" {label!r}" if label else "")


def _roots(roots: Any) -> list:
    """One node, or an iterable of nodes, as a list (a Tensor is iterable too: it counts as one node)."""
    if hasattr(roots, "_prev"):
        return [roots]
    return list(roots)


def topological_order(roots: Any, include_constants: bool = False) -> list:
    """Nodes reachable from ``roots`` (one node or several), each before its parents: the order backward visits.

    Only nodes that need a gradient are listed, unless ``include_constants`` is true
    (then the tensors that need none, such as the input batch, are listed too, as
    pictures want). The roots themselves are always listed. Iterative depth-first
    search (post-order, then reversed): a 100,000-deep chain needs no recursion and
    no change to the recursion limit.
    """
    return _walk(_roots(roots), include_constants, False)


def _walk(roots: list, include_constants: bool, refuse_released: bool) -> list:
    """`topological_order`; with ``refuse_released`` (backward) a node freed by an earlier pass raises."""
    order: list = []
    visited: set[int] = set()
    for root in roots:
        if id(root) in visited:
            continue
        visited.add(id(root))
        stack = [(root, iter(root._prev))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if id(parent) not in visited and (parent.requires_grad or include_constants):
                    visited.add(id(parent))
                    if parent._prev:
                        stack.append((parent, iter(parent._prev)))
                        break
                    if refuse_released and parent._released:
                        # an intermediate whose parents an earlier backward() dropped: it looks like a leaf,
                        # and going on would silently give its inputs no gradient from this pass
                        raise RuntimeError(_FREED.format(what=f"through {_describe(parent)}, part of a graph"))
                    order.append(parent)  # a leaf is finished as soon as it is found: no need to stack it
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def backward_steps(root: Any, grad: Any = None, retain_graph: bool | None = None) -> Iterator[Step]:
    """Backpropagate from ``root``, yielding one `Step` per node in the order visited.

    Gradients of one pass are summed in a dictionary first and then added to each
    node's ``.grad``: calling backward twice therefore *accumulates* (like PyTorch),
    and a node reached along several paths (``b = a + a``) receives the sum.
    Unless ``retain_graph`` is true (its default depends on the node type, see
    ``_retain_default``) the parents of every visited node are dropped afterwards so
    intermediate results can be freed.

    Closing the generator early (``steps.close()``, or dropping it) stops the pass where
    it is: nodes already yielded keep the gradient they received, the rest get nothing
    from this pass, and the graph is freed just as at the end (unless ``retain_graph``),
    so a later ``backward()`` on it is refused. A generator never started changes nothing.
    """
    global _passes
    if getattr(root, "_released", False):
        raise RuntimeError(_FREED.format(what="through a graph"))
    grad = root._initial_grad(grad)
    _passes += 1
    pass_number = _passes
    if retain_graph is None:
        retain_graph = root._retain_default
    order = _walk([root], False, True)
    pending: dict[int, Any] = {id(root): grad}
    try:
        for node in order:
            g = pending.pop(id(node), None)
            if g is None:  # nothing flowed here (e.g. the only path went through an integer index)
                continue
            node._accumulate(g)
            node._grad_pass = pass_number
            sends = node._sends(g) if node._prev else []
            for parent, _local, contribution in sends:
                key = id(parent)
                if key in pending:
                    pending[key] = pending[key] + contribution
                else:
                    pending[key] = contribution
            yield Step(node, g, sends)
    finally:
        if not retain_graph:
            for node in order:
                if node._prev:
                    node._release()


def backward(root: Any, grad: Any = None, retain_graph: bool | None = None) -> None:
    """Run `backward_steps` to the end: fill ``.grad`` of every node that needs one."""
    for _ in backward_steps(root, grad, retain_graph):
        pass
