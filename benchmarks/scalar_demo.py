"""The scalar engine against micrograd on micrograd's own demo (demo.ipynb), as a user runs it.

Moons, 100 points; MLP 2-16-16-1 with ReLU; max-margin (hinge) loss plus 1e-4 L2;
plain SGD with the demo's learning-rate schedule 1.0 - 0.9 k/100. The loop is the
notebook's, line for line (NumPy arrays in, accuracy computed every step); only the
``from ... import`` lines differ. Both engines start from the same weights (micrograd's
``MLP`` built after ``random.seed(1337)``, copied into minigrad's) and see the same
data, so their losses must agree to 1e-9 at every step.

What a user waits for is the whole loop with the interpreter's defaults, so each run
is a fresh process (``python -m benchmarks.scalar_demo ENGINE STEPS gc|nogc``) that
times its whole loop once, the cyclic garbage collector left as Python starts it
(``gc``) or switched off for both engines before the loop (``nogc``: the cost of the
engine alone). The runs of the two engines alternate, and the table gives the median
and the spread (lowest-highest) of the repeats.
"""
from __future__ import annotations

import gc
import json
import random
import subprocess
import sys
import time
from typing import Any

import numpy as np

from .common import Row, Timing, timed_row

SECTION = "scalar engine: micrograd's demo loop (moons 100, MLP 2-16-16-1, whole loop, fresh process each)"
ENGINES = ("micrograd", "minigrad")


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's make_moons (same formula); ``y`` as the demo makes it: int -1/+1."""
    rs = np.random.RandomState(seed)
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                   np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X += rs.normal(scale=noise, size=X.shape)
    return X, y * 2 - 1


def demo_loop(Value: type, model: Any, X: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
    """The notebook's ``loss()`` and training loop, as written there, for either engine's Value."""

    def loss(batch_size: int | None = None) -> tuple[Any, float]:
        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        # forward the model to get scores
        scores = list(map(model, inputs))
        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        # forward
        total_loss, acc = loss()
        # backward
        model.zero_grad()
        total_loss.backward()
        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append(float(total_loss.data))
    return history


def models(engine: str) -> tuple[type, Any]:
    """``(Value, model)`` of one engine, the model holding micrograd's weights for ``random.seed(1337)``."""
    from micrograd import nn as micro_nn
    from micrograd.engine import Value as MicroValue

    random.seed(1337)
    theirs = micro_nn.MLP(2, [16, 16, 1])
    if engine == "micrograd":
        return MicroValue, theirs
    from minigrad import Value
    from minigrad.nn.scalar import MLP

    ours = MLP(2, [16, 16, 1])
    mine, source = ours.parameters(), theirs.parameters()
    if len(mine) != len(source):
        raise RuntimeError(f"minigrad.nn.scalar.MLP has {len(mine)} parameters, micrograd's {len(source)}")
    for p, q in zip(mine, source):
        p.data = float(q.data)
    return Value, ours


def child(engine: str, steps: int, collector: str) -> dict:
    """One fresh-process run: the whole loop timed once."""
    X, y = moons()
    Value, model = models(engine)
    if collector == "nogc":
        gc.disable()
    start, cpu = time.perf_counter(), time.process_time()
    losses = demo_loop(Value, model, X, y, steps)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "losses": losses}


def fresh_run(engine: str, steps: int, collector: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.scalar_demo", engine, str(steps), collector],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False, repeats: int | None = None, steps: int | None = None, **_: Any) -> list[Row]:
    repeats = repeats or (3 if quick else 5)
    steps = steps or (2 if quick else 5)
    rows = []
    max_diff = 0.0
    for collector, target, words in (("gc", 0.25, "default garbage collector (target: 4x faster)"),
                                     ("nogc", 1 / 1.5, "gc.disable() in both (target: 1.5x faster)")):
        times = {e: Timing() for e in ENGINES}
        cpu = {e: Timing() for e in ENGINES}
        for r in range(repeats):
            order = ENGINES if r % 2 == 0 else ENGINES[::-1]  # alternate who goes first
            results = {e: fresh_run(e, steps, collector) for e in order}
            for e in ENGINES:
                times[e].runs.append(results[e]["seconds"])
                cpu[e].runs.append(results[e]["cpu"])
            pairs = zip(results["minigrad"]["losses"], results["micrograd"]["losses"])
            max_diff = max([max_diff] + [abs(a - b) for a, b in pairs])
        speedup = times["micrograd"].median / times["minigrad"].median
        cpu_speedup = cpu["micrograd"].median / cpu["minigrad"].median
        rows.append(timed_row(SECTION, f"{steps} steps, {words}", times["minigrad"], "micrograd", times["micrograd"],
                              target=target, note=f"wall time {speedup:.1f}x faster (CPU time {cpu_speedup:.1f}x)"))
    rows.append(Row(SECTION, "max |loss difference| over all steps and runs", max_diff, "", target=1e-9,
                    absolute=True))
    return rows


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], int(sys.argv[2]), sys.argv[3])))
