"""Gradient health: when is a gradient too small, too large or not a number. Decided here, once.

Every view that judges a gradient (`diagnose.Monitor`, ``:train``, ``:inspect``, the
graph colours, the terminal bars) asks `classify`, so they all use the same thresholds
and the same words:

* ``"ok"``, ``"zero"`` (exactly 0: no path carried any signal here, e.g. dead ReLUs),
  ``"vanishing"``, ``"exploding"``, ``"non-finite"`` (NaN or inf); None when there is
  no gradient to judge.
* Absolute thresholds (the course's): a norm below `VANISHING` moves the weights by
  nothing useful; above `EXPLODING` one SGD step throws them far away.
* A relative threshold: within one model, a layer whose gradient norm is below
  `RELATIVE_VANISHING` times the largest layer's learns that many times slower than
  it. A deep sigmoid net at its default init loses ~10,000x between its last and its
  first layer while every norm stays far above 1e-7: only this rule sees it.
  (Measured over 5 seeds on moons: healthy nets, tanh/Xavier and ReLU/He up to 20
  layers, keep every layer above 0.11 of the largest; sigmoid nets of 6 layers fall
  to 1e-4.)
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .backend import array_module

VANISHING = 1e-7  # absolute: a gradient norm below this moves the weights by nothing useful
EXPLODING = 1e3  # absolute: above this one step of SGD throws the weights far away
RELATIVE_VANISHING = 1e-2  # relative: a layer below this fraction of the model's largest layer norm
FLAGS = ("ok", "zero", "vanishing", "exploding", "non-finite")  # everything classify() can say


def limit(x: float) -> str:
    """A threshold as the views print it: ``1e-7``, ``1e3``, ``1/100`` (a fraction below 1 but not tiny)."""
    if 1e-3 <= x < 1:
        return f"1/{1 / x:g}"
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


VANISHING_TEXT, EXPLODING_TEXT, RELATIVE_TEXT = limit(VANISHING), limit(EXPLODING), limit(RELATIVE_VANISHING)


def norm(g: Any) -> float:
    """The L2 norm of a gradient in float64, as a Python float (NaN/inf anywhere: a non-finite result).

    ``g`` is a number, an array (NumPy or CuPy) or a Tensor; one number comes back to the host.
    """
    if isinstance(g, (int, float)):
        return abs(float(g))
    if hasattr(g, "requires_grad"):  # a Tensor: its array, wherever it lives
        g = g.data
    xp = array_module(g)
    with np.errstate(over="ignore", invalid="ignore"):
        g = g.astype(xp.float64, copy=False)
        return float(xp.sqrt((g * g).sum()))


def grad_norm(node: Any) -> float | None:
    """``|grad|`` of a Value, ``‖grad‖`` of a Tensor (or any object with ``.grad``); None when there is none."""
    g = getattr(node, "grad", None)
    return None if g is None else norm(g)


def largest(norms: Sequence[float | None]) -> float | None:
    """The largest finite norm of a model's layers (what the relative rule compares with)."""
    finite = [n for n in norms if n is not None and math.isfinite(n)]
    return max(finite) if finite else None


def relative(norm: float | None, reference: float | None) -> float | None:
    """``norm / reference`` when both are finite and the reference is positive, else None."""
    if norm is None or reference is None or not math.isfinite(norm) or not reference > 0 \
            or not math.isfinite(reference):
        return None
    return norm / reference


def classify(norm: float | None, reference: float | None = None) -> str | None:
    """One of `FLAGS` for a gradient norm, or None when there is no gradient.

    ``reference``: the largest layer norm of the same model (see `largest`); when given,
    a norm below ``RELATIVE_VANISHING * reference`` is "vanishing" too.
    """
    if norm is None:
        return None
    if not math.isfinite(norm):
        return "non-finite"
    if norm == 0:
        return "zero"
    if norm > EXPLODING:
        return "exploding"
    if norm < VANISHING:
        return "vanishing"
    ratio = relative(norm, reference)
    if ratio is not None and ratio < RELATIVE_VANISHING:
        return "vanishing"
    return "ok"


def classify_layers(norms: Sequence[float | None]) -> list[str | None]:
    """`classify` each layer's norm, the relative rule against the largest of them."""
    reference = largest(norms)
    return [classify(n, reference) for n in norms]


def why(norm: float | None, reference: float | None = None) -> str:
    """The reason behind `classify`'s word, e.g. "1/12000 of the largest layer's" or "< 1e-7"."""
    flag = classify(norm, reference)
    if flag in (None, "ok"):
        return ""
    if flag == "non-finite":
        return "NaN or inf"
    if flag == "zero":
        return "exactly 0: nothing reached it"
    if flag == "exploding":
        return f"> {EXPLODING:g}"
    if norm < VANISHING:  # type: ignore[operator]
        return f"< {VANISHING:g}"
    ratio = relative(norm, reference)
    return f"1/{1 / ratio:,.0f} of the largest layer's ({RELATIVE_VANISHING:g} is the limit)"


__all__ = ["EXPLODING", "EXPLODING_TEXT", "FLAGS", "RELATIVE_TEXT", "RELATIVE_VANISHING", "VANISHING", "VANISHING_TEXT",
           "classify", "classify_layers", "grad_norm", "largest", "limit", "norm", "relative", "why"]
