"""Tensor methods that compute elementwise: arithmetic functions, activations, comparisons, bitwise logic.

A primitive is one line here (``apply`` of its `minigrad.ops` Function); everything
else is written from primitives, so its gradient comes for free and needs no test of
its own beyond the op catalogue's. PyTorch's spellings work alongside NumPy's:
``dim=``/``keepdim=`` for ``axis=``/``keepdims=``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import dispatch, ops
from .backend import array_module, to_device
from .dispatch import apply, binary, compared, constant, lift
from .tensor_reduce import as_float as _float


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

    def dot(self, other: Any) -> Any:
        """The inner product of two 1-D tensors (``@`` for anything else)."""
        if self.ndim != 1 or getattr(other, "ndim", 1) != 1:
            raise ops.ShapeError(f"dot: expects two 1-D tensors, got {tuple(self.shape)} and "
                                 f"{tuple(getattr(other, 'shape', ()))} (use @ for matrices)")
        return self @ other

    def remainder(self, other: Any) -> Any:
        return self % other

    def exp2(self) -> Any:
        return (self * math.log(2)).exp()

    def add(self, other: Any, alpha: float = 1) -> Any:
        """``self + alpha * other`` (PyTorch's spelling)."""
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, alpha: float = 1) -> Any:
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Any) -> Any:
        return self * other

    def div(self, other: Any, rounding_mode: str | None = None) -> Any:
        """``self / other``; ``rounding_mode="trunc"`` or ``"floor"`` rounds the quotient (gradient 0)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self // other
        if rounding_mode != "trunc":
            raise ops.ArgumentError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        if self.dtype.kind in "iu" and getattr(other, "dtype", np.result_type(other)).kind in "iu":
            q = self // other  # exact in integers (a float quotient rounds 2**64 - 1): floor, then toward 0
            return q._where((q < 0) & (q * other != self), q + 1, q)
        q = self / other
        return q.trunc()  # the promoted dtype, as PyTorch: int / float is a float

    def pow(self, exponent: Any) -> Any:
        return self ** exponent

    def fmod(self, other: Any) -> Any:
        """The remainder with the sign of the dividend (C's fmod): self - trunc(self / other) * other."""
        if self.dtype.kind != "f" and not isinstance(other, float):
            return self - self.div(other, rounding_mode="trunc") * other
        return self - (self / other).trunc() * other

    def copysign(self, other: Any) -> Any:
        """|self| with the sign of ``other`` (the gradient flows to self only)."""
        sign = lift(other, self).detach()
        negative = (sign < 0) | ((sign == 0) & constant(array_module(sign._data).signbit(sign._data)))
        return self._where(negative, -self.abs(), self.abs())

    def lerp(self, end: Any, weight: Any) -> Any:
        """``self + weight * (end - self)``."""
        return self + (lift(end, self) - self) * weight

    def logaddexp(self, other: Any) -> Any:
        """log(e^self + e^other) without overflow: max + log1p(e^-|self - other|)."""
        other = lift(other, self)
        return self.maximum(other) + (-(self - other).abs()).exp().log1p()

    def isnan(self) -> Any:
        return constant(array_module(self._data).isnan(self._data))

    def isinf(self) -> Any:
        return constant(array_module(self._data).isinf(self._data))

    def isfinite(self) -> Any:
        return constant(array_module(self._data).isfinite(self._data))

    def isclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Any:
        other = compared(other, self)
        return constant(array_module(self._data).isclose(self._data, other, rtol=rtol, atol=atol,
                                                         equal_nan=equal_nan))

    def minimum(self, other: Any) -> Any:
        """Elementwise min; a tie sends half the gradient each way (as `maximum`)."""
        return binary(ops.Minimum, self, lift(other, self))

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - PyTorch's names
        """Limit to [min, max]: the gradient passes where min <= x <= max, the bounds where they win."""
        if min is None and max is None:
            raise ops.ArgumentError("clamp needs min, max or both")
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

    def selu(self) -> Any:
        """scale * elu(x, alpha) with SELU's constants (self-normalizing networks)."""
        return self.elu(1.6732632423543772) * 1.0507009873554805

    def celu(self, alpha: float = 1.0) -> Any:
        """x for x > 0, alpha (e^(x/alpha) - 1) otherwise."""
        positive = self > 0
        return self._where(positive, self, (self._where(positive, 0.0, self) * (1 / alpha)).expm1() * alpha)

    def softsign(self) -> Any:
        return self / (self.abs() + 1)

    def hardsigmoid(self) -> Any:
        """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (no gradient at the ends)."""
        return self._where(self <= -3, 0.0, self._where(self >= 3, 1.0, self * (1 / 6) + 0.5))

    def hardswish(self) -> Any:
        """x * hardsigmoid(x), written out (PyTorch's slope at -3 and 3 follows this formula)."""
        return self._where(self <= -3, 0.0, self._where(self >= 3, self, self * (self + 3) * (1 / 6)))

    def mish(self) -> Any:
        """x tanh(softplus(x))."""
        return self * self.softplus().tanh()

    def logsigmoid(self) -> Any:
        """log(sigmoid(x)) = -softplus(-x), without the log(0) of a saturated sigmoid."""
        return -(-self).softplus()

    def tanhshrink(self) -> Any:
        """x - tanh(x)."""
        return self - self.tanh()

    def quick_gelu(self) -> Any:
        return self * (self * 1.702).sigmoid()

    def silu(self) -> Any:
        """x sigmoid(x) (also called swish)."""
        return self * self.sigmoid()

    swish = silu

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

    def softmin(self, axis: int = -1, *, dim: int | None = None) -> Any:
        return (-self).softmax(axis, dim=dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Any:
        return apply(ops.LogSoftmax, _float(self), axis=ops.normalize_axis(axis if dim is None else dim, self.ndim))

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
            raise ops.DTypeError(f"{how}: bitwise operations take integer or boolean tensors, got {self.dtype}"
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
