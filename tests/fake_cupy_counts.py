"""The fake CuPy's tally of what a GPU would do: kernel launches, copies and host syncs (see tests/fake_cupy.py).

``with counting() as c: step()`` collects what ran inside the block; ``allow_synchronize(False)``
makes every sync inside its block raise `DeviceSynchronized`, as ``cupyx.allow_synchronize`` does.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class Counts:
    """Kernel launches, copies and syncs a GPU would make, tallied by the fake (see `counting`)."""

    def __init__(self) -> None:
        self.kernels = self.h2d = self.d2h = self.d2d = self.syncs = 0
        self.names: dict[str, int] = {}

    def kernel(self, name: str) -> None:
        self.kernels += 1
        self.names[name] = self.names.get(name, 0) + 1

    @property
    def copies(self) -> int:
        return self.h2d + self.d2h + self.d2d

    def __repr__(self) -> str:
        return (f"Counts(kernels={self.kernels}, h2d={self.h2d}, d2h={self.d2h}, d2d={self.d2d}, "
                f"syncs={self.syncs})")


_counts = [Counts()]  # the innermost counting() block's tally (a throw-away one outside any block)


class counting:  # noqa: N801 - used like a function: ``with counting() as c:``
    """``with counting() as c: step()``: what ran inside, in ``c.kernels``, ``c.copies``, ``c.syncs`` ..."""

    def __enter__(self) -> Counts:
        self.counts = Counts()
        _counts.append(self.counts)
        return self.counts

    def __exit__(self, *exc: Any) -> None:
        _counts.remove(self.counts)


def _kernel(name: str) -> None:
    _counts[-1].kernel(name)


class DeviceSynchronized(RuntimeError):
    """``cupyx.DeviceSynchronized``: the host waited for the device where that was disallowed."""


_sync_allowed = [True]


class allow_synchronize:  # noqa: N801 - cupyx's name
    """``cupyx.allow_synchronize(False)``: any sync inside the block raises `DeviceSynchronized`."""

    def __init__(self, allow: bool):
        self.allow = allow

    def __enter__(self) -> None:
        _sync_allowed.append(self.allow)

    def __exit__(self, *exc: Any) -> None:
        _sync_allowed.pop()


def _sync() -> None:
    if not _sync_allowed[-1]:
        raise DeviceSynchronized("device synchronization was detected while disallowed")
    _counts[-1].syncs += 1


def _to_host() -> None:
    """A device-to-host copy: the host waits for the device (a sync)."""
    _sync()
    _counts[-1].d2h += 1


def _launches(result: Any, sources: Any, name: str) -> None:
    """One kernel for ``name`` unless every array it returns is a view of an input (reshape, slice, ...)."""
    outs = [r for r in (result if isinstance(result, (tuple, list)) else (result,))
            if isinstance(r, (np.ndarray, np.generic))]
    ins = [a for a in _flat(sources) if isinstance(a, np.ndarray)]
    if outs and all(isinstance(o, np.ndarray) and any(np.may_share_memory(o, i) for i in ins) for o in outs):
        return
    if outs or result is None:
        _kernel(name)


def _flat(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flat(item)]
    if isinstance(x, dict):
        return _flat(list(x.values()))
    return [x]

