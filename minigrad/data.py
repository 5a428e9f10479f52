"""Synthetic data sets (as NumPy arrays), splits, mini-batches and standardisation.

Conventions, the same for every generator:

* each takes the number of examples ``n`` and a ``seed`` (an int or a
  ``numpy.random.Generator``) and is reproducible;
* ``X`` is float32 of shape (n, d): one example per row;
* binary sets give ``y`` float32 of shape (n, 1) (what a sigmoid output and
  binary cross-entropy expect); sets with more than two classes give ``y`` int64
  of shape (n,) (class ids for cross-entropy). A multi-class generator asked for
  two classes therefore returns the binary form.

The helpers (`split`, `train_dev_split`, `batches`, `Standardizer`, `blur`,
`darken`) accept NumPy arrays or Tensors and give back the kind they were given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np

from .backend import array_module, rng as _global_rng, to_device, to_numpy
from .tensor import Tensor

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


# -- tiny procedural images with attributes ----------------------------------------------------
SHAPES = ("circle", "square", "triangle", "cross")
ATTRIBUTES = ("blurry", "dark", "occluded", "mislabeled")
ATTRIBUTE_DTYPE = np.dtype([("shape", np.int64), ("true_label", np.int64), ("blurry", bool), ("dark", bool),
                            ("occluded", bool), ("mislabeled", bool)])


class Images(NamedTuple):
    """Images and what is known about each one.

    ``X``: float32 in [0, 1], (n, size*size) or (n, size, size). ``y``: the labels
    as given to the learner (possibly wrong). ``attrs``: a NumPy structured array
    (n,) with fields ``shape`` (index into ``classes`` of what was drawn),
    ``true_label`` (the correct label), ``blurry``, ``dark``, ``occluded``,
    ``mislabeled`` (bools). ``attrs[wrong]`` gives the attributes of misclassified
    examples, ready for `minigrad.diagnose.error_analysis`.
    """

    X: np.ndarray
    y: np.ndarray
    attrs: np.ndarray


def _as_images(X: Any) -> tuple[np.ndarray, tuple]:
    """(n, s, s) float images from flattened (n, s*s) or (n, s, s) input, plus the shape to give back."""
    arr = to_numpy(X).astype(np.float32, copy=False)
    if arr.ndim == 3 and arr.shape[1] == arr.shape[2]:
        return arr, arr.shape
    if arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side == arr.shape[1]:
            return arr.reshape(len(arr), side, side), arr.shape
    raise ValueError(f"images must be (n, s, s) or flattened square (n, s*s), got shape {arr.shape}")


def _per_image(value: Any, n: int) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64)
    if v.ndim == 0:
        return np.full(n, float(v))
    if v.shape != (n,):
        raise ValueError(f"need one value or one per image ({n}), got shape {v.shape}")
    return v


def blur(images: Any, sigma: Any = 1.2) -> Any:
    """Gaussian blur (edges repeated), one ``sigma`` for all images or one per image.

    Works on (n, s, s) or flattened (n, s*s) images and returns the same layout and kind.
    """
    imgs, layout = _as_images(images)
    sig = _per_image(sigma, len(imgs))
    if np.any(sig < 0):
        raise ValueError("sigma must be >= 0")
    radius = max(1, int(math.ceil(3 * sig.max()))) if sig.max() > 0 else 0
    if radius == 0:
        return _like(imgs.reshape(layout).copy(), images)
    offsets = np.arange(-radius, radius + 1)
    safe = np.where(sig > 0, sig, 1.0)[:, None]
    w = np.exp(-0.5 * (offsets[None, :] / safe) ** 2)
    w[sig == 0] = (offsets == 0)  # sigma 0: leave that image as it is
    w = (w / w.sum(axis=1, keepdims=True)).astype(np.float32)
    out = imgs
    for axis in (1, 2):  # separable: rows, then columns
        pad = [(0, 0)] * 3
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="edge")
        size = out.shape[axis]
        acc = np.zeros_like(out)
        for k in range(len(offsets)):
            window = padded[:, k:k + size, :] if axis == 1 else padded[:, :, k:k + size]
            acc += w[:, k, None, None] * window
        out = acc
    return _like(out.reshape(layout), images)


def darken(images: Any, factor: Any = 0.35) -> Any:
    """Multiply brightness by ``factor`` (one value or one per image): dim, low-contrast pictures."""
    imgs, layout = _as_images(images)
    f = _per_image(factor, len(imgs)).astype(np.float32)
    if np.any(f < 0):
        raise ValueError("factor must be >= 0")
    return _like((imgs * f[:, None, None]).reshape(layout), images)


def synthesize_phone(images: Any, seed: Any = 0, sigma: tuple[float, float] = (1.0, 1.6),
                     factor: tuple[float, float] = (0.25, 0.45)) -> Any:
    """Artificial data synthesis: make clean ("web") images look like "phone" ones (blurry and dark).

    Each image gets its own blur sigma and darkening factor drawn uniformly from the
    ranges. The course's caveat applies: synthesizing from a narrow range can make
    the network overfit to that range.
    """
    imgs, _ = _as_images(images)
    gen = _rng(seed)
    n = len(imgs)
    blurred = blur(to_numpy(images), gen.uniform(*sigma, n))
    return _like(darken(blurred, gen.uniform(*factor, n)), images)


def _draw_shapes(kinds: np.ndarray, size: int, noise: float, gen: np.random.Generator) -> np.ndarray:
    """Render one shape per image with anti-aliased edges: random centre, size, rotation and contrast."""
    n = len(kinds)
    col = lambda v: v[:, None, None]  # noqa: E731 - per-image parameters broadcast over the pixels
    cx, cy = (col(gen.uniform(0.38, 0.62, n) * size) for _ in range(2))
    r = col(gen.uniform(0.24, 0.34, n) * size)
    theta = col(gen.uniform(0, 2 * np.pi, n))
    grid = np.arange(size) + 0.5
    dx, dy = grid[None, None, :] - cx, grid[None, :, None] - cy
    u = np.cos(theta) * dx + np.sin(theta) * dy
    v = -np.sin(theta) * dx + np.cos(theta) * dy
    # signed distance (in pixels, negative inside) of every shape; pick each image's own below
    circle = np.sqrt(u ** 2 + v ** 2) - r
    square = np.maximum(np.abs(u), np.abs(v)) - 0.8 * r
    normals = [(np.cos(a), np.sin(a)) for a in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3)]
    triangle = np.max([nx * u + ny * v for nx, ny in normals], axis=0) - 0.55 * r
    w = 0.32 * r
    cross = np.minimum(np.maximum(np.abs(u) - r, np.abs(v) - w), np.maximum(np.abs(u) - w, np.abs(v) - r))
    distance = np.choose(col(kinds), [circle, square, triangle, cross])
    coverage = np.clip(0.5 - distance, 0.0, 1.0)
    background = col(gen.uniform(0.0, 0.2, n))
    foreground = col(gen.uniform(0.75, 1.0, n))
    img = background + (foreground - background) * coverage + gen.normal(0.0, noise, (n, size, size))
    return np.clip(img, 0.0, 1.0)


def _occlude(imgs: np.ndarray, which: np.ndarray, gen: np.random.Generator) -> None:
    """Cover part of the image centre with a grey rectangle (in place)."""
    n, size, _ = imgs.shape
    for i in np.flatnonzero(which):
        h, w = gen.integers(int(0.3 * size), int(0.45 * size) + 1, 2)
        top = gen.integers(int(0.2 * size), size - h - int(0.1 * size) + 1)
        left = gen.integers(int(0.2 * size), size - w - int(0.1 * size) + 1)
        imgs[i, top:top + h, left:left + w] = gen.uniform(0.3, 0.6)


def make_shapes(n: int = 1000, size: int = 16, classes: Sequence[str] = ("circle", "square", "triangle"),
                positive: str | None = None, p_blurry: float = 0.0, p_dark: float = 0.0,
                p_occluded: float = 0.0, p_mislabeled: float = 0.0, noise: float = 0.03,
                flatten: bool = True, seed: Any = 0) -> Images:
    """Tiny grey-scale pictures of shapes, with per-example attributes recorded in ``attrs``.

    Labels: class ids into ``classes`` (int64 (n,)), or binary float32 (n, 1) when
    ``classes`` has two entries (1 = the second) or when ``positive`` names the
    class to detect ("is this a circle?", the course's cat detector). Each
    example is independently blurry, dark, occluded or mislabeled with the given
    probabilities; mislabeled ones get a wrong label (flipped, or another class).
    """
    n = _check_n(n)
    size = _check_n(size, "size", minimum=6)
    classes = tuple(classes)
    unknown = [c for c in classes if c not in SHAPES]
    if unknown or len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError(f"classes must be two or more distinct names from {SHAPES}, got {classes}")
    if positive is not None and positive not in classes:
        raise ValueError(f"positive={positive!r} is not one of classes {classes}")
    for name, p in (("p_blurry", p_blurry), ("p_dark", p_dark), ("p_occluded", p_occluded),
                    ("p_mislabeled", p_mislabeled)):
        if not 0 <= p <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {p}")
    gen = _rng(seed)
    shape = gen.integers(0, len(classes), n)
    imgs = _draw_shapes(np.array([SHAPES.index(c) for c in classes])[shape], size, noise, gen)

    attrs = np.zeros(n, dtype=ATTRIBUTE_DTYPE)
    attrs["shape"] = shape
    attrs["occluded"] = gen.random(n) < p_occluded
    attrs["blurry"] = gen.random(n) < p_blurry
    attrs["dark"] = gen.random(n) < p_dark
    attrs["mislabeled"] = gen.random(n) < p_mislabeled
    # a camera's order: something in front of the object, then the lens blurs, then the light is poor
    _occlude(imgs, attrs["occluded"], gen)
    if attrs["blurry"].any():
        b = attrs["blurry"]
        imgs[b] = blur(imgs[b], gen.uniform(1.0, 1.6, int(b.sum())))
    if attrs["dark"].any():
        d = attrs["dark"]
        imgs[d] = darken(imgs[d], gen.uniform(0.25, 0.45, int(d.sum())))

    binary = positive is not None or len(classes) == 2
    if binary:
        target = classes.index(positive) if positive is not None else 1
        true = (shape == target).astype(np.int64)
        given = np.where(attrs["mislabeled"], 1 - true, true)
    else:
        true = shape.astype(np.int64)
        wrong = (true + gen.integers(1, len(classes), n)) % len(classes)  # any class but the true one
        given = np.where(attrs["mislabeled"], wrong, true)
    attrs["true_label"] = true
    X = imgs.reshape(n, size * size) if flatten else imgs
    return Images(X.astype(np.float32), _labels(given, 2 if binary else len(classes)), attrs)


def make_web_and_phone(n_web: int = 2000, n_phone: int = 500, size: int = 16,
                       classes: Sequence[str] = ("circle", "square", "triangle"), positive: str | None = None,
                       seed: Any = 0, **kwargs: Any) -> tuple[Images, Images]:
    """Two distributions of the same task, for the data-mismatch lessons: returns (web, phone).

    "web" images are clean; "phone" images (the ones the application will see) are
    all blurry and dark. Train on web + some phone, and put only phone images in
    dev/test: the train-dev set then separates variance from data mismatch.
    Extra keyword arguments (e.g. ``p_mislabeled``) go to both `make_shapes` calls.
    """
    gen = _rng(seed)
    web = make_shapes(n_web, size, classes, positive, seed=gen, **kwargs)
    phone = make_shapes(n_phone, size, classes, positive, p_blurry=1.0, p_dark=1.0, seed=gen, **kwargs)
    return web, phone


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


def _on_device(x: Any) -> bool:
    """True for a bare GPU (CuPy) array, which refuses np.asarray."""
    return hasattr(x, "__cuda_array_interface__") and not isinstance(x, Tensor)


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


__all__ = [
    "ATTRIBUTES", "ATTRIBUTE_DTYPE", "Images", "SHAPES", "Standardizer", "batches", "blur", "darken",
    "flip_labels", "gaussian_bayes_error", "make_blobs", "make_circles", "make_flower", "make_moons",
    "make_overlapping_gaussians", "make_parity", "make_shapes", "make_spirals", "make_web_and_phone", "make_xor",
    "one_hot", "split", "split_indices", "synthesize_phone", "train_dev_split",
]
