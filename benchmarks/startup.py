"""Start-up costs: ``import minigrad`` and the REPL from launch to its first ``>>> `` prompt.

Each is measured in a fresh interpreter (so nothing is cached in the process), the
kinds taking turns, and the table gives the median of the repeats with their spread.
The REPL is driven by pexpect on a pseudo terminal, as a person at a keyboard would
start it, and compared with a fresh ``python -c "import numpy"`` timed the same way
in the same run (launch to exit): absolute times differ between machines, the ratio
is the target (at most 3x).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

from .common import Row, Timing, timed_row

SECTION = "start-up (fresh process each, median of the repeats)"

_CPR_REQUEST = "\x1b[6n"
_IMPORT_TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_time(module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter (interpreter start-up not included)."""
    out = subprocess.run([sys.executable, "-c", _IMPORT_TIMER.format(module=module)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def process_time(argv: list[str]) -> float:
    """Seconds from launching ``argv`` to its exit."""
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - start


def prompt_time(argv: list[str], timeout: float = 30.0) -> float:
    """Seconds from spawning ``argv`` on a terminal to its first ``>>>`` prompt being drawn."""
    import pexpect

    # a throw-away history file: timing the REPL must not write to the user's own history
    env = dict(os.environ, TERM="xterm", PYTHONSTARTUP="",
               MINIGRAD_HISTORY=os.path.join(tempfile.gettempdir(), f"minigrad-bench-history-{os.getpid()}"))
    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=timeout, dimensions=(24, 100))
    try:
        # prompt-toolkit asks the terminal where the cursor is (CPR): answer as a terminal would,
        # and stop the clock at the prompt's ">>>" (it moves the cursor rather than print the space)
        while child.expect_exact([_CPR_REQUEST, ">>>"]) == 0:
            child.send("\x1b[1;1R")
        return time.perf_counter() - start
    finally:
        child.terminate(force=True)


def _minigrad_command() -> list[str] | None:
    here = os.path.join(os.path.dirname(sys.executable), "minigrad")
    if os.path.exists(here):
        return [here]
    found = shutil.which("minigrad")
    return [found] if found else None


def compile_bytecode() -> None:
    """Write minigrad's and the REPL's bytecode before timing, as a user's first start leaves it.

    NumPy and prompt_toolkit were compiled when pip installed them; an editable install
    of minigrad is not, and where ``PYTHONDONTWRITEBYTECODE`` is set (this sandbox sets
    it) every start would compile each changed module again: measured that way, start-up
    time is mostly the compiler. ``make run`` compiles the same way before it starts the REPL.
    """
    import compileall

    import minigrad
    import repl

    for package in (minigrad, repl):
        compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)


def run(quick: bool = False, **_: Any) -> list[Row]:
    repeats = 5 if quick else 7
    compile_bytecode()
    command = _minigrad_command()
    measures = {
        "import minigrad": lambda: import_time("minigrad"),
        "import numpy": lambda: import_time("numpy"),
        "python -c 'import numpy'": lambda: process_time([sys.executable, "-c", "import numpy"]),
    }
    if command is not None:
        measures["REPL"] = lambda: prompt_time(command)
    t = {name: Timing() for name in measures}
    problems = []
    for r in range(repeats):
        names = list(measures)
        for name in names[r % len(names):] + names[:r % len(names)]:  # rotate who goes first
            try:
                t[name].runs.append(measures[name]())
            except Exception as exc:  # the REPL may be mid-rewrite: report, do not abort the whole run
                problems.append(f"{name}: {type(exc).__name__}")
    rows = [timed_row(SECTION, "import minigrad", t["import minigrad"], "import numpy", t["import numpy"],
                      target=2.0, note="minigrad's bytecode written first, as a first start leaves it")]
    numpy_process = t["python -c 'import numpy'"]
    if command is None:
        rows.append(Row(SECTION, "REPL start to first prompt", None, "s", "python -c 'import numpy'",
                        numpy_process.median, note="the `minigrad` command is not installed"))
    elif not t["REPL"].runs:
        rows.append(Row(SECTION, "REPL start to first prompt", None, "s", note="no prompt: " + ", ".join(problems)))
    else:
        rows.append(timed_row(SECTION, "REPL start to first prompt", t["REPL"], "python -c 'import numpy'",
                              numpy_process, target=3.0, note="; ".join(problems)))
    return rows
