"""Backward one node at a time in a notebook, in the same words as the REPL's ``:step``.

    s = viz.Stepper(L)      # shows the forward pass
    s.next()                # one node of backward: its gradient, the local rules, what it sends
    s.back(); s.finish()    # look again; run the rest (every .grad is then filled)
    s.widget()              # the same with buttons (needs ipywidgets, the "notebook" extra)

Like ``:step``, the graph's gradients are zeroed first, so what is shown is one fresh
pass and, at the end, exactly what ``.grad`` holds: as after ``zero_grad()`` and one
``backward()``.
"""
from __future__ import annotations

import html
import sys
from typing import Any

from .walk import Walk


class Shown(str):
    """Text that displays as itself: plain in a terminal, preformatted in a notebook."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f"<pre style='line-height:1.25'>{html.escape(str(self))}</pre>"


def _names_of_caller(depth: int) -> dict:
    """The notebook's (or calling code's) variables, so nodes are called what the learner called them."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "user_ns", None) is not None:
        return dict(shell.user_ns)
    frame = sys._getframe(depth)
    return {**frame.f_globals, **frame.f_locals}


class Stepper:
    """Walk backward through ``root``'s graph one node per `next` call (see the module docstring)."""

    def __init__(self, root: Any, namespace: dict | None = None):
        self.walk = Walk(root, namespace if namespace is not None else _names_of_caller(2))
        self.index = -1  # the step shown last; -1: only the forward pass so far

    @property
    def done(self) -> bool:
        return self.index + 1 >= self.walk.total

    def forward(self) -> Shown:
        """The forward pass: every node, inputs first, with its value."""
        return Shown("\n".join(self.walk.forward_text()))

    def next(self) -> Shown:
        """Backward one more node; after the last one, the summary of the inputs' gradients."""
        if self.index + 1 < len(self.walk.steps) or self.walk.advance():
            self.index += 1
            text = self.walk.step_text(self.index)
            if self.done:
                self.walk.finish()
                text = text + [""] + self.walk.summary_lines()
            return Shown("\n".join(text))
        return Shown("\n".join(self.walk.summary_lines()))

    def back(self) -> Shown:
        """The previous node again (backward itself is not undone: gradients stay as they are)."""
        self.index = max(self.index - 1, 0)
        return Shown("\n".join(self.walk.step_text(self.index))) if self.walk.steps else self.forward()

    def finish(self) -> Shown:
        """Run the rest of backward (every .grad filled) and show the summary."""
        self.walk.finish()
        self.index = len(self.walk.steps) - 1
        return Shown("\n".join(self.walk.summary_lines()))

    def _repr_html_(self) -> str:
        return self.forward()._repr_html_()

    def __repr__(self) -> str:
        return str(self.forward())

    def widget(self) -> Any:
        """Buttons for the notebook: ◀ back, next ▶, run to the end; the text below them."""
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError("Stepper.widget needs ipywidgets: pip install 'minigrad[notebook]' "
                              "(or call stepper.next() one cell at a time)") from None
        view = w.HTML(self._repr_html_())
        back, forward, end = w.Button(description="◀ back"), w.Button(description="next ▶"), \
            w.Button(description="run to the end")

        def show(text: Shown) -> None:
            view.value = text._repr_html_()
            forward.disabled = end.disabled = self.done

        back.on_click(lambda _: show(self.back()))
        forward.on_click(lambda _: show(self.next()))
        end.on_click(lambda _: show(self.finish()))
        return w.VBox([w.HBox([back, forward, end]), view])
