"""Checking hyper-parameters: one rule per name, shared by the optimizers' and schedules' constructors
and their ``load_state_dict`` (a checkpoint is untrusted input: lr "abc", -5 or three betas are refused).

Strings and booleans are mistakes, not numbers: ``lr="0.1"`` is refused rather than converted.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

_BOUNDS: dict[str, Callable[[float], bool]] = {
    ">= 0": lambda v: v >= 0, "> 0": lambda v: v > 0, ">= 1": lambda v: v >= 1,
    "in [0, 1)": lambda v: 0 <= v < 1, "in [0, 1]": lambda v: 0 <= v <= 1,
}


def number(owner: str, name: str, value: Any, bound: str) -> float:
    """``value`` as a float if it is a finite real number within ``bound`` (a key of ``_BOUNDS``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an int too large for a float
        v = math.inf
    if not (math.isfinite(v) and _BOUNDS[bound](v)):
        raise ValueError(f"{owner}: {name} must be {bound}, got {value!r}")
    return v


def whole(owner: str, name: str, value: Any, least: int = 0) -> int:
    """``value`` as an int if it is a whole number >= ``least`` (no strings, booleans or 2.5)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be a whole number >= {least}, got {value!r}")
    if value < least:
        raise ValueError(f"{owner}: {name} must be a whole number >= {least}, got {value!r}")
    return int(value)


def flag(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def betas(owner: str, name: str, value: Any) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {value!r}")
    if len(value) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {value!r}")
    return (number(owner, "beta1", value[0], "in [0, 1)"), number(owner, "beta2", value[1], "in [0, 1)"))


def _rule(bound: str) -> Callable[[str, str, Any], float]:
    return lambda owner, name, value: number(owner, name, value, bound)


RULES: dict[str, Callable[[str, str, Any], Any]] = {
    "lr": _rule(">= 0"), "weight_decay": _rule(">= 0"), "eps": _rule("> 0"),
    "momentum": _rule("in [0, 1)"), "alpha": _rule("in [0, 1)"), "dampening": _rule("in [0, 1]"),
    "nesterov": flag, "betas": betas,
}


def check_hyper(owner: str, values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The hyper-parameters ``values`` checked and converted (floats, a tuple of betas, a bool); raises
    TypeError/ValueError naming the first bad one. ``current`` holds the others, for rules across two."""
    checked = {name: RULES[name](owner, name, value) for name, value in values.items()}
    merged = {**(current or {}), **checked}
    if merged.get("nesterov") and not merged.get("momentum"):
        raise ValueError(f"{owner}: nesterov=True needs a momentum > 0")
    return checked
