"""How a graph picture looks: |grad| colours and flags, box text, the legend.

Colour encodes the size of the gradient, ``|grad|`` for a scalar and the L2 norm
``‖grad‖`` for a tensor, on a log scale from 1e-7 (cool) to 1e3 (warm). Gradients
below 1e-7 (vanishing), above 1e3 (exploding) or not finite (nan/inf) get their own
loud styles and a word in the box; a gradient left by another backward pass
(stale) is shown but not coloured, so nothing in the picture is judged by it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import to_numpy
from ..health import (  # noqa: F401 - one judge
    EXPLODING, EXPLODING_TEXT, RELATIVE_VANISHING, VANISHING, VANISHING_TEXT, classify, grad_norm, why)
from .names import is_tensor, small_array
from .term import fmt

FONT = "Helvetica"
SMALL = 6  # tensors with at most this many elements show every value and gradient
# colour stops of the |grad| ramp, position 0 = VANISHING (1e-7) ... 1 = EXPLODING (1e3) (log10 scale)
_RAMP = ((0.0, (0x9E, 0xCA, 0xE1)), (0.35, (0xA1, 0xD9, 0x9B)), (0.7, (0xFF, 0xF3, 0x8A)), (1.0, (0xFD, 0x8D, 0x3C)))
# the powers of ten the legend's ramp shows: every second one from limit to limit (1e-7, 1e-5, ..., 1e3)
_RAMP_EXPONENTS = range(round(math.log10(VANISHING)), round(math.log10(EXPLODING)) + 1, 2)
# node style per gradient flag (health.classify's words): fill, border colour, border width, font colour, the word
FLAG_STYLES = {
    # exactly 0 is not "small": nothing reached the node (a dead ReLU, a factor that was 0, an unused input)
    "zero": ("#d9d9d9", "#525252", "2", "#252525", "ZERO GRAD"),
    "vanishing": ("#eeeeee", "#2166ac", "3", "#2166ac", "VANISHING"),
    "exploding": ("#e31a1c", "#67000d", "3", "#ffffff", "EXPLODING"),
    "non-finite": ("#000000", "#e31a1c", "3", "#ffffff", "NOT FINITE"),
}
NO_GRAD_FILL = "#ffffff"
STALE_FILL, STALE_BORDER = "#ffffff", "#b2182b"


# -- gradient magnitude and its colour -------------------------------------------------------
def grad_colour(magnitude: float) -> str:
    """Hex fill colour for a healthy gradient size: log10 position between 1e-7 and 1e3 on the ramp."""
    low, high = math.log10(VANISHING), math.log10(EXPLODING)
    t = (math.log10(max(magnitude, VANISHING)) - low) / (high - low)
    t = min(max(t, 0.0), 1.0)
    for (t0, c0), (t1, c1) in zip(_RAMP, _RAMP[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return "#" + "".join(f"{round(a + (b - a) * f):02x}" for a, b in zip(c0, c1))
    return "#" + "".join(f"{c:02x}" for c in _RAMP[-1][1])  # pragma: no cover - t is clamped to 1


def box_style(flag: str | None, magnitude: float | None, stale: bool = False) -> dict[str, str]:
    """Graphviz attributes (fill, border, font colour) for a box: its flag's style, or its |grad| on the ramp."""
    if stale:
        return {"fillcolor": STALE_FILL, "color": STALE_BORDER, "penwidth": "2", "fontcolor": "#000000"}
    if flag in FLAG_STYLES:
        fill, border, width, font, _ = FLAG_STYLES[flag]
        return {"fillcolor": fill, "color": border, "penwidth": width, "fontcolor": font}
    if flag == "ok" and magnitude is not None:
        return {"fillcolor": grad_colour(magnitude), "color": "#444444", "penwidth": "1", "fontcolor": "#000000"}
    return {"fillcolor": NO_GRAD_FILL, "color": "#444444", "penwidth": "1", "fontcolor": "#000000"}


def flag_words(flag: str | None, reason: str = "") -> list[str]:
    """The word a flagged box shows, with why when the rule was the relative one."""
    if flag not in FLAG_STYLES:
        return []
    return [FLAG_STYLES[flag][4] + (f" ({reason})" if reason else "")]


# -- text --------------------------------------------------------------------------------------
def esc(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def esc_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def record(body: str, stacked: bool, rankdir: str) -> str:
    """A record label whose fields are stacked or in a row (braces flip the direction, per rankdir)."""
    sideways = rankdir in ("LR", "RL")
    return "{ " + body + " }" if stacked != sideways else body


def data_text(node: Any) -> str:
    """A box's data line: a number, a small tensor in full, else mean and std."""
    if not is_tensor(node):
        return f"data {fmt(node.data)}"
    arr = to_numpy(node.data)
    if arr.size == 0:
        return "data (empty)"
    if arr.dtype.kind not in "fiub":
        return f"data {arr.dtype}"
    if arr.size <= SMALL:
        return f"data {small_array(arr.astype(np.float64))}"
    flat = arr.astype(np.float64).ravel()
    return f"mean {fmt(float(flat.mean()))} std {fmt(float(flat.std()))}"


def grad_text(node: Any, magnitude: float | None, stale: bool = False) -> str:
    """A box's gradient line: the number, a small tensor's gradient in full, else its norm."""
    if magnitude is None:
        return "grad -"
    if not is_tensor(node):
        text = f"grad {fmt(float(node.grad))}"
    else:
        g = to_numpy(node.grad)
        text = f"grad {small_array(g.astype(np.float64))}" if g.size <= SMALL else f"||grad|| {fmt(magnitude)}"
    return text + " (stale)" if stale else text


def legend_html(stale: bool) -> str:
    """One table: the |grad| colour ramp, the flag styles and what borders mean."""
    ramp = "".join(f'<td bgcolor="{grad_colour(10.0 ** e)}">1e{e}</td>' for e in _RAMP_EXPONENTS)
    words = {"vanishing": f"vanishing &lt; {VANISHING_TEXT} or &lt; {RELATIVE_VANISHING:g} × largest layer",
             "exploding": f"exploding &gt; {EXPLODING_TEXT}", "non-finite": "nan / inf", "zero": "exactly 0"}

    def cell(flag: str) -> str:
        fill, _, _, font, _ = FLAG_STYLES[flag]
        return f'<td colspan="2" bgcolor="{fill}"><font color="{font}">{words[flag]}</font></td>'

    stale_row = (f'<tr><td colspan="6"><font color="{STALE_BORDER}">red border, white: stale gradient '
                 '(left by another backward)</font></td></tr>') if stale else ""
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
            '<tr><td colspan="6"><b>|grad| (||grad|| for tensors), log scale</b></td></tr>'
            f'<tr>{ramp}</tr><tr>{cell("vanishing")}{cell("exploding")}{cell("non-finite")}</tr>'
            f'<tr>{cell("zero")}<td colspan="2">bold border: parameter</td>'
            '<td colspan="2">dashed border: constant</td></tr>'
            f'{stale_row}</table>>')
