"""Pictures of what the engine does: computation graphs, terminal views and plots.

    from minigrad import viz
    g = viz.draw(loss)              # a graphviz.Digraph (shows inline in Jupyter)
    viz.render(g, "graph.png")      # PNG/SVG/PDF by suffix, with Graphviz dot or graphviz-pure
    print(viz.term.bars({"layer 1": 3e-9, "layer 2": 0.02}))
    viz.plot.loss_curves(losses, "loss.png")

The submodules are imported on first use: ``import minigrad.viz`` loads neither
graphviz nor matplotlib.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..lazy import lazy_getattr

# render.py needs only the standard library. Importing it here, then defining `render` below,
# keeps `viz.render` the function: importing the submodule later would otherwise replace the attribute.
from . import render as _render_module
from .render import DEFAULT_TIMEOUT, FORMATS, RenderError

_SUBMODULES = {"graph", "term", "plot", "cli", "live", "notebook", "stepper", "walk", "arith"}
_LAZY = {  # name -> (module, attribute)
    "draw": ("minigrad.viz.graph", "draw"),
    "Graph": ("minigrad.viz.graph", "Graph"),
    "Stepper": ("minigrad.viz.stepper", "Stepper"),
}

__all__ = ["draw", "render", "Graph", "RenderError", "Stepper", "term", "plot"]


def render(root_or_digraph: Any, path: str | os.PathLike = "graph.png", renderer: str | None = None,
           timeout: float = DEFAULT_TIMEOUT, **draw_options: Any) -> str:
    """Write a picture of a graph to ``path`` (.png, .svg or .pdf) and return the path.

    ``root_or_digraph`` is a Value/Tensor (drawn with ``draw(root, **draw_options)``),
    a list of them, a Digraph from `draw`, or DOT text.
    """
    if Path(path).suffix.lower().lstrip(".") not in FORMATS:  # before drawing: a big graph takes a while
        raise RenderError(f"render: {str(path)!r} needs a .png, .svg or .pdf suffix to choose the format")
    if hasattr(root_or_digraph, "source") or isinstance(root_or_digraph, str):
        if draw_options:
            raise TypeError(f"render: {sorted(draw_options)} are draw() options; pass them to draw(), "
                            "not with a graph that is already drawn")
        graph = root_or_digraph
    else:
        from .graph import draw

        graph = draw(root_or_digraph, **draw_options)
    return _render_module.render(graph, path, renderer=renderer, timeout=timeout)


__getattr__ = lazy_getattr(__name__, globals(), _LAZY, _SUBMODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY))
