"""`minigrad graph`: expressions and MLPs to pictures from the command line, and its error messages."""
from __future__ import annotations

import math
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad.cli import main as minigrad_main
from minigrad.viz.cli import ExpressionError, build_expression, build_mlp


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and data.endswith(b"IEND\xaeB`\x82")
    return struct.unpack(">II", data[16:24])


def test_expression_to_png(tmp_path, capsys):
    out = tmp_path / "g.png"
    assert minigrad_main(["graph", "tanh(a*b + c)", "-o", str(out), "--renderer", "pure"]) == 0
    width, height = png_size(out)
    assert width > height > 50
    assert f"wrote {out} (9 boxes: 6 values, 3 ops" in capsys.readouterr().out


def test_expression_values_and_gradients():
    out = build_expression("tanh(a*b + c)", {"a": 2.0, "b": -3.0, "c": 10.0})
    out.backward()
    assert out.label == "out" and abs(out.data - 0.99932929) < 1e-7
    a, b = out.parents[0].parents[0].parents
    assert (a.label, a.data, b.label, b.data) == ("a", 2.0, "b", -3.0)
    assert abs(a.grad - (-3.0) * (1 - out.data ** 2)) < 1e-12


def test_expression_all_operators_and_functions():
    out = build_expression("-x ** 2 / y - exp(x) + log(y) * relu(x) - sigmoid(-y) + x ** y", {"x": 1.5, "y": 2.0})
    import math

    expected = -1.5 ** 2 / 2 - math.exp(1.5) + math.log(2) * 1.5 - 1 / (1 + math.exp(2)) + 1.5 ** 2
    assert abs(out.data - expected) < 1e-12


def test_unset_names_are_reproducible():
    first = build_expression("a * b", seed=3)
    second = build_expression("a * b", seed=3)
    assert first.data == second.data and -4 <= first.data <= 4


@pytest.mark.parametrize("text, message", [
    ("__import__('os')", "not allowed"),
    ("a.b", "not allowed"),
    ("a +", "cannot parse"),
    ("2 + 3", "no names"),
    ("tanh", "is a function"),
    ("tanh(a, b)", "one argument"),
    ("[a, b]", "not allowed"),
])
def test_bad_expressions(text, message):
    with pytest.raises(ExpressionError, match=message):
        build_expression(text)


def test_bad_command_lines(tmp_path, capsys):
    assert minigrad_main(["graph", "os.system('x')", "-o", str(tmp_path / "g.png")]) == 1
    assert "not allowed" in capsys.readouterr().err
    assert minigrad_main(["graph", "a*b", "--set", "a=1", "z=2", "-o", str(tmp_path / "g.png")]) == 1
    assert "does not use" in capsys.readouterr().err
    assert minigrad_main(["graph", "a*b", "--set", "a:1", "-o", str(tmp_path / "g.png")]) == 1
    assert "name=number" in capsys.readouterr().err
    assert minigrad_main(["graph", "-o", str(tmp_path / "g.png")]) == 2
    assert "either an expression or --mlp" in capsys.readouterr().err
    assert minigrad_main(["graph", "a*b", "-o", str(tmp_path / "g.gif")]) == 1
    assert ".png, .svg or .pdf" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        minigrad_main(["graph", "--mlp", "2,x", "-o", str(tmp_path / "g.png")])
    assert "sizes like 2,4,1" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_mlp_to_png(tmp_path, capsys):
    out = tmp_path / "mlp.png"
    assert minigrad_main(["graph", "--mlp", "2,4,1", "-o", str(out), "--renderer", "pure"]) == 0
    png_size(out)
    assert "22 boxes: 14 values, 8 ops" in capsys.readouterr().out


def test_mlp_has_gradients_and_layer_names():
    loss, model = build_mlp([2, 4, 1], batch=4)
    assert all(p.grad is not None for p in model.parameters())
    from minigrad import viz

    src = viz.draw(loss, model=model).source
    assert "label=\"layers.0: Linear(2 -> 4" in src and "label=\"layers.1: Tanh()\"" in src and "grad -" in src


def test_scalar_mlp_is_folded(tmp_path, capsys):
    out = tmp_path / "s.svg"
    assert minigrad_main(["graph", "--mlp", "2,4,1", "--scalar", "--batch", "3", "-o", str(out),
                          "--renderer", "pure"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"231 boxes \(138 values, 93 ops\) folded into \d+", text)
    svg = out.read_text()
    assert "layers.0.neurons.0" in svg and "3 parameters" in svg


def test_collapse_and_layout_flags(tmp_path):
    out = tmp_path / "c.svg"
    assert minigrad_main(["graph", "--mlp", "3,5,2", "--collapse", "module", "--rankdir", "TB", "--no-data",
                          "-o", str(out), "--renderer", "pure"]) == 0
    svg = out.read_text()
    assert "20 parameters" in svg and "mean " not in svg


def test_installed_command_runs(tmp_path):
    """The console script path: `python -m minigrad.cli graph ...` in a fresh process."""
    out = tmp_path / "g.png"
    done = subprocess.run([sys.executable, "-m", "minigrad.cli", "graph", "relu(x*w + b)", "-o", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    png_size(out)


def test_expression_picture_shows_gradients(tmp_path, capsys, monkeypatch):
    # the command runs backward, so the boxes carry grads (micrograd's draw_dot), unless --no-grad
    import sys

    render_mod = sys.modules["minigrad.viz.render"]  # (the attribute viz.render is the function)
    sources = []
    monkeypatch.setattr(render_mod, "render_bytes", lambda graph, fmt, **kw: sources.append(graph.source) or b"x")
    assert minigrad_main(["graph", "a*b", "--set", "a=2", "b=-3", "-o", str(tmp_path / "g.png")]) == 0
    assert "grad -3.0000" in sources[0] and "grad 2.0000" in sources[0] and "No gradients yet" not in sources[0]
    assert "style=\"filled,bold\"" not in sources[0]  # plain Values are not drawn as parameters
    assert minigrad_main(["graph", "a*b", "--no-grad", "-o", str(tmp_path / "h.png")]) == 0
    assert "| grad" not in sources[1] and "No gradients yet" not in sources[1] and "| data" in sources[1]


def test_unwritable_output_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert minigrad_main(["graph", "a*b", "-o", str(blocker / "g.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"minigrad graph: cannot write {blocker / 'g.png'}") and "Traceback" not in err


def one_error_line(capsys, argv, tmp_path) -> str:
    """Run `minigrad graph ARGV`: exit status 1, no picture, and exactly one line on stderr."""
    assert minigrad_main(["graph", *argv, "-o", str(tmp_path / "g.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("minigrad graph: ") and "Traceback" not in err, err
    assert not (tmp_path / "g.svg").exists()
    return err


@pytest.mark.parametrize("text, message", [
    ("a + 10**400", "too large"),
    ("a * 123456789012345678901234567890**99", "too large"),
    ("a*(-8)**0.5", "not a real number"),
    ("a*(-8)**a", None),  # a Value exponent: the engine's own rule (a real error or nan, never a traceback)
    ("a + " + "-" * 100_000 + "a", "too long"),
    ("+".join(["a"] * 3000), "too long|too deeply"),
    ("(" * 500 + "a" + ")" * 500, "too deeply|parenthes"),
])
def test_hostile_expressions_are_one_line_each(tmp_path, capsys, text, message):
    status = minigrad_main(["graph", text, "-o", str(tmp_path / "g.svg"), "--renderer", "pure"])
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") <= 1
    if message is not None:
        assert status == 1 and err.startswith("minigrad graph: ")
        import re

        assert re.search(message, err), err


@pytest.mark.parametrize("text", ["a * 9**9**9", "a ** 9**9**9", "2**2**2**2**2**2 + a"])
def test_a_huge_power_is_refused_quickly_in_a_fresh_process(tmp_path, text):
    """9**9**9 would compute a 370-million-digit integer for ever: in a subprocess, so that a hang
    fails the test (after 30 s) instead of stopping the suite."""
    try:
        done = subprocess.run([sys.executable, "-m", "minigrad.cli", "graph", text, "-o", str(tmp_path / "g.svg")],
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"minigrad graph {text!r} did not finish within 30 s")
    assert done.returncode == 1 and "too large" in done.stderr and "Traceback" not in done.stderr


def test_a_thousand_term_expression_is_drawn(tmp_path, capsys):
    text = " + ".join(f"0.5*w{i}*x{i}" for i in range(700)) + " + " + " - ".join(["b"] * 300)
    out = build_expression(text)
    out.backward()
    assert out.label == "out" and math.isfinite(out.data)
    assert minigrad_main(["graph", text, "-o", str(tmp_path / "g.svg"), "--renderer", "pure"]) == 0
    assert "wrote" in capsys.readouterr().out


def test_an_expression_with_too_many_parts_is_one_line(tmp_path, capsys):
    text = "*a*".join("(" + "+".join(["1"] * 500) + ")" for _ in range(25))  # shallow, but 25,000 parts
    assert "parts" in one_error_line(capsys, [text], tmp_path)


@pytest.mark.parametrize("sizes, extra", [("100000,100000,1", []), ("2,4,1", ["--batch", "1000000000"]),
                                          ("100,100,100,1", ["--scalar"])])
def test_mlps_too_big_to_draw_are_one_line(tmp_path, capsys, sizes, extra):
    assert "too big" in one_error_line(capsys, ["--mlp", sizes, *extra], tmp_path)


def test_the_allowed_functions_are_the_value_ops():
    """The list comes from the engine: every unary op of Value, and nothing else."""
    from minigrad import Value
    from minigrad.viz.cli import FUNCTIONS

    assert set(FUNCTIONS) == {"exp", "log", "tanh", "relu", "sigmoid"}
    for name in FUNCTIONS:
        assert isinstance(getattr(Value(0.5), name)(), Value)
