"""Deep graphs: backward through a 100,000-op scalar chain and a 10,000-op tensor chain.

The point is that the engine's topological sort is iterative (no RecursionError,
no raised recursion limit) and that its cost per node stays flat. micrograd's
recursive sort is tried on the same scalar chain to show why that matters; the
tensor chain is compared with PyTorch on the same ops.
"""
from __future__ import annotations

import sys
import time
from typing import Any

from .common import Row, interleaved

SECTION = "deep graphs (backward only, µs per node)"


def scalar_chain(value_cls: type, n: int) -> Any:
    """x, x*a, x*a+b, ... : ``n`` ops alternating * and +, each node depending on the last."""
    x = value_cls(0.5)
    for i in range(n // 2):
        x = x * 0.99999
        x = x + 0.00001
    return x


def tensor_chain(x: Any, n: int) -> Any:
    y = x
    for i in range(n // 2):
        y = y * 0.9999
        y = y + 0.0001
    return y.sum()


def run(quick: bool = False, **_: Any) -> list[Row]:
    import numpy as np
    import torch
    from micrograd.engine import Value as MicroValue

    import minigrad as mg

    rows = []
    n = 100_000
    repeats = 2 if quick else 3

    # scalar: build a fresh chain each repeat, time backward only
    best = float("inf")
    for _ in range(repeats):
        root = scalar_chain(mg.Value, n)
        start = time.perf_counter()
        root.backward()
        best = min(best, time.perf_counter() - start)
        del root
    try:
        root = scalar_chain(MicroValue, n)
        root.backward()
        micro_note = "micrograd finished"
    except RecursionError:
        micro_note = f"micrograd: RecursionError (recursion limit {sys.getrecursionlimit()})"
    finally:
        root = None
    rows.append(Row(SECTION, f"scalar chain, {n:,} ops", best / n * 1e6, "µs/node", note=micro_note))

    # tensor chain: 10,000 ops on a 16x16 tensor, against torch
    m = 10_000
    data = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    xm = mg.Tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    pending: dict[str, Any] = {}

    def build(which: str) -> None:
        pending[which] = tensor_chain(xm if which == "minigrad" else xt, m)

    def backward(which: str) -> None:
        pending.pop(which).backward()

    # time only backward: build first (untimed), then run backward in the timed call
    best_m, best_t = float("inf"), float("inf")
    for _ in range(repeats):
        build("minigrad")
        t = interleaved({"minigrad": lambda: backward("minigrad")}, repeats=1, warmup=0)["minigrad"]
        best_m = min(best_m, t)
        build("torch")
        t = interleaved({"torch": lambda: backward("torch")}, repeats=1, warmup=0)["torch"]
        best_t = min(best_t, t)
    nodes = m + 1
    rows.append(Row(SECTION, f"tensor chain, {m:,} ops on 16x16", best_m / nodes * 1e6, "µs/node",
                    "torch", best_t / nodes * 1e6))
    return rows
