"""Deep graphs: build and backpropagate a 100,000-op scalar chain and a 10,000-op tensor chain.

The point is that the engine's topological sort is iterative (no RecursionError,
no raised recursion limit) and that its cost per node stays flat. micrograd's
recursive sort is tried on the same scalar chain to show why that matters; the
tensor chain is compared with PyTorch on the same ops. Each run builds the chain and
calls backward, timed as a whole with the collector as Python starts it; the table
gives the median of the runs and their spread.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from .common import Row, timed_row, whole_runs

SECTION = "deep graphs (build + backward, µs per node)"


def scalar_chain(value_cls: type, n: int) -> Any:
    """x, x*a, x*a+b, ... : ``n`` ops alternating * and +, each node depending on the last."""
    x = value_cls(0.5)
    for _ in range(n // 2):
        x = x * 0.99999
        x = x + 0.00001
    return x


def tensor_chain(x: Any, n: int) -> Any:
    y = x
    for _ in range(n // 2):
        y = y * 0.9999
        y = y + 0.0001
    return y.sum()


def build_and_backward(build: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        build().backward()
    return run


def run(quick: bool = False, **_: Any) -> list[Row]:
    import numpy as np
    import torch
    from micrograd.engine import Value as MicroValue

    import minigrad as mg

    repeats = 3 if quick else 5

    # scalar: x * c + c' repeated; every op adds its result and its constant to the graph
    n = 100_000
    t = whole_runs({"minigrad": build_and_backward(lambda: scalar_chain(mg.Value, n))}, repeats=repeats, calls=1)
    nodes = len(mg.topological_order(scalar_chain(mg.Value, n)))
    try:
        scalar_chain(MicroValue, n).backward()
        micro_note = "micrograd finished"
    except RecursionError:
        micro_note = f"micrograd: RecursionError at recursion limit {sys.getrecursionlimit()}"
    rows = [timed_row(SECTION, f"scalar chain, {n:,} ops ({nodes:,} nodes)", t["minigrad"], per=nodes / 1e6,
                      unit="µs/node", note=micro_note)]

    # tensor: the same chain on a 16x16 tensor, against torch, alternating engines
    m = 10_000
    data = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    xm = mg.Tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    t = whole_runs({"minigrad": build_and_backward(lambda: tensor_chain(xm, m)),
                    "torch": build_and_backward(lambda: tensor_chain(xt, m))}, repeats=repeats, calls=1)
    nodes = m + 2  # the ops, the final sum and the leaf
    rows.append(timed_row(SECTION, f"tensor chain, {m:,} ops on 16x16", t["minigrad"], "torch", t["torch"],
                          per=nodes / 1e6, unit="µs/node"))
    return rows
