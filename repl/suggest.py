"""Python's "Did you mean" hint for NameError and AttributeError, for the REPL's short tracebacks.

Python 3.10 and 3.11 add the hint only when the interpreter itself prints a traceback;
`traceback.TracebackException`, which the REPL formats with, leaves it out until 3.12.
This is CPython's rule (a Levenshtein distance where a change of case costs half a
typo) so the REPL suggests exactly what ``python`` would.
"""
from __future__ import annotations

import sys
from types import TracebackType

MOVE_COST, CASE_COST = 2, 1
MAX_CANDIDATES, MAX_NAME = 750, 40  # CPython's limits: past them it offers nothing


def _distance(a: str, b: str) -> int:
    """Edit distance: insert or delete MOVE_COST, substitute MOVE_COST (CASE_COST when only the case differs)."""
    row = [j * MOVE_COST for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i * MOVE_COST
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else CASE_COST if ca.lower() == cb.lower() else MOVE_COST
            previous, row[j] = row[j], min(row[j] + MOVE_COST, row[j - 1] + MOVE_COST, previous + cost)
    return row[-1]


def _candidates(exc: BaseException, tb: TracebackType | None) -> list[str]:
    if isinstance(exc, AttributeError):
        try:
            names = dir(exc.obj)
        except Exception:  # noqa: BLE001 - an object whose __dir__ fails gets no hint
            return []
        return names if exc.name.startswith("_") else [n for n in names if not n.startswith("_")]
    if tb is None:
        return []
    while tb.tb_next is not None:  # the frame where the name was looked up
        tb = tb.tb_next
    frame = tb.tb_frame
    return [*frame.f_locals, *frame.f_globals, *frame.f_builtins]


def suggestion(exc: BaseException, tb: TracebackType | None) -> str | None:
    """The name Python would suggest for a NameError/AttributeError, or None."""
    if not isinstance(exc, (NameError, AttributeError)):
        return None
    wrong = getattr(exc, "name", None)
    if not isinstance(wrong, str) or len(wrong) > MAX_NAME:
        return None
    names = _candidates(exc, tb)
    if len(names) > MAX_CANDIDATES:
        return None
    best, best_distance = None, len(wrong)
    for name in names:
        if name == wrong:
            continue
        limit = min((len(name) + len(wrong) + 3) * MOVE_COST // 6, best_distance - 1)
        distance = _distance(wrong, name)
        if distance <= limit and (best is None or distance < best_distance):
            best, best_distance = name, distance
    return best


def with_hint(lines: list[str], exc: BaseException, tb: TracebackType | None) -> list[str]:
    """Formatted traceback ``lines`` with the hint added to the last one where this Python leaves it out."""
    if sys.version_info >= (3, 12) or not lines:
        return lines
    hint = suggestion(exc, tb)
    if hint is None:
        return lines
    last = lines[-1].rstrip("\n")
    return lines[:-1] + [f"{last}. Did you mean: '{hint}'?\n"]
