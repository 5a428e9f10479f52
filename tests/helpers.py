"""One helper runs an op in minigrad and checks forward and gradients (the tinygrad test_ops idea).

The forward result is compared with the same function written in plain NumPy, and
every input's gradient with centred finite differences, all in float64.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import minigrad as mg
from minigrad.gradcheck import analytic_gradient, numerical_gradient


def make_inputs(shapes: Sequence[tuple], device: str = "cpu", seed: int = 0, low: float = -2.0,
                high: float = 2.0, positive: bool = False) -> list[mg.Tensor]:
    """float64 tensors with values that keep finite differences well-conditioned."""
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        values = rng.uniform(0.5, 2.0, size=shape) if positive else rng.uniform(low, high, size=shape)
        out.append(mg.Tensor(values, requires_grad=True, dtype=np.float64, device=device))
    return out


def check_op(fn: Callable, np_fn: Callable | None, inputs: Sequence[mg.Tensor], atol: float = 1e-6,
             rtol: float = 1e-5, eps: float = 1e-6) -> None:
    """Assert ``fn`` matches ``np_fn`` forward and finite differences backward, on every input."""
    out = fn(*inputs)
    if np_fn is not None:
        expected = np_fn(*[x.numpy() for x in inputs])
        np.testing.assert_allclose(out.numpy(), expected, atol=atol, rtol=rtol, err_msg="forward differs from NumPy")
    # a fixed random weighting makes every output element matter in the scalar we differentiate
    weights = np.random.default_rng(123).uniform(0.5, 1.5, size=out.shape)
    w = mg.Tensor(weights, dtype=np.float64, device=out.device)

    def scalar(*xs):
        return (fn(*xs) * w).sum()

    analytic = analytic_gradient(scalar, list(inputs))
    numeric = numerical_gradient(scalar, list(inputs), eps=eps)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        np.testing.assert_allclose(a, n, atol=atol * 10, rtol=rtol * 10,
                                   err_msg=f"gradient of input {i} differs from finite differences")
