"""Indexing primitives: ``a[index]``, ``where``, and PyTorch's gather / scatter along one axis.

sort, topk, cummax, masked_fill and the losses that pick one class per row are composites
of these (a gather with indices computed without a gradient).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import is_node
from ..backend import device_of, scatter_add, to_device
from .base import Function, ShapeError, unbroadcast


class GetItem(Function):
    """``a[index]``: basic slicing and integer-array indexing; repeated indices add up."""

    name, formulas, saves_inputs = "[]", ("g scattered back into zeros (repeats add)",), False

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


class Where(Function):
    name, formulas, saves_inputs = "where", ("g where cond", "g where not cond"), False

    def forward(self, xp, a, b, cond):
        self.saved = (a.shape, b.shape)
        return xp.where(cond, a, b)

    def backward(self, g):
        sa, sb = self.saved
        cond = self.params["cond"]
        zero = self.xp.zeros((), dtype=g.dtype)
        return (unbroadcast(self.xp.where(cond, g, zero), sa) if self.needs[0] else None,
                unbroadcast(self.xp.where(cond, zero, g), sb) if self.needs[1] else None)


def along_axis(xp: Any, index: Any, axis: int) -> tuple:
    """The full index tuple that picks ``index[i, j, ...]`` along ``axis`` and position i, j, ... elsewhere.

    ``a[along_axis(xp, idx, 1)]`` is ``take_along_axis(a, idx, 1)`` (PyTorch's gather), and the
    same tuple scatters back, so one helper serves gather, scatter and their gradients.
    """
    parts = []
    for d, n in enumerate(index.shape):
        if d == axis:
            parts.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            parts.append(xp.arange(n).reshape(shape))
    return tuple(parts)


def check_gather_index(op: str, a: Any, index: Any, axis: int, src: Any = None) -> None:
    """PyTorch's rules: same number of dimensions, and index no larger than the input off ``axis``."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must hold integers, got {index.dtype}")
    if index.ndim != a.ndim or any(i > n for d, (i, n) in enumerate(zip(index.shape, a.shape)) if d != axis):
        raise ShapeError(f"{op}: index of shape {tuple(index.shape)} does not fit a tensor of shape {tuple(a.shape)} "
                         f"along axis {axis} (same number of dimensions, no larger on the other axes)")
    if src is not None and any(i > n for i, n in zip(index.shape, src.shape)):
        raise ShapeError(f"{op}: index of shape {tuple(index.shape)} is larger than src of shape {tuple(src.shape)}")
    if index.size:
        n = a.shape[axis]
        low, high = int(index.min()), int(index.max())  # one device sync on the GPU: CuPy would wrap around
        if low < -n or high >= n:
            raise IndexError(f"{op}: index {high if high >= n else low} is out of bounds for axis {axis} with size {n}")


class Gather(Function):
    """``out[i][j] = a[i][index[i][j]]`` for axis 1 (PyTorch's gather); repeated picks add their gradients."""

    name, formulas, saves_inputs = "gather", ("g scattered back to the picked places (repeats add)",), False

    def forward(self, xp, a, axis, index):
        where = along_axis(xp, index, axis)
        self.saved = (a.shape, a.dtype, where)
        return a[where]

    def backward(self, g):
        shape, dtype, where = self.saved
        out = self.xp.zeros(shape, dtype=dtype)
        scatter_add(self.xp, out, where, g)
        return (out,)


class Scatter(Function):
    """A copy of ``a`` with ``src`` written at ``index`` along ``axis`` (PyTorch's scatter; ``add=True``:
    scatter_add). Overwritten places send no gradient to ``a``; ``src`` gets g from where it went. Where
    an index repeats, the last write wins (NumPy's order) and only that element of ``src`` gets a gradient
    (PyTorch leaves the winner unspecified and sends g to every one of them)."""

    name, formulas = "scatter", ("g, 0 where overwritten (g where added)", "g gathered at index")
    saves_inputs = False

    def forward(self, xp, a, src, axis, index, add):
        where = along_axis(xp, index, axis)
        picked = src[tuple(slice(0, n) for n in index.shape)]
        out = a.copy()
        won = None
        if add:
            scatter_add(xp, out, where, picked)
        else:
            out[where] = picked
            ids = xp.full(a.shape, -1, dtype=np.int64)
            ids[where] = xp.arange(index.size).reshape(index.shape)
            won = ids[where] == xp.arange(index.size).reshape(index.shape)
        self.saved = (where, src.shape, index.shape, won)
        return out

    def backward(self, g):
        where, src_shape, index_shape, won = self.saved
        ga = gs = None
        if self.needs[0]:
            ga = g
            if not self.params["add"]:
                ga = g.copy()
                ga[where] = 0
        if self.needs[1]:
            gs = self.xp.zeros(src_shape, dtype=g.dtype)
            gs[tuple(slice(0, n) for n in index_shape)] = g[where] if won is None else g[where] * won
        return ga, gs


class ScatterReduce(Function):
    """PyTorch's scatter_reduce with "prod", "amax" or "amin": each place of ``a`` that ``index`` names becomes
    the product / max / min of the ``src`` values landing there (and of its own value, with ``include_self``).

    amax/amin send g to the winners, split evenly between ties, as PyTorch (which, with include_self=False,
    still counts the tensor's own equal value in the split, so its shares add up to less than g; here they
    add up to g). prod sends each factor g times
    the product of the other factors, counted with the zeros (no division by 0: a lone 0 gets the rest's product).
    """

    name, formulas = "scatter_reduce", ("g * d out/d a (winners, or the other factors)", "g at index, the same")

    def forward(self, xp, a, src, axis, index, reduce, include_self):
        where = along_axis(xp, index, axis)
        picked = src[tuple(slice(0, n) for n in index.shape)]
        hit = xp.zeros(a.shape, dtype=bool)
        hit[where] = True
        out = a.copy()
        if not include_self:  # the places index names start from the reduction's identity
            out[hit] = _identity(reduce, a.dtype)
        _reduce_at(xp, reduce, out, where, picked)
        self.saved = (a, picked, out, where, hit, src.shape)
        return out

    def backward(self, g):
        a, picked, out, where, hit, src_shape = self.saved
        xp = self.xp
        self_in = ~hit if not self.params["include_self"] else xp.ones(a.shape, dtype=bool)
        if self.params["reduce"] == "prod":
            zeros = ((a == 0) & self_in).astype(np.int64)
            _reduce_at(xp, "sum", zeros, where, (picked == 0).astype(np.int64))
            rest = xp.where(self_in & (a != 0), a, xp.ones((), dtype=a.dtype))  # product of the nonzero factors
            _reduce_at(xp, "prod", rest, where, xp.where(picked != 0, picked, xp.ones((), dtype=a.dtype)))

            def others(v: Any, o: Any, z: Any, r: Any) -> Any:  # the product of the factors other than v
                return xp.where(v != 0, o / xp.where(v != 0, v, 1), xp.where(z == 1, r, 0))
            ga = xp.where(self_in, others(a, out, zeros, rest), 0) * g
            gs_part = others(picked, out[where], zeros[where], rest[where]) * g[where]
        else:
            won_self = self_in & (a == out)
            won_src = picked == out[where]
            count = won_self.astype(g.dtype)
            _reduce_at(xp, "sum", count, where, won_src.astype(g.dtype))
            share = g / xp.where(count > 0, count, 1)
            ga = xp.where(won_self, share, 0)
            gs_part = xp.where(won_src, share[where], 0)
        gs = xp.zeros(src_shape, dtype=g.dtype)
        gs[tuple(slice(0, n) for n in picked.shape)] = gs_part
        return (ga.astype(g.dtype, copy=False) if self.needs[0] else None, gs if self.needs[1] else None)


def _identity(reduce: str, dtype: Any) -> Any:
    if reduce == "prod":
        return 1
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
    big = np.inf if np.dtype(dtype).kind == "f" else info.max
    return -big if reduce == "amax" and np.dtype(dtype).kind == "f" else info.min if reduce == "amax" else big


def _reduce_at(xp: Any, reduce: str, target: Any, where: tuple, values: Any) -> None:
    """``target[where] (op)= values`` with repeated places combining (NumPy's ufunc.at; on CuPy via the host)."""
    ufunc = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    if xp is np:
        ufunc.at(target, where, values)
        return
    host = xp.asnumpy(target)  # CuPy has no multiply.at: one round trip, fine for a teaching engine
    ufunc.at(host, tuple(xp.asnumpy(w) for w in where), xp.asnumpy(values))
    target[...] = xp.asarray(host)


def raw_index(index: Any, device: str = "cpu") -> Any:
    """An index with Tensors and lists replaced by arrays on ``device`` (integer/boolean arrays index like NumPy)."""
    if isinstance(index, tuple):  # a tuple inside the index tuple is a list of positions, as in NumPy and PyTorch
        return tuple(raw_index(list(i) if isinstance(i, tuple) else i, device) for i in index)
    if isinstance(index, list):
        index = np.asarray(index) if index else np.zeros(0, dtype=np.intp)  # [] selects nothing, as in NumPy
    if is_node(index):
        index = index.data
    if getattr(index, "dtype", None) is not None and index.dtype.kind == "f":
        raise IndexError(f"an index must hold integers or booleans, got {index.dtype} "
                         "(use an integer tensor: mg.arange, mg.tensor([0, 1]), .long())")
    if hasattr(index, "ndim") and getattr(index, "ndim", 0) > 0 and device_of(index) != device:
        index = to_device(index, device)
    if getattr(index, "ndim", None) == 0 and getattr(index, "dtype", None) is not None and index.dtype.kind in "iu":
        index = int(index)  # a 0-d integer array picks one element, as an int does (CuPy would want a sync anyway)
    return index


def split_int_picks(index: Any) -> tuple | None:
    """PyTorch's order when integers and index arrays mix, as two indexings: the integers first, then the arrays.

    NumPy counts ``x[1, :, idx]``'s 1 as an index array too, so the picked axes, no longer side by side,
    go first; PyTorch drops the integer's axis first, so idx's axes stay where idx is. None if no mix.
    """
    if not isinstance(index, tuple):
        return None
    def is_int(p: Any) -> bool:
        return isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_))
    if not (any(is_int(p) for p in index) and any(getattr(p, "ndim", 0) > 0 for p in index)):
        return None
    first, then = [], []
    for p in index:
        if is_int(p):
            first.append(p)
        elif getattr(p, "ndim", 0) > 0:  # a boolean mask covers as many axes as it has
            first.extend([slice(None)] * (p.ndim if p.dtype.kind == "b" else 1))
            then.append(p)
        else:  # a slice, None or Ellipsis: applied once, by the first indexing
            first.append(p)
            then.append(p if p is Ellipsis else slice(None))
    return tuple(first), tuple(then)


def check_index_bounds(index: Any, shape: tuple) -> None:
    """Raise IndexError for an out-of-range integer index array, as NumPy does.

    CuPy's kernels wrap such an index around silently (x[[5]] of 3 elements reads
    x[2]), so on the GPU this checks on the host: one device sync per integer-array index.
    """
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is None or p is Ellipsis for p in parts):
        return  # positions shift: leave these rarer forms to the backend
    axis = 0
    for p in parts:
        kind = getattr(getattr(p, "dtype", None), "kind", None)
        if kind in ("i", "u") and p.size and axis < len(shape):
            low, high, n = int(p.min()), int(p.max()), shape[axis]
            if high >= n or low < -n:
                raise IndexError(f"index {high if high >= n else low} is out of bounds for axis {axis} with size {n}")
        axis += p.ndim if kind == "b" else 1
