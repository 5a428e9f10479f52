"""Tensor methods that reduce or scan: sums and means, max/min with their indices, var/std with
Bessel's correction, logsumexp, norms, all/any, and running sums, products and extremes.

PyTorch's spellings work alongside NumPy's (``dim=``/``keepdim=`` for ``axis=``/``keepdims=``);
where the two disagree on what comes back (``max(dim=1)``), the keyword decides.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import dispatch, ops
from .backend import array_module
from .dispatch import apply, constant


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


def as_float(t: Any) -> Any:
    """Integer and boolean tensors as float32 (PyTorch's default), for ops only defined on floats."""
    return t if t.dtype.kind == "f" else t.astype(np.float32)


_float = as_float


class ReduceOps:
    """Mixed into `Tensor`: everything that reduces over axes or runs along one."""

    __slots__ = ()

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None,
            dtype: Any = None) -> Any:
        """The sum over ``axis`` (all axes by default); ``dtype`` casts first, as PyTorch's (int8 sums in int32)."""
        if dtype is not None:
            return self.astype(dtype).sum(axis, keepdims, dim=dim, keepdim=keepdim)
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
        return apply(ops.Min, self, axis=axis, keepdims=keepdims if keepdim is None else keepdim)

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
        var = self.var(axis, keepdims, correction=correction, unbiased=unbiased, dim=dim, keepdim=keepdim)
        return apply(ops.RootOfSquares, var)  # gradient 0 where std = 0 (constant inputs), as PyTorch

    def std_mean(self, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> tuple:
        """``(std, mean)`` in one call, as ``torch.std_mean``."""
        keep = kwargs.get("keepdim", keepdims)
        return self.std(axis, keepdims, **kwargs), self.mean(axis if kwargs.get("dim") is None else kwargs["dim"],
                                                             keepdims=bool(keep))

    def var_mean(self, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> tuple:
        keep = kwargs.get("keepdim", keepdims)
        return self.var(axis, keepdims, **kwargs), self.mean(axis if kwargs.get("dim") is None else kwargs["dim"],
                                                             keepdims=bool(keep))

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool | None = None, dtype: Any = None) -> Any:
        """The product over one axis (all elements when None): the last running product, so a 0 among the
        inputs still gets its exact gradient (the product of the others). ``dtype`` casts first."""
        if dtype is not None:
            return self.astype(dtype).prod(axis, keepdims, dim=dim, keepdim=keepdim)
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        if axis is None:
            out = self.reshape(-1).prod(0) if self.size else self.sum() * 0 + 1
            return out.reshape(*(1,) * self.ndim) if keepdims else out
        axis = ops.normalize_axis(axis, self.ndim)
        if self.ndim == 0:
            return self * 1
        n = self.shape[axis]
        if n == 0:
            return (self.sum(axis=axis, keepdims=keepdims) * 0 + 1)
        last = self.cumprod(axis)[(slice(None),) * axis + (slice(n - 1, n),)]
        return last if keepdims else last.squeeze(axis)

    def logsumexp(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: bool | None = None) -> Any:
        """log(sum(e^x)) computed as m + log(sum(e^(x - m))) with m the maximum, so e^x never overflows."""
        axis, keepdims = torch_axis(axis, keepdims, dim, keepdim)
        x = _float(self)
        axes = ops.normalize_axes(axis, x.ndim)
        if any(x.shape[a] == 0 for a in (range(x.ndim) if axes is None else axes)):
            return x.sum(axis=axis, keepdims=keepdims) - math.inf  # the log of an empty sum, as PyTorch
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
            return apply(ops.RootOfSquares, (x * x).sum(axis=axis, keepdims=keepdims))  # gradient 0 at norm 0
        if p in (math.inf, "inf"):
            return x.abs().max(axis=axis, keepdims=keepdims)
        if p in (-math.inf, "-inf"):
            return x.abs().min(axis=axis, keepdims=keepdims)
        if p == 0:
            return (x != 0).astype(x.dtype).sum(axis=axis, keepdims=keepdims)
        if p == 1:
            return x.abs().sum(axis=axis, keepdims=keepdims)
        total = (x.abs() ** p).sum(axis=axis, keepdims=keepdims)
        zero = total.detach() == 0  # the zero vector: gradient 0 there, as PyTorch (the root's slope is inf)
        return self._where(zero, 0.0, self._where(zero, 1.0, total) ** (1.0 / p))

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
        if axis is not None and self.ndim == 0:  # a 0-d tensor scans as one element and stays 0-d (PyTorch)
            ops.normalize_axis(axis, 0)
            return self.reshape(1).cumsum(0).reshape(())
        x = self.reshape(-1) if axis is None else self
        return apply(ops.Cumsum, x, axis=0 if axis is None else ops.normalize_axis(axis, x.ndim))

    def cumprod(self, axis: int | None = None, *, dim: int | None = None) -> Any:
        """Running product along ``axis`` (the flattened tensor when None); exact gradients with zeros."""
        axis = torch_axis(axis, False, dim, None)[0]
        if axis is not None and self.ndim == 0:  # a 0-d tensor scans as one element and stays 0-d (PyTorch)
            ops.normalize_axis(axis, 0)
            return self.reshape(1).cumprod(0).reshape(())
        x = self.reshape(-1) if axis is None else self
        return apply(ops.Cumprod, x, axis=0 if axis is None else ops.normalize_axis(axis, x.ndim))

    def logcumsumexp(self, axis: int | None = None, *, dim: int | None = None) -> Any:
        """log(cumsum(e^x)) along ``axis``, one log-add-exp at a time, so e^x never overflows nor rounds away."""
        axis = torch_axis(axis, False, dim, None)[0]
        x = _float(self.reshape(-1) if axis is None else self)
        axis = 0 if axis is None else ops.normalize_axis(axis, x.ndim)
        if x.ndim == 0:
            return x * 1
        return apply(ops.LogCumSumExp, x, axis=axis)

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


def _reduced_shape(shape: tuple, axis: Any) -> tuple:
    axes = ops.normalize_axes(axis, len(shape))
    return () if axes is None else tuple(n for i, n in enumerate(shape) if i not in axes)
