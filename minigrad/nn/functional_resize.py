"""``interpolate``: resizing with ``torch.nn.functional.interpolate``'s arguments and meanings.

Nearest modes gather source pixels; linear modes ("linear", "bilinear", "trilinear") are
separable: one 1-D interpolation along each spatial axis in turn, each a gather of the two
neighbours and a blend. Source positions and their arithmetic type follow PyTorch, so the
same pixels are picked.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import ShapeError
from ..tensor import Tensor
from .functional_conv import ints, tensor_arg

__all__ = ["interpolate"]

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial axes (all axes after (N, C)): "nearest", "nearest-exact", or linear interpolation
    ("linear" for (N, C, L), "bilinear" for (N, C, H, W), "trilinear" for (N, C, D, H, W)).

    Source positions are PyTorch's: with ``align_corners=True`` the corner pixels' centres line up
    (src = dst·(in-1)/(out-1)); otherwise pixel areas line up (src = (dst + 0.5)·scale - 0.5).
    Linear modes are separable: one interpolation along each axis in turn.
    """
    op = "interpolate"
    x = tensor_arg(input, op, "input")
    spatial = x.ndim - 2
    if mode not in ("nearest", "nearest-exact") + tuple(_LINEAR):
        raise NotImplementedError(f"{op}: mode {mode!r} is not available; use 'nearest', 'nearest-exact', "
                                  "'linear', 'bilinear' or 'trilinear'")
    if not 1 <= spatial <= 3 or (mode in _LINEAR and _LINEAR[mode] != spatial):
        need = f"{_LINEAR[mode] + 2}-D" if mode in _LINEAR else "3-D, 4-D or 5-D"
        raise ShapeError(f"{op}: mode {mode!r} needs a {need} input (N, C, spatial...), got {tuple(x.shape)}")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not available")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"(linear, bilinear, trilinear), not {mode!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size or scale_factor")
    if x.dtype.kind != "f" and mode in _LINEAR:  # nearest only picks pixels: any dtype (an image's uint8) will do
        raise TypeError(f"{op}: mode {mode!r} needs a floating-point input, got dtype {x.dtype}")
    in_sizes = tuple(x.shape[2:])
    if size is not None:
        out_sizes = ints(size, spatial, "size", op, 1)
        scales: tuple = (None,) * spatial
    else:
        scales = tuple(float(s) for s in (scale_factor if isinstance(scale_factor, (tuple, list))
                                          else (scale_factor,) * spatial))
        if len(scales) != spatial or any(not s > 0 or math.isinf(s) for s in scales):
            raise ValueError(f"{op}: scale_factor must be a positive number or {spatial} of them, got {scale_factor!r}")
        out_sizes = tuple(int(math.floor(n * s)) for n, s in zip(in_sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * spatial
        if min(out_sizes) < 1:
            raise ShapeError(f"{op}: scale_factor {scale_factor!r} shrinks input {tuple(x.shape)} to {out_sizes}")
    dtype = np.float64 if x.dtype == np.float64 else np.float32  # PyTorch's index arithmetic type
    out = x
    for k in range(spatial):
        source = _linear_source if mode in _LINEAR else _nearest_source
        plan = source(in_sizes[k], out_sizes[k], scales[k], mode, bool(align_corners), dtype)
        out = _resample(out, 2 + k, *plan)
    return out


def _scale(n_in: int, n_out: int, scale: float | None, dtype: Any) -> Any:
    """PyTorch's compute_scales_value: 1/scale_factor when one was given, in/out otherwise (in ``dtype``)."""
    return dtype(1.0 / scale) if scale is not None and scale > 0 else dtype(n_in) / dtype(n_out)


def _nearest_source(n_in: int, n_out: int, scale: float | None, mode: str, _: bool, dtype: Any) -> tuple:
    dst = np.arange(n_out)
    if n_out == n_in:
        return dst, None
    s = _scale(n_in, n_out, scale, np.float32)  # PyTorch computes nearest indices in float32 for every dtype
    pos = dst.astype(np.float32) + (np.float32(0.5) if mode == "nearest-exact" else np.float32(0))
    return np.minimum(np.floor(pos * s).astype(np.int64), n_in - 1), None


def _linear_source(n_in: int, n_out: int, scale: float | None, _: str, align_corners: bool, dtype: Any) -> tuple:
    dst = np.arange(n_out).astype(dtype)
    if align_corners:
        s = dtype(n_in - 1) / dtype(n_out - 1) if n_out > 1 else dtype(0)
        src = s * dst
    else:
        src = np.maximum(_scale(n_in, n_out, scale, dtype) * (dst + dtype(0.5)) - dtype(0.5), dtype(0))
    low = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    weight = np.clip(src - low, 0, 1).astype(dtype)
    return low, weight, np.minimum(low + 1, n_in - 1)


def _resample(x: Tensor, axis: int, low: np.ndarray, weight: np.ndarray | None, high: np.ndarray | None = None
              ) -> Tensor:
    """Gather ``low`` along ``axis`` (and, with weights, blend in ``high``): one axis of a resize."""
    n = x.shape[axis]
    if weight is None or not weight.any():
        if np.array_equal(low, np.arange(n)):
            return x  # the identity: nothing to gather
        return x[(slice(None),) * axis + (low,)]
    shape = [1] * x.ndim
    shape[axis] = len(weight)
    w = Tensor(weight.reshape(shape), device=x.device)
    a, b = x[(slice(None),) * axis + (low,)], x[(slice(None),) * axis + (high,)]
    return a + (b - a) * w
