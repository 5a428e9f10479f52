"""What the REPL's :step, :graph and :help tell a learner is true, in the real program.

The pexpect test drives `minigrad` in an 80-column pseudo-terminal; the others pipe a
script into it (the REPL reads commands from stdin when it is not a terminal).
"""
from __future__ import annotations

import html
import math
import os
import re
import subprocess
import sys

import pytest

from tests.test_repl import PROMPT, REPO, run, stop

pexpect = pytest.importorskip("pexpect")


def script(lines: list[str], cwd, columns: int = 80) -> str:
    """Run ``lines`` through the real program (stdin not a terminal) and return what it printed."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS=str(columns), HOME=str(cwd), MPLBACKEND="Agg",
               MINIGRAD_HISTORY=str(cwd / "history"), MINIGRAD_PROGRESS=str(cwd / "progress.json"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "minigrad.cli"], input="\n".join(lines) + "\n", text=True,
                          capture_output=True, cwd=cwd, env=env, timeout=120)
    return done.stdout + done.stderr


def _evaluate(arith: str) -> float:
    """The printed arithmetic of a :step line, evaluated as written (² is **2, · and × multiply)."""
    from minigrad.viz.arith import parse_number

    return parse_number(arith)


def _is_true(line: str) -> None:
    """``... = <arithmetic> = <result>``: the arithmetic as printed gives the result as printed (6 digits)."""
    *_, arithmetic, result = [part.strip() for part in line.split(" = ")]
    value = _evaluate(re.sub(r"^\s*(sends|→ \S+\s+local \S+)\s*", "", arithmetic))
    assert f"{value:.6g}" == f"{float(result.split(';')[0]):.6g}", line


@pytest.mark.parametrize("x", [-9.0, 4.0, 7.5])
def test_step_of_a_saturated_tanh_prints_true_arithmetic_and_names_the_node(x, tmp_path):
    out = script([f"x = Value({x})", "n = Value(1.0, label='n2')", "L = (x * n).tanh()", ":step L"], tmp_path)
    local = next(line for line in out.splitlines() if "local dL/dn1 =" in line)
    assert "1 - tanh(n1)²" in local  # the node's own name, never a generic x (the learner's x is 4)
    _is_true(local)  # tanh rounded to -1 would print "1 - (-1)² = 6.09e-08", false as printed
    sends = next(line for line in out.splitlines()[out.splitlines().index(local):] if "sends" in line)
    _is_true(sends.split(";")[-1])
    forward = next(line for line in out.splitlines() if line.strip().startswith("L = tanh(n1)"))
    assert f"tanh({x:g}) = " in forward
    assert "every .grad of this graph now holds this pass's gradient" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_step_sums_of_contributions_are_true_as_printed(tmp_path):
    out = script(["a = Value(0.1, label='a')", ":step a*a + a*0.2"], tmp_path)
    line = next(line for line in out.splitlines() if "dL/da = sum of contributions" in line)
    total = line.split(" = ")[-2]
    assert math.isclose(sum(float(p) for p in total.split(" + ")), float(line.split(" = ")[-1]), rel_tol=5e-7)


def test_the_quiz_accepts_the_functions_its_hints_print(tmp_path):
    out = script(["a, b = Value(2.0, label='a'), Value(2.0, label='b')", ":step --quiz (a*b).tanh()",
                  "1 - tanh(4)**2", "2*(1 - tanh(4)²)", "q"], tmp_path)
    assert "is not a number" not in out
    assert out.count("✓ right") == 2, out


def test_graph_after_step_shows_the_gradient_step_left_as_stale(tmp_path):
    out = script(["a = Value(2.0, label='a'); b = Value(-0.002, label='b')", ":step a*b", ":graph a*b g.svg",
                  "print('a.grad', a.grad)"], tmp_path)
    graph = out[out.index("graph written to"):]
    a_row = next(line for line in graph.splitlines() if line.strip().startswith("a (input)"))
    assert "grad -0.002 (stale)" in a_row  # not "grad -": a.grad is -0.002, from the :step before
    assert "backward has not run on this graph" in graph
    svg = html.unescape((tmp_path / "g.svg").read_text())
    assert "grad -0.0020 (stale)" in svg and "backward() has not run on this graph" in svg
    assert "a.grad -0.002" in out


def test_graph_rankdir_option_and_names_shared_with_step(tmp_path):
    out = script(["a, b, c = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c')",
                  "L = (a*b + c).tanh(); L.backward()", ":graph L tb.svg rankdir=TB", ":graph L x.svg rankdir=UP",
                  ":step L"], tmp_path)
    assert "rankdir=UP is not a direction" in out
    svg = (tmp_path / "tb.svg").read_text()
    for name in ("n1", "n2", "L"):
        assert re.search(rf">{name}<", svg), name
    assert re.search(r"n1 = a \* b\s+data -6", out)  # the outline
    assert "backward 4/6: n1 = a * b" in out  # :step


def test_help_lines_are_wrapped_once(tmp_path):
    out = script([":help step", ":help graph", ":help train", ":help lesson"], tmp_path)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # wrapped twice, a pre-wrapped line spills a word onto a hanging line of its own and its sentence then
    # goes on at the paragraph's indentation:  "  ... then walks" / "    backward" / "  one node per ..."
    for spill, after in zip(lines, lines[1:]):
        if re.match(r"    \S", spill) and re.match(r"  [a-z(]", after):
            pytest.fail(f"double-wrapped: {spill!r} / {after!r}")


@pytest.mark.slow
def test_did_you_mean_and_a_saturated_step_in_an_80_column_terminal(tmp_path):
    e = dict(os.environ, TERM="xterm", COLUMNS="80", LINES="40", NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1",
             MINIGRAD_HISTORY=str(tmp_path / "history"), MINIGRAD_PROGRESS=str(tmp_path / "progress.json"),
             HOME=str(tmp_path), MPLBACKEND="Agg")
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, e.get("PYTHONPATH", "")]))
    child = pexpect.spawn(sys.executable, ["-m", "minigrad.cli"], env=e, cwd=str(tmp_path), encoding="utf-8",
                          dimensions=(40, 80), timeout=60)
    child.expect(PROMPT)
    run(child, "totl = 3")
    run(child, "total")
    child.expect(r"NameError: name 'total' is not defined\. Did you mean: 'totl'\?")
    run(child, "x = Value(-4.5, label='x')")
    run(child, ":step (x*2).tanh()")
    child.expect(r"local dL/dn1 = 1 - tanh\(n1\)² = 1 - \((-0\.9999\d+)\)² = ([0-9.e-]+)")
    shown, result = child.match.group(1), child.match.group(2)
    assert f"{1 - float(shown) ** 2:.6g}" == result
    child.send("q")
    child.expect("backward done")
    child.expect(PROMPT)
    stop(child)
