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

from ..lazy import lazy_getattr

# render.py needs only the standard library. Importing it here, then binding the name, keeps
# `viz.render` the function: importing a submodule later would otherwise replace the attribute.
from .render import RenderError, render

_SUBMODULES = {"graph", "term", "plot", "cli"}
_LAZY = {  # name -> (module, attribute)
    "draw": ("minigrad.viz.graph", "draw"),
    "Graph": ("minigrad.viz.graph", "Graph"),
}

__all__ = ["draw", "render", "Graph", "RenderError", "term", "plot"]


__getattr__ = lazy_getattr(__name__, globals(), _LAZY, _SUBMODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY))
