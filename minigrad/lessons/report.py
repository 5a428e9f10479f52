"""What running a lesson gave: one `BlockResult` per block, a `LessonReport` for the whole lesson.

The runner makes them and the terminal view shows them; both import them from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .format import Block, Lesson


@dataclass
class BlockResult:
    """What running one block gave.

    ``status``: "ok", "failed" (a check's assertion failed) or "error" (syntax error or
    exception: the lesson stops there). ``line`` is the lesson-file line of the failure.
    """

    block: Block
    status: str
    seconds: float = 0.0
    message: str = ""
    line: int | None = None
    traceback: str = ""
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        where = f"{self.block.describe()}, line {self.line}" if self.line else self.block.describe()
        if self.status == "failed":
            return f"CHECK FAILED in {where}: {self.message}"
        if self.status == "error":
            return f"ERROR in {where}: {self.message}"
        return f"ok: {self.block.describe()} ({self.seconds:.2f} s)"


@dataclass
class LessonReport:
    """The outcome of a whole lesson run."""

    lesson: Lesson
    results: list[BlockResult] = field(default_factory=list)
    seconds: float = 0.0
    out: Path | None = None

    @property
    def failed_checks(self) -> list[BlockResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def error(self) -> BlockResult | None:
        return next((r for r in self.results if r.status == "error"), None)

    @property
    def passed_checks(self) -> list[BlockResult]:
        return [r for r in self.results if r.ok and r.block.kind == "check"]

    @property
    def ok(self) -> bool:
        """True only when every block ran and every check passed."""
        ran_all = len(self.results) == len(self.lesson.code_blocks)
        return ran_all and all(r.ok for r in self.results)

    def summary(self) -> str:
        n_checks = len(self.lesson.checks)
        text = (f"{len(self.passed_checks)}/{n_checks} checks passed, {len(self.failed_checks)} failed"
                f" ({self.seconds:.1f} s)")
        if self.error:
            text += f"; stopped: {self.error.describe()}"
        return text
