"""Figures for the lessons, saved as PNG with matplotlib.

* `loss_curves`        loss (and accuracy) per epoch, train against dev,
* `decision_boundary`  a 2-D classifier's regions with the data on top,
* `loss_contours`      a loss surface over two weights with optimizer paths on it
                       (normalization, momentum, RMSprop, Adam lessons),
* `grad_norm_history`  per-layer gradient norms over training, log scale, with the
                       vanishing (< 1e-7) and exploding (> 1e3) bands,
* `lines`              any named series against x (accuracy vs data size, loss vs time...),
* `bars`               named numbers as horizontal bars, optionally grouped,
* `images`             small grey-scale pictures in a grid, with titles or row labels.

Each function writes the PNG atomically (temporary file, then rename) and returns
its path. Figures are made with matplotlib's object API on an Agg canvas:
pyplot is never imported, so no global backend is switched and nothing is left
open in the caller's session.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from ..health import EXPLODING, EXPLODING_TEXT, VANISHING, VANISHING_TEXT
from ..fileio import atomic_open
from .term import host_array, predictions

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _figure(width: float = 6.4, height: float = 4.2) -> Any:
    """A matplotlib Figure on its own Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


_drawing = True  # False inside `not_drawn()`


@contextlib.contextmanager
def not_drawn() -> Iterator[None]:
    """Inside this block figures are built but neither rendered nor written; each function still returns its path.

    For checking a lesson's numbers quickly (``minigrad lesson N --check --no-pictures``):
    rendering and PNG encoding take about a quarter of a lesson's time, and no claim
    depends on them.
    """
    global _drawing
    before, _drawing = _drawing, False
    try:
        yield
    finally:
        _drawing = before


def drawing() -> bool:
    """False inside `not_drawn()`: figures are not being written."""
    return _drawing


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 100) -> str:
    """Write ``fig`` to ``path`` as PNG through a temporary file and a rename; return the path."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValueError(f"plots are written as PNG: {str(path)!r} should end in .png")
    if not _drawing:
        return str(target)
    with atomic_open(target) as f:
        fig.savefig(f, format="png", dpi=dpi)
    return str(target)


def _series(values: Any, default: str) -> dict[str, np.ndarray]:
    """A mapping name -> 1-D array from a mapping, one sequence, or None."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        items = values.items()
    else:
        items = [(default, values)]
    out = {}
    for name, v in items:
        arr = np.asarray(host_array(v), dtype=np.float64).ravel()
        if arr.size == 0:
            raise ValueError(f"{name!r}: an empty series has nothing to plot")
        out[str(name)] = arr
    return out


def loss_curves(losses: Mapping[str, Sequence[float]] | Sequence[float], path: str | os.PathLike,
                accuracy: Mapping[str, Sequence[float]] | Sequence[float] | None = None,
                title: str = "Training", xlabel: str = "epoch", log: bool = False) -> str:
    """Loss curves (``{"train": [...], "dev": [...]}`` or one list), accuracy on a second axis if given."""
    loss = _series(losses, "loss")
    if not loss:
        raise ValueError("loss_curves: no losses to plot")
    acc = _series(accuracy, "accuracy")
    fig = _figure()
    ax = fig.add_subplot()
    for (name, values), colour in zip(loss.items(), _COLOURS):
        ax.plot(np.arange(1, values.size + 1), values, color=colour, label=f"{name} loss" if acc else name)
    ax.set(title=title, xlabel=xlabel, ylabel="loss")
    if log:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if acc:
        ax2 = ax.twinx()
        for (name, values), colour in zip(acc.items(), _COLOURS):
            ax2.plot(np.arange(1, values.size + 1), values, color=colour, linestyle="--", label=f"{name} accuracy")
        ax2.set_ylabel("accuracy")
        ax2.set_ylim(0, 1.02)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
        # outside the axes: with a twin axis loc="best" only avoids the loss lines, so it hid the accuracy ones
        fig.legend(handles, labels, loc="outside lower center", ncols=len(loss), fontsize=8)
    else:
        ax.legend(handles, labels, loc="best", fontsize=8)
    return save_figure(fig, path)


def _scores(predict: Callable[[Any], Any], points: np.ndarray) -> np.ndarray:
    """Probability of class 1 (binary) or the class index (multi-class) at each point."""
    out = predictions(predict, points)
    if out.size == len(points):
        p = out.reshape(-1)
        if p.min() < 0 or p.max() > 1:  # logits
            p = 1.0 / (1.0 + np.exp(-np.clip(p, -500, 500)))
        return p
    return out.reshape(len(points), -1).argmax(axis=1).astype(np.float64)


def decision_boundary(predict: Callable[[Any], Any], X: Any, y: Any, path: str | os.PathLike,
                      title: str = "Decision boundary", resolution: int = 200, margin: float = 0.5) -> str:
    """Shade the regions ``predict`` assigns to each class over the range of ``X`` and scatter the data.

    ``predict`` takes an ``(n, 2)`` float32 array (or a Tensor; a model works) and gives
    probabilities, logits or class scores.
    """
    X = np.asarray(host_array(X), dtype=np.float64)
    y = host_array(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (n, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"decision_boundary: X has {len(X)} points but y has {len(y)} labels")
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    z = _scores(predict, grid).reshape(gx.shape)
    fig = _figure(5.6, 4.8)
    ax = fig.add_subplot()
    classes = np.unique(np.rint(y).astype(int))
    if len(classes) <= 2 and z.max() <= 1:
        filled = ax.contourf(gx, gy, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(gx, gy, z, levels=[0.5], colors="k", linewidths=1.5)
        fig.colorbar(filled, ax=ax, label="P(class 1)")
    else:
        ax.contourf(gx, gy, z, levels=np.arange(z.max() + 2) - 0.5, cmap="tab10", alpha=0.35)
    for k, colour in zip(classes, _COLOURS):
        mask = np.rint(y).astype(int) == k
        ax.scatter(X[mask, 0], X[mask, 1], s=14, color=colour, edgecolors="k", linewidths=0.4, label=f"class {k}")
    ax.set(title=title, xlim=(x0, x1), ylim=(y0, y1), xlabel="x1", ylabel="x2")
    ax.legend(loc="best", fontsize=8)
    return save_figure(fig, path)


def loss_contours(loss_fn: Callable[[np.ndarray, np.ndarray], Any], path: str | os.PathLike,
                  paths: Mapping[str, Any] | None = None, xlim: tuple[float, float] = (-2.0, 2.0),
                  ylim: tuple[float, float] = (-2.0, 2.0), levels: int = 30, log: bool = False,
                  title: str = "Loss surface", labels: tuple[str, str] = ("w1", "w2")) -> str:
    """Contours of ``loss_fn(w1, w2)`` with each optimizer's path ``(steps, 2)`` drawn on it.

    ``loss_fn`` is called with two meshgrid arrays (vectorised); a function of two
    floats also works (it is then called point by point).
    """
    g1, g2 = np.meshgrid(np.linspace(*xlim, 160), np.linspace(*ylim, 160))
    try:
        z = np.asarray(loss_fn(g1, g2), dtype=np.float64)
        vectorised = z.shape == g1.shape
    except Exception:  # any failure on whole grids: fall back to one point at a time (its errors do surface)
        vectorised = False
    if not vectorised:
        z = np.vectorize(lambda a, b: float(loss_fn(a, b)))(g1, g2)
    fig = _figure(5.6, 4.8)
    ax = fig.add_subplot()
    if log:
        z = np.log10(z - z.min() + 1e-12)
    ax.contour(g1, g2, z, levels=levels, cmap="viridis", linewidths=0.8)
    for (name, track), colour in zip((paths or {}).items(), _COLOURS):
        track = np.asarray(track, dtype=np.float64)
        if track.ndim != 2 or track.shape[1] != 2:
            raise ValueError(f"loss_contours: path {name!r} must have shape (steps, 2), got {track.shape}")
        ax.plot(track[:, 0], track[:, 1], "-o", color=colour, markersize=2.5, linewidth=1.2, label=name)
        ax.plot(track[-1, 0], track[-1, 1], "*", color=colour, markersize=10)
    ax.set(title=title + (" (log)" if log else ""), xlabel=labels[0], ylabel=labels[1], xlim=xlim, ylim=ylim)
    if paths:
        ax.legend(loc="best", fontsize=8)
    return save_figure(fig, path)


def grad_norm_history(history: Mapping[str, Sequence[float]], path: str | os.PathLike,
                      title: str = "Gradient norm per layer", xlabel: str = "step") -> str:
    """Each layer's gradient norm over training on a log axis, with the vanishing/exploding bands shaded."""
    series = _series(history, "grad norm")
    if not series:
        raise ValueError("grad_norm_history: no layers to plot")
    fig = _figure()
    ax = fig.add_subplot()
    colours = _layer_colours(len(series))
    positive = []
    for (name, values), colour in zip(series.items(), colours):
        shown = np.where(values > 0, values, np.nan)  # zeros cannot sit on a log axis
        ax.plot(np.arange(values.size), shown, color=colour, label=name, linewidth=1.2)
        positive.extend(v for v in shown if np.isfinite(v))
    lo = min([VANISHING / 10] + positive)
    hi = max([EXPLODING * 10] + positive)
    ax.set_yscale("log")
    ax.set_ylim(lo / 2, hi * 2)
    ax.axhspan(lo / 2, VANISHING, color="#2166ac", alpha=0.12, label=f"vanishing < {VANISHING_TEXT}")
    ax.axhspan(EXPLODING, hi * 2, color="#e31a1c", alpha=0.12, label=f"exploding > {EXPLODING_TEXT}")
    ax.set(title=title, xlabel=xlabel, ylabel="||grad||")
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="best", fontsize=7, ncol=2 if len(series) > 6 else 1)
    return save_figure(fig, path)


def _layer_colours(n: int) -> list:
    if n <= len(_COLOURS):
        return list(_COLOURS[:n])
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(i / max(1, n - 1)) for i in range(n)]


def _xy(name: str, values: Any) -> tuple[np.ndarray, np.ndarray]:
    """``ys`` (plotted at x = 1, 2, ...) or an ``(xs, ys)`` pair, as two float arrays of one length."""
    if isinstance(values, tuple) and len(values) == 2:
        xs, ys = (_series(v, name)[name] for v in values)
        if xs.size != ys.size:
            raise ValueError(f"{name!r}: {xs.size} x values but {ys.size} y values")
        return xs, ys
    ys = _series(values, name)[name]
    return np.arange(1, ys.size + 1, dtype=np.float64), ys


def lines(series: Mapping[str, Any], path: str | os.PathLike, *, xlabel: str = "", ylabel: str = "",
          title: str = "", logx: bool = False, logy: bool = False, markers: bool = False,
          hline: tuple[float, str] | None = None, ylim: tuple[float, float] | None = None,
          styles: Mapping[str, str] | None = None, colors: Mapping[str, str] | None = None) -> str:
    """One line per named series; each value is ``ys`` (x = 1, 2, ...) or an ``(xs, ys)`` pair.

    ``hline=(y, label)`` draws a dotted reference line (a target, the Bayes error);
    ``styles`` maps a series name to a matplotlib format such as ``"--"`` or ``"s:"``, ``colors``
    to a colour (give two series one colour and two styles to pair them).
    The legend sits outside the axes, so it never hides a curve.
    """
    if not series:
        raise ValueError("lines: no series to plot")
    fig = _figure(6.4, 4.4 + 0.2 * ((len(series) + 2) // 3))
    ax = fig.add_subplot()
    for (name, values), colour in zip(series.items(), _layer_colours(len(series))):
        xs, ys = _xy(str(name), values)
        fmt = (styles or {}).get(name, "-o" if markers else "-")
        ax.plot(xs, ys, fmt, color=(colors or {}).get(name, colour), label=str(name), markersize=4)
    if hline is not None:
        ax.axhline(hline[0], color="k", linestyle=":", linewidth=1, label=hline[1])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logx:
        ax.set_xscale("log")
        ticks = np.unique(np.concatenate([_xy(str(n), v)[0] for n, v in series.items()]))
        if ticks.size <= 10:  # a few data sizes: label exactly those, not 2x10^2, 3x10^2, ...
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.minorticks_off()
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    _legend_below(fig, len(series) + (hline is not None))
    return save_figure(fig, path)


def bars(values: Mapping[str, Any], path: str | os.PathLike, *, xlabel: str = "", title: str = "",
         logx: bool = False, colors: Sequence[str] | None = None, line: tuple[float, str] | None = None) -> str:
    """Horizontal bars, first name on top: ``{"loops": 12.5, ...}``, or grouped bars from
    ``{"A": {"precision": 0.8, "recall": 0.6}, ...}`` (one colour per inner name, with a legend).
    ``line=(x, label)`` draws a dashed reference line across the bars (a Bayes error, a budget).
    """
    if not values:
        raise ValueError("bars: nothing to plot")
    names = [str(k) for k in values]
    grouped = all(isinstance(v, Mapping) for v in values.values())
    inner = list(dict.fromkeys(k for v in values.values() for k in v)) if grouped else [None]
    fig = _figure(6.4, 0.9 + 0.45 * len(names) * max(1, len(inner) * 0.6))
    ax = fig.add_subplot()
    height = 0.8 / len(inner)
    for k, key in enumerate(inner):
        nums = [float(v.get(key, np.nan)) if grouped else float(v) for v in values.values()]
        if not grouped and any(not np.isfinite(x) for x in nums):
            raise ValueError(f"bars: values must be finite numbers, got {nums}")
        offset = (k - (len(inner) - 1) / 2) * height
        if grouped:
            colour = _COLOURS[k % len(_COLOURS)]
        else:
            colour = list(colors) if colors else _COLOURS[0]
        ax.barh(np.arange(len(names)) + offset, nums, height * 0.95, color=colour,
                label=str(key) if grouped else None)
    if line is not None:
        ax.axvline(line[0], color="k", linestyle="--", linewidth=1, label=line[1])
    ax.set_yticks(np.arange(len(names)), names)
    ax.invert_yaxis()  # first name on top, as it reads
    ax.set(title=title, xlabel=xlabel)
    if logx:
        ax.set_xscale("log")
    ax.grid(alpha=0.3, axis="x")
    if grouped or line is not None:
        _legend_below(fig, len(inner) * grouped + (line is not None))
    return save_figure(fig, path)


def _legend_below(fig: Any, entries: int) -> None:
    """The legend under the axes, in up to three columns: it never hides data or the title."""
    fig.legend(loc="outside lower center", ncols=min(3, max(1, entries)), fontsize=8)


def images(pictures: Sequence[Any], path: str | os.PathLike, *, columns: int = 6,
           shape: tuple[int, int] | None = None, titles: Sequence[str] | None = None,
           row_labels: Sequence[str] | None = None, title: str = "") -> str:
    """Grey-scale pictures (values in [0, 1]) in rows of ``columns``; a flat picture is reshaped to
    ``shape`` (default: square). ``titles`` label each picture, ``row_labels`` each row."""
    pics = [np.asarray(host_array(p), dtype=np.float64) for p in pictures]
    if not pics:
        raise ValueError("images: no pictures to show")
    if titles is not None and len(titles) != len(pics):
        raise ValueError(f"images: {len(pics)} pictures but {len(titles)} titles")
    rows = -(-len(pics) // columns)
    fig = _figure(6.4, 0.3 + 1.15 * rows)
    axes = np.asarray(fig.subplots(rows, columns, squeeze=False))
    for k, ax in enumerate(axes.flat):
        ax.set(xticks=[], yticks=[])
        if k >= len(pics):
            ax.set_axis_off()
            continue
        pic = pics[k]
        if pic.ndim == 1:
            side = shape or (int(round(np.sqrt(pic.size))),) * 2
            pic = pic.reshape(side)
        ax.imshow(pic, cmap="gray", vmin=0, vmax=1)
        if titles is not None:
            ax.set_title(titles[k], fontsize=7)
    for row, label in enumerate(row_labels or []):
        axes[row, 0].set_ylabel(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)
