"""Fused elementwise kernels for the GPU: a chain of elementwise steps in one CuPy launch.

On a GPU every array operation is a kernel launch costing several microseconds of
host time, whatever the array size, and writing its temporary result to memory.
An Adam update written with array operators is 13 launches per parameter; as one
``cupy.ElementwiseKernel`` it is one. Each kernel here is the same arithmetic, in
the same order, as the NumPy code it replaces (which stays as it is: on the CPU
NumPy's own loops are the fast path), so CPU and GPU results agree up to the GPU's
floating-point contraction (fused multiply-add).

``kernel(xp, name)`` gives the compiled kernel for a CuPy module, or None for NumPy.
Scalars are passed as ``T``, the parameter's dtype (float32 stays float32); values
such as ``1 - beta`` are computed in Python first, exactly as the NumPy code does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

# name -> (in_params, out_params, operation): CUDA C, one element per thread; the out arrays are
# passed in, so they are updated in place
SOURCES = {
    # p -= lr * (g + wd p)
    "sgd": ("T g, T lr, T wd", "T p",
            "T d = wd == 0 ? g : g + wd * p; p -= lr * d"),
    # v = momentum v + (1 - dampening) d; p -= lr * (nesterov ? d + momentum v : v)
    "sgd_momentum": ("T g, T lr, T wd, T momentum, T keep, T nesterov", "T p, T v",
                     "T d = wd == 0 ? g : g + wd * p; v = momentum * v + keep * d; "
                     "T u = nesterov == 0 ? v : d + momentum * v; p -= lr * u"),
    # s = alpha s + (1 - alpha) d²; p -= lr d / (sqrt(s) + eps)
    "rmsprop": ("T g, T lr, T wd, T alpha, T keep, T eps", "T p, T s",
                "T d = wd == 0 ? g : g + wd * p; s = alpha * s + keep * (d * d); p -= lr * d / (sqrt(s) + eps)"),
    # m = b1 m + (1 - b1) d; v = b2 v + (1 - b2) d²; p -= (lr / c1) m / (sqrt(v / c2) + eps)
    "adam": ("T g, T step, T wd, T b1, T keep1, T b2, T keep2, T c2, T eps", "T p, T m, T v",
             "T d = wd == 0 ? g : g + wd * p; m = b1 * m + keep1 * d; v = b2 * v + keep2 * (d * d); "
             "p -= step * m / (sqrt(v / c2) + eps)"),
    # a class index outside [0, classes) or not a whole number
    "bad_class_index": ("T t, float64 classes", "bool bad",
                        "bad = (t < 0) + (t >= classes) + (t != floor(t))"),
}

_compiled: dict[Any, dict[str, Any]] = {}  # cupy module -> name -> ElementwiseKernel


def kernel(xp: Any, name: str) -> Any:
    """The ElementwiseKernel ``name`` for the CuPy module ``xp`` (compiled on first use), None for NumPy."""
    if xp is np:
        return None
    table = _compiled.setdefault(xp, {})
    if name not in table:
        in_params, out_params, operation = SOURCES[name]
        table[name] = xp.ElementwiseKernel(in_params, out_params, operation, f"minigrad_{name}")
    return table[name]
