"""``:lesson``: walk a lesson block by block — read the prose, run (or first edit) its code, see its checks.

The lesson's code runs in the REPL's own namespace, so after any block the
learner can look at (and change) what the lesson built. Where you are is saved
(see progress.py), and ``:lesson`` alone picks up there next session. Before a
lesson replaces variables the learner made at the prompt, it says so; a cell
tagged ``predict`` asks for the learner's guess, one tagged ``exercise`` shows its
line to fill in blanked and offers the edit (the check after it fails until it is right).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from typing import Any


from ..namespace import build_namespace
from ..registry import CommandError, command
from ..session import Session
from ..style import color_enabled, paint
from .progress import Progress

SUBCOMMANDS = ["list", "next", "prev", "run", "restart", "seed="]
_SEED = re.compile(r"(?:^|\s)seed=(\S*)")


@dataclass
class LessonState:
    """What :lesson remembers in a session: the lesson whose code has run in this namespace, its seed,
    and the names lessons have set (so only the learner's own variables are warned about)."""

    loaded: str | None = None
    seed: int | None = None
    lesson_names: set[str] = field(default_factory=set)


def __getattr__(name: str):  # noqa: ANN202 - PEP 562
    """``reflow`` and ``short_title`` are the lesson runner's, imported on first use (not at REPL start)."""
    if name in ("reflow", "short_title"):
        return getattr(_lessons_module(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        usual = f"~{lesson.runtime:.0f} s" if lesson.runtime else ""
        session.print(f" {mark} {lesson.number:>2}  {usual:>5}  {_lessons_module().short_title(lesson.title)}")
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


def show_prose(session: Session, text: str) -> None:
    """Lesson prose with its Markdown rendered: headings, **bold** and `code` styled (plain without colour)."""
    width = min(100, shutil.get_terminal_size((80, 24)).columns) - 1
    for line in _lessons_module().render_markdown(text, width, color=color_enabled(session.out)):
        session.print(line)


def show_code(session: Session, block: Any, text: str | None = None) -> None:
    text = block.text if text is None else text
    width = len(str(block.line + text.count("\n")))
    for k, line in enumerate(text.splitlines()):
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


def _learners_names(session: Session, lesson: Any) -> list[str]:
    """The learner's own variables (made at the prompt, not by a lesson) that the lesson's code would replace."""
    lessons = _lessons_module()
    preloaded = set(build_namespace({}))
    state = session.state(LessonState)
    wanted: set[str] = set()
    for block in lesson.code_blocks:
        wanted |= lessons.defined_names(block.text)
    return sorted(n for n in wanted & set(session.namespace)
                  if not n.startswith("_") and n not in preloaded and n not in state.lesson_names)


def _run(session: Session, lesson: Any, block: Any, label: str, capture: bool = False) -> Any:
    """Run one block in the session's namespace, with a spinner on a terminal while it runs."""
    lessons = _lessons_module()
    with lessons.Spinner(session.out, label, lesson.runtime) as spinner, (
            contextlib.nullcontext() if capture else contextlib.redirect_stdout(spinner)):
        result = lessons.run_block(block, session.namespace, lesson, capture=capture)
    session.state(LessonState).lesson_names |= lessons.defined_names(block.text)
    return result


def _exercise(session: Session, block: Any) -> Any | None:
    """Show an exercise with its line blanked and let the learner write it; the block to run, None to leave."""
    lessons = _lessons_module()
    blanked = lessons.blank_exercise(block.text)
    show_code(session, block, blanked)
    session.print(paint("✎ fill in the line marked ✎ (the check after it fails until it is right)", "yellow"))
    answer = session.ask("e write it · a show the answer · s skip (run the answer) · q back to the prompt > ")
    choice = answer.strip().lower()[:1] if answer is not None else "q"
    if choice == "q":
        return None
    if choice in ("a", "s"):
        if choice == "a":
            show_code(session, block)
        return block
    text = session.edit(blanked) if choice == "e" else blanked
    return replace(block, text=text if text and text.strip() else blanked)


def walk(session: Session, lesson: Any, progress: Progress, start: int, stop_each: bool) -> None:
    """Show blocks from ``start``; before each code block ask: run, edit, skip or quit (when ``stop_each``)."""
    lessons = _lessons_module()
    state = session.state(LessonState)
    out = lessons.default_out(lesson)
    key = progress.lesson
    if state.loaded != key:
        clash = _learners_names(session, lesson)
        if clash:
            shown = ", ".join(clash[:8]) + (f" and {len(clash) - 8} more" if len(clash) > 8 else "")
            session.print(paint(f"this lesson sets {shown}, which you made at the prompt: running it replaces "
                                "them (copy them to other names first to keep them)", "yellow"))
            if stop_each:
                answer = session.ask("[Enter] go on · q back to the prompt > ")
                if answer is None or answer.strip().lower().startswith("q"):
                    return
    for name, value in lessons.make_namespace(out, state.seed).items():
        if name not in ("__name__", "__builtins__"):
            session.namespace[name] = value
    total = len(lesson.blocks)
    if start > 0 and state.loaded != key:
        # resuming in a new session: the earlier code blocks must run again so their variables exist
        earlier = [b for b in lesson.blocks[:start] if b.runnable]
        session.print(paint(f"(re-running the {len(earlier)} code block(s) before block {start + 1} quietly)", "grey"))
        for block in earlier:
            result = _run(session, lesson, block, f"block {block.index}/{total}", capture=True)
            if not result.ok:
                report(session, result)
    state.loaded = key
    label = f"{lesson.number:02d} " if lesson.number is not None and not lesson.title.startswith("Lesson") else ""
    heading_next = (start == 0 and lesson.blocks and lesson.blocks[0].kind == "prose"
                    and lesson.blocks[0].text.lstrip().startswith("# "))
    if not heading_next:  # else the lesson's own heading comes next: do not print the title twice
        session.print(paint(f"{label}{lesson.title}", "bold"))
    seed = f"; seed {state.seed}" if state.seed is not None else ""
    session.print(paint(f"(pictures go to {out}/{seed})", "grey"))
    # in the toolbar: "3 Forward and backward propagation: …" (the number once, no "Lesson 3 —")
    number = lesson.number
    lesson_name = f"{number} {_lessons_module().short_title(lesson.title)}" if number is not None else lesson.title
    index = start
    last_exercise: Any = None
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
        if stop_each and "exercise" in block.tags:
            chosen = _exercise(session, block)
            if chosen is None:
                session.print(paint(f"left the lesson at block {index + 1}; :lesson picks up here", "grey"))
                return
            block = last_exercise = chosen
        else:
            show_code(session, block)
        if stop_each and "predict" in block.tags:
            guess = session.ask("your prediction (Enter to skip) > ")
            if guess and guess.strip():
                block = replace(block, text=lessons.set_prediction(block.text, guess))
        elif stop_each and "exercise" not in block.tags:
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
        result = _run(session, lesson, block, f"block {index + 1}/{total}")
        report(session, result)
        while result.status == "failed" and stop_each and last_exercise is not None:
            answer = session.ask(f"e edit your line in block {last_exercise.index} again · Enter go on > ")
            if answer is None or not answer.strip().lower().startswith("e"):
                break
            edited = session.edit(last_exercise.text)
            if not edited or not edited.strip():
                break
            last_exercise = replace(last_exercise, text=edited)
            if _run(session, lesson, last_exercise, f"block {last_exercise.index}/{total}").ok:
                result = _run(session, lesson, block, f"block {index + 1}/{total}")
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


@command("lesson", ":lesson [list|N|next|prev|run|restart] [seed=S]", "walk a lesson block by block (remembers where)",
         details="""
:lesson list      the lessons, with ✓ for those you finished and → where you are
:lesson N         open lesson N (or a path to a lesson .md file) from its start
:lesson           go on where you left off
:lesson next/prev the lesson after/before the current one
:lesson run       run the rest of the current lesson without stopping
:lesson restart   the current lesson from its first block
:lesson N seed=S  run it on seed S (its data and initial weights change; the claims should hold)
Before each code block: Enter runs it, e lets you edit it first, s skips it, q
returns to the prompt (the lesson's variables stay in your namespace). A lesson
that would replace variables you made says so first. ✎ marks a line for you to
write; some cells ask for your prediction before the code runs.
Lessons run Python code, like notebooks: open only lesson files you trust.""",
         words=SUBCOMMANDS, dynamic_words=lambda session: _lesson_numbers())
def lesson_command(session: Session, argline: str) -> None:
    arg = argline.strip()
    seed = _SEED.search(arg)
    if seed:
        if not re.fullmatch(r"-?\d+", seed.group(1)):
            raise CommandError(f"seed={seed.group(1)}: a seed is a whole number, e.g. seed=3")
        arg = _SEED.sub(" ", arg).strip()
        state = session.state(LessonState)
        if state.seed != int(seed.group(1)):
            state.seed, state.loaded = int(seed.group(1)), None  # another seed: the lesson's code must run again
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
