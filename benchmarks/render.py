"""Graph rendering: the collapsed graph of one 784-256-256-10 training step, to PNG.

Times ``viz.draw(loss, collapse="module")`` plus ``viz.render(..., "step.png")``
with the Graphviz port shipped as a wheel (graphviz-pure, forced even where a system
``dot`` exists), which is what a learner gets
right after ``pip install`` when no system Graphviz is there.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import Any

from .common import Row, Timing, timed_row
from .mlp import SIZES, batch

SECTION = "graph rendering (graphviz-pure)"


def skip_reason() -> str | None:
    try:
        from minigrad import nn, viz
    except ImportError as exc:
        return f"minigrad.viz or minigrad.nn is not there yet ({exc})"
    if not (hasattr(viz, "draw") and hasattr(viz, "render") and hasattr(nn, "Sequential")):
        return "minigrad.viz.draw/render or nn.Sequential is not there yet"
    return None


def run(quick: bool = False, keep: str | None = None, **_: Any) -> list[Row]:
    """Time draw + render; ``keep`` names a file to copy the last picture to (to look at it)."""
    import minigrad as mg
    from minigrad import nn, viz

    layers: list = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    x, y = batch()
    loss = nn.functional.cross_entropy(model(mg.Tensor(x)), mg.Tensor(y))
    loss.backward(retain_graph=True)

    timing = Timing()
    with tempfile.TemporaryDirectory() as folder:
        for i in range(3 if quick else 5):
            start = time.perf_counter()
            path = viz.render(viz.draw(loss, collapse="module"), os.path.join(folder, f"step{i}.png"),
                              renderer="pure")
            timing.runs.append(time.perf_counter() - start)
            if not os.path.getsize(path):
                raise RuntimeError("render wrote an empty file")
        if keep:
            shutil.copy(path, keep)
    return [timed_row(SECTION, "collapsed MLP step graph -> PNG", timing, target=2.0, absolute=True)]
