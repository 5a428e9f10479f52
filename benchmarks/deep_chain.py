"""Deep graphs: backward through a 100,000-op scalar chain and a 10,000-op tensor chain.

The point is that the engine's topological sort is iterative (no RecursionError,
no raised recursion limit) and that its cost per node stays flat. micrograd's
recursive sort is tried on the same scalar chain to show why that matters; the
tensor chain is compared with PyTorch on the same ops.
"""
from __future__ import annotations

import gc
import sys
import time
from typing import Any, Callable

from .common import Row

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


def backward_time(build: Callable[[], Any]) -> float:
    """Seconds for ``build()``'s root to backpropagate (the graph is built untimed)."""
    root = build()
    gc.collect()
    start = time.perf_counter()
    root.backward()
    return time.perf_counter() - start


def run(quick: bool = False, **_: Any) -> list[Row]:
    import numpy as np
    import torch
    from micrograd.engine import Value as MicroValue

    import minigrad as mg

    repeats = 2 if quick else 3

    # scalar: x * c + c' repeated; every op adds its result and its constant to the graph
    n = 100_000
    best = min(backward_time(lambda: scalar_chain(mg.Value, n)) for _ in range(repeats))
    nodes = len(mg.topological_order(scalar_chain(mg.Value, n)))
    try:
        backward_time(lambda: scalar_chain(MicroValue, n))
        micro_note = "micrograd finished"
    except RecursionError:
        micro_note = f"micrograd: RecursionError at recursion limit {sys.getrecursionlimit()}"
    rows = [Row(SECTION, f"scalar chain, {n:,} ops ({nodes:,} nodes)", best / nodes * 1e6, "µs/node",
                note=micro_note)]

    # tensor: the same chain on a 16x16 tensor, against torch, alternating engines
    m = 10_000
    data = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    xm = mg.Tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    best_m = best_t = float("inf")
    for _ in range(repeats):
        best_m = min(best_m, backward_time(lambda: tensor_chain(xm, m)))
        best_t = min(best_t, backward_time(lambda: tensor_chain(xt, m)))
    nodes = m + 2  # the ops, the final sum and the leaf
    rows.append(Row(SECTION, f"tensor chain, {m:,} ops on 16x16", best_m / nodes * 1e6, "µs/node",
                    "torch", best_t / nodes * 1e6))
    return rows
