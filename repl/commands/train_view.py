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


def frame(title: str, losses: list[float], norms: dict[str, float], width: int, height: int,
          heat: Callable[[int, int], str] | None = None, masks: list[tuple[str, Any]] | None = None,
          footer: str = "", dev_losses: list[float] | None = None, batches: int | None = None,
          classes: int = 2) -> list[str]:
    """The lines of one frame, each at most ``width`` columns wide and at most ``height`` rows in all.

    Every line must fit: the live view moves the cursor up by the number of lines it
    printed, and a line the terminal wraps would leave the old frame behind. ``norms``:
    each layer's gradient norm as the mean over the epoch's ``batches`` mini-batches.
    """
    from minigrad.viz import term

    lines = wrapped(title, width, "bold") if title else []
    label = "train loss" if dev_losses else "loss"
    lines.append(term.sparkline(losses, width=width, label=label, log=True))
    if dev_losses:
        lines.append(term.sparkline(dev_losses, width=width, label="dev loss  ", log=True))
    if norms:
        over = ("the epoch's only batch" if batches == 1 else f"mean of the epoch's {batches} batch norms"
                if batches else "mean over the epoch's batches")
        lines.extend(term.bars(norms, width=width, title=f"gradient norm per layer ({over})",
                               relative=True).split("\n"))
    if masks:
        for name, mask in masks[:2]:
            lines.extend(term.dropout_mask(mask, width=width, max_rows=4, title=f"{name} mask").split("\n"))
    footer_lines = wrapped(footer, width, "grey") if footer else []
    if heat is not None:
        key = wrapped(term.heatmap_key(classes), width, "grey")
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


def _pct(v: float | None) -> str:
    return "-" if v is None else "100%" if v == 1 else f"{v:.1%}"  # "100%": the dev line must fit 80 columns


def epoch_line(epoch: int, epochs: int, record: Any) -> str:
    """``epoch 3/10  loss 0.41  accuracy 85.0%``; with a dev set, train and dev side by side and the gap
    (train accuracy - dev accuracy, in points; dev loss - train loss for mse)."""
    if record.dev_loss is None:
        acc = f"  accuracy {_pct(record.train_acc)}" if record.train_acc is not None else ""
        return f"epoch {epoch}/{epochs}  loss {fmt(record.train_loss, 4)}{acc}"
    if record.train_acc is None:
        return (f"epoch {epoch}/{epochs}  train loss {fmt(record.train_loss, 3)}  dev loss {fmt(record.dev_loss, 3)}"
                f"  gap {fmt(record.gap, 3)}")
    return (f"epoch {epoch}/{epochs}  train loss {fmt(record.train_loss, 3)} acc {_pct(record.train_acc)}  "
            f"dev loss {fmt(record.dev_loss, 3)} acc {_pct(record.dev_acc)}  gap {100 * record.gap:.1f}%")


def _final(record: Any) -> str:
    if record.dev_loss is None:
        acc = f", accuracy {_pct(record.train_acc)}" if record.train_acc is not None else ""
        return f"loss {fmt(record.train_loss, 4)}{acc}"
    if record.train_acc is None:
        return f"train loss {fmt(record.train_loss, 4)}, dev loss {fmt(record.dev_loss, 4)}"
    return (f"train {_pct(record.train_acc)}, dev {_pct(record.dev_acc)} accuracy: "
            f"gap {100 * record.gap:.1f} points")


def summary_lines(model_name: str, done: int, this_run: dict, previous: dict | None, report: Any,
                  problem: str, stopped: bool) -> list[tuple[str, str]]:
    """The closing lines of :train as (text, style): what happened, the diagnosis, the comparison with
    the previous run, the model's mode."""
    lines: list[tuple[str, str]] = []
    record = this_run["record"]
    if problem:
        lines.append((f"stopped after {done} epoch(s): {problem}", "red"))
        lines.append((f"{model_name} keeps its parameters from before the step that failed", "red"))
    elif stopped:
        lines.append((f"stopped by Ctrl-C after {done} epoch(s): {model_name} keeps what it learned"
                      + (f" ({_final(record)})" if record else ""), "yellow"))
    else:
        lines.append((f"trained {done} epoch(s); final {_final(record)}", "green"))
    if report is not None:
        lines.append((f"dominant problem: {report.dominant} (train error {report.train_err:.1%}, "
                      f"dev error {report.dev_err:.1%}, Bayes error taken as 0: "
                      "diagnose.bias_variance_report)", "bold"))
        lines.extend((f"  - {action}", "") for action in report.actions[:2])
    before = previous["record"] if previous else None
    if record is not None and before is not None and before.gap is not None and record.gap is not None \
            and record.train_acc is not None and before.train_acc is not None:
        lines.append((f"previous run ({previous['settings']}): gap {100 * before.gap:.1f} points", "grey"))
        lines.append((f"this run     ({this_run['settings']}): gap {100 * record.gap:.1f} points", "grey"))
    lines.append((f"{model_name} is in eval mode now (dropout off, BatchNorm uses its running statistics); "
                  f"{model_name}.train() switches training mode back on. History: _train", "grey"))
    return lines
