"""Elementwise primitives: arithmetic, powers, the functions with their own derivative.

Composite elementwise ops (softplus, gelu, clamp, tan, sinh, ...) are not here: they are
Tensor methods written from these (minigrad/composites.py).
"""
from __future__ import annotations

import math

from ..backend import erf
from .base import Function, ZeroGradient, unbroadcast


# -- binary ------------------------------------------------------------------------------------
class Add(Function):
    name, formulas, saves_inputs = "+", ("g", "g"), False

    def forward(self, xp, a, b):
        self.saved = (a.shape, b.shape)
        return a + b

    def backward(self, g):
        sa, sb = self.saved
        return (unbroadcast(g, sa) if self.needs[0] else None, unbroadcast(g, sb) if self.needs[1] else None)


class Sub(Function):
    name, formulas, saves_inputs = "-", ("g", "-g"), False

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
    """a ** b with a tensor exponent: d/da = b a^(b-1), d/db = a^b ln a.

    Where ln a does not exist the exponent's gradient says so, with PyTorch's values:
    nan for a < 0 (a^b is real only at whole b, so it has no slope in b), and at a = 0
    the limit of a^b ln a: 0 for b >= 0 (0^b is constant 0, or 1 at b = 0) and -inf for
    b < 0 (0^b = inf; +inf at a = -0 with an odd b, where 0^b = -inf).
    """

    name, formulas = "**", ("g * b * a^(b-1)", "g * a^b * ln a")

    def forward(self, xp, a, b):
        out = a ** b
        self.saved = (a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        xp = self.xp
        ga = gb = None
        if self.needs[0]:
            # b a^(b-1) is 0 * inf = nan at a = 0, b = 0; a^0 is constant, so its slope is 0 (as PyTorch)
            ga = unbroadcast(g * xp.where(b == 0, 0, b * a ** (b - 1)), a.shape)
        if self.needs[1]:
            with_log = out * xp.log(xp.where(a > 0, a, 1))  # ln of the positive bases only: no warnings
            at_zero = xp.where(b >= 0, 0.0, -out)  # out = ±inf there, and ln 0 = -inf: -inf, or inf at a = -0
            slope = xp.where(a > 0, with_log, xp.where(a == 0, at_zero, math.nan))
            gb = unbroadcast(g * slope.astype(g.dtype, copy=False), b.shape)
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
    """Elementwise max of two tensors; a tie sends half the gradient to each side (as PyTorch)."""

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


class Minimum(Maximum):
    """Elementwise min of two tensors, as `Maximum` (not -max(-a, -b): -(-2**31) overflows int32)."""

    name, formulas = "minimum", ("g * [a < b]", "g * [b < a]")

    def forward(self, xp, a, b):
        self.saved = (a, b)
        return xp.minimum(a, b)

    def backward(self, g):
        a, b = self.saved
        wa = (a < b).astype(g.dtype) + (a == b).astype(g.dtype) * 0.5
        return (unbroadcast(g * wa, a.shape) if self.needs[0] else None,
                unbroadcast(g * (1 - wa), b.shape) if self.needs[1] else None)


class Remainder(Function):
    """``a % b`` with the sign of the divisor (Python's and PyTorch's remainder): a - floor(a/b) b."""

    name, formulas = "%", ("g", "-g * floor(a / b)")

    def forward(self, xp, a, b):
        self.saved = (a, b)
        return xp.remainder(a, b)

    def backward(self, g):
        a, b = self.saved
        return (unbroadcast(g, a.shape) if self.needs[0] else None,
                unbroadcast(-g * self.xp.floor(a / b), b.shape) if self.needs[1] else None)


class FloorDivide(ZeroGradient):
    """``a // b``: piecewise constant in both inputs, so both gradients are 0."""

    name, formulas = "//", ("0 (piecewise constant)", "0 (piecewise constant)")

    def forward(self, xp, a, b):
        self.saved = (a.shape, b.shape)
        return xp.floor_divide(a, b)

    def backward(self, g):
        sa, sb = self.saved
        zero = self.xp.zeros((), dtype=g.dtype)
        return (self.xp.broadcast_to(zero, sa) if self.needs[0] else None,
                self.xp.broadcast_to(zero, sb) if self.needs[1] else None)


# -- unary -------------------------------------------------------------------------------------
class Neg(Function):
    name, formulas, saves_inputs = "neg", ("-g",), False

    def forward(self, xp, a):
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Function):
    name, formulas, saves_inputs = "exp", ("g * exp(a)",), False  # it keeps its output, not its input

    def forward(self, xp, a):
        out = xp.exp(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g * self.saved[0],)


class Expm1(Function):
    """exp(a) - 1, exact for tiny a (where exp(a) - 1 loses every digit to rounding)."""

    name, formulas, saves_inputs = "expm1", ("g * exp(a)",), False  # it keeps its output, not its input

    def forward(self, xp, a):
        out = xp.expm1(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g * (self.saved[0] + 1),)


class Log(Function):
    name, formulas = "log", ("g / a",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.log(a)

    def backward(self, g):
        return (g / self.saved[0],)


class Log1p(Function):
    """log(1 + a), exact for tiny a (where 1 + a rounds a away)."""

    name, formulas = "log1p", ("g / (1 + a)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.log1p(a)

    def backward(self, g):
        return (g / (1 + self.saved[0]),)


class Sqrt(Function):
    name, formulas, saves_inputs = "sqrt", ("g / (2 sqrt(a))",), False  # it keeps its output, not its input

    def forward(self, xp, a):
        out = xp.sqrt(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g / (2 * self.saved[0]),)


class RootOfSquares(Sqrt):
    """The square root that ends `std` and the 2-norm: where the result is 0 its gradient is 0, PyTorch's value
    (the slope of sqrt(sum x²) at x = 0 depends on the direction; g / (2 sqrt 0) would make every input nan)."""

    def backward(self, g):
        out = self.xp.asarray(self.saved[0])
        zero = out == 0
        return (self.xp.where(zero, 0, g / (2 * self.xp.where(zero, 1, out))).astype(g.dtype, copy=False),)


class Abs(Function):
    name, formulas = "abs", ("g * sign(a)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.abs(a)

    def backward(self, g):
        return (g * self.xp.sign(self.saved[0]),)


class Tanh(Function):
    name, formulas, saves_inputs = "tanh", ("g * (1 - tanh(a)²)",), False  # it keeps its output, not its input

    def forward(self, xp, a):
        out = xp.tanh(a)
        self.saved = (out,)
        return out

    def backward(self, g):
        t = self.saved[0]
        return (g * (1 - t * t),)


class ReLU(Function):
    """max(a, 0). A primitive rather than ``maximum(a, 0)``: it is in every hidden layer (one
    comparison in backward instead of Maximum's tie bookkeeping), and its slope at 0 is 0, as PyTorch's."""

    name, formulas, saves_inputs = "relu", ("g * [a > 0]",), False  # it keeps its output, not its input

    def forward(self, xp, a):
        out = xp.maximum(a, 0)
        self.saved = (out,)
        return out

    def backward(self, g):
        return (g * (self.saved[0] > 0),)


class Sigmoid(Function):
    """1 / (1 + e^-a), fused: composed from exp and / it overflows (e^1000) and costs four ops per layer."""

    name, formulas, saves_inputs = "sigmoid", ("g * s(a) (1 - s(a))",), False  # it keeps its output, not its input

    def forward(self, xp, a):
        # exp of -|a| never overflows; the two branches give 1/(1+e^-a) for either sign
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
        self.saved = (out,)
        return out

    def backward(self, g):
        s = self.saved[0]
        return (g * s * (1 - s),)


class Sin(Function):
    name, formulas = "sin", ("g * cos(a)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.sin(a)

    def backward(self, g):
        return (g * self.xp.cos(self.saved[0]),)


class Cos(Function):
    name, formulas = "cos", ("-g * sin(a)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.cos(a)

    def backward(self, g):
        return (-g * self.xp.sin(self.saved[0]),)


class Atan(Function):
    name, formulas = "atan", ("g / (1 + a²)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.arctan(a)

    def backward(self, g):
        a = self.saved[0]
        return (g / (1 + a * a),)


class Asin(Function):
    name, formulas = "asin", ("g / sqrt(1 - a²)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.arcsin(a)

    def backward(self, g):
        a = self.saved[0]
        return (g / self.xp.sqrt(1 - a * a),)


class Acos(Function):
    name, formulas = "acos", ("-g / sqrt(1 - a²)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.arccos(a)

    def backward(self, g):
        a = self.saved[0]
        return (-g / self.xp.sqrt(1 - a * a),)


class Asinh(Function):
    """A primitive: log(a + sqrt(a² + 1)) loses every digit to cancellation for large negative a."""

    name, formulas = "asinh", ("g / sqrt(a² + 1)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.arcsinh(a)

    def backward(self, g):
        a = self.saved[0]
        return (g / self.xp.sqrt(a * a + 1),)


class Acosh(Function):
    name, formulas = "acosh", ("g / sqrt(a² - 1)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.arccosh(a)

    def backward(self, g):
        a = self.saved[0]
        return (g / self.xp.sqrt(a * a - 1),)


class Atanh(Function):
    name, formulas = "atanh", ("g / (1 - a²)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return xp.arctanh(a)

    def backward(self, g):
        a = self.saved[0]
        return (g / (1 - a * a),)


class Erf(Function):
    """The error function (gelu's Gaussian CDF is built on it): d/da erf(a) = 2/sqrt(pi) e^(-a²)."""

    name, formulas = "erf", ("g * 2/sqrt(pi) * exp(-a²)",)

    def forward(self, xp, a):
        self.saved = (a,)
        return erf(xp, a)

    def backward(self, g):
        a = self.saved[0]
        return (g * (2 / math.sqrt(math.pi)) * self.xp.exp(-a * a),)


# -- piecewise constant: the gradient is 0 (PyTorch's convention, so graphs through them still run) --
class Sign(ZeroGradient):
    name, compute = "sign", "sign"


class Floor(ZeroGradient):
    name, compute = "floor", "floor"


class Ceil(ZeroGradient):
    name, compute = "ceil", "ceil"


class Round(ZeroGradient):
    """Round half to even (0.5 -> 0, 1.5 -> 2), as NumPy and PyTorch do; ``decimals`` digits."""

    name, compute = "round", "round"


class Trunc(ZeroGradient):
    name, compute = "trunc", "trunc"
