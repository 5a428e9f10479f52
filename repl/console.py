"""Running Python source typed at the prompt: completeness checks, evaluation, short tracebacks.

This is the part of ``code.InteractiveConsole`` the REPL needs, written out so the
same code serves the prompt-toolkit session and scripted (piped) input.
"""
from __future__ import annotations

import codeop
import os
import sys
import traceback
from typing import Any, TextIO

from .style import paint
from .suggest import with_hint

FILENAME = "<minigrad>"
# what compiling a line a user typed or piped can raise: besides SyntaxError, null bytes (ValueError),
# a 3,000-term sum (RecursionError) and 100,000 unary minuses (MemoryError from the parser's stack)
COMPILE_ERRORS = (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError)
_REPL_DIR = os.path.dirname(os.path.abspath(__file__))  # frames from here are the REPL's, not the learner's
_compiler = codeop.CommandCompiler()


def is_complete(source: str) -> bool:
    """True when ``source`` can run now: it compiles, or it is broken in a way more lines cannot fix.

    An unfinished block (``for i in range(3):``) or an open bracket is *not* complete;
    a block is finished by an empty line, as in the standard Python prompt.
    """
    if not source.strip():
        return True
    try:
        code = _compiler(source, FILENAME, "single")
    except COMPILE_ERRORS:
        return True  # a real error: run it so the learner sees the message
    if code is None:
        return False
    # a compound statement compiles as soon as its first body line is there; wait for the blank line
    lines = source.rstrip("\n").split("\n")
    if len(lines) > 1 and not source.endswith("\n") and lines[-1][:1] in (" ", "\t"):
        return False
    first = lines[0].rstrip()
    if len(lines) == 1 and first.endswith(":") and not first.lstrip().startswith("#"):
        return False
    return True


def short_traceback(exc: BaseException, limit: int = 3) -> str:
    """The exception with the last ``limit`` frames of user and library code (the REPL's own frame dropped)."""
    tb = exc.__traceback__
    # drop frames that belong to the REPL machinery itself (this package), keep user code and minigrad
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_REPL_DIR):
        tb = tb.tb_next
    te = traceback.TracebackException(type(exc), exc, tb, limit=-limit if limit else None, compact=True)
    return "".join(with_hint(list(te.format()), exc, tb)).rstrip("\n")


def print_exception(exc: BaseException, out: TextIO | None = None) -> None:
    """Print a short traceback in red; the session carries on."""
    out = out or sys.stdout
    print(paint(short_traceback(exc), "red"), file=out, flush=True)


def print_compile_error(exc: BaseException, out: TextIO) -> None:
    """A line Python cannot compile: the error, with what it means when Python's own words are bare."""
    if isinstance(exc, (RecursionError, MemoryError)):
        why = "the input is too big or nested too deeply for Python to compile"
        exc = type(exc)(f"{exc} ({why})" if str(exc) else why)
    print_exception(exc, out)


def run_source(source: str, namespace: dict, out: TextIO | None = None) -> bool:
    """Compile and run ``source`` in ``namespace``; print an expression's value like Python does.

    Returns False when it raised (the traceback is printed, the session lives on).
    """
    out = out or sys.stdout
    if not source.strip():
        return True
    try:
        code = compile(source if source.endswith("\n") else source + "\n", FILENAME, "single")
    except COMPILE_ERRORS as exc:
        if isinstance(exc, SyntaxError) and "\n" in source.strip():  # several statements pasted: run as a module
            try:
                code = compile(source, FILENAME, "exec")
            except COMPILE_ERRORS as exc2:
                print_compile_error(exc2, out)
                return False
        else:
            print_compile_error(exc, out)
            return False
    previous_hook = sys.displayhook
    sys.displayhook = _displayhook(namespace, out)
    try:
        exec(code, namespace)
    except (SystemExit, BrokenPipeError):
        raise
    except BaseException as exc:  # noqa: BLE001 - anything user code raises is shown, not fatal
        if isinstance(exc, KeyboardInterrupt):
            print(paint("KeyboardInterrupt", "red"), file=out, flush=True)
        else:
            print_exception(exc, out)
        return False
    finally:
        sys.displayhook = previous_hook
        try:
            out.flush()
        except (OSError, ValueError):
            pass
    return True


def _displayhook(namespace: dict, out: TextIO):
    def hook(value: Any) -> None:
        if value is None:
            return
        namespace["_"] = value
        print(repr(value), file=out)

    return hook
