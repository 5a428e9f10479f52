"""The scalar engine against micrograd on micrograd's own demo (demo.ipynb).

Moons, 100 points; MLP 2-16-16-1 with ReLU; max-margin (hinge) loss plus 1e-4 L2;
100 steps of plain SGD with the demo's learning-rate schedule 1.0 - 0.9 k/100.
Both engines start from the same weights (copied from micrograd's model) and see
the same data, so their losses must agree to 1e-9 at every step.

The two trainings run step by step interleaved (micrograd step k, minigrad step k):
every step builds and backpropagates a graph of the same size, so the 100 steps
are 100 repeats, and the table reports the fastest step of each (plus the totals).
"""
from __future__ import annotations

import gc
import random
import time
from typing import Any, Callable

import numpy as np

from .common import Row

SECTION = "scalar engine: micrograd's demo (moons 100, MLP 2-16-16-1, 100 SGD steps)"


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[list, list]:
    """scikit-learn's make_moons (same formula), labels as -1/+1 like the demo."""
    rs = np.random.RandomState(seed)
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                   np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    X += rs.normal(scale=noise, size=X.shape)
    return X.tolist(), (2 * y - 1).tolist()


def demo_step(value_cls: type, model: Callable, params: list, X: list, y: list, k: int) -> float:
    """One step of micrograd's demo, written as in the notebook, for either engine's Value class."""
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum((p * p for p in params))
    total_loss = data_loss + reg_loss
    for p in params:
        p.grad = 0
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= learning_rate * p.grad
    return total_loss.data


def _minigrad_model(mm: Any) -> tuple[Callable, list, str]:
    """minigrad's scalar MLP with micrograd's initial weights copied in."""
    from minigrad.nn.scalar import MLP

    nouts = [len(layer.neurons) for layer in mm.layers]
    model = MLP(len(mm.layers[0].neurons[0].w), nouts)
    ours, theirs = model.parameters(), mm.parameters()
    if len(ours) != len(theirs):
        raise RuntimeError(f"minigrad.nn.scalar.MLP has {len(ours)} parameters, micrograd's {len(theirs)}")
    for p, q in zip(ours, theirs):
        p.data = float(q.data)
    return model, ours, "minigrad.nn.scalar.MLP"


def run(steps: int = 100, **_: Any) -> list[Row]:
    from micrograd import nn as micro_nn
    from micrograd.engine import Value as MicroValue

    from minigrad import Value

    X, y = moons()
    random.seed(1337)
    mm = micro_nn.MLP(2, [16, 16, 1])
    model, params, which = _minigrad_model(mm)
    micro_params = mm.parameters()

    t_micro, t_mini, max_diff = [], [], 0.0
    for k in range(steps):
        gc.collect()
        start = time.perf_counter()
        loss_micro = demo_step(MicroValue, mm, micro_params, X, y, k)
        t_micro.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        loss_mini = demo_step(Value, model, params, X, y, k)
        t_mini.append(time.perf_counter() - start)
        max_diff = max(max_diff, abs(loss_micro - loss_mini))

    return [
        Row(SECTION, "one training step (fastest of the steps)", min(t_mini), "s", "micrograd", min(t_micro),
            target=0.5, note=f"{steps} steps: minigrad {sum(t_mini):.1f} s, micrograd {sum(t_micro):.1f} s"),
        Row(SECTION, "max |loss difference| over all steps", max_diff, "", target=1e-9, absolute=True,
            note=f"final loss {loss_mini:.6f}; minigrad side: {which}"),
    ]
