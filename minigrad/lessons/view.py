"""How a lesson looks in a terminal: Markdown rendered (headings, **bold**, `code`), code with line
numbers, ✓/✗ per check, and a spinner with the time so far while a block runs."""
from __future__ import annotations

import os
import re
import shutil
import textwrap
import threading
import time
from pathlib import Path
from typing import TextIO

from .format import Block, Lesson
from .report import BlockResult, LessonReport

# Inline Markdown becomes one marker character each side (wrapped like a letter, then painted or dropped).
_BOLD, _CODE = "\x01", "\x02"
_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`\n]+)`")
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")
_STYLES = {_BOLD: "1", _CODE: "36"}


def _mark(text: str) -> str:
    return _INLINE.sub(lambda m: f"{_BOLD}{m.group(1)}{_BOLD}" if m.group(1) is not None
                       else f"{_CODE}{m.group(2)}{_CODE}", text)


def _paint_markers(line: str, color: bool, open_styles: list[str]) -> str:
    """Turn marker characters into ANSI styles (or nothing), carrying a span that wraps onto the next line."""
    out = [f"\033[{_STYLES[s]}m" for s in open_styles] if color else []
    for ch in line:
        if ch in _STYLES:
            if ch in open_styles:
                open_styles.remove(ch)
                if color:
                    out.append("\033[0m" + "".join(f"\033[{_STYLES[s]}m" for s in open_styles))
            else:
                open_styles.append(ch)
                if color:
                    out.append(f"\033[{_STYLES[ch]}m")
        else:
            out.append(ch)
    if color and open_styles:
        out.append("\033[0m")
    return "".join(out)


def reflow(text: str, width: int) -> list[str]:
    """Markdown prose re-wrapped to ``width`` columns: paragraphs and list items are filled, headings,
    indented code, fences and tables are kept as written (lesson files are wrapped for an editor)."""
    out: list[str] = []
    paragraph: list[str] = []
    in_fence = False

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            joined = " ".join(line.strip() for line in paragraph)
            first = _LIST_ITEM.match(paragraph[0])
            lead = first.group(1) if first else ""
            body = joined[len(lead.strip()):].strip() if first else joined
            out.extend(textwrap.wrap(body, width, initial_indent=lead, subsequent_indent=" " * len(lead),
                                     break_on_hyphens=False) or [""])
        paragraph = []

    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            flush()
            in_fence = not in_fence
            out.append(line)
        elif in_fence:
            out.append(line)
        elif not line.strip():
            flush()
            out.append("")
        elif line.startswith(("#", "|")) or (line.startswith(("    ", "\t")) and not paragraph):
            flush()  # a heading, a table row, or indented code that starts on its own: kept as written
            out.append(line)
        elif _LIST_ITEM.match(line):
            flush()
            paragraph = [line]
        else:
            paragraph.append(line)
    flush()
    return out


def render_markdown(text: str, width: int = 100, color: bool = False) -> list[str]:
    """Lesson prose for a terminal: wrapped to ``width``, headings without their ``#`` (bold, or underlined
    when there is no colour), ``**bold**`` bold and ```code``` cyan (plain text without colour)."""
    lines: list[str] = []
    open_styles: list[str] = []
    in_fence = False
    for line in reflow(_mark_outside_code(text), width):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue  # the fence markers themselves are noise in a terminal
        if in_fence or line.startswith(("    ", "\t")):
            lines.append(_paint_markers(line, False, []))
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            title = _paint_markers(heading.group(2), False, [])
            if color:
                lines.append(f"\033[1m{title}\033[0m")
            else:
                lines += [title, ("=" if len(heading.group(1)) == 1 else "-") * len(title)]
            continue
        lines.append(_paint_markers(line, color, open_styles))
    return lines


def _mark_outside_code(text: str) -> str:
    """Inline markers everywhere except in fenced and indented code, which stays as written."""
    out, in_fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        out.append(line if in_fence or line.startswith(("    ", "\t")) else _mark(line))
    return "\n".join(out)


def use_color(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


class Spinner:
    """While a block runs on a terminal: ``⠙ block 4/9 running · 3.1 s (the lesson usually takes ~8 s)``.

    Text the block prints goes through :meth:`write`, which clears the spinner line first,
    so output and spinner never garble each other. Off the terminal it does nothing.
    """

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, stream: TextIO, label: str, estimate: float | None = None, interval: float = 0.1):
        self.stream, self.label, self.estimate, self.interval = stream, label, estimate, interval
        self.active = bool(getattr(stream, "isatty", lambda: False)())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._shown = False
        self._at_line_start = True
        self._start = 0.0
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Spinner:  # noqa: PYI034 - Self needs Python 3.11
        self._start = time.perf_counter()
        if self.active:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._clear()

    def text(self, elapsed: float, frame: int = 0) -> str:
        hint = f" (the lesson usually takes ~{self.estimate:.0f} s)" if self.estimate else ""
        return f"{self.FRAMES[frame % len(self.FRAMES)]} {self.label} running · {elapsed:.1f} s{hint}"

    def _run(self) -> None:
        frame = 0
        width = shutil.get_terminal_size((80, 24)).columns - 1
        while not self._stop.wait(self.interval):
            with self._lock:
                if not self._at_line_start:
                    continue  # the block is mid-line: drawing now would split its output
                self.stream.write("\r\033[K" + self.text(time.perf_counter() - self._start, frame)[:width])
                self.stream.flush()
                self._shown = True
            frame += 1

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def write(self, text: str) -> int:
        with self._lock:
            self._clear()
            self.stream.write(text)
            if text:
                self._at_line_start = text.endswith("\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


class TerminalView:
    """Prints a lesson run for a terminal: prose rendered, code with line numbers, ✓/✗ per check."""

    def __init__(self, stream: TextIO, show_prose: bool):
        self.stream, self.show_prose = stream, show_prose
        self.color = use_color(stream)

    def _c(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def write(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def header(self, lesson: Lesson, out: Path) -> None:
        if self.show_prose:
            self.write(self._c(f"pictures go to {out}/", "2"))

    def before(self, block: Block) -> None:
        if not self.show_prose:
            return
        if block.kind == "prose":
            width = min(100, shutil.get_terminal_size((80, 24)).columns) - 1
            for line in render_markdown(block.text, width, self.color):
                self.write(line)
            self.write()
        else:
            width = len(str(block.end_line))
            for k, line in enumerate(block.text.splitlines()):
                self.write(self._c(f"{block.line + k:>{width}} │ ", "2") + self._c(line, "36"))
            self.write(self._c("─" * 40, "2"))

    def after(self, result: BlockResult) -> None:
        # headless (--check) shows only what checks and failing blocks printed: that holds the numbers
        shown = self.show_prose or result.block.kind == "check" or not result.ok
        if result.output and shown:
            self.write(result.output.rstrip("\n"))
        if result.status in ("failed", "error"):
            self.write(self._c(f"✗ {result.describe()}", "1;31"))
            if result.status == "error" and result.traceback:
                self.write(result.traceback.rstrip("\n"))
        elif result.block.kind == "check":
            self.write(self._c(f"✓ check passed ({result.block.describe()})", "32"))
        if self.show_prose:
            self.write()

    def footer(self, report: LessonReport) -> None:
        name = f"lesson {report.lesson.number}" if report.lesson.number else report.lesson.filename
        self.write(self._c(f"{name}: {report.summary()}", "1;32" if report.ok else "1;31"))
        if self.show_prose and report.out is not None:
            pictures = sorted(p.name for p in report.out.glob("*") if p.suffix in (".png", ".svg", ".pdf"))
            if pictures:
                self.write(f"pictures in {report.out}/: {', '.join(pictures)}")
