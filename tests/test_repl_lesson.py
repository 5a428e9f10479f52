"""`:lesson` in the REPL: seed=S, a warning before the lesson replaces the learner's own
variables, a spinner while a block runs, prose rendered, and the learner's cells (predict, exercise)."""
from __future__ import annotations

import contextlib
import io

import pytest

from repl.commands.lesson import LessonState, lesson_command
from repl.session import Session

LESSON = """---
number: 77
title: "Tiny"
runtime: 1
---

# Lesson 77 — tiny

Some **bold** words and `code`.

```python
import minigrad as mg
from minigrad.lessons import setup, reveal
OUT, SEED = setup(lesson=77)
x = 3
```

**Predict.** What is x times two?

```python tags=["predict"]
prediction = None   # your guess: a number
```

```python tags=["exercise"]
def double(v):
    return 2 * v   # ✎ fill in: twice v
```

```python tags=["check"]
reveal(prediction, answer=double(x))
assert double(x) == 6, "double(3) should be 6"
```
"""


@pytest.fixture
def lesson_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "77-tiny.md"
    path.write_text(LESSON, encoding="utf-8")
    return path


def session_with(answers: list[str], interactive: bool = True, edits: list[str] | None = None) -> Session:
    session = Session(interactive=interactive, out=io.StringIO(), lines=iter(answers))
    if edits is not None:
        queue = list(edits)
        session.edit_text = lambda text: queue.pop(0)
    return session


def run(session: Session, arg: str) -> str:
    with contextlib.redirect_stdout(session.out):
        lesson_command(session, arg)
    return session.out.getvalue()


def test_seed_reaches_the_lesson(lesson_file):
    session = session_with([], interactive=False)
    out = run(session, f"{lesson_file} seed=5")
    assert session.namespace["SEED"] == 5 and "seed 5" in out
    assert session.state(LessonState).seed == 5


def test_a_bad_seed_is_one_line(lesson_file):
    from repl.registry import CommandError

    with pytest.raises(CommandError, match="whole number"):
        run(session_with([], interactive=False), f"{lesson_file} seed=abc")


def test_warns_before_replacing_the_learners_variables_and_can_back_out(lesson_file):
    session = session_with(["q"])
    session.namespace["x"] = "my precious"
    session.namespace["mine"] = 1
    out = run(session, str(lesson_file))
    assert "this lesson sets x, which you made at the prompt" in out and "mine" not in out.split("sets")[1][:40]
    assert session.namespace["x"] == "my precious"           # q: nothing ran
    # a lesson's own names are not the learner's: running it twice does not warn
    session = session_with([], interactive=False)
    run(session, str(lesson_file))
    session.state(LessonState).loaded = None
    assert "which you made" not in run(session, str(lesson_file)).split("Lesson 77")[-1]


def test_prose_is_rendered_in_the_repl(lesson_file):
    out = run(session_with([], interactive=False), str(lesson_file))
    assert "Some bold words and code." in out and "**" not in out


def test_predict_asks_and_reveal_answers(lesson_file):
    # Enter runs the setup cell, then the guess, then the exercise's "a" (show the answer), then Enter for the check
    session = session_with(["", "6", "a", ""])
    out = run(session, str(lesson_file))
    assert "your prediction" in out and "you predicted 6: right" in out and "✓ check passed" in out


def test_exercise_is_blanked_and_the_check_fails_until_the_line_is_right(lesson_file):
    session = session_with(["", "", "e", "", "e", ""], edits=["def double(v):\n    return v + 1\n",
                                                            "def double(v):\n    return v * 2\n"])
    out = run(session, str(lesson_file))
    assert "return ...   # ✎ fill in: twice v" in out
    _, _, rest = out.partition("✗ check failed: double(3) should be 6")
    assert rest, out                                   # the wrong line fails the check
    assert "✓ check passed" in rest                    # the learner's second try passes it
    assert session.namespace["double"](5) == 10


@pytest.mark.slow
def test_the_real_repl_shows_a_spinner_while_a_lesson_block_runs(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    import os
    import sys

    path = tmp_path / "88-slow.md"
    path.write_text('---\nnumber: 88\ntitle: "Slow"\nruntime: 3\n---\n\n# Lesson 88 — slow\n\n'
                    '```python\nimport time\ntime.sleep(1.5)\nprint("slept")\n```\n', encoding="utf-8")
    env = dict(os.environ, MINIGRAD_PROGRESS=str(tmp_path / "p.json"), NO_COLOR="1", TERM="xterm",
               MINIGRAD_HISTORY=str(tmp_path / "history"))
    child = pexpect.spawn(sys.executable, ["-m", "minigrad.cli"], env=env, cwd=str(tmp_path), encoding="utf-8",
                          dimensions=(40, 120), timeout=60)
    try:
        child.expect(">>>")
        child.sendline(f":lesson {path}")
        child.expect(r"\[Enter\] run")
        child.send("\r")
        assert child.expect(["running", "slept"]) == 0, "no progress shown before the block finished"
        child.expect("usually takes ~3 s")
        child.expect("slept")
        child.expect(">>>")
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
