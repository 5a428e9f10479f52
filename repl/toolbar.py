"""The bottom toolbar: device, grad mode, current lesson and the last training loss, always in view."""
from __future__ import annotations

import shutil

from .session import Session
from .style import fmt

TAIL = " :help  Ctrl-D quits "


def toolbar_items(session: Session) -> list[tuple[str, str]]:
    """(label, value) pairs, in the order they are drawn; plain data so it can be tested without a terminal."""
    from minigrad.autograd import is_grad_enabled
    from minigrad.backend import default_device

    loss = fmt(session.last_loss, 4) if session.last_loss is not None else "—"
    return [("device", default_device()), ("grad", "on" if is_grad_enabled() else "off (no_grad)"),
            ("lesson", session.lesson_title or "—"), ("loss", loss)]


def fit_items(items: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    """Shorten the lesson's title (the only long value) so the whole toolbar fits ``width`` columns.

    The end of the lesson value (its block position, "· 6/16") is what changes, so the title is cut
    in the middle and that part kept.
    """
    used = sum(len(f" {label} {value} │") for label, value in items) + len(TAIL)
    over = used - width
    if over <= 0:
        return items
    out = []
    for label, value in items:
        if label == "lesson" and over > 0 and len(value) > 8:
            title, sep, position = value.rpartition(" · ")
            if not sep:
                title, position = value, ""
            keep = max(3, len(title) - over - 1)
            value = title[:keep].rstrip() + "…" + (f" · {position}" if position else "")
        out.append((label, value))
    return out


def make_toolbar(session: Session):
    """A callable prompt-toolkit redraws on every keypress: style/text fragments."""

    def toolbar() -> list[tuple[str, str]]:
        fragments: list[tuple[str, str]] = []
        width = shutil.get_terminal_size((80, 24)).columns
        for label, value in fit_items(toolbar_items(session), width):
            fragments.append(("class:bottom-toolbar", f" {label} "))
            fragments.append(("class:bottom-toolbar.value", f"{value} "))
            fragments.append(("class:bottom-toolbar", "│"))
        fragments.append(("class:bottom-toolbar", TAIL))
        return fragments

    return toolbar
