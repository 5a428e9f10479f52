"""`Value`: a scalar that remembers how it was computed (micrograd-compatible).

Each operator computes its result *and* its local derivatives with respect to
its inputs right away; backward then only multiplies them by the upstream
gradient (the chain rule), so every op's backward sits on the line beside its
forward and no closure is created per node.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterator

from . import autograd
from .autograd import Step, backward_steps, backward as _backward


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


class Value:
    """A scalar node of a computation graph: ``data``, ``grad`` and how it was made."""

    __slots__ = ("data", "grad", "_prev", "_local", "_op", "label", "_scope", "_released", "_grad_pass",
                 "__weakref__")
    _retain_default = True  # small scalar graphs are kept so they can be drawn after backward
    requires_grad = True  # every Value takes part in backward (the engine reads this, as for Tensor)

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "", _local: tuple = ()):
        self.data = data if type(data) is float else _number(data)  # op results are floats: skip the checks
        self.grad = 0.0
        self._prev = tuple(_children)
        self._local = _local  # d(self)/d(parent) for each parent, computed in the forward pass
        self._op = _op
        self.label = label
        self._scope = autograd._scope
        self._released = False  # set by _release(): backward refuses to go through a freed graph

    # -- arithmetic: forward value and local derivatives side by side --------------------
    def __add__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", _local=(1.0, 1.0))

    def __mul__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", _local=(other.data, self.data))

    def __pow__(self, other: float) -> "Value":
        if isinstance(other, Value):
            # a ** b with both as graph nodes: d/da = b a^(b-1), d/db = a^b ln a (0 where a <= 0, as PyTorch)
            out = _power(self.data, other.data)
            dlog = out * math.log(self.data) if self.data > 0 else 0.0
            return Value(out, (self, other), "**", _local=(_power_slope(self.data, other.data), dlog))
        if not isinstance(other, numbers.Real):  # int, float, bool and NumPy scalars
            raise TypeError(f"Value ** {type(other).__name__}: the exponent must be a number or a Value")
        return Value(_power(self.data, other), (self,), f"**{other:g}", _local=(_power_slope(self.data, other),))

    def __rpow__(self, other: float) -> "Value":
        return Value(other) ** self

    def exp(self) -> "Value":
        try:
            e = math.exp(self.data)
        except OverflowError:  # e^x beyond the largest float: inf, as NumPy and PyTorch give
            e = math.inf
        return Value(e, (self,), "exp", _local=(e,))

    def log(self) -> "Value":
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number ({self.data!r}) is undefined")
        return Value(math.log(self.data), (self,), "log", _local=(1.0 / self.data,))

    def tanh(self) -> "Value":
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", _local=(1.0 - t * t,))

    def relu(self) -> "Value":
        positive = self.data > 0
        return Value(self.data if positive else 0.0, (self,), "ReLU", _local=(1.0 if positive else 0.0,))

    def sigmoid(self) -> "Value":
        # the two branches avoid overflow of exp for large |x|
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return Value(s, (self,), "sigmoid", _local=(s * (1.0 - s),))

    def __neg__(self) -> "Value":
        return Value(-self.data, (self,), "neg", _local=(-1.0,))

    def __sub__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), "-", _local=(1.0, -1.0))

    def __truediv__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        if other.data == 0:
            raise ZeroDivisionError("Value division by zero")
        inv = 1.0 / other.data
        return Value(self.data * inv, (self, other), "/", _local=(inv, -self.data * inv * inv))

    def __radd__(self, other: Any) -> "Value":
        return self + other

    def __rmul__(self, other: Any) -> "Value":
        return self * other

    def __rsub__(self, other: Any) -> "Value":
        return Value(other) - self

    def __rtruediv__(self, other: Any) -> "Value":
        return Value(other) / self

    @property
    def grad_pass(self) -> int:
        """Number of the backward pass that last wrote ``.grad`` (passes count up from 1; 0: none yet).

        A picture compares it with the root's to tell this graph's gradients from stale ones.
        """
        return getattr(self, "_grad_pass", 0)  # the slot is only filled by backward: no cost per new node

    # -- the node protocol (autograd.Node) ------------------------------------------------------
    @property
    def parents(self) -> tuple:
        """The Values this one was computed from (empty for an input)."""
        return self._prev

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
        return self._released

    def describe(self) -> str:
        """The op that made this value (a Value op has no further parameters to show)."""
        return self._op

    # -- the engine's interface ------------------------------------------------------------
    def _initial_grad(self, grad: Any) -> float:
        return 1.0 if grad is None else float(grad)

    def _accumulate(self, g: float) -> None:
        self.grad += g

    def _sends(self, g: float) -> list:
        return [(p, local, g * local) for p, local in zip(self._prev, self._local)]

    def _release(self) -> None:
        self._prev, self._local, self._released = (), (), True

    def backward(self, grad: float | None = None, retain_graph: bool | None = None) -> None:
        """Fill ``.grad`` of every node this value was computed from.

        Like PyTorch, calling it twice *adds* the gradients again: call ``zero_grad``
        (or set ``.grad = 0``) in between. Scalar graphs are kept after backward so
        they can be drawn and stepped; pass ``retain_graph=False`` to free them.
        """
        _backward(self, grad, retain_graph)

    def backward_steps(self, grad: float | None = None, retain_graph: bool | None = None) -> Iterator[Step]:
        """The backward pass one node at a time (see `minigrad.autograd.backward_steps`)."""
        return backward_steps(self, grad, retain_graph)

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
