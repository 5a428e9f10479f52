"""Classification losses with PyTorch's meanings: `cross_entropy` (class indices or probabilities, class
weights, ``ignore_index``, label smoothing) and `nll_loss`.

The common case, integer targets with nothing else asked, is one fused op (`ops.CrossEntropy`);
the rest are written from log_softmax, gather and sums, so autograd differentiates them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd, ops
from ..backend import array_module, check_later, device_of, to_numpy
from ..kernels import kernel
from ..ops import ShapeError
from ..tensor import Tensor, apply

_REDUCTIONS = ("mean", "sum", "none")


class LossScope:
    """What a loss function's ops are recorded under (`autograd.scope`): pictures draw them as one named box."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def parameters(self) -> list:
        return []

    def __repr__(self) -> str:
        return self.name


class TargetError(IndexError, ValueError):
    """A class index outside [0, classes): an IndexError as in PyTorch, a ValueError as minigrad raised it."""


def _float(pred: Any, name: str) -> Tensor:
    if not isinstance(pred, Tensor):
        pred = Tensor(pred)
    if pred.dtype.kind != "f":
        raise TypeError(f"{name}: predictions must be floating point, got dtype {pred.dtype}")
    return pred


def _class_indices(targets: Any, x: Tensor, name: str, ignore_index: int, on_gpu_ok: bool) -> Any:
    """``targets`` as n checked class indices: a NumPy int64 array, or (``on_gpu_ok``) an array left on the GPU.

    Host targets are checked on the host. Targets already on the GPU stay there when the
    fused op will use them: their shape and dtype are checked at once, their values by a
    kernel whose verdict `backend.check_later` reports at the next copy to the host, since
    reading it now would stall every training step (PyTorch reports a bad index on CUDA
    the same way, later). A bad index never reaches the gather as garbage silently.
    """
    n, classes = x.shape
    data = targets.data if isinstance(targets, Tensor) else targets
    on_device = on_gpu_ok and x.device == "cuda" and device_of(data) == "cuda"
    t = data if on_device else to_numpy(targets)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.shape != (n,):
        raise ShapeError(f"{name}: expected {n} class indices for logits {tuple(x.shape)}, "
                         f"got targets of shape {tuple(t.shape)}")
    if t.dtype.kind not in "iuf":
        raise TypeError(f"{name}: targets must be integer class indices, got dtype {t.dtype}")
    if on_device:
        bad = kernel(array_module(t), "bad_class_index")(t, float(classes)).any()
        check_later(bad, f"{name}: targets must be whole class indices in [0, {classes - 1}]; one of "
                         "them was not (found on the GPU, reported at the first copy to the host after it)")
        return t.astype(np.int64) if t.dtype.kind == "f" else t
    if t.dtype.kind == "f" and (not np.all(np.isfinite(t)) or not np.all(t == np.round(t))):
        raise ops.DTypeError(f"{name}: targets must be class indices (whole numbers), got fractional values; "
                        "class probabilities need the logits' shape (n, classes)")
    t = t.astype(np.int64)
    if not t.size:
        return t
    low, high = t.min(), t.max()
    if 0 <= low and high < classes and not low <= ignore_index <= high:
        return t  # the common case: every index in range, none to ignore (two reductions, no masks)
    used = t[t != ignore_index]
    if used.size and (used.min() < 0 or used.max() >= classes):
        raise TargetError(f"{name}: class indices must be in [0, {classes - 1}], "
                          f"got values from {used.min()} to {used.max()}")
    return t


def _any_ignored(t: np.ndarray, ignore_index: int) -> bool:
    return bool(t.size) and t.min() <= ignore_index <= t.max() and bool(np.any(t == ignore_index))


def _class_weights(weight: Any, classes: int, name: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(to_numpy(weight), dtype=np.float64)
    if w.shape != (classes,):
        raise ShapeError(f"{name}: weight must have one entry per class ({classes}), got shape {w.shape}")
    return w


def _constant(values: np.ndarray, like: Tensor) -> Tensor:
    return Tensor(values.astype(like.dtype), device=like.device)


def _picked(log_probs: Tensor, t: np.ndarray, w: np.ndarray | None, ignore_index: int) -> tuple[Tensor, np.ndarray]:
    """-w[t_i] log_probs[i, t_i] per row (0 for ignored rows) and the weight each row counts with."""
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    row_weight = (w[safe] if w is not None else np.ones(len(t))) * keep
    picked = log_probs.gather(1, safe[:, None]).reshape(len(t))
    return -picked * _constant(row_weight, log_probs), row_weight


def _per_position(x: Tensor, targets: Any) -> tuple[Tensor, Any, tuple | None]:
    """PyTorch's (N, C, d1, ...) inputs as (N·d1·..., C) rows, with targets to match; 2-D passes through."""
    if x.ndim <= 2:
        return x, targets, None
    classes, spatial = x.shape[1], (x.shape[0], *x.shape[2:])
    order = (0, *range(2, x.ndim), 1)
    rows = x.permute(*order).reshape(-1, classes)
    if tuple(getattr(targets, "shape", ())) == tuple(x.shape):  # class probabilities per position
        t = targets if isinstance(targets, Tensor) else Tensor(np.asarray(to_numpy(targets)), device=x.device)
        return rows, t.permute(*order).reshape(-1, classes), spatial
    t = targets.data if isinstance(targets, Tensor) else targets
    t = t if device_of(t) == "cuda" else np.asarray(to_numpy(t))
    if tuple(t.shape) != spatial:
        raise ShapeError(f"expected targets of shape {spatial} for input {tuple(x.shape)}, got {tuple(t.shape)}")
    return rows, t.reshape(-1), spatial


def _unflatten(loss: Tensor, spatial: tuple | None, reduction: str) -> Tensor:
    return loss.reshape(*spatial) if spatial is not None and reduction == "none" else loss


def _check(x: Tensor, reduction: str, name: str) -> None:
    if x.ndim != 2:
        raise ShapeError(f"{name}: expected (n, classes), got shape {tuple(x.shape)}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduced(loss: Tensor, row_weight: np.ndarray, reduction: str) -> Tensor:
    """PyTorch's reductions for class-index losses: "mean" divides by the summed weights of the targets."""
    if reduction == "mean":
        return loss.sum() / float(row_weight.sum())
    return loss.sum() if reduction == "sum" else loss


def nll_loss(log_probs: Any, targets: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices: ``-log_probs[i, targets[i]]`` (give it log_softmax outputs).

    ``weight`` scales each class; ``"mean"`` then divides by the summed weights of the
    targets, as PyTorch does. Rows whose target is ``ignore_index`` count nothing.
    """
    x, targets, spatial = _per_position(_float(log_probs, "nll_loss"), targets)
    _check(x, reduction, "nll_loss")
    t = _class_indices(targets, x, "nll_loss", ignore_index, on_gpu_ok=False)
    with autograd.scope(LossScope("nll_loss")):
        loss, row_weight = _picked(x, t, _class_weights(weight, x.shape[1], "nll_loss"), ignore_index)
        return _unflatten(_reduced(loss, row_weight, reduction), spatial, reduction)


def cross_entropy(logits: Any, targets: Any, reduction: str = "mean", *, weight: Any = None,
                  ignore_index: int = -100, label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of ``logits`` (n, classes), PyTorch's meanings.

    ``targets`` are n class indices (integers, or floats that are whole numbers; shape
    ``(n,)`` or ``(n, 1)``), or class probabilities with the logits' shape (one-hot
    rows, soft labels). ``label_smoothing`` ε mixes the target with the uniform
    distribution: (1 - ε) target + ε / classes. ``weight`` scales each class's term;
    ``ignore_index`` drops rows. Inputs (N, C, d1, ...) with targets (N, d1, ...) score
    every position, as PyTorch's. log_softmax subtracts the row maximum first, so large
    logits do not overflow. Targets already on the GPU are checked there, without making
    the host wait (see `_class_indices`).
    """
    x = _float(logits, "cross_entropy")
    if x.ndim == 1:  # one unbatched row (classes,), as PyTorch: a batch of one, the batch axis dropped again
        t = targets if isinstance(targets, Tensor) else Tensor(np.asarray(to_numpy(targets)), device=x.device)
        loss = cross_entropy(x.reshape(1, -1), t.reshape(1, -1) if t.ndim == 1 else t.reshape(1), reduction,
                             weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)
        return loss.reshape(()) if reduction == "none" else loss
    x, targets, spatial = _per_position(x, targets)
    _check(x, reduction, "cross_entropy")
    n, classes = x.shape
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    w = _class_weights(weight, classes, "cross_entropy")
    shape = getattr(targets, "shape", None)
    if shape is not None and tuple(shape) == (n, classes) and classes > 1:  # class probabilities
        with autograd.scope(LossScope("cross_entropy")):
            # a target that needs a gradient gets one, as in PyTorch
            p = targets if isinstance(targets, Tensor) else Tensor(np.asarray(to_numpy(targets)), device=x.device)
            p = p.astype(x.dtype)
            if label_smoothing:
                p = p * (1.0 - label_smoothing) + label_smoothing / classes
            terms = p * x.log_softmax(axis=1)
            loss = -(terms * _constant(w, x) if w is not None else terms).sum(axis=1)
            return loss.sum() / n if reduction == "mean" else loss.sum() if reduction == "sum" else \
                _unflatten(loss, spatial, reduction)
    plain = w is None and not label_smoothing
    t = _class_indices(targets, x, "cross_entropy", ignore_index, on_gpu_ok=plain and reduction != "none")
    if plain and reduction != "none" and (device_of(t) == "cuda" or not _any_ignored(t, ignore_index)):
        # one fused op (log-softmax, pick, reduce; backward softmax - onehot): same numbers as the
        # composed ops below, without their chain of intermediate (n, classes) arrays
        return apply(ops.CrossEntropy, x, targets=array_module(x.data).asarray(t), reduction=reduction)
    with autograd.scope(LossScope("cross_entropy")):
        log_probs = x.log_softmax(axis=1)
        loss, row_weight = _picked(log_probs, t, w, ignore_index)
        if label_smoothing:
            keep = _constant((t != ignore_index).astype(np.float64), x)
            per_class = log_probs * _constant(w, x) if w is not None else log_probs
            loss = loss * (1.0 - label_smoothing) - per_class.sum(axis=1) * keep * (label_smoothing / classes)
        return _unflatten(_reduced(loss, row_weight, reduction), spatial, reduction)
