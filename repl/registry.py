"""The table of ``:commands``: each command's name, usage line, help text and argument completions.

Command modules (step.py, train.py, ...) register their functions with the
`command` decorator; `dispatch` finds and runs them, and suggests the nearest name
when a learner mistypes one.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

# A command runs as ``fn(session, argline)``; the session is typed Any here because
# session.py imports this module (the registry stays below the session).


class CommandError(Exception):
    """Wrong use of a command: printed as one line (no traceback), the session goes on.

    ``usage=False`` for failures that are not about the command's words (a missing GPU,
    say), where repeating the usage line would only distract.
    """

    def __init__(self, message: str, usage: bool = True):
        super().__init__(message)
        self.usage = usage


@dataclass
class Command:
    name: str
    usage: str
    summary: str
    run: Callable[[Any, str], None]
    details: str = ""
    # fixed words the argument completer offers (options, sub-commands); namespace names come on top
    words: list[str] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    # more words computed when completing (e.g. lesson numbers), given the session
    dynamic_words: Callable[[Any], list[str]] | None = None


COMMANDS: dict[str, Command] = {}
ALIASES: dict[str, str] = {}


def command(name: str, usage: str, summary: str, details: str = "", words: list[str] | None = None,
            aliases: tuple[str, ...] = (), dynamic_words: Callable | None = None) -> Callable:
    """Register ``fn(session, argline)`` as the command ``:name``."""

    def register(fn: Callable[[Any, str], None]) -> Callable:
        COMMANDS[name] = Command(name, usage, summary, fn, details.strip(), list(words or []), aliases,
                                 dynamic_words)
        for alias in aliases:
            ALIASES[alias] = name
        return fn

    return register


def find(name: str) -> Command | None:
    """The command called ``name`` (or one of its aliases), else None."""
    name = ALIASES.get(name, name)
    return COMMANDS.get(name)


def nearest(name: str, n: int = 3) -> list[str]:
    """Commands whose names look like ``name`` (for "did you mean ...?")."""
    names = sorted(set(COMMANDS) | set(ALIASES))
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.5)
    if close:  # only those about as close as the best: "stpe" -> step, not also inspect and seed
        best = difflib.SequenceMatcher(None, name, close[0]).ratio()
        close = [c for c in close if difflib.SequenceMatcher(None, name, c).ratio() >= best - 0.1]
    if not close:
        close = [c for c in names if c.startswith(name[:1])][:n]
    return [ALIASES.get(c, c) for c in dict.fromkeys(close)]


def split_command(text: str) -> tuple[str, str]:
    """``":step --quiz a*b"`` -> ``("step", "--quiz a*b")``."""
    body = text.strip()[1:]
    name, _, rest = body.partition(" ")
    return name.strip(), rest.strip()


def split_args(argline: str) -> list[str]:
    """Split on spaces that are outside brackets and quotes, so ``nn.MLP([2, 4, 1]) X y`` is three arguments."""
    parts, current, depth, quote = [], [], 0, ""
    for ch in argline:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch.isspace() and depth <= 0:
            if current:
                parts.append("".join(current))
                current = []
            continue
        current.append(ch)
    if current:
        parts.append("".join(current))
    return parts


def split_options(argline: str) -> tuple[list[str], dict[str, str]]:
    """Positional arguments and ``key=value`` options (a ``=`` inside brackets belongs to an argument)."""
    positional, options = [], {}
    for part in split_args(argline):
        key, eq, value = part.partition("=")
        if eq and key.isidentifier() and not value.startswith("="):
            options[key] = value
        else:
            positional.append(part)
    return positional, options
