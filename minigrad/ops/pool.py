"""Pooling, unpooling and padding ops over 1, 2 or 3 spatial axes, each forward beside its backward.

Pooling reads the windows of the padded input one kernel tap at a time: tap t of every window
is one strided view of the input, so a max or a sum over windows is prod(kernel) elementwise
ops with no copy of the windows; backward adds each tap's gradient back through the same views.
Window arithmetic follows PyTorch exactly (``ceil_mode``, the divisor of an average pool that
overlaps the padding), so results agree with ``torch.nn.functional``. Padding is one
(before, after) pair per spatial axis.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator

import numpy as np

from .base import Function, prod
from .conv import _describe, tap_slices


def pool_out_size(size: int, kernel: int, stride: int, pads: tuple, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: in ceil mode a last, partial window counts if it starts
    inside the input or its leading padding."""
    before, after = pads
    span = size + before + after - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + before:
        out -= 1
    return out


def taps(x: Any, kernel: tuple, stride: tuple, dilation: tuple, outs: tuple) -> Iterator[tuple[int, Any]]:
    """For each kernel tap k (numbered in C order), the (N, C, *outs) view of the entries it reads in every window.

    A window's reduction is then prod(kernel) elementwise ops on these strided views, with no
    copy of the windows (reducing a (..., prod(kernel)) copy along its short last axis is
    several times slower).
    """
    for k, tap in enumerate(itertools.product(*(range(n) for n in kernel))):
        yield k, x[tap_slices(tap, stride, dilation, outs)]


def _padded(xp: Any, x: Any, padding: tuple, outs: tuple, kernel: tuple, stride: tuple, dilation: tuple,
            fill: Any) -> Any:
    """``x`` padded with ``fill`` by ``padding``, plus whatever ceil mode's last windows reach past that."""
    pads = []
    for n, (before, after), o, k, s, d in zip(x.shape[2:], padding, outs, kernel, stride, dilation):
        reach = (o - 1) * s + d * (k - 1) + 1
        pads.append((before, max(after, reach - n - before)))
    if not any(b or a for b, a in pads):
        return x
    out = xp.full(x.shape[:2] + tuple(n + b + a for n, (b, a) in zip(x.shape[2:], pads)), fill, dtype=x.dtype)
    out[_inner(pads, x.shape[2:])] = x
    return out


def _inner(padding: tuple, sizes: tuple) -> tuple:
    """The index of the unpadded input inside the padded one."""
    return (slice(None), slice(None)) + tuple(slice(b, b + n) for (b, _), n in zip(padding, sizes))


def _spread(xp: Any, per_tap: Callable[[int], Any], shape: tuple, kernel: tuple, stride: tuple, dilation: tuple,
            outs: tuple, dtype: Any) -> Any:
    """The adjoint of reading `taps`: add ``per_tap(k)`` (an (N, C, *outs) gradient) onto tap k's entries."""
    out = xp.zeros(shape, dtype=dtype)
    for k, view in taps(out, kernel, stride, dilation, outs):
        view += per_tap(k)  # a view of out: adds in place
    return out


def _outs(x: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool) -> tuple:
    return tuple(pool_out_size(n, k, s, p, d, ceil_mode)
                 for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))


_POOL_DEFAULTS = {"padding": ((0, 0),) * 3, "dilation": (1, 1, 1), "ceil_mode": False, "count_include_pad": True,
                  "divisor_override": None}


class MaxPoolNd(Function):
    """Maximum over each window; the gradient goes to the first maximal entry of the window (as PyTorch).

    Padding counts as -inf (the smallest integer for integer inputs), so it is never the maximum.
    """

    name, formulas = "max_pool", ("g at each window's argmax, 0 elsewhere",)

    def forward(self, xp, x, kernel, stride, padding, dilation, ceil_mode):
        outs = _outs(x, kernel, stride, padding, dilation, ceil_mode)
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        padded = _padded(xp, x, padding, outs, kernel, stride, dilation, lowest)
        best = which = None
        for k, view in taps(padded, kernel, stride, dilation, outs):
            if best is None:  # order "K": in the input's memory layout, so the comparisons below run in step
                best = view.copy(order="K")
                which = xp.zeros_like(best, dtype=np.uint8 if prod(kernel) <= 255 else np.int32)
                continue
            # a strictly larger entry takes over, so the first maximum wins a tie; so does a NaN (PyTorch's rule)
            better = view > best
            if x.dtype.kind == "f":
                better |= xp.isnan(view)
            xp.maximum(best, view, out=best)  # NaN propagates as in PyTorch
            which += better * (k - which)  # which = k where better: arithmetic, as where() is ~15x slower here
        self.saved = (which, padded.shape, outs, x.shape)
        return best

    def backward(self, g):
        which, padded_shape, outs, x_shape = self.saved
        p, xp = self.params, self.xp
        zero = xp.zeros((), dtype=g.dtype)
        gpad = _spread(xp, lambda k: xp.where(which == k, g, zero), padded_shape, p["kernel"], p["stride"],
                       p["dilation"], outs, g.dtype)
        return (gpad[_inner(p["padding"], x_shape[2:])],)

    def indices(self) -> Any:
        """PyTorch's ``return_indices``: each maximum's flat position in its input plane (e.g. h·W + w)."""
        which, _, outs, x_shape = self.saved
        p, xp = self.params, self.xp
        flat, rest, size = 0, which.astype(np.int64), 1
        for axis in reversed(range(len(outs))):  # unravel the tap number, last axis fastest
            tap, rest = rest % p["kernel"][axis], rest // p["kernel"][axis]
            start = xp.arange(outs[axis]).reshape((-1,) + (1,) * (len(outs) - 1 - axis)) * p["stride"][axis]
            flat = flat + (start - p["padding"][axis][0] + tap * p["dilation"][axis]) * size
            size *= x_shape[2 + axis]
        return flat

    def describe(self):
        return _describe(self.name, self.params, _POOL_DEFAULTS, always=("kernel", "stride"))


class MaxPool1d(MaxPoolNd):
    name = "max_pool1d"


class MaxPool2d(MaxPoolNd):
    name = "max_pool2d"


class MaxPool3d(MaxPoolNd):
    name = "max_pool3d"


class AvgPoolNd(Function):
    """Mean over each window. The divisor follows PyTorch: the window size clipped to the padded input
    (``count_include_pad=True``), or only the real input elements it covers, or ``divisor_override``."""

    name, formulas = "avg_pool", ("g / divisor spread over each window",)

    def forward(self, xp, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ones = (1,) * len(kernel)
        outs = _outs(x, kernel, stride, padding, ones, ceil_mode)
        padded = _padded(xp, x, padding, outs, kernel, stride, ones, 0)
        total = None
        for _, view in taps(padded, kernel, stride, ones, outs):
            if total is None:
                total = view.copy(order="K")
            else:
                total += view
        divisor = self._divisors(xp, x.shape[2:], outs).astype(x.dtype)
        self.saved = (divisor, padded.shape, outs, x.shape)
        return total / divisor

    def _divisors(self, xp: Any, sizes: tuple, outs: tuple) -> Any:
        """The divisor of every output position, computed as PyTorch's kernel does (on the device: no copy)."""
        p = self.params
        if p["divisor_override"]:
            return xp.full(outs, p["divisor_override"], dtype=np.float64)
        divisor = xp.ones((), dtype=np.float64)
        for n, o, k, s, (before, after) in zip(sizes, outs, p["kernel"], p["stride"], p["padding"]):
            start = xp.arange(o) * s - before
            end = xp.minimum(start + k, n + after)
            count = end - start if p["count_include_pad"] else xp.minimum(end, n) - xp.maximum(start, 0)
            divisor = divisor[..., None] * count  # an outer product, one axis at a time
        return divisor

    def backward(self, g):
        divisor, padded_shape, outs, x_shape = self.saved
        p = self.params
        share = g / divisor
        gpad = _spread(self.xp, lambda k: share, padded_shape, p["kernel"], p["stride"], (1,) * len(outs), outs,
                       g.dtype)
        return (gpad[_inner(p["padding"], x_shape[2:])],)

    def describe(self):
        return _describe(self.name, self.params, _POOL_DEFAULTS, always=("kernel", "stride"))


class AvgPool1d(AvgPoolNd):
    name = "avg_pool1d"


class AvgPool2d(AvgPoolNd):
    name = "avg_pool2d"


class AvgPool3d(AvgPoolNd):
    name = "avg_pool3d"


MAX_POOL = {1: MaxPool1d, 2: MaxPool2d, 3: MaxPool3d}
AVG_POOL = {1: AvgPool1d, 2: AvgPool2d, 3: AvgPool3d}


class MaxUnpool(Function):
    """The partial inverse of a max pool: each value goes to its ``indices`` position, zeros elsewhere.

    ``indices`` are flat positions in each (N, C) plane of the output, as `MaxPoolNd.indices`
    gives them. Where several values name one position (overlapping pool windows that share a
    maximum) one of them is kept, and only the kept one gets the gradient: the exact derivative
    of what forward computed. PyTorch gives the gradient to every one of them instead.
    """

    name, formulas = "max_unpool", ("g read back at each value's index, for the value kept there",)

    def forward(self, xp, x, indices, out_sizes):
        count = x.shape[0] * x.shape[1]
        rows, flat = xp.arange(count).reshape(-1, 1), indices.reshape(count, -1)
        out = xp.zeros((count, prod(out_sizes)), dtype=x.dtype)
        out[rows, flat] = x.reshape(count, -1)
        # which value each position kept: write every value's number the same way and read back who won
        writer = xp.full(out.shape, -1, dtype=np.int64)
        numbers = xp.arange(flat.shape[1]).reshape(1, -1)
        writer[rows, flat] = xp.broadcast_to(numbers, flat.shape)
        self.saved = (rows, flat, writer[rows, flat] == numbers, x.shape)
        return out.reshape(x.shape[:2] + tuple(out_sizes))

    def backward(self, g):
        rows, flat, kept, x_shape = self.saved
        picked = g.reshape(rows.shape[0], -1)[rows, flat]
        return (self.xp.where(kept, picked, self.xp.zeros((), dtype=g.dtype)).reshape(x_shape),)

    def describe(self):
        return f"max_unpool(size={self.params['out_sizes']})"


# -- padding --------------------------------------------------------------------------------------------
_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Function):
    """``torch.nn.functional.pad``: ``pads`` is one (before, after) pair per axis; a negative amount crops.

    ``constant`` fills with ``value``; ``reflect`` mirrors without repeating the edge;
    ``replicate`` repeats the edge; ``circular`` wraps around. As in PyTorch, reflect and
    replicate pad the whole input and then crop, circular (and constant) crop first and then
    pad. Backward folds each padded strip's gradient back onto the entries it copied.
    """

    name, formulas = "pad", ("g with each padded strip added back onto its source",)

    def forward(self, xp, x, pads, mode, value):
        grow = [(max(b, 0), max(a, 0)) for b, a in pads]
        if mode in ("reflect", "replicate"):
            out = xp.pad(x, grow, mode=_NP_MODES[mode])
            return out[_crop(pads, out.shape)]
        x = x[_crop(pads, x.shape)]
        if mode == "constant":
            return xp.pad(x, grow, mode="constant", constant_values=value)
        return xp.pad(x, grow, mode="wrap")

    def backward(self, g):
        pads, mode, xp = self.params["pads"], self.params["mode"], self.xp
        uncrop = [(max(-b, 0), max(-a, 0)) for b, a in pads]
        cropped = any(b or a for b, a in uncrop)
        if cropped and mode in ("reflect", "replicate"):
            g = xp.pad(g, uncrop)
        for axis, (before, after) in enumerate(pads):
            if before > 0 or after > 0:
                g = _fold(xp, g, axis, max(before, 0), max(after, 0), mode)
        if cropped and mode in ("constant", "circular"):
            g = xp.pad(g, uncrop)
        return (g,)

    def describe(self):
        kept = list(self.params["pads"])
        while kept and kept[0] == (0, 0):
            kept.pop(0)
        flat = tuple(v for b, a in reversed(kept) for v in (b, a))  # PyTorch order: last axis first
        value = self.params["value"]
        extra = f", value={value:g}" if self.params["mode"] == "constant" and value else ""
        return f"pad({flat}, {self.params['mode']}{extra})"


def _crop(pads: tuple, shape: tuple) -> tuple:
    """The index that a negative (before, after) amount crops from each axis."""
    return tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pads, shape))


def _fold(xp: Any, g: Any, axis: int, before: int, after: int, mode: str) -> Any:
    """The gradient of padding one axis: ``g`` (padded along ``axis``) folded back to the input's length."""
    def take(start: int, stop: int | None) -> tuple:
        return (slice(None),) * axis + (slice(start, stop),)

    n = g.shape[axis] - before - after
    if mode == "constant":  # the padding is a constant: its gradient goes nowhere
        return g[take(before, before + n)]
    core = g[take(before, before + n)].copy()  # a copy: g may be shared with other ops, and it is added into
    head, tail = g[take(0, before)], g[take(before + n, None)]
    if mode == "reflect":  # x[1..before] were mirrored to the left, x[n-1-after..n-2] to the right
        core[take(1, before + 1)] += xp.flip(head, axis=axis)
        core[take(n - 1 - after, n - 1)] += xp.flip(tail, axis=axis)
    elif mode == "replicate":  # every strip entry copied the edge entry
        core[take(0, 1)] += head.sum(axis=axis, keepdims=True)
        core[take(n - 1, n)] += tail.sum(axis=axis, keepdims=True)
    else:  # circular: the left strip copied the last `before` entries, the right strip the first `after`
        core[take(n - before, n)] += head
        core[take(0, after)] += tail
    return core
