"""A lesson as a Jupyter notebook: ``minigrad lesson N --notebook [PATH]`` (jupytext does the conversion).

The lesson file is already jupytext Markdown, so the notebook has the same cells:
prose as Markdown cells, code cells in order, checks as code cells tagged
``check``. The front matter's number and title move into the notebook's metadata
(``metadata.minigrad``) instead of a raw cell at the top.
"""
from __future__ import annotations

import re
from pathlib import Path

from .format import Lesson, LessonError, front_matter
from .learner import blank_exercise

EXTRA = "pip install 'minigrad[notebook]'"


def _jupytext():
    try:
        import jupytext
        import nbformat  # noqa: F401 - jupytext writes through it
    except ImportError as exc:
        raise LessonError(f"writing a notebook needs the 'notebook' extra ({exc.name} is missing): {EXTRA}") from None
    return jupytext


def to_notebook(lesson: Lesson, seed: int | None = None, solutions: bool = False):
    """The lesson as an ``nbformat`` notebook; with ``seed`` its setup cell asks for that seed.

    Exercise lines are blanked (the learner fills them in) unless ``solutions``.
    """
    jupytext = _jupytext()
    if lesson.path is None:
        raise LessonError("only a lesson read from a file can be written as a notebook")
    text = lesson.path.read_text(encoding="utf-8")
    meta, _ = front_matter(text)
    nb = jupytext.reads(text, fmt="md")
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.startswith("---"):
        nb.cells.pop(0)  # the number/title front matter: kept as metadata, not shown as a raw cell
    info = {"number": lesson.number, "title": meta.get("title", lesson.title)}
    if seed is not None:
        info["seed"] = seed
        for cell in nb.cells:
            if cell.cell_type == "code" and re.search(r"\bsetup\(", cell.source):
                cell.source = re.sub(r"\bsetup\(([^)]*)\)", lambda m: _with_seed(m.group(1), seed), cell.source,
                                     count=1)
                break
    if not solutions:
        for cell in nb.cells:
            if cell.cell_type == "code" and "exercise" in cell.metadata.get("tags", []):
                cell.source = blank_exercise(cell.source)
    nb.metadata["minigrad"] = {k: v for k, v in info.items() if v is not None}
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python", "name": "python3"})
    return nb


def _with_seed(args: str, seed: int) -> str:
    args = re.sub(r",?\s*seed\s*=\s*[^,)]*", "", args).strip()
    return f"setup({args + ', ' if args else ''}seed={seed})"


def default_path(lesson: Lesson) -> Path:
    """``NN-slug.ipynb`` in the current folder (or the lesson file's own name with .ipynb)."""
    name = lesson.path.stem if lesson.path is not None else f"lesson-{lesson.number}"
    return Path(name + ".ipynb")


def write_notebook(lesson: Lesson, path: Path | str | None = None, *, seed: int | None = None,
                   force: bool = False, solutions: bool = False) -> Path:
    """Write the lesson as ``.ipynb`` (a folder gets ``NN-slug.ipynb`` inside it) and return where.

    An existing notebook is kept unless ``force``: it may hold the learner's own work.
    """
    nb = to_notebook(lesson, seed, solutions)
    target = Path(path).expanduser() if path else default_path(lesson)
    if target.is_dir():
        target = target / default_path(lesson).name
    if target.suffix != ".ipynb":
        raise LessonError(f"a notebook file ends in .ipynb: {str(target)!r}")
    if target.exists() and not force:
        raise LessonError(f"{target} already exists (it may hold your work): pass --force to replace it")
    if not target.parent.is_dir():
        raise LessonError(f"cannot write {target}: the folder {target.parent} does not exist")
    import nbformat

    from ..fileio import atomic_open

    try:
        with atomic_open(target, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
    except OSError as exc:
        raise LessonError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
