"""The lesson runner: find, parse and run the 21 checked lessons.

Lessons are jupytext Markdown (minigrad/lesson_files/NN-slug.md; the repo's
top-level ``lessons/`` is a symlink to that folder), so each one also opens as a
notebook (``minigrad lesson N --notebook``):

* YAML front matter with ``number``, ``title``, ``runtime`` (usual seconds of a
  ``--check`` run) and the notebook's ``jupyter:`` metadata (kernelspec).
* Fenced ````` ```python ````` cells run top to bottom in ONE namespace; any other
  fence (```` ```text ````) is shown as prose, not run. Nothing is preloaded: the
  first cell imports what the lesson uses and calls ``OUT, SEED = setup(lesson=N)``
  (the picture folder, created, and the seed: 0, or the one given with ``--seed``).
* A cell tagged ``check`` (```` ```python tags=["check"] ````, jupytext's cell
  metadata) asserts the lesson's claim with numbers; print them in it so the learner
  sees them. A failed check is reported (block, line, message) and the lesson goes
  on, but the run fails. An error in any block (syntax error, exception, ``exit()``,
  a block past its ``--timeout``) reports block and line and stops. (A first line
  ``# check`` in a cell marks a check too, without the tag.)
* Cells tagged ``predict`` and ``exercise`` are the learner's part (see learner.py).
* ``show(path)`` after writing a picture shows it inline in Jupyter; in a terminal
  it names the file.

Lessons run Python code, like notebooks: run only lesson files you trust.

Modules: format (files and parsing), runner (namespace, blocks, reports, setup/show),
view (the terminal view: Markdown, spinner), learner (predict/exercise), notebook
(.ipynb), cli (``minigrad lesson``).
"""
from __future__ import annotations

from . import notebook
from .cli import main
from .format import (
    DEFAULT_OUT,
    LESSON_DIR,
    Block,
    Lesson,
    LessonError,
    defined_names,
    find_lesson,
    front_matter,
    lesson_files,
    list_lessons,
    load_lesson,
    parse_lesson,
    read_lesson_text,
    short_title,
)
from .learner import blank_exercise, has_blank, reveal, set_prediction
from .report import BlockResult, LessonReport
from .runner import (
    RUN_KEY,
    LessonRun,
    default_out,
    make_namespace,
    register_source,
    run_block,
    run_lesson,
    setup,
    show,
)
from .view import Spinner, reflow, render_markdown

__all__ = [
    "DEFAULT_OUT",
    "LESSON_DIR",
    "RUN_KEY",
    "Block",
    "BlockResult",
    "Lesson",
    "LessonError",
    "LessonReport",
    "LessonRun",
    "Spinner",
    "blank_exercise",
    "default_out",
    "defined_names",
    "find_lesson",
    "front_matter",
    "has_blank",
    "lesson_files",
    "list_lessons",
    "load_lesson",
    "main",
    "make_namespace",
    "notebook",
    "parse_lesson",
    "read_lesson_text",
    "reflow",
    "register_source",
    "render_markdown",
    "reveal",
    "run_block",
    "run_lesson",
    "set_prediction",
    "setup",
    "short_title",
    "show",
]
