"""The learner's part of a lesson: predict before a block runs, or fill in one line.

* A cell tagged ``predict`` holds one assignment, ``prediction = None  # your guess: ...``.
  ``:lesson`` asks for the guess there; in a notebook the learner edits the cell. A later
  cell calls :func:`reveal`, which says whether the guess was right (never failing a check).
* A cell tagged ``exercise`` ships with its solution; the line to fill in ends with the marker
  ``# ✎ fill in: <hint>``. :func:`blank_exercise` replaces the code of such lines by ``...``
  (keeping an assignment's target or a ``return``), which is what ``:lesson`` and
  ``--notebook`` show; the check after it fails until the line is right. ``--check`` runs
  the shipped solution.
"""
from __future__ import annotations

import ast
import re
from typing import Any

MARKER = re.compile(r"\s*(#\s*✎.*)$")


def blank_line(line: str) -> str:
    """One marked line with its code replaced by ``...`` (``x = ...``, ``return ...``); other lines unchanged."""
    m = MARKER.search(line)
    if not m:
        return line
    code = line[:m.start()]
    indent = code[:len(code) - len(code.lstrip())]
    stmt = code.strip()
    try:
        node = ast.parse(stmt).body[0]
    except (SyntaxError, IndexError):
        node = None
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        cut = stmt.index("=", (node.target if not isinstance(node, ast.Assign) else node.targets[-1]).end_col_offset)
        keep = stmt[:cut + 1]
        blank = f"{keep} ..."
    elif isinstance(node, ast.Return):
        blank = "return ..."
    else:
        blank = "..."
    return f"{indent}{blank}   {m.group(1)}"


def blank_exercise(text: str) -> str:
    """The exercise cell as the learner first sees it: every ``# ✎`` line blanked."""
    return "\n".join(blank_line(line) for line in text.split("\n"))


def has_blank(text: str) -> bool:
    """True when the text still holds a blanked ``...`` line (an exercise not done yet)."""
    return any(MARKER.search(line) and re.search(r"(^|=|return)\s*\.\.\.\s*$", line[:MARKER.search(line).start()])
               for line in text.split("\n"))


def reveal(prediction: Any, answer: Any, why: str = "", tol: float | None = None) -> bool | None:
    """Print how the learner's ``prediction`` compares with the ``answer``; True/False, or None when no guess.

    Strings compare without case and surrounding spaces; numbers within ``tol`` when given.
    A wrong guess is part of learning, never a failed check: this only prints.
    """
    reason = f" ({why})" if why else ""
    if prediction is None:
        print(f"answer: {answer!r}{reason}")
        return None
    if isinstance(prediction, str) and isinstance(answer, str):
        right = prediction.strip().lower() == answer.strip().lower()
    elif tol is not None and isinstance(prediction, (int, float)) and isinstance(answer, (int, float)):
        right = abs(prediction - answer) <= tol
    else:
        right = prediction == answer
    if right:
        print(f"you predicted {prediction!r}: right{reason}")
    else:
        print(f"you predicted {prediction!r}; the answer is {answer!r}{reason}")
    return right


def set_prediction(text: str, guess: str) -> str:
    """A ``predict`` cell with ``None`` replaced by the learner's typed guess (a Python literal, else a string)."""
    try:
        value = ast.literal_eval(guess.strip())
    except (ValueError, SyntaxError):
        value = guess.strip()
    return re.sub(r"=\s*None\b", f"= {value!r}", text, count=1)
