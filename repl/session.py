"""One REPL session: the learner's namespace, what the toolbar shows, and how input is run.

The same `Session` serves the interactive prompt and scripted input; only the way
it reads single keys and answers differs (`keys.py` on a terminal, the next script
line otherwise).
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Iterator, TextIO, TypeVar

from . import registry
from .console import print_exception, run_source
from .namespace import build_namespace
from .style import paint


S = TypeVar("S")


class Quit(Exception):
    """Raised by ``:quit`` to leave the loop."""


class Session:
    def __init__(self, interactive: bool, out: TextIO | None = None, lines: Iterator[str] | None = None):
        self.interactive = interactive
        self.out = out or sys.stdout
        self.lines = lines  # scripted mode: the remaining input lines (answers to :step --quiz come from here)
        self.namespace: dict = build_namespace()
        # what the toolbar shows
        self.last_loss: float | None = None
        self.lesson_title: str | None = None  # while a lesson is open
        self._states: dict[type, Any] = {}  # each command family's own state, by its class (see state())
        self.ask_line: Callable[[str], str] | None = None  # set by the interactive app (a prompt-toolkit prompt)
        self.read_key: Callable[[], str] | None = None  # set by the interactive app (raw keypresses)
        self.edit_text: Callable[[str], str] | None = None  # set by the interactive app (a multi-line editor)

    # -- the commands' own state -------------------------------------------------------------
    def state(self, kind: type[S]) -> S:
        """The state a command family keeps in this session: one ``kind()`` made on first use.

        Each command module defines its state class (``TrainState`` in commands/train.py, ...),
        so the session need not know what any command remembers.
        """
        if kind not in self._states:
            self._states[kind] = kind()
        return self._states[kind]

    def forget_states(self) -> None:
        """Drop every command's state (``:reset``)."""
        self._states.clear()
        self.last_loss = None

    # -- output --------------------------------------------------------------------------------
    def print(self, *parts: Any, end: str = "\n") -> None:
        print(*parts, end=end, file=self.out, flush=True)

    def error(self, message: str) -> None:
        self.print(paint(message, "red"))

    # -- input beyond the prompt ---------------------------------------------------------------
    def ask(self, prompt: str) -> str | None:
        """One line of answer (``:step --quiz``, ``:lesson``); None when input ended or the learner pressed Ctrl-C."""
        if self.ask_line is not None:
            try:
                return self.ask_line(prompt)
            except (EOFError, KeyboardInterrupt):
                return None
        self.print(prompt, end="")
        line = next(self.lines, None) if self.lines is not None else None
        if line is not None and line.lstrip().startswith(":") and hasattr(self.lines, "push"):
            self.lines.push(line)  # a command, not an answer: the questions end and the script runs it
            line = None
        if line is None:
            self.print("")
            return None
        line = line.rstrip("\n")
        self.print(line)  # echo the scripted answer so the transcript reads like a session
        return line

    def edit(self, text: str) -> str | None:
        """Let the learner edit ``text`` (a lesson's code) and return the new text; None if cancelled."""
        if self.edit_text is None:
            return text
        try:
            return self.edit_text(text)
        except (EOFError, KeyboardInterrupt):
            return None

    def key(self) -> str:
        """The learner's next move while stepping: "next", "back" or "quit" (scripted input always goes on)."""
        if self.read_key is None:
            return "next"
        return self.read_key()

    # -- evaluation ----------------------------------------------------------------------------
    def eval(self, expression: str) -> Any:
        """Evaluate a Python expression in the learner's namespace (commands use it for their arguments)."""
        try:
            code = compile(expression, "<minigrad>", "eval")
        except SyntaxError as exc:
            raise registry.CommandError(f"not a Python expression: {expression!r:.80} ({exc.msg})") from None
        except (ValueError, RecursionError, MemoryError) as exc:  # null bytes; too big or deep to compile
            raise registry.CommandError(f"cannot compile {expression!r:.80}: {type(exc).__name__} "
                                        f"{exc or '(too big or nested too deeply)'}") from None
        try:
            return eval(code, self.namespace)
        except (NameError, AttributeError, TypeError, ValueError, ArithmeticError, IndexError, KeyError) as exc:
            # an argument that does not evaluate is a one-line mistake, not a traceback to read
            raise registry.CommandError(f"{expression} raised {type(exc).__name__}: {exc}") from None

    def handle(self, text: str) -> bool:
        """Run one complete input: a ``:command`` or Python source. False if it failed (the session goes on)."""
        if text.lstrip().startswith(":"):
            return self.run_command(text)
        return run_source(text, self.namespace, self.out)

    def run_command(self, text: str) -> bool:
        name, argline = registry.split_command(text)
        if not name:
            self.error("a command name goes after ':' (try :help)")
            return False
        cmd = registry.find(name)
        if cmd is None:
            close = registry.nearest(name)
            hint = f" Did you mean {' or '.join(':' + c for c in close)}?" if close else ""
            self.error(f"unknown command :{name}.{hint} (:help lists them all)")
            return False
        try:
            cmd.run(self, argline)
            return True
        except (Quit, BrokenPipeError):
            raise
        except registry.CommandError as exc:
            self.error(f":{cmd.name}: {exc}")
            if exc.usage:
                self.print(paint(f"usage: {cmd.usage}", "grey"))
        except KeyboardInterrupt:
            self.error(f":{cmd.name} interrupted")
        except Exception as exc:  # noqa: BLE001 - an error in a command must not end the session
            print_exception(exc, self.out)
        return False
