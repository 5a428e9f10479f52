"""What every op shares: the `Function` base class, `unbroadcast`, axis handling, the error types.

An op is a `Function` subclass with ``name`` (its short label in pictures), ``formulas``
(what it sends back to each input, written with ``g`` for the upstream gradient and
``a``, ``b`` for its inputs), ``forward(xp, *arrays, **params)`` and ``backward(grad)``
returning one gradient per input (``None`` where ``self.needs[i]`` is false, so no work
is done for constants such as the input batch).
"""
from __future__ import annotations

import operator
import re
from typing import Any, Sequence


class ShapeError(ValueError, RuntimeError):
    """Operands whose shapes do not fit the op; the message names the op and both shapes.

    A `RuntimeError` as in PyTorch, and a `ValueError` as minigrad always raised it.
    """


class ArgumentError(ValueError, RuntimeError):
    """A bad argument to an op (clamp with no bounds, shifts without dims, an int to a negative power):
    a `RuntimeError` as PyTorch raises it, and a `ValueError` as Python code expects."""


class DTypeError(TypeError, RuntimeError):
    """An op that does not take this dtype (a shift of floats): PyTorch's `RuntimeError`, Python's `TypeError`."""


class RangeError(IndexError, RuntimeError):
    """A count or position outside what the tensor has (topk's k, a 0-d tensor's axis): an `IndexError`,
    and PyTorch's `RuntimeError`."""


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` back down to ``shape``: the adjoint of NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of size 1,
    so each copy's gradient must be added back into the one original element.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def normalize_axis(axis: Any, ndim: int) -> int:
    """One axis as a non-negative int; a bad one raises IndexError, as PyTorch and NumPy do."""
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"axis must be an int, got {axis!r}") from None
    n = max(ndim, 1)  # a 0-d tensor accepts 0 and -1, as in PyTorch
    if not -n <= a < n:
        raise IndexError(f"axis {a} is out of range for a tensor with {ndim} dimension(s) "
                         f"(expected one in [{-n}, {n - 1}])")
    return a % n


def normalize_axes(axis: Any, ndim: int) -> tuple | None:
    """``None`` (all axes) or a sorted tuple of distinct non-negative axes.

    Accepts an int (NumPy integers too), or a tuple/list of them; negative axes count
    from the end. A 0-d tensor has no axes: 0 and -1 name "the whole thing" (as in
    PyTorch) and reduce nothing. ``()`` reduces nothing (NumPy's rule; PyTorch's
    ``dim=()`` would reduce everything).
    """
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, on every reduction: kept short
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, int) or not hasattr(axis, "__iter__") else tuple(axis)
    out = []
    for a in axes:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}") from None
        a = normalize_axis(a, ndim)
        if ndim:
            out.append(a)
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {axis!r} names the same axis twice (a tensor with {ndim} dimension(s))")
    return tuple(sorted(out))


def expand_reduced(grad: Any, shape: tuple, axes: tuple | None, keepdims: bool) -> Any:
    """Put back the reduced axes (as size 1) so ``grad`` broadcasts against the input."""
    if axes is None:
        return grad.reshape((1,) * len(shape)) if not keepdims else grad
    if not keepdims:
        for a in axes:
            grad = grad.reshape(grad.shape[:a] + (1,) + grad.shape[a:])
    return grad


def prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


class Function:
    """One op of the graph. Subclasses set ``name`` and ``formulas`` and implement forward/backward.

    ``stamp`` is the tensors' modification clock when the op ran: backward compares it with
    its inputs' last in-place change to refuse gradients computed from edited data.
    ``saves_inputs`` is False for ops whose backward never looks at their inputs' values
    (``+``, ``sum``, reshapes): editing those inputs afterwards changes no gradient.
    """

    name = "?"
    formulas: tuple = ()
    saves_inputs = True
    __slots__ = ("needs", "xp", "saved", "params", "stamp")

    def __init__(self, needs: tuple, xp: Any, params: dict):
        self.needs = needs
        self.xp = xp
        self.params = params
        self.saved: tuple = ()

    def forward(self, xp: Any, *arrays: Any, **params: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: Any) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def formula(self, index: int) -> str:
        """The rule for input ``index`` as written in ``formulas`` (inputs a, b, ...; g the upstream gradient)."""
        f = self.formulas
        return f[index] if index < len(f) else f[-1] if f else ""

    def describe(self) -> str:
        """The op with its parameters, e.g. ``sum(axis=1)``, for pictures and the REPL."""
        # None and False are the defaults (axis=None, keepdims=False): showing them is noise
        shown = ", ".join(f"{k}={_param_text(v)}" for k, v in self.params.items()
                          if v is not None and v is not False and k != "index")
        return f"{self.name}({shown})" if shown else self.name


def _param_text(value: Any) -> str:
    """A parameter as a short word: an array (where's mask, targets) by its dtype and shape, never in full."""
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) > 0:
        return f"<{getattr(value, 'dtype', 'array')} {tuple(shape)}>"
    return str(value)


_INPUT_LETTER = re.compile(r"(?<![A-Za-z_])([a-e])(?![A-Za-z_(])")  # a lone a..e: an input of the op


def rule_text(fn: Function | None, index: int, names: Sequence[str]) -> str:
    """``fn``'s rule for input ``index`` with the inputs' names in place of a, b, ... (``g * w`` for ``g * b``)."""
    if fn is None:
        return ""

    def name(m: re.Match) -> str:
        i = ord(m.group(1)) - ord("a")
        if i >= len(names):
            return m.group(1)
        text = str(names[i])
        # an expression or a negative number as an operand keeps its parentheses: g * (-3), not g * -3
        return f"({text})" if (" " in text or text.startswith("-")) else text

    return _INPUT_LETTER.sub(name, fn.formula(index))


class ZeroGradient(Function):
    """A piecewise-constant function (floor, sign, ...): its derivative is 0 wherever it exists.

    PyTorch gives these a zero gradient rather than none, so a graph through them still
    runs backward; subclasses name the array function in ``compute``.
    """

    formulas = ("0 (piecewise constant)",)
    saves_inputs = False
    compute = ""

    def forward(self, xp, a, **params):
        return getattr(xp, self.compute)(a, **params)

    def backward(self, g):
        return (self.xp.zeros_like(g),)
