"""The REPL's parts without a terminal: argument splitting, input completeness, :step's numbers, the quiz's judge,
completion and the toolbar."""
from __future__ import annotations

import contextlib
import io
import math
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, Value
from repl import registry
from repl.app import run_script
from repl.commands import load_all
from repl.console import is_complete, run_source
from repl.commands.quiz import is_close, parse_number, parse_shape
from repl.session import Session
from repl.commands.step import Walk

load_all()


def scripted(text: str) -> tuple[str, int]:
    out = io.StringIO()
    session = Session(interactive=False, out=out)
    with contextlib.redirect_stdout(out):  # print() in user code goes to sys.stdout, as in the real program
        status = run_script(session, io.StringIO(text))
    return out.getvalue(), status


def test_split_args_keeps_brackets_and_quotes_together():
    assert registry.split_args("nn.MLP([2, 4, 1]) X y") == ["nn.MLP([2, 4, 1])", "X", "y"]
    assert registry.split_args("f('a b') x") == ["f('a b')", "x"]
    positional, options = registry.split_options("model moons epochs=5 lr=0.1 f(a=1)")
    assert positional == ["model", "moons", "f(a=1)"]
    assert options == {"epochs": "5", "lr": "0.1"}


def test_nearest_command_is_suggested():
    assert registry.nearest("stpe")[0] == "step"
    assert "train" in registry.nearest("trian")


@pytest.mark.parametrize("source, complete", [
    ("1 + 1", True), ("for i in range(3):", False), ("for i in range(3):\n    print(i)", False),
    ("for i in range(3):\n    print(i)\n", True), ("x = (1,\n2", False), ("x = (1,\n2)", True), ("1 +* 2", True),
])
def test_is_complete_follows_the_python_prompt(source, complete):
    assert is_complete(source) is complete


def test_run_source_prints_values_and_survives_errors():
    ns: dict = {}
    out = io.StringIO()
    assert run_source("x = 21", ns, out)
    assert run_source("x * 2", ns, out)
    assert not run_source("1/0", ns, out)
    text = out.getvalue()
    assert "42" in text and "ZeroDivisionError" in text
    assert ns["_"] == 42
    assert "repl/console.py" not in text  # the REPL's own frames are not shown


def _engine_grads():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    L = (a * b + c).tanh()
    L.backward()
    return a.grad, b.grad, c.grad


def test_walk_matches_backward_for_values():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    a.grad = 5.0  # stale gradient: :step starts a fresh pass
    walk = Walk((a * b + c).tanh(), {"a": a, "b": b, "c": c})
    walk.finish()
    assert (a.grad, b.grad, c.grad) == _engine_grads()
    grads = {walk.names[s.node]: s.grad for s, _ in walk.steps}
    assert grads["L"] == 1.0
    assert math.isclose(grads["n2"], 1 - math.tanh(4.0) ** 2)
    text = "\n".join(line for i in range(len(walk.steps)) for line in walk.step_text(i))
    assert "(-3)" in text and re.search(r"1 - tanh\(n2\)² = 1 - 0\.99932\d*² = 0\.00134095", text)


def test_walk_shows_a_gradient_as_the_sum_of_its_contributions():
    x = Value(3.0, label="x")
    y = x * x + x  # x feeds two nodes (three edges): dy/dx = 2x + 1 = 7
    walk = Walk(y, {})
    walk.finish()
    last = walk.gradient_line(len(walk.steps) - 1)
    assert "sum of contributions" in last and last.endswith("= 7")
    assert x.grad == 7.0


def test_walk_on_tensors_shows_formulas_and_shapes():
    W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    root = ((W @ W) * 2).sum()
    walk = Walk(root, {"W": W})
    walk.finish()
    text = "\n".join(line for i in range(len(walk.steps)) for line in walk.step_text(i))
    assert "g @ Wᵀ" in text and "shape (2, 2)" in text  # the rule written with the parents' names
    w = np.array([[1.0, 3.0], [2.0, 4.0]])
    expected = 2 * (np.ones((2, 2)) @ w + w @ np.ones((2, 2)))
    np.testing.assert_allclose(W.grad.numpy(), expected)


def test_quiz_parsing_and_tolerance():
    assert parse_number("1 - 0.5**2") == 0.75
    assert parse_number("-3*0.25") == -0.75
    with pytest.raises(ValueError):
        parse_number("__import__('os')")
    assert is_close(0.0013, 0.00134095) is True  # within 1e-4 absolute
    assert is_close(0.5, 0.75) is False
    assert parse_shape("(4, 3)") == (4, 3) and parse_shape("4x3") == (4, 3)


def test_scripted_step_prints_the_engine_gradients():
    out, status = scripted('a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")\n'
                           ":step (a*b + c).tanh()\n")
    ga, gb, gc = _engine_grads()
    assert status == 0
    assert f"a.grad = {ga:.6g}" in out and f"b.grad = {gb:.6g}" in out and f"c.grad = {gc:.6g}" in out
    assert "backward 6/6" in out


def test_scripted_quiz_accepts_right_and_corrects_wrong():
    out, _ = scripted('a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")\n'
                      ":step --quiz (a*b + c).tanh()\n1 - 0.999329**2\n5\nq\n")
    assert "✓ right: dL/dn2 = dL/dL × dL/dn2 = 1 × 0.00134095" in out
    assert "✗ not quite: you said 5, but dL/dc = dL/dn2 × dn2/dc = 0.00134095 × 1 = 0.00134095" in out
    assert "quiz: 1/2 right" in out


def test_scripted_errors_keep_going_and_set_the_status():
    out, status = scripted("1/0\n:stpe x\nprint('still here')\n")
    assert "ZeroDivisionError" in out and "Did you mean :step" in out and "still here" in out
    assert status == 1


def test_scripted_blocks_end_at_a_dedent_or_blank_line():
    out, status = scripted("for i in range(2):\n    print('i', i)\nprint('after')\n"
                           "def f(x):\n    return x + 1\n\nf(1)\n")
    assert out.split() == ["i", "0", "i", "1", "after", "2"]
    assert status == 0


def test_help_lists_every_command_and_explains_one():
    out, _ = scripted(":help\n:help step\n")
    for name in ("graph", "step", "train", "inspect", "lesson", "device", "seed", "save", "load", "reset", "quit"):
        assert f":{name}" in out
    assert "--quiz asks you" in out


def test_completion_offers_names_commands_and_arguments():
    pytest.importorskip("prompt_toolkit")
    from repl.completion import command_words, python_words

    session = Session(interactive=False, out=io.StringIO())
    session.namespace["my_model"] = object()
    assert ("my_model", 4) in python_words(session, "my_m")
    assert ("manual_seed", 3) in python_words(session, "mg.man")
    assert (":step", 4) in command_words(session, ":ste")
    assert ("opt=adam", 4) in command_words(session, ":train m moons opt=")
    assert any(w == "my_model" for w, _ in command_words(session, ":train my_"))


def test_toolbar_shows_device_grad_mode_lesson_and_loss():
    from repl.toolbar import toolbar_items

    session = Session(interactive=False, out=io.StringIO())
    session.last_loss = 0.25
    items = dict(toolbar_items(session))
    assert items == {"device": mg.default_device(), "grad": "on", "lesson": "—", "loss": "0.25"}
    with mg.no_grad():
        assert dict(toolbar_items(session))["grad"].startswith("off")


def test_reset_forgets_names_but_keeps_the_preimports():
    out, _ = scripted("x = 1\n:reset\nprint('x' in dir(), nn.Linear.__name__)\n")
    assert "False Linear" in out


TINY_LESSON = """# Lesson 99 — a tiny lesson

Some prose about doubling.

```python
x = mg.Value(3.0)
y = x * 2
print("y is", y.data)
```

More prose.

```python
# check
assert y.data == 6.0
print("checked", y.data)
```
"""


def test_lesson_walks_blocks_in_the_session_namespace_and_saves_progress(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("MINIGRAD_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "99-tiny.md"
    path.write_text(TINY_LESSON)
    out, status = scripted(f":lesson {path}\nprint('after', y.data)\n")
    assert status == 0
    assert "Some prose about doubling." in out and "y is 6.0" in out
    assert "✓ check passed" in out and "checked 6.0" in out and "after 6.0" in out
    saved = json.loads((tmp_path / "progress.json").read_text())
    assert saved["lesson"] == str(path) and str(path) in saved["done"]


def test_lesson_reports_a_failing_check(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "98-broken.md"
    path.write_text(TINY_LESSON.replace("== 6.0", "== 7.0, 'y should be 7'"))
    out, _ = scripted(f":lesson {path}\n")
    assert "✗ check failed: y should be 7" in out


def test_lesson_list_and_unknown_lesson(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_PROGRESS", str(tmp_path / "progress.json"))
    out, status = scripted(":lesson list\n:lesson 77\n")
    assert "open one with :lesson N" in out
    assert ":lesson:" in out and status == 1


def test_save_and_load_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, status = scripted("model = nn.MLP([2, 4, 1])\nother = nn.MLP([2, 4, 1])\n"
                           ":save model m.npz\n:load m.npz other\n"
                           "print('same', all((p.numpy() == q.numpy()).all() "
                           "for p, q in zip(model.parameters(), other.parameters())))\n"
                           ":load m.npz\nprint(sorted(state))\n:load missing.npz\n")
    assert "saved model (17 parameters)" in out and "loaded m.npz into other" in out
    assert "same True" in out and "layers.0.weight" in out
    assert "no file 'missing.npz'" in out and status == 1


def test_inspect_flags_vanishing_gradients():
    out, status = scripted("mg.manual_seed(0)\n"
                           "deep = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8, init='random'), nn.Sigmoid()) "
                           "for _ in range(12)])\n:inspect deep\n")
    assert status == 0
    assert "deep on a random batch (64, 8)" in out
    assert "vanishing: gradient norm < 1e-7" in out


def test_train_scripted_prints_progress_and_keeps_history():
    out, status = scripted("mg.manual_seed(0)\nmodel = nn.MLP([2, 8, 1])\n"
                           ":train model moons epochs=4 every=2 lr=0.05\n"
                           ":train model data.make_moons(100) epochs=2\n"
                           "print('epochs', _train.epochs_done, len(_train.losses))\n")
    assert status == 0
    assert "epoch 2/4" in out and "epoch 4/4" in out and "gradient norm per layer" in out
    assert "epochs 6 6" in out  # the second run continued the same model's history


@pytest.mark.parametrize("args, message", [
    ("model moons opt=lbfgs", "opt= must be one of"),
    ("model moons epochs=0", "epochs= must be greater than 0"),
    ("model moons speed=3", "unknown option(s) speed"),
    ("model", "give a model and data"),
    ("3 moons", "not a model"),
    ("nn.scalar.MLP(2, [1]) moons", "scalar (Value) network"),
])
def test_train_rejects_bad_arguments(args, message):
    out, status = scripted(f"model = nn.MLP([2, 4, 1])\n:train {args}\n")
    assert message in out and "usage: :train" in out and status == 1


def test_device_and_seed():
    out, status = scripted(":device\n:device tpu\n:seed 3\nx = mg.randn(2)\n:seed 3\n"
                           "print((x.numpy() == mg.randn(2).numpy()).all())\n")
    assert "device: cpu" in out and "unknown device 'tpu'" in out and "True" in out
    assert status == 1


def test_minigrad_never_imports_prompt_toolkit_and_scripts_do_not_need_it():
    import subprocess
    import sys

    code = ("import sys, minigrad, minigrad.nn, minigrad.optim, minigrad.data, minigrad.viz, minigrad.lessons\n"
            "print('library', 'prompt_toolkit' in sys.modules)\n")
    lib = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert lib.stdout.strip() == "library False"
    script = subprocess.run([sys.executable, "-m", "minigrad.cli"], input="import sys\n"
                            "print('repl', 'prompt_toolkit' in sys.modules)\n", capture_output=True, text=True,
                            timeout=60)
    assert script.stdout.strip() == "repl False"


def test_quiz_explains_each_contribution_with_its_own_local_derivative():
    out, _ = scripted('x = Value(3.0, label="x")\n:step --quiz x*x - x\n1\n4\n')
    # dL/dx = 2x - 1 = 5: the subtraction sends -1, each factor of x*x sends 3
    assert "✗ not quite: you said 4, but dL/dx = the sum of its 3 contributions: dL/dL × dL/dx = 1 × (-1) = -1" in out
    assert "= 5" in out and "x.grad = 5" in out


def test_command_line_options(capsys):
    from repl.app import main

    assert main(["--bogus"]) == 2
    assert "unknown option '--bogus'" in capsys.readouterr().err
    assert main(["--device", "tpu"]) == 2
    assert "unknown device 'tpu'" in capsys.readouterr().err


def test_keys_typed_ahead_of_step_are_used_in_order_and_the_rest_kept():
    # prompt-toolkit reads every waiting key; those typed right after the Enter that ran :step sit in its
    # type-ahead buffer and must drive the walk, and what the walk does not use goes back for the next prompt
    from prompt_toolkit.input.base import DummyInput
    from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
    from prompt_toolkit.key_binding import KeyPress
    from prompt_toolkit.keys import Keys

    from repl.keys import BACK, NEXT, key_meaning, read_key

    inp = DummyInput()
    store_typeahead(inp, [KeyPress(Keys.ControlM, "\r"), KeyPress("x", "x"), KeyPress("b", "b"),
                          KeyPress(Keys.Right, "\x1b[C"), KeyPress("a", "a")])
    assert [read_key(inp), read_key(inp), read_key(inp)] == [NEXT, BACK, NEXT]  # 'x' means nothing: skipped
    assert [k.data for k in get_typeahead(inp)] == ["a"]
    assert key_meaning("q") == "quit" and key_meaning("\x1b[D") == BACK and key_meaning("z") is None


def test_train_frame_lines_fit_the_width_even_with_long_titles():
    from minigrad.viz.term import strip_ansi
    from repl.commands.train_view import frame

    title = ":train model on data.make_circles(): 300 examples, opt=adam lr=0.01 batch=64 loss=bce\nepoch 3/10"
    heat = lambda w, h: "\n".join(["." * w] * h + ["axis".ljust(w)])  # noqa: E731
    lines = frame(title, [0.7, 0.5, 0.4], {"layers.0": 0.3, "layers.2": 1e-9}, 80, 30, heat=heat,
                  footer="Ctrl-C stops (the model keeps what it learned)")
    assert len(lines) <= 30 and max(len(strip_ansi(line)) for line in lines) <= 80
    plain = [strip_ansi(line) for line in lines]
    assert plain[0].startswith(":train model") and "loss=bce" in plain[1]  # wrapped, not cut
    assert plain[-1].startswith("Ctrl-C stops") and plain[-2] == "axis".ljust(80)


def test_graph_outline_before_backward_shows_no_gradients_not_vanishing(tmp_path):
    pic = tmp_path / "g.svg"
    out, status = scripted(f"a, b = Value(2.0, label='a'), Value(0.0, label='b')\n:graph a*b {pic}\n")
    assert status == 0 and pic.exists()
    assert "no gradients yet" in out and "L = a*b; L.backward(); :graph L" in out
    assert "vanishing" not in out and "exactly 0" not in out
    out, _ = scripted(f"a, b = Value(2.0, label='a'), Value(0.0, label='b')\nL = a*b\nL.backward()\n:graph L {pic}\n")
    assert "no gradients yet" not in out
    line = [x for x in out.splitlines() if x.strip().startswith("a (input)")][0]
    assert "grad 0" in line and "gradient exactly 0" in line  # a's gradient is b = 0: flagged as zero


def test_step_names_a_constant_input_by_its_variable():
    x = Tensor([[1.0, 2.0]])
    W = Tensor([[1.0], [2.0]], requires_grad=True)
    walk = Walk((x @ W).sum(), {"x": x, "W": W})
    assert any("x @ W" in line for line in walk.forward_text())


def test_inspect_table_fits_80_columns_with_full_layer_names():
    from minigrad.viz.term import strip_ansi

    out, status = scripted("mg.manual_seed(0)\n"
                           "deep = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8, init='random'), nn.Sigmoid()) "
                           "for _ in range(12)])\n:inspect deep\n")
    assert status == 0
    assert max(len(strip_ansi(line)) for line in out.splitlines()[1:]) <= 80
    assert "layers.11.layers.1 " in out  # nested layer names are shown whole, not cut at 13 characters
    assert "VAN" in out


def test_lesson_prose_is_reflowed_to_the_width():
    from repl.commands.lesson import reflow, short_title

    text = ("# Lesson 3 — A title that is long but stays as written because it is a heading line\n\n"
            "A paragraph whose lines were wrapped for an editor at eighty-six columns, which\n"
            "is too wide for a terminal of eighty.\n\n"
            "    u = b·c        v = a + u        J = 3·v\n\n"
            "- a list item that goes on and on and on until it has to wrap onto a second line\n")
    lines = reflow(text, 40)
    assert lines[0].startswith("# Lesson 3 — A title that is long")  # headings untouched
    body = [line for line in lines[1:] if line and not line.startswith("    u =")]
    assert all(len(line) <= 40 for line in body)
    assert "    u = b·c        v = a + u        J = 3·v" in lines  # indented code kept as written
    item = [i for i, line in enumerate(lines) if line.startswith("- a list item")][0]
    assert lines[item + 1].startswith("  ") and not lines[item + 1].startswith("   ")  # hanging indent
    assert " ".join(" ".join(body).split()).count("eighty-six columns, which is too wide") == 1
    assert short_title("Lesson 3 — Forward and backward") == "Forward and backward"


def test_toolbar_fits_80_columns_keeping_the_lesson_position():
    from repl.toolbar import TAIL, fit_items

    items = [("device", "cpu"), ("grad", "on"), ("lesson", "3 Forward and backward propagation: the graph · 6/16"),
             ("loss", "0.1234")]
    fitted = fit_items(items, 80)
    assert sum(len(f" {label} {value} │") for label, value in fitted) + len(TAIL) <= 80
    lesson = dict(fitted)["lesson"]
    assert lesson.startswith("3 F") and lesson.endswith("… · 6/16")
    assert fit_items(items, 200) == items


def test_op_parameters_that_are_arrays_are_not_printed_in_full():
    a = Tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    out = mg.where(a.numpy() > 0, a, 0.0).sum()
    text = "\n".join(Walk(out, {"a": a}).forward_text())
    assert "cond=<bool (2, 2)>" in text and "[[ True" not in text


def test_graph_of_a_tensor_loss_is_compact_and_names_the_model_layers(tmp_path):
    from minigrad.viz.term import strip_ansi

    pic = tmp_path / "g.svg"
    out, status = scripted("mg.manual_seed(0)\nmodel = nn.MLP([2, 8, 1])\nX, y = data.make_moons(8)\n"
                           "loss = F.mse_loss(model(Tensor(X)), Tensor(y))\nloss.backward(retain_graph=True)\n"
                           f":graph loss {pic} collapse=module\n")
    assert status == 0
    assert "layers.0: Linear" in pic.read_text()  # clusters named after the learner's model
    lines = [strip_ansi(x) for x in out.splitlines() if x.startswith("  ")]
    assert any(x.startswith("  model.layers.0.weight (input)") and "(2, 8)" in x and "grad ‖" in x for x in lines)
    assert all(len(x) <= 80 for x in lines if not x.startswith("  n1 = "))


def test_train_mismatches_are_one_line_errors():
    out, status = scripted("m = nn.MLP([3, 4, 1])\n:train m moons epochs=1\n"
                           "m2 = nn.MLP([2, 4, 1])\n:train m2 moons loss=ce epochs=1\n:train m2 blobs epochs=1\n")
    assert status == 1 and "Traceback" not in out
    assert "m does not take X of shape (200, 2): Linear(3 -> 4)" in out
    assert "loss=ce needs one output per class, but the model has 1 output" in out
    assert "the targets are 3 classes but the model has 1 output" in out


def test_a_command_during_a_scripted_quiz_ends_the_quiz_and_still_runs():
    out, status = scripted('a = Value(2.0, label="a")\n:step --quiz a*a\n:seed 3\nprint("after")\n')
    assert status == 0
    assert "(quiz stopped" in out and "random seed set to 3" in out and "after" in out


def test_train_stops_at_the_first_nan_and_names_the_layer():
    out, _ = scripted("mg.manual_seed(0)\nmodel = nn.MLP([2, 8, 1])\n:train model moons epochs=3 lr=1e38 opt=sgd\n"
                      "print('finite', all(bool(np.isfinite(p.numpy()).all()) for p in model.parameters()))\n")
    assert "NaN or inf first appeared in the output of layer 'layers.2'" in out
    assert "finite True" in out  # the step that failed changed nothing
    out, _ = scripted("model = nn.MLP([2, 4, 1])\nX, y = data.make_moons(50)\nX[3, 0] = float('nan')\n"
                      ":train model X y epochs=2\n")
    assert "the input batch of the model contains NaN or inf" in out
