"""Weight initialization schemes, as taught in the course ("Improving Deep Neural Networks", week 1).

Every function takes the weight's shape ``(fan_in, fan_out)`` (minigrad's `Linear`
computes ``x @ W + b``, so rows are inputs) and returns a NumPy array. Random draws
come from `minigrad.backend.rng()`, so ``mg.manual_seed(n)`` makes them reproducible.

* `zeros`   - every unit starts identical and, receiving identical gradients, stays
  identical: the network cannot "break symmetry" (the course's first experiment).
* `random`  - Gaussian times ``scale``: 0.01 is the classic small start; ×10 makes
  cost explode and training slow.
* `xavier`  - Gaussian × sqrt(1 / fan_in), the course's "Xavier" for tanh layers.
* `he`      - Gaussian × sqrt(2 / fan_in) (He et al. 2015) for ReLU layers: keeps
  the variance of activations roughly constant from layer to layer.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ..backend import rng

Shape = Sequence[int]
Initializer = Callable[[Shape], np.ndarray]


def _fan_in(shape: Shape) -> int:
    if len(shape) == 0:
        raise ValueError("an initializer needs a shape with at least one axis (fan_in, ...)")
    if shape[0] <= 0:
        raise ValueError(f"fan_in must be positive, got shape {tuple(shape)}")
    return int(shape[0])


def zeros(shape: Shape, dtype: Any = np.float32) -> np.ndarray:
    """All zeros (fine for biases; for weights it leaves every hidden unit identical)."""
    return np.zeros(tuple(shape), dtype=dtype)


def random(shape: Shape, scale: float = 0.01, dtype: Any = np.float32) -> np.ndarray:
    """Standard normal samples times ``scale``."""
    return (rng().standard_normal(tuple(shape)) * scale).astype(dtype)


def xavier(shape: Shape, dtype: Any = np.float32) -> np.ndarray:
    """Standard normal × sqrt(1 / fan_in): the course's Xavier initialization (suits tanh)."""
    return random(shape, scale=math.sqrt(1.0 / _fan_in(shape)), dtype=dtype)


def he(shape: Shape, dtype: Any = np.float32) -> np.ndarray:
    """Standard normal × sqrt(2 / fan_in): He initialization (suits ReLU)."""
    return random(shape, scale=math.sqrt(2.0 / _fan_in(shape)), dtype=dtype)


SCHEMES: dict[str, Initializer] = {"zeros": zeros, "random": random, "xavier": xavier, "he": he}


def get(scheme: str | float | Initializer) -> Initializer:
    """Turn ``"he"``, ``"xavier"``, ``"random"``, ``"zeros"``, a number (scale of `random`) or a
    function ``shape -> array`` into an initializer function."""
    if callable(scheme):
        return scheme
    if isinstance(scheme, (int, float)) and not isinstance(scheme, bool):
        scale = float(scheme)
        return lambda shape, dtype=np.float32: random(shape, scale=scale, dtype=dtype)
    if isinstance(scheme, str) and scheme.lower() in SCHEMES:
        return SCHEMES[scheme.lower()]
    raise ValueError(f"unknown init {scheme!r}: use one of {sorted(SCHEMES)}, a number (the scale of "
                     "'random') or a function shape -> array")


def describe(scheme: str | float | Initializer) -> str:
    """A short name for reprs: 'he', 'random(10)', or the function's name."""
    if isinstance(scheme, str):
        return scheme.lower()
    if isinstance(scheme, (int, float)):
        return f"random({scheme:g})"
    return getattr(scheme, "__name__", "custom")
