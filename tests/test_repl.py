"""The real `minigrad` program in a pseudo-terminal (pexpect), as a learner uses it.

Timeouts are generous (the suite shares two cores with other work); the terminal
is fixed at 120x40 with colours off so the text can be matched.
"""
from __future__ import annotations

import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

PROMPT = ">>>"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 30


def _grads() -> tuple[float, float, float]:
    from minigrad import Value

    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    (a * b + c).tanh().backward()
    return a.grad, b.grad, c.grad


def start(env, cwd) -> "pexpect.spawn":
    child = pexpect.spawn(sys.executable, ["-m", "minigrad.cli"], env=env, cwd=str(cwd), encoding="utf-8",
                          dimensions=(40, 120), timeout=TIMEOUT)
    child.expect(PROMPT)
    return child


def run(child, line: str) -> None:
    child.sendline(line)


def stop(child) -> None:
    """Ctrl-D leaves (sent once the prompt is up again: a ^D typed before that is eaten by the terminal)."""
    run(child, "'by' + 'e'")
    child.expect("'bye'")
    child.expect(PROMPT)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


ABC = 'a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")'


@pytest.mark.slow
def test_evaluate_errors_and_bad_commands_leave_the_session_alive(env, tmp_path):
    child = start(env, tmp_path)
    run(child, "6 * 7")
    child.expect("42")
    run(child, "1/0")
    child.expect("ZeroDivisionError: division by zero")
    run(child, ":stpe (a*b)")
    child.expect(r"unknown command :stpe\. Did you mean :step")
    run(child, "for i in range(2):")
    run(child, "print('line', i)")
    run(child, "")
    child.expect("line 1")
    child.send("half typed")
    child.sendintr()  # Ctrl-C at the prompt clears the line
    run(child, "'alive'")
    child.expect("'alive'")
    stop(child)


@pytest.mark.slow
def test_graph_writes_a_png(env, tmp_path):
    child = start(env, tmp_path)
    run(child, ABC)
    run(child, "L = (a*b + c).tanh(); L.backward()")
    run(child, ":graph L picture.png")
    child.expect("graph written to")
    child.expect(r"L = tanh\(n2\)")
    child.expect(PROMPT)
    assert (tmp_path / "picture.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stop(child)


@pytest.mark.slow
def test_step_shows_the_engines_numbers_one_node_per_key(env, tmp_path):
    ga, gb, gc = _grads()
    child = start(env, tmp_path)
    run(child, ABC)
    run(child, ":step (a*b + c).tanh()")
    child.expect("forward pass: 6 node")
    child.expect("backward 1/6")
    child.send(" ")
    child.expect("backward 2/6: n2 = n1 \\+ c")
    child.expect(f"dL/dn2 = {gc:.6g}")
    child.send("b")  # back shows step 1 again
    child.expect(r"\(back\)")
    child.expect("backward 1/6")
    child.send(" ")
    child.send(" ")
    child.expect("backward 3/6")
    child.send("\r")
    child.expect("backward 4/6: n1 = a \\* b")
    child.expect(f"{gc:.6g} × \\(-3\\) = {ga:.6g}")
    child.send("q")  # quit: the rest runs silently and every grad is filled
    child.expect(f"a.grad = {ga:.6g}")
    child.expect(PROMPT)
    run(child, "print('grads', a.grad, b.grad, c.grad)")
    child.expect(f"grads {ga!r} {gb!r} {gc!r}")
    stop(child)


@pytest.mark.slow
def test_keys_typed_right_after_enter_drive_step(env, tmp_path):
    # the command and three "next" keys arrive in one write, as from a fast typist: none may be lost
    child = start(env, tmp_path)
    run(child, ABC)
    child.send(":step (a*b + c).tanh()\r   ")
    child.expect("backward 4/6: n1 = a \\* b")
    child.send("q")
    child.expect("backward done")
    child.expect(PROMPT)
    stop(child)


@pytest.mark.slow
def test_step_quiz_accepts_a_right_answer_and_corrects_a_wrong_one(env, tmp_path):
    child = start(env, tmp_path)
    run(child, ABC)
    run(child, ":step --quiz (a*b + c).tanh()")
    child.expect(r"dL/dn2 = \?")
    run(child, "1 - 0.999329**2")
    child.expect("right: dL/dn2 = dL/dL × dL/dn2 = 1 × 0.00134095")
    child.expect(r"dL/dc = \?")
    run(child, "7")
    child.expect("not quite: you said 7, but dL/dc = dL/dn2 × dn2/dc = 0.00134095 × 1 = 0.00134095")
    child.expect(r"dL/dn1 = \?")
    run(child, "q")
    child.expect("quiz: 1/2 right")
    child.expect(PROMPT)
    stop(child)


@pytest.mark.slow
def test_train_live_view_and_ctrl_c_keeps_the_model(env, tmp_path):
    child = start(env, tmp_path)
    run(child, "model = nn.MLP([2, 16, 16, 1], dropout=0.1)")
    run(child, ":train model moons epochs=1000000")
    child.expect("gradient norm per layer")
    child.expect("decision boundary")
    child.expect("Ctrl-C stops")
    child.expect("epoch")  # a second frame: it refreshes
    child.sendintr()
    child.expect("stopped by Ctrl-C after")
    child.expect(PROMPT)
    run(child, "print('ok', model(Tensor([[0.5, 0.0]])).shape, all(np.isfinite(p.numpy()).all() "
               "for p in model.parameters()), len(_train.losses) > 0)")
    child.expect(r"ok \(1, 1\) True True")
    stop(child)


@pytest.mark.slow
def test_history_persists_to_the_next_start(env, tmp_path):
    child = start(env, tmp_path)
    run(child, "zz_marker = 12345")
    child.expect(PROMPT)
    stop(child)
    assert "zz_marker = 12345" in (tmp_path / "history").read_text()
    child = start(env, tmp_path)
    child.send("\x1b[A")  # up arrow twice: back past stop()'s last line to the marker
    child.send("\x1b[A")
    child.expect("zz_marker")  # drawn by the highlighter with escape codes between the tokens
    child.send("\r")
    run(child, "zz_marker + 1")
    child.expect("12346")
    stop(child)


@pytest.mark.slow
def test_scripted_stdin_gives_the_same_results(env, tmp_path):
    import subprocess

    ga, gb, gc = _grads()
    script = "\n".join([
        ABC, ":step (a*b + c).tanh()", ":step --quiz (a*b + c).tanh()", "1 - 0.999329**2", "7", "q",
        "L = (a*b + c).tanh(); L.backward()", ":graph L picture.png",
        "model = nn.MLP([2, 8, 1])", ":train model moons epochs=5", "print('ok', model(Tensor([[0.5, 0.0]])).shape)",
        "1/0", ":stpe", "print('alive')", "",
    ])
    proc = subprocess.run([sys.executable, "-m", "minigrad.cli"], input=script, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    out = proc.stdout
    assert f"a.grad = {ga:.6g}" in out and f"c.grad = {gc:.6g}" in out
    assert "✓ right" in out and "✗ not quite: you said 7" in out
    assert (tmp_path / "picture.png").exists()
    assert "epoch 5/5" in out and "gradient norm per layer" in out and "ok (1, 1)" in out
    assert "ZeroDivisionError" in out and "Did you mean" in out and "alive" in out
    assert "\x1b[" not in out  # no widgets, no escape codes
    assert proc.returncode == 1  # a line failed


TINY_LESSON = """# Lesson 99 — a tiny lesson

Some prose about doubling.

```python
x = mg.Value(3.0)
y = x * 2
print("y is", y.data)
```

```python
# check
assert y.data == 6.0
print("checked", y.data)
```
"""


@pytest.mark.slow
def test_lesson_runs_block_by_block_and_resumes_in_the_next_session(env, tmp_path):
    path = tmp_path / "99-tiny.md"
    path.write_text(TINY_LESSON)
    child = start(env, tmp_path)
    run(child, f":lesson {path}")
    child.expect("Some prose about doubling.")
    child.expect(r"\[Enter\] run")
    child.send("\r")
    child.expect("y is 6.0")
    child.expect(r"check \(block 3/3\)")
    child.expect(r"\[Enter\] run")
    run(child, "q")
    child.expect("left the lesson at block 3")
    child.expect(PROMPT)
    stop(child)
    child = start(env, tmp_path)  # a new session: the first block runs again quietly, then the check
    run(child, ":lesson")
    child.expect(r"re-running the 1 code block")
    child.expect(r"\[Enter\] run")
    child.send("\r")
    child.expect("checked 6.0")
    child.expect("check passed")
    child.expect("end of Lesson 99")
    stop(child)


@pytest.mark.slow
def test_train_live_view_shows_dev_gap_relative_flags_and_ends_in_eval_mode(env, tmp_path):
    child = start(env, tmp_path)
    run(child, "deep = nn.MLP([2] + [32]*6 + [1], activation='sigmoid', dropout=0.1)")
    child.expect(PROMPT)
    run(child, ":train deep noisy_moons dev=0.3 epochs=40 seed=0 l2=0.1 dropout=0.2")
    child.expect("dev: 30% held out")
    child.expect(r"gradient norm per layer \(the epoch's only batch\)")
    child.expect(r"layers\.0 .* VAN")  # 1/100 of the largest layer, though far above 1e-7
    child.expect("dev loss")
    child.expect(r"trained 40 epoch\(s\); final train [\d.]+%, dev [\d.]+% accuracy: gap")
    child.expect(r"dominant problem: ")
    child.expect("deep is in eval mode now")
    child.expect(PROMPT)
    run(child, "print('training', deep.training, [m.p for m in deep.modules() if type(m).__name__ == 'Dropout'][0])")
    child.expect(r"training False 0\.2")
    stop(child)
