"""The lesson runner: find, parse and run the 21 checked lessons.

Lessons are jupytext Markdown (minigrad/lesson_files/NN-slug.md; the repo's
top-level ``lessons/`` is a symlink to that folder), so each one also opens as a
notebook (``minigrad lesson N --notebook``):

* YAML front matter with ``number``, ``title`` and the notebook's ``jupyter:``
  metadata (kernelspec). ``NN`` in the file name is the number when the front
  matter has none; the title falls back to the first ``# `` heading.
* Fenced ````` ```python ````` cells run top to bottom in ONE namespace; any other
  fence (```` ```text ````) is shown as prose, not run. Nothing is preloaded: the
  first cell imports what the lesson uses and calls ``OUT, SEED = setup(lesson=N)``
  (the picture folder, created, and the seed: 0, or the one given with ``--seed``).
* A cell tagged ``check`` (```` ```python tags=["check"] ````, jupytext's cell
  metadata) asserts the lesson's claim with numbers; print them in it so the learner
  sees them. A failed check is reported (block, line, message) and the lesson goes
  on, but the run fails. An error in any block (syntax error, exception) reports
  block and line and stops. (A first line ``# check`` marks a check too: the older form.)
* ``show(path)`` after writing a picture shows it inline in Jupyter; in a terminal
  it names the file. Every lesson writes at least one picture into OUT.

Library API (used by the REPL's ``:lesson``):
``list_lessons()``, ``find_lesson(spec)``, ``load_lesson(spec)``, ``parse_lesson(text)``,
``make_namespace(out, seed)``, ``run_block(block, ns, lesson)``, ``run_lesson(lesson, out)``,
and for lesson code ``setup(lesson, seed)`` and ``show(*pictures)``.
Command line: ``minigrad lesson list | N [--check] [--seed S] [--out DIR] | path/to/file.md``.
"""
from __future__ import annotations

import argparse
import contextlib
import contextvars
import io
import json
import linecache
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

LESSON_DIR = Path(__file__).resolve().parent / "lesson_files"
DEFAULT_OUT = Path("minigrad-out")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)(.*)$")
_NAME = re.compile(r"^(\d{2})-([\w-]+)\.md$")


class LessonError(ValueError):
    """A lesson that cannot be found or parsed; the message says which and why."""


@dataclass
class Block:
    """One piece of a lesson: ``kind`` is "prose", "code" or "check".

    ``line`` is the 1-based line of the block's first line in the lesson file (for
    code: the line after the opening fence), so errors point into the .md file.
    """

    kind: str
    text: str
    line: int
    index: int = 0
    tags: tuple[str, ...] = ()

    @property
    def end_line(self) -> int:
        return self.line + max(self.text.count("\n"), 0)

    @property
    def runnable(self) -> bool:
        return self.kind in ("code", "check")

    def describe(self) -> str:
        return f"block {self.index} ({self.kind}, lines {self.line}-{self.end_line})"


@dataclass
class Lesson:
    """A parsed lesson: its title, where it came from, and its blocks in order."""

    title: str
    blocks: list[Block]
    path: Path | None = None
    number: int | None = None
    slug: str = ""

    @property
    def filename(self) -> str:
        """The name code is compiled under: tracebacks and errors show it with .md line numbers."""
        return str(self.path) if self.path else f"<lesson {self.number or self.slug or self.title}>"

    @property
    def code_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.runnable]

    @property
    def checks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "check"]


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


# -- finding lessons --------------------------------------------------------------------------
def short_title(title: str) -> str:
    """The title without its "Lesson 3 —" prefix (where the number is shown in its own column)."""
    return re.sub(r"^Lesson\s+\d+\s*[—:-]\s*", "", title)


def lesson_files(directory: Path | None = None) -> list[Path]:
    """Every ``NN-slug.md`` in the lesson folder, in lesson order."""
    folder = Path(directory) if directory else LESSON_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name))


def list_lessons(directory: Path | None = None) -> list[Lesson]:
    """All lessons, parsed (cheap: nothing is run)."""
    return [load_lesson(p) for p in lesson_files(directory)]


def find_lesson(spec: int | str | Path) -> Path:
    """The file of a lesson given its number (3, "3", "03"), its slug, or a path to a .md file."""
    text = str(spec).strip()
    candidate = Path(text).expanduser()
    if text.endswith(".md") or os.sep in text or candidate.is_file():
        if candidate.is_file():
            return candidate
        raise LessonError(f"no lesson file at {text!r}")
    files = lesson_files()
    if text.isdigit():
        number = int(text)
        for p in files:
            if int(p.name[:2]) == number:
                return p
        raise LessonError(f"there is no lesson {number}: lessons are {_numbers(files)} (try `minigrad lesson list`)")
    matches = [p for p in files if text.lower() in p.stem.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise LessonError(f"{text!r} matches several lessons: {', '.join(p.stem for p in matches)}")
    raise LessonError(f"no lesson called {text!r}: try `minigrad lesson list`")


def _numbers(files: list[Path]) -> str:
    nums = [int(p.name[:2]) for p in files]
    if not nums:
        return "none (the lesson folder is empty)"
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]}-{nums[-1]}"
    return ", ".join(map(str, nums))


def load_lesson(spec: int | str | Path) -> Lesson:
    """Find and parse a lesson (number, slug or path)."""
    path = spec if isinstance(spec, Path) and spec.is_file() else find_lesson(spec)
    return parse_lesson(path.read_text(encoding="utf-8"), path=path)


# -- parsing ------------------------------------------------------------------------------------
def front_matter(text: str) -> tuple[dict[str, str], int]:
    """The top-level ``key: value`` pairs of a YAML front matter, and how many lines it takes.

    Only plain top-level scalars are read (``number``, ``title``); nested blocks such as
    ``jupyter:`` belong to the notebook tools. No front matter gives ``({}, 0)``.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], 2):
        if line.strip() in ("---", "..."):
            return meta, i
        m = re.match(r"^([A-Za-z_][\w-]*):\s*(.*?)\s*$", line)
        if m and m.group(2):
            meta[m.group(1)] = _yaml_scalar(m.group(2))
    raise LessonError("the front matter (---) at line 1 is never closed")


def _yaml_scalar(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _cell_tags(options: str) -> tuple[str, ...]:
    """The ``tags=[...]`` of a jupytext fence line such as ``python tags=["check"]``."""
    m = re.search(r"\btags\s*=\s*(\[[^\]]*\])", options)
    if not m:
        return ()
    try:
        tags = json.loads(m.group(1))
    except ValueError:
        raise LessonError(f"cannot read the cell tags {m.group(1)} (write them as tags=[\"check\"])") from None
    return tuple(str(t) for t in tags)


def parse_lesson(text: str, path: Path | str | None = None) -> Lesson:
    """Split a jupytext-Markdown lesson into prose, code and check blocks with their line numbers."""
    path = Path(path) if path else None
    try:
        meta, skip = front_matter(text)
    except LessonError as exc:
        raise LessonError(f"{path or 'lesson'}: {exc}") from None
    lines = text.splitlines()
    blocks: list[Block] = []
    prose: list[str] = []
    prose_start = skip + 1
    title = meta.get("title", "")
    i = skip
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if not fence:
            if not prose:
                prose_start = i + 1
            prose.append(line)
            if not title and line.startswith("# "):
                title = line[2:].strip()
            i += 1
            continue
        marker, lang = fence.group(2), fence.group(3).lower()
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].strip().startswith(marker[0] * len(marker)):
            j += 1
        if j == len(lines):
            raise LessonError(f"{path or 'lesson'}: line {i + 1}: the {marker}{lang} fence is never closed")
        body = lines[start:j]
        if lang in ("python", "py", "python3"):
            _flush_prose(blocks, prose, prose_start)
            prose = []
            try:
                tags = _cell_tags(fence.group(4))
            except LessonError as exc:
                raise LessonError(f"{path or 'lesson'}: line {i + 1}: {exc}") from None
            first = next((b.strip() for b in body if b.strip()), "")
            kind = "check" if "check" in tags or re.match(r"#\s*check\b", first) else "code"
            blocks.append(Block(kind, "\n".join(body), start + 1, tags=tags))
        else:  # a shown-only fence stays part of the prose around it
            if not prose:
                prose_start = i + 1
            prose.extend(lines[i:j + 1])
        i = j + 1
    _flush_prose(blocks, prose, prose_start)
    for n, block in enumerate(blocks, 1):
        block.index = n
    number, slug = None, ""
    if path and (m := _NAME.match(path.name)):
        number, slug = int(m.group(1)), m.group(2)
    if str(meta.get("number", "")).isdigit():
        number = int(meta["number"])
    return Lesson(title or (path.stem if path else "lesson"), blocks, path, number, slug)


def _flush_prose(blocks: list[Block], prose: list[str], start: int) -> None:
    # trim blank lines at both ends but keep the line number of the first kept line
    while prose and not prose[0].strip():
        prose.pop(0)
        start += 1
    while prose and not prose[-1].strip():
        prose.pop()
    if prose:
        blocks.append(Block("prose", "\n".join(prose), start))


# -- running ------------------------------------------------------------------------------------
def default_out(lesson: Lesson) -> Path:
    """./minigrad-out/NN/ for a numbered lesson, ./minigrad-out/<file stem>/ otherwise."""
    name = f"{lesson.number:02d}" if lesson.number is not None else (lesson.path.stem if lesson.path else "lesson")
    return DEFAULT_OUT / name


@dataclass
class LessonRun:
    """What the runner tells a lesson's ``setup()`` cell: the picture folder and the seed (None: the lesson's own)."""

    out: Path
    seed: int | None = None


RUN_KEY = "__minigrad_lesson__"  # where a namespace keeps its LessonRun (read by run_block, not by lesson code)
_ACTIVE: contextvars.ContextVar[LessonRun | None] = contextvars.ContextVar("minigrad_lesson_run", default=None)


def make_namespace(out: Path | str, seed: int | None = None) -> dict[str, Any]:
    """A fresh, empty namespace for one lesson run; its first cell imports what it needs and calls setup()."""
    os.environ.setdefault("MPLBACKEND", "Agg")  # lessons write picture files; never open windows
    return {"__name__": "__lesson__", "__builtins__": __builtins__, RUN_KEY: LessonRun(Path(out), seed)}


def setup(lesson: int | None = None, seed: int = 0) -> tuple[Path, int]:
    """A lesson's first cell: ``OUT, SEED = setup(lesson=N)``. Returns the picture folder (created) and the seed.

    Run by minigrad (``minigrad lesson``, ``:lesson``), the folder is the one the run
    writes to and the seed is ``--seed S`` when given. Run anywhere else (Jupyter, a
    plain ``python``), the folder is ./minigrad-out/NN/ and the seed is ``seed``.
    ``mg.manual_seed(seed)`` is called so library randomness starts the same each run.
    """
    import minigrad as mg

    run = _ACTIVE.get()
    if run is None:
        out = DEFAULT_OUT / (f"{lesson:02d}" if lesson is not None else "lesson")
        chosen = seed
    else:
        out, chosen = run.out, seed if run.seed is None else run.seed
    out.mkdir(parents=True, exist_ok=True)
    mg.manual_seed(chosen)
    return out, int(chosen)


def show(*pictures: str | os.PathLike) -> None:
    """Show pictures the lesson wrote: inline in a Jupyter notebook, named by path in a terminal."""
    shell = _ipython_kernel()
    for picture in pictures:
        path = Path(picture)
        if shell is None:
            print(f"(picture: {path})")
            continue
        from IPython.display import SVG, Image, display

        display(SVG(filename=str(path)) if path.suffix.lower() == ".svg" else Image(filename=str(path)))


def _ipython_kernel() -> Any:
    """The running IPython kernel shell (Jupyter, VS Code), or None in a terminal or plain Python."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def register_source(lesson: Lesson, text: str | None = None) -> None:
    """Let tracebacks show lesson lines even when the lesson came from a string, not a file."""
    if text is None:
        text = _reassemble(lesson)
    linecache.cache[lesson.filename] = (len(text), None, text.splitlines(True), lesson.filename)


def _reassemble(lesson: Lesson) -> str:
    """The lesson's runnable text placed at its original line numbers (for linecache)."""
    last = max((b.end_line for b in lesson.blocks), default=0)
    lines = [""] * (last + 1)
    for b in lesson.blocks:
        for k, line in enumerate(b.text.splitlines()):
            lines[b.line - 1 + k] = line
    return "\n".join(lines) + "\n"


def run_block(block: Block, ns: dict[str, Any], lesson: Lesson, capture: bool = False) -> BlockResult:
    """Run one code or check block in ``ns``; never raises for errors in the lesson's code.

    The code is compiled under the lesson's file name and shifted to its line in the
    file, so a syntax error or traceback names the .md line. ``capture`` collects what
    the block prints in ``result.output`` instead of letting it through.
    """
    if not block.runnable:
        return BlockResult(block, "ok")
    register_source(lesson)  # every time: the learner may have edited the lesson since
    sink = io.StringIO()
    start = time.perf_counter()
    try:
        code = compile("\n" * (block.line - 1) + block.text + "\n", lesson.filename, "exec")
    except SyntaxError as exc:
        msg = f"SyntaxError: {exc.msg}"
        if exc.text:
            msg += f"\n    {exc.text.rstrip()}"
        return BlockResult(block, "error", 0.0, msg, exc.lineno, "")
    redirect = contextlib.redirect_stdout(sink) if capture else contextlib.nullcontext()
    token = _ACTIVE.set(ns.get(RUN_KEY))
    try:
        with redirect, one_core():
            exec(code, ns)
    except SystemExit as exc:  # exit() in a block ends that block and the lesson, never the run's verdict
        return BlockResult(block, "error", time.perf_counter() - start,
                           f"SystemExit: the block called exit({exc.code!r}); the lesson stops here",
                           _lesson_line(exc, lesson.filename) or block.line, "", sink.getvalue())
    except Exception as exc:  # the lesson's own error: report it, never crash the runner
        seconds = time.perf_counter() - start
        line = _lesson_line(exc, lesson.filename) or block.line
        failed_check = block.kind == "check" and isinstance(exc, AssertionError)
        message = str(exc) if failed_check else f"{type(exc).__name__}: {exc}"
        if failed_check and not message:
            message = f"assertion failed: {linecache.getline(lesson.filename, line).strip()}"
        return BlockResult(block, "failed" if failed_check else "error", seconds, message, line,
                           _short_traceback(exc, lesson.filename), sink.getvalue())
    finally:
        _ACTIVE.reset(token)
    return BlockResult(block, "ok", time.perf_counter() - start, output=sink.getvalue())


def one_core() -> contextlib.AbstractContextManager:
    """Run BLAS single-threaded inside the block: lessons are written for one CPU core.

    Multi-threaded BLAS on the small matrices of the lessons gains nothing, and on a
    busy machine it can make a matrix product ten times slower while its threads wait
    for each other, which would distort the timings some lessons measure.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency, but never fatal
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _lesson_line(exc: BaseException, filename: str) -> int | None:
    """The lesson-file line of the innermost traceback frame that is lesson code."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _short_traceback(exc: BaseException, filename: str) -> str:
    """The traceback from the first lesson frame on (the runner's own frames are noise)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def run_lesson(lesson: Lesson | int | str | Path, out: Path | str | None = None, *, stream: TextIO | None = None,
               show_prose: bool = True, capture: bool = False, seed: int | None = None) -> LessonReport:
    """Run a whole lesson, writing pictures to ``out`` (default ./minigrad-out/NN/), on ``seed`` if given.

    With ``stream`` set, prose, code and results are printed there as it runs (the
    terminal view); with ``show_prose=False`` only check results and errors are.
    """
    if not isinstance(lesson, Lesson):
        lesson = load_lesson(lesson)
    out = Path(out) if out is not None else default_out(lesson)
    ns = make_namespace(out, seed)
    report = LessonReport(lesson, out=out)
    view = _View(stream, show_prose) if stream is not None else None
    start = time.perf_counter()
    if view:
        view.header(lesson, out)
    for block in lesson.blocks:
        if view:
            view.before(block)
        if not block.runnable:
            continue
        result = run_block(block, ns, lesson, capture=capture)
        report.results.append(result)
        if view:
            view.after(result)
        if result.status == "error":
            break
    report.seconds = time.perf_counter() - start
    if view:
        view.footer(report)
    return report


class _View:
    """Prints a lesson run for a terminal: prose, code with line numbers, ✓/✗ per check."""

    def __init__(self, stream: TextIO, show_prose: bool):
        self.stream, self.show_prose = stream, show_prose
        self.color = hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")

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
            for line in block.text.splitlines():
                self.write(self._c(line, "1") if line.startswith("#") else line)
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
        ok = report.ok
        name = f"lesson {report.lesson.number}" if report.lesson.number else report.lesson.filename
        text = f"{name}: {report.summary()}"
        self.write(self._c(text, "1;32" if ok else "1;31"))
        if self.show_prose and report.out is not None:
            pictures = sorted(p.name for p in report.out.glob("*") if p.suffix in (".png", ".svg", ".pdf"))
            if pictures:
                self.write(f"pictures in {report.out}/: {', '.join(pictures)}")


# -- command line -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """``minigrad lesson list | N [--check] [--out DIR] | path/to/file.md | all --check``."""
    parser = argparse.ArgumentParser(prog="minigrad lesson", description="Run minigrad's checked lessons.")
    parser.add_argument("lesson", nargs="?", default="list",
                        help="'list', a lesson number or name, a path to a lesson .md file, or 'all'")
    parser.add_argument("--check", action="store_true", help="headless: print only check results; exit 1 on failure")
    parser.add_argument("--out", metavar="DIR", help="folder for the pictures (default ./minigrad-out/NN/)")
    parser.add_argument("--seed", type=int, metavar="S", help="run on seed S instead of the lesson's own")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        lessons = list_lessons() if args.lesson in ("all", "list") else [load_lesson(args.lesson)]
    except LessonError as exc:
        print(f"minigrad lesson: {exc}", file=sys.stderr)
        return 2
    status = 0
    try:
        if args.lesson == "list":
            for lesson in lessons:
                n = len(lesson.checks)
                print(f"{lesson.number:>3}  {short_title(lesson.title)}  ({n} check{'' if n == 1 else 's'})")
            return 0
        for lesson in lessons:
            out = Path(args.out) if args.out and len(lessons) == 1 else (
                Path(args.out) / default_out(lesson).name if args.out else None)
            report = run_lesson(lesson, out, stream=sys.stdout, show_prose=not args.check, capture=args.check,
                                seed=args.seed)
            if not report.ok:
                status = 1
    except BrokenPipeError:  # `minigrad lesson 3 | head`: the reader left, stop quietly
        sys.stdout = open(os.devnull, "w")
        return 1
    return status
