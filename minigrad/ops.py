"""Tensor operations: one `Function` per op, its forward right above its backward.

``forward(xp, *arrays, **params)`` computes the result with the array module ``xp``
(numpy or cupy) and saves what backward needs; ``backward(grad)`` returns one
gradient per input (``None`` where ``self.needs[i]`` is false, so no work is done
for constants such as the input batch). Broadcasting is undone by the single
`unbroadcast` helper. ``formulas`` are the local derivatives written out, shown by
the REPL when it steps through a graph.
"""
from __future__ import annotations

import operator
import re
from typing import Any, Sequence

from .backend import scatter_add


class ShapeError(ValueError):
    """Operands whose shapes do not fit the op; the message names the op and both shapes."""


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
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ShapeError(f"axis {a} is out of range for a tensor with {ndim} dimension(s)")
        if ndim:
            out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {axis!r} names the same axis twice (a tensor with {ndim} dimension(s))")
    return tuple(sorted(out))


def _expand_reduced(grad: Any, shape: tuple, axes: tuple | None, keepdims: bool) -> Any:
    """Put back the reduced axes (as size 1) so ``grad`` broadcasts against the input."""
    if axes is None:
        return grad.reshape((1,) * len(shape)) if not keepdims else grad
    if not keepdims:
        for a in axes:
            grad = grad.reshape(grad.shape[:a] + (1,) + grad.shape[a:])
    return grad


class Function:
    """One op of the graph. Subclasses set ``name`` and implement forward/backward."""

    name = "?"
    formulas: tuple = ()
    __slots__ = ("needs", "xp", "saved", "params")

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


# -- elementwise binary ------------------------------------------------------------------
class Add(Function):
    name, formulas = "+", ("g", "g")

    def forward(self, xp, a, b):
        self.saved = (a.shape, b.shape)
        return a + b

    def backward(self, g):
        sa, sb = self.saved
        return (unbroadcast(g, sa) if self.needs[0] else None, unbroadcast(g, sb) if self.needs[1] else None)


class Sub(Function):
    name, formulas = "-", ("g", "-g")

    def forward(self, xp, a, b):
        self.saved = (a.shape, b.shape)
        return a - b

    def backward(self, g):
        sa, sb = self.saved
        return (unbroadcast(g, sa) if self.needs[0] else None, unbroadcast(-g, sb) if self.needs[1] else None)


class Mul(Function):
    name, formulas = "*", ("g * b", "g * a")

    def forward(self, xp, a, b):
        self.saved = (a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        return (unbroadcast(g * b, a.shape) if self.needs[0] else None,
                unbroadcast(g * a, b.shape) if self.needs[1] else None)


class Div(Function):
    name, formulas = "/", ("g / b", "-g * a / b²")

    def forward(self, xp, a, b):
        self.saved = (a, b)
        return a / b

    def backward(self, g):
        a, b = self.saved
        return (unbroadcast(g / b, a.shape) if self.needs[0] else None,
                unbroadcast(-g * a / (b * b), b.shape) if self.needs[1] else None)


class Pow(Function):
    """a ** b with a tensor exponent: d/da = b a^(b-1), d/db = a^b ln a (0 where a <= 0)."""

    name, formulas = "**", ("g * b * a^(b-1)", "g * a^b * ln a")

    def forward(self, xp, a, b):
        out = a ** b
        self.saved = (a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        xp = self.xp
        ga = None
        if self.needs[0]:
            # b a^(b-1) is 0 * inf = nan at a = 0, b = 0; a^0 is constant, so its slope is 0 (as PyTorch)
            ga = unbroadcast(g * xp.where(b == 0, 0, b * a ** (b - 1)), a.shape)
        gb = None
        if self.needs[1]:
            safe = xp.where(a > 0, a, 1)
            gb = unbroadcast(g * out * xp.log(safe) * (a > 0), b.shape)
        return ga, gb


class PowScalar(Function):
    name, formulas = "**", ("g * p * a^(p-1)",)

    def forward(self, xp, a, p):
        self.saved = (a,)
        return a ** p

    def backward(self, g):
        (a,) = self.saved
        p = self.params["p"]
        if p == 0:  # a ** 0 is constant 1: the formula would give 0 * 0^-1 = nan at a = 0
            return (self.xp.zeros_like(g),)
        return (g * (p * a ** (p - 1)),)

    def describe(self):
        return f"**{self.params['p']:g}"


class Maximum(Function):
    """Elementwise max of two tensors; a tie sends half the gradient to each side."""

    name, formulas = "maximum", ("g * [a > b]", "g * [b > a]")

    def forward(self, xp, a, b):
        self.saved = (a, b)
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.saved
        # 1 where a wins, 0.5 on a tie, 0 where b wins: built in g's dtype, so float32 stays float32
        wa = (a > b).astype(g.dtype) + (a == b).astype(g.dtype) * 0.5
        return (unbroadcast(g * wa, a.shape) if self.needs[0] else None,
                unbroadcast(g * (1 - wa), b.shape) if self.needs[1] else None)


# -- elementwise unary -------------------------------------------------------------------
class Neg(Function):
    name, formulas = "neg", ("-g",)

    def forward(self, xp, a):
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Function):
    name, formulas = "exp", ("g * exp(a)",)

    def forward(self, xp, a):
        out = xp.exp(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g * self.saved[0],)


class Log(Function):
    name, formulas = "log", ("g / a",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.log(a)

    def backward(self, g):
        return (g / self.saved[0],)


class Sqrt(Function):
    name, formulas = "sqrt", ("g / (2 sqrt(a))",)

    def forward(self, xp, a):
        out = xp.sqrt(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g / (2 * self.saved[0]),)


class Abs(Function):
    name, formulas = "abs", ("g * sign(a)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.abs(a)

    def backward(self, g):
        return (g * self.xp.sign(self.saved[0]),)


class Tanh(Function):
    name, formulas = "tanh", ("g * (1 - tanh(a)²)",)

    def forward(self, xp, a):
        out = xp.tanh(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        t = self.saved[0]
        return (g * (1 - t * t),)


class ReLU(Function):
    name, formulas = "relu", ("g * [a > 0]",)

    def forward(self, xp, a):
        out = xp.maximum(a, 0)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g * (self.saved[0] > 0),)


class LeakyReLU(Function):
    name, formulas = "leaky_relu", ("g * (1 if a > 0 else slope)",)

    def forward(self, xp, a, slope):
        self.saved = (a > 0,)
        return xp.where(a > 0, a, a * slope)

    def backward(self, g):
        positive = self.saved[0]
        return (self.xp.where(positive, g, g * self.params["slope"]),)


class Sigmoid(Function):
    name, formulas = "sigmoid", ("g * s(a) (1 - s(a))",)

    def forward(self, xp, a):
        # exp of -|a| never overflows; the two branches give 1/(1+e^-a) for either sign
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
        self.saved = (out,)
        return out

    def backward(self, g):
        s = self.saved[0]
        return (g * s * (1 - s),)


# -- reductions --------------------------------------------------------------------------
class Sum(Function):
    name, formulas = "sum", ("broadcast g back over the summed axes",)

    def forward(self, xp, a, axis, keepdims):
        axes = normalize_axes(axis, a.ndim)
        self.saved = (a.shape, axes)
        return a.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        shape, axes = self.saved
        g = _expand_reduced(g, shape, axes, self.params["keepdims"])
        return (self.xp.broadcast_to(g, shape),)


class Mean(Function):
    name, formulas = "mean", ("g / n over the averaged axes",)

    def forward(self, xp, a, axis, keepdims):
        axes = normalize_axes(axis, a.ndim)
        n = a.size if axes is None else _prod(a.shape[i] for i in axes)
        self.saved = (a.shape, axes, n)
        if a.dtype == xp.float16:  # a float16 sum overflows at 65504: add in float32, as np.mean does
            return (a.sum(axis=axes, keepdims=keepdims, dtype=xp.float32) / n).astype(a.dtype)
        # what ndarray.mean computes, without its Python-level wrapper (a few µs per call)
        return a.sum(axis=axes, keepdims=keepdims) / n

    def backward(self, g):
        shape, axes, n = self.saved
        g = _expand_reduced(g, shape, axes, self.params["keepdims"])
        # times 1/n, not divided by n: n itself may not fit in float16 (65504), 1/n does
        return (self.xp.broadcast_to(g * (1.0 / n), shape),)


class Max(Function):
    """Max over axes; the gradient goes to the maximal entries (split evenly between ties)."""

    name, formulas = "max", ("g at the argmax, 0 elsewhere",)

    def forward(self, xp, a, axis, keepdims):
        axes = normalize_axes(axis, a.ndim)
        out = a.max(axis=axes, keepdims=True)
        self.saved = (a, out, axes)
        return out if keepdims else (out.reshape(()) if axes is None else xp.squeeze(out, axis=axes))

    def backward(self, g):
        a, out, axes = self.saved
        mask = a == out
        count = mask.sum(axis=axes, keepdims=True).astype(g.dtype)  # an int64 count would upcast g to float64
        g = _expand_reduced(g, a.shape, axes, self.params["keepdims"])
        return (mask * (g / count),)


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


# -- linear algebra ----------------------------------------------------------------------
class MatMul(Function):
    """Matrix product with NumPy's rules: 1-D operands are promoted, batch axes broadcast."""

    name, formulas = "@", ("g @ bᵀ", "aᵀ @ g")

    def forward(self, xp, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul needs operands with at least one dimension; multiply by a 0-d tensor with *")
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            # NumPy's own message speaks of gufunc signatures; say what a learner can fix
            where = "its only axis" if b.ndim == 1 else "its second-to-last axis"
            raise ValueError(f"inner sizes differ: a has {a.shape[-1]} columns (its last axis), "
                             f"b has {b.shape[0 if b.ndim == 1 else -2]} rows ({where})")
        self.saved = (a, b)
        return a @ b

    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        if a.ndim == 2 and b.ndim == 2:  # the common case (every Linear layer), written out plainly
            return (g @ b.T if self.needs[0] else None, a.T @ g if self.needs[1] else None)
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            return (g * b if self.needs[0] else None, g * a if self.needs[1] else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        ga = gb = None
        if self.needs[0]:
            ga = g2 @ xp.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga[..., 0, :] if a.ndim == 1 else ga, a.shape)
        if self.needs[1]:
            gb = xp.swapaxes(a2, -1, -2) @ g2
            gb = unbroadcast(gb[..., 0] if b.ndim == 1 else gb, b.shape)
        return ga, gb


# -- shape -------------------------------------------------------------------------------
class Reshape(Function):
    name, formulas = "reshape", ("g reshaped back",)

    def forward(self, xp, a, shape):
        self.saved = (a.shape,)
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.saved[0]),)


class Transpose(Function):
    name, formulas = "transpose", ("g transposed back",)

    def forward(self, xp, a, axes):
        self.saved = (axes,)
        return xp.transpose(a, axes)

    def backward(self, g):
        axes = self.saved[0]
        if axes is None:
            return (self.xp.transpose(g),)
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a] = i
        return (self.xp.transpose(g, inverse),)


class GetItem(Function):
    """``a[index]``: basic slicing and integer-array indexing; repeated indices add up."""

    name, formulas = "[]", ("g scattered back into zeros (repeats add)",)

    def forward(self, xp, a, index):
        self.saved = (a.shape, a.dtype)
        return a[index]

    def backward(self, g):
        shape, dtype = self.saved
        out = self.xp.zeros(shape, dtype=dtype)
        scatter_add(self.xp, out, self.params["index"], g)
        return (out,)

    def describe(self):
        return f"[{_index_text(self.params['index'])}]"


def _index_text(index: Any) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            bounds = ":".join("" if v is None else str(v) for v in (p.start, p.stop))
            out.append(bounds + (f":{p.step}" if p.step else ""))
        elif hasattr(p, "shape") and getattr(p, "ndim", 0) > 0:
            out.append(f"<{p.dtype} {tuple(p.shape)}>")
        else:
            out.append("..." if p is Ellipsis else ("None" if p is None else str(p)))
    return ", ".join(out)


class Cat(Function):
    name, formulas = "cat", ("g split back into the pieces",)

    def forward(self, xp, *arrays, axis):
        out = xp.concatenate(arrays, axis=axis)  # first: its errors (0-d pieces, a bad axis) say what is wrong
        self.saved = ([a.shape[axis] for a in arrays],)
        return out

    def backward(self, g):
        sizes = self.saved[0]
        axis = self.params["axis"]
        cuts, total = [], 0
        for n in sizes[:-1]:
            total += n
            cuts.append(total)
        pieces = self.xp.split(g, cuts, axis=axis)
        return tuple(p if need else None for p, need in zip(pieces, self.needs))


class Stack(Function):
    name, formulas = "stack", ("g taken apart along the new axis",)

    def forward(self, xp, *arrays, axis):
        return xp.stack(arrays, axis=axis)

    def backward(self, g):
        axis = self.params["axis"]
        return tuple(self.xp.take(g, i, axis=axis) if need else None for i, need in enumerate(self.needs))


class Where(Function):
    name, formulas = "where", ("g where cond", "g where not cond")

    def forward(self, xp, a, b, cond):
        self.saved = (a.shape, b.shape)
        return xp.where(cond, a, b)

    def backward(self, g):
        sa, sb = self.saved
        cond = self.params["cond"]
        zero = self.xp.zeros((), dtype=g.dtype)
        return (unbroadcast(self.xp.where(cond, g, zero), sa) if self.needs[0] else None,
                unbroadcast(self.xp.where(cond, zero, g), sb) if self.needs[1] else None)


# -- softmax family (computed with the max subtracted, so exp never overflows) ------------
class Softmax(Function):
    name, formulas = "softmax", ("s * (g - sum(g * s))",)

    def forward(self, xp, a, axis):
        e = xp.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        self.saved = (out,)
        return out

    def backward(self, g):
        s = self.saved[0]
        return (s * (g - (g * s).sum(axis=self.params["axis"], keepdims=True)),)


class LogSoftmax(Function):
    name, formulas = "log_softmax", ("g - softmax(a) * sum(g)",)

    def forward(self, xp, a, axis):
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.saved = (out,)
        return out

    def backward(self, g):
        out = self.saved[0]
        return (g - self.xp.exp(out) * g.sum(axis=self.params["axis"], keepdims=True),)


class CrossEntropy(Function):
    """Softmax cross-entropy with integer class targets, as one op (like PyTorch's fused kernel).

    Forward: ``-log_softmax(a)[i, t_i]`` summed or averaged over the batch. Backward:
    ``(softmax(a) - onehot(t)) * g`` (divided by n for the mean): one (n, classes) array,
    instead of the log_softmax -> index -> neg -> mean chain with its scatter into zeros.
    """

    name, formulas = "cross_entropy", ("g * (softmax(a) - onehot(t)) [/ n]",)

    def forward(self, xp, a, targets, reduction):
        shifted = a - a.max(axis=1, keepdims=True)
        log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        rows = xp.arange(a.shape[0])
        self.saved = (log_probs, rows)
        picked = log_probs[rows, targets]
        total = picked.sum()
        return -(total / len(rows) if reduction == "mean" else total)

    def backward(self, g):
        log_probs, rows = self.saved
        grad = self.xp.exp(log_probs)
        grad[rows, self.params["targets"]] -= 1
        scale = g / len(rows) if self.params["reduction"] == "mean" else g
        return (grad * scale,)

    def describe(self):
        return f"cross_entropy({self.params['reduction']})"
