"""Tensor methods that move elements around: reshaping, joining views, indexing, sorting, in-place edits.

Primitives (reshape, transpose, expand, gather, scatter) are one line each; the rest are
composites of them and of indexing, so their gradients need no code of their own.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd, dispatch, ops
from .backend import array_module, to_device
from .dispatch import apply, constant, lift
from .ops.index import raw_index


def _sizes(args: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the sizes (2, 3)."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def _index_array(index: Any, like: Any) -> Any:
    """An integer index (Tensor, array or list) as an array on ``like``'s device."""
    raw = index._data if isinstance(index, dispatch.Tensor) else index
    raw = raw if hasattr(raw, "dtype") else np.asarray(raw, dtype=np.int64)
    return to_device(raw, like.device)


class ShapeOps:
    """Mixed into `Tensor`: everything that rearranges, selects or overwrites elements."""

    __slots__ = ()

    # -- reshaping ---------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Any:
        return apply(ops.Reshape, self, shape=_sizes(shape))

    view = reshape

    def reshape_as(self, other: Any) -> Any:
        return self.reshape(other.shape)

    view_as = reshape_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge the axes start_dim..end_dim into one (all of them by default)."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = ops.normalize_axis(start_dim, self.ndim), ops.normalize_axis(end_dim, self.ndim)
        shape = self.shape
        return self.reshape(*shape[:start], -1, *shape[end + 1:]) if start <= end else self

    def squeeze(self, axis: Any = None, *, dim: Any = None) -> Any:
        """Drop axes of size 1 (all of them, or those named; a named axis of another size stays, as PyTorch)."""
        axis = dim if dim is not None else axis
        named = range(self.ndim) if axis is None else ops.normalize_axes(axis, self.ndim) or ()
        drop = {a for a in named if self.shape[a] == 1}
        return self.reshape(*[n for a, n in enumerate(self.shape) if a not in drop])

    def unsqueeze(self, axis: int) -> Any:
        """A new axis of size 1 at position ``axis`` (-1 appends it)."""
        axis = ops.normalize_axis(axis, self.ndim + 1)
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def transpose(self, *axes: int) -> Any:
        """Reverse the axes (NumPy's ``transpose()``), permute them (``transpose(2, 0, 1)``), or swap two
        (``transpose(0, 1)``, PyTorch's meaning; on a 2-D tensor both readings swap, never the identity)."""
        axes = _sizes(axes)
        if len(axes) == 2:
            return self.swapaxes(*axes)
        return apply(ops.Transpose, self, axes=tuple(axes) if axes else None)

    def permute(self, *dims: int) -> Any:
        return apply(ops.Transpose, self, axes=_sizes(dims))

    def swapaxes(self, axis0: int, axis1: int) -> Any:
        order = list(range(self.ndim))
        a, b = ops.normalize_axis(axis0, self.ndim), ops.normalize_axis(axis1, self.ndim)
        order[a], order[b] = order[b], order[a]
        return apply(ops.Transpose, self, axes=tuple(order))

    swapdims = swapaxes

    def expand(self, *sizes: int) -> Any:
        """Broadcast to ``sizes`` without copying (-1 keeps an axis); new axes go in front."""
        sizes = _sizes(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ops.ShapeError(f"expand: {len(sizes)} sizes for a tensor with {self.ndim} dimensions")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        return apply(ops.Expand, self, shape=shape)

    def expand_as(self, other: Any) -> Any:
        return self.expand(*other.shape)

    broadcast_to = expand

    def repeat(self, *repeats: int) -> Any:
        """Tile the tensor ``repeats[i]`` times along axis i (PyTorch's repeat, NumPy's tile)."""
        repeats = _sizes(repeats)
        if len(repeats) < self.ndim:
            raise ops.ShapeError(f"repeat: {len(repeats)} repeat counts for a tensor with {self.ndim} dimensions")
        x = self.reshape(*(1,) * (len(repeats) - self.ndim), *self.shape)
        interleaved = [v for n in x.shape for v in (1, n)]
        grown = [v for r, n in zip(repeats, x.shape) for v in (r, n)]
        return x.reshape(*interleaved).expand(*grown).reshape(*[r * n for r, n in zip(repeats, x.shape)])

    def tile(self, *reps: int) -> Any:
        """NumPy's tile: like `repeat`, with missing leading counts taken as 1."""
        reps = _sizes(reps)
        return self.repeat(*(1,) * (self.ndim - len(reps)), *reps)

    def flip(self, *dims: int) -> Any:
        """Reverse the order along ``dims``."""
        dims = ops.normalize_axes(_sizes(dims), self.ndim) or ()
        return self[tuple(slice(None, None, -1) if a in dims else slice(None) for a in range(self.ndim))]

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        """Shift elements along ``dims`` by ``shifts``, wrapping around (the flattened tensor when dims is None)."""
        if dims is None:
            return self.reshape(-1).roll(shifts, 0).reshape(*self.shape)
        shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
        out = self
        for shift, axis in zip(shifts, dims):
            axis = ops.normalize_axis(axis, self.ndim)
            n = self.shape[axis]
            s = shift % n if n else 0
            if s:
                before = (slice(None),) * axis
                out = dispatch_cat([out[before + (slice(n - s, None),)], out[before + (slice(0, n - s),)]], axis)
        return out

    def triu(self, diagonal: int = 0) -> Any:
        """The upper triangle of the last two axes (from ``diagonal`` up); zeros below."""
        return self._triangle(np.triu, diagonal)

    def tril(self, diagonal: int = 0) -> Any:
        """The lower triangle of the last two axes (up to ``diagonal``); zeros above."""
        return self._triangle(np.tril, diagonal)

    def _triangle(self, which: Any, diagonal: int) -> Any:
        if self.ndim < 2:
            raise ops.ShapeError(f"triu/tril need at least 2 dimensions, got shape {tuple(self.shape)}")
        keep = which(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return self._where(keep, self, 0)

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """``value`` where ``mask`` is true, the tensor elsewhere (no gradient reaches the filled places)."""
        return self._where(mask, value, self)

    def where(self, condition: Any, other: Any) -> Any:
        """PyTorch's ``x.where(condition, other)``: x where condition holds, other elsewhere."""
        return self._where(condition, self, other)

    # -- gather, scatter, sort ------------------------------------------------------------------------
    def gather(self, axis: int, index: Any) -> Any:
        """``out[i][j] = x[i][index[i][j]]`` for axis 1 (PyTorch's gather; index has x's number of axes)."""
        axis = ops.normalize_axis(axis, self.ndim)
        index = _index_array(index, self)
        ops.check_gather_index("gather", self._data, index, axis)
        return apply(ops.Gather, self, axis=axis, index=index)

    def take_along_dim(self, indices: Any, dim: int) -> Any:
        return self.gather(dim, indices)

    def index_select(self, axis: int, index: Any) -> Any:
        axis = ops.normalize_axis(axis, self.ndim)
        return self[(slice(None),) * axis + (_index_array(index, self),)]

    def scatter(self, axis: int, index: Any, src: Any) -> Any:
        """A copy with ``src`` (a tensor, or one number) written at ``index`` along ``axis`` (PyTorch's scatter)."""
        return self._scatter(axis, index, src, add=False)

    def scatter_add(self, axis: int, index: Any, src: Any) -> Any:
        """A copy with ``src`` added at ``index`` along ``axis``; repeated indices add up."""
        return self._scatter(axis, index, src, add=True)

    def _scatter(self, axis: int, index: Any, src: Any, add: bool) -> Any:
        axis = ops.normalize_axis(axis, self.ndim)
        index = _index_array(index, self)
        if not isinstance(src, dispatch.Tensor):
            src = constant(array_module(self._data).full(index.shape, src, dtype=self.dtype))
        elif src.dtype != self.dtype:
            src = src.astype(self.dtype)
        ops.check_gather_index("scatter", self._data, index, axis, src._data)
        return apply(ops.Scatter, self, src, axis=axis, index=index, add=add)

    def argsort(self, axis: int = -1, descending: bool = False, *, dim: int | None = None,
                stable: bool = True) -> Any:
        """Indices that sort along ``axis``; ties keep their order."""
        axis = ops.normalize_axis(axis if dim is None else dim, self.ndim)
        data = self._data if self.ndim else self._data.reshape(1)
        key = -data if descending and data.dtype.kind in "fi" else data
        order = array_module(data).argsort(key, axis=axis, kind="stable")
        if descending and data.dtype.kind not in "fi":
            order = array_module(data).flip(order, axis)
        return constant(order.reshape(self.shape).astype(np.int64))

    def sort(self, axis: int = -1, descending: bool = False, *, dim: int | None = None,
             stable: bool = True) -> Any:
        """``(values, indices)`` sorted along ``axis``, as PyTorch; the gradient follows each value home."""
        from .tensor_math import ValuesIndices

        indices = self.argsort(axis, descending, dim=dim)
        axis = axis if dim is None else dim
        return ValuesIndices(self.gather(axis, indices) if self.ndim else self * 1, indices)

    def topk(self, k: int, axis: int = -1, largest: bool = True, sorted: bool = True, *,  # noqa: A002
             dim: int | None = None) -> Any:
        """The ``k`` largest (or smallest) values along ``axis`` and their indices, largest first."""
        from .tensor_math import ValuesIndices

        axis = ops.normalize_axis(axis if dim is None else dim, self.ndim)
        n = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= n:
            raise IndexError(f"topk: k={k} is out of range for an axis of size {n}")
        order = self.argsort(axis, descending=largest)
        indices = order[(slice(None),) * axis + (slice(0, k),)] if self.ndim else order
        return ValuesIndices(self.gather(axis, indices) if self.ndim else self * 1, indices)

    # -- in-place edits: outside the graph, each counted by the version counter ---------------------------
    def _write(self, what: str, value: Any, index: Any = Ellipsis) -> Any:
        """Write ``value`` into this tensor's own array at ``index`` and count it as an in-place change."""
        if autograd.is_grad_enabled() and self.requires_grad:
            where = "a leaf that requires grad" if self._ctx is None else "a tensor that is part of a graph"
            raise RuntimeError(f"{what}: an in-place change of {where} would make its gradients wrong. "
                               "Change parameters inside `with mg.no_grad():` (as optimizers do), or compute "
                               "a new tensor instead (x = x + 1, mg.where, masked_fill).")
        raw = value._data if isinstance(value, dispatch.Tensor) else value
        if hasattr(raw, "dtype") or isinstance(raw, (list, tuple)):
            raw = to_device(raw if hasattr(raw, "dtype") else np.asarray(raw), self.device)
        target = self._data if index is Ellipsis else None
        if target is not None:
            array_module(self._data).copyto(self._data, raw, casting="same_kind")
        else:
            self._data[index] = raw
        self._mark_modified()
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._write("x[index] = value", value, raw_index(index, self.device))

    def zero_(self) -> Any:
        return self._write("zero_()", 0)

    def fill_(self, value: Any) -> Any:
        return self._write("fill_()", value)

    def copy_(self, src: Any) -> Any:
        return self._write("copy_()", src)

    def add_(self, other: Any, alpha: float = 1) -> Any:
        return self._write("add_()", self.detach() + lift(other, self).detach() * alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Any:
        return self._write("sub_()", self.detach() - lift(other, self).detach() * alpha)

    def mul_(self, other: Any) -> Any:
        return self._write("mul_()", self.detach() * lift(other, self).detach())

    def div_(self, other: Any) -> Any:
        return self._write("div_()", self.detach() / lift(other, self).detach())

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self._write("clamp_()", self.detach().clamp(min, max))

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._write("masked_fill_()", self.detach().masked_fill(mask, value))

    def _inplace_or_new(self, other: Any, how: str, symbol: str) -> Any:
        """``x += y``: in place where that is safe (PyTorch's meaning: other references see the change, so
        ``for p in params: p -= lr * p.grad`` trains); on a graph node a new tensor, as ``x = x + y``."""
        result = getattr(self, how)(other)
        if self.requires_grad and autograd.is_grad_enabled() and self._ctx is not None:
            return result
        if result.dtype != self.dtype and result.dtype.kind != self.dtype.kind:
            raise TypeError(f"x {symbol}= y: the result is {result.dtype}, which cannot be stored in this "
                            f"{self.dtype} tensor (write x = x {symbol} y for a new tensor)")
        return self._write(f"x {symbol}= y", result.detach())

    def __iadd__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__add__", "+")

    def __isub__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__sub__", "-")

    def __imul__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__mul__", "*")

    def __itruediv__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__truediv__", "/")


def dispatch_cat(tensors: list, axis: int) -> Any:
    return apply(ops.Cat, *tensors, axis=axis)
