"""``minigrad`` with no arguments: the REPL.

On a terminal it is a prompt-toolkit session (highlighting, completion, history,
toolbar); when stdin is not a terminal it reads lines and runs them (commands
included) with no widgets, so ``minigrad < script.txt`` works and tests can drive it.
Heavy modules are imported after the prompt can be drawn.
"""
from __future__ import annotations

import os
import sys
from typing import Iterable, TextIO

from .console import is_complete
from .session import Quit, Session
from .style import paint

BANNER = ("minigrad {version}: mg, Value, Tensor, nn, optim, data, viz are ready.\n"
          ":help lists the commands, Ctrl-D leaves.")


def history_path() -> str:
    """Where the prompt's history lives: $MINIGRAD_HISTORY (``~`` expanded), else ~/.minigrad_history."""
    return os.path.expanduser(os.environ.get("MINIGRAD_HISTORY") or os.path.join("~", ".minigrad_history"))


def _parse_argv(argv: list[str]) -> dict:
    options = {"device": None, "quiet": False}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--device" and args:
            options["device"] = args.pop(0)
        elif arg.startswith("--device="):
            options["device"] = arg.split("=", 1)[1]
        elif arg in ("-q", "--quiet"):
            options["quiet"] = True
        else:
            raise ValueError(f"unknown option {arg!r} (try minigrad --help)")
    return options


def main(argv: list[str] | None = None) -> int:
    """Run the REPL; the exit status is 1 when a scripted line failed, else 0."""
    try:
        options = _parse_argv(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        print(f"minigrad: {exc}", file=sys.stderr)
        return 2
    from .commands import load_all

    load_all()
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    session = Session(interactive=interactive)
    if options["device"]:
        import minigrad as mg

        try:
            mg.set_default_device(options["device"])
        except mg.DeviceError as exc:
            print(f"minigrad: {exc}", file=sys.stderr)
            return 2
    if not interactive:
        _tolerant_streams()
        try:
            return run_script(session, sys.stdin)
        except BrokenPipeError:  # `minigrad < script | head`: the reader left; leave quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
    from .prompt import run_interactive

    if not options["quiet"]:
        import minigrad

        session.print(paint(BANNER.format(version=minigrad.__version__), "grey"))
    return run_interactive(session, history_path())


def _tolerant_streams() -> None:
    """Piped input may hold anything: bytes that are not UTF-8 are kept as surrogates (the line is then
    refused by run_script) instead of ending the session in a UnicodeDecodeError, and output that cannot
    be encoded is escaped instead of raising."""
    for stream, errors in ((sys.stdin, "surrogateescape"), (sys.stdout, "backslashreplace"),
                           (sys.stderr, "backslashreplace")):
        try:
            stream.reconfigure(errors=errors)
        except (AttributeError, ValueError, OSError):  # not a TextIOWrapper (tests pass StringIO)
            pass


def _not_text(line: str) -> str | None:
    """Why ``line`` is not text Python can read (None if it is): bytes that are not UTF-8."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = ord(line[exc.start]) - 0xDC00 if 0xDC80 <= ord(line[exc.start]) <= 0xDCFF else None
        shown = f"byte 0x{byte:02x}" if byte is not None else repr(line[exc.start])
        return f"not valid UTF-8 text ({shown} at column {exc.start + 1})"
    return None


_CONTINUATIONS = ("else", "elif", "except", "finally", ")", "]", "}")


class Lines:
    """The script's lines, read one at a time by the loop and by questions (:step --quiz answers);
    a question that meets a ``:command`` instead of an answer puts it back for the loop to run."""

    def __init__(self, stream: Iterable[str] | TextIO):
        self._it = iter(stream)
        self._back: list[str] = []

    def __iter__(self) -> "Lines":
        return self

    def __next__(self) -> str:
        return self._back.pop() if self._back else next(self._it)

    def push(self, line: str) -> None:
        self._back.append(line)


def run_script(session: Session, stream: Iterable[str] | TextIO) -> int:
    """Run lines from ``stream`` like a Python prompt would: blocks end at an empty line, ``:commands`` run as typed.

    A failing line prints a short traceback and the script goes on.
    """
    lines = Lines(stream)
    session.lines = lines
    buffer: list[str] = []
    failed = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        problem = _not_text(line)
        if problem:  # binary input: an error for this line (and the block it was in); the script goes on
            session.error(f"line {number}: {problem}; skipped" + (" with the block it was in" if buffer else ""))
            failed, buffer = True, []
            continue
        # a dedented line after a block (no blank line between, as in a file) first runs the block
        if buffer and line[:1] not in ("", " ", "\t", "#") and not line.startswith(_CONTINUATIONS) \
                and is_complete("\n".join(buffer) + "\n"):
            try:
                failed |= not session.handle("\n".join(buffer) + "\n")
            except Quit:
                return int(failed)
            buffer = []
        if not buffer and line.lstrip().startswith(":"):
            try:
                failed |= not session.handle(line)
            except Quit:
                return int(failed)
            continue
        buffer.append(line)
        source = "\n".join(buffer) + ("\n" if not line.strip() else "")
        if is_complete(source):
            buffer = []
            try:
                failed |= not session.handle(source)
            except Quit:
                return int(failed)
    if buffer:
        failed |= not session.handle("\n".join(buffer) + "\n")
    return int(failed)
