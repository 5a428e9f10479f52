"""Placeholder prompt: replaced by the full REPL (issue 5)."""
from __future__ import annotations

import code
import sys


def namespace() -> dict:
    import minigrad as mg
    from minigrad import Tensor, Value, no_grad

    return {"mg": mg, "minigrad": mg, "Value": Value, "Tensor": Tensor, "no_grad": no_grad}


def main(argv: list[str] | None = None) -> int:
    ns = namespace()
    if not sys.stdin.isatty():
        console = code.InteractiveConsole(ns)
        for line in sys.stdin:
            console.push(line.rstrip("\n"))
        return 0
    from prompt_toolkit import PromptSession

    session = PromptSession()
    console = code.InteractiveConsole(ns)
    more = False
    while True:
        try:
            line = session.prompt("... " if more else ">>> ")
        except KeyboardInterrupt:
            more = False
            console.resetbuffer()
            continue
        except EOFError:
            return 0
        more = console.push(line)
