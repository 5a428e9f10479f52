"""Lessons as Jupyter notebooks: `minigrad lesson N --notebook` writes an .ipynb through jupytext,
and the notebooks of several lessons run top to bottom in a real kernel with their checks passing and
their pictures shown inline."""
from __future__ import annotations

import builtins
import json
import sys

import pytest

from minigrad import lessons as L
from minigrad.lessons.runner import time_limit

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")

EXERCISE = """---
number: 42
title: "A lesson with an exercise"
jupyter:
  kernelspec: {display_name: Python 3, language: python, name: python3}
---

# Lesson 42 — exercise

```python
from minigrad.lessons import setup
OUT, SEED = setup(lesson=42)
```

```python tags=["exercise"]
def slope(z):
    return 1.0 if z > 0 else 0.0   # ✎ fill in: the ReLU's slope
```

```python tags=["check"]
assert slope(2.0) == 1.0 and slope(-1.0) == 0.0, "slope() is not the ReLU's slope yet"
```
"""


def test_notebook_has_the_lessons_cells_tags_and_metadata(tmp_path):
    lesson = L.load_lesson(3)
    path = L.notebook.write_notebook(lesson, tmp_path)
    assert path == tmp_path / "03-computation-graph.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["minigrad"] == {"number": 3, "title": "Forward and backward propagation: the computation graph"}
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Lesson 3")   # no raw front matter
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.source for c in code] == [L.blank_exercise(b.text) if "exercise" in b.tags else b.text
                                        for b in lesson.code_blocks]
    assert any("✎" in c.source and "return ...   #" in c.source for c in code)   # lesson 3's exercise, blanked
    assert [("check" in c.metadata.get("tags", [])) for c in code] == [b.kind == "check" for b in lesson.code_blocks]
    assert "setup(lesson=3)" in code[0].source


def test_notebook_on_another_seed_and_never_over_the_learners_work(tmp_path, capsys):
    target = tmp_path / "mine.ipynb"
    assert L.main(["3", "--notebook", str(target), "--seed", "7"]) == 0
    nb = nbformat.read(target, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup(lesson=3, seed=7)" in first.source and nb.metadata["minigrad"]["seed"] == 7
    capsys.readouterr()
    assert L.main(["3", "--notebook", str(target)]) == 2                  # it exists: kept
    assert "already exists" in capsys.readouterr().err
    assert L.main(["3", "--notebook", str(target), "--force"]) == 0
    assert L.main(["3", "--notebook", str(tmp_path / "x.txt")]) == 2
    assert ".ipynb" in capsys.readouterr().err


def test_missing_notebook_extra_is_named(tmp_path, monkeypatch, capsys):
    real_import = builtins.__import__

    def no_jupytext(name, *args, **kwargs):
        if name == "jupytext":
            raise ImportError("No module named 'jupytext'", name="jupytext")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "jupytext", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_jupytext)
    assert L.main(["3", "--notebook", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "minigrad[notebook]" in err and "jupytext" in err


def test_exercises_are_blanked_in_the_notebook_unless_solutions(tmp_path):
    path = tmp_path / "42-exercise.md"
    path.write_text(EXERCISE, encoding="utf-8")
    lesson = L.load_lesson(path)
    assert L.run_lesson(lesson, tmp_path / "o", capture=True).ok          # --check runs the shipped answer
    blank = L.notebook.to_notebook(lesson)
    cell = next(c for c in blank.cells if "exercise" in c.metadata.get("tags", []))
    assert "return ...   # ✎ fill in" in cell.source
    full = L.notebook.to_notebook(lesson, solutions=True)
    assert "return 1.0 if z > 0" in next(c for c in full.cells if "exercise" in c.metadata.get("tags", [])).source


# -- executed in a real kernel -------------------------------------------------------------------
NOTEBOOK_LESSONS = [3, 4, 7, 8, 10]


@pytest.mark.slow
@pytest.mark.parametrize("number", NOTEBOOK_LESSONS)
def test_lesson_notebook_runs_top_to_bottom_with_checks_passing_and_pictures_inline(number, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    path = L.notebook.write_notebook(L.load_lesson(number), tmp_path, solutions=True)   # the exercises filled in
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, startup_timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    with time_limit(400):   # a kernel that dies without a word must fail this test, not hang the suite
        client.execute()    # raises CellExecutionError, naming the cell, if any cell (a check) fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    checks = [c for c in code if "check" in c.metadata.get("tags", [])]
    assert checks and all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    images = [o for c in code for o in c.outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert images, "no picture was shown inline"
    assert all(len(o.data["image/png"]) > 1000 for o in images)
    assert (tmp_path / "minigrad-out" / f"{number:02d}").is_dir()      # the files are written too
    json.dumps(nb)  # the executed notebook is still plain JSON
