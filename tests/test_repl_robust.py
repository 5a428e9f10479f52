"""The REPL survives what a user can type or pipe: each bad line is an error for that line,
the session goes on, and the exit status is 1 at the end, as for any other failed line."""
from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest



def piped(env, tmp_path, script: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minigrad.cli"], input=script, capture_output=True, env=env,
                          cwd=str(tmp_path), timeout=120)


def text_of(done) -> str:
    return done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("bad, message", [
    (b"\xff\xfe bad \x00 bytes", "not valid UTF-8"),
    (b"print('a\x00b')", "null"),
    (b"+".join([b"1"] * 3000), "RecursionError"),
    (b"-" * 100_000 + b"1", "MemoryError|too deeply"),
    (b"def f(:", "SyntaxError"),
])
def test_a_bad_line_is_an_error_for_that_line_and_the_script_goes_on(env, tmp_path, bad, message):
    done = piped(env, tmp_path, b"x = 41\n" + bad + b"\nprint('after', x + 1)\n")
    out = text_of(done)
    assert "after 42" in out, out[-2000:]
    assert re.search(message, out), out[-2000:]
    assert "Traceback (most recent call last)" not in done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1


def test_binary_garbage_does_not_end_the_session(env, tmp_path):
    rng = random.Random(16)
    junk = bytes(rng.choice([*range(0x80, 0x100), 0x0A]) for _ in range(4000))
    done = piped(env, tmp_path, b"x = 1\n" + junk + b"\nprint('still here', x)\n")
    assert "still here 1" in text_of(done) and done.returncode == 1


def test_a_good_script_still_exits_0(env, tmp_path):
    done = piped(env, tmp_path, "s = 'héllo ✓'\nprint(s)\n".encode())
    assert done.returncode == 0 and "héllo ✓" in done.stdout.decode()


def test_tilde_in_save_and_load_paths_is_the_home_folder(env, tmp_path):
    script = (b"model = nn.Linear(2, 1)\n:save model ~/saved.npz\n"
              b"other = nn.Linear(2, 1)\n:load ~/saved.npz other\n"
              b"print(bool((other.weight.numpy() == model.weight.numpy()).all()))\n")
    done = piped(env, tmp_path, script)
    assert done.returncode == 0, text_of(done)
    assert (tmp_path / "saved.npz").exists() and not (tmp_path / "~").exists()
    assert "True" in done.stdout.decode()


pexpect = pytest.importorskip("pexpect")


def spawn(env, tmp_path):
    child = pexpect.spawn(sys.executable, ["-m", "minigrad.cli"], env=env, cwd=str(tmp_path), encoding="utf-8",
                          dimensions=(40, 120), timeout=60)
    child.expect(">>>")
    return child


def finish(child) -> str:
    child.sendline("'by' + 'e'")
    child.expect("'bye'")
    child.expect(">>>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.mark.skipif(os.name != "posix", reason="signals and a pseudo-terminal")
def test_sigint_at_an_idle_prompt_clears_the_line_without_a_traceback(env, tmp_path):
    child = spawn(env, tmp_path)
    seen = []
    child.logfile_read = type("Log", (), {"write": lambda self, s: seen.append(s), "flush": lambda self: None})()
    child.send("1 + ")
    child.expect_exact("+")  # the prompt has the text (under load, a signal could otherwise overtake the keys)
    time.sleep(0.5)
    child.kill(signal.SIGINT)
    time.sleep(1)
    for _ in range(3):  # several in a row (a held Ctrl-C, a script sending signals)
        child.kill(signal.SIGINT)
        time.sleep(0.02)
    time.sleep(1)
    child.sendline("40 + 2")
    child.expect("42")  # "1 + " was cleared, not kept in front of it
    assert finish(child) == 0
    transcript = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", "".join(seen))
    assert "Traceback" not in transcript and "Unhandled exception" not in transcript
    assert not re.search(r"^43\s*$", transcript, re.M)  # 1 + 40 + 2: the line was not cleared


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
@pytest.mark.parametrize("where", ["folder", "missing/dir/history"])
def test_an_unusable_history_path_gives_one_warning(env, tmp_path, where):
    path = tmp_path / where
    if where == "folder":
        path.mkdir()
    env["MINIGRAD_HISTORY"] = str(path)
    child = spawn(env, tmp_path)
    seen = []
    child.logfile_read = type("Log", (), {"write": lambda self, s: seen.append(s), "flush": lambda self: None})()
    for n in range(3):
        child.sendline(f"{n} * 7")
        child.expect(str(n * 7))
    assert finish(child) == 0
    transcript = child.before + "".join(seen)
    assert "Traceback" not in transcript and "Unhandled exception" not in transcript
    assert "Press ENTER" not in transcript


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_the_history_warning_is_printed_once_at_start(env, tmp_path):
    (tmp_path / "folder").mkdir()
    env["MINIGRAD_HISTORY"] = str(tmp_path / "folder")
    child = pexpect.spawn(sys.executable, ["-m", "minigrad.cli"], env=env, cwd=str(tmp_path), encoding="utf-8",
                          dimensions=(40, 120), timeout=60)
    child.expect("history")
    child.expect(">>>")
    warning = child.before
    child.sendline("6 * 7")
    child.expect("42")
    child.sendline("6 * 8")
    child.expect("48")
    assert finish(child) == 0
    assert "history" not in child.before
    assert "Traceback" not in warning


def test_a_command_argument_too_deep_to_compile_is_one_line(env, tmp_path):
    script = b":graph " + b"+".join([b"1"] * 3000) + b"\n:graph " + b"-" * 100_000 + b"1\nprint('after')\n"
    done = piped(env, tmp_path, script)
    out = text_of(done)
    assert "after" in out and out.count(":graph: cannot compile") == 2 and "Traceback" not in out
    assert done.returncode == 1
