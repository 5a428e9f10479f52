"""The live view of ``:train``: one text frame (loss sparkline, gradient-norm bars, decision boundary,
dropout masks), redrawn in place on a terminal.

`frame` builds the text from plain numbers so it can be tested without a terminal;
`LiveView` prints frames, moving the cursor back up over the previous one.
"""
from __future__ import annotations

import shutil
import sys
from typing import Any, Callable, TextIO

from .style import fmt, paint


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


def frame(title: str, losses: list[float], norms: dict[str, float], width: int, height: int,
          heat: Callable[[int, int], str] | None = None, masks: list[tuple[str, Any]] | None = None,
          footer: str = "") -> list[str]:
    """The lines of one frame, fitted to ``width`` columns and at most ``height`` rows."""
    from minigrad.viz import term

    lines = [paint(line, "bold") for line in title.split("\n")]
    lines.append(term.sparkline(losses, width=width, label="loss", log=True))
    if norms:
        lines.extend(term.bars(norms, width=width, title="gradient norm per layer (last batch)").split("\n"))
    if masks:
        for name, mask in masks[:2]:
            lines.extend(term.dropout_mask(mask, width=width, max_rows=4, title=f"{name} mask").split("\n"))
    if heat is not None:
        room = height - len(lines) - (2 if footer else 1)
        if room >= 6:
            lines.append(paint("decision boundary (o = class 0, x = class 1, digits = classes 2+; a point on the wrong colour is a mistake)", "grey"))
            lines.extend(heat(width, room - 1).split("\n"))
    if footer:
        lines.append(paint(footer, "grey"))
    return lines[:height]


class LiveView:
    """Prints frames; on a terminal each new frame replaces the previous one."""

    def __init__(self, out: TextIO | None = None, in_place: bool | None = None):
        self.out = out or sys.stdout
        self.in_place = self.out.isatty() if in_place is None else in_place
        self._shown = 0

    def size(self) -> tuple[int, int]:
        columns, rows = shutil.get_terminal_size((100, 40))
        return max(40, min(columns, 120)), max(12, rows - 2)

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
