"""Tensor methods that compute: elementwise functions, activations, reductions, comparisons.

A primitive is one line here (``apply`` of its `minigrad.ops` Function); everything
else is written from primitives, so its gradient comes for free and needs no test of
its own beyond the op catalogue's. PyTorch's spellings work alongside NumPy's:
``dim=``/``keepdim=`` for ``axis=``/``keepdims=``.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import dispatch, ops
from .backend import array_module, to_device
from .dispatch import apply, binary, compared, constant, lift


class ValuesIndices(NamedTuple):
    """What ``max(dim=...)``, ``sort``, ``topk`` and ``cummax`` return, as PyTorch's ``torch.return_types``."""

    values: Any
    indices: Any


def torch_axis(axis: Any, keepdims: Any, dim: Any, keepdim: Any) -> tuple:
    """``axis``/``keepdims`` from either spelling (NumPy's or PyTorch's ``dim``/``keepdim``), not both."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give the axis once: axis= (NumPy's name) or dim= (PyTorch's), not both")
        axis = dim
    return axis, bool(keepdims if keepdim is None else keepdim)


def _float(t: Any) -> Any:
    """Integer and boolean tensors as float32 (PyTorch's default), for ops only defined on floats."""
    return t if t.dtype.kind == "f" else t.astype(np.float32)


class MathOps:
    """Mixed into `Tensor`: everything that computes numbers from numbers."""

    __slots__ = ()

    # -- elementwise primitives -----------------------------------------------------------------
    def exp(self) -> Any:
        return apply(ops.Exp, _float(self))

    def log(self) -> Any:
        return apply(ops.Log, _float(self))

    def sqrt(self) -> Any:
        return apply(ops.Sqrt, _float(self))

    def abs(self) -> Any:
        return apply(ops.Abs, self)

    def tanh(self) -> Any:
        return apply(ops.Tanh, _float(self))

    def relu(self) -> Any:
        return apply(ops.ReLU, self)

    def sigmoid(self) -> Any:
        return apply(ops.Sigmoid, _float(self))

    def expm1(self) -> Any:
        return apply(ops.Expm1, _float(self))

    def log1p(self) -> Any:
        return apply(ops.Log1p, _float(self))

    def sin(self) -> Any:
        return apply(ops.Sin, _float(self))

    def cos(self) -> Any:
        return apply(ops.Cos, _float(self))

    def asin(self) -> Any:
        return apply(ops.Asin, _float(self))

    def acos(self) -> Any:
        return apply(ops.Acos, _float(self))

    def atan(self) -> Any:
        return apply(ops.Atan, _float(self))

    def asinh(self) -> Any:
        return apply(ops.Asinh, _float(self))

    def acosh(self) -> Any:
        return apply(ops.Acosh, _float(self))

    def atanh(self) -> Any:
        return apply(ops.Atanh, _float(self))

    def erf(self) -> Any:
        return apply(ops.Erf, _float(self))

    def sign(self) -> Any:
        return apply(ops.Sign, self)

    def floor(self) -> Any:
        return apply(ops.Floor, self)

    def ceil(self) -> Any:
        return apply(ops.Ceil, self)

    def trunc(self) -> Any:
        return apply(ops.Trunc, self)

    def round(self, decimals: int = 0) -> Any:
        """Round half to even (0.5 -> 0, 2.5 -> 2), as NumPy and PyTorch do."""
        return apply(ops.Round, self, decimals=decimals) if decimals else apply(ops.Round, self)

    # -- elementwise composites -------------------------------------------------------------------
    def tan(self) -> Any:
        return self.sin() / self.cos()

    def sinh(self) -> Any:
        return (self.exp() - (-self).exp()) * 0.5

    def cosh(self) -> Any:
        return (self.exp() + (-self).exp()) * 0.5

    def log2(self) -> Any:
        return self.log() * (1 / math.log(2))

    def log10(self) -> Any:
        return self.log() * (1 / math.log(10))

    def square(self) -> Any:
        return self * self

    def reciprocal(self) -> Any:
        return 1.0 / _float(self)

    def rsqrt(self) -> Any:
        return 1.0 / self.sqrt()

    def minimum(self, other: Any) -> Any:
        """Elementwise min; a tie sends half the gradient each way (as `maximum`)."""
        return -((-self).maximum(-lift(other, self)))

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - PyTorch's names
        """Limit to [min, max]: the gradient passes where min <= x <= max, the bounds where they win."""
        if min is None and max is None:
            raise ValueError("clamp needs min, max or both")
        out = self
        if min is not None:
            out = self._where(out < min, min, out)
        if max is not None:
            out = self._where(out > max, max, out)
        return out

    clip = clamp

    def leaky_relu(self, slope: float = 0.01, *, negative_slope: float | None = None) -> Any:
        """x for x > 0, slope * x otherwise (the slope at 0 is ``slope``, as PyTorch's)."""
        slope = slope if negative_slope is None else negative_slope
        return self._where(self > 0, self, self * slope)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Any:
        """clamp(min_val, max_val), with no gradient at the bounds themselves (PyTorch's hardtanh)."""
        return self._where(self <= min_val, min_val, self._where(self >= max_val, max_val, self))

    def relu6(self) -> Any:
        return self.hardtanh(0.0, 6.0)

    def elu(self, alpha: float = 1.0) -> Any:
        """x for x > 0, alpha (e^x - 1) otherwise."""
        positive = self > 0
        # exp only of the negative side: e^x of a large positive x would be inf, and its 0-weighted
        # gradient 0 * inf = nan would leak through where()
        return self._where(positive, self, self._where(positive, 0.0, self).expm1() * alpha)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Any:
        """log(1 + e^(beta x)) / beta, a smooth relu; linear where beta x > threshold (as PyTorch)."""
        scaled = self * beta
        linear = scaled > threshold
        return self._where(linear, self, self._where(linear, 0.0, scaled).exp().log1p() / beta)

    def silu(self) -> Any:
        """x sigmoid(x) (also called swish)."""
        return self * self.sigmoid()

    def gelu(self, approximate: str = "none") -> Any:
        """x Φ(x) with Φ the standard normal CDF; ``approximate="tanh"`` is the GPT-2 formula."""
        if approximate == "tanh":
            inner = (self + self * self * self * 0.044715) * math.sqrt(2 / math.pi)
            return self * 0.5 * (inner.tanh() + 1)
        if approximate != "none":
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        return self * 0.5 * ((self * (1 / math.sqrt(2))).erf() + 1)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Any:
        return apply(ops.Softmax, _float(self), axis=ops.normalize_axis(axis if dim is None else dim, self.ndim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Any:
        return apply(ops.LogSoftmax, _float(self), axis=ops.normalize_axis(axis if dim is None else dim, self.ndim))

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        if dim is not None or keepdim is not None:
            axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        return apply(ops.Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        if dim is not None or keepdim is not None:
            axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        return apply(ops.Mean, _float(self), axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        """The maximum over ``axis`` (all axes by default); ties share the gradient evenly.

        minigrad's contract (NumPy's): ``max(axis=1)`` gives the values. PyTorch's spelling
        ``max(dim=1)`` gives PyTorch's answer, the pair ``(values, indices)``; ``max(other)``
        with a tensor is `maximum`.
        """
        if isinstance(axis, dispatch.Tensor):
            return self.maximum(axis)
        keepdims = keepdims if keepdim is None else keepdim
        if dim is not None:
            return self._pick(self.argmax(dim=dim, keepdim=True), dim, keepdims)
        return apply(ops.Max, self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        """The minimum, as `max`: values for ``axis=``, ``(values, indices)`` for PyTorch's ``dim=``."""
        if isinstance(axis, dispatch.Tensor):
            return self.minimum(axis)
        if dim is not None:
            return self._pick(self.argmin(dim=dim, keepdim=True), dim, keepdims if keepdim is None else keepdim)
        return -((-self).max(axis=axis, keepdims=keepdims if keepdim is None else keepdim))

    def _pick(self, indices: Any, axis: int, keepdims: bool) -> ValuesIndices:
        """Values at ``indices`` (kept axis) along ``axis``, with their gradient going to exactly those places."""
        values = self.gather(axis, indices)
        if not keepdims:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return ValuesIndices(values, indices)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Any:
        """Index of the (first) maximum, as an int64 tensor without a graph."""
        return self._arg("argmax", *torch_axis(axis, keepdims, dim, keepdim))

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Any:
        return self._arg("argmin", *torch_axis(axis, keepdims, dim, keepdim))

    def _arg(self, how: str, axis: Any, keepdims: bool) -> Any:
        xp = array_module(self._data)
        if axis is None:
            out = getattr(self._data.reshape(-1), how)()
            return constant(xp.asarray(out, dtype=np.int64).reshape((1,) * self.ndim if keepdims else ()))
        axis = ops.normalize_axis(axis, self.ndim)
        data = self._data if self.ndim else self._data.reshape(1)
        out = getattr(data, how)(axis=axis)
        return constant(xp.asarray(xp.expand_dims(out, axis) if keepdims and self.ndim else out, dtype=np.int64))

    def var(self, axis: Any = None, keepdims: bool = False, *, correction: float | None = None,
            unbiased: bool | None = None, dim: Any = None, keepdim: bool | None = None) -> Any:
        """Variance with Bessel's correction (divides by n - 1), as PyTorch; ``correction=0`` divides by n.

        ``unbiased=False`` is PyTorch's older spelling of ``correction=0``.
        """
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        x = _float(self)
        centred = x - x.mean(axis=axis, keepdims=True)
        axes = ops.normalize_axes(axis, x.ndim)
        divisor = (x.size if axes is None else ops.prod(x.shape[a] for a in axes)) - correction
        squares = (centred * centred).sum(axis=axis, keepdims=keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf or nan, as in PyTorch
            return squares * (1.0 / divisor if divisor > 0 else math.inf)

    def std(self, axis: Any = None, keepdims: bool = False, *, correction: float | None = None,
            unbiased: bool | None = None, dim: Any = None, keepdim: bool | None = None) -> Any:
        """Standard deviation: sqrt of `var` (Bessel's correction by default, as PyTorch)."""
        return self.var(axis, keepdims, correction=correction, unbiased=unbiased, dim=dim, keepdim=keepdim).sqrt()

    def logsumexp(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: bool | None = None) -> Any:
        """log(sum(e^x)) computed as m + log(sum(e^(x - m))) with m the maximum, so e^x never overflows."""
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        x = _float(self)
        m = x.detach().max(axis=axis, keepdims=True)
        m = self._where(m.abs() < math.inf, m, 0.0)  # rows of -inf (or inf) keep their value, not nan
        out = (x - m).exp().sum(axis=axis, keepdims=True).log() + m
        return out if keepdims else out.reshape(*_reduced_shape(x.shape, axis))

    def norm(self, p: Any = "fro", axis: Any = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Any:
        """The p-norm over ``axis`` (all elements by default): 2 (= "fro"), 1, inf, -inf, 0 or any number."""
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        x = _float(self)
        if p in ("fro", 2, 2.0):
            return (x * x).sum(axis=axis, keepdims=keepdims).sqrt()
        if p in (math.inf, "inf"):
            return x.abs().max(axis=axis, keepdims=keepdims)
        if p in (-math.inf, "-inf"):
            return x.abs().min(axis=axis, keepdims=keepdims)
        if p == 0:
            return (x != 0).astype(x.dtype).sum(axis=axis, keepdims=keepdims)
        if p == 1:
            return x.abs().sum(axis=axis, keepdims=keepdims)
        return (x.abs() ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)

    def all(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        return constant(array_module(self._data).asarray(
            self._data.astype(bool).all(axis=ops.normalize_axes(axis, self.ndim), keepdims=keepdims)))

    def any(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Any:
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        return constant(array_module(self._data).asarray(
            self._data.astype(bool).any(axis=ops.normalize_axes(axis, self.ndim), keepdims=keepdims)))

    # -- scans along one axis -----------------------------------------------------------------------
    def cumsum(self, axis: int | None = None, *, dim: int | None = None) -> Any:
        """Running sum along ``axis`` (the flattened tensor when None, as NumPy)."""
        axis = torch_axis(axis, False, dim, None)[0]
        x = self.reshape(-1) if axis is None else self
        return apply(ops.Cumsum, x, axis=0 if axis is None else ops.normalize_axis(axis, x.ndim))

    def cumprod(self, axis: int | None = None, *, dim: int | None = None) -> Any:
        """Running product along ``axis`` (the flattened tensor when None); exact gradients with zeros."""
        axis = torch_axis(axis, False, dim, None)[0]
        x = self.reshape(-1) if axis is None else self
        return apply(ops.Cumprod, x, axis=0 if axis is None else ops.normalize_axis(axis, x.ndim))

    def cummax(self, axis: int | None = None, *, dim: int | None = None) -> ValuesIndices:
        """Running maximum along ``axis`` and where it was found (the latest place on ties, as PyTorch)."""
        return self._running("max", torch_axis(axis, False, dim, None)[0])

    def cummin(self, axis: int | None = None, *, dim: int | None = None) -> ValuesIndices:
        return self._running("min", torch_axis(axis, False, dim, None)[0])

    def _running(self, how: str, axis: Any) -> ValuesIndices:
        if axis is None:
            raise TypeError(f"cum{how} needs an axis (dim=...)")
        axis = ops.normalize_axis(axis, self.ndim)
        x = self if self.ndim else self.reshape(1)
        indices = constant(ops.running_extreme_indices(array_module(x._data), x._data, axis, how == "max"))
        values = x.gather(axis, indices)
        return ValuesIndices(values.reshape(*self.shape), indices.reshape(*self.shape))

    # -- comparisons and bitwise logic: results without a graph (masks, accuracy) --------------------
    # == is elementwise, as in PyTorch and NumPy; tensors still hash by identity, so they live in
    # sets and dicts as graph nodes do (``t in some_list`` compares elementwise: use a set, or ``is``)
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, "equal")

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, "not_equal")

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, "less")

    def __le__(self, other: Any) -> Any:
        return self._compare(other, "less_equal")

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, "greater")

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, "greater_equal")

    __hash__ = object.__hash__
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def _compare(self, other: Any, how: str) -> Any:
        return constant(getattr(array_module(self._data), how)(self._data, compared(other, self)))

    def _bitwise(self, other: Any, how: str) -> Any:
        right = compared(other, self)
        kind = np.result_type(right).kind if not hasattr(right, "dtype") else right.dtype.kind
        if self._data.dtype.kind not in "iub" or kind not in "iub":
            raise TypeError(f"{how}: bitwise operations take integer or boolean tensors, got {self.dtype}"
                            + (f" and {np.result_type(right) if not hasattr(right, 'dtype') else right.dtype}"))
        return constant(getattr(array_module(self._data), how)(self._data, right))

    def __and__(self, other: Any) -> Any:
        return self._bitwise(other, "bitwise_and")

    def __or__(self, other: Any) -> Any:
        return self._bitwise(other, "bitwise_or")

    def __xor__(self, other: Any) -> Any:
        return self._bitwise(other, "bitwise_xor")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    bitwise_and, bitwise_or, bitwise_xor = __and__, __or__, __xor__

    def __lshift__(self, other: Any) -> Any:
        return self._bitwise(other, "left_shift")

    def __rshift__(self, other: Any) -> Any:
        return self._bitwise(other, "right_shift")

    def __invert__(self) -> Any:
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"~ (bitwise not) takes integer or boolean tensors, got {self.dtype}")
        return constant(array_module(self._data).invert(self._data))

    bitwise_not = __invert__

    def logical_not(self) -> Any:
        return constant(~self._data.astype(bool))

    def _where(self, cond: Any, a: Any, b: Any) -> Any:
        """``where(cond, a, b)`` with ``a``/``b`` tensors or numbers, promoted as the arithmetic operators are."""
        ref = a if isinstance(a, dispatch.Tensor) else b if isinstance(b, dispatch.Tensor) else self
        mask = cond._data if isinstance(cond, dispatch.Tensor) else cond
        mask = to_device(mask if hasattr(mask, "astype") else np.asarray(mask), ref.device).astype(bool)
        return binary(ops.Where, lift(a, ref), lift(b, ref), cond=mask)


def _reduced_shape(shape: tuple, axis: Any) -> tuple:
    axes = ops.normalize_axes(axis, len(shape))
    return () if axes is None else tuple(n for i, n in enumerate(shape) if i not in axes)
