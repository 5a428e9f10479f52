"""The catalogue of convolution, pooling, padding, resizing, einsum and attention cases.

One line per case: its name (the op, then its parameters: the pytest id, so ``pytest -k
conv2d`` finds every test of conv2d), the minigrad call, the PyTorch call and the input
shapes. The finite-difference test, the PyTorch oracle and the fake-CuPy run all read this
list. torch is imported only when a torch call runs, so the finite-difference tests need
no torch.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

import minigrad as mg
from minigrad.nn import functional as F


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., Any]          # minigrad: tensors -> Tensor
    torch_fn: Callable[..., Any]    # torch: tensors -> tensor
    shapes: tuple                   # one shape per input; every input gets a gradient
    kwargs: dict = field(default_factory=dict, compare=False)
    torch_grad: bool = True         # False where minigrad's gradient is the exact one and PyTorch's is not

    def __str__(self) -> str:
        return self.name


def _tf() -> Any:
    import torch.nn.functional  # noqa: PLC0415 - torch only where a torch call runs

    return torch.nn.functional


def _show(value: Any) -> str:
    return "x".join(map(str, value)) if isinstance(value, tuple) else str(value)


def functional(op: str, shapes: tuple, **kwargs: Any) -> Case:
    """A case calling ``nn.functional.<op>`` in minigrad and ``torch.nn.functional.<op>`` in torch."""
    label = "-".join([op] + [f"{k}{_show(v)}" for k, v in kwargs.items()] + [_show(shapes[0])])
    if len(shapes) == 2 and op.startswith("conv"):
        label += "-nobias"
    return Case(label, lambda *ts: getattr(F, op)(*ts, **kwargs), lambda *ts: getattr(_tf(), op)(*ts, **kwargs),
                shapes, kwargs)


# -- convolutions: strides, paddings, dilations, groups, odd sizes, with and without bias ------------------
CONV2D = [functional("conv2d", ((1, 2 * g, 5, 4), (4, 2, 3, 2)) + (((4,),) if bias else ()),
                     stride=s, padding=p, dilation=d, groups=g)
          for s, p, d, g, bias in [(1, 0, 1, 1, True), (2, 1, 1, 1, True), (1, 1, 2, 1, False), (3, 2, 1, 2, True),
                                   (1, "same", 1, 1, True), (1, "same", 2, 2, False), (2, 0, 2, 1, True),
                                   (1, "valid", 1, 4, True), ((2, 1), (1, 0), (1, 2), 2, True)]]
CONV2D.append(functional("conv2d", ((2, 2, 4, 3), (3, 2, 2, 2), (3,)), padding=1))  # a batch of two
CONV2D += [functional("conv2d", ((1, 2, 4, 4), (2, 2, 4, 4), (2,))),  # the kernel covers the whole input
           functional("conv2d", ((3, 1, 6, 5), (1, 1, 1, 1), (1,)), stride=2)]
CONV1D = [functional("conv1d", ((2, 2 * g, 7), (4, 2, 3), (4,)), stride=s, padding=p, dilation=d, groups=g)
          for s, p, d, g in [(1, 0, 1, 1), (2, 1, 1, 2), (1, "same", 2, 1), (1, "same", 1, 2), (3, 2, 2, 1)]]
CONV1D.append(functional("conv1d", ((2, 2, 8), (3, 2, 4)), padding="same"))  # even kernel: uneven padding
CONV_T = [functional("conv_transpose2d", ((1, 4, 3, 3), (4, 4 // g, 3, 2), (4,)), stride=s, padding=p,
                     output_padding=op, groups=g, dilation=d)
          for s, p, op, g, d in [(1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (2, 0, 0, 2, 1), (3, 1, 2, 1, 1), (1, 1, 0, 2, 2),
                                 (2, 2, 1, 1, 2), ((2, 1), (0, 1), (1, 0), 1, 1)]]
CONV_T.append(functional("conv_transpose2d", ((1, 2, 3, 3), (2, 3, 2, 2))))

CONV_ND = [functional("conv3d", ((1, 2, 4, 3, 4), (3, 2, 2, 2, 3), (3,)), stride=(1, 2, 1), padding=1),
           functional("conv3d", ((1, 4, 3, 4, 3), (2, 2, 2, 1, 2)), groups=2, dilation=(1, 2, 1)),
           functional("conv_transpose1d", ((2, 2, 4), (2, 3, 3), (3,)), stride=2, padding=1, output_padding=1),
           functional("conv_transpose3d", ((1, 2, 2, 3, 2), (2, 2, 2, 2, 2), (2,)), stride=(2, 1, 2))]


def _padded_conv(op: str, shapes: tuple, padding: tuple) -> Case:
    """minigrad's padding (before, after) per axis, last axis first, as F.pad then the conv in PyTorch."""
    def theirs(x: Any, *rest: Any) -> Any:
        cropped = x[(slice(None), slice(None)) + tuple(
            slice(max(-padding[2 * k], 0), x.shape[-1 - k] - max(-padding[2 * k + 1], 0))
            for k in reversed(range(len(padding) // 2)))]
        return getattr(_tf(), op)(_tf().pad(cropped, tuple(max(p, 0) for p in padding)), *rest)
    return Case(f"{op}-asymmetric-padding{_show(padding)}-{_show(shapes[0])}",
                lambda *ts: getattr(F, op)(*ts, padding=padding), theirs, shapes)


PADDED_CONV = [_padded_conv("conv2d", ((1, 2, 4, 5), (2, 2, 2, 3), (2,)), (0, 1, 2, 1)),
               _padded_conv("conv2d", ((1, 1, 5, 5), (1, 1, 3, 3)), (-1, 0, -1, 1)),
               _padded_conv("conv1d", ((2, 2, 5), (3, 2, 2)), (2, 0)),
               _padded_conv("conv3d", ((1, 1, 3, 3, 3), (1, 1, 2, 2, 2)), (1, 0, 0, 1, 1, 1))]

# -- pooling: kernels, strides, padding, dilation, ceil mode; overlapping and side-by-side windows ---------
MAX_POOL = [functional("max_pool2d", ((2, 2, 7, 6),), kernel_size=k, stride=s, padding=p, dilation=d,
                       ceil_mode=c)
            for k, s, p, d, c in [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 1, 0, 2, False),
                                  (2, None, 0, 1, True), (3, 2, 1, 1, True), ((2, 3), (1, 2), (1, 0), 1, False),
                                  (1, 2, 0, 1, False)]]
AVG_POOL = [functional("avg_pool2d", ((2, 2, 7, 6),), kernel_size=k, stride=s, padding=p, ceil_mode=c,
                       count_include_pad=cip, divisor_override=do)
            for k, s, p, c, cip, do in [(2, None, 0, False, True, None), (3, 2, 1, False, True, None),
                                        (3, 2, 1, False, False, None), (3, 2, 1, True, True, None),
                                        (3, 2, 1, True, False, None), ((2, 3), 1, (1, 1), False, True, 5)]]

POOL_ND = [functional("max_pool1d", ((2, 2, 9),), kernel_size=3, stride=2, padding=1),
           functional("max_pool3d", ((1, 2, 4, 5, 4),), kernel_size=2, stride=(1, 2, 2), ceil_mode=True),
           functional("avg_pool1d", ((2, 2, 9),), kernel_size=4, stride=3, padding=2, count_include_pad=False),
           functional("avg_pool3d", ((1, 2, 4, 5, 4),), kernel_size=(2, 3, 2), stride=1, padding=(1, 1, 0))]


def _padded_pool(op: str, shape: tuple, kernel: Any, padding: tuple, fill: float) -> Case:
    """Uneven pool padding (before, after per axis, last axis first): PyTorch pads by hand with ``fill``."""
    def theirs(x: Any) -> Any:
        return getattr(_tf(), op)(_tf().pad(x, padding, value=fill), kernel_size=kernel)
    return Case(f"{op}-asymmetric-padding{_show(padding)}-{_show(shape)}",
                lambda x: getattr(F, op)(x, kernel_size=kernel, padding=padding), theirs, (shape,))


POOL_ND += [_padded_pool("max_pool2d", (1, 2, 7, 6), 3, (0, 1, 1, 0), float("-inf")),
            _padded_pool("max_pool2d", (1, 1, 6, 7), (5, 5), (2, 1, 2, 0), float("-inf"))]


def _unpool(label: str, shape: tuple, **kwargs: Any) -> Case:
    """max_unpool2d of max_pool2d: the values go back where their maxima were (the gradient reads them back)."""
    def ours(x: Any) -> Any:
        out, index = F.max_pool2d(x, return_indices=True, **kwargs)
        return F.max_unpool2d(out, index, output_size=x.shape, **kwargs)

    def theirs(x: Any) -> Any:
        out, index = _tf().max_pool2d(x, return_indices=True, **kwargs)
        return _tf().max_unpool2d(out, index, output_size=x.shape, **kwargs)
    # overlapping windows can pick one maximum twice: unpooling keeps one copy, and minigrad gives the
    # gradient to the kept copy only (finite differences agree); PyTorch gives it to both
    overlapping = kwargs.get("stride", kwargs["kernel_size"]) < kwargs["kernel_size"]
    return Case(f"max_unpool2d-{label}-{_show(shape)}", ours, theirs, (shape,), torch_grad=not overlapping)


POOL_ND += [_unpool("k2", (2, 2, 4, 6), kernel_size=2), _unpool("k3s2p1", (1, 2, 7, 5), kernel_size=3, stride=2,
                                                                   padding=1)]

# -- padding in PyTorch's order (last axis first), every mode ----------------------------------------------
PAD = [functional("pad", (shape,), pad=pads, mode=mode)
       for mode, shape, pads in [("constant", (2, 3, 4), (1, 2)), ("constant", (2, 3, 4), (2, 0, 1, 3)),
                                 ("constant", (2, 3, 4), (-1, 2, 1, -2)), ("constant", (2, 3, 4), (1, 1, 1, 1, 1, 1)),
                                 ("reflect", (2, 3, 5), (2, 3)), ("reflect", (1, 2, 4, 5), (3, 1, 0, 2)),
                                 ("replicate", (2, 3, 4), (2, 1)), ("replicate", (1, 2, 3, 4), (1, 2, 3, 0)),
                                 ("circular", (2, 3, 4), (4, 1)), ("circular", (1, 2, 3, 4), (1, 2, 3, 1))]]
PAD.append(functional("pad", ((2, 3),), pad=(1, 1), mode="constant", value=2.5))
# a negative amount crops, in PyTorch's order per mode; PyTorch 2.x leaves the gradient of the entries a negative
# reflect padding crops uninitialized (garbage, sometimes), so only minigrad's is checked there (finite differences)
PAD += [replace(functional("pad", (shape,), pad=pads, mode=mode), torch_grad=mode != "reflect")
        for mode, shape, pads in [("reflect", (1, 2, 5, 5), (3, -3, 0, -3)),
                                  ("reflect", (2, 3, 3, 3), (-1, 2, 2, -1)),
                                  ("replicate", (1, 2, 5, 5), (3, -5, 1, -4)),
                                  ("circular", (1, 2, 5, 5), (1, -2, 2, -1)),
                                  ("replicate", (1, 1, 2, 3), (4, 1, 0, 5))]]

# -- resizing: sizes and scale factors, up and down, both corner conventions -------------------------------
INTERPOLATE = [functional("interpolate", (shape,), **kw) for shape, kw in [
    ((1, 2, 4, 5), dict(scale_factor=2, mode="nearest")),
    ((1, 2, 4, 5), dict(size=(3, 7), mode="nearest")),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="nearest-exact")),
    ((1, 2, 4, 5), dict(scale_factor=1.5, mode="bilinear", align_corners=False)),
    ((1, 2, 4, 5), dict(size=(7, 9), mode="bilinear", align_corners=True)),
    ((1, 2, 4, 5), dict(size=(3, 2), mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=(0.5, 2.5), mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 6), dict(size=4, mode="linear")),
    ((2, 3, 5), dict(scale_factor=1.7, mode="linear", align_corners=True)),
    ((1, 1, 2, 3, 4), dict(scale_factor=2, mode="trilinear")),
    ((1, 1, 3, 2, 2), dict(size=(2, 3, 1), mode="nearest")),
]]


# -- einsum: products, traces, diagonals, broadcasting, ellipses, implicit outputs -------------------------
def _einsum(equation: str, *shapes: tuple) -> Case:
    def torch_fn(*ts: Any) -> Any:
        import torch  # noqa: PLC0415

        return torch.einsum(equation, *ts)
    label = "einsum-" + equation.replace("->", "_to_").replace(",", "_").replace("...", "E")
    return Case(label, lambda *ts: mg.einsum(equation, *ts), torch_fn, shapes, {"equation": equation})


EINSUM = [_einsum(eq, *shapes) for eq, shapes in [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("i,i", [(4,), (4,)]), ("ij->", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]), ("iij,jk->ik", [(3, 3, 2), (2, 4)]), ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("bhld,bhsd->bhls", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("abc,cd,de->ae", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ij->ji", [(2, 3)]), ("i...->...", [(2, 3, 1)]), ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
]]


# -- attention: masks, causal, scale, grouped heads -------------------------------------------------------
def _attention(label: str, shapes: tuple, mask: np.ndarray | None = None, **kwargs: Any) -> Case:
    def ours(*ts: Any) -> Any:
        return F.scaled_dot_product_attention(*ts, attn_mask=mask, **kwargs)

    def theirs(*ts: Any) -> Any:
        import torch  # noqa: PLC0415

        t_mask = None if mask is None else torch.tensor(mask, dtype=None if mask.dtype == bool else ts[0].dtype)
        return _tf().scaled_dot_product_attention(*ts, attn_mask=t_mask, **kwargs)
    return Case("scaled_dot_product_attention-" + label, ours, theirs, shapes, kwargs)


_bool_mask = np.random.default_rng(5).random((3, 5)) > 0.4
_bool_mask[:, 0] = True  # every query sees at least one key (a fully masked row has no softmax)
ATTENTION = [
    _attention("plain", ((2, 3, 4), (2, 5, 4), (2, 5, 3))),
    _attention("heads", ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6))),
    _attention("causal", ((1, 2, 4, 3), (1, 2, 4, 3), (1, 2, 4, 2)), is_causal=True),
    _attention("causal-rect", ((1, 3, 2), (1, 5, 2), (1, 5, 2)), is_causal=True),
    _attention("boolmask", ((2, 3, 4), (2, 5, 4), (2, 5, 3)), mask=_bool_mask),
    _attention("floatmask", ((2, 3, 4), (2, 5, 4), (2, 5, 3)),
               mask=np.random.default_rng(6).standard_normal((3, 5))),
    _attention("scale", ((2, 3, 4), (2, 5, 4), (2, 5, 3)), scale=0.3),
    _attention("gqa", ((1, 4, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2)), enable_gqa=True),
]

ALL = (CONV2D + CONV1D + CONV_T + CONV_ND + PADDED_CONV + MAX_POOL + AVG_POOL + POOL_ND + PAD + INTERPOLATE + EINSUM
       + ATTENTION)


def oracle_grid() -> list[Case]:
    """A wider grid for the PyTorch oracle (one forward and backward each, so it can be large)."""
    out = []
    for s, p, d, g in itertools.product([1, 2, 3], [0, 1, 2], [1, 2], [1, 2]):
        out.append(functional("conv2d", ((2, 4, 7, 6), (6, 4 // g, 3, 2), (6,)), stride=s, padding=p, dilation=d,
                              groups=g))
    for s, p, d, g, op in itertools.product([1, 2, 3], [0, 1, 2], [1, 2], [1, 2], [0, 1]):
        if op < max(s, d):
            out.append(functional("conv_transpose2d", ((2, 4, 5, 4), (4, 6 // g, 3, 2), (6,)), stride=s, padding=p,
                                  output_padding=op, groups=g, dilation=d))
    for k, s, p, d, c in itertools.product([1, 2, 3], [None, 1, 2], [0, 1], [1, 2], [False, True]):
        if p <= k // 2:
            out.append(functional("max_pool2d", ((2, 3, 7, 8),), kernel_size=k, stride=s, padding=p, dilation=d,
                                  ceil_mode=c))
    for k, s, p, c, cip in itertools.product([1, 2, 3], [None, 1, 2], [0, 1], [False, True], [False, True]):
        if p <= k // 2:
            out.append(functional("avg_pool2d", ((2, 3, 7, 8),), kernel_size=k, stride=s, padding=p, ceil_mode=c,
                                  count_include_pad=cip))
    for mode, size, sf, ac in itertools.product(["nearest", "nearest-exact", "bilinear"], [None, (3, 7), (9, 10)],
                                                [None, 2, 1.5, 0.7, (0.5, 2.5)], [None, False, True]):
        if (size is None) != (sf is None) and (ac is None or mode == "bilinear"):
            kw = dict(size=size) if size else dict(scale_factor=sf)
            out.append(functional("interpolate", ((2, 3, 4, 5),), mode=mode, align_corners=ac, **kw))
    return out
