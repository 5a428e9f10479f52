"""The REPL's ``:commands``, one module per command family; each keeps its own state.

* basics.py      :help :quit :device :seed :reset
* step.py        :step (and quiz.py, its --quiz mode) (nodes are named by minigrad.viz.names, as in the pictures)
* graph.py       :graph
* train.py       :train (train_view.py draws its live view)
* inspect.py     :inspect
* lesson.py      :lesson (progress.py remembers where the learner is)
* files.py       :save :load
* export.py      :export (to ONNX or PyTorch)

A command module registers its functions with `repl.registry.command` when it is
imported; `load_all` imports them all.
"""
from __future__ import annotations

import importlib

_COMMAND_MODULES = ("basics", "step", "graph", "train", "inspect", "lesson", "files", "export")


def load_all() -> None:
    """Import the command modules so their commands are registered (they import nothing heavy at load)."""
    for name in _COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}")
