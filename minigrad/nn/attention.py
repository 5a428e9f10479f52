"""``scaled_dot_product_attention``: softmax(q kᵀ · scale + mask) v, written from primitive ops.

It is a composite (matmul, where, softmax, matmul), so its gradient is the chain rule over
those ops and every step shows up in a graph picture. Shapes as PyTorch: query (..., L, E),
key (..., S, E), value (..., S, Ev); leading (batch, head) axes broadcast.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import rng, to_device
from ..ops import ShapeError
from ..functions import where
from ..tensor import Tensor

__all__ = ["scaled_dot_product_attention", "AttentionArgumentError"]


class AttentionArgumentError(ValueError, RuntimeError):
    """Arguments that contradict each other; a `RuntimeError` as PyTorch raises it, a `ValueError` as Python's."""


def _swap_last(t: Tensor) -> Tensor:
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(*axes)


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention as ``torch.nn.functional.scaled_dot_product_attention`` computes it.

    ``attn_mask``: boolean (True = may attend) or additive float, broadcastable to (..., L, S).
    ``is_causal``: position i attends to positions j <= i (PyTorch's top-left aligned mask).
    ``scale`` defaults to 1/sqrt(E). ``dropout_p`` drops attention weights (always, as in
    PyTorch's functional form: pass 0 when evaluating). ``enable_gqa`` lets key/value have
    fewer heads (axis -3) than query, each shared by a group of query heads.
    A row whose every position is masked has no softmax: its output is NaN.
    """
    op = "scaled_dot_product_attention"
    q, k, v = (t if isinstance(t, Tensor) else Tensor(t) for t in (query, key, value))
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ShapeError(f"{op}: query, key and value need at least 2 dimensions (..., L, E), got "
                         f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"{op}: query {tuple(q.shape)} and key {tuple(k.shape)} must share the last axis (E), "
                         f"key and value {tuple(v.shape)} the second-to-last (S)")
    if is_causal and attn_mask is not None:
        raise AttentionArgumentError(f"{op}: give attn_mask or is_causal, not both")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1), got {dropout_p!r}")
    if enable_gqa and k.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        k, v = _share_heads(q, k, op), _share_heads(q, v, op)
    length, source = q.shape[-2], k.shape[-2]
    factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = (q @ _swap_last(k)) * factor
    if is_causal:
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        scores = _masked(scores, attn_mask, op)
    weights = scores.softmax(axis=-1)
    if dropout_p > 0.0:
        keep = to_device(rng().random(weights.shape) >= dropout_p, weights.device)
        weights = where(keep, weights * (1.0 / (1.0 - dropout_p)), 0.0)
    return weights @ v


def _masked(scores: Tensor, mask: Any, op: str) -> Tensor:
    """Scores with the mask applied: a boolean mask sends excluded positions to -inf, a float one is added."""
    m = mask.detach() if isinstance(mask, Tensor) and mask.dtype.kind == "b" else mask
    dtype = m.dtype if hasattr(m, "dtype") else np.asarray(m).dtype
    shape = tuple(m.shape) if hasattr(m, "shape") else np.shape(m)
    try:
        np.broadcast_shapes(shape, tuple(scores.shape))
    except ValueError:
        raise ShapeError(f"{op}: attn_mask of shape {shape} does not broadcast to the scores' shape "
                         f"{tuple(scores.shape)} (..., L, S)") from None
    if dtype.kind == "b":
        return where(m, scores, float("-inf"))
    return scores + (m if isinstance(m, Tensor) else Tensor(np.asarray(m), dtype=scores.dtype, device=scores.device))


def _share_heads(q: Tensor, kv: Tensor, op: str) -> Tensor:
    """Repeat each key/value head for its group of query heads (grouped-query attention)."""
    heads, kv_heads = q.shape[-3], kv.shape[-3]
    if heads % kv_heads:
        raise ShapeError(f"{op}: with enable_gqa, query heads {heads} (shape {tuple(q.shape)}) must be a multiple "
                         f"of key/value heads {kv_heads} (shape {tuple(kv.shape)})")
    index = np.repeat(np.arange(kv_heads), heads // kv_heads)
    return kv[(slice(None),) * (kv.ndim - 3) + (index,)]
