"""Tab completion: Python names from the learner's namespace (and their attributes), ``:commands`` and their
arguments."""
from __future__ import annotations

import keyword
import re
from typing import Iterable

from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document

from .registry import ALIASES, COMMANDS, find
from .session import Session

_DOTTED = re.compile(r"([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\.(\w*)$")
_NAME = re.compile(r"[A-Za-z_]\w*$")


def python_words(session: Session, text: str) -> list[tuple[str, int]]:
    """Completions for the Python text before the cursor: (word, how many characters it replaces)."""
    dotted = _DOTTED.search(text)
    if dotted:
        base, prefix = dotted.group(1), dotted.group(2)
        obj = _lookup(session.namespace, base)
        if obj is None:
            return []
        try:
            names = dir(obj)
        except Exception:  # noqa: BLE001 - a broken __dir__ must not break typing
            return []
        shown = [n for n in names if n.startswith(prefix) and (prefix.startswith("_") or not n.startswith("_"))]
        return [(n, len(prefix)) for n in sorted(shown)]
    name = _NAME.search(text)
    if not name:
        return []
    prefix = name.group(0)
    import builtins

    pool = set(session.namespace) | set(dir(builtins)) | set(keyword.kwlist)
    return [(n, len(prefix)) for n in sorted(pool) if n.startswith(prefix) and not n.startswith("__")]


def _lookup(namespace: dict, dotted: str):
    """The object a dotted name refers to, without calling anything (attribute access only)."""
    parts = dotted.split(".")
    if parts[0] not in namespace:
        return None
    obj = namespace[parts[0]]
    try:
        for part in parts[1:]:
            obj = getattr(obj, part)
    except Exception:  # noqa: BLE001
        return None
    return obj


def command_words(session: Session, text: str) -> list[tuple[str, int]]:
    """Completions for a line that starts with ':' — the command name, then its options and namespace names."""
    body = text.lstrip()[1:]
    if " " not in body:
        names = sorted(set(COMMANDS) | set(ALIASES))
        return [(":" + n, len(body) + 1) for n in names if n.startswith(body)]
    name, _, rest = body.partition(" ")
    cmd = find(name)
    if cmd is None:
        return []
    current = rest.split(" ")[-1]
    words = list(cmd.words)
    if cmd.dynamic_words is not None:
        words += cmd.dynamic_words(session)
    found = [(w, len(current)) for w in words if w.startswith(current) and w != current]
    # an argument is usually an expression: offer Python names too
    found += python_words(session, rest) if current else []
    return found


class ReplCompleter(Completer):
    def __init__(self, session: Session):
        self.session = session

    def get_completions(self, document: Document, complete_event) -> Iterable[Completion]:
        text = document.text_before_cursor
        if text.lstrip().startswith(":") and "\n" not in text:
            words = command_words(self.session, text)
        else:
            words = python_words(self.session, text)
        seen = set()
        for word, replaced in words:
            if word not in seen:
                seen.add(word)
                yield Completion(word, start_position=-replaced)
