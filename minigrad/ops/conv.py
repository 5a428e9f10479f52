"""Convolution ops over 1, 2 or 3 spatial axes: `ConvNd` and `ConvTransposeNd`, forward beside backward.

Both are matrix products in disguise. ``im2col`` lays every window of the (padded) input
out as one column: an ``as_strided`` view that reads each input element once per window it
falls in (no copy), then one reshape that copies it into a matrix. A convolution is the
weights times that matrix; its input gradient puts each column's gradient back where the
column came from (``col2im``, one strided add per kernel tap). The transposed convolution
is the same pair used the other way round: its forward is ``col2im``, its backward ``im2col``.

Shapes follow PyTorch: input ``(N, C, *spatial)``, conv weight ``(out, in/groups, *kernel)``,
transposed-conv weight ``(in, out/groups, *kernel)``. ``padding`` here is one
``(before, after)`` pair per spatial axis; the public functions in ``nn.functional`` accept
PyTorch's forms and check shapes before anything runs.
"""
from __future__ import annotations

import itertools
from typing import Any

from .base import Function, prod


def out_size(size: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
    """Number of window positions along one axis: floor((size + pad - dilation·(kernel-1) - 1) / stride) + 1."""
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


def pad_zeros(xp: Any, x: Any, padding: tuple) -> Any:
    """``x`` (N, C, *spatial) with zeros added: ``padding`` holds one (before, after) pair per spatial axis."""
    if not any(b or a for b, a in padding):
        return x
    grown = x.shape[:2] + tuple(n + b + a for n, (b, a) in zip(x.shape[2:], padding))
    out = xp.zeros(grown, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[2:], padding))] = x
    return out


def im2col(xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple, out_sizes: tuple) -> Any:
    """Every window of ``x`` (N, C, *spatial) as one column: a (C·prod(kernel), N·prod(out_sizes)) matrix.

    The strided view has shape (C, *kernel, N, *out_sizes): moving one output position steps
    ``stride`` input rows, moving one kernel tap steps ``dilation`` rows. Windows run along
    the columns (not the rows) so that the copy's inner loop runs along a whole output row
    instead of a 5-wide kernel row, and so that ``W @ cols`` comes out channel by channel.
    """
    n, c = x.shape[:2]
    sn, sc, *spatial = x.strides
    view = xp.lib.stride_tricks.as_strided(
        x, shape=(c, *kernel, n, *out_sizes),
        strides=(sc, *(s * d for s, d in zip(spatial, dilation)), sn, *(s * t for s, t in zip(spatial, stride))))
    return view.reshape(c * prod(kernel), n * prod(out_sizes))  # the one copy: reshape of a strided view


def col2im(xp: Any, cols: Any, shape: tuple, kernel: tuple, stride: tuple, dilation: tuple, out_sizes: tuple) -> Any:
    """The adjoint of `im2col`: add each window's column back onto the positions it was read from.

    ``cols`` is (C·prod(kernel), N·prod(out_sizes)); the result has ``shape`` (N, C, *spatial)
    (a view of a channels-first array). Overlapping windows add up: one strided add per kernel tap.
    """
    n, c = shape[:2]
    taps = cols.reshape(c, *kernel, n, *out_sizes)
    out = xp.zeros((c, n) + tuple(shape[2:]), dtype=cols.dtype)
    for tap in itertools.product(*(range(k) for k in kernel)):
        out[tap_slices(tap, stride, dilation, out_sizes)] += taps[(slice(None),) + tap]
    return out.swapaxes(0, 1)


def tap_slices(tap: tuple, stride: tuple, dilation: tuple, out_sizes: tuple) -> tuple:
    """The index of (N, C, *spatial) that kernel tap ``tap`` reads in every window: one strided slice per axis."""
    return (slice(None), slice(None)) + tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                                              for t, s, d, o in zip(tap, stride, dilation, out_sizes))


def _channels_first(a: Any) -> Any:
    """(N, C, ...) -> (C, N·...): free when ``a`` is already a channels-first layout (as conv outputs are)."""
    return a.swapaxes(0, 1).reshape(a.shape[1], -1)


def _describe(name: str, params: dict, defaults: dict, always: tuple = ()) -> str:
    """``name(k=v, ...)`` with the parameters in ``always`` and those that differ from ``defaults``."""
    shown = []
    for key, value in params.items():
        default = defaults.get(key, object())
        if isinstance(default, tuple) and isinstance(value, tuple):
            default = default[:len(value)]  # the defaults are written for 3 spatial axes
        if key in always or (key in defaults and value != default):
            if isinstance(value, tuple) and all(isinstance(v, tuple) and len(set(v)) == 1 for v in value):
                value = tuple(v[0] for v in value)  # even padding ((1, 1), (2, 2)) reads as (1, 2)
            if isinstance(value, tuple) and len(set(value)) == 1:
                value = value[0]  # (2, 2) reads as 2, as PyTorch prints it
            shown.append(f"{key}={value}")
    return f"{name}({', '.join(shown)})" if shown else name


_ONES, _NO_PAD = (1, 1, 1), ((0, 0),) * 3


class ConvNd(Function):
    """Cross-correlation (what deep learning calls convolution) over the spatial axes, with an optional bias.

    out[n, o, y] = b[o] + Σ_{c, i} w[o, c, i] · x_pad[n, group(o)·C/G + c, y·stride + i·dilation]
    (y and i run over all spatial axes at once).
    """

    name = "conv"
    formulas = ("col2im(bᵀ @ g)", "g @ im2col(a)ᵀ", "g summed over batch and positions")
    defaults = {"stride": _ONES, "padding": _NO_PAD, "dilation": _ONES, "groups": 1}

    def forward(self, xp, x, w, *bias, stride, padding, dilation, groups):
        out_ch, kernel = w.shape[0], w.shape[2:]
        padded = pad_zeros(xp, x, padding)
        outs = tuple(out_size(n, k, s, d, 0) for n, k, s, d in zip(padded.shape[2:], kernel, stride, dilation))
        cols = im2col(xp, padded, kernel, stride, dilation, outs)
        cols = cols.reshape(groups, -1, cols.shape[1])  # (G, C/G·prod(kernel), N·prod(outs))
        wmat = w.reshape(groups, out_ch // groups, -1)  # (G, O/G, C/G·prod(kernel)): one flattened filter per row
        out = (wmat @ cols).reshape(out_ch, -1)  # one matrix product per group (one in all, usually)
        if bias:
            out += bias[0].reshape(-1, 1)
        self.saved = (cols, wmat, w.shape, padded.shape, outs, x.shape)
        # (O, N·prod(outs)) -> (N, O, *outs) as a view: the data stays channels-first, the elementwise ops
        # that follow keep that layout, and backward's way back to (O, N·prod(outs)) is then free
        return out.reshape((out_ch, x.shape[0]) + outs).swapaxes(0, 1)

    def backward(self, g):
        cols, wmat, w_shape, padded_shape, outs, x_shape = self.saved
        p, groups = self.params, self.params["groups"]
        g2 = _channels_first(g)  # (O, N·prod(outs))
        g3 = g2.reshape(groups, -1, g2.shape[1])
        gx = gw = gb = None
        if self.needs[1]:
            gw = (g3 @ cols.transpose(0, 2, 1)).reshape(w_shape)
        if self.needs[0]:
            dcols = (wmat.transpose(0, 2, 1) @ g3).reshape(-1, g2.shape[1])
            gpad = col2im(self.xp, dcols, padded_shape, w_shape[2:], p["stride"], p["dilation"], outs)
            gx = gpad[(slice(None), slice(None)) + tuple(slice(b, b + n)
                                                         for (b, _), n in zip(p["padding"], x_shape[2:]))]
        if len(self.needs) > 2 and self.needs[2]:
            gb = g2.sum(axis=1)
        return (gx, gw, gb)[:len(self.needs)]

    def describe(self):
        return _describe(self.name, self.params, self.defaults)


class Conv1d(ConvNd):
    name = "conv1d"


class Conv2d(ConvNd):
    name = "conv2d"


class Conv3d(ConvNd):
    name = "conv3d"


class ConvTransposeNd(Function):
    """The transpose (adjoint) of `ConvNd` with respect to its input, plus an optional bias.

    Each input pixel spreads ``x[n, c, y] · w[c, o, :]`` onto the output window at y·stride:
    col2im of ``Wᵀ @ x``. The output is then cropped by ``padding`` on each side and grown
    by ``output_padding`` at the end, as PyTorch defines it.
    """

    name = "conv_transpose"
    formulas = ("b @ im2col(g)", "a @ im2col(g)ᵀ", "g summed over batch and positions")
    defaults = {"stride": _ONES, "padding": (0, 0, 0), "output_padding": (0, 0, 0), "dilation": _ONES, "groups": 1}

    def forward(self, xp, x, w, *bias, stride, padding, output_padding, dilation, groups):
        in_ch, out_g, kernel = w.shape[0], w.shape[1], w.shape[2:]
        full = tuple((n - 1) * s + d * (k - 1) + 1 + op
                     for n, s, d, k, op in zip(x.shape[2:], stride, dilation, kernel, output_padding))
        x3 = _channels_first(x).reshape(groups, in_ch // groups, -1)  # (G, Cin/G, N·prod(spatial))
        wmat = w.reshape(groups, in_ch // groups, -1)  # (G, Cin/G, Cout/G·prod(kernel))
        cols = (wmat.transpose(0, 2, 1) @ x3).reshape(-1, x3.shape[2])  # (Cout·prod(kernel), N·prod(spatial))
        out = col2im(xp, cols, (x.shape[0], out_g * groups) + full, kernel, stride, dilation, x.shape[2:])
        out = out[(slice(None), slice(None)) + tuple(slice(p, n - p) for p, n in zip(padding, full))]
        if bias:
            out = out + bias[0].reshape((-1,) + (1,) * len(kernel))
        self.saved = (x3, wmat, w.shape, full, x.shape)
        return out

    def backward(self, g):
        x3, wmat, w_shape, full, x_shape = self.saved
        p, groups, xp = self.params, self.params["groups"], self.xp
        gfull = pad_zeros(xp, g, tuple((q, n - q - m) for q, n, m in zip(p["padding"], full, g.shape[2:])))
        gcols = im2col(xp, gfull, w_shape[2:], p["stride"], p["dilation"], x_shape[2:])  # (Cout·prod(k), N·...)
        gcols = gcols.reshape(groups, -1, gcols.shape[1])
        gx = gw = gb = None
        if self.needs[0]:
            gx = (wmat @ gcols).reshape((x_shape[1], x_shape[0]) + tuple(x_shape[2:])).swapaxes(0, 1)
        if self.needs[1]:
            gw = (x3 @ gcols.transpose(0, 2, 1)).reshape(w_shape)
        if len(self.needs) > 2 and self.needs[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return (gx, gw, gb)[:len(self.needs)]

    def describe(self):
        return _describe(self.name, self.params, self.defaults)


class ConvTranspose1d(ConvTransposeNd):
    name = "conv_transpose1d"


class ConvTranspose2d(ConvTransposeNd):
    name = "conv_transpose2d"


class ConvTranspose3d(ConvTransposeNd):
    name = "conv_transpose3d"


CONV = {1: Conv1d, 2: Conv2d, 3: Conv3d}
CONV_TRANSPOSE = {1: ConvTranspose1d, 2: ConvTranspose2d, 3: ConvTranspose3d}
