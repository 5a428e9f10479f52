"""Single keypresses on a terminal, for stepping through a graph one node per key.

Enter, space, → or ↓ mean "next"; b, ← or ↑ mean "back"; q, Esc, Ctrl-C or Ctrl-D
mean "quit". Uses the terminal's cbreak mode (POSIX); where that is unavailable it
falls back to reading a line.
"""
from __future__ import annotations

import os
import sys

NEXT, BACK, QUIT = "next", "back", "quit"
_KEYS = {"\r": NEXT, "\n": NEXT, " ": NEXT, "n": NEXT, "j": NEXT, "b": BACK, "p": BACK, "k": BACK,
         "q": QUIT, "\x03": QUIT, "\x04": QUIT}
_ARROWS = {"C": NEXT, "B": NEXT, "D": BACK, "A": BACK}


def read_key() -> str:
    """Wait for one meaningful key and return NEXT, BACK or QUIT (other keys are ignored)."""
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
