"""Single keypresses on a terminal, for stepping through a graph one node per key.

Enter, space, → or ↓ mean "next"; b, ← or ↑ mean "back"; q, Esc, Ctrl-C or Ctrl-D
mean "quit". Uses the terminal's cbreak mode (POSIX); where that is unavailable it
falls back to reading a line.

Keys typed quickly after the Enter that started ``:step`` have already been read by
prompt-toolkit (it reads whatever is waiting) and parked in its type-ahead buffer;
`read_key` takes them from there first, so no keypress is lost.
"""
from __future__ import annotations

import os
import sys
from typing import Any

NEXT, BACK, QUIT = "next", "back", "quit"
_KEYS = {"\r": NEXT, "\n": NEXT, " ": NEXT, "n": NEXT, "j": NEXT, "b": BACK, "p": BACK, "k": BACK,
         "q": QUIT, "\x03": QUIT, "\x04": QUIT}
_ARROWS = {"C": NEXT, "B": NEXT, "D": BACK, "A": BACK}


def key_meaning(data: str) -> str | None:
    """NEXT, BACK or QUIT for the characters one keypress sent (``"\\r"``, ``"b"``, ``"\\x1b[C"``), else None."""
    if data == "\x1b":
        return QUIT
    if data[:2] in ("\x1b[", "\x1bO") and data[2:3] in _ARROWS:
        return _ARROWS[data[2:3]]
    if len(data) == 1:
        return _KEYS.get(data.lower())
    return None


def _from_typeahead(input_obj: Any) -> str | None:
    """The meaning of the first meaningful key prompt-toolkit read ahead; the keys after it are put back."""
    if input_obj is None:
        return None
    from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead

    pending = get_typeahead(input_obj)
    for i, press in enumerate(pending):
        meaning = key_meaning(press.data)
        if meaning is not None:
            store_typeahead(input_obj, pending[i + 1:])  # what is left goes to the next prompt
            return meaning
    return None


def read_key(input_obj: Any = None) -> str:
    """Wait for one meaningful key and return NEXT, BACK or QUIT (other keys are ignored).

    ``input_obj`` is the prompt-toolkit input whose type-ahead keys come first.
    """
    early = _from_typeahead(input_obj)
    if early is not None:
        return early
    try:
        import termios
        import tty
    except ImportError:  # not POSIX: a line at a time
        line = sys.stdin.readline()
        return _KEYS.get(line.strip()[:1] or "\n", NEXT) if line else QUIT
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW, not the default TCSAFLUSH: keep keys typed ahead
        while True:
            ch = os.read(fd, 1).decode(errors="ignore")
            if not ch:
                return QUIT
            if ch == "\x1b":  # escape sequence (arrow key) or a lone Esc
                import select

                if not select.select([fd], [], [], 0.05)[0]:
                    return QUIT
                seq = os.read(fd, 2).decode(errors="ignore")
                if seq[:1] in "[O" and seq[1:2] in _ARROWS:
                    return _ARROWS[seq[1:2]]
                continue
            if ch.lower() in _KEYS:
                return _KEYS[ch.lower()]
    except KeyboardInterrupt:
        return QUIT
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
