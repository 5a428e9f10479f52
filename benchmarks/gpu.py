"""GPU: minigrad on CuPy against PyTorch CUDA, MLP 784-256-256-10 at batch 128 and 4096.

Runs only where CuPy sees a GPU; otherwise it says why it was skipped. GPU work is
asynchronous, so every timed call ends with a device synchronisation.
"""
from __future__ import annotations

from typing import Any, Callable

from .common import Row, interleaved
from .mlp import batch, initial_weights, minigrad_trainer, torch_trainer

SECTION = "GPU: MLP 784-256-256-10 train step (minigrad+CuPy vs PyTorch CUDA)"


def skip_reason() -> str | None:
    from minigrad.backend import DeviceError, check_device

    try:
        check_device("cuda")
    except DeviceError as exc:
        return str(exc)
    return None


def _synced(step: Callable[[], Any], sync: Callable[[], None]) -> Callable[[], None]:
    def call() -> None:
        step()
        sync()

    return call


def run(quick: bool = False, **_: Any) -> list[Row]:
    import cupy
    import torch

    torch_cuda = torch.cuda.is_available()
    rows = []
    weights = initial_weights()
    for size in (128, 4096):
        x, y = batch(size)
        cands = {
            "gpu": _synced(minigrad_trainer(weights, x, y, device="cuda")[0], cupy.cuda.Device().synchronize),
            "cpu": minigrad_trainer(weights, x, y)[0],
        }
        if torch_cuda:
            cands["torch"] = _synced(torch_trainer(weights, x, y, device="cuda"), torch.cuda.synchronize)
        t = interleaved(cands, repeats=3 if quick else 5, number=5 if size == 4096 else 20, warmup=3)
        rows.append(Row(SECTION, f"batch {size}: train step vs PyTorch CUDA", t["gpu"], "s",
                        "torch" if torch_cuda else "", t.get("torch"),
                        note="" if torch_cuda else "torch has no CUDA here (CPU wheel)"))
        rows.append(Row(SECTION, f"batch {size}: minigrad CPU -> GPU speed-up", t["cpu"] / t["gpu"], "x"))
    return rows
