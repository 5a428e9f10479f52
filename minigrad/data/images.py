"""Tiny procedural images with attributes (shapes, web and phone pictures), blur and darken."""
from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..backend import to_numpy
from ._common import _check_n, _labels, _like, _rng

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
