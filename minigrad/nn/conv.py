"""Convolution layers: `Conv1d`, `Conv2d`, `Conv3d` and `ConvTranspose1d`/`2d`/`3d`.

Arguments and shapes as PyTorch's layers, initial weights as `Linear`'s: ``init`` picks the
scheme ("he" by default, "xavier", "random", "zeros", a number or a function). A conv weight
(out, in/groups, kh, kw) is drawn as the (fan_in, out) matrix a `Linear` would draw, with
fan_in = in/groups × kh × kw (the inputs each output sums over), and laid out as filters. A
transposed conv's weight (in, out/groups, kh, kw) uses fan_in = out/groups × kh × kw, PyTorch's
convention. Biases start at zero.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import default_device
from ..ops import ShapeError
from ..tensor import Tensor
from . import functional_conv as F
from . import init as initializers
from .functional_pool import pad
from .layers import as_input
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _positive(name: str, value: Any, layer: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _tuple(value: Any, n: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _filters(init: Any, shape: tuple, dtype: Any, layer: str) -> np.ndarray:
    """A weight of ``shape`` (A, B, k...) drawn as `Linear` draws a (B·area, A) matrix: fan_in = B × kernel area."""
    fan_in = int(np.prod(shape[1:]))
    w = np.asarray(initializers.get(init)((fan_in, shape[0])), dtype=dtype)
    if w.shape != (fan_in, shape[0]):
        raise ShapeError(f"{layer}: init returned shape {w.shape}, expected {(fan_in, shape[0])} (fan_in, out)")
    return np.ascontiguousarray(w.T).reshape(shape)


class _ConvNd(Module):
    """What the convolution layers share: checked sizes, weights, bias, padding mode and the repr."""

    spatial = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 init: Any = "he", dtype: Any = np.float32, device: str | None = None, output_padding: Any = 0):
        super().__init__()
        layer = type(self).__name__
        self.in_channels = _positive("in_channels", in_channels, layer)
        self.out_channels = _positive("out_channels", out_channels, layer)
        self.groups = _positive("groups", groups, layer)
        for name, n in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if n % self.groups:
                raise ValueError(f"{layer}: {name} {n} must be divisible by groups {self.groups}")
        self.kernel_size = tuple(_positive("kernel_size", k, layer) for k in _tuple(kernel_size, self.spatial))
        if len(self.kernel_size) != self.spatial:
            raise ValueError(f"{layer}: kernel_size must be an int or {self.spatial} ints, got {kernel_size!r}")
        self.stride, self.dilation = _tuple(stride, self.spatial), _tuple(dilation, self.spatial)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, self.spatial)
        self.output_padding = _tuple(output_padding, self.spatial)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{layer}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        if padding_mode != "zeros" and (self.transposed or isinstance(padding, str)):
            raise ValueError(f"{layer}: padding_mode {padding_mode!r} needs a numeric padding "
                             "(and is for Conv1d/Conv2d only)")
        self.padding_mode, self.init = padding_mode, init
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        w = _filters(init, shape, dtype, layer)
        device = device or default_device()  # NumPy-made weights would otherwise stay on the CPU
        self.weight = Tensor(w, requires_grad=True, device=device, label="W")
        self.bias = Tensor(np.zeros(self.out_channels, dtype=dtype), requires_grad=True, device=device,
                           label="b") if bias else None

    def forward(self, x: Any) -> Tensor:
        x, padding = self._padded(as_input(x, self.weight))
        return F.convolution(f"conv{self.spatial}d", x, self.weight, self.bias, self.stride, padding, self.dilation,
                       self.groups)

    def _padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """Apply a non-zero padding mode by hand (then the convolution itself pads nothing)."""
        if self.padding_mode == "zeros":
            return x, self.padding
        flat = tuple(p for size in reversed(self.padding) for p in (size, size))
        return pad(x, flat, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        parts = [f"{self.in_channels}, {self.out_channels}", f"kernel_size={_short(self.kernel_size)}"]
        for name, default in (("stride", 1), ("padding", 0), ("output_padding", 0), ("dilation", 1)):
            value = getattr(self, name)
            if (value if isinstance(value, str) else _short(value)) != default:
                parts.append(f"{name}={value if isinstance(value, str) else _short(value)}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode!r}")
        parts.append(f"init={initializers.describe(self.init)!r}")
        return ", ".join(parts)


def _short(values: tuple) -> Any:
    return values[0] if len(set(values)) == 1 else values


class Conv1d(_ConvNd):
    """1-D convolution layer: (N, in_channels, L) -> (N, out_channels, L')."""

    spatial = 1


class Conv2d(_ConvNd):
    """2-D convolution layer: (N, in_channels, H, W) -> (N, out_channels, H', W')."""


class Conv3d(_ConvNd):
    """3-D convolution layer: (N, in_channels, D, H, W) -> (N, out_channels, D', H', W')."""

    spatial = 3


class _ConvTransposeNd(_ConvNd):
    """Transposed convolution (learned upsampling): weight (in_channels, out_channels/groups, *kernel)."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", init: Any = "he", dtype: Any = np.float32, device: str | None = None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, init, dtype, device, output_padding)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        """``output_size`` (the spatial sizes, or a full shape) picks the output_padding that gives exactly
        that size, as PyTorch's layer does: a stride above 1 maps several input sizes to one output size."""
        x = as_input(x, self.weight)
        extra = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return F.transposed_convolution(f"conv_transpose{self.spatial}d", x, self.weight, self.bias, self.stride,
                                 self.padding, extra, self.groups, self.dilation)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple:
        wanted = tuple(int(n) for n in output_size)[-self.spatial:]
        extra = []
        for axis, size in enumerate(wanted):
            s, p, d, k = (_tuple(v, self.spatial)[axis]
                          for v in (self.stride, self.padding, self.dilation, self.kernel_size))
            smallest = (x.shape[x.ndim - self.spatial + axis] - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= size < smallest + max(s, d):
                raise ShapeError(f"{type(self).__name__}: output_size {tuple(output_size)} for input "
                                 f"{tuple(x.shape)}: axis {axis - self.spatial} can only be {smallest} to "
                                 f"{smallest + max(s, d) - 1}")
            extra.append(size - smallest)
        return tuple(extra)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution layer: weight (in_channels, out_channels/groups, k)."""

    spatial = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution layer (learned upsampling): weight (in_channels, out_channels/groups, kh, kw)."""


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution layer: weight (in_channels, out_channels/groups, kd, kh, kw)."""

    spatial = 3
