"""Gradient checking: compare backprop's gradients with centred finite differences.

The course's test: ``||g - g_approx|| / (||g|| + ||g_approx||)``; about 1e-7 is
right, 1e-5 is suspicious, 1e-3 is a bug. It is computed in float64 because in
float32 the finite differences themselves are only good to about 1e-3.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .backend import to_numpy
from .scalar import Value
from .tensor import Tensor


def relative_difference(grad: Any, approx: Any) -> float:
    """The course's ||g - g'|| / (||g|| + ||g'||); 0 when both are zero."""
    g, a = _flat(grad), _flat(approx)
    denom = np.linalg.norm(g) + np.linalg.norm(a)
    return 0.0 if denom == 0 else float(np.linalg.norm(g - a) / denom)


def numerical_gradient(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6) -> list:
    """Centred differences (f(x+eps) - f(x-eps)) / 2eps for every element of every input.

    ``f`` must return a scalar Value or a Tensor (summed if it has several elements).
    """
    out = []
    for x in inputs:
        if isinstance(x, Value):
            old = x.data
            x.data = old + eps
            plus = _scalar(f(*inputs))
            x.data = old - eps
            minus = _scalar(f(*inputs))
            x.data = old
            out.append((plus - minus) / (2 * eps))
            continue
        data = x.data
        approx = np.zeros(data.shape, dtype=np.float64)
        # index the array itself, element by element: data.reshape(-1) would be a *copy* for a
        # non-contiguous array (a transposed leaf), and perturbing a copy leaves f unchanged
        for index in np.ndindex(*data.shape):
            old = data[index].item()
            data[index] = old + eps
            plus = _scalar(f(*inputs))
            data[index] = old - eps
            minus = _scalar(f(*inputs))
            data[index] = old
            approx[index] = (plus - minus) / (2 * eps)
        out.append(approx)
    return out


def analytic_gradient(f: Callable[..., Any], inputs: Sequence[Any]) -> list:
    """Gradients of ``sum(f(*inputs))`` with respect to each input, by backprop."""
    for x in inputs:
        x.grad = 0.0 if isinstance(x, Value) else None
    y = f(*inputs)
    if isinstance(y, Tensor) and y.size != 1:
        y = y.sum()
    y.backward()
    grads = []
    for x in inputs:
        if isinstance(x, Value):
            grads.append(x.grad)
        else:
            grads.append(np.zeros(x.shape) if x.grad is None else to_numpy(x.grad.data).astype(np.float64))
    return grads


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, threshold: float = 2e-7, raise_exception: bool = False,
              verbose: bool = False) -> bool:
    """True when backprop agrees with finite differences for every input.

    Tensor inputs must be float64 (float32 is refused: its rounding error swamps the
    check). Passes when each element is within ``atol + rtol*|approx|`` *or* the
    course's relative difference over all inputs is below ``threshold``.
    """
    inputs = list(inputs)
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 tensors (got {x.dtype}): "
                            "create them with dtype=numpy.float64 or call .double()")
    analytic = analytic_gradient(f, inputs)
    numeric = numerical_gradient(f, inputs, eps)
    diff = relative_difference(analytic, numeric)
    close = all(np.allclose(a, n, atol=atol, rtol=rtol) for a, n in zip(analytic, numeric))
    ok = close or diff < threshold
    if verbose or (raise_exception and not ok):
        message = f"gradcheck: relative difference {diff:.3e} ({'ok' if ok else 'MISMATCH'})"
        if not ok:
            for i, (a, n) in enumerate(zip(analytic, numeric)):
                worst = float(np.max(np.abs(np.asarray(a) - np.asarray(n)))) if np.size(a) else 0.0
                message += f"\n  input {i}: max |backprop - numerical| = {worst:.3e}"
        if raise_exception and not ok:
            raise AssertionError(message)
        print(message)
    return ok


def _scalar(y: Any) -> float:
    if isinstance(y, Value):
        return y.data
    if isinstance(y, Tensor):
        return float(to_numpy(y.data).astype(np.float64).sum())
    return float(y)


def _flat(grads: Any) -> np.ndarray:
    """One float64 vector from a gradient or a list of them (Values, Tensors, arrays or numbers)."""
    items = grads if isinstance(grads, (list, tuple)) else [grads]
    return np.concatenate([to_numpy(x.data if isinstance(x, Value) else x).astype(np.float64).ravel()
                           for x in items])
