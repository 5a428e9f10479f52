"""Per-op overhead on small tensors: 64x64 chains of add / mul / relu / sum, forward and backward.

On a 64x64 array the arithmetic itself takes about a microsecond, so these chains
measure what the engine adds around each op (recording the graph, walking it
back, accumulating gradients) against PyTorch's C++ autograd doing the same.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .common import Row, timed_row, whole_runs

SECTION = "small-op overhead: 64x64 chains, forward + backward, per op"
LENGTH = 100  # ops per chain


def chains(b: Any) -> dict[str, tuple[Callable[[Any], Any], int]]:
    """Chain builders (x -> last node) with the number of ops each one records."""

    def add(x: Any) -> Any:
        for _ in range(LENGTH):
            x = x + b
        return x

    def mul(x: Any) -> Any:
        for _ in range(LENGTH):
            x = x * b
        return x

    def relu(x: Any) -> Any:
        for _ in range(LENGTH):
            x = x.relu()
        return x

    def sum_(x: Any) -> Any:
        # one column sum of x and one add per link (summing the running total itself would overflow)
        y = b
        for _ in range(LENGTH // 2):
            y = y + x.sum(axis=0, keepdims=True)
        return y

    return {"add": (add, LENGTH), "mul": (mul, LENGTH), "relu": (relu, LENGTH), "sum (+ add)": (sum_, LENGTH)}


def run(quick: bool = False, **_: Any) -> list[Row]:
    import torch

    import minigrad as mg

    rs = np.random.default_rng(0)
    xd = rs.standard_normal((64, 64)).astype(np.float32)
    bd = (1 + 0.001 * rs.standard_normal((64, 64))).astype(np.float32)
    xm, bm = mg.Tensor(xd, requires_grad=True), mg.Tensor(bd, requires_grad=True)
    xt, bt = torch.tensor(xd, requires_grad=True), torch.tensor(bd, requires_grad=True)
    mine, theirs = chains(bm), chains(bt)

    rows = []
    repeats = 5 if quick else 7
    for name in mine:
        build_m, n_ops = mine[name]
        build_t, _ = theirs[name]

        def run_m() -> None:
            build_m(xm).sum().backward()
            xm.grad = bm.grad = None

        def run_t() -> None:
            build_t(xt).sum().backward()
            xt.grad = bt.grad = None

        t = whole_runs({"minigrad": run_m, "torch": run_t}, repeats=repeats, calls=10 if quick else 30)
        ops = n_ops + 1  # the final sum
        row = timed_row(SECTION, name, t["minigrad"], "torch", t["torch"], per=ops / 1e6, unit="µs/op", target=3.0)
        rows.append(row)
    return rows
