"""Timing helpers and the result table shared by every benchmark.

The machines these run on are noisy (shared cores), so every comparison runs the
competitors *interleaved in one process* (A, B, A, B, ...) and keeps the minimum of
several repeats: the minimum is the run least disturbed by other work, and
interleaving makes a slow period hit every competitor alike. Rounds are kept short
(a few milliseconds) so that many of them fit between the other workers' time slices. Ratios are what we
report; absolute times only say what this machine did today.
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Row:
    """One line of the table: minigrad's number beside a reference's and their ratio."""

    section: str
    name: str
    value: float | None              # minigrad's measurement, in `unit`
    unit: str
    reference: str = ""               # what it is compared with ("numpy", "torch", "micrograd", ...)
    ref_value: float | None = None
    target: float | None = None       # ratio (or absolute, see `absolute`) that must not be exceeded
    absolute: bool = False            # the target is on `value` itself (seconds), not on the ratio
    at_least: bool = False            # the target is a lower bound (speed-up wanted)
    note: str = ""
    compare: bool = True              # False: show the reference beside it, but no ratio (e.g. ~0 / ~0)

    @property
    def ratio(self) -> float | None:
        if not self.compare or self.value is None or not self.ref_value:
            return None
        return self.value / self.ref_value

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.value if self.absolute else self.ratio
        if measured is None:
            return None
        if self.at_least:
            return measured >= self.target
        return measured <= self.target


def interleaved(candidates: dict[str, Callable[[], object]], repeats: int = 5, number: int = 1,
                warmup: int = 1) -> dict[str, float]:
    """Seconds per call of each candidate: the fastest single call over ``repeats`` rounds.

    In each round every candidate in turn gets ``warmup`` untimed calls (so its data is
    back in the caches, as in a training loop where step follows step), then ``number``
    timed calls. Rounds alternate between candidates, so load on the machine falls on all
    of them. The garbage collector stays on (it is part of what a user pays) but a full
    collection runs before each candidate's turn, so one candidate's garbage is not
    charged to the next.
    """
    best = {name: float("inf") for name in candidates}
    clock = time.perf_counter
    for _ in range(repeats):
        for name, fn in candidates.items():
            gc.collect()
            for _ in range(warmup):
                fn()
            for _ in range(number):
                start = clock()
                fn()
                best[name] = min(best[name], clock() - start)
    return best


def _fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s" and value < 1e-3:
        return f"{value * 1e6:.1f} µs"
    if unit == "s" and value < 1:
        return f"{value * 1e3:.2f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "KiB":
        return f"{value:.1f} KiB"
    if unit in ("µs", "µs/node", "µs/op"):
        return f"{value:.2f} {unit}"
    return f"{value:.3g} {unit}"


def _fmt_target(row: Row) -> str:
    if row.target is None:
        return ""
    if row.absolute:
        return f"{'>=' if row.at_least else '<='} {_fmt_value(row.target, row.unit)}"
    return f"{'>=' if row.at_least else '<='} {row.target:g}x"


def format_table(rows: list[Row]) -> str:
    """The side-by-side table: minigrad | reference | ratio | target | met."""
    header = ("benchmark", "minigrad", "reference", "ratio", "target", "met")
    lines = []
    section = None
    body = []
    for row in rows:
        if row.section != section:
            section = row.section
            body.append(("## " + section,) + ("",) * 5)
        ref = f"{row.reference} {_fmt_value(row.ref_value, row.unit)}" if row.reference else ""
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        met = {True: "yes", False: "NO", None: ""}[row.met]
        name = row.name + (f"  ({row.note})" if row.note else "")
        body.append((name, _fmt_value(row.value, row.unit), ref, ratio, _fmt_target(row), met))
    widths = [max(len(r[i]) for r in body + [header]) for i in range(len(header))]
    widths[0] = min(widths[0], 70)

    def line(cells: tuple) -> str:
        if cells[0].startswith("## "):
            return cells[0][3:]
        return "  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    lines.append(line(header))
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines.extend(line(r) for r in body)
    return "\n".join(lines)
