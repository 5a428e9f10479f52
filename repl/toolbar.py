"""The bottom toolbar: device, grad mode, current lesson and the last training loss, always in view."""
from __future__ import annotations

from .session import Session
from .style import fmt


def toolbar_items(session: Session) -> list[tuple[str, str]]:
    """(label, value) pairs, in the order they are drawn; plain data so it can be tested without a terminal."""
    from minigrad.autograd import is_grad_enabled
    from minigrad.backend import default_device

    loss = fmt(session.last_loss, 4) if session.last_loss is not None else "—"
    return [("device", default_device()), ("grad", "on" if is_grad_enabled() else "off (no_grad)"),
            ("lesson", session.lesson_title or "—"), ("loss", loss)]


def make_toolbar(session: Session):
    """A callable prompt-toolkit redraws on every keypress: style/text fragments."""

    def toolbar() -> list[tuple[str, str]]:
        fragments: list[tuple[str, str]] = []
        for label, value in toolbar_items(session):
            fragments.append(("class:bottom-toolbar", f" {label} "))
            fragments.append(("class:bottom-toolbar.value", f"{value} "))
            fragments.append(("class:bottom-toolbar", "│"))
        fragments.append(("class:bottom-toolbar", " :help  Ctrl-D quits "))
        return fragments

    return toolbar
