"""Where the learner is in the lessons, remembered between sessions (a small JSON file).

$MINIGRAD_PROGRESS names the file; otherwise ~/.minigrad_progress.json. A missing
or unreadable file just means "no progress yet".
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from minigrad.fileio import atomic_open


def progress_path() -> str:
    return os.path.expanduser(os.environ.get("MINIGRAD_PROGRESS") or os.path.join("~", ".minigrad_progress.json"))


@dataclass
class Progress:
    lesson: str | None = None  # the open lesson: its number as text, or a file path
    block: int = 0  # index of the next block to show
    done: list[str] = field(default_factory=list)  # lessons walked to the end

    @classmethod
    def load(cls) -> "Progress":
        try:
            with open(progress_path(), encoding="utf-8") as f:
                raw = json.load(f)
            return cls(lesson=raw.get("lesson"), block=int(raw.get("block", 0)), done=list(raw.get("done", [])))
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self) -> None:
        """Write atomically (temp file + rename), so an interrupted write never loses the old progress."""
        try:
            with atomic_open(progress_path(), "w", encoding="utf-8") as f:
                json.dump(asdict(self), f)
        except OSError:
            pass  # progress is a convenience: a read-only home must not break the lesson
