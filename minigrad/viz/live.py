"""Watching `minigrad.train.fit` learn: one figure updated in place in a notebook, text elsewhere.

    run = train.fit(model, X, y, epochs=200, dev=0.3, live=True)
    run.run()          # in Jupyter: one figure, redrawn as it trains; in a terminal: a line per epoch

The figure has three panels: train and dev loss per epoch (the gap between them is
variance), each layer's gradient norm for the last epoch (mean over its mini-batches)
coloured by `minigrad.health`'s verdict with the vanishing/exploding limits drawn in,
and, for 2-D inputs, the decision boundary over the training points.
"""
from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np

from .. import health
from ..backend import to_numpy

FLAG_COLOURS = {"ok": "#2ca02c", "zero": "#7f7f7f", "vanishing": "#1f77b4", "exploding": "#d62728",
                "non-finite": "#000000", None: "#cccccc"}
FLAG_COLOURS_CLASSES = ("#1f3b99", "#b2182b", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
MIN_SECONDS = 0.25  # redraw at most ~4 times a second: drawing must not slow training down


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a figure can be shown and updated in place)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def _loss_panel(ax: Any, run: Any) -> None:
    done = [r for r in run.history if r.complete]
    epochs = [r.epoch for r in done]
    ax.plot(epochs, [r.train_loss for r in done], color="#1f77b4", label="train")
    if any(r.dev_loss is not None for r in done):
        ax.plot(epochs, [r.dev_loss for r in done], color="#d62728", label="dev")
    ax.set(title=f"loss ({run.loss_name})", xlabel="epoch", xlim=(0.5, max(run.epochs, 1) + 0.5))
    if done and min(r.train_loss for r in done) > 0:
        ax.set_yscale("log")
    last = done[-1] if done else None
    if last is not None:
        text = f"epoch {last.epoch}/{run.epochs}: train {last.train_loss:.4g}"
        if last.dev_loss is not None:
            text += f", dev {last.dev_loss:.4g}"
        if last.gap is not None and last.dev_acc is not None:
            text += f"\naccuracy train {last.train_acc:.1%}, dev {last.dev_acc:.1%}: gap {last.gap:+.1%}"
        elif last.gap is not None:
            text += f"\ngap (dev - train loss) {last.gap:+.3g}"
        ax.text(0.98, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize=8)
    ax.legend(loc="lower left", fontsize=8)


def _gradient_panel(ax: Any, record: Any) -> None:
    names = list(record.grad_norms)
    norms = [record.grad_norms[n] for n in names]
    flags = [record.flags.get(n) for n in names]
    shown = [n if n is not None and math.isfinite(n) and n > 0 else health.VANISHING / 10 for n in norms]
    ax.barh(range(len(names)), shown, color=[FLAG_COLOURS.get(f, "#cccccc") for f in flags])
    ax.set_yticks(range(len(names)), [f"{n}  {f or ''}" for n, f in zip(names, flags)], fontsize=8)
    ax.invert_yaxis()  # the first layer on top, as in the model's repr
    ax.set_xscale("log")
    ax.axvline(health.VANISHING, color="#1f77b4", ls=":", lw=1)
    ax.axvline(health.EXPLODING, color="#d62728", ls=":", lw=1)
    reference = health.largest(norms)
    if reference:
        ax.axvline(reference * health.RELATIVE_VANISHING, color="#1f77b4", ls="--", lw=1)
    finite = [n for n in shown if n > 0]
    ax.set_xlim(min(finite + [health.VANISHING]) / 10, max(finite + [health.EXPLODING]) * 10)
    ax.set(title="‖grad‖ per layer (mean over the epoch's batches)",
           xlabel=f"norm (dotted: {health.VANISHING_TEXT} and {health.EXPLODING_TEXT} limits, "
                  f"dashed: {health.RELATIVE_TEXT} of the largest)")


def _boundary_panel(ax: Any, run: Any) -> None:
    X, y = to_numpy(run.X_train).astype(np.float64), to_numpy(run.y_train).reshape(-1)
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(x0, x1, 80), np.linspace(y0, y1, 80))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    out = to_numpy(run.predict(grid)).astype(np.float64)
    if out.ndim == 2 and out.shape[1] > 1:
        z = out.argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, z, levels=np.arange(out.shape[1] + 1) - 0.5, cmap="tab10", alpha=0.35)
    else:
        z = out.reshape(gx.shape)
        if run.loss_name == "bce" and (z.min() < 0 or z.max() > 1):
            z = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
        ax.contourf(gx, gy, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(gx, gy, z, levels=[0.5], colors="k", linewidths=1)
    for k, colour in zip(np.unique(np.rint(y).astype(int)), FLAG_COLOURS_CLASSES):
        mask = np.rint(y).astype(int) == k
        ax.scatter(X[mask, 0], X[mask, 1], s=12, color=colour, edgecolors="white", linewidths=0.5, label=f"class {k}")
    ax.legend(loc="lower right", fontsize=7)
    ax.set(title="decision boundary (training points)", xlim=(x0, x1), ylim=(y0, y1))


def figure(run: Any) -> Any:
    """The training figure of a `Fit` as it stands now (a matplotlib Figure, no pyplot)."""
    from .plot import _figure

    two_d = run.X_train.ndim == 2 and run.X_train.shape[1] == 2
    fig = _figure(13.5 if two_d else 9.5, 3.8)
    axes = fig.subplots(1, 3 if two_d else 2)
    _loss_panel(axes[0], run)
    last = run.history[-1] if run.history else None
    if last is not None:
        _gradient_panel(axes[1], last)
    if two_d:
        _boundary_panel(axes[2], run)
    if last is not None and last.problem:
        fig.suptitle(f"stopped: {last.problem}", color="#d62728", fontsize=9)
    return fig


def text_line(run: Any, record: Any) -> str:
    """One line per epoch for a terminal: losses, accuracies, the gap and the flagged layers."""
    parts = [f"epoch {record.epoch}/{run.epochs}"]
    if record.train_loss is not None:
        parts.append(f"train loss {record.train_loss:.4g}" + (f" acc {record.train_acc:.1%}"
                                                               if record.train_acc is not None else ""))
    if record.dev_loss is not None:
        parts.append(f"dev loss {record.dev_loss:.4g}" + (f" acc {record.dev_acc:.1%}"
                                                           if record.dev_acc is not None else ""))
    if record.gap is not None and record.dev_acc is not None:
        parts.append(f"gap {record.gap:+.1%}")
    flagged = [f"{name} {flag}" for name, flag in record.flags.items() if flag not in (None, "ok")]
    if flagged:
        parts.append("gradients: " + ", ".join(flagged))
    if record.problem:
        parts.append(f"stopped: {record.problem}")
    return "  ".join(parts)


class LiveView:
    """Draws a `Fit` after its epochs: a figure updated in place in Jupyter, else a line per epoch.

    ``every``: in text mode, print every this many epochs (and always the last, and any
    epoch that stopped training). The figure is redrawn at most every `MIN_SECONDS`, and
    once more at the end so the last picture is the final state, never a stale one.
    """

    def __init__(self, run: Any, every: int | None = None, notebook: bool | None = None, out: Any = None):
        self.run, self.notebook = run, in_notebook() if notebook is None else notebook
        self.every = every or max(1, run.epochs // 20)
        self.out = out or sys.stdout
        self._handle, self._drawn_at, self._last_drawn = None, 0.0, None

    def update(self, record: Any) -> None:
        last = record.epoch == self.run.epochs or not record.complete
        if self.notebook:
            if last or time.monotonic() - self._drawn_at >= MIN_SECONDS:
                self._draw(record)
        elif last or record.epoch % self.every == 0 or record.epoch == 1:
            print(text_line(self.run, record), file=self.out, flush=True)

    def close(self) -> None:
        """Draw the final state if the last update was skipped (training stopped between redraws)."""
        if self.notebook and self.run.history and self._last_drawn is not self.run.history[-1]:
            self._draw(self.run.history[-1])

    def _draw(self, record: Any) -> None:
        import io

        from IPython.display import Image, display

        buffer = io.BytesIO()  # PNG bytes: shown the same whatever matplotlib backend the kernel has
        figure(self.run).savefig(buffer, format="png", dpi=80)
        picture = Image(data=buffer.getvalue(), format="png")
        if self._handle is None:
            self._handle = display(picture, display_id=True)
        else:
            self._handle.update(picture)
        self._drawn_at, self._last_drawn = time.monotonic(), record
