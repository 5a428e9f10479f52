"""Tensor methods that move elements around: reshaping, joining views, indexing, sorting, in-place edits.

Primitives (reshape, transpose, expand, gather, scatter) are one line each; the rest are
composites of them and of indexing, so their gradients need no code of their own.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dispatch, ops
from .backend import array_module, to_device, to_numpy
from .dispatch import apply, constant


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

    def clone(self) -> Any:
        """A copy that later in-place edits of either tensor leave alone; the gradient passes straight through."""
        return apply(ops.Clone, self)

    def contiguous(self) -> Any:
        """The tensor itself: minigrad's arrays need no memory layout fixed (kept so PyTorch code runs)."""
        return self

    def movedim(self, source: Any, destination: Any) -> Any:
        """Move axis ``source`` to position ``destination`` (or several), the others keeping their order."""
        src = [ops.normalize_axis(a, self.ndim) for a in ((source,) if isinstance(source, int) else source)]
        dst = [ops.normalize_axis(a, self.ndim) for a in ((destination,) if isinstance(destination, int)
                                                          else destination)]
        if len(src) != len(dst):
            raise ops.ArgumentError(f"movedim: {len(src)} source axes for {len(dst)} destinations")
        rest = iter(a for a in range(self.ndim) if a not in src)
        placed = dict(zip(dst, src))
        return self.permute(*[placed[i] if i in placed else next(rest) for i in range(self.ndim)])

    moveaxis = movedim

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
            if not isinstance(shifts, int) and len(shifts) != 1:
                raise ops.ArgumentError(f"roll: {len(shifts)} shifts need as many dims, got none")
            return self.reshape(-1).roll(shifts, 0).reshape(*self.shape)
        shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(shifts) != len(dims):
            raise ops.ArgumentError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
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
        return self._where(keep, self, False if self.dtype.kind == "b" else 0)  # a bool mask stays bool

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """``value`` where ``mask`` is true, the tensor elsewhere (no gradient reaches the filled places)."""
        return self._where(mask, value, self)

    def where(self, condition: Any, other: Any) -> Any:
        """PyTorch's ``x.where(condition, other)``: x where condition holds, other elsewhere."""
        return self._where(condition, self, other)

    # -- gather, scatter, sort ------------------------------------------------------------------------
    def gather(self, axis: int | None = None, index: Any = None, *, dim: int | None = None) -> Any:
        """``out[i][j] = x[i][index[i][j]]`` for axis 1 (PyTorch's gather; index has x's number of axes)."""
        axis = ops.normalize_axis(axis if dim is None else dim, self.ndim)
        index = _index_array(index, self)
        ops.check_gather_index("gather", self._data, index, axis)
        return apply(ops.Gather, self, axis=axis, index=index)

    def take_along_dim(self, indices: Any, dim: int) -> Any:
        return self.gather(dim, indices)

    def index_select(self, axis: int | None = None, index: Any = None, *, dim: int | None = None) -> Any:
        axis = ops.normalize_axis(axis if dim is None else dim, self.ndim)
        return self[(slice(None),) * axis + (_index_array(index, self).reshape(-1),)]

    def scatter(self, axis: int | None = None, index: Any = None, src: Any = None, *, dim: int | None = None,
                value: Any = None, reduce: str | None = None) -> Any:
        """A copy with ``src`` (a tensor, or ``value``) written at ``index`` along ``axis`` (PyTorch's scatter;
        ``reduce="add"`` adds instead)."""
        if reduce == "multiply":  # PyTorch's older spelling of scatter_reduce(..., "prod")
            src = value if src is None else src
            if not isinstance(src, dispatch.Tensor):
                src = constant(array_module(self._data).full(_index_array(index, self).shape, src, dtype=self.dtype))
            return self.scatter_reduce(axis if dim is None else dim, index, src, "prod")
        if reduce not in (None, "add"):
            raise ops.ArgumentError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
        return self._scatter(axis if dim is None else dim, index, value if src is None else src, add=reduce == "add")

    def scatter_add(self, axis: int | None = None, index: Any = None, src: Any = None, *,
                    dim: int | None = None) -> Any:
        """A copy with ``src`` added at ``index`` along ``axis``; repeated indices add up."""
        return self._scatter(axis if dim is None else dim, index, src, add=True)

    def scatter_reduce(self, axis: int | None = None, index: Any = None, src: Any = None, reduce: str = "sum",
                       include_self: bool = True, *, dim: int | None = None) -> Any:
        """``reduce`` ("sum", "mean", "prod", "amax", "amin") the values of ``src`` into ``index`` along ``axis``."""
        axis = axis if dim is None else dim
        if reduce in ("prod", "amax", "amin"):
            axis = ops.normalize_axis(axis, self.ndim)
            index = _index_array(index, self)
            if src.dtype != self.dtype:
                raise ops.DTypeError(f"scatter_reduce: src has dtype {src.dtype}, the tensor {self.dtype}")
            ops.check_gather_index("scatter_reduce", self._data, index, axis, src._data)
            return apply(ops.ScatterReduce, self, src, axis=axis, index=index, reduce=reduce,
                         include_self=include_self)
        if reduce not in ("sum", "mean"):
            raise ops.ArgumentError(f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', "
                                    f"not {reduce!r}")
        base = self if include_self else self.scatter(axis, index, 0.0)
        total = base.scatter_add(axis, index, src)
        if reduce == "sum":
            return total
        counts = (self.detach() * 0 + (1.0 if include_self else 0.0)).scatter_add(
            axis, index, src.detach() * 0 + 1.0)
        return total / counts._where(counts == 0, 1.0, counts)

    def _scatter(self, axis: int, index: Any, src: Any, add: bool) -> Any:
        axis = ops.normalize_axis(axis, self.ndim)
        index = _index_array(index, self)
        if not isinstance(src, dispatch.Tensor):
            src = constant(array_module(self._data).full(index.shape, src, dtype=self.dtype))
        elif src.dtype != self.dtype:  # PyTorch refuses too: a silent cast would round src without saying so
            raise ops.DTypeError(f"scatter: src has dtype {src.dtype}, the tensor {self.dtype}; "
                                 f"cast one of them (src.astype({self.dtype}))")
        ops.check_gather_index("scatter", self._data, index, axis, src._data)
        return apply(ops.Scatter, self, src, axis=axis, index=index, add=add)

    def masked_select(self, mask: Any) -> Any:
        """The elements where ``mask`` (broadcast to the tensor) is true, as a 1-D tensor."""
        mask = to_device(mask._data if isinstance(mask, dispatch.Tensor) else np.asarray(mask), self.device)
        shape = np.broadcast_shapes(tuple(self.shape), tuple(mask.shape))
        return self.expand(*shape)[array_module(mask).broadcast_to(mask.astype(bool), shape)]

    def nonzero(self, as_tuple: bool = False) -> Any:
        """Indices of the non-zero elements: an (n, ndim) int64 tensor (or one 1-D tensor per axis)."""
        found = array_module(self._data).nonzero(self._data if self.ndim else self._data.reshape(1))
        if not self.ndim and not as_tuple:  # a 0-d tensor: one row (or none) of zero coordinates, as PyTorch
            return constant(array_module(self._data).zeros((len(found[0]), 0), dtype=np.int64))
        if as_tuple:
            return tuple(constant(i.astype(np.int64)) for i in found)
        return constant(array_module(self._data).stack(found, axis=-1).astype(np.int64).reshape(-1, self.ndim))

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the given sizes."""
        dim = ops.normalize_axis(dim, self.ndim)
        n = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            size = split_size_or_sections
            if size <= 0 and n:
                raise ValueError(f"split: split_size must be positive, got {size}")
            sizes = [min(size, n - i) for i in range(0, n, size)] if n else [0]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise ops.ShapeError(f"split: sections {sizes} add up to {sum(sizes)}, not the axis size {n}")
        out, start = [], 0
        for size in sizes:
            out.append(self[(slice(None),) * dim + (slice(start, start + size),)])
            start += size
        return tuple(out)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """``chunks`` pieces of equal size along ``dim`` (the last may be smaller, there may be fewer)."""
        n = self.shape[ops.normalize_axis(dim, self.ndim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple:
        dim = ops.normalize_axis(dim, self.ndim)
        return tuple(self[(slice(None),) * dim + (i,)] for i in range(self.shape[dim]))

    def unflatten(self, dim: int, sizes: Any) -> Any:
        dim = ops.normalize_axis(dim, self.ndim)
        return self.reshape(*self.shape[:dim], *sizes, *self.shape[dim + 1:])

    def unfold(self, dim: int, size: int, step: int) -> Any:
        """Windows of ``size`` every ``step`` along ``dim``: that axis counts windows, a new last axis holds each."""
        dim = ops.normalize_axis(dim, self.ndim)
        n = self.shape[dim] if self.ndim else 1
        if size > n or size < 0 or step <= 0:
            raise ops.ShapeError(f"unfold: size {size} and step {step} do not fit an axis of size {n}")
        starts = np.arange(0, n - size + 1, step)
        windows = to_device(starts[:, None] + np.arange(size), self.device)
        moved = self.swapaxes(dim, -1) if self.ndim else self.reshape(1)
        picked = moved[..., windows]  # (..., windows, size) with the old last axis at dim
        return picked.swapaxes(dim, -2) if self.ndim > 1 else picked

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        """The diagonal of the (dim1, dim2) planes, ``offset`` above it (below when negative), as a last axis."""
        a, b = ops.normalize_axis(dim1, self.ndim), ops.normalize_axis(dim2, self.ndim)
        rest = [i for i in range(self.ndim) if i not in (a, b)]
        x = self.permute(*rest, a, b)
        rows, cols = x.shape[-2], x.shape[-1]
        start_r, start_c = max(-offset, 0), max(offset, 0)
        n = max(min(rows - start_r, cols - start_c), 0)
        r = to_device(np.arange(start_r, start_r + n), self.device)
        c = to_device(np.arange(start_c, start_c + n), self.device)
        return x[..., r, c]

    def diag(self, diagonal: int = 0) -> Any:
        """A 1-D tensor as the ``diagonal`` of a square matrix; a matrix's ``diagonal`` as a 1-D tensor."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ops.ShapeError(f"diag: expected 1 or 2 dimensions, got shape {tuple(self.shape)}")
        if diagonal < 0:
            return self.diag(-diagonal).T
        n = self.shape[0]
        m = n + diagonal
        zeros = constant(array_module(self._data).zeros((m, m), dtype=self.dtype))
        index = to_device(np.arange(diagonal, m)[:, None], self.device)
        return zeros.scatter(1, index, self.reshape(n, 1))

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> Any:
        """Each element ``repeats`` times in a row along ``dim`` (of the flattened tensor when None)."""
        x = self.reshape(-1) if dim is None else self
        dim = 0 if dim is None else ops.normalize_axis(dim, x.ndim)
        counts = repeats._data if isinstance(repeats, dispatch.Tensor) else repeats
        index = np.repeat(np.arange(x.shape[dim]), np.asarray(to_numpy(counts)))
        return x.index_select(dim, index)

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
        from .tensor_reduce import ValuesIndices

        indices = self.argsort(axis, descending, dim=dim)
        axis = axis if dim is None else dim
        return ValuesIndices(self.gather(axis, indices) if self.ndim else self * 1, indices)

    def topk(self, k: int, axis: int = -1, largest: bool = True, sorted: bool = True, *,  # noqa: A002
             dim: int | None = None) -> Any:
        """The ``k`` largest (or smallest) values along ``axis`` and their indices, largest first."""
        from .tensor_reduce import ValuesIndices

        axis = ops.normalize_axis(axis if dim is None else dim, self.ndim)
        n = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= n:
            raise ops.RangeError(f"topk: k={k} is out of range for an axis of size {n}")
        order = self.argsort(axis, descending=largest)
        indices = order[(slice(None),) * axis + (slice(0, k),)] if self.ndim else order
        return ValuesIndices(self.gather(axis, indices) if self.ndim else self * 1, indices)


def dispatch_cat(tensors: list, axis: int) -> Any:
    return apply(ops.Cat, *tensors, axis=axis)
