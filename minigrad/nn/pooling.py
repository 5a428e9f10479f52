"""Layers between convolutions and the dense head: pooling, unpooling, resizing and `Flatten`.

`MaxPool1d`/`2d`/`3d`, `AvgPool1d`/`2d`/`3d`, `MaxUnpool2d`, `Upsample` and `Flatten` take
PyTorch's arguments and hold no parameters; each forward is one call of `nn.functional`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import ShapeError
from ..tensor import Tensor
from . import functional_pool as F
from .functional_resize import interpolate
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxUnpool2d", "Upsample",
           "Flatten"]


def _settings(layer: Module, names: tuple, defaults: dict) -> str:
    """``kernel_size=2, stride=2`` and then only the settings that differ from their defaults, as PyTorch prints."""
    stride = layer.kernel_size if layer.stride is None else layer.stride
    parts = [f"kernel_size={layer.kernel_size}", f"stride={stride}"]
    parts += [f"{name}={getattr(layer, name)}" for name in names if getattr(layer, name) != defaults[name]]
    return ", ".join(parts)


class _MaxPoolNd(Module):
    spatial = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, x: Any) -> Any:
        return F.max_pool(f"max_pool{self.spatial}d", self.spatial, x, self.kernel_size, self.stride, self.padding,
                           self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return _settings(self, ("padding", "dilation", "ceil_mode"), {"padding": 0, "dilation": 1, "ceil_mode": False})


class MaxPool1d(_MaxPoolNd):
    """Maximum over each window of (N, C, L) (stride defaults to kernel_size: windows side by side)."""

    spatial = 1


class MaxPool2d(_MaxPoolNd):
    """Maximum over each kernel_size window of (N, C, H, W) (stride defaults to kernel_size)."""


class MaxPool3d(_MaxPoolNd):
    """Maximum over each window of (N, C, D, H, W)."""

    spatial = 3


class _AvgPoolNd(Module):
    spatial = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool(f"avg_pool{self.spatial}d", self.spatial, x, self.kernel_size, self.stride, self.padding,
                           self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return _settings(self, ("padding", "ceil_mode", "count_include_pad", "divisor_override"),
                         {"padding": 0, "ceil_mode": False, "count_include_pad": True, "divisor_override": None})


class AvgPool1d(_AvgPoolNd):
    """Mean over each window of (N, C, L)."""

    spatial = 1


class AvgPool2d(_AvgPoolNd):
    """Mean over each kernel_size window of (N, C, H, W) (stride defaults to kernel_size)."""


class AvgPool3d(_AvgPoolNd):
    """Mean over each window of (N, C, D, H, W)."""

    spatial = 3


class MaxUnpool2d(Module):
    """Put each value of a `MaxPool2d(..., return_indices=True)` output back where its maximum was."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return _settings(self, ("padding",), {"padding": 0})


class Upsample(Module):
    """Resize the spatial axes by ``scale_factor`` or to ``size`` (see `nn.functional.interpolate`)."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Any) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class Flatten(Module):
    """Join axes ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C·H·W) by default, before a `Linear`."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        ndim = max(x.ndim, 1)
        start, end = self.start_dim % ndim, self.end_dim % ndim
        if not (-ndim <= self.start_dim < ndim and -ndim <= self.end_dim < ndim) or start > end:
            raise ShapeError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}): does not fit an input "
                             f"of shape {tuple(x.shape)}")
        shape = tuple(x.shape)
        return x.reshape(shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
