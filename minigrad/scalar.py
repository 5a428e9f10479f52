"""`Value`: a scalar that remembers how it was computed (micrograd-compatible).

Each operator computes its result *and* its local derivatives with respect to its
inputs right away, and records beside its forward the rule those derivatives
follow, as text (``@rule("tanh", "1 - tanh({x})²")``): pictures and the REPL's
``:step`` read it through `Value.local_rule`. Backward then only multiplies the
recorded numbers by the upstream gradient (the chain rule), so no closure is made
per node.

Speed: a training step builds and walks tens of thousands of Values, so the hot
path is kept lean. A node is one slotted object that holds its (at most two)
parents and local derivatives itself: no ``__dict__``, no tuples, no closure, so
the garbage collector has one object per node to track, and no reference cycle,
so a dropped graph is freed at once. Backward (`_pass`) is one loop that adds each
contribution straight into the parent's ``_g`` slot, in the same order and with
the same arithmetic as the generic, dictionary-based `autograd.backward_steps`
that tensors use (a test checks the bits agree).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterator, Sequence

from . import autograd
from .autograd import Step

# op label -> one rule template per parent: {0}, {1} are the parents' names (in parentheses
# when they are not a plain name or number), {x}, {y} the same names as given
_RULES: dict[str, tuple[str, ...]] = {}


def rule(op: str, *templates: str) -> Callable:
    """Decorator: record ``op``'s local derivative with respect to each parent, beside its forward."""

    def record(method: Callable) -> Callable:
        _RULES[op] = templates
        return method

    return record


def _atom(name: str) -> str:
    """``name`` as an operand: a plain name or non-negative number as it is, anything else in parentheses."""
    plain = name.replace("_", "").replace(".", "").isalnum() and not name.startswith("-")
    return name if plain else f"({name})"


_SUPERSCRIPTS = {2: "²", 3: "³"}


def _power_rule(p: float) -> str:
    """d(x^p)/dx = p·x^(p-1) written out for this p: ``2·{0}``, ``3·{0}²``, ``-{0}^(-2)``, ``0.5·{0}^(-0.5)``."""
    if p == 0:
        return "0"
    if p == 1:
        return "1"
    q = p - 1
    if q == 1:
        power = "{0}"
    elif q in _SUPERSCRIPTS:
        power = "{0}" + _SUPERSCRIPTS[int(q)]
    else:
        power = "{0}^" + (f"{q:g}" if q > 0 else f"({q:g})")
    return ("-" if p == -1 else f"{p:g}·") + power


def _power(base: float, p: float) -> float:
    """``base ** p`` as a real number (Python would return a complex one for a negative base)."""
    if base < 0 and p != int(p):
        raise ValueError(f"{base!r} ** {p!r} is not a real number (a negative base needs a whole exponent)")
    return base ** p  # 0 ** negative raises ZeroDivisionError, as Value division by zero does


def _power_slope(base: float, p: float) -> float:
    """d(base ** p)/d base = p base^(p-1), with PyTorch's values where that formula breaks down at 0."""
    if p == 0:
        return 0.0  # base ** 0 is constant 1 (the formula would compute 0 * 0^-1)
    if base == 0 and p < 1:
        return math.inf  # the slope of sqrt at 0 (negative p already failed in the forward pass)
    return p * base ** (p - 1)


def _number(data: Any) -> float:
    """``data`` as a float; a Tensor is refused, since float() would silently cut it out of its graph."""
    if hasattr(data, "_prev") and not isinstance(data, Value):
        raise TypeError(f"Value holds one number; got a {type(data).__name__} "
                        "(Values combine with numbers and Values, Tensors with Tensors)")
    try:
        return float(data)
    except TypeError:
        raise TypeError(f"Value holds one number; got a {type(data).__name__}") from None


_new = object.__new__


# An op's output node, built field by field (a class call through ``__init__`` costs twice as much).
def _unary(data: float, a: "Value", da: float, op: str) -> "Value":
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._a = a
    out._b = None
    out._da = da
    out._op = op
    out.label = ""
    out._scope = autograd._scope
    return out


def _binary(data: float, a: "Value", b: "Value", da: float, db: float, op: str) -> "Value":
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._a = a
    out._b = b
    out._da = da
    out._db = db
    out._op = op
    out.label = ""
    out._scope = autograd._scope
    return out


class Value:
    """A scalar node of a computation graph: ``data``, ``grad`` and how it was made."""

    # The parents and the local derivatives sit in slots of the node itself (not in tuples):
    # one object per node for the garbage collector to track and for backward to read.
    # _a, _b: the parents (None where there are fewer); _da, _db: d(self)/d(_a), d(self)/d(_b),
    # computed in the forward pass (_da is None once backward freed the graph); _g: this
    # node's gradient in the backward pass under way (see _pass).
    __slots__ = ("data", "grad", "_a", "_b", "_da", "_db", "_op", "label", "_scope", "_g", "_grad_pass",
                 "__weakref__")
    _retain_default = True  # small scalar graphs are kept so they can be drawn after backward
    requires_grad = True  # every Value takes part in backward (the engine reads this, as for Tensor)

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "", _local: tuple = ()):
        self.data = data if type(data) is float else _number(data)
        self.grad = 0.0
        self._op = _op
        self.label = label
        self._scope = autograd._scope
        self._a = self._b = None
        self._da = self._db = 0.0
        if _children:  # micrograd's Value(data, (a, b), "op"); the local derivatives come in _local
            if len(_children) > 2 or len(_local) not in (0, len(_children)):
                raise ValueError("Value(data, children, op, _local=...): one or two children, "
                                 "and one local derivative per child")
            self._a, self._b = (tuple(_children) + (None,))[:2]
            self._da, self._db = (tuple(map(float, _local)) + (0.0, 0.0))[:2] if _local else (0.0, 0.0)

    # -- arithmetic: forward value, local derivatives and their rule side by side ------------
    @rule("+", "1", "1")
    def __add__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        return _binary(self.data + other.data, self, other, 1.0, 1.0, "+")

    @rule("*", "{1}", "{0}")
    def __mul__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        return _binary(self.data * other.data, self, other, other.data, self.data, "*")

    @rule("**", "{1}·{0}^({y} - 1)", "{0}^{1}·ln {0}")
    def __pow__(self, other: float) -> "Value":
        if isinstance(other, Value):
            # d/da = b a^(b-1), d/db = a^b ln a. ln a does not exist for a <= 0: PyTorch's values, as
            # Tensor's: nan for a < 0 (a^b is real only at whole b), and the limit 0 at a = 0
            # (b >= 0 here: 0 ** negative already failed)
            out = _power(self.data, other.data)
            dlog = out * math.log(self.data) if self.data > 0 else (math.nan if self.data < 0 else 0.0)
            return _binary(out, self, other, _power_slope(self.data, other.data), dlog, "**")
        if not isinstance(other, numbers.Real):  # int, float, bool and NumPy scalars
            raise TypeError(f"Value ** {type(other).__name__}: the exponent must be a number or a Value")
        # the label carries the exponent ("**2"); its rule is _power_rule(2) = "2·{0}"
        return _unary(_power(self.data, other), self, _power_slope(self.data, other), f"**{other:g}")

    def __rpow__(self, other: float) -> "Value":
        return Value(other) ** self

    @rule("exp", "exp({x})")
    def exp(self) -> "Value":
        try:
            e = math.exp(self.data)
        except OverflowError:  # e^x beyond the largest float: inf, as NumPy and PyTorch give
            e = math.inf
        return _unary(e, self, e, "exp")

    @rule("log", "1/{0}")
    def log(self) -> "Value":
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number ({self.data!r}) is undefined")
        return _unary(math.log(self.data), self, 1.0 / self.data, "log")

    @rule("tanh", "1 - tanh({x})²")
    def tanh(self) -> "Value":
        t = math.tanh(self.data)
        return _unary(t, self, 1.0 - t * t, "tanh")

    @rule("ReLU", "1 if {0} > 0 else 0")
    def relu(self) -> "Value":
        x = self.data
        return _unary(x, self, 1.0, "ReLU") if x > 0 else _unary(0.0, self, 0.0, "ReLU")

    @rule("sigmoid", "sigmoid({x})·(1 - sigmoid({x}))")
    def sigmoid(self) -> "Value":
        # the two branches avoid overflow of exp for large |x|
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _unary(s, self, s * (1.0 - s), "sigmoid")

    @rule("neg", "-1")
    def __neg__(self) -> "Value":
        return _unary(-self.data, self, -1.0, "neg")

    @rule("-", "1", "-1")
    def __sub__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        return _binary(self.data - other.data, self, other, 1.0, -1.0, "-")

    @rule("/", "1/{1}", "-{0}/{1}²")
    def __truediv__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        if other.data == 0:
            raise ZeroDivisionError("Value division by zero")
        inv = 1.0 / other.data
        return _binary(self.data * inv, self, other, inv, -self.data * inv * inv, "/")

    def __radd__(self, other: Any) -> "Value":
        return self + other

    def __rmul__(self, other: Any) -> "Value":
        return self * other

    def __rsub__(self, other: Any) -> "Value":
        return Value(other) - self

    def __rtruediv__(self, other: Any) -> "Value":
        return Value(other) / self

    # -- the node protocol (autograd.Node) ------------------------------------------------------
    @property
    def grad_pass(self) -> int:
        """Number of the backward pass that last wrote ``.grad`` (passes count up from 1; 0: none yet).

        A picture compares it with the root's to tell this graph's gradients from stale ones.
        """
        return getattr(self, "_grad_pass", 0)  # the slot is only filled by backward: no cost per new node

    @property
    def parents(self) -> tuple:
        """The Values this one was computed from (empty for an input)."""
        a, b = self._a, self._b
        return () if a is None else (a,) if b is None else (a, b)

    _prev = parents  # micrograd's name (a set there), and the one the engine's generic walk reads

    @property
    def _local(self) -> tuple | None:
        """The local derivative with respect to each parent (None once backward freed the graph)."""
        if self._da is None:
            return None
        return () if self._a is None else (self._da,) if self._b is None else (self._da, self._db)

    @property
    def op(self) -> str:
        """The short name of the op that made it (``"*"``, ``"tanh"``, ``"**2"``); empty for an input."""
        return self._op

    @property
    def scope(self) -> Any:
        """The Module whose forward made this value (None outside modules)."""
        return self._scope

    @property
    def released(self) -> bool:
        """True once ``backward(retain_graph=False)`` freed the graph below this value."""
        return self._da is None

    _released = released  # the name the engine's generic walk reads

    def describe(self) -> str:
        """The op that made this value (a Value op has no further parameters to show)."""
        return self._op

    def local_rule(self, index: int, names: Sequence[str]) -> str:
        """d(self)/d(parents[index]) as a formula, ``names[i]`` standing for parent i (``1 - tanh(n2)²``)."""
        count = len(self.parents)
        if not 0 <= index < count:
            raise IndexError(f"local_rule: {self._op or 'an input'} has {count} parent(s), no parent {index}")
        op = self._op
        if op.startswith("**") and op != "**":
            template = _power_rule(float(op[2:]))
        elif op in _RULES:
            template = _RULES[op][index]
        else:  # a node built by hand, Value(x, (a, b), "myop", _local=...): no rule recorded
            return f"d{op}/d{names[index]}"
        if template in ("{0}", "{1}"):  # the rule is a parent itself (a*b): no parentheses needed
            return names[int(template[1])]
        xy = dict(zip("xy", names))
        return template.format(*(_atom(n) for n in names), **xy)

    # -- the engine's interface ------------------------------------------------------------
    def _initial_grad(self, grad: Any) -> float:
        return 1.0 if grad is None else float(grad)

    def _accumulate(self, g: float) -> None:
        self.grad += g

    def _sends(self, g: float) -> list:
        return [(p, local, g * local) for p, local in zip(self._prev, self._local)]

    def _release(self) -> None:
        self._a = self._b = self._da = None

    def backward(self, grad: float | None = None, retain_graph: bool | None = None) -> None:
        """Fill ``.grad`` of every node this value was computed from.

        Like PyTorch, calling it twice *adds* the gradients again: call ``zero_grad``
        (or set ``.grad = 0``) in between. Scalar graphs are kept after backward so
        they can be drawn and stepped; pass ``retain_graph=False`` to free them.
        """
        for _ in _pass(self, self._initial_grad(grad), retain_graph, stepping=False):
            pass

    def backward_steps(self, grad: float | None = None, retain_graph: bool | None = None) -> Iterator[Step]:
        """The backward pass one node at a time: a `Step` per node, in the order backward visits them."""
        return _pass(self, self._initial_grad(grad), retain_graph, stepping=True)

    def zero_grad(self) -> None:
        """Set this node's gradient back to 0."""
        self.grad = 0.0

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"


def _order(root: Value) -> list:
    """Nodes reachable from ``root``, root first and every node before its parents; each ``_g`` set to 0.

    The same iterative depth-first search as `autograd.topological_order` (so the same
    order, and the same sums), specialised to the two parent slots of a Value: the
    stack holds the path from the root, and a node is emitted once both parents are.
    """
    if root._da is None:
        raise RuntimeError(autograd._FREED.format(what="through a graph"))
    order: list = []
    visited = {root}
    root._g = 0.0
    stack = [root]
    push, pop, emit, seen = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = stack[-1]
        for parent in (node._a, node._b):
            if parent is not None and parent not in visited:
                seen(parent)
                parent._g = 0.0
                if parent._a is not None:
                    push(parent)
                    break
                if parent._da is None:
                    # an intermediate whose parents an earlier backward() dropped: it looks like an input,
                    # and going on would silently give its inputs no gradient from this pass
                    raise RuntimeError(autograd._FREED.format(
                        what=f"through {autograd._describe(parent)}, part of a graph"))
                emit(parent)  # an input is finished as soon as it is found
        else:
            pop()
            emit(node)
    order.reverse()
    return order


def _pass(root: Value, seed: float, retain_graph: bool | None, stepping: bool) -> Iterator[Step]:
    """The backward pass of a Value graph: `Value.backward` runs it to the end, `backward_steps` one node at a time.

    Each node's gradient of this pass gathers in ``_g`` (its children add their
    contributions there before it is visited), then is added to ``.grad``: so a second
    backward accumulates, like PyTorch, and a node reached along several paths gets the
    sum. Without ``stepping`` nothing is yielded and the whole pass runs in the first
    ``next()``; with it, each node yields a `Step` with what it sent to each parent.
    Unless ``retain_graph`` (default: keep, see ``_retain_default``), the graph is freed
    afterwards, also when the generator is closed early.
    """
    if retain_graph is None:
        retain_graph = root._retain_default
    order = _order(root)
    autograd._passes += 1
    number = autograd._passes  # stamped on each node whose .grad this pass writes (see Value.grad_pass)
    root._g = seed
    try:
        if stepping:
            for node in order:
                g = node._g
                node.grad += g
                node._grad_pass = number
                sends = node._sends(g)
                for parent, _local, contribution in sends:
                    parent._g += contribution
                yield Step(node, g, sends)
        else:
            for node in order:  # the same arithmetic as above, without the record of each step
                g = node._g
                node.grad += g
                node._grad_pass = number
                a = node._a
                if a is not None:
                    a._g += g * node._da
                    b = node._b
                    if b is not None:
                        b._g += g * node._db
    finally:
        if not retain_graph:
            for node in order:
                if node._a is not None:  # inputs stay usable (parameters live on)
                    node._release()
