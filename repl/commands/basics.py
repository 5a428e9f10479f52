"""The small ``:commands``: help, quit, device, seed, reset."""
from __future__ import annotations

import re
import textwrap

from ..registry import COMMANDS, CommandError, command, find
from ..session import Quit, Session
from ..style import paint

def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _starts_block(line: str) -> bool:
    """A line that begins something of its own: a command, an option, an example, a list item, ``Word:``."""
    stripped = line.lstrip()
    return stripped.startswith((":", "--", "- ", "* ", ">>>")) or bool(re.match(r"[A-Z][a-z]+:", stripped))


def _column(line: str) -> int | None:
    """Where the second column of a table row starts (``:lesson N         open lesson N``), else None."""
    m = re.match(r"(\s*\S+(?: \S+)*?)( {2,})\S", line)
    return len(m.group(1)) + len(m.group(2)) if m and _starts_block(line) else None


def reflow(text: str, width: int) -> list[str]:
    """``text`` (written pre-wrapped, at about 80 columns) re-wrapped to ``width``.

    The lines of a paragraph are joined before wrapping, so a line that was already
    full is not wrapped twice (a long line, then one word on a line of its own). A
    blank line, a change of indentation, a line after one ending in ':', a table row
    and a line that starts a block of its own (a :command, an --option, an example)
    keep their own lines; a wrapped table row goes on under its second column.
    """
    paragraphs: list[list[str]] = []  # [text, indentation of its last line]
    for line in text.splitlines():
        last = paragraphs[-1] if paragraphs else None
        if (last is not None and line.strip() and last[0].strip() and _indent(line) == last[1]
                and not _starts_block(line) and _column(last[0]) is None and not last[0].rstrip().endswith(":")):
            last[0] += " " + line.strip()
        else:
            paragraphs.append([line.rstrip(), _indent(line)])
    out: list[str] = []
    for para, _ in paragraphs:
        column = _column(para)
        hanging = " " * column if column is not None else \
            _indent(para) + ("  " if para.lstrip().startswith((":", "--", "- ", "* ")) else "")
        out.extend(textwrap.wrap(para, width, subsequent_indent=hanging, break_on_hyphens=False) or [""])
    return out


@command("help", ":help [COMMAND]", "list the commands, or explain one", aliases=("h", "?"),
         dynamic_words=lambda session: sorted(COMMANDS))
def help_command(session: Session, argline: str) -> None:
    name = argline.strip().lstrip(":")
    if name:
        cmd = find(name)
        if cmd is None:
            raise CommandError(f"no command :{name}")
        session.print(paint(cmd.usage, "bold"))
        session.print(f"  {cmd.summary}")
        for line in reflow(cmd.details, 78):  # indented by two: each line stays within 80 columns
            session.print("  " + line)
        return
    session.print(paint("minigrad REPL", "bold") + ": Python with mg, Value, Tensor, nn, optim, data, viz, np and "
                  "no_grad ready,\nplus these commands (:help NAME explains one):")
    column = 28  # usages longer than this get their summary on the next line
    for cmd in sorted(COMMANDS.values(), key=lambda c: c.name):
        if len(cmd.usage) <= column - 2:
            session.print(f"  {cmd.usage.ljust(column - 2)}  {paint(cmd.summary, 'grey')}")
        else:
            session.print(f"  {cmd.usage}")
            session.print(f"  {' ' * column}{paint(cmd.summary, 'grey')}")
    session.print("Multi-line input: a block ends with an empty line. Ctrl-C clears the line, Ctrl-D leaves.")
    session.print("Try:  a, b, c = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c')")
    session.print("      :step (a*b + c).tanh()")
    session.print("Gradients that explode (init=1.0; a sigmoid net makes them vanish), live:")
    session.print("      boom = nn.MLP([2] + [32]*6 + [1], init=1.0)")
    session.print("      :train boom moons epochs=30")


@command("quit", ":quit", "leave (Ctrl-D does the same)", aliases=("q", "exit"))
def quit_command(session: Session, argline: str) -> None:
    raise Quit()


@command("device", ":device [cpu|cuda]", "show or set the device for new tensors", words=["cpu", "cuda"])
def device_command(session: Session, argline: str) -> None:
    import minigrad as mg

    name = argline.strip()
    if name:
        try:
            mg.set_default_device(name)
        except mg.DeviceError as exc:
            raise CommandError(str(exc), usage=False) from None
        session.print(f"new tensors go to {mg.default_device()} (existing tensors stay where they are: use .to())")
    else:
        session.print(f"device: {mg.default_device()}")


@command("seed", ":seed N", "reset the random generator (mg.manual_seed)")
def seed_command(session: Session, argline: str) -> None:
    import minigrad as mg

    try:
        seed = int(argline.strip())
    except ValueError:
        raise CommandError(f"the seed must be a whole number, got {argline.strip()!r}") from None
    mg.manual_seed(seed)
    session.print(f"random seed set to {seed}")


@command("reset", ":reset", "forget your names, start a fresh namespace")
def reset_command(session: Session, argline: str) -> None:
    from ..namespace import build_namespace

    build_namespace(session.namespace)
    session.forget_states()
    session.print("namespace reset: only mg, Value, Tensor, nn, optim, data, viz, np are left")
