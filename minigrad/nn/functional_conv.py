"""Convolutions with ``torch.nn.functional``'s names, arguments and meanings (1, 2 or 3 spatial axes).

Each function checks its arguments and shapes first (a mistake is reported with the op's
name and the shapes involved, before any work is done), then runs one primitive op from
`minigrad.ops.conv`. Inputs are ``(N, C, *spatial)``, or ``(C, *spatial)`` for one example
as PyTorch allows. The number of spatial axes is the weight's: ``conv2d`` with a 3-D kernel
is ``conv3d``, as in tinygrad (PyTorch would refuse), so one name serves every rank.

``padding`` takes PyTorch's forms (an int, one int per axis, "valid", "same") and also one
(before, after) pair per axis written as ``F.pad`` writes them, last axis first
(``(left, right, top, bottom)``); a negative amount crops.
"""
from __future__ import annotations

import operator
from typing import Any

from ..ops import ShapeError
from ..ops.conv import CONV, CONV_TRANSPOSE
from ..tensor import Tensor, apply

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


# -- argument checking, shared with the pooling and resizing functions --------------------------------------
def ints(value: Any, n: int, name: str, op: str, minimum: int) -> tuple:
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


def pairs(padding: Any, spatial: int, op: str, minimum: int = 0) -> tuple:
    """Padding as one (before, after) pair per spatial axis, from an int, ``spatial`` ints (even padding)
    or ``2·spatial`` ints in ``F.pad``'s order (last axis first)."""
    if isinstance(padding, (tuple, list)) and len(padding) == 2 * spatial:
        flat = ints(padding, 2 * spatial, "padding", op, minimum)
        return tuple((flat[2 * k], flat[2 * k + 1]) for k in reversed(range(spatial)))
    try:
        return tuple((p, p) for p in ints(padding, spatial, "padding", op, minimum))
    except ValueError:
        limit = f", each at least {minimum}" if minimum > -(1 << 60) else ""
        raise ValueError(f"{op}: padding must be an int, {spatial} ints (one per axis) or {2 * spatial} ints "
                         f"((before, after) per axis, last axis first){limit}; got {padding!r}") from None


def tensor_arg(x: Any, op: str, name: str, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if x is None:
        raise TypeError(f"{op}: {name} is None")
    return Tensor(x, device=like.device if like is not None else None,
                  dtype=like.dtype if like is not None and not hasattr(x, "dtype") else None)


def batched(x: Tensor, spatial: int, op: str) -> tuple[Tensor, bool]:
    """``x`` with a batch axis (PyTorch allows one unbatched example) and whether one was added."""
    if x.ndim == spatial + 1:
        return x.reshape((1,) + tuple(x.shape)), True
    if x.ndim != spatial + 2:
        axes = ", ".join("L" if spatial == 1 else "HW" if spatial == 2 else "DHW")
        raise ShapeError(f"{op}: expected input of shape (N, C, {axes}) or (C, {axes}), got {tuple(x.shape)} "
                         f"({x.ndim} dimensions)")
    return x, False


def unbatched(out: Any, added: bool) -> Any:
    return out.reshape(tuple(out.shape[1:])) if added else out


def float_input(x: Tensor, op: str) -> None:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")


def crop(x: Tensor, padding: tuple) -> tuple[Tensor, tuple]:
    """Negative padding crops: the input cut down by it, and the padding left to add (all >= 0)."""
    if all(b >= 0 and a >= 0 for b, a in padding):
        return x, padding
    index = (slice(None), slice(None)) + tuple(slice(max(-b, 0), n - max(-a, 0))
                                               for (b, a), n in zip(padding, x.shape[2:]))
    return x[index], tuple((max(b, 0), max(a, 0)) for b, a in padding)


# -- convolutions ---------------------------------------------------------------------------------------
def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Tensor:
    """1-D convolution: input (N, C, L), weight (out, C/groups, k), bias (out,)."""
    return convolution("conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation): input (N, C, H, W), weight (out, C/groups, kh, kw), bias (out,)."""
    return convolution("conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Tensor:
    """3-D convolution: input (N, C, D, H, W), weight (out, C/groups, kd, kh, kw), bias (out,)."""
    return convolution("conv3d", input, weight, bias, stride, padding, dilation, groups)


def _same_rank(op: str, x: Tensor, w: Tensor, spatial: int) -> None:
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{op}: input {tuple(x.shape)} does not fit weight {tuple(w.shape)}: a kernel of {spatial} "
                         f"axes needs an input (N, C, *{spatial} axes) or (C, *{spatial} axes)")


def _spatial(op: str, w: Tensor, what: str) -> int:
    if not 3 <= w.ndim <= 5:
        raise ShapeError(f"{op}: weight must have shape ({what}, *kernel) with a kernel of 1 to 3 axes, "
                         f"got {tuple(w.shape)}")
    return w.ndim - 2


def _prologue(op: str, input: Any, weight: Any, layout: str, groups: Any, stride: Any,
              dilation: Any) -> tuple[Tensor, Tensor, int, bool, int, tuple, tuple]:
    """What a convolution and its transpose check alike: tensors, weight rank ``layout``, batch axis,
    groups, stride, dilation. Returns (x, w, spatial axes, batch axis added, groups, stride, dilation)."""
    x = tensor_arg(input, op, "input")
    w = tensor_arg(weight, op, "weight", x)
    spatial = _spatial(op, w, layout)
    _same_rank(op, x, w, spatial)
    x, added = batched(x, spatial, op)
    groups = ints(groups, 1, "groups", op, 1)[0]
    stride, dilation = ints(stride, spatial, "stride", op, 1), ints(dilation, spatial, "dilation", op, 1)
    return x, w, spatial, added, groups, stride, dilation


def convolution(op: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
                groups: Any) -> Tensor:
    """Check a convolution's arguments against PyTorch's rules, then run it as one `ConvNd`."""
    x, w, spatial, added, groups, stride, dilation = _prologue(
        op, input, weight, "out_channels, in_channels/groups", groups, stride, dilation)
    kernel = tuple(w.shape[2:])
    if isinstance(padding, str):
        padding = _named_padding(padding, kernel, stride, dilation, op)
    else:
        padding = pairs(padding, spatial, op, minimum=-(1 << 62))
    _check_channels(op, x, w, groups, transposed=False)
    inputs = _with_bias(op, x, w, bias, w.shape[0])
    for axis in range(spatial):
        size = x.shape[2 + axis] + sum(padding[axis])
        reach = dilation[axis] * (kernel[axis] - 1) + 1
        if size < reach:
            raise ShapeError(f"{op}: input {tuple(x.shape)} padded to size {size} along axis {2 + axis} is smaller "
                             f"than the (dilated) kernel's {reach} (weight {tuple(w.shape)}, dilation {dilation})")
    x, padding = crop(x, padding)
    out = apply(CONV[spatial], x, *inputs[1:], stride=stride, padding=padding, dilation=dilation, groups=groups)
    return unbatched(out, added)


def _named_padding(padding: str, kernel: tuple, stride: tuple, dilation: tuple, op: str) -> tuple:
    """PyTorch's "valid" (none) and "same" (output size = input size, stride 1 only)."""
    if padding == "valid":
        return ((0, 0),) * len(kernel)
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)  # an odd total puts the extra row at the end
    raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution: input (N, C, L), weight (C, out/groups, k)."""
    return transposed_convolution("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed convolution ("deconvolution"): input (N, C, H, W), weight (C, out/groups, kh, kw).

    Output size per axis: (H - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1.
    """
    return transposed_convolution("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-D transposed convolution: input (N, C, D, H, W), weight (C, out/groups, kd, kh, kw)."""
    return transposed_convolution("conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def transposed_convolution(op: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                           output_padding: Any, groups: Any, dilation: Any) -> Tensor:
    """Check a transposed convolution's arguments against PyTorch's rules, then run it as one `ConvTransposeNd`."""
    x, w, spatial, added, groups, stride, dilation = _prologue(
        op, input, weight, "in_channels, out_channels/groups", groups, stride, dilation)
    padding = ints(padding, spatial, "padding", op, 0)
    output_padding = ints(output_padding, spatial, "output_padding", op, 0)
    if any(extra >= max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than stride {stride} "
                         f"or dilation {dilation}")
    _check_channels(op, x, w, groups, transposed=True)
    inputs = _with_bias(op, x, w, bias, w.shape[1] * groups)
    for axis in range(spatial):
        size = ((x.shape[2 + axis] - 1) * stride[axis] - 2 * padding[axis] + dilation[axis] * (w.shape[2 + axis] - 1)
                + output_padding[axis] + 1)
        if size < 1:
            raise ShapeError(f"{op}: input {tuple(x.shape)} with weight {tuple(w.shape)}, stride {stride} and "
                             f"padding {padding} gives an output of size {size} along axis {2 + axis}")
    out = apply(CONV_TRANSPOSE[spatial], *inputs, stride=stride, padding=padding, output_padding=output_padding,
                dilation=dilation, groups=groups)
    return unbatched(out, added)


def _check_channels(op: str, x: Tensor, w: Tensor, groups: int, transposed: bool) -> None:
    """Dtypes agree and the channel counts fit: conv weight (out, in/groups, ...), transposed (in, out/groups, ...)."""
    float_input(x, op)
    _same_float(w, x, op, "weight")
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


def _same_float(t: Tensor, ref: Tensor, op: str, name: str) -> None:
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating point, got dtype {t.dtype}")
    if t.dtype != ref.dtype:
        raise TypeError(f"{op}: input has dtype {ref.dtype} but {name} has dtype {t.dtype}: "
                        f"convert one of them (e.g. .astype(np.{ref.dtype}))")


def _with_bias(op: str, x: Tensor, w: Tensor, bias: Any, channels: int) -> tuple:
    if bias is None:
        return (x, w)
    b = tensor_arg(bias, op, "bias", x)
    _same_float(b, x, op, "bias")
    if tuple(b.shape) != (channels,):
        raise ShapeError(f"{op}: bias must have shape ({channels},) for weight {tuple(w.shape)}, got {tuple(b.shape)}")
    return (x, w, b)
