"""Loading: random splits (train/dev/test), mini-batches and standardisation."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..backend import array_module, to_device, to_numpy
from ..tensor import Tensor
from ._common import _check_n, _like, _on_device, _rng

# -- splits ------------------------------------------------------------------------------------
def _split_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    fr = [float(f) for f in fractions]
    if len(fr) < 2 or any(f < 0 for f in fr) or abs(sum(fr) - 1.0) > 1e-6:
        raise ValueError(f"fractions must be two or more non-negative numbers summing to 1, got {tuple(fractions)}")
    # every part but the first is rounded; the first (train) takes what is left
    rest = [int(round(f * n)) for f in fr[1:]]
    if sum(rest) > n:
        raise ValueError(f"fractions {tuple(fractions)} do not fit {n} rows")
    return [n - sum(rest)] + rest


def _random_parts(n: int, fractions: Sequence[float], seed: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """(mask of the first part's rows, index arrays of the other parts) of a random split.

    Only the small parts are drawn (without replacement, O(their size) memory); the
    first part is the rest, marked in a one-byte-per-row mask, so a 98/1/1 split of
    a million rows never builds a million-entry permutation.
    """
    sizes = _split_sizes(_check_n(n), fractions)
    gen = _rng(seed)
    small = gen.choice(n, size=n - sizes[0], replace=False) if n - sizes[0] else np.zeros(0, np.int64)
    first = np.ones(n, dtype=bool)
    first[small] = False
    bounds = np.cumsum([0] + sizes[1:])
    return first, [small[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _compress_rows(a: np.ndarray, keep: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """``a[keep]`` copied block by block: NumPy's own boolean indexing first builds an
    8-bytes-per-row index array, as big as the data itself for two float32 features."""
    out = np.empty((int(keep.sum()),) + a.shape[1:], dtype=a.dtype)
    filled = 0
    for start in range(0, len(a), block):
        rows = a[start:start + block][keep[start:start + block]]
        out[filled:filled + len(rows)] = rows
        filled += len(rows)
    return out


def split_indices(n: int, fractions: Sequence[float] = (0.98, 0.01, 0.01), seed: Any = 0) -> list[np.ndarray]:
    """Row indices of each part of the random split `split` makes (the first part in increasing order)."""
    first, rest = _random_parts(n, fractions, seed)
    return [np.flatnonzero(first)] + rest


def split(X: Any, y: Any = None, fractions: Sequence[float] = (0.98, 0.01, 0.01), seed: Any = 0,
          shuffle: bool = True) -> list:
    """Split rows into parts (train, dev, test by default 98/1/1); returns one (X, y) pair per part.

    With ``y=None`` each part is just its X. ``shuffle=False`` cuts consecutive
    blocks and returns *views*: nothing is copied (right for rows already in random
    order, like every generator's output here). ``shuffle=True`` picks the dev/test
    rows at random and copies each row exactly once into its part (train keeps the
    original order; `batches` shuffles it each epoch), so the extra memory is one
    copy of the data plus one byte per row. Tensors come back as Tensors.
    """
    Xa = to_numpy(X)
    n = len(Xa)
    ya = None if y is None else to_numpy(y)
    if ya is not None and len(ya) != n:
        raise ValueError(f"X has {n} rows but y has {len(ya)}")
    if shuffle:
        first, rest = _random_parts(n, fractions, seed)
        parts_X = [_compress_rows(Xa, first)] + [Xa[i] for i in rest]
        parts_y = None if ya is None else [_compress_rows(ya, first)] + [ya[i] for i in rest]
    else:
        sizes = _split_sizes(_check_n(n), fractions)
        bounds = np.cumsum([0] + sizes)
        parts_X = [Xa[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        parts_y = None if ya is None else [ya[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    if ya is None:
        return [_like(p, X) for p in parts_X]
    return [(_like(px, X), _like(py, y)) for px, py in zip(parts_X, parts_y)]


def train_dev_split(X: Any, y: Any = None, dev_fraction: float = 0.05, seed: Any = 0, shuffle: bool = True) -> list:
    """Hold out a "train-dev" set: same distribution as training, never trained on.

    Returns ``[(X_train, y_train), (X_train_dev, y_train_dev)]``. Its error minus
    the training error is variance; dev error minus train-dev error is data mismatch.
    """
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in (0, 1), got {dev_fraction}")
    return split(X, y, (1.0 - dev_fraction, dev_fraction), seed=seed, shuffle=shuffle)


# -- mini-batches ------------------------------------------------------------------------------
def batches(X: Any, y: Any = None, batch_size: int = 64, seed: Any = None, shuffle: bool = True,
            drop_last: bool = False) -> Iterator:
    """Yield mini-batches ``(X_batch, y_batch)`` (or just ``X_batch`` when y is None) for one epoch.

    The course's random_mini_batches: shuffle the rows once, cut them into
    ``batch_size`` pieces, the last one smaller unless ``drop_last``. Batches are
    the kind you passed: NumPy arrays stay arrays (views when shuffle=False, a copy
    of just that batch otherwise); Tensors give Tensors on the same device, which
    need no gradient. ``seed``: an int, a Generator, or None for minigrad's global
    generator (reset by ``mg.manual_seed``), so each epoch gets a new order.
    """
    batch_size = _check_n(batch_size, "batch_size")
    n = len(X)
    if y is not None and len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)}")
    order = _rng(seed).permutation(n) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        end = min(start + batch_size, n)
        index: Any = slice(start, end) if order is None else order[start:end]
        xb = _take(X, index)
        yield xb if y is None else (xb, _take(y, index))


def _take(a: Any, index: Any) -> Any:
    """Rows of an array or of a Tensor (a Tensor batch is a new leaf: the data needs no graph)."""
    if isinstance(a, Tensor):
        if not isinstance(index, slice):
            index = to_device(index, a.device)  # CuPy wants its index arrays on the GPU
        return Tensor._make(a.data[index], False, (), None, "")
    if _on_device(a):  # a bare CuPy array: np.asarray would refuse it, so index it where it lives
        return a[index if isinstance(index, slice) else to_device(index, "cuda")]
    return np.asarray(a)[index]


# -- standardisation ---------------------------------------------------------------------------
@dataclass
class Standardizer:
    """Rescale each feature to mean 0, standard deviation 1 using statistics of the *training* set.

    ``fit`` on train only, then ``transform`` train, dev and test with those same
    numbers (fitting on dev/test would leak them into training). A constant feature
    gets std 1 so it is centred, not divided by zero. Arrays in give arrays out;
    Tensors give Tensors (the transform is differentiable).
    """

    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    eps: float = 1e-8

    def fit(self, X: Any) -> "Standardizer":
        Xa = to_numpy(X).astype(np.float64)
        if Xa.ndim < 1 or len(Xa) == 0:
            raise ValueError(f"fit needs at least one row, got shape {Xa.shape}")
        self.mean = Xa.mean(axis=0)
        std = Xa.std(axis=0)
        self.std = np.where(std > self.eps, std, 1.0)
        return self

    def _check(self, X: Any) -> None:
        if self.mean is None:
            raise RuntimeError("Standardizer is not fitted: call fit(X_train) first")
        if tuple(X.shape[1:]) != self.mean.shape:
            raise ValueError(f"Standardizer was fitted on rows of shape {self.mean.shape}, got rows of shape "
                             f"{tuple(X.shape[1:])}")

    def _apply(self, X: Any, forward: bool) -> Any:
        X = X if isinstance(X, Tensor) or _on_device(X) else np.asarray(X)
        self._check(X)
        if _on_device(X):  # a bare CuPy array: the statistics go to its device, the result stays there
            dtype = X.dtype if X.dtype.kind == "f" else np.float32
            mean, std = to_device(self.mean.astype(dtype), "cuda"), to_device(self.std.astype(dtype), "cuda")
            X = array_module(X).asarray(X, dtype=dtype)
            return (X - mean) / std if forward else X * std + mean
        if isinstance(X, Tensor):
            dtype = X.dtype if X.dtype.kind == "f" else np.float32
            mean = self.mean.astype(dtype)
            std = self.std.astype(dtype)
            m, s = Tensor(mean, device=X.device), Tensor(std, device=X.device)
            return (X - m) / s if forward else X * s + m
        Xa = np.asarray(X)
        dtype = Xa.dtype if Xa.dtype.kind == "f" else np.float32
        out = (Xa - self.mean) / self.std if forward else Xa * self.std + self.mean
        return out.astype(dtype)

    def transform(self, X: Any) -> Any:
        return self._apply(X, forward=True)

    def inverse_transform(self, X: Any) -> Any:
        return self._apply(X, forward=False)

    inverse = inverse_transform

    def fit_transform(self, X: Any) -> Any:
        return self.fit(X).transform(X)
