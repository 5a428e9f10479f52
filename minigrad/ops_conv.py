"""Convolution ops: `Conv2d` and `ConvTranspose2d`, each a `Function` with its forward beside its backward.

Both are matrix products in disguise. ``im2col`` lays every window of the (padded) input
out as one column: an ``as_strided`` view that reads each input element once per window it
falls in (no copy), then one reshape that copies it into a matrix. A convolution is the
weights times that matrix; its input gradient puts each column's gradient back where the
column came from (``col2im``, one strided add per kernel offset). The transposed convolution is the
same pair used the other way round: its forward is ``col2im``, its backward ``im2col``.

Shapes follow PyTorch: input ``(N, C, H, W)``, conv weight ``(out, in/groups, kh, kw)``,
transposed-conv weight ``(in, out/groups, kh, kw)``. ``padding`` here is
``((top, bottom), (left, right))``; the public functions in ``nn.functional`` accept
PyTorch's forms and check shapes before anything runs.
"""
from __future__ import annotations

from typing import Any

from .ops import Function

Pair = tuple  # (height, width)


def out_size(size: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
    """Number of window positions along one axis: floor((size + pad - dilation*(kernel-1) - 1) / stride) + 1."""
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


def pad_zeros(xp: Any, x: Any, padding: tuple) -> Any:
    """``x`` (N, C, H, W) with zero rows/columns added: padding is ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def im2col(xp: Any, x: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """Every window of ``x`` (N, C, H, W) as one column: a (C·kh·kw, N·OH·OW) matrix.

    The strided view has shape (C, kh, kw, N, OH, OW): moving one output position steps
    ``stride`` input rows, moving one kernel tap steps ``dilation`` rows. Windows run along
    the columns (not the rows) so that the copy's inner loop runs along a whole output row
    instead of a 5-wide kernel row, and so that ``W @ cols`` comes out channel by channel.
    """
    n, c = x.shape[:2]
    (kh, kw), (oh, ow) = kernel, out_hw
    sn, sc, sh, sw = x.strides
    view = xp.lib.stride_tricks.as_strided(
        x, shape=(c, kh, kw, n, oh, ow),
        strides=(sc, sh * dilation[0], sw * dilation[1], sn, sh * stride[0], sw * stride[1]))
    return view.reshape(c * kh * kw, n * oh * ow)  # the one copy: reshape of a strided view


def col2im(xp: Any, cols: Any, shape: tuple, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """The adjoint of `im2col`: add each window's column back onto the positions it was read from.

    ``cols`` is (C·kh·kw, N·OH·OW); the result has ``shape`` (N, C, H, W) (a view of a
    channels-first array). Overlapping windows add up: one strided add per kernel tap.
    """
    n, c, h, w = shape
    (kh, kw), (oh, ow) = kernel, out_hw
    taps = cols.reshape(c, kh, kw, n, oh, ow)
    out = xp.zeros((c, n, h, w), dtype=cols.dtype)
    h_span, w_span = stride[0] * (oh - 1) + 1, stride[1] * (ow - 1) + 1
    for i in range(kh):
        top = i * dilation[0]
        for j in range(kw):
            left = j * dilation[1]
            out[:, :, top:top + h_span:stride[0], left:left + w_span:stride[1]] += taps[:, i, j]
    return out.transpose(1, 0, 2, 3)


def _channels_first(a: Any) -> Any:
    """(N, C, H, W) -> (C, N·H·W): free when ``a`` is already a channels-first layout (as conv outputs are)."""
    return a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)


def _describe(name: str, params: dict, defaults: dict, always: tuple = ()) -> str:
    """``name(k=v, ...)`` with the parameters in ``always`` and those that differ from ``defaults``."""
    shown = []
    for key, value in params.items():
        if key in always or (key in defaults and value != defaults[key]):
            if isinstance(value, tuple) and all(isinstance(v, tuple) and len(set(v)) == 1 for v in value):
                value = tuple(v[0] for v in value)  # even padding ((1, 1), (2, 2)) reads as (1, 2)
            if isinstance(value, tuple) and len(set(value)) == 1:
                value = value[0]  # (2, 2) reads as 2, as PyTorch prints it
            shown.append(f"{key}={value}")
    return f"{name}({', '.join(shown)})" if shown else name


class Conv2d(Function):
    """2-D cross-correlation (what deep learning calls convolution), with an optional bias.

    out[n, o, y, x] = b[o] + Σ_{c,i,j} w[o, c, i, j] · x_pad[n, group(o)·C/G + c, y·s + i·d, x·s + j·d]
    """

    name = "conv2d"
    formulas = ("col2im(bᵀ @ g)", "g @ im2col(a)ᵀ", "g summed over batch and positions")
    defaults = {"stride": (1, 1), "padding": ((0, 0), (0, 0)), "dilation": (1, 1), "groups": 1}

    def forward(self, xp, x, w, *bias, stride, padding, dilation, groups):
        out_ch, _, kh, kw = w.shape
        padded = pad_zeros(xp, x, padding)
        oh = out_size(padded.shape[2], kh, stride[0], dilation[0], 0)
        ow = out_size(padded.shape[3], kw, stride[1], dilation[1], 0)
        cols = im2col(xp, padded, (kh, kw), stride, dilation, (oh, ow))
        cols = cols.reshape(groups, -1, cols.shape[1])  # (G, C/G·kh·kw, N·OH·OW)
        wmat = w.reshape(groups, out_ch // groups, -1)  # (G, O/G, C/G·kh·kw): one flattened filter per row
        out = (wmat @ cols).reshape(out_ch, -1)  # one matrix product per group (one in all, usually)
        if bias:
            out += bias[0].reshape(-1, 1)
        self.saved = (cols, wmat, w.shape, padded.shape, (oh, ow), x.shape)
        # (O, N·OH·OW) -> (N, O, OH, OW) as a view: the data stays channels-first, the elementwise ops
        # that follow keep that layout, and backward's transpose back to (O, N·OH·OW) is then free
        return out.reshape(out_ch, x.shape[0], oh, ow).transpose(1, 0, 2, 3)

    def backward(self, g):
        cols, wmat, w_shape, padded_shape, out_hw, x_shape = self.saved
        p, groups = self.params, self.params["groups"]
        g2 = _channels_first(g)  # (O, N·OH·OW)
        g3 = g2.reshape(groups, -1, g2.shape[1])
        gx = gw = gb = None
        if self.needs[1]:
            gw = (g3 @ cols.transpose(0, 2, 1)).reshape(w_shape)
        if self.needs[0]:
            dcols = (wmat.transpose(0, 2, 1) @ g3).reshape(-1, g2.shape[1])
            gpad = col2im(self.xp, dcols, padded_shape, w_shape[2:], p["stride"], p["dilation"], out_hw)
            (top, _), (left, _) = p["padding"]
            gx = gpad[:, :, top:top + x_shape[2], left:left + x_shape[3]]
        if len(self.needs) > 2 and self.needs[2]:
            gb = g2.sum(axis=1)
        return (gx, gw, gb)[:len(self.needs)]

    def describe(self):
        return _describe(self.name, self.params, self.defaults)


class ConvTranspose2d(Function):
    """The transpose (adjoint) of `Conv2d` with respect to its input, plus an optional bias.

    Each input pixel spreads ``x[n, c, y, x] · w[c, o, :, :]`` onto the output window at
    (y·s, x·s): col2im of ``Wᵀ @ x``. The output is then cropped by ``padding`` on each side
    and grown by ``output_padding`` at the bottom/right, as PyTorch defines it.
    """

    name = "conv_transpose2d"
    formulas = ("b @ im2col(g)", "a @ im2col(g)ᵀ", "g summed over batch and positions")
    defaults = {"stride": (1, 1), "padding": (0, 0), "output_padding": (0, 0), "dilation": (1, 1), "groups": 1}

    def forward(self, xp, x, w, *bias, stride, padding, output_padding, dilation, groups):
        n, in_ch, h, wd = x.shape
        _, out_g, kh, kw = w.shape
        full = tuple((size - 1) * s + d * (k - 1) + 1 + op
                     for size, s, d, k, op in zip((h, wd), stride, dilation, (kh, kw), output_padding))
        x3 = _channels_first(x).reshape(groups, in_ch // groups, -1)  # (G, Cin/G, N·H·W)
        wmat = w.reshape(groups, in_ch // groups, -1)  # (G, Cin/G, Cout/G·kh·kw)
        cols = (wmat.transpose(0, 2, 1) @ x3).reshape(-1, x3.shape[2])  # (Cout·kh·kw, N·H·W)
        out = col2im(xp, cols, (n, out_g * groups) + full, (kh, kw), stride, dilation, (h, wd))
        ph, pw = padding
        out = out[:, :, ph:full[0] - ph, pw:full[1] - pw]
        if bias:
            out = out + bias[0].reshape(-1, 1, 1)
        self.saved = (x3, wmat, w.shape, full, x.shape)
        return out

    def backward(self, g):
        x3, wmat, w_shape, full, x_shape = self.saved
        p, groups, xp = self.params, self.params["groups"], self.xp
        ph, pw = p["padding"]
        gfull = pad_zeros(xp, g, ((ph, full[0] - ph - g.shape[2]), (pw, full[1] - pw - g.shape[3])))
        gcols = im2col(xp, gfull, w_shape[2:], p["stride"], p["dilation"], x_shape[2:])  # (Cout·kh·kw, N·H·W)
        gcols = gcols.reshape(groups, -1, gcols.shape[1])
        gx = gw = gb = None
        if self.needs[0]:
            n, in_ch, h, wd = x_shape
            gx = (wmat @ gcols).reshape(in_ch, n, h, wd).transpose(1, 0, 2, 3)
        if self.needs[1]:
            gw = (x3 @ gcols.transpose(0, 2, 1)).reshape(w_shape)
        if len(self.needs) > 2 and self.needs[2]:
            gb = g.sum(axis=(0, 2, 3))
        return (gx, gw, gb)[:len(self.needs)]

    def describe(self):
        return _describe(self.name, self.params, self.defaults)
