"""Loss functions (and the L2 penalty), written with Tensor ops so autograd differentiates them.

Every loss takes predictions first and targets second, checks that their shapes
agree (a ``(n, 1)`` prediction against a ``(n,)`` target would otherwise broadcast
to ``(n, n)`` and train on nonsense), and reduces with ``reduction="mean"``
(default), ``"sum"`` or ``"none"``. Targets may be Tensors, NumPy arrays or lists.

Each loss builds its ops inside a `scope` named after it, so a picture of the graph
shows one box called ``mse_loss`` rather than a handful of anonymous subtractions and
means; the target keeps its label.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .. import autograd
from ..backend import to_numpy
from ..functions import where
from ..ops import ShapeError
from ..tensor import Tensor
from .attention import scaled_dot_product_attention  # noqa: F401 - PyTorch's nn.functional names
from .functional_conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401
                              conv_transpose3d)
from .functional_pool import (avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d,  # noqa: F401
                              max_unpool1d, max_unpool2d, max_unpool3d, pad)
from .functional_resize import interpolate  # noqa: F401
from .classification import LossScope, TargetError, cross_entropy, nll_loss  # noqa: F401 - nn.functional's names
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _target(target: Any, like: Tensor, name: str) -> Tensor:
    """``target`` as a constant Tensor of ``like``'s float dtype and device, with exactly its shape.

    A Tensor is used as it is, so pictures show the learner's own target (its label, its
    variable name in the REPL), and a target that needs a gradient gets one, as in PyTorch.
    """
    if isinstance(target, Tensor):
        t = target
    elif hasattr(target, "__cuda_array_interface__"):  # a CuPy array: keep it on its device
        t = Tensor(target, device=like.device)
    else:
        t = Tensor(np.asarray(target), device=like.device)
    if t.dtype != like.dtype:
        t = t.astype(like.dtype)
    if t is not target:  # a converted copy still says what it is
        t.label = getattr(target, "label", "") or "target"
    if t.shape != like.shape:
        hint = ""
        if t.size == like.size:
            hint = f" (reshape the target: y.reshape({', '.join(str(n) for n in like.shape)}))"
        raise ShapeError(f"{name}: prediction shape {tuple(like.shape)} and target shape {tuple(t.shape)} "
                         f"differ{hint}")
    return t


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _float(pred: Any, name: str) -> Tensor:
    if not isinstance(pred, Tensor):
        pred = Tensor(pred)
    if pred.dtype.kind != "f":
        raise TypeError(f"{name}: predictions must be floating point, got dtype {pred.dtype}")
    return pred


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((pred - target)²)."""
    pred = _float(pred, "mse_loss")
    with autograd.scope(LossScope("mse_loss")):
        diff = pred - _target(target, pred, "mse_loss")
        return _reduce(diff * diff, reduction, "mse_loss")


def binary_cross_entropy(probs: Any, target: Any, eps: float = 1e-7, reduction: str = "mean") -> Tensor:
    """-[y log p + (1 - y) log(1 - p)] on probabilities (e.g. after a sigmoid).

    ``p`` is clipped to [eps, 1 - eps] so a saturated sigmoid gives a large but finite
    loss instead of inf (the clipped entries get no gradient, like torch.clamp).
    Prefer `binary_cross_entropy_with_logits`: it is exact where this has to clip.
    """
    p = _float(probs, "binary_cross_entropy")
    with autograd.scope(LossScope("binary_cross_entropy")):
        y = _target(target, p, "binary_cross_entropy")
        lo, hi = eps, 1.0 - eps
        p = where(p.data < lo, lo, p)
        p = where(p.data > hi, hi, p)
        loss = -(y * p.log() + (1.0 - y) * (1.0 - p).log())
        return _reduce(loss, reduction, "binary_cross_entropy")


def _bce_logits_elementwise(x: Tensor, y: Tensor) -> Tensor:
    # log(1 + e^x) - x y rewritten as max(x, 0) - x y + log(1 + e^-|x|): no exp of a large number,
    # so no overflow; maximum() splits a tie at x = 0 evenly, which gives the exact gradient 1/2 - y there
    # (a zero-initialized logistic regression starts at x = 0)
    return x.maximum(0.0) - x * y + (1.0 + (-x.abs()).exp()).log()


def binary_cross_entropy_with_logits(logits: Any, target: Any, reduction: str = "mean", *,
                                     pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of sigmoid(logits), computed stably from the logits.

    Equal to ``binary_cross_entropy(logits.sigmoid(), target)`` where that is finite,
    and still exact for logits of ±1000. ``pos_weight`` (PyTorch's) scales the positive
    term: -[pos_weight y log s + (1 - y) log(1 - s)].
    """
    x = _float(logits, "binary_cross_entropy_with_logits")
    with autograd.scope(LossScope("binary_cross_entropy_with_logits")):
        y = _target(target, x, "binary_cross_entropy_with_logits")
        if pos_weight is None:
            return _reduce(_bce_logits_elementwise(x, y), reduction, "binary_cross_entropy_with_logits")
        pw = pos_weight.detach() if isinstance(pos_weight, Tensor) else Tensor(np.asarray(to_numpy(pos_weight)),
                                                                                device=x.device)
        loss = -(y * pw.astype(x.dtype) * x.logsigmoid() + (1.0 - y) * (-x).logsigmoid())
        return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def masked_binary_cross_entropy_with_logits(logits: Any, targets: Any, mask: Any = None,
                                            reduction: str = "mean") -> Tensor:
    """Multi-task loss: one binary cross-entropy per (example, task), skipping missing labels.

    ``targets`` has shape ``(n, tasks)``; a missing label is NaN, or 0 in ``mask``
    (same shape, 1 = labelled). Missing entries add nothing to the loss or the
    gradient. ``"mean"`` averages over the labelled entries only (so examples with
    few labels do not dilute the loss); ``"sum"`` adds them (divide by n for the
    course's formula); ``"none"`` returns the per-entry losses with 0 where missing.
    """
    x = _float(logits, "masked_binary_cross_entropy_with_logits")
    y = np.asarray(to_numpy(targets), dtype=np.float64)
    observed = ~np.isnan(y)
    if mask is not None:
        m = to_numpy(mask)
        if m.shape != y.shape:
            raise ShapeError(f"masked_binary_cross_entropy_with_logits: mask shape {m.shape} differs from targets "
                             f"shape {y.shape}")
        observed &= m.astype(bool)
    filled = np.where(observed, y, 0.0)
    with autograd.scope(LossScope("masked_binary_cross_entropy_with_logits")):
        yt = _target(filled, x, "masked_binary_cross_entropy_with_logits")
        weights = Tensor(observed.astype(x.dtype), device=x.device)
        loss = _bce_logits_elementwise(x, yt) * weights
        if reduction == "mean":
            return loss.sum() / max(int(observed.sum()), 1)
        return _reduce(loss, reduction, "masked_binary_cross_entropy_with_logits")


multi_task_loss = masked_binary_cross_entropy_with_logits


def l2_penalty(params: Module | Iterable[Tensor]) -> Tensor:
    """Sum of squared entries, the L2 ("weight decay") term without its λ/(2m) factor.

    Given a Module, only its weight matrices count (the ``weight`` of each `Linear`
    and any other parameter with 2+ dimensions): biases and BatchNorm's scale/shift are
    excluded, as in the course. Given an iterable of tensors, every one of them counts.
    Course cost: ``loss + lambd / (2 * m) * l2_penalty(model)``.
    """
    if isinstance(params, Module):
        tensors = [p for _, p in params.named_parameters() if p.ndim >= 2]
    else:
        tensors = list(params)
    if not tensors:
        raise ValueError("l2_penalty: no tensors given")
    for i, p in enumerate(tensors):
        if not isinstance(p, Tensor):
            raise TypeError(f"l2_penalty: item {i} is a {type(p).__name__}, not a Tensor")
    with autograd.scope(LossScope("l2_penalty")):
        total = (tensors[0] * tensors[0]).sum()
        for p in tensors[1:]:
            total = total + (p * p).sum()
        return total


# -- activations as functions (PyTorch's F.relu, F.gelu, ...); ``inplace`` is accepted and ignored --------
def relu(x: Tensor, inplace: bool = False) -> Tensor:
    return x.relu()


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    return x.relu6()


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return x.leaky_relu(negative_slope)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return x.elu(alpha)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    return x.hardtanh(min_val, max_val)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return x.softplus(beta, threshold)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    return x.gelu(approximate)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    return x.silu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.softmax(dim=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.log_softmax(dim=dim)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), without the log(0) of a saturated sigmoid."""
    return x.logsigmoid()


def softmin(x: Tensor, dim: int = -1) -> Tensor:
    return x.softmin(dim=dim)


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    return x.selu()


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return x.celu(alpha)


def softsign(x: Tensor) -> Tensor:
    return x.softsign()


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    return x.hardsigmoid()


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    return x.hardswish()


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    return x.mish()


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x divided by its p-norm along ``dim`` (at least ``eps``)."""
    return x / x.norm(p, dim=dim, keepdim=True).clamp(min=eps)


def one_hot(indices: Any, num_classes: int = -1) -> Tensor:
    """An int64 tensor with one more axis, 1 at each index and 0 elsewhere (no gradient)."""
    t = indices if isinstance(indices, Tensor) else Tensor(np.asarray(indices))
    host = np.asarray(to_numpy(t.data))
    if host.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {host.dtype}")
    classes = int(host.max()) + 1 if num_classes < 0 and host.size else max(num_classes, 0)
    if host.size and (host.min() < 0 or host.max() >= classes):
        raise TargetError(f"one_hot: indices must be in [0, {classes - 1}], got {host.min()} to {host.max()}")
    return Tensor((host[..., None] == np.arange(classes)).astype(np.int64), device=t.device)
