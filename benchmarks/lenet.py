"""One training step of a LeNet-sized convolutional net against PyTorch on the CPU.

conv 1->6 5x5, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2, flatten, 256-120-84-10 with
ReLUs; a batch of 64 28x28 images, float32, cross-entropy, Adam. Both start from the same
weights on the same batch. The target: minigrad's step within 3x of PyTorch's.

Timing: whole runs of ``number`` consecutive steps, the two taking turns (`common.whole_runs`:
the collector left as Python starts it); the row shows the median run, and the text the spread
(min, quartiles, max) of both and of the per-round ratio, since a shared machine's load moves
both together.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .common import Row, whole_runs

SECTION = "conv training step: LeNet (conv 1-6-16 5x5, max-pool, 256-120-84-10), batch 64 of 28x28, Adam"
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8
TARGET = 3.0


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """He-initialised float32 weights in PyTorch's layouts (conv (out, in, kh, kw), linear (out, in)), zero biases."""
    rs = np.random.default_rng(seed)
    shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (120, 256), (84, 120), (10, 84)]
    out = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:]))
        out.append((rs.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        out.append(np.zeros(shape[0], dtype=np.float32))
    return out


def batch(size: int = 64, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rs = np.random.default_rng(seed)
    return rs.standard_normal((size, 1, 28, 28)).astype(np.float32), rs.integers(0, 10, size)


def minigrad_trainer(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    import minigrad as mg
    from minigrad import nn, optim

    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    for p, w in zip(model.parameters(), weights):
        p.data = (w.T if w.ndim == 2 else w).copy()  # minigrad's Linear computes x @ W: W is (in, out)
    opt = optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = mg.Tensor(x), y

    def step() -> Any:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_trainer(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    import torch

    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> Any:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _spread(values: list[float], scale: float = 1.0, unit: str = "") -> str:
    q = np.percentile(np.asarray(values) * scale, [0, 25, 50, 75, 100])
    return f"median {q[2]:.2f}{unit} (min {q[0]:.2f}, quartiles {q[1]:.2f}-{q[3]:.2f}, max {q[4]:.2f})"


def run(quick: bool = False, **_: Any) -> tuple[list[Row], str]:
    import torch

    weights = initial_weights()
    x, y = batch()
    steps = {"minigrad": minigrad_trainer(weights, x, y), "torch": torch_trainer(weights, x, y)}
    losses = [(steps["minigrad"](), steps["torch"]()) for _ in range(3)]  # the same computation, step by step
    agree = max(abs(a - b) for a, b in losses)
    rounds, number = (5, 2) if quick else (15, 5)
    t = {name: timing.runs for name, timing in whole_runs(steps, repeats=rounds, calls=number).items()}
    ratios = [a / b for a, b in zip(t["minigrad"], t["torch"])]
    median = {name: float(np.median(v)) for name, v in t.items()}
    rows = [
        Row(SECTION, "train step vs PyTorch CPU (median of interleaved rounds)", median["minigrad"], "s", "torch",
            median["torch"], target=TARGET),
        Row(SECTION, "max |loss difference| in the first 3 steps (float32)", agree, "", target=1e-3, absolute=True),
    ]
    text = "\n".join([
        f"LeNet step, {rounds} interleaved rounds of {number} steps, torch {torch.get_num_threads()} thread(s):",
        f"  minigrad {_spread(t['minigrad'], 1e3, ' ms')}",
        f"  PyTorch  {_spread(t['torch'], 1e3, ' ms')}",
        f"  ratio per round {_spread(ratios)}",
    ])
    return rows, text
