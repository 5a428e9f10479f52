"""Pooling and padding ops: `MaxPool2d`, `AvgPool2d`, `Pad`, each forward beside its backward.

Pooling reads the windows of the padded input one kernel tap at a time: tap (i, j) of every
window is one strided view of the input, so a max or a sum over windows is kh·kw elementwise
ops with no copy of the windows; backward adds each tap's gradient back through the same views.
Window arithmetic follows PyTorch exactly (``ceil_mode``, the divisor of an average pool that
overlaps the padding), so results agree with ``torch.nn.functional``.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from .ops import Function
from .ops_conv import _describe


def pool_out_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: in ceil mode a last, partial window counts if it starts
    inside the input or its left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def taps(x: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> Iterator[tuple[int, Any]]:
    """For each kernel tap k = i·kw + j, the (N, C, OH, OW) view of the entries that tap reads in every window.

    A window's reduction is then kh·kw elementwise ops on these strided views, with no copy of
    the windows (reducing a (..., kh·kw) copy along its short last axis is several times slower).
    """
    h_span, w_span = stride[0] * (out_hw[0] - 1) + 1, stride[1] * (out_hw[1] - 1) + 1
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            top, left = i * dilation[0], j * dilation[1]
            yield i * kernel[1] + j, x[:, :, top:top + h_span:stride[0], left:left + w_span:stride[1]]


def _padded(xp: Any, x: Any, padding: tuple, out_hw: tuple, kernel: tuple, stride: tuple, dilation: tuple,
            fill: float) -> Any:
    """``x`` padded by ``padding`` on each side, plus whatever ceil mode's last windows reach past that."""
    pads = []
    for axis in (0, 1):
        size, p = x.shape[2 + axis], padding[axis]
        reach = (out_hw[axis] - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1
        pads.append((p, max(p, reach - size - p)))
    if not any(a or b for a, b in pads):
        return x
    out = xp.full(x.shape[:2] + (x.shape[2] + sum(pads[0]), x.shape[3] + sum(pads[1])), fill, dtype=x.dtype)
    out[:, :, pads[0][0]:pads[0][0] + x.shape[2], pads[1][0]:pads[1][0] + x.shape[3]] = x
    return out


def _spread(xp: Any, per_tap: Callable[[int], Any], shape: tuple, kernel: tuple, stride: tuple, dilation: tuple,
            out_hw: tuple, dtype: Any) -> Any:
    """The adjoint of reading `taps`: add ``per_tap(k)`` (an (N, C, OH, OW) gradient) onto tap k's entries."""
    out = xp.zeros(shape, dtype=dtype)
    for k, view in taps(out, kernel, stride, dilation, out_hw):
        view += per_tap(k)  # a view of out: adds in place
    return out


class MaxPool2d(Function):
    """Maximum over each window; the gradient goes to the first maximal entry of the window (as PyTorch).

    Padding counts as -inf, so it is never the maximum.
    """

    name, formulas = "max_pool2d", ("g at each window's argmax, 0 elsewhere",)
    defaults = {"stride": None, "padding": (0, 0), "dilation": (1, 1), "ceil_mode": False}

    def forward(self, xp, x, kernel, stride, padding, dilation, ceil_mode):
        out_hw = tuple(pool_out_size(x.shape[2 + a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
                       for a in (0, 1))
        padded = _padded(xp, x, padding, out_hw, kernel, stride, dilation, -np.inf)
        best = which = None
        for k, view in taps(padded, kernel, stride, dilation, out_hw):
            if best is None:  # order "K": in the input's memory layout, so the comparisons below run in step
                best = view.copy(order="K")
                which = xp.zeros_like(best, dtype=np.uint8 if kernel[0] * kernel[1] <= 255 else np.int32)
                continue
            # a strictly larger entry takes over, so the first maximum wins a tie; so does a NaN (PyTorch's rule)
            better = view > best
            better |= xp.isnan(view)
            xp.maximum(best, view, out=best)  # NaN propagates as in PyTorch
            which += better * (k - which)  # which = k where better: arithmetic, as where() is ~15x slower here
        self.saved = (which, padded.shape, out_hw, x.shape)
        return best

    def backward(self, g):
        which, padded_shape, out_hw, x_shape = self.saved
        p, xp = self.params, self.xp
        zero = xp.zeros((), dtype=g.dtype)
        gpad = _spread(xp, lambda k: xp.where(which == k, g, zero), padded_shape, p["kernel"], p["stride"],
                       p["dilation"], out_hw, g.dtype)
        top, left = p["padding"]
        return (gpad[:, :, top:top + x_shape[2], left:left + x_shape[3]],)

    def indices(self) -> Any:
        """PyTorch's ``return_indices``: each maximum's flat position in its input plane (h·W + w)."""
        which, _, (oh, ow), x_shape = self.saved
        p, xp = self.params, self.xp
        kw = p["kernel"][1]
        rows = xp.arange(oh).reshape(-1, 1) * p["stride"][0] - p["padding"][0] + (which // kw) * p["dilation"][0]
        cols = xp.arange(ow) * p["stride"][1] - p["padding"][1] + (which % kw) * p["dilation"][1]
        return rows * x_shape[3] + cols

    def describe(self):
        return _describe(self.name, self.params, self.defaults, always=("kernel", "stride"))


class AvgPool2d(Function):
    """Mean over each window. The divisor follows PyTorch: the window size clipped to the padded input
    (``count_include_pad=True``), or only the real input elements it covers, or ``divisor_override``."""

    name, formulas = "avg_pool2d", ("g / divisor spread over each window",)
    defaults = {"padding": (0, 0), "ceil_mode": False, "count_include_pad": True, "divisor_override": None}

    def forward(self, xp, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        one = (1, 1)
        out_hw = tuple(pool_out_size(x.shape[2 + a], kernel[a], stride[a], padding[a], 1, ceil_mode) for a in (0, 1))
        padded = _padded(xp, x, padding, out_hw, kernel, stride, one, 0)
        total = None
        for _, view in taps(padded, kernel, stride, one, out_hw):
            if total is None:
                total = view.copy(order="K")
            else:
                total += view
        divisor = xp.asarray(self._divisors(x.shape[2:], out_hw), dtype=x.dtype)
        self.saved = (divisor, padded.shape, out_hw, x.shape)
        return total / divisor

    def _divisors(self, size: tuple, out_hw: tuple) -> np.ndarray:
        """The (OH, OW) divisors, computed on the host as PyTorch's kernel does."""
        p = self.params
        if p["divisor_override"]:
            return np.full(out_hw, p["divisor_override"], dtype=np.float64)
        counts = []
        for a in (0, 1):
            start = np.arange(out_hw[a]) * p["stride"][a] - p["padding"][a]
            end = np.minimum(start + p["kernel"][a], size[a] + p["padding"][a])
            if p["count_include_pad"]:
                counts.append(end - start)
            else:
                counts.append(np.minimum(end, size[a]) - np.maximum(start, 0))
        return np.outer(counts[0], counts[1]).astype(np.float64)

    def backward(self, g):
        divisor, padded_shape, out_hw, x_shape = self.saved
        p = self.params
        share = g / divisor
        gpad = _spread(self.xp, lambda k: share, padded_shape, p["kernel"], p["stride"], (1, 1), out_hw, g.dtype)
        top, left = p["padding"]
        return (gpad[:, :, top:top + x_shape[2], left:left + x_shape[3]],)

    def describe(self):
        return _describe(self.name, self.params, self.defaults, always=("kernel", "stride"))


# -- padding --------------------------------------------------------------------------------------------
_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Function):
    """``torch.nn.functional.pad``: ``pads`` is one (before, after) pair per axis.

    ``constant`` fills with ``value`` (a negative pad crops); ``reflect`` mirrors without
    repeating the edge; ``replicate`` repeats the edge; ``circular`` wraps around. Backward
    folds each padded strip's gradient back onto the input entries it copied.
    """

    name, formulas = "pad", ("g with each padded strip added back onto its source",)

    def forward(self, xp, x, pads, mode, value):
        if mode == "constant":
            crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pads, x.shape))
            grow = [(max(b, 0), max(a, 0)) for b, a in pads]
            return xp.pad(x[crop], grow, mode="constant", constant_values=value)
        return xp.pad(x, list(pads), mode=_NP_MODES[mode])

    def backward(self, g):
        pads, mode, xp = self.params["pads"], self.params["mode"], self.xp
        for axis, (before, after) in enumerate(pads):
            if before or after:
                g = _fold(xp, g, axis, before, after, mode)
        return (g,)

    def describe(self):
        pads = self.params["pads"]
        kept = [p for p in pads]
        while kept and kept[0] == (0, 0):
            kept.pop(0)
        flat = tuple(v for b, a in reversed(kept) for v in (b, a))  # PyTorch order: last axis first
        value = self.params["value"]
        extra = f", value={value:g}" if self.params["mode"] == "constant" and value else ""
        return f"pad({flat}, {self.params['mode']}{extra})"


def _fold(xp: Any, g: Any, axis: int, before: int, after: int, mode: str) -> Any:
    """The gradient of padding one axis: ``g`` (padded along ``axis``) folded back to the input's length."""
    def take(start: int, stop: int | None) -> tuple:
        return (slice(None),) * axis + (slice(start, stop),)

    if mode == "constant":  # keep the middle; cropped (negative) entries get zeros
        core = g[take(max(before, 0), g.shape[axis] - max(after, 0))]
        if before < 0 or after < 0:
            widths = [(0, 0)] * g.ndim
            widths[axis] = (max(-before, 0), max(-after, 0))
            core = xp.pad(core, widths)
        return core
    n = g.shape[axis] - before - after
    core = g[take(before, before + n)].copy()  # a copy: g may be shared with other ops, and it is added into
    head, tail = g[take(0, before)], g[take(before + n, None)]
    if mode == "reflect":  # x[1..before] were mirrored to the left, x[n-1-after..n-2] to the right
        core[take(1, before + 1)] += xp.flip(head, axis=axis)
        core[take(n - 1 - after, n - 1)] += xp.flip(tail, axis=axis)
    elif mode == "replicate":
        core[take(0, 1)] += head.sum(axis=axis, keepdims=True)
        core[take(n - 1, n)] += tail.sum(axis=axis, keepdims=True)
    else:  # circular: the left strip copied the last `before` entries, the right strip the first `after`
        core[take(n - before, n)] += head
        core[take(0, after)] += tail
    return core
