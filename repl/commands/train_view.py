"""The live view of ``:train``: one text frame (loss sparkline, gradient-norm bars, decision boundary,
dropout masks), redrawn in place on a terminal.

`frame` builds the text from plain numbers so it can be tested without a terminal;
`LiveView` prints frames, moving the cursor back up over the previous one.
"""
from __future__ import annotations

import shutil
import sys
from typing import Any, Callable, TextIO

from ..style import fmt, paint


def layer_grad_norms(model: Any) -> dict[str, float]:
    """‖grad‖ of each layer's parameters together (weight and bias of ``layers.0`` give one number)."""
    import numpy as np

    sums: dict[str, float] = {}
    for name, p in model.named_parameters():
        layer = name.rsplit(".", 1)[0] if "." in name else name
        if p.grad is None:
            continue
        g = p.grad.numpy().astype(np.float64)
        sums[layer] = sums.get(layer, 0.0) + float(np.sum(g * g))
    return {layer: s ** 0.5 for layer, s in sums.items()}


def dropout_masks(model: Any) -> list[tuple[str, Any]]:
    """(name, keep-mask of the last training batch) for each Dropout layer that has run."""
    found = []
    for name, module in model.named_modules():
        mask = getattr(module, "last_mask", None)
        if type(module).__name__ == "Dropout" and mask is not None:
            found.append((name or "dropout", mask))
    return found


def fit(line: str, width: int) -> str:
    """``line`` cut to ``width`` visible columns: a wrapped line would break the in-place redraw."""
    from minigrad.viz.term import strip_ansi

    plain = strip_ansi(line)
    if len(plain) <= width:
        return line
    return plain[: width - 1] + "…"


def wrapped(text: str, width: int, style: str | None = None) -> list[str]:
    """Plain ``text`` wrapped to ``width`` columns (each line painted with ``style``)."""
    import textwrap

    lines = []
    for part in text.split("\n"):
        lines.extend(textwrap.wrap(part, width, subsequent_indent="  ") or [""])
    return [paint(line, style) if style else line for line in lines]


HEAT_KEY = "decision boundary: o class 0, x class 1, 2-9 more classes; a point on the wrong colour is a mistake"


def frame(title: str, losses: list[float], norms: dict[str, float], width: int, height: int,
          heat: Callable[[int, int], str] | None = None, masks: list[tuple[str, Any]] | None = None,
          footer: str = "") -> list[str]:
    """The lines of one frame, each at most ``width`` columns wide and at most ``height`` rows in all.

    Every line must fit: the live view moves the cursor up by the number of lines it
    printed, and a line the terminal wraps would leave the old frame behind.
    """
    from minigrad.viz import term

    lines = wrapped(title, width, "bold")
    lines.append(term.sparkline(losses, width=width, label="loss", log=True))
    if norms:
        lines.extend(term.bars(norms, width=width, title="gradient norm per layer (last batch)").split("\n"))
    if masks:
        for name, mask in masks[:2]:
            lines.extend(term.dropout_mask(mask, width=width, max_rows=4, title=f"{name} mask").split("\n"))
    footer_lines = wrapped(footer, width, "grey") if footer else []
    if heat is not None:
        key = wrapped(HEAT_KEY, width, "grey")
        room = height - len(lines) - len(footer_lines) - len(key)
        if room >= 6:
            lines.extend(key)
            lines.extend(heat(width, room - 1).split("\n"))
    lines.extend(footer_lines)
    return [fit(line, width) for line in lines[:height]]


class LiveView:
    """Prints frames; on a terminal each new frame replaces the previous one."""

    def __init__(self, out: TextIO | None = None, in_place: bool | None = None):
        self.out = out or sys.stdout
        self.in_place = self.out.isatty() if in_place is None else in_place
        self._shown = 0

    def size(self) -> tuple[int, int]:
        columns, rows = shutil.get_terminal_size((80, 40))  # a pipe: 80 columns, like a plain terminal
        # leave the command line above and the closing message, prompt and toolbar below in view
        return max(40, min(columns, 120)), max(12, rows - 5)

    def show(self, lines: list[str]) -> None:
        text = "\n".join(lines)
        if self.in_place and self._shown:
            # up to the first line of the last frame, then clear to the end of the screen
            self.out.write(f"\x1b[{self._shown}F\x1b[J")
        self.out.write(text + "\n")
        self.out.flush()
        self._shown = len(lines)


def epoch_line(epoch: int, epochs: int, loss: float, accuracy: float | None) -> str:
    acc = f"  accuracy {accuracy:.1%}" if accuracy is not None else ""
    return f"epoch {epoch}/{epochs}  loss {fmt(loss, 4)}{acc}"
