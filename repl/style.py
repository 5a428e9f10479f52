"""Terminal colours for the REPL's own output (ANSI codes; plain text when NO_COLOR is set or output is not a TTY).

Kept tiny and free of prompt-toolkit so scripted sessions (``minigrad < script``)
start fast and print clean text.
"""
from __future__ import annotations

import os
import sys

from minigrad.viz.arith import fmt  # noqa: F401 - the REPL's number format is the walk-through's

_CODES = {
    "bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34",
    "magenta": "35", "cyan": "36", "grey": "90",
}


def color_enabled(stream=None) -> bool:
    """Colour only on a terminal, and never when the NO_COLOR convention asks for plain text."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, *styles: str) -> str:
    """``text`` wrapped in the ANSI codes for ``styles`` (e.g. "bold", "green"), or unchanged without colour."""
    if not styles or not color_enabled():
        return text
    codes = ";".join(_CODES[s] for s in styles)
    return f"\x1b[{codes}m{text}\x1b[0m"


def operand(x: float) -> str:
    """A number as the right operand of a product: negatives in parentheses, ``0.5 × (-3)``."""
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text
