"""Reductions and scans: sum, mean, max over axes; cumulative sum and product along one axis.

var, std, logsumexp, norm, cummax and the rest are composites (minigrad/composites.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Function, expand_reduced, normalize_axes, prod


class Sum(Function):
    name, formulas, saves_inputs = "sum", ("broadcast g back over the summed axes",), False

    def forward(self, xp, a, axis, keepdims):
        axes = normalize_axes(axis, a.ndim)
        self.saved = (a.shape, axes)
        return a.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        shape, axes = self.saved
        g = expand_reduced(g, shape, axes, self.params["keepdims"])
        return (self.xp.broadcast_to(g, shape),)


class Mean(Function):
    """The mean: a primitive rather than sum / n because float16 must add in float32 (it overflows at 65504)."""

    name, formulas, saves_inputs = "mean", ("g / n over the averaged axes",), False

    def forward(self, xp, a, axis, keepdims):
        axes = normalize_axes(axis, a.ndim)
        n = a.size if axes is None else prod(a.shape[i] for i in axes)
        self.saved = (a.shape, axes, n)
        with xp.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan, as in PyTorch
            if a.dtype == xp.float16:  # a float16 sum overflows at 65504: add in float32, as np.mean does
                return (a.sum(axis=axes, keepdims=keepdims, dtype=xp.float32) / n).astype(a.dtype)
            # what ndarray.mean computes, without its Python-level wrapper (a few µs per call)
            return a.sum(axis=axes, keepdims=keepdims) / n

    def backward(self, g):
        shape, axes, n = self.saved
        g = expand_reduced(g, shape, axes, self.params["keepdims"])
        if n == 0:  # an empty input (PyTorch returns its empty gradient): nothing to divide
            return (self.xp.zeros(shape, dtype=g.dtype),)
        # times 1/n, not divided by n: n itself may not fit in float16 (65504), 1/n does
        return (self.xp.broadcast_to(g * (1.0 / n), shape),)


class Max(Function):
    """Max over axes; the gradient goes to the maximal entries, split evenly between ties (PyTorch's amax)."""

    name, formulas = "max", ("g at the argmax, 0 elsewhere",)

    reduce = "max"

    def forward(self, xp, a, axis, keepdims):
        axes = normalize_axes(axis, a.ndim)
        out = getattr(a, self.reduce)(axis=axes, keepdims=True)
        self.saved = (a, out, axes)
        return out if keepdims else (out.reshape(()) if axes is None else xp.squeeze(out, axis=axes))

    def backward(self, g):
        a, out, axes = self.saved
        mask = a == out
        count = mask.sum(axis=axes, keepdims=True).astype(g.dtype)  # an int64 count would upcast g to float64
        g = expand_reduced(g, a.shape, axes, self.params["keepdims"])
        return (mask * (g / count),)


class Min(Max):
    """Min over axes, as `Max` (not -max(-x): that overflows int8's -128 and is wrong for unsigned and bool)."""

    name, formulas, reduce = "min", ("g at the argmin, 0 elsewhere",), "min"


class Cumsum(Function):
    """Running sum along ``axis``: each input adds into every later output, so its gradient sums g from there on."""

    name, formulas, saves_inputs = "cumsum", ("reversed cumsum of g",), False

    def forward(self, xp, a, axis):
        return xp.cumsum(a, axis=axis)

    def backward(self, g):
        xp, axis = self.xp, self.params["axis"]
        return (xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis),)


class Cumprod(Function):
    """Running product along ``axis``.

    The tidy gradient ``reversed_cumsum(g * out) / a`` divides by zero where an input
    is 0, so backward forms, for each input i, the running product with a_i replaced by 1
    (n running products of length n): exact with zeros, O(n²) along the axis.
    """

    name, formulas = "cumprod", ("sum over j >= i of g_j * prod_{k <= j, k != i} a_k",)

    def forward(self, xp, a, axis):
        self.saved = (a,)
        return xp.cumprod(a, axis=axis)

    def backward(self, g):
        xp, axis = self.xp, self.params["axis"]
        a = xp.moveaxis(self.saved[0], axis, -1)
        gl = xp.moveaxis(g, axis, -1)
        n = a.shape[-1]
        eye = xp.eye(n, dtype=bool)
        # row i: the inputs with a_i set to 1; its running product is d out_j / d a_i for j >= i
        rows = xp.where(eye, xp.ones((), dtype=a.dtype), a[..., None, :])
        partial = xp.cumprod(rows, axis=-1) * xp.triu(xp.ones((n, n), dtype=a.dtype))
        grad = (partial * gl[..., None, :]).sum(axis=-1)
        return (xp.moveaxis(grad, -1, axis),)


class LogCumSumExp(Function):
    """log(cumsum(e^x)) along ``axis``, one log-add-exp at a time: an early small term next to a later huge one
    keeps its digits (taking out one maximum for the whole axis rounds it away in float32).

    d out_j / d x_i = e^(x_i - out_j) for i <= j (a softmax over the prefix), so backward forms
    the n×n table of those weights: O(n²) along the axis, as `Cumprod`.
    """

    name, formulas = "logcumsumexp", ("sum over j >= i of g_j * e^(a_i - out_j)",)

    def forward(self, xp, a, axis):
        x = xp.moveaxis(a, axis, -1)
        out = xp.empty_like(x)
        if x.shape[-1]:
            out[..., 0] = x[..., 0]
        with np.errstate(invalid="ignore"):  # -inf + -inf inside logaddexp: the answer, -inf, is still right
            for j in range(1, x.shape[-1]):  # CuPy has no ufunc accumulate: a loop over the axis
                out[..., j] = xp.logaddexp(out[..., j - 1], x[..., j])
        out = xp.moveaxis(out, -1, axis)
        self.saved = (a, out)
        return out

    def backward(self, g):
        xp, axis = self.xp, self.params["axis"]
        a, out = (xp.moveaxis(v, axis, -1) for v in self.saved)
        n = a.shape[-1]
        later = xp.triu(xp.ones((n, n), dtype=bool))  # row i, column j: j >= i
        with np.errstate(invalid="ignore", over="ignore"):
            weights = xp.where(later, xp.exp(a[..., :, None] - out[..., None, :]), 0)
        weights = xp.where(xp.isnan(weights), 0, weights)  # -inf - (-inf): an input that adds nothing
        grad = (weights * xp.moveaxis(g, axis, -1)[..., None, :]).sum(axis=-1)
        return (xp.moveaxis(grad, -1, axis),)


def running_extreme_indices(xp: Any, a: Any, axis: int, largest: bool) -> Any:
    """Where the running max (or min) along ``axis`` was found: the latest such place on ties, as PyTorch.

    ``a[j]`` equals the running extreme at j exactly where a new extreme (or a tie) starts; the
    answer at j is the last such position up to j. A loop over the axis: CuPy has no ufunc accumulate.
    """
    a = xp.moveaxis(a, axis, -1)
    out = xp.zeros(a.shape, dtype=np.int64)
    if a.shape[-1] == 0:
        return xp.moveaxis(out, -1, axis)
    best = a[..., 0]
    for j in range(1, a.shape[-1]):
        x = a[..., j]
        better = (x >= best) if largest else (x <= best)
        better = better | xp.isnan(x) if a.dtype.kind == "f" else better
        best = xp.where(better, x, best)
        out[..., j] = xp.where(better, j, out[..., j - 1])
    return xp.moveaxis(out, -1, axis)
