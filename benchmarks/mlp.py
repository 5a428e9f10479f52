"""One training step of an MLP 784-256-256-10 (batch 128, float32, cross-entropy, Adam).

Three implementations of the same step, from the same initial weights on the same batch:

* minigrad: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``nn.functional.cross_entropy``
  and ``optim.Adam``, as a learner writes it,
* NumPy by hand: the same matrix products and element-wise work and nothing else,
  which is the floor for any engine built on NumPy,
* PyTorch on the CPU.

Also here: the profile of where minigrad's time over NumPy goes, the peak memory
of both (tracemalloc) and the memory after 1,000 steps (no growth allowed).
"""
from __future__ import annotations

import cProfile
import gc
import os
import pstats
import tracemalloc
from typing import Any, Callable

import numpy as np

from .common import Row, timed_row, whole_runs

SECTION = "tensor training step: MLP 784-256-256-10, batch 128, float32, cross-entropy, Adam"
MEM_SECTION = "memory (tracemalloc) of the MLP step"
SIZES = (784, 256, 256, 10)
TINY = (8, 8, 8, 10)  # the same step with negligible array work: what remains is the engine's overhead
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def initial_weights(seed: int = 0, sizes: tuple = SIZES) -> list[np.ndarray]:
    """He-initialised weights (in, out) and zero biases, float32: W1, b1, W2, b2, W3, b3."""
    rs = np.random.default_rng(seed)
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        out.append((rs.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32))
        out.append(np.zeros(n_out, dtype=np.float32))
    return out


def batch(size: int = 128, seed: int = 1, sizes: tuple = SIZES) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch: float32 inputs and int64 class labels."""
    rs = np.random.default_rng(seed)
    return rs.standard_normal((size, sizes[0])).astype(np.float32), rs.integers(0, sizes[-1], size)


def _sizes(weights: list[np.ndarray]) -> list[int]:
    return [weights[0].shape[0]] + [w.shape[1] for w in weights[0::2]]


# -- NumPy by hand --------------------------------------------------------------------------
class NumpyAdam:
    """Adam written directly on arrays, updating in place."""

    def __init__(self, params: list[np.ndarray]):
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        b1, b2 = BETAS
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= (LR / c1) * m / (np.sqrt(v / c2) + EPS)


def numpy_trainer(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    """One training step of the MLP written by hand in NumPy: the floor for a NumPy engine."""
    W1, b1, W2, b2, W3, b3 = params = [w.copy() for w in weights]
    opt = NumpyAdam(params)
    rows = np.arange(len(y))

    def step() -> float:
        h1 = x @ W1 + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2 + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3 + b3
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -logp[rows, y].mean()
        dz = np.exp(logp)
        dz[rows, y] -= 1
        dz /= len(y)
        dW3, db3 = a2.T @ dz, dz.sum(axis=0)
        da2 = (dz @ W3.T) * (h2 > 0)
        dW2, db2 = a1.T @ da2, da2.sum(axis=0)
        da1 = (da2 @ W2.T) * (h1 > 0)
        dW1, db1 = x.T @ da1, da1.sum(axis=0)
        opt.step([dW1, db1, dW2, db2, dW3, db3])
        return float(loss)

    return step


# -- PyTorch ----------------------------------------------------------------------------------
def torch_trainer(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, device: str = "cpu"
                  ) -> Callable[[], float]:
    import torch

    layers = []
    for i in range(0, len(weights), 2):
        lin = torch.nn.Linear(*weights[i].shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(weights[i].T.copy()))
            lin.bias.copy_(torch.from_numpy(weights[i + 1]))
        layers += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def step() -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.detach()  # no .item(): on a GPU that would force a sync each step

    return step


# -- minigrad ---------------------------------------------------------------------------------
def _copy_into(params: list, weights: list) -> None:
    """Copy (in, out) weights into minigrad parameters, transposing for (out, in) layouts."""
    if len(params) != len(weights):
        raise RuntimeError(f"expected {len(weights)} parameters, the model has {len(params)}")
    for p, w in zip(params, weights):
        src = w if p.data.shape == w.shape else w.T
        if p.data.shape != src.shape:
            raise RuntimeError(f"parameter shape {p.data.shape} does not fit weight shape {w.shape}")
        p.data[...] = src


def minigrad_trainer(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, device: str = "cpu"
                     ) -> tuple[Callable[[], float], str]:
    """The training step in minigrad, as a learner writes it, and a description of it."""
    import minigrad as mg
    from minigrad import nn, optim

    xm, ym = mg.Tensor(x, device=device), mg.Tensor(y, device=device)
    layers: list = []
    sizes = _sizes(weights)
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    if device != "cpu":
        model = model.to(device)
    _copy_into(model.parameters(), [mg.Tensor(w, device=device).data for w in weights])
    opt = optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    loss_fn = nn.functional.cross_entropy

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(xm), ym)
        loss.backward()
        opt.step()
        return loss.data

    return step, "nn.Sequential + functional.cross_entropy + optim.Adam"


# -- profile --------------------------------------------------------------------------------------
_GROUPS = (  # (label, path fragment, function name or None for the whole file)
    ("engine: backward walk (autograd.backward_steps)", "minigrad/autograd.py", "backward_steps"),
    ("engine: topological sort", "minigrad/autograd.py", "_walk"),
    ("engine: other autograd.py (scope, backward)", "minigrad/autograd.py", None),
    ("engine: op recording (tensor.apply, Tensor._make)", "minigrad/tensor.py", "apply"),
    ("engine: grad accumulation and sends (Tensor._accumulate/_sends)", "minigrad/tensor.py", "_accumulate"),
    ("engine: grad accumulation and sends (Tensor._accumulate/_sends)", "minigrad/tensor.py", "_sends"),
    ("engine: grad accumulation and sends (Tensor._accumulate/_sends)", "minigrad/tensor.py", "<listcomp>"),
    ("engine: op recording (tensor.apply, Tensor._make)", "minigrad/tensor.py", "_make"),
    ("engine: other tensor.py (operators, _lift, release)", "minigrad/tensor.py", None),
    ("ops: Function forward/backward bodies", "minigrad/ops.py", None),
    ("optimizer: optim.Adam bookkeeping and update", "minigrad/optim", None),
    ("loss: nn.functional.cross_entropy (target checks, calls ops.CrossEntropy)", "minigrad/nn/functional.py", None),
    ("nn: Module.__call__ and layers", "minigrad/nn/", None),
    ("backend helpers (array_module, device_of)", "minigrad/backend.py", None),
)


def _group(filename: str, func: str) -> str:
    if filename == "~":
        return "NumPy and builtins called by name (C)"
    path = filename.replace(os.sep, "/")
    for label, fragment, name in _GROUPS:
        if fragment in path and (name is None or name == func):
            return label
    return "NumPy Python wrappers" if "/numpy/" in path else "benchmark loop and other Python"


def _profile(step: Callable[[], Any], steps: int) -> dict:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    return pstats.Stats(profiler).stats  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}


def overhead_report(quick: bool = False) -> str:
    """Where minigrad's time over NumPy goes: the same step at 8-8-8-10, batch 4, profiled.

    At that size the array work is negligible, so the step's time is the engine's
    fixed cost per step, the same cost that the 784-256-256-10 step pays on top of
    its matrix products. cProfile's self time by file and function says where it goes.
    """
    weights = initial_weights(sizes=TINY)
    x, y = batch(4, sizes=TINY)
    mg_step, np_step = minigrad_trainer(weights, x, y)[0], numpy_trainer(weights, x, y)
    runs = whole_runs({"minigrad": mg_step, "numpy": np_step}, repeats=5, calls=100 if quick else 300)
    t = {name: timing.median for name, timing in runs.items()}
    stats = _profile(mg_step, 300 if quick else 1000)
    steps = 300 if quick else 1000
    totals: dict[str, float] = {}
    for (filename, _line, func), (_cc, _nc, tottime, _cum, _callers) in stats.items():
        label = _group(filename, func)
        totals[label] = totals.get(label, 0.0) + tottime
    grand = sum(totals.values()) or 1.0
    lines = [f"Overhead breakdown: the same step at {'-'.join(map(str, TINY))}, batch 4, where array work is "
             f"negligible: minigrad {t['minigrad'] * 1e6:.0f} µs vs NumPy {t['numpy'] * 1e6:.0f} µs per step "
             f"(+{(t['minigrad'] - t['numpy']) * 1e6:.0f} µs of fixed cost per step).",
             "  share of minigrad's step (cProfile self time; µs = share of the unprofiled step time):"]
    lines += [f"    {share / grand:6.1%}  {share / grand * t['minigrad'] * 1e6:5.1f} µs  {label}"
              for label, share in sorted(totals.items(), key=lambda kv: -kv[1])]
    top = sorted(stats.items(), key=lambda kv: -kv[1][2])[:12]
    lines.append("  busiest functions (self time, calls per step):")
    for (filename, line, func), (_cc, nc, tottime, _cum, _callers) in top:
        shown = os.path.relpath(filename) if "minigrad" in filename else os.path.basename(filename)
        where = func if filename == "~" else f"{shown}:{line} {func}"
        lines.append(f"    {tottime / grand:6.1%}  {nc / steps:5.1f}  {where}")
    return "\n".join(lines)


# -- memory --------------------------------------------------------------------------------------
def _peak_and_growth(make: Callable[[], Callable[[], Any]], steps: int) -> tuple[float, float]:
    """Peak traced bytes over set-up plus the first steps, and the growth from step 10 to ``steps``."""
    gc.collect()
    tracemalloc.start()
    try:
        step = make()
        for _ in range(10):
            step()
        gc.collect()
        after_warmup = tracemalloc.get_traced_memory()[0]
        _, peak = tracemalloc.get_traced_memory()
        for _ in range(steps - 10):
            step()
        gc.collect()
        after_all = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return peak, after_all - after_warmup


def _cycle_garbage_per_step(step: Callable[[], Any], steps: int = 50) -> float:
    """Objects per step that only the cycle collector can free (0: plain reference counting frees every step)."""
    for _ in range(3):
        step()
    gc.collect()
    gc.disable()
    try:
        for _ in range(steps):
            step()
        return gc.collect() / steps
    finally:
        gc.enable()


# -- the benchmark ---------------------------------------------------------------------------------
def run(quick: bool = False, **_: Any) -> tuple[list[Row], str]:
    weights = initial_weights()
    x, y = batch()
    mg_step, which = minigrad_trainer(weights, x, y)
    np_step = numpy_trainer(weights, x, y)
    torch_step = torch_trainer(weights, x, y)

    # same losses for the first steps: the three compute the same thing
    losses = [(float(mg_step()), np_step(), float(torch_step())) for _ in range(5)]
    agree = max(max(abs(a - b), abs(a - c)) for a, b, c in losses)

    # whole runs of consecutive steps, rotating between the three: median and spread per step
    runs = whole_runs({"minigrad": mg_step, "numpy": np_step, "torch": torch_step}, repeats=5 if quick else 7,
                      calls=10 if quick else 30)
    t = {name: timing.median for name, timing in runs.items()}
    rows = [
        timed_row(SECTION, "train step vs hand-written NumPy", runs["minigrad"], "numpy", runs["numpy"], target=1.15,
                  note=which),
        timed_row(SECTION, "train step vs PyTorch CPU", runs["minigrad"], "torch", runs["torch"], target=1.3),
        Row(SECTION, "max |loss difference| in the first 5 steps (float32)", agree, "", target=1e-4, absolute=True),
    ]

    overhead = (t["minigrad"] - t["numpy"]) * 1e6
    text = [f"784-256-256-10 step: minigrad {t['minigrad'] * 1e3:.2f} ms, NumPy {t['numpy'] * 1e3:.2f} ms, "
            f"PyTorch {t['torch'] * 1e3:.2f} ms: minigrad {overhead:+.0f} µs over the NumPy floor.",
            overhead_report(quick)]

    # memory: peak (set-up + steps) and growth over 1,000 steps
    steps = 200 if quick else 1000
    mg_peak, mg_growth = _peak_and_growth(lambda: minigrad_trainer(weights, x, y)[0], steps)
    np_peak, np_growth = _peak_and_growth(lambda: numpy_trainer(weights, x, y), steps)
    mib = 1 / 2 ** 20
    rows += [
        Row(MEM_SECTION, "peak memory (model + Adam state + step)", mg_peak * mib, "MiB", "numpy", np_peak * mib,
            target=1.3),
        Row(MEM_SECTION, f"growth from step 10 to step {steps}", mg_growth / 1024, "KiB", "numpy",
            np_growth / 1024, target=100, absolute=True, compare=False),
        Row(MEM_SECTION, "objects per step left to the cycle collector", _cycle_garbage_per_step(mg_step), "",
            target=0, absolute=True),
    ]
    return rows, "\n".join(text)
