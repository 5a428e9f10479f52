"""``:lesson``: walk a lesson block by block — read the prose, run (or first edit) its code, see its checks.

The lesson's code runs in the REPL's own namespace, so after any block the
learner can look at (and change) what the lesson built. Where you are is saved
(see progress.py), and ``:lesson`` alone picks up there next session.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Any

from minigrad.lessons import short_title

from ..registry import CommandError, command
from ..session import Session
from ..style import paint
from .progress import Progress

SUBCOMMANDS = ["list", "next", "prev", "run", "restart"]


@dataclass
class LessonState:
    """What :lesson remembers in a session: the lesson whose code has run in this namespace."""

    loaded: str | None = None


def _lessons_module():
    try:
        from minigrad import lessons
    except ImportError as exc:  # pragma: no cover - the runner ships with minigrad
        raise CommandError(f"the lesson runner is not available ({exc})") from None
    return lessons


def _lesson_numbers() -> list[str]:
    try:
        return [str(lesson.number) for lesson in _lessons_module().list_lessons() if lesson.number is not None]
    except Exception:  # noqa: BLE001 - completion must never fail
        return []


def list_command(session: Session, progress: Progress) -> None:
    lessons = _lessons_module().list_lessons()
    if not lessons:
        session.print("no lessons found")
        return
    for lesson in lessons:
        key = str(lesson.number)
        mark = "✓" if key in progress.done else ("→" if key == progress.lesson else " ")
        session.print(f" {mark} {lesson.number:>2}  {short_title(lesson.title)}")
    session.print(paint("open one with :lesson N; ✓ walked to the end, → where you are", "grey"))


def _open(spec: str) -> Any:
    lessons = _lessons_module()
    try:
        return lessons.load_lesson(int(spec) if spec.isdigit() else os.path.expanduser(spec))
    except lessons.LessonError as exc:
        raise CommandError(str(exc)) from None


def _neighbour(progress: Progress, step: int) -> str:
    numbers = sorted(int(n) for n in _lesson_numbers())
    if not numbers:
        raise CommandError("no lessons found")
    if progress.lesson is None or not progress.lesson.isdigit():
        return str(numbers[0])
    current = int(progress.lesson)
    later = [n for n in numbers if (n > current if step > 0 else n < current)]
    if not later:
        raise CommandError(f"lesson {current} is the {'last' if step > 0 else 'first'} one")
    return str(later[0] if step > 0 else later[-1])


_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")


def reflow(text: str, width: int) -> list[str]:
    """Markdown prose re-wrapped to ``width`` columns: paragraphs and list items are filled, headings,
    indented code and tables are kept as written (lesson files are wrapped for an editor, not a terminal)."""
    import textwrap

    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            joined = " ".join(line.strip() for line in paragraph)
            first = _LIST_ITEM.match(paragraph[0])
            lead = first.group(1) if first else ""
            body = joined[len(lead.strip()):].strip() if first else joined
            out.extend(textwrap.wrap(body, width, initial_indent=lead, subsequent_indent=" " * len(lead))
                       or [""])
        paragraph = []

    for line in text.splitlines():
        if not line.strip():
            flush()
            out.append("")
        elif line.startswith(("#", "|")) or (line.startswith(("    ", "\t", "```")) and not paragraph):
            flush()  # a heading, a table row, or indented code that starts on its own: kept as written
            out.append(line)
        elif _LIST_ITEM.match(line):
            flush()
            paragraph = [line]
        else:
            paragraph.append(line)
    flush()
    return out


def show_prose(session: Session, text: str) -> None:
    import shutil

    width = min(100, shutil.get_terminal_size((80, 24)).columns) - 1
    for line in reflow(text, width):
        session.print(paint(line, "bold") if line.startswith("#") else line)


def show_code(session: Session, block: Any) -> None:
    width = len(str(block.end_line))
    for k, line in enumerate(block.text.splitlines()):
        session.print(paint(f"{block.line + k:>{width}} │ ", "grey") + paint(line, "cyan"))


def report(session: Session, result: Any) -> None:
    if result.status == "failed":
        session.print(paint(f"✗ check failed: {result.message}", "red", "bold"))
    elif result.status == "error":
        session.print(paint(f"✗ {result.describe()}", "red"))
        if result.traceback:
            session.print(paint(result.traceback.rstrip(), "red"))
    elif result.block.kind == "check":
        session.print(paint("✓ check passed", "green", "bold"))


def walk(session: Session, lesson: Any, progress: Progress, start: int, stop_each: bool) -> None:
    """Show blocks from ``start``; before each code block ask: run, edit, skip or quit (when ``stop_each``)."""
    lessons = _lessons_module()
    out = lessons.default_out(lesson)
    extras = lessons.make_namespace(out)
    for name, value in extras.items():
        if name not in ("__name__", "__builtins__"):
            session.namespace[name] = value
    total = len(lesson.blocks)
    key = progress.lesson
    if start > 0 and session.state(LessonState).loaded != key:
        # resuming in a new session: the earlier code blocks must run again so their variables exist
        earlier = [b for b in lesson.blocks[:start] if b.runnable]
        session.print(paint(f"(re-running the {len(earlier)} code block(s) before block {start + 1} quietly)", "grey"))
        for block in earlier:
            result = lessons.run_block(block, session.namespace, lesson, capture=True)
            if not result.ok:
                report(session, result)
    session.state(LessonState).loaded = key
    label = f"{lesson.number:02d} " if lesson.number is not None and not lesson.title.startswith("Lesson") else ""
    heading_next = (start == 0 and lesson.blocks and lesson.blocks[0].kind == "prose"
                    and lesson.blocks[0].text.lstrip().startswith("# "))
    if not heading_next:  # else the lesson's own heading comes next: do not print the title twice
        session.print(paint(f"{label}{lesson.title}", "bold"))
    session.print(paint(f"(pictures go to {out}/)", "grey"))
    # in the toolbar: "3 Forward and backward propagation: …" (the number once, no "Lesson 3 —")
    lesson_name = f"{lesson.number} {short_title(lesson.title)}" if lesson.number is not None else lesson.title
    index = start
    while index < total:
        block = lesson.blocks[index]
        session.lesson_title = f"{lesson_name} · {index + 1}/{total}"
        progress.block = index
        progress.save()
        if block.kind == "prose":
            show_prose(session, block.text)
            index += 1
            continue
        session.print(paint(f"── {block.kind} (block {index + 1}/{total})", "grey"))
        show_code(session, block)
        if stop_each:
            answer = session.ask("[Enter] run · e edit first · s skip · q back to the prompt > ")
            choice = answer.strip().lower()[:1] if answer is not None else "q"  # None: input ended or Ctrl-C
            if choice == "q":
                session.print(paint(f"left the lesson at block {index + 1}; :lesson picks up here", "grey"))
                return
            if choice == "s":
                index += 1
                continue
            if choice == "e":
                edited = session.edit(block.text)
                if edited is not None and edited.strip():
                    block = replace(block, text=edited)
        result = lessons.run_block(block, session.namespace, lesson)
        report(session, result)
        if result.status == "error" and stop_each:
            session.print(paint("fix it at the prompt or with e (edit), then go on with :lesson", "grey"))
            return
        index += 1
    if progress.lesson and progress.lesson not in progress.done:
        progress.done.append(progress.lesson)
    progress.block = total
    progress.save()
    session.lesson_title = f"{lesson_name} · done"
    session.print(paint(f"end of {lesson.title}. :lesson next goes on", "green"))


@command("lesson", ":lesson [list|N|next|prev|run|restart]", "walk a lesson block by block (remembers where)",
         details="""
:lesson list      the lessons, with ✓ for those you finished and → where you are
:lesson N         open lesson N (or a path to a lesson .md file) from its start
:lesson           go on where you left off
:lesson next/prev the lesson after/before the current one
:lesson run       run the rest of the current lesson without stopping
:lesson restart   the current lesson from its first block
Before each code block: Enter runs it, e lets you edit it first, s skips it, q
returns to the prompt (the lesson's variables stay in your namespace).""",
         words=SUBCOMMANDS, dynamic_words=lambda session: _lesson_numbers())
def lesson_command(session: Session, argline: str) -> None:
    arg = argline.strip()
    progress = Progress.load()
    stop_each = session.interactive
    if arg == "list":
        list_command(session, progress)
        return
    if arg in ("", "run", "restart"):
        if progress.lesson is None:
            if arg:
                raise CommandError("no lesson is open: start one with :lesson N (:lesson list shows them)")
            list_command(session, progress)
            return
        spec, start = progress.lesson, 0 if arg == "restart" else progress.block
        if arg == "run":
            stop_each = False
    elif arg in ("next", "prev"):
        spec, start = _neighbour(progress, 1 if arg == "next" else -1), 0
    else:
        spec, start = arg, 0
    lesson = _open(spec)
    progress.lesson = str(lesson.number) if lesson.number is not None and spec.isdigit() else spec
    if start >= len(lesson.blocks):
        start = 0
    walk(session, lesson, progress, start, stop_each)
