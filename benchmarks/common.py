"""Timing helpers and the result table shared by every benchmark.

What a user waits for is a whole run with the interpreter's defaults, so every
measurement here is a run of consecutive calls timed as a whole: the garbage
collector stays as Python starts it (no ``gc.collect()`` between calls or runs) and
nothing keeps the fastest call. Competitors take turns run by run (A, B, C, then
B, C, A, ...) so a slow period on the shared machine hits them all, and the table
gives the median of the runs with their spread (lowest-highest). Ratios are what
carry over to another machine; absolute times only say what this one did today.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Timing:
    """Seconds per call over several whole runs: ``runs`` holds each run's time per call."""

    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)


def whole_runs(candidates: dict[str, Callable[[], object]], repeats: int = 5, calls: int = 10,
               warmup: int = 1, finish: Callable[[], object] | None = None) -> dict[str, Timing]:
    """Each candidate's time per call: ``repeats`` runs of ``calls`` consecutive calls, timed as a whole.

    ``warmup`` untimed calls per candidate come first, once (a training loop's first
    step builds buffers and warms caches: steady state is what a long run costs). The
    runs rotate between candidates. ``finish`` is called before each run's clock stops
    (a GPU synchronisation: asynchronous work counts where it is waited for).
    """
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
        if finish:
            finish()
    names = list(candidates)
    timings = {name: Timing() for name in names}
    clock = time.perf_counter
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn = candidates[name]
            start = clock()
            for _ in range(calls):
                fn()
            if finish:
                finish()
            timings[name].runs.append((clock() - start) / calls)
    return timings


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
    spread: str = ""                  # lowest-highest run of minigrad and of the reference (see timed_row)

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


def timed_row(section: str, name: str, mine: Timing, reference: str = "", ref: Timing | None = None,
              per: float = 1.0, unit: str = "s", **kwargs: object) -> Row:
    """A row from whole-run timings: the medians (divided by ``per``, e.g. ops per call), both spreads."""
    value = mine.median / per
    if unit != "s":
        scale, shown = 1.0, unit
    else:
        scale, shown = (1e6, "µs") if value < 1e-3 else (1e3, "ms") if value < 1 else (1.0, "s")
    text = f"{len(mine.runs)} runs: minigrad {_spread(mine, scale / per, shown)}"
    if ref is not None:
        text += f"; {reference} {_spread(ref, scale / per, shown)}"
    return Row(section, name, mine.median / per, unit, reference, ref.median / per if ref else None,
               spread=text, **kwargs)  # type: ignore[arg-type]


def _spread(t: Timing, scale: float, unit: str) -> str:
    return f"{t.low * scale:.3g}-{t.high * scale:.3g} {unit}"


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
    return f"{'>=' if row.at_least else '<='} {row.target:.3g}x"


def format_table(rows: list[Row]) -> str:
    """The side-by-side table: minigrad | reference | ratio | target | met, each row's notes under it."""
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
        body.append((row.name, _fmt_value(row.value, row.unit), ref, ratio, _fmt_target(row), met))
        if row.note:
            body.append(("    " + row.note,))
        if row.spread:
            body.append(("    spread (lowest-highest run): " + row.spread,))
    cells = [r for r in body if len(r) == len(header)] + [header]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(cells: tuple) -> str:
        if cells[0].startswith("## "):
            return cells[0][3:]
        if len(cells) == 1:  # a note under its row
            return "  " + cells[0]
        return "  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    lines.append(line(header))
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines.extend(line(r) for r in body)
    return "\n".join(lines)
