"""GPU: minigrad on CuPy against PyTorch CUDA: MLP 784-256-256-10 Adam steps at batch 128 and 4096,
and at batch 4096 with hidden layers of 4096.

Runs only where CuPy sees a GPU; otherwise it says why it was skipped. GPU work is
asynchronous: each run of consecutive steps ends with a device synchronisation before
its clock stops (as a training loop waits only when it reads a number), and the runs
rotate between minigrad on the GPU, PyTorch CUDA and minigrad on the CPU.
"""
from __future__ import annotations

from typing import Any

from .common import Row, timed_row, whole_runs
from .mlp import SIZES, batch, initial_weights, minigrad_trainer, torch_trainer

SECTION = "GPU: MLP train step, float32, Adam (minigrad+CuPy vs PyTorch CUDA)"


def skip_reason() -> str | None:
    from minigrad.backend import DeviceError, check_device

    try:
        check_device("cuda")
    except DeviceError as exc:
        return str(exc)
    return None


def run(quick: bool = False, **_: Any) -> list[Row]:
    import cupy
    import torch

    torch_cuda = torch.cuda.is_available()

    def sync() -> None:
        cupy.cuda.Device().synchronize()
        if torch_cuda:
            torch.cuda.synchronize()

    rows = []
    cases = [(128, SIZES, 2.0), (4096, SIZES, 1.5), (4096, (784, 4096, 4096, 10), 1.15)]
    for size, sizes, target in cases[:2] if quick else cases:
        weights = initial_weights(sizes=sizes)
        x, y = batch(size, sizes=sizes)
        cands = {"gpu": minigrad_trainer(weights, x, y, device="cuda")[0]}
        if torch_cuda:
            cands["torch"] = torch_trainer(weights, x, y, device="cuda")
        if sizes == SIZES:
            cands["cpu"] = minigrad_trainer(weights, x, y)[0]
        t = whole_runs(cands, repeats=5, calls=20 if size == 128 else 5, warmup=3, finish=sync)
        shape = "-".join(map(str, sizes))
        rows.append(timed_row(SECTION, f"{shape}, batch {size}: train step vs PyTorch CUDA", t["gpu"],
                              "torch" if torch_cuda else "", t.get("torch"), target=target if torch_cuda else None,
                              note="" if torch_cuda else "torch has no CUDA here (CPU wheel)"))
        if "cpu" in t:
            rows.append(Row(SECTION, f"{shape}, batch {size}: minigrad CPU -> GPU speed-up",
                            t["cpu"].median / t["gpu"].median, "x"))
    return rows
