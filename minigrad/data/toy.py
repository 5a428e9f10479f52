"""2-D toy sets (flower, moons, circles, spirals, xor, blobs, parity) and Gaussians whose Bayes error is known."""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Sequence

import numpy as np

from ..backend import to_numpy
from ._common import _check_n, _labels, _rng, _shuffled

# -- 2-D toy sets ------------------------------------------------------------------------------
def make_flower(n: int = 400, noise: float = 0.2, petals: int = 4, radius: float = 4.0, seed: Any = 1,
                shuffle: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower" (planar_utils.load_planar_dataset): two interleaved classes of petals.

    Class j takes angles t in [3.12 j, 3.12 (j+1)] (+ noise) and radius
    r = radius * sin(petals * t) (+ noise); the point is (r sin t, r cos t).
    No straight line separates the classes (logistic regression stays near 50%),
    a small tanh network separates them well. With the defaults (n=400, seed=1,
    shuffle=False) the points are exactly the course's ``X.T`` and ``Y.T``: it
    draws from NumPy's legacy RandomState in the same order, first class 0 then 1.
    """
    n = _check_n(n, minimum=2)
    if isinstance(seed, np.random.Generator):
        raise TypeError("make_flower takes an int seed (it uses the course's legacy RandomState stream)")
    state = np.random.RandomState(1 if seed is None else int(seed))
    X = np.zeros((n, 2))
    y = np.zeros(n)
    per_class = n // 2
    for j in range(2):
        start, stop = per_class * j, (per_class * (j + 1) if j == 0 else n)
        m = stop - start
        t = np.linspace(j * 3.12, (j + 1) * 3.12, m) + state.randn(m) * noise
        r = radius * np.sin(petals * t) + state.randn(m) * noise
        X[start:stop] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[start:stop] = j
    if shuffle:
        order = state.permutation(n)
        X, y = X[order], y[order]
    return X.astype(np.float32), _labels(y, 2)


def make_moons(n: int = 200, noise: float = 0.1, seed: Any = 0, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (sklearn's make_moons): class 0 the upper moon, class 1 the lower."""
    n = _check_n(n, minimum=2)
    gen = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    a_out = np.linspace(0, np.pi, n_out)
    a_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.c_[np.cos(a_out), np.sin(a_out)],
                        np.c_[1 - np.cos(a_in), 1 - np.sin(a_in) - 0.5]])
    y = np.r_[np.zeros(n_out), np.ones(n_in)]
    X = X + gen.normal(0.0, noise, X.shape) if noise else X
    X, y = _shuffled(X, y, gen, shuffle)
    return X.astype(np.float32), _labels(y, 2)


def make_circles(n: int = 300, noise: float = 0.05, factor: float = 0.8, seed: Any = 0,
                 shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles (sklearn's make_circles, used by the course's initialization exercise).

    Class 0 is the outer circle of radius 1, class 1 the inner one of radius ``factor``.
    """
    n = _check_n(n, minimum=2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    gen = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    a_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    a_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.c_[np.cos(a_out), np.sin(a_out)], factor * np.c_[np.cos(a_in), np.sin(a_in)]])
    y = np.r_[np.zeros(n_out), np.ones(n_in)]
    X = X + gen.normal(0.0, noise, X.shape) if noise else X
    X, y = _shuffled(X, y, gen, shuffle)
    return X.astype(np.float32), _labels(y, 2)


def make_spirals(n: int = 300, n_classes: int = 3, noise: float = 0.2, turns: float = 4.0, seed: Any = 0,
                 shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms (the CS231n spiral): linear models fail, small MLPs succeed.

    Arm k has radius r in [0, 1] and angle in [turns k, turns (k+1)] (+ Gaussian
    noise in radians). Two classes give binary labels, more give class ids.
    """
    n = _check_n(n, minimum=2)
    n_classes = _check_n(n_classes, "n_classes", minimum=2)
    gen = _rng(seed)
    sizes = [n // n_classes + (1 if k < n % n_classes else 0) for k in range(n_classes)]
    X_parts, y_parts = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(turns * k, turns * (k + 1), m) + gen.normal(0.0, noise, m)
        X_parts.append(np.c_[r * np.sin(t), r * np.cos(t)])
        y_parts.append(np.full(m, k))
    X, y = _shuffled(np.concatenate(X_parts), np.concatenate(y_parts), gen, shuffle)
    return X.astype(np.float32), _labels(y, n_classes)


def make_xor(n: int = 200, noise: float = 0.0, seed: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, label 1 where the two coordinates have different signs (XOR).

    ``noise`` jitters the points after labelling, so some cross the axes.
    """
    n = _check_n(n)
    gen = _rng(seed)
    X = gen.uniform(-1.0, 1.0, (n, 2))
    y = (X[:, 0] > 0) != (X[:, 1] > 0)
    if noise:
        X = X + gen.normal(0.0, noise, X.shape)
    return X.astype(np.float32), _labels(y, 2)


def make_blobs(n: int = 300, centers: int | Sequence[Sequence[float]] = 3, n_features: int = 2,
               cluster_std: float = 1.0, center_box: tuple[float, float] = (-10.0, 10.0),
               seed: Any = 0, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters (sklearn's make_blobs). ``centers``: how many, or their coordinates."""
    n = _check_n(n)
    gen = _rng(seed)
    if isinstance(centers, (int, np.integer)):
        k = _check_n(centers, "centers", minimum=2)
        C = gen.uniform(center_box[0], center_box[1], (k, n_features))
    else:
        C = np.asarray(centers, dtype=np.float64)
        if C.ndim != 2 or len(C) < 2:
            raise ValueError(f"centers must be a count >= 2 or a (k >= 2, d) array of coordinates, got shape {C.shape}")
        k = len(C)
    y = np.arange(n) % k
    X = C[y] + gen.normal(0.0, cluster_std, (n, C.shape[1]))
    X, y = _shuffled(X, y, gen, shuffle)
    return X.astype(np.float32), _labels(y, k)


def make_parity(n: int | None = None, n_bits: int = 4, seed: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """n-bit parity: X holds bits (0.0/1.0), y is 1 when an odd number of them are set.

    ``n=None`` gives every one of the 2**n_bits patterns once, in counting order;
    otherwise ``n`` random patterns. A classic that a shallow net needs many units for.
    """
    n_bits = _check_n(n_bits, "n_bits")
    if n is None:
        if n_bits > 24:
            raise ValueError(f"all 2**{n_bits} patterns would not fit in memory: pass n")
        codes = np.arange(2 ** n_bits)
        X = (codes[:, None] >> np.arange(n_bits - 1, -1, -1)) & 1
    else:
        X = _rng(seed).integers(0, 2, (_check_n(n), n_bits))
    y = X.sum(axis=1) % 2
    return X.astype(np.float32), _labels(y, 2)


# -- a set whose best possible error (Bayes error) is known exactly ----------------------------------
def gaussian_bayes_error(distance: float, positive_fraction: float = 0.5, label_noise: float = 0.0) -> float:
    """The lowest error any classifier can reach on `make_overlapping_gaussians` data.

    Two unit-variance Gaussians whose means are ``distance`` apart, priors
    pi1 = positive_fraction and pi0 = 1 - pi1. Along the line through the means,
    z ~ N(+-distance/2, 1); the Bayes rule says "positive" when z > t with
    t = ln(pi0/pi1) / distance, so the error is
    pi0 * (1 - Phi(t + d/2)) + pi1 * Phi(t - d/2).
    Flipping each label with probability p < 1/2 keeps that rule optimal and
    turns the error e into p + (1 - 2p) e.
    """
    if distance <= 0:
        raise ValueError(f"distance must be positive, got {distance}")
    if not 0 < positive_fraction < 1:
        raise ValueError(f"positive_fraction must be in (0, 1), got {positive_fraction}")
    if not 0 <= label_noise < 0.5:
        raise ValueError(f"label_noise must be in [0, 0.5), got {label_noise}")
    phi = NormalDist().cdf
    pi1, pi0 = positive_fraction, 1.0 - positive_fraction
    t = math.log(pi0 / pi1) / distance
    clean = pi0 * (1.0 - phi(t + distance / 2)) + pi1 * phi(t - distance / 2)
    return label_noise + (1.0 - 2.0 * label_noise) * clean


def flip_labels(y: Any, p: float, seed: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """Binary labels with each one flipped with probability ``p``; returns (noisy_y, flipped_mask)."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability in [0, 1], got {p}")
    labels = to_numpy(y)
    flipped = _rng(seed).random(labels.shape) < p
    return np.where(flipped, 1 - labels, labels).astype(labels.dtype), flipped


def make_overlapping_gaussians(n: int = 1000, distance: float = 2.0, n_features: int = 2,
                               positive_fraction: float = 0.5, label_noise: float = 0.0,
                               seed: Any = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Two overlapping Gaussian classes with a known Bayes error; returns (X, y, bayes_error).

    Class 0 ~ N(-distance/2 u, I) and class 1 ~ N(+distance/2 u, I) with u the unit
    diagonal (1, ..., 1)/sqrt(d); each label is drawn with P(y=1) = positive_fraction
    and then flipped with probability ``label_noise``. The returned Bayes error is
    exact (`gaussian_bayes_error`): no model can do better on average, which makes
    it the "human-level"/optimal reference of the bias-variance lessons.
    """
    n = _check_n(n)
    n_features = _check_n(n_features, "n_features")
    bayes = gaussian_bayes_error(distance, positive_fraction, label_noise)
    gen = _rng(seed)
    y = (gen.random(n) < positive_fraction).astype(np.float64)
    direction = np.ones(n_features) / math.sqrt(n_features)
    X = gen.standard_normal((n, n_features)) + np.outer((y - 0.5) * distance, direction)
    if label_noise:
        y, _ = flip_labels(y, label_noise, gen)
    return X.astype(np.float32), _labels(y, 2), bayes
