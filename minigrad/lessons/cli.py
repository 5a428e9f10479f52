"""``minigrad lesson``: list the lessons, run one in the terminal or headless, or write it as a notebook."""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from .format import LessonError, list_lessons, load_lesson, short_title
from .runner import default_out, keep_failure_status, run_lesson

DEFAULT_CHECK_TIMEOUT = 120.0  # seconds per block with --check: lessons take ~10 s in all, so only a hang gets here

DESCRIPTION = """Run minigrad's checked lessons.

Lessons run Python code, like notebooks: `minigrad lesson N` runs the code of
lesson N (or of the .md file you name) on your machine, with your permissions.
Run only lesson files you trust."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minigrad lesson", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lesson", nargs="?", default="list",
                        help="'list', a lesson number or name, a path to a lesson .md file, or 'all'")
    parser.add_argument("--check", action="store_true", help="headless: print only check results; exit 1 on failure")
    parser.add_argument("--out", metavar="DIR", help="folder for the pictures (default ./minigrad-out/NN/)")
    parser.add_argument("--seed", type=int, metavar="S", help="run on seed S instead of the lesson's own (0)")
    parser.add_argument("--timeout", type=_seconds, metavar="S",
                        help=f"stop a block still running after S seconds (default {DEFAULT_CHECK_TIMEOUT:g} with "
                             "--check, none otherwise; 0 turns it off)")
    parser.add_argument("--no-pictures", dest="pictures", action="store_false",
                        help="do not draw the matplotlib figures (the checks and numbers are the same; about a "
                             "quarter faster, for checking many lessons or seeds)")
    parser.add_argument("--notebook", nargs="?", const="", metavar="PATH",
                        help="write the lesson as a Jupyter notebook (.ipynb; default ./NN-slug.ipynb) instead of "
                             "running it; needs the 'notebook' extra")
    parser.add_argument("--solutions", action="store_true",
                        help="with --notebook: keep the exercises' answers in (they are blanked by default)")
    parser.add_argument("--force", action="store_true", help="with --notebook: replace an existing .ipynb")
    return parser


def _seconds(text: str) -> float:
    """--timeout's value: a finite number of seconds, 0 or more (argparse turns the ValueError into one line)."""
    seconds = float(text)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(text)
    return seconds


_seconds.__name__ = "seconds"  # argparse's message: "invalid seconds value: '-1'"


def _out_folder(path: str) -> Path:
    """The --out folder, created; a LessonError line when it cannot be one."""
    out = Path(path).expanduser()
    if out.exists() and not out.is_dir():
        raise LessonError(f"--out {path}: that is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LessonError(f"--out {path}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise LessonError(f"--out {path}: the folder is not writable")
    return out


def _list(lessons: list) -> None:
    for lesson in lessons:
        n = len(lesson.checks)
        usual = f"~{lesson.runtime:.0f} s" if lesson.runtime else "?"
        print(f"{lesson.number:>3}  {usual:>6}  {short_title(lesson.title)}  ({n} check{'' if n == 1 else 's'})")
    print("(usual CPU time of `minigrad lesson N --check`, measured on a busy 2-core machine; a GPU is slower "
          "for these small networks)")


def main(argv: list[str] | None = None) -> int:
    """``minigrad lesson list | N [--check] [--seed S] [--out DIR] [--timeout S] [--no-pictures] [--notebook [PATH]]
    | all``."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        lessons = list_lessons() if args.lesson in ("all", "list") else [load_lesson(args.lesson)]
        if args.notebook is not None:
            from .notebook import write_notebook

            if len(lessons) != 1 or args.lesson == "list":
                raise LessonError("--notebook writes one lesson: give its number or file")
            path = write_notebook(lessons[0], args.notebook or None, seed=args.seed, force=args.force,
                                  solutions=args.solutions)
            print(f"wrote {path} (open it with `jupyter lab {path}` or in VS Code)")
            return 0
        out_root = _out_folder(args.out) if args.out and args.lesson != "list" else None
    except LessonError as exc:
        print(f"minigrad lesson: {exc}", file=sys.stderr)
        return 2
    timeout = args.timeout if args.timeout is not None else (DEFAULT_CHECK_TIMEOUT if args.check else None)
    status = 0
    try:
        if args.lesson == "list":
            _list(lessons)
            return 0
        for lesson in lessons:
            out = out_root if out_root and len(lessons) == 1 else (
                out_root / default_out(lesson).name if out_root else None)
            report = run_lesson(lesson, out, stream=sys.stdout, show_prose=not args.check, capture=args.check,
                                seed=args.seed, timeout=timeout or None, exit_on_hang=True, pictures=args.pictures)
            if not report.ok:
                status = 1
    except BrokenPipeError:  # `minigrad lesson 3 | head`: the reader left, stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, on purpose
        return 1
    except KeyboardInterrupt:  # Ctrl-C, or a block raising KeyboardInterrupt: one line, never a pass
        print("minigrad lesson: interrupted", file=sys.stderr)
        status = 130
    if status:
        keep_failure_status(status)
    return status
