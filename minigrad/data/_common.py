"""Helpers the data modules share: seeds, argument checks, label format, giving back the kind given."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import rng as _global_rng, to_device, to_numpy
from ..tensor import Tensor


# -- small shared helpers ----------------------------------------------------------------------
def _rng(seed: Any) -> np.random.Generator:
    """A Generator from an int seed, an existing Generator, or None (minigrad's global, reset by manual_seed)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return _global_rng()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be an int, a numpy.random.Generator or None, got {type(seed).__name__}")


def _check_n(n: Any, name: str = "n", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _like(values: np.ndarray, original: Any) -> Any:
    """``values`` as the kind ``original`` was: a Tensor on the same device, or the array itself."""
    if isinstance(original, Tensor):
        return Tensor(values, device=original.device)
    if _on_device(original):  # a bare CuPy array in, a CuPy array out
        return to_device(values, "cuda")
    return values


def _labels(y: np.ndarray, n_classes: int) -> np.ndarray:
    """The conventional label format: float32 (n, 1) for two classes, int64 (n,) for more."""
    if n_classes == 2:
        return y.astype(np.float32).reshape(-1, 1)
    return y.astype(np.int64).reshape(-1)


def _shuffled(X: np.ndarray, y: np.ndarray, gen: np.random.Generator, shuffle: bool) -> tuple:
    if not shuffle:
        return X, y
    order = gen.permutation(len(X))
    return X[order], y[order]


def one_hot(y: Any, n_classes: int | None = None) -> np.ndarray:
    """Class ids (n,) -> float32 one-hot rows (n, n_classes)."""
    ids = to_numpy(y).reshape(-1)
    if ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0):
        raise ValueError(f"one_hot needs non-negative integer class ids, got dtype {ids.dtype}")
    k = int(ids.max()) + 1 if n_classes is None else int(n_classes)
    if ids.size and ids.max() >= k:
        raise ValueError(f"class id {int(ids.max())} does not fit n_classes={k}")
    out = np.zeros((ids.size, k), dtype=np.float32)
    out[np.arange(ids.size), ids] = 1.0
    return out


def _on_device(x: Any) -> bool:
    """True for a bare GPU (CuPy) array, which refuses np.asarray."""
    return hasattr(x, "__cuda_array_interface__") and not isinstance(x, Tensor)
