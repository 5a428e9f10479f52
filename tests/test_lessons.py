"""The lesson runner (parsing, error reporting, CLI exit status) and every lesson, run headless.

Each lesson must pass all its checks and write a picture; for the lessons whose claim
hinges on one setting, flipping that setting in the lesson text must make a check fail
(a check that cannot fail proves nothing).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from minigrad import lessons as L
from minigrad.viz import plot

LESSON = '''---
title: A tiny lesson
jupyter:
  kernelspec: {display_name: Python 3, language: python, name: python3}
---

# A tiny lesson

Some prose.

```python
x = 3
def double(v):
    return 2 * v
```

```text
shown, not run
```

```python tags=["check"]
assert double(x) == 6, f"double(3) gave {double(x)}"
print("measured", double(x))
```
'''


def run_text(text: str, out: Path, name: str = "t.md") -> L.LessonReport:
    return L.run_lesson(L.parse_lesson(text, path=out / name), out, capture=True)


# -- parsing ------------------------------------------------------------------------------------
def test_parse_splits_prose_code_and_checks_with_line_numbers():
    lesson = L.parse_lesson(LESSON)
    assert lesson.title == "A tiny lesson"
    assert [b.kind for b in lesson.blocks] == ["prose", "code", "prose", "check"]
    code, shown, check = lesson.blocks[1], lesson.blocks[2], lesson.blocks[3]
    assert code.line == 12 and code.text.startswith("x = 3") and code.end_line == 14
    assert "shown, not run" in shown.text and shown.line == 17      # a non-python fence stays prose
    assert check.line == 22 and check.text.startswith("assert") and check.tags == ("check",)
    assert [b.index for b in lesson.blocks] == [1, 2, 3, 4]
    assert len(lesson.checks) == 1 and len(lesson.code_blocks) == 2


def test_unclosed_fence_names_its_line():
    with pytest.raises(L.LessonError, match="line 3"):
        L.parse_lesson("# t\n\n```python\nx = 1\n")
    with pytest.raises(L.LessonError, match="never closed"):
        L.parse_lesson("---\ntitle: t\n\n```python\nx = 1\n```\n")


def test_front_matter_gives_number_and_title_and_tags_mark_checks():
    assert L.front_matter("---\nruntime: 7   # seconds\n---\n")[0] == {"runtime": "7"}
    lesson = L.parse_lesson("---\nnumber: 12\ntitle: \"Twelve: a \\\"quoted\\\" title\"\njupyter:\n  kernelspec:\n"
                            "    name: python3\n---\n\n# Lesson 12 heading\n\n```python tags=[\"check\", \"x\"]\n"
                            "assert True\n```\n\n```python tags=[]\npass\n```\n")
    assert lesson.number == 12 and lesson.title == 'Twelve: a "quoted" title'
    assert [b.kind for b in lesson.blocks] == ["prose", "check", "code"]
    assert lesson.blocks[0].line == 9 and lesson.blocks[1].line == 12      # the front matter is not prose
    assert lesson.blocks[1].tags == ("check", "x")


def test_every_shipped_lesson_is_jupytext_markdown_with_an_explicit_setup_cell():
    for path in L.lesson_files():
        text = path.read_text(encoding="utf-8")
        meta, _ = L.front_matter(text)
        lesson = L.parse_lesson(text, path=path)
        assert meta.get("number") == str(int(path.name[:2])) and meta.get("title"), path.name
        assert "kernelspec:" in text and "jupyter:" in text, path.name
        first = lesson.code_blocks[0]
        assert "import minigrad as mg" in first.text and f"setup(lesson={lesson.number})" in first.text, path.name
        assert not any(b.text.lstrip().startswith("# check") for b in lesson.code_blocks), path.name
        assert all(b.tags == ("check",) for b in lesson.checks), path.name


def test_find_lesson_by_number_slug_and_path(tmp_path):
    files = L.lesson_files()
    assert files, "no lessons found in the package"
    first = files[0]
    number = int(first.name[:2])
    assert L.find_lesson(number) == first == L.find_lesson(f"{number:02d}") == L.find_lesson(str(first))
    assert L.find_lesson(first.stem[3:]) == first
    with pytest.raises(L.LessonError, match="no lesson 99"):
        L.find_lesson(99)
    with pytest.raises(L.LessonError, match="no lesson file"):
        L.find_lesson(tmp_path / "missing.md")


def test_lessons_ship_inside_the_package():
    import minigrad

    assert L.LESSON_DIR.parent == Path(minigrad.__file__).resolve().parent
    repo_link = Path(__file__).resolve().parent.parent / "lessons"
    if repo_link.exists():  # the repo's top-level lessons/ is the same folder
        assert repo_link.resolve() == L.LESSON_DIR


def test_namespace_preloads_nothing_and_setup_gives_out_and_seed(tmp_path):
    ns = L.make_namespace(tmp_path / "pics", seed=5)
    assert not [k for k in ns if not k.startswith("__")]           # no mg, np, OUT... behind the learner's back
    lesson = L.parse_lesson("# t\n\n```python\nfrom minigrad.lessons import setup\nOUT, SEED = setup(lesson=3)\n```\n")
    assert L.run_block(lesson.blocks[1], ns, lesson).ok
    assert ns["OUT"] == tmp_path / "pics" and ns["OUT"].is_dir() and ns["SEED"] == 5
    ns = L.make_namespace(tmp_path / "other")                        # no --seed: the lesson's own seed
    L.run_block(lesson.blocks[1], ns, lesson)
    assert ns["SEED"] == 0 and ns["OUT"] == tmp_path / "other"


def test_setup_outside_the_runner_uses_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, seed = L.setup(lesson=4, seed=7)
    assert out == Path("minigrad-out/04") and (tmp_path / "minigrad-out" / "04").is_dir() and seed == 7


# -- running and error reporting ------------------------------------------------------------------
def test_a_passing_lesson(tmp_path):
    report = run_text(LESSON, tmp_path)
    assert report.ok and len(report.passed_checks) == 1 and not report.failed_checks
    assert "measured 6" in report.results[-1].output


def test_blocks_run_one_at_a_time_in_one_namespace(tmp_path):
    """The REPL's way: make a namespace, then run the blocks one by one."""
    lesson = L.parse_lesson(LESSON + "\n```python\nfrom minigrad.lessons import setup\nOUT, SEED = setup()\n"
                                     "print(OUT.name, double(x))\n```\n")
    ns = L.make_namespace(tmp_path / "pics")
    results = [L.run_block(b, ns, lesson, capture=True) for b in lesson.blocks]
    assert all(r.ok for r in results)
    assert ns["x"] == 3 and results[-1].output == "pics 6\n"
    assert results[0].block.kind == "prose" and results[0].output == ""


def test_syntax_error_reports_block_and_line_and_stops(tmp_path):
    text = LESSON.replace("def double(v):", "def double(v)")
    report = run_text(text, tmp_path)
    assert not report.ok
    err = report.error
    assert err.status == "error" and err.block.index == 2 and err.line == 13
    assert "SyntaxError" in err.message
    assert len(report.results) == 1          # the check after it never ran


def test_exception_reports_the_lesson_line_where_it_happened(tmp_path):
    text = LESSON.replace("return 2 * v", "return 2 * v / 0")
    report = run_text(text, tmp_path)
    err = report.error
    # raised inside double() (line 14, block 2) while block 4 was running
    assert err.block.index == 4 and err.line == 14 and "ZeroDivisionError" in err.message
    assert "return 2 * v / 0" in err.traceback     # the traceback shows the lesson's own source line


def test_failed_check_is_reported_with_line_and_message(tmp_path):
    text = LESSON.replace("x = 3", "x = 4")
    report = run_text(text, tmp_path)
    assert not report.ok and report.error is None
    (failed,) = report.failed_checks
    assert failed.block.index == 4 and failed.line == 22
    assert failed.message == "double(3) gave 8"
    assert "CHECK FAILED" in failed.describe() and "line 22" in failed.describe()


def test_failed_check_does_not_stop_later_blocks_but_fails_the_run(tmp_path):
    text = LESSON + '\n```python tags=["check"]\nassert True\n```\n'
    report = run_text(text.replace("x = 3", "x = 4"), tmp_path)
    assert [r.status for r in report.results] == ["ok", "failed", "ok"]
    assert not report.ok


def test_bare_assert_message_shows_the_source_line(tmp_path):
    report = run_text('# t\n\n```python tags=["check"]\nassert 1 + 1 == 3\n```\n', tmp_path)
    assert "assert 1 + 1 == 3" in report.failed_checks[0].message


def test_cli_exit_status_and_report(tmp_path, capsys):
    good, bad, broken = tmp_path / "good.md", tmp_path / "bad.md", tmp_path / "broken.md"
    good.write_text(LESSON)
    bad.write_text(LESSON.replace("x = 3", "x = 4"))
    broken.write_text(LESSON.replace("def double(v):", "def double(v)"))
    assert L.main([str(good), "--check", "--out", str(tmp_path / "o")]) == 0
    assert "1/1 checks passed" in capsys.readouterr().out
    assert L.main([str(bad), "--check", "--out", str(tmp_path / "o")]) == 1
    out = capsys.readouterr().out
    assert "CHECK FAILED in block 4 (check, lines 22-23), line 22" in out and "gave 8" in out
    assert L.main([str(broken), "--check", "--out", str(tmp_path / "o")]) == 1
    assert "ERROR in block 2" in capsys.readouterr().out
    assert L.main(["99"]) == 2
    assert "no lesson 99" in capsys.readouterr().err


def test_terminal_view_prints_prose_code_and_results(tmp_path, capsys):
    path = tmp_path / "good.md"
    path.write_text(LESSON)
    assert L.main([str(path), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Some prose." in out and "x = 3" in out and "measured 6" in out and "check passed" in out


def test_cli_lists_the_lessons_with_their_usual_time(capsys):
    assert L.main(["list"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == len(L.lesson_files())
    assert all(re.match(r"^\s*\d+\s+~\d+ s\s+\S", row) for row in rows), rows


# -- every lesson, headless ----------------------------------------------------------------------
def _failure_text(report: L.LessonReport) -> str:
    lines = [report.summary()]
    for r in report.results:
        if not r.ok:
            lines += [r.describe(), r.output, r.traceback]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("path", L.lesson_files(), ids=lambda p: p.stem)
def test_lesson_passes_all_its_checks(path, tmp_path):
    lesson = L.load_lesson(path)
    assert lesson.checks, f"{path.name} has no # check block"
    report = L.run_lesson(lesson, tmp_path, capture=True)
    assert report.ok, _failure_text(report)
    pictures = [p for p in tmp_path.glob("*.png") if p.stat().st_size > 0]
    assert pictures, f"{path.name} wrote no picture into OUT"


NEW_SEEDS = (1, 2, 3)  # the lessons ship with seed 0; their claims must hold on seeds they were not written with


@pytest.mark.slow
@pytest.mark.parametrize("seed", NEW_SEEDS)
@pytest.mark.parametrize("path", L.lesson_files(), ids=lambda p: p.stem[:2])
def test_lesson_holds_on_seeds_it_was_not_written_with(path, seed, tmp_path):
    # the claims, not the figures (the shipped seed's run above draws them): a quarter faster
    report = L.run_lesson(L.load_lesson(path), tmp_path, capture=True, seed=seed, pictures=False)
    assert report.ok, f"seed {seed}: " + _failure_text(report)


def test_no_pictures_gives_the_same_numbers_without_writing_a_figure(tmp_path):
    drawn, skipped = tmp_path / "drawn", tmp_path / "skipped"
    first = L.run_lesson(L.load_lesson(7), drawn, capture=True)
    second = L.run_lesson(L.load_lesson(7), skipped, capture=True, pictures=False)
    assert first.ok and second.ok
    assert [r.output for r in first.results if r.block.kind == "check"] == \
        [r.output for r in second.results if r.block.kind == "check"]
    assert list(drawn.glob("*.png")) and not list(skipped.glob("*.png"))
    assert "(picture not drawn: " in "".join(r.output for r in second.results)
    assert L.main(["7", "--check", "--no-pictures", "--out", str(tmp_path / "cli")]) == 0
    assert not list((tmp_path / "cli").glob("*.png"))
    assert plot.drawing()   # the switch is put back


# -- flipping the decisive setting must make a check fail ---------------------------------------
def run_flipped(number: int, old: str, new: str, out: Path, until: str | None = None) -> L.LessonReport:
    """The lesson with ``old`` replaced by ``new``, run block by block; it stops at an error or, to save
    time, right after a check fails with ``until`` in its message (the rest of the lesson cannot undo that)."""
    path = L.find_lesson(number)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"lesson {number} should contain {old!r} exactly once: update this test"
    lesson = L.parse_lesson(text.replace(old, new), path=path)
    ns, report = L.make_namespace(out), L.LessonReport(lesson, out=out)
    for block in lesson.code_blocks:
        with plot.not_drawn():   # the checks, not the figures
            report.results.append(L.run_block(block, ns, lesson, capture=True))
        last = report.results[-1]
        if last.status == "error" or (until and last.status == "failed" and until in last.message):
            break
    return report


FLIPS = [
    # Each case edits one line of a lesson, as a learner would, and the lesson must still run to the
    # end with the named check failing: proof that the check tests the lesson's claim.
    # (lesson, decisive setting as written, flipped to, a phrase of the check message that must then fail)
    pytest.param(1, '"large network (3×32 units)": (lambda: nn.MLP([2, 32, 32, 32, 1]), 600)',
                 '"large network (3×32 units)": (lambda: nn.MLP([2, 8, 1]), 600)',
                 "with lots of data the large network should win big", id="01-no-large-network"),
    pytest.param(2, "            z = bl[j]\n", "            z = 0.0\n", "the two implementations disagree",
                 id="02-loops-forget-the-bias"),
    pytest.param(3, "    return dA1 * (1 - A1 ** 2)   # ✎", "    return dA1   # ✎",
                 "is not dA1 times the derivative of tanh yet", id="03-exercise-forgets-tanh"),
    pytest.param(4, "for _ in range(L - 1):", "for _ in range(L - 2):",
                 "the deep network does not compute the sawtooth", id="04-one-layer-less"),
    pytest.param(5, "on_small_sets(lam=0.3,", "on_small_sets(lam=0.0,",
                 "L2 should lower the dev error", id="05-no-regularization"),
    pytest.param(6, "LAMBDAS = (0.1, 0.3, 1.0, 3.0)", "LAMBDAS = (0.0,)", "L2 should shrink the weights",
                 id="06-no-l2"),
    pytest.param(6, "DROPOUTS = (0.2, 0.5)", "DROPOUTS = (0.0,)", "dropout, tuned on the dev set, should lower",
                 id="06-no-dropout"),
    pytest.param(7, "NORMALIZE = True", "NORMALIZE = False", "normalizing saved too little", id="07-unnormalized"),
    pytest.param(8, 'STABLE_INIT = "he"', 'STABLE_INIT = 10.0', "He (ReLU) is not in the healthy range",
                 id="08-he-replaced-by-large"),
    pytest.param(9, '"mini-batch (64)": (64, 0.3)', '"mini-batch (64)": (2000, 0.3)',
                 "mini-batches should need far fewer epochs", id="09-mini-batches-of-2000"),
    pytest.param(10, 'FAST_OPTIMIZER = "adam"', 'FAST_OPTIMIZER = "sgd"', "not faster than tuned",
                 id="10-adam-replaced-by-sgd"),
    pytest.param(11, "grads[id(parent)] = grads.get(id(parent), 0.0) + upstream * local",
                 "grads[id(parent)] = upstream * local",
                 "fill in the line that adds up the paths", id="11-backward-overwrites-instead-of-adding"),
    pytest.param(12, "LAMBDA = 4.0", "LAMBDA = 0.0",
                 "L2 should close the dev gap", id="12-no-regularization"),
    pytest.param(13, "MAX_PARAMS = 500", "MAX_PARAMS = 100_000",
                 "the size limit should rule some models out", id="13-limit-that-never-binds"),
    pytest.param(14, "X_dev, y_dev = phone.X[2000:2500], phone.y[2000:2500]",
                 "X_dev, y_dev = web.X[2000:2500], web.y[2000:2500]",
                 "same-distribution dev set should pick", id="14-team-2-dev-set-from-the-web"),
    pytest.param(15, "synthetic = data.synthesize_phone(web.X, seed=1000 * SEED + 1)", "synthetic = web.X",
                 "synthesis should at least halve", id="15-no-synthesis"),
    pytest.param(16, "DEV_FRACTION = 0.01 ", "DEV_FRACTION = 0.001 ",
                 "not enough", id="16-dev-set-of-0.1-percent"),
    pytest.param(17, "EVAL = (X_test, y_test)", "EVAL = (X_small, y_small)",
                 "would beat the Bayes error", id="17-evaluated-on-its-own-training-data"),
    pytest.param(17, "HUMAN_LEVEL = 0.10", "HUMAN_LEVEL = 0.0",
                 "should have nothing left to fix", id="17-gaps-measured-from-zero"),
    pytest.param(18, "analysis = mg.diagnose.error_analysis(dev.attrs[wrong], error_rate=dev_error)",
                 "analysis = mg.diagnose.error_analysis(dev.attrs, error_rate=dev_error)",
                 "more than its ceiling", id="18-tags-counted-over-all-pictures-not-the-mistakes"),
    pytest.param(19, 'for name, features in (("B", U), ("C", V)):', 'for name, features in (("B", U), ("C", U)):',
                 "transfer should not help an unrelated task", id="19-task-C-shares-the-features"),
    pytest.param(20, "related = [compare(shared=True, draw=k) for k in range(DRAWS)]",
                 "related = [compare(shared=False, draw=k) for k in range(DRAWS)]",
                 "multi-task learning should clearly win", id="20-tasks-share-nothing"),
    pytest.param(21, "D, TILT = 8, 2.0", "D, TILT = 8, 0.0",
                 "end-to-end should match or beat", id="21-hand-feature-loses-nothing"),
]


@pytest.mark.slow
@pytest.mark.parametrize("number, old, new, expected", FLIPS)
def test_flipping_the_decisive_setting_fails_a_check(number, old, new, expected, tmp_path):
    report = run_flipped(number, old, new, tmp_path, until=expected)
    assert report.error is None, _failure_text(report)
    assert report.failed_checks, f"lesson {number} still passes with {new!r}: its check cannot fail"
    messages = "\n".join(r.message for r in report.failed_checks)
    assert expected in messages, messages
