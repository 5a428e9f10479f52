"""Start-up costs: ``import minigrad`` and the REPL from launch to its first ``>>> `` prompt.

Each is measured in a fresh interpreter (so nothing is cached in the process),
several times, keeping the fastest. The REPL is driven by pexpect on a pseudo
terminal, as a person at a keyboard would start it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

from .common import Row

SECTION = "start-up (fresh process, fastest of several)"

_CPR_REQUEST = "\x1b[6n"
_IMPORT_TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_time(module: str, repeats: int) -> float:
    """Seconds to import ``module`` in a fresh interpreter (interpreter start-up not included)."""
    best = float("inf")
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", _IMPORT_TIMER.format(module=module)], capture_output=True,
                             text=True, check=True)
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def prompt_time(argv: list[str], repeats: int, timeout: float = 20.0) -> float:
    """Seconds from spawning ``argv`` on a terminal to its first ``>>>`` prompt being drawn."""
    import pexpect

    best = float("inf")
    # a throw-away history file: timing the REPL must not write to the user's own history
    env = dict(os.environ, TERM="xterm", PYTHONSTARTUP="",
               MINIGRAD_HISTORY=os.path.join(tempfile.gettempdir(), f"minigrad-bench-history-{os.getpid()}"))
    for _ in range(repeats):
        start = time.perf_counter()
        child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=timeout, dimensions=(24, 100))
        try:
            # prompt-toolkit asks the terminal where the cursor is (CPR): answer as a terminal would,
            # and stop the clock at the prompt's ">>>" (it moves the cursor rather than print the space)
            while child.expect_exact([_CPR_REQUEST, ">>>"]) == 0:
                child.send("\x1b[1;1R")
            best = min(best, time.perf_counter() - start)
        finally:
            child.terminate(force=True)
    return best


def _minigrad_command() -> list[str] | None:
    here = os.path.join(os.path.dirname(sys.executable), "minigrad")
    if os.path.exists(here):
        return [here]
    found = shutil.which("minigrad")
    return [found] if found else None


def run(quick: bool = False, **_: Any) -> list[Row]:
    repeats = 3 if quick else 7
    rows = [Row(SECTION, "import minigrad", import_time("minigrad", repeats), "s", "import numpy",
                import_time("numpy", repeats), target=0.2, absolute=True)]
    command = _minigrad_command()
    python_prompt = prompt_time([sys.executable, "-q", "-i"], repeats)
    if command is None:
        rows.append(Row(SECTION, "REPL start to first prompt", None, "s", "python -i", python_prompt,
                        note="the `minigrad` command is not installed"))
        return rows
    try:
        value = prompt_time(command, repeats)
        note = ""
    except Exception as exc:  # the REPL may be mid-rewrite: report, do not abort the whole run
        value, note = None, f"no prompt: {type(exc).__name__}"
    rows.append(Row(SECTION, "REPL start to first prompt", value, "s", "python -i", python_prompt, target=0.5,
                    absolute=True, note=note))
    return rows
