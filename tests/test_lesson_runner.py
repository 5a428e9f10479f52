"""The lesson runner's edges: exit() never hides a failed check, files that are not
lessons and bad --out folders get one line, --timeout ends a block that never returns, the terminal
view renders Markdown and shows a spinner while a block runs, and learner cells (predict, exercise)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad import lessons as L

HEAD = "---\ntitle: edge\n---\n\n# Edge\n\n"


def write(tmp_path: Path, body: str, name: str = "edge.md") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minigrad.cli", "lesson", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60, env={**os.environ, "NO_COLOR": "1"}, check=False)


# -- exit() and failures -------------------------------------------------------------------------
@pytest.mark.parametrize("exit_code", ["0", "None", "'bye'"])
def test_exit_after_a_failed_check_never_hides_the_failure(tmp_path, capsys, exit_code):
    path = write(tmp_path, f'```python tags=["check"]\nassert 1 == 2, "one is not two"\n```\n\n'
                           f"```python\nimport sys\nsys.exit({exit_code})\n```\n")
    assert L.main([str(path), "--check", "--out", str(tmp_path / "o")]) == 1
    out = capsys.readouterr().out
    assert "one is not two" in out and "SystemExit" in out and "0/1 checks passed, 1 failed" in out


def test_exit_in_a_real_process_gives_a_failing_status(tmp_path):
    path = write(tmp_path, '```python tags=["check"]\nassert False, "nope"\n```\n\n'
                           '```python\nraise SystemExit(0)\n```\n')
    proc = cli(str(path), "--check", "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "nope" in proc.stdout


@pytest.mark.parametrize("how", ["import os\nos._exit(0)", "import atexit, os\natexit.register(lambda: os._exit(0))",
                                 "import atexit, posix\natexit.register(posix._exit, 0)"])
def test_a_hard_exit_after_a_failed_check_still_fails_the_process(tmp_path, how):
    path = write(tmp_path, '```python tags=["check"]\nassert False, "nope"\n```\n\n'
                           f'```python\n{how}\n```\n')
    proc = cli(str(path), "--check", "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "nope" in proc.stdout


def test_any_exception_from_a_block_is_that_block_s_error(tmp_path, capsys):
    path = write(tmp_path, '```python tags=["check"]\nassert False, "nope"\n```\n\n'
                           '```python\nclass Boom(BaseException):\n    pass\nraise Boom("bang")\n```\n\n'
                           '```python\nraise GeneratorExit\n```\n')
    assert L.main([str(path), "--check", "--out", str(tmp_path / "o")]) == 1
    out = capsys.readouterr().out
    assert "nope" in out and "Boom: bang" in out and "0/1 checks passed, 1 failed" in out


def test_keyboard_interrupt_in_a_block_stops_the_run_in_one_line(tmp_path, capsys):
    path = write(tmp_path, '```python\nraise KeyboardInterrupt\n```\n\n```python tags=["check"]\nassert True\n```\n')
    assert L.main([str(path), "--check", "--out", str(tmp_path / "o")]) == 130
    captured = capsys.readouterr()
    assert "interrupted" in captured.err and "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_a_bad_timeout_is_a_usage_error(tmp_path, capsys, value):
    path = write(tmp_path, "```python\nx = 1\n```\n")
    with pytest.raises(SystemExit) as info:
        L.main([str(path), "--check", "--timeout", value])
    assert info.value.code == 2 and "--timeout" in capsys.readouterr().err


# -- files that are not lessons --------------------------------------------------------------------
@pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"), reason="needs /dev/zero and FIFOs")
def test_devices_and_pipes_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "lesson.md"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    for path in ("/dev/zero", fifo):
        with pytest.raises(L.LessonError, match="device or pipe"):
            L.load_lesson(path)


def _one_line_refusal(proc: subprocess.CompletedProcess, phrase: str) -> None:
    assert proc.returncode == 2, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert "checks passed" not in proc.stdout


def test_files_that_are_not_lessons_are_refused_with_one_line(tmp_path):
    binary = tmp_path / "model.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00" + bytes(range(256)))
    latin = tmp_path / "latin.md"
    latin.write_bytes("# caf\xe9\n".encode("latin-1"))
    prose = write(tmp_path, "Only prose, no code.\n", "prose.md")
    _one_line_refusal(cli("/etc/passwd"), "no ```python cell")
    _one_line_refusal(cli(str(binary), "--check"), "binary")
    _one_line_refusal(cli(str(latin)), "not UTF-8")
    _one_line_refusal(cli(str(tmp_path)), "is a folder")
    _one_line_refusal(cli(str(prose), "--check"), "not a lesson")
    with pytest.raises(L.LessonError, match="folder"):
        L.load_lesson(tmp_path)


def test_a_bad_out_folder_is_one_line(tmp_path):
    path = write(tmp_path, "```python\nx = 1\n```\n")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    _one_line_refusal(cli(str(path), "--out", str(a_file)), "is a file, not a folder")
    _one_line_refusal(cli(str(path), "--out", str(a_file / "sub")), "--out")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        _one_line_refusal(cli(str(path), "--out", str(locked / "pics")), "--out")


def test_help_says_lessons_run_python_code():
    proc = cli("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "Lessons run Python code, like notebooks" in text and "--timeout" in text and "--notebook" in text
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "Lessons run Python code" in " ".join(readme.split()).replace("**", "")


# -- --timeout ---------------------------------------------------------------------------------------
def test_timeout_ends_a_block_that_never_returns_naming_block_and_line(tmp_path, capsys):
    path = write(tmp_path, "```python\nx = 1\n```\n\n```python\ntotal = 0\nwhile True:\n    total += 1\n```\n\n"
                           '```python tags=["check"]\nassert True\n```\n')
    assert L.main([str(path), "--check", "--timeout", "0.5", "--out", str(tmp_path / "o")]) == 1
    out = capsys.readouterr().out
    assert "ERROR in block 3 (code, lines 12-14)" in out and "did not finish within 0.5 s" in out
    assert "stopped at line 13" in out or "stopped at line 14" in out


def test_a_block_that_swallows_the_timeout_still_ends_the_check_run(tmp_path):
    path = write(tmp_path, "```python\nimport time\nwhile True:\n    try:\n        time.sleep(10)\n"
                           "    except BaseException:\n        pass\n```\n")
    proc = cli(str(path), "--check", "--timeout", "0.2", "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "ignored the stop" in proc.stderr and "block 2" in proc.stderr


def test_check_has_a_default_timeout_and_zero_turns_it_off():
    from minigrad.lessons import cli as lesson_cli

    assert 30 <= lesson_cli.DEFAULT_CHECK_TIMEOUT <= 600


# -- the terminal view -------------------------------------------------------------------------------
class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_spinner_shows_a_running_block_with_the_lessons_usual_time_then_clears(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    text = ("---\ntitle: slow\nruntime: 7\n---\n\n"
            "```python\nimport time\nprint('before')\ntime.sleep(0.5)\nprint('after')\n```\n")
    stream = FakeTTY()
    report = L.run_lesson(L.parse_lesson(text, path=tmp_path / "s.md"), tmp_path / "o", stream=stream)
    out = stream.getvalue()
    assert report.ok
    assert "block 1/1 running" in out and "usually takes ~7 s" in out
    assert "before\n" in out and "after\n" in out
    # the spinner line is erased before the block's own output continues
    assert "\r\x1b[K" in out


def test_no_spinner_when_the_output_is_not_a_terminal(tmp_path):
    text = "---\ntitle: t\n---\n\n```python\nprint('hi')\n```\n"
    stream = io.StringIO()
    L.run_lesson(L.parse_lesson(text, path=tmp_path / "s.md"), tmp_path / "o", stream=stream)
    assert "running" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_markdown_is_rendered_not_printed_raw():
    text = ("## A **bold** heading\n\nSome **strong** words and `code` here, wrapped\nover lines.\n\n"
            "    indented **kept**\n")
    plain = L.render_markdown(text, 80, color=False)
    assert plain[0] == "A bold heading" and set(plain[1]) == {"-"}
    assert "Some strong words and code here, wrapped over lines." in plain
    assert "    indented **kept**" in plain           # code stays as written
    assert not any("**" in line or "`" in line for line in plain if not line.startswith("    "))
    colored = L.render_markdown(text, 80, color=True)
    body = next(line for line in colored if "strong" in line)
    assert "\x1b[1mstrong\x1b[0m" in body and "\x1b[36mcode\x1b[0m" in body


def test_a_bold_span_that_wraps_stays_bold_on_both_lines():
    lines = L.render_markdown("x " * 5 + "**a bold span long enough to wrap across two lines**", 30, color=True)
    assert len(lines) >= 2 and all(line.startswith("\x1b[1m") or "\x1b[1m" in line for line in lines[1:])


def test_terminal_run_shows_prose_rendered(tmp_path, capsys):
    path = write(tmp_path, "Some **bold** prose with `code`.\n\n```python\nx = 1\n```\n")
    assert L.main([str(path), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Some bold prose with code." in out and "# Edge" not in out and "Edge\n====" in out


# -- learner cells -------------------------------------------------------------------------------------
def test_exercise_lines_are_blanked_keeping_the_target():
    text = ("def slope(z):\n    return (z > 0) * 1.0   # ✎ fill in: 1 where z > 0\n"
            "dZ1 = dA1 * (1 - A1 ** 2)  # ✎ fill in: tanh's slope\nW[0] += 1  # ✎ fill in: x\nprint(3)\n")
    blanked = L.blank_exercise(text).splitlines()
    assert blanked[1] == "    return ...   # ✎ fill in: 1 where z > 0"
    assert blanked[2] == "dZ1 = ...   # ✎ fill in: tanh's slope"
    assert blanked[3] == "W[0] += ...   # ✎ fill in: x"
    assert blanked[4] == "print(3)" and L.has_blank("\n".join(blanked)) and not L.has_blank(text)


def test_reveal_and_set_prediction(capsys):
    assert L.reveal("ReLU ", "relu", why="slope 1") is True
    assert L.reveal(3, 5, tol=1) is False
    assert L.reveal(None, "relu") is None
    out = capsys.readouterr().out
    assert "right (slope 1)" in out and "the answer is 5" in out and "answer: 'relu'" in out
    assert L.set_prediction("prediction = None   # your guess", "relu") == "prediction = 'relu'   # your guess"
    assert L.set_prediction("prediction = None", "3.5") == "prediction = 3.5"
