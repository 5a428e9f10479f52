"""The notebook stepper walks backward in the REPL's words and leaves the same gradients."""
from __future__ import annotations

import contextlib
import io

import pytest

from minigrad import Tensor, Value, viz
from repl.app import run_script
from repl.commands import load_all
from repl.session import Session

load_all()


def _repl_lines(script: str) -> list[str]:
    out = io.StringIO()
    session = Session(interactive=False, out=out)
    with contextlib.redirect_stdout(out):
        run_script(session, io.StringIO(script))
    return out.getvalue().splitlines()


def test_stepper_says_what_step_says(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    x, w = Value(-4.5, label="x"), Value(2.0, label="w")
    L = (x * w).tanh()
    s = viz.Stepper(L, {"x": x, "w": w})
    shown = [str(s.forward())]
    while not s.done:
        shown.append(str(s.next()))
    ours = "\n".join(shown).splitlines()
    theirs = _repl_lines("x = Value(-4.5, label='x'); w = Value(2.0, label='w')\n:step (x*w).tanh()\n")
    assert ours, "nothing shown"
    for line in filter(None, ours):
        assert line in theirs, f"the stepper said {line!r}, which :step does not"
    assert any("1 - tanh(n1)²" in line for line in ours)
    assert x.grad == pytest.approx(2 * (1 - L.data ** 2)) and w.grad == pytest.approx(-4.5 * (1 - L.data ** 2))


def test_stepping_twice_gives_one_pass_of_gradients():
    a = Value(3.0)
    b = a * a
    viz.Stepper(b).finish()
    viz.Stepper(b).finish()  # zeroed first, like :step: not 12
    assert a.grad == 6.0


def test_back_shows_the_previous_node_and_changes_nothing():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + b
    s = viz.Stepper(c)
    first, second = s.next(), s.next()
    assert s.back() == first
    assert s.next() == second
    assert "backward 1/" in first and "backward 2/" in second


def test_tensor_graphs_step_too():
    W = Tensor([[1.0, -2.0], [0.5, -3.0]], requires_grad=True, label="W")
    x = Tensor([[1.0, 2.0]], label="x")
    loss = (x @ W).relu().sum()
    s = viz.Stepper(loss)
    text = str(s.finish())
    assert "W.grad" in text
    assert W.grad.numpy().tolist() == [[1.0, 0.0], [2.0, 0.0]]


def test_widget_buttons_step_forward_and_back():
    pytest.importorskip("ipywidgets")
    a = Value(2.0, label="a")
    L = (a * a).tanh()
    s = viz.Stepper(L)
    box = s.widget()
    back, forward, end = box.children[0].children
    view = box.children[1]
    assert "forward pass" in view.value
    forward.click()
    assert "backward 1/" in view.value
    forward.click()
    assert "backward 2/" in view.value
    back.click()
    assert "backward 1/" in view.value
    end.click()
    assert "backward done" in view.value and forward.disabled
    assert a.grad == pytest.approx(4 * (1 - L.data ** 2))


def test_a_number_is_not_a_graph():
    with pytest.raises(TypeError, match="not a Value or Tensor"):
        viz.Stepper(3.0)
