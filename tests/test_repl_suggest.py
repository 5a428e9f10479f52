"""The REPL's tracebacks carry Python's own "Did you mean" hint (Python 3.10+ prints it)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from repl.console import run_source
from repl.suggest import suggestion

CASES = [  # (namespace setup, the line with a typo)
    ("valu = 3", "value"),
    ("", "prnt(1)"),
    ("from minigrad import Value\na = Value(2.0)", "a.dat"),
    ("import math", "math.tanhh(1)"),
    ("totl_loss = 1.0", "total_loss"),
    ("", "zzzzqqq"),  # nothing close: no hint
    ("class C:\n    _hidden = 1\n    shown = 2\nc = C()", "c.showm"),
]


def _interpreter_hint(setup: str, line: str) -> str | None:
    """What `python` itself prints for the line (CPython adds the hint when it prints the traceback)."""
    err = subprocess.run([sys.executable, "-c", f"{setup}\n{line}"], capture_output=True, text=True).stderr
    last = err.strip().splitlines()[-1]
    return last.split("Did you mean: '", 1)[1].split("'", 1)[0] if "Did you mean" in last else None


@pytest.mark.parametrize("setup, line", CASES)
def test_the_repl_suggests_what_python_suggests(setup, line, capsys):
    namespace: dict = {}
    exec(setup, namespace)
    assert run_source(line, namespace) is False
    shown = capsys.readouterr().out.strip().splitlines()[-1]
    expected = _interpreter_hint(setup, line)
    if expected is None:
        assert "Did you mean" not in shown
    else:
        assert shown.endswith(f". Did you mean: '{expected}'?")
        assert shown.count("Did you mean") == 1  # never twice (Python 3.12+ adds it itself)


def test_suggestion_needs_a_name_error_or_attribute_error():
    assert suggestion(ValueError("x"), None) is None
    assert suggestion(NameError("name 'x' is not defined"), None) is None  # no .name, no frame
