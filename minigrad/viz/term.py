"""Pictures made of characters, for the REPL (`:train`'s live view) and the lessons.

* `bars`         per-layer gradient norms on a log axis, with the vanishing (< 1e-7)
                 and exploding (> 1e3) bands marked,
* `sparkline`    a loss curve in one line,
* `heatmap`      a 2-D decision boundary with the data points drawn over it,
* `dropout_mask` which units a Dropout layer kept for each example.

Every function returns a string whose lines are exactly ``width`` characters wide
(ANSI colour codes not counted; ``width`` defaults to the terminal's). Colours are
on when writing to a terminal; ``color=False`` or the ``NO_COLOR`` environment
variable turn them off, and then the output is plain ASCII.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import sys
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..backend import to_numpy
from ..health import EXPLODING, EXPLODING_TEXT, RELATIVE_VANISHING, VANISHING, VANISHING_TEXT, classify, largest

MIN_WIDTH = 30
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# ANSI SGR codes
_GREEN, _BLUE, _RED, _MAGENTA, _CYAN, _DIM, _BOLD = "32", "34", "31", "35", "36", "2", "1"
_BANDS = {"vanishing": ("░", ".", _BLUE), "exploding": ("░", ":", _RED)}
_SPARK_UNICODE = "▁▂▃▄▅▆▇█"
_SPARK_ASCII = "_.-~=+*#"
# heatmap: background colours (256-colour palette) per class, confident then unsure
_CLASS_BG = ((33, 153), (196, 217), (34, 157), (214, 223), (129, 183), (244, 251))
# heatmap in ASCII: region characters per class, confident then unsure, and the point markers
_CLASS_CHARS = ((" ", "."), ("=", "-"), ("%", "*"), ("@", "~"), ("&", "-"), ("$", ","))
_MARKERS = "ox23456789"


# -- shared helpers ---------------------------------------------------------------------------------
def color_enabled(color: bool | None = None, stream: Any = None) -> bool:
    """Whether to use colours: ``color`` if given, else off under NO_COLOR, else on for a terminal."""
    if color is not None:
        return bool(color)
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal_width(width: int | None = None) -> int:
    """``width`` checked, or the terminal's width (80 when it cannot be told)."""
    if width is None:
        return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)
    if not isinstance(width, int) or width < MIN_WIDTH:
        raise ValueError(f"width must be an integer of at least {MIN_WIDTH} characters, got {width!r}")
    return width


def strip_ansi(text: str) -> str:
    """``text`` without colour codes: what the learner actually sees."""
    return _ANSI.sub("", text)


def _paint(text: str, code: str, on: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if on and text else text


def _runs(cells: Iterable[tuple[str, str | None]], on: bool) -> str:
    """Join (character, colour code) cells, one escape sequence per run of equal colour."""
    out, run, code = [], [], None
    for char, c in cells:
        if c != code and run:
            out.append(_paint("".join(run), code, on) if code else "".join(run))
            run = []
        run.append(char)
        code = c
    if run:
        out.append(_paint("".join(run), code, on) if code else "".join(run))
    return "".join(out)


def _fit(text: str, width: int) -> str:
    """Pad or cut plain text to exactly ``width`` characters."""
    return text[:width].ljust(width)


def fmt(x: float) -> str:
    """A number in at most ~9 characters: fixed point for ordinary sizes, scientific otherwise."""
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4f}"
    return f"{x:.2e}"


def host_array(x: Any) -> np.ndarray:
    """A NumPy array from a Tensor, a CuPy array, a NumPy array or a list of any of them (GPU values are
    copied to the host explicitly: CuPy refuses np.asarray)."""
    if isinstance(x, (list, tuple)) and any(hasattr(v, "numpy") or hasattr(v, "__cuda_array_interface__")
                                            for v in x):
        # a history of losses kept as Tensors or GPU scalars: np.asarray would refuse the GPU ones
        return np.asarray([host_array(v) for v in x])
    return to_numpy(x)


# -- gradient-norm bars ---------------------------------------------------------------------------------
def bars(values: Mapping[str, float] | Sequence[Any], width: int | None = None, color: bool | None = None,
         title: str | None = None, relative: bool = False) -> str:
    """Horizontal bars of per-layer gradient norms on a log axis.

    ``values`` maps layer names to norms (or is a list of ``(name, norm)`` pairs, or
    of norms). The left of the axis is shaded as the vanishing band (< 1e-7), the
    right as the exploding band (> 1e3); the flag column says VAN/EXP/NaN/ok, or ZERO for
    a gradient of exactly 0. ``relative=True`` (the layers of one model): a norm under
    `health.RELATIVE_VANISHING` of the largest one is VAN too.
    """
    width, on = terminal_width(width), color_enabled(color)
    items = _named(values)
    if not items:
        raise ValueError("bars: no values to show")
    reference = largest([v for _, v in items]) if relative else None
    logs = [math.log10(v) for _, v in items if math.isfinite(v) and v > 0]
    lo_exp = max(-30, min([-9] + [math.floor(x) for x in logs]))
    hi_exp = min(30, max([4] + [math.ceil(x) for x in logs]))
    name_w = min(max(len(n) for n, _ in items), max(6, width // 4))
    bar_w = width - name_w - 16  # name, space, bar, space, 9-char value, space, 4-char flag
    if bar_w < 8:
        raise ValueError(f"bars: width {width} leaves no room for the bars; use a larger width")

    def column(exp: float) -> int:
        return round((exp - lo_exp) / (hi_exp - lo_exp) * bar_w)

    van_col, exp_col = column(math.log10(VANISHING)), column(math.log10(EXPLODING))
    lines = [_fit(title, width)] if title else []
    for name, v in items:
        flag = classify(v, reference)
        filled = bar_w if flag == "non-finite" else (0 if v <= 0 else max(1, min(bar_w, column(math.log10(v)))))
        fill_char = ("█" if on else "#") if flag != "non-finite" else "?"
        fill_code = {"ok": _GREEN, "zero": _BLUE, "vanishing": _BLUE, "exploding": _RED, "non-finite": _MAGENTA}[flag]
        cells = [(fill_char, fill_code)] * filled
        for i in range(filled, bar_w):  # the empty part shows the bands
            band = "vanishing" if i < van_col else "exploding" if i >= exp_col else None
            cells.append((" ", None) if band is None else (_BANDS[band][0 if on else 1], _BANDS[band][2]))
        word = {"ok": "ok", "zero": "ZERO", "vanishing": "VAN", "exploding": "EXP", "non-finite": "NaN"}[flag]
        word = _paint(word.ljust(4), _BOLD + ";" + fill_code, on and flag != "ok") if flag != "ok" else word.ljust(4)
        lines.append(f"{_fit(name, name_w)} {_runs(cells, on)} {fmt(v)[:9]:>9} {word}")
    lines.append(" " * (name_w + 1) + _axis(lo_exp, hi_exp, bar_w) + " " * 15)
    band_key = (f"{'░' if on else '.'} vanishing < {VANISHING_TEXT}   {'░' if on else ':'} exploding > {EXPLODING_TEXT}"
                "   log scale")
    lines.append(_fit(" " * (name_w + 1) + band_key, width))
    if relative:
        lines.append(_fit(" " * (name_w + 1) + f"VAN also: under 1/{1 / RELATIVE_VANISHING:g} of the largest layer's",
                          width))
    return "\n".join(lines)


def _named(values: Mapping[str, float] | Sequence[Any]) -> list[tuple[str, float]]:
    if isinstance(values, Mapping):
        pairs = list(values.items())
    else:
        pairs = [(v if isinstance(v, tuple) else (f"layer {i + 1}", v)) for i, v in enumerate(values)]
    return [(str(n), float(v)) for n, v in pairs]


def _axis(lo_exp: int, hi_exp: int, bar_w: int) -> str:
    """Decade labels (1e-8, 1e-4, 1e0, ...) placed under their columns where they fit."""
    row = [" "] * bar_w
    span = hi_exp - lo_exp
    step = next(s for s in (1, 2, 3, 4, 5, 10, 20) if bar_w / span * s >= 6 or s == 20)
    for e in range(lo_exp + (-lo_exp) % step, hi_exp + 1, step):
        text = f"1e{e}"
        col = min(round((e - lo_exp) / span * bar_w), bar_w - len(text))
        if all(c == " " for c in row[max(0, col - 1):col + len(text) + 1]):
            row[col:col + len(text)] = text
    return "".join(row)


# -- sparkline ----------------------------------------------------------------------------------------------
def sparkline(values: Iterable[float], width: int | None = None, color: bool | None = None, label: str = "",
              log: bool = False) -> str:
    """One line: ``label``, the curve (resampled to fit) and the last and lowest value.

    ``log=True`` scales the curve logarithmically (loss curves that fall by decades).
    """
    width, on = terminal_width(width), color_enabled(color)
    data = host_array(list(values) if not hasattr(values, "shape") else values).astype(np.float64).ravel()
    left = f"{label} " if label else ""
    if data.size == 0:
        return _fit(left + "(no values yet)", width)
    finite = data[np.isfinite(data)]
    right = f" {fmt(float(data[-1]))}"
    if finite.size:
        right += f" min {fmt(float(finite.min()))}"
    spark_w = width - len(left) - len(right)
    if spark_w < 5:
        right = f" {fmt(float(data[-1]))}"
        spark_w = width - len(left) - len(right)
    if spark_w < 5:
        raise ValueError(f"sparkline: width {width} leaves no room for the curve; shorten the label")
    if data.size > spark_w:  # average consecutive buckets (a NaN in a bucket makes it NaN: it is not hidden)
        data = np.array([b.mean() for b in np.array_split(data, spark_w)])
    levels = _SPARK_UNICODE if on else _SPARK_ASCII
    shown = np.log10(np.where(data > 0, data, np.nan)) if log else data
    ok = np.isfinite(shown)
    lo, hi = (shown[ok].min(), shown[ok].max()) if ok.any() else (0.0, 0.0)
    chars = []
    for v, good in zip(shown, ok):
        if not good:  # nan/inf (or a non-positive value on a log scale) must not be hidden
            chars.append(("!", _RED))
        else:
            k = len(levels) // 2 if hi == lo else round((v - lo) / (hi - lo) * (len(levels) - 1))
            chars.append((levels[k], _CYAN))
    curve = _runs(chars, on)
    pad = " " * (spark_w - len(chars))
    return f"{left}{curve}{pad}{right}"


# -- decision-boundary heatmap ----------------------------------------------------------------------------------
def heatmap_key(classes: int = 2, color: bool | None = None) -> str:
    """What `heatmap`'s marks mean, for ``classes`` classes, as they are drawn (colours or characters)."""
    k = max(2, int(classes))
    points = ", ".join(f"{_MARKERS[i % len(_MARKERS)]} class {i}" for i in range(min(k, len(_MARKERS))))
    if color_enabled(color):
        regions = "the background is the class the model predicts there (paler where it is unsure)"
    else:
        regions = "regions: " + ", ".join(f"'{_CLASS_CHARS[i % len(_CLASS_CHARS)][0]}' class {i}"
                                          for i in range(min(k, len(_CLASS_CHARS))))
        regions += " ('" + "', '".join(c[1] for c in _CLASS_CHARS[:min(k, len(_CLASS_CHARS))]) + "' where unsure)"
    return f"decision boundary: {regions}; points: {points}; a point in another class's region is a mistake"


def heatmap(predict: Callable[[Any], Any] | Any, X: Any = None, y: Any = None, width: int | None = None,
            height: int | None = None, color: bool | None = None,
            bounds: tuple[float, float, float, float] | None = None) -> str:
    """The decision regions of a 2-D classifier with the data points drawn over them.

    ``predict`` maps an ``(n, 2)`` float32 array (or a Tensor of it) to probabilities
    ``(n,)``/``(n, 1)``, logits (turned into probabilities by a sigmoid), or ``(n, k)``
    class scores; it may also be a model. ``bounds`` = (xmin, xmax, ymin, ymax)
    defaults to the data's range plus a margin. Points are ``o`` (class 0), ``x``
    (class 1), digits beyond; a point on the wrong region is a mistake.
    """
    width, on = terminal_width(width), color_enabled(color)
    height = height if height is not None else max(8, min(24, width // 3))
    if not isinstance(height, int) or height < 3:
        raise ValueError(f"heatmap: height must be an integer of at least 3 rows, got {height!r}")
    points = None if X is None else host_array(X).astype(np.float64)
    if points is not None and (points.ndim != 2 or points.shape[1] != 2):
        raise ValueError(f"heatmap: X must have shape (n, 2), got {points.shape}")
    if bounds is None:
        if points is None or len(points) == 0:
            bounds = (-1.0, 1.0, -1.0, 1.0)
        else:
            (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
            mx, my = 0.1 * (x1 - x0) + 0.1, 0.1 * (y1 - y0) + 0.1
            bounds = (x0 - mx, x1 + mx, y0 - my, y1 + my)
    xmin, xmax, ymin, ymax = (float(b) for b in bounds)
    if not (xmax > xmin and ymax > ymin):
        raise ValueError(f"heatmap: bounds must be (xmin, xmax, ymin, ymax) with min < max, got {bounds}")
    xs = xmin + (np.arange(width) + 0.5) * (xmax - xmin) / width
    ys = ymax - (np.arange(height) + 0.5) * (ymax - ymin) / height  # row 0 is the top
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    classes, confident = _classify(predictions(predict, grid), width * height)
    classes, confident = classes.reshape(height, width), confident.reshape(height, width)
    marks: dict[tuple[int, int], int] = {}
    if points is not None:
        labels = np.zeros(len(points), dtype=int) if y is None else np.rint(host_array(y).reshape(-1)).astype(int)
        if len(labels) != len(points):
            raise ValueError(f"heatmap: X has {len(points)} points but y has {len(labels)} labels")
        cols = np.floor((points[:, 0] - xmin) / (xmax - xmin) * width).astype(int)
        rows = np.floor((ymax - points[:, 1]) / (ymax - ymin) * height).astype(int)
        for r, c, lab in zip(rows, cols, labels):
            if 0 <= r < height and 0 <= c < width:
                marks[(r, c)] = int(lab)
    lines = []
    for r in range(height):
        cells = []
        for c in range(width):
            k, sure = int(classes[r, c]), bool(confident[r, c])
            lab = marks.get((r, c))
            if on:  # the region is the background colour, a point a black letter on it
                bg = _CLASS_BG[k % len(_CLASS_BG)][0 if sure else 1]
                char = _MARKERS[lab % len(_MARKERS)] if lab is not None else " "
                cells.append((char, f"48;5;{bg};1;30"))
            else:
                cells.append((_MARKERS[lab % len(_MARKERS)] if lab is not None
                               else _CLASS_CHARS[k % len(_CLASS_CHARS)][0 if sure else 1], None))
        lines.append(_runs(cells, on))
    lines.append(_fit(f"x {xmin:.2g}..{xmax:.2g}  y {ymin:.2g}..{ymax:.2g}  o: class 0  x: class 1", width))
    return "\n".join(lines)


def predictions(predict: Any, points: np.ndarray) -> np.ndarray:
    """``predict(points)`` as a float64 NumPy array, without a graph; the points go in as a NumPy array or,
    if ``predict`` refuses one (a model wants a Tensor), as a minigrad Tensor. Shared with `plot`."""
    from ..autograd import no_grad

    with no_grad():
        try:
            out = predict(points)
        except (TypeError, AttributeError):
            from ..tensor import Tensor

            out = predict(Tensor(points))
    return host_array(out).astype(np.float64)


def _classify(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Class index and "confident" flag per point from probabilities, logits or class scores."""
    if scores.size == n:  # one number per point: binary
        p = scores.reshape(n)
        if np.nanmin(p) < 0 or np.nanmax(p) > 1:  # logits
            p = 1.0 / (1.0 + np.exp(-np.clip(p, -500, 500)))
        return (p >= 0.5).astype(int), np.abs(p - 0.5) >= 0.25
    scores = scores.reshape(n, -1)
    if np.nanmin(scores) < 0 or not np.allclose(scores.sum(axis=1), 1.0, atol=1e-3):  # logits: softmax
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores = e / e.sum(axis=1, keepdims=True)
    return scores.argmax(axis=1), scores.max(axis=1) >= 0.75


# -- dropout masks -------------------------------------------------------------------------------------------------
def dropout_mask(mask: Any, width: int | None = None, color: bool | None = None, max_rows: int = 8,
                 title: str = "dropout mask") -> str:
    """Which units were kept (█ / #) and dropped (· / .) for each example (one row each)."""
    width, on = terminal_width(width), color_enabled(color)
    m = host_array(mask)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2:
        raise ValueError(f"dropout_mask: expected a (examples, units) mask, got shape {m.shape}")
    kept = m != 0
    rate = float(kept.mean()) if kept.size else 0.0
    lines = [_fit(f"{title}: {int(kept.sum())}/{kept.size} kept ({rate:.0%}), rows = examples", width)]
    area = width - 5  # "  12 " row number column

    def cell(k: bool) -> tuple[str, str]:
        if on:
            return ("█", _GREEN) if k else ("·", _DIM + ";" + _RED)
        return ("#" if k else "."), None

    for i, row in enumerate(kept[:max_rows]):
        if row.size > area:  # more units than fit: the last column says "more to the right"
            cells = _runs((cell(k) for k in row[:area - 1]), on) + ">"
        else:
            cells = _runs((cell(k) for k in row), on) + " " * (area - row.size)
        lines.append(f"{i:>4} " + cells)
    if len(kept) > max_rows:
        lines.append(_fit(f"     ... {len(kept) - max_rows} more rows", width))
    return "\n".join(lines)
