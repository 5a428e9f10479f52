"""Pooling, unpooling and padding with ``torch.nn.functional``'s names, arguments and meanings.

Arguments and shapes are checked first (errors name the op and the shapes), then one
primitive op from `minigrad.ops.pool` runs. The number of spatial axes is the kernel's when
``kernel_size`` is a tuple (``max_pool2d(x, (2, 2, 2))`` pools three axes, as tinygrad's
does), the function's otherwise. ``padding`` also takes one (before, after) pair per axis in
``F.pad``'s order (last axis first), each at most half the kernel, as PyTorch requires of
its even padding.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module, to_device
from ..ops import ShapeError
from ..ops.pool import AVG_POOL, MAX_POOL, MaxUnpool, Pad, pool_out_size
from ..tensor import Tensor, apply
from .functional_conv import batched, float_input, ints, pairs, tensor_arg, unbatched

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_unpool1d",
           "max_unpool2d", "max_unpool3d", "pad"]


def _pool_args(op: str, input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
               default_spatial: int) -> tuple:
    """The checked (input, whether a batch axis was added, kernel, stride, padding pairs, dilation)."""
    spatial = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else default_spatial
    x, added = batched(tensor_arg(input, op, "input"), spatial, op)
    kernel = ints(kernel_size, spatial, "kernel_size", op, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        ints(stride, spatial, "stride", op, 1)
    given, padding, dilation = padding, pairs(padding, spatial, op), ints(dilation, spatial, "dilation", op, 1)
    for axis in range(spatial):
        if max(padding[axis]) > kernel[axis] // 2:
            raise ValueError(f"{op}: padding {given!r} must be at most half the kernel size {kernel}")
        n = pool_out_size(x.shape[2 + axis], kernel[axis], stride[axis], padding[axis], dilation[axis], ceil_mode)
        if n < 1:
            raise ShapeError(f"{op}: input {tuple(x.shape)} is too small for kernel {kernel} with padding "
                             f"{padding} and dilation {dilation} (output size {n} along axis {2 + axis})")
    return x, added, kernel, stride, padding, dilation


def max_pool(op: str, spatial: int, input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool) -> Any:
    x, added, kernel, stride, padding, dilation = _pool_args(op, input, kernel_size, stride, padding, dilation,
                                                             ceil_mode, spatial)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{op}: input must hold numbers, got dtype {x.dtype}")
    params = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=bool(ceil_mode))
    fn = MAX_POOL[len(kernel)]
    out = unbatched(apply(fn, x, **params), added)
    if not return_indices:
        return out
    xp = array_module(x.data)
    finder = fn((False,), xp, params)  # run once more outside the graph, to read off where each maximum was
    finder.forward(xp, x.data, **params)
    return out, unbatched(Tensor._make(finder.indices(), False, (), None, ""), added)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over each window of (N, C, L) (stride defaults to the kernel size: windows side by side)."""
    return max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over each window of (N, C, H, W) (stride defaults to the kernel size: windows side by side)."""
    return max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over each window of (N, C, D, H, W)."""
    return max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool(op: str, spatial: int, input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None) -> Tensor:
    x, added, kernel, stride, padding, _ = _pool_args(op, input, kernel_size, stride, padding, 1, ceil_mode,
                                                      spatial)
    float_input(x, op)
    if divisor_override is not None:
        divisor_override = ints(divisor_override, 1, "divisor_override", op, 1)[0]
    out = apply(AVG_POOL[len(kernel)], x, kernel=kernel, stride=stride, padding=padding, ceil_mode=bool(ceil_mode),
                count_include_pad=bool(count_include_pad), divisor_override=divisor_override)
    return unbatched(out, added)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over each window of (N, C, L)."""
    return avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window of (N, C, H, W); with padding, ``count_include_pad`` says whether the zeros count."""
    return avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window of (N, C, D, H, W)."""
    return avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# -- unpooling ------------------------------------------------------------------------------------------
def _max_unpool(op: str, spatial: int, input: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any) -> Tensor:
    spatial = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else spatial
    x, added = batched(tensor_arg(input, op, "input"), spatial, op)
    kernel = ints(kernel_size, spatial, "kernel_size", op, 1)
    stride = kernel if stride is None else ints(stride, spatial, "stride", op, 1)
    padding = ints(padding, spatial, "padding", op, 0)
    if output_size is None:
        sizes = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], stride, padding, kernel))
    else:
        sizes = tuple(int(n) for n in output_size)[-spatial:]  # PyTorch ignores the batch and channel entries
    index = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
    index = index.reshape((1,) + index.shape) if added else index
    if index.shape != tuple(x.shape) or index.dtype.kind not in "iu":
        raise ShapeError(f"{op}: indices must be integers of the input's shape {tuple(x.shape)}, "
                         f"got {index.dtype} {index.shape}")
    plane = int(np.prod(sizes))
    if index.size and (index.min() < 0 or index.max() >= plane):
        raise ShapeError(f"{op}: indices must lie in [0, {plane}) for an output of size {sizes}, "
                         f"got {index.min()} to {index.max()}")
    out = apply(MaxUnpool, x, indices=to_device(index.astype(np.int64), x.device), out_sizes=sizes)
    return unbatched(out, added)


def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """Put each value of a `max_pool1d` output back where its maximum came from; zeros elsewhere."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """Put each value of a `max_pool2d` output back where its maximum came from; zeros elsewhere."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """Put each value of a `max_pool3d` output back where its maximum came from; zeros elsewhere."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


# -- padding --------------------------------------------------------------------------------------------
class PadModeError(ValueError, NotImplementedError):
    """An unknown padding mode: a `ValueError` as Python code expects, `NotImplementedError` as PyTorch raises."""


def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last axes: ``pad`` = (left, right) for the last axis, then (top, bottom) for the one before, ...

    Modes as PyTorch: "constant" (``value``, default 0), "reflect" (mirror without repeating
    the edge), "replicate" (repeat the edge), "circular" (wrap around). A negative amount crops.
    """
    op = "pad"
    x = tensor_arg(input, op, "input")
    if not isinstance(pad, (tuple, list)) or len(pad) % 2:
        raise ValueError(f"{op}: pad must be a tuple of (before, after) pairs, last axis first, got {pad!r}")
    flat = ints(pad, len(pad), "pad", op, -(1 << 62))
    if len(flat) // 2 > x.ndim:
        raise ShapeError(f"{op}: pad {flat} names {len(flat) // 2} axes but the input {tuple(x.shape)} has {x.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise PadModeError(f"{op}: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"{op}: value is only for mode='constant' (got mode={mode!r}, value={value!r})")
    pads = [(0, 0)] * x.ndim
    for k in range(len(flat) // 2):
        axis = x.ndim - 1 - k
        pads[axis] = (flat[2 * k], flat[2 * k + 1])
        _check_pad(op, x, axis, pads[axis], mode, flat)
    if x.dtype.kind != "f" and value is not None and float(value) != int(value):
        raise TypeError(f"{op}: a fractional value {value!r} cannot pad an integer tensor ({x.dtype})")
    return apply(Pad, x, pads=tuple(pads), mode=mode, value=0 if value is None else value)


def _check_pad(op: str, x: Tensor, axis: int, amounts: tuple, mode: str, flat: tuple) -> None:
    """PyTorch's limits: a result of at least size 0; a reflection shorter than the axis; a wrap at most once."""
    before, after = amounts
    size = x.shape[axis]
    where = f"axis {axis} of input {tuple(x.shape)}"
    if size + before + after < 0:
        raise ShapeError(f"{op}: pad {flat} crops {where} below size 0")
    if mode == "reflect" and max(before, after) >= size:
        raise ShapeError(f"{op}: reflect padding {max(before, after)} must be smaller than the size {size} of {where}")
    if mode == "replicate" and size == 0 and (before > 0 or after > 0):
        raise ShapeError(f"{op}: replicate padding needs a non-empty {where}")
    cropped = size - max(-before, 0) - max(-after, 0)
    if mode == "circular" and max(before, after) > cropped:
        raise ShapeError(f"{op}: circular padding {max(before, after)} must be at most the size {cropped} of "
                         f"{where} (after cropping): it wraps around once")
