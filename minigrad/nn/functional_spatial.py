"""Convolution, pooling, padding and resizing with ``torch.nn.functional``'s names, arguments and meanings.

Each function checks its arguments and shapes first (a mistake is reported with the op's
name and the shapes involved, before any work is done), then runs one primitive op from
`minigrad.ops_conv` / `minigrad.ops_pool`, or, for `interpolate` and `conv1d`, a few of
them. Inputs are ``(N, C, H, W)`` (or ``(C, H, W)`` for one example, as PyTorch allows).
"""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..ops import ShapeError
from ..ops_conv import ConvTranspose2d, Conv2d
from ..ops_pool import AvgPool2d, MaxPool2d, Pad, pool_out_size
from ..tensor import Tensor, apply

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "pad", "interpolate"]


# -- argument checking ------------------------------------------------------------------------------
def _ints(value: Any, n: int, name: str, op: str, minimum: int) -> tuple:
    """An int or a sequence of ``n`` ints, each at least ``minimum``, as a tuple of ``n`` ints."""
    items = (value,) * n if not isinstance(value, (tuple, list)) else tuple(value)
    try:
        items = tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(items) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return items


def _tensor(x: Any, op: str, name: str, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if x is None:
        raise TypeError(f"{op}: {name} is None")
    return Tensor(x, device=like.device if like is not None else None,
                  dtype=like.dtype if like is not None and not hasattr(x, "dtype") else None)


def _float_like(t: Tensor, ref: Tensor, op: str, name: str) -> None:
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating point, got dtype {t.dtype}")
    if t.dtype != ref.dtype:
        raise TypeError(f"{op}: input has dtype {ref.dtype} but {name} has dtype {t.dtype}: "
                        f"convert one of them (e.g. .astype(np.{ref.dtype}))")


def _batched(x: Tensor, spatial: int, op: str) -> tuple[Tensor, bool]:
    """``x`` with a batch axis (PyTorch allows one unbatched example) and whether one was added."""
    if x.ndim == spatial + 1:
        return x.reshape((1,) + tuple(x.shape)), True
    if x.ndim != spatial + 2:
        axes = ", ".join("L" if spatial == 1 else "HW")
        raise ShapeError(f"{op}: expected input of shape (N, C, {axes}) or (C, {axes}), got {tuple(x.shape)} "
                         f"({x.ndim} dimensions)")
    return x, False


def _unbatched(out: Tensor, added: bool) -> Tensor:
    return out.reshape(tuple(out.shape[1:])) if added else out


# -- convolutions -----------------------------------------------------------------------------------
def _conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple, op: str) -> tuple:
    """PyTorch's padding forms (int, tuple, "valid", "same") as ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)  # an odd total puts the extra row at the end
        raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    return tuple((p, p) for p in _ints(padding, len(kernel), "padding", op, 0))


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation): input (N, C, H, W), weight (out, C/groups, kh, kw), bias (out,)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Tensor:
    """1-D convolution: input (N, C, L), weight (out, C/groups, k), bias (out,); a `conv2d` over a height of 1."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _conv(op: str, spatial: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: Any) -> Tensor:
    """Check a convolution's arguments against PyTorch's rules, then run it as one 2-D `Conv2d`."""
    x = _tensor(input, op, "input")
    w = _tensor(weight, op, "weight", x)
    x, added = _batched(x, spatial, op)
    if w.ndim != spatial + 2:
        raise ShapeError(f"{op}: weight must have shape (out_channels, in_channels/groups, "
                         f"{'kh, kw' if spatial == 2 else 'k'}), got {tuple(w.shape)}")
    groups = _ints(groups, 1, "groups", op, 1)[0]
    stride, dilation = _ints(stride, spatial, "stride", op, 1), _ints(dilation, spatial, "dilation", op, 1)
    padding = _conv_padding(padding, tuple(w.shape[2:]), stride, dilation, op)
    _check_channels(op, x, w, groups, transposed=False)
    inputs = _with_bias(op, x, w, bias, w.shape[0])
    for axis in range(spatial):
        size = x.shape[2 + axis] + sum(padding[axis])
        reach = dilation[axis] * (w.shape[2 + axis] - 1) + 1
        if size < reach:
            raise ShapeError(f"{op}: input {tuple(x.shape)} padded to size {size} along axis {2 + axis} is smaller "
                             f"than the (dilated) kernel's {reach} (weight {tuple(w.shape)}, dilation {dilation})")
    if spatial == 1:  # a height of 1: (N, C, L) -> (N, C, 1, L), and back
        x4, w4 = x.reshape(x.shape[:2] + (1,) + x.shape[2:]), w.reshape(w.shape[:2] + (1,) + w.shape[2:])
        out = apply(Conv2d, x4, w4, *inputs[2:], stride=(1,) + stride, padding=((0, 0),) + padding,
                    dilation=(1,) + dilation, groups=groups)
        out = out.reshape(out.shape[:2] + out.shape[3:])
    else:
        out = apply(Conv2d, *inputs, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _unbatched(out, added)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed convolution ("deconvolution"): input (N, C, H, W), weight (C, out/groups, kh, kw).

    Output size per axis: (H - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1.
    """
    op = "conv_transpose2d"
    x = _tensor(input, op, "input")
    w = _tensor(weight, op, "weight", x)
    x, added = _batched(x, 2, op)
    if w.ndim != 4:
        raise ShapeError(f"{op}: weight must have shape (in_channels, out_channels/groups, kh, kw), "
                         f"got {tuple(w.shape)}")
    groups = _ints(groups, 1, "groups", op, 1)[0]
    stride, dilation = _ints(stride, 2, "stride", op, 1), _ints(dilation, 2, "dilation", op, 1)
    padding, output_padding = _ints(padding, 2, "padding", op, 0), _ints(output_padding, 2, "output_padding", op, 0)
    if any(op_ >= max(s, d) for op_, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than stride {stride} "
                         f"or dilation {dilation}")
    _check_channels(op, x, w, groups, transposed=True)
    inputs = _with_bias(op, x, w, bias, w.shape[1] * groups)
    for axis in (0, 1):
        size = ((x.shape[2 + axis] - 1) * stride[axis] - 2 * padding[axis] + dilation[axis] * (w.shape[2 + axis] - 1)
                + output_padding[axis] + 1)
        if size < 1:
            raise ShapeError(f"{op}: input {tuple(x.shape)} with weight {tuple(w.shape)}, stride {stride} and "
                             f"padding {padding} gives an output of size {size} along axis {2 + axis}")
    out = apply(ConvTranspose2d, *inputs, stride=stride, padding=padding, output_padding=output_padding,
                dilation=dilation, groups=groups)
    return _unbatched(out, added)


def _check_channels(op: str, x: Tensor, w: Tensor, groups: int, transposed: bool) -> None:
    """Dtypes agree and the channel counts fit: conv weight (out, in/groups, ...), transposed (in, out/groups, ...)."""
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    _float_like(w, x, op, "weight")
    if not transposed:
        expected = w.shape[1] * groups
        if x.shape[1] != expected:
            raise ShapeError(f"{op}: input {tuple(x.shape)} has {x.shape[1]} channels but weight {tuple(w.shape)} "
                             f"expects {w.shape[1]} x groups {groups} = {expected}")
        if w.shape[0] % groups:
            raise ShapeError(f"{op}: weight {tuple(w.shape)} has {w.shape[0]} output channels, "
                             f"not divisible by groups {groups}")
    else:
        if x.shape[1] != w.shape[0]:
            raise ShapeError(f"{op}: input {tuple(x.shape)} has {x.shape[1]} channels but weight {tuple(w.shape)} "
                             f"expects {w.shape[0]} (its first axis)")
        if w.shape[0] % groups:
            raise ShapeError(f"{op}: weight {tuple(w.shape)} has {w.shape[0]} input channels, "
                             f"not divisible by groups {groups}")
    if 0 in w.shape or 0 in x.shape[1:]:
        raise ShapeError(f"{op}: input {tuple(x.shape)} and weight {tuple(w.shape)} need non-empty "
                         "channels and kernel")


def _with_bias(op: str, x: Tensor, w: Tensor, bias: Any, channels: int) -> tuple:
    if bias is None:
        return (x, w)
    b = _tensor(bias, op, "bias", x)
    _float_like(b, x, op, "bias")
    if tuple(b.shape) != (channels,):
        raise ShapeError(f"{op}: bias must have shape ({channels},) for weight {tuple(w.shape)}, got {tuple(b.shape)}")
    return (x, w, b)


# -- pooling ----------------------------------------------------------------------------------------
def _pool_args(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool) -> tuple:
    kernel = _ints(kernel_size, 2, "kernel_size", op, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        _ints(stride, 2, "stride", op, 1)
    padding, dilation = _ints(padding, 2, "padding", op, 0), _ints(dilation, 2, "dilation", op, 1)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    for axis in (0, 1):
        if padding[axis] > kernel[axis] // 2:
            raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kernel}")
        n = pool_out_size(x.shape[2 + axis], kernel[axis], stride[axis], padding[axis], dilation[axis], ceil_mode)
        if n < 1:
            raise ShapeError(f"{op}: input {tuple(x.shape)} is too small for kernel {kernel} with padding "
                             f"{padding} and dilation {dilation} (output size {n} along axis {2 + axis})")
    return kernel, stride, padding, dilation


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over each window (stride defaults to the kernel size: windows side by side)."""
    op = "max_pool2d"
    x, added = _batched(_tensor(input, op, "input"), 2, op)
    kernel, stride, padding, dilation = _pool_args(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    params = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=bool(ceil_mode))
    out = _unbatched(apply(MaxPool2d, x, **params), added)
    if not return_indices:
        return out
    from ..backend import array_module  # noqa: PLC0415 - only this rarer form needs it

    xp = array_module(x.data)
    finder = MaxPool2d((False,), xp, params)
    finder.forward(xp, x.data, **params)
    return out, _unbatched(Tensor._make(finder.indices(), False, (), None, ""), added)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window; with padding, ``count_include_pad`` says whether the zeros count."""
    op = "avg_pool2d"
    x, added = _batched(_tensor(input, op, "input"), 2, op)
    kernel, stride, padding, _ = _pool_args(op, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        divisor_override = _ints(divisor_override, 1, "divisor_override", op, 1)[0]
    out = apply(AvgPool2d, x, kernel=kernel, stride=stride, padding=padding, ceil_mode=bool(ceil_mode),
                count_include_pad=bool(count_include_pad), divisor_override=divisor_override)
    return _unbatched(out, added)


# -- padding ----------------------------------------------------------------------------------------
def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last axes: ``pad`` = (left, right) for the last axis, then (top, bottom) for the one before, ...

    Modes as PyTorch: "constant" (``value``, default 0; negative pads crop), "reflect"
    (mirror without repeating the edge), "replicate" (repeat the edge), "circular" (wrap).
    """
    op = "pad"
    x = _tensor(input, op, "input")
    if not isinstance(pad, (tuple, list)) or len(pad) % 2:
        raise ValueError(f"{op}: pad must be a tuple of (before, after) pairs, last axis first, got {pad!r}")
    try:
        flat = tuple(operator.index(v) for v in pad)
    except TypeError:
        raise TypeError(f"{op}: pad must hold ints, got {pad!r}") from None
    if len(flat) // 2 > x.ndim:
        raise ShapeError(f"{op}: pad {tuple(flat)} names {len(flat) // 2} axes but the input {tuple(x.shape)} "
                         f"has {x.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"{op}: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"{op}: value is only for mode='constant' (got mode={mode!r}, value={value!r})")
    pairs = [(0, 0)] * x.ndim
    for k in range(len(flat) // 2):
        axis = x.ndim - 1 - k
        before, after = flat[2 * k], flat[2 * k + 1]
        size = x.shape[axis]
        if mode == "constant":
            if size + before + after < 0:
                raise ShapeError(f"{op}: pad {tuple(flat)} crops axis {axis} of input {tuple(x.shape)} below size 0")
        elif before < 0 or after < 0:
            raise ValueError(f"{op}: negative padding crops, which only mode='constant' does (got {tuple(flat)})")
        elif mode == "reflect" and max(before, after) >= size:
            raise ShapeError(f"{op}: reflect padding {max(before, after)} must be smaller than the size {size} of "
                             f"axis {axis} of input {tuple(x.shape)}")
        elif mode != "reflect" and max(before, after) > size or (mode == "replicate" and size == 0 and before + after):
            raise ShapeError(f"{op}: {mode} padding {max(before, after)} must be at most the size {size} of "
                             f"axis {axis} of input {tuple(x.shape)}")
        pairs[axis] = (before, after)
    if x.dtype.kind != "f" and mode == "constant" and value is not None and float(value) != int(value):
        raise TypeError(f"{op}: a fractional value {value!r} cannot pad an integer tensor ({x.dtype})")
    return apply(Pad, x, pads=tuple(pairs), mode=mode, value=0 if value is None else value)


# -- resizing ---------------------------------------------------------------------------------------
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
    x = _tensor(input, op, "input")
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
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    in_sizes = tuple(x.shape[2:])
    if size is not None:
        out_sizes = _ints(size, spatial, "size", op, 1)
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
