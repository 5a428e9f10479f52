"""Running a lesson: one namespace, blocks top to bottom, each result with its block and line."""
from __future__ import annotations

import atexit
import contextlib
import contextvars
import io
import linecache
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .format import DEFAULT_OUT, Block, Lesson, load_lesson
from .report import BlockResult, LessonReport


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
    from ..viz import plot

    shell = _ipython_kernel()
    for picture in pictures:
        path = Path(picture)
        if not plot.drawing() and not path.exists():
            print(f"(picture not drawn: {path})")
            continue
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


class BlockTimeout(BaseException):
    """Raised inside a block that ran past its time limit (a BaseException: ``except Exception`` cannot swallow it)."""


_hard_exit = os._exit  # the real one: blocks run with os._exit turned into SystemExit (see no_hard_exit)
HANG_GRACE = 5  # seconds a block may keep ignoring its stop before a command-line run gives up on it


@contextlib.contextmanager
def time_limit(seconds: float | None, last_resort: str | None = None):
    """Raise BlockTimeout in the main thread after ``seconds``, and again every second should the block swallow it.

    With ``last_resort`` (the command line sets it), a block that still runs ``HANG_GRACE`` seconds
    later ends the process with exit status 1 after printing that message: a hung block must never
    leave ``--check`` running forever. No limit for None/0, off the main thread, or without SIGALRM.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    fired = 0

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal fired
        fired += 1
        if last_resort is not None and fired > HANG_GRACE:
            print(last_resort, file=sys.__stderr__, flush=True)
            _hard_exit(1)
        raise BlockTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_block(block: Block, ns: dict[str, Any], lesson: Lesson, capture: bool = False,
              timeout: float | None = None, exit_on_hang: bool = False) -> BlockResult:
    """Run one code or check block in ``ns``; never raises for errors in the lesson's code.

    The code is compiled under the lesson's file name and shifted to its line in the
    file, so a syntax error or traceback names the .md line. ``capture`` collects what
    the block prints in ``result.output`` instead of letting it through. A block still
    running after ``timeout`` seconds is stopped and reported as an error naming its line.
    (``exit_on_hang``: one that ignores the stop ends the process, see time_limit.) A block that
    calls ``exit()`` is an error too: it ends the lesson, never the run's verdict.
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
        hang = (f"minigrad lesson: {block.describe()} of {lesson.filename} ignored the stop after {timeout:g} s; "
                "exiting" if exit_on_hang and timeout else None)
        with redirect, one_core(), time_limit(timeout, hang), no_hard_exit():
            exec(code, ns)  # noqa: S102 - running the lesson's code is the point (lessons run code, like notebooks)
    except BlockTimeout as exc:
        line = _lesson_line(exc, lesson.filename) or block.line
        return BlockResult(block, "error", time.perf_counter() - start,
                           f"TimeoutError: the block did not finish within {timeout:g} s; stopped at line {line}"
                           " (--timeout S gives blocks longer)", line, "", sink.getvalue())
    except SystemExit as exc:  # exit() in a block ends that block and the lesson, never the run's verdict
        return BlockResult(block, "error", time.perf_counter() - start,
                           f"SystemExit: the block called exit({exc.code!r}); the lesson stops here",
                           _lesson_line(exc, lesson.filename) or block.line, "", sink.getvalue())
    except KeyboardInterrupt:  # Ctrl-C stops the whole run (the command line says so in one line)
        raise
    except BaseException as exc:  # noqa: BLE001 - the lesson's own error: report it, never crash the runner
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


def _set_hard_exit(fn: Any) -> None:
    """Put ``fn`` where lesson code finds the process's hard exit: os._exit and posix._exit (nt._exit)."""
    os._exit = fn
    system = sys.modules.get(os.name)  # the posix or nt module, which os._exit comes from
    if system is not None:
        system._exit = fn


@contextlib.contextmanager
def no_hard_exit():
    """``os._exit(code)`` in a block becomes ``SystemExit(code)``: reported as an error like ``exit()``, so a
    block cannot end the process (and a run with a failed check) with status 0. A forked child keeps the real
    one (multiprocessing ends its children with it)."""
    parent = os.getpid()

    def refuse(code: int = 0) -> None:
        if os.getpid() != parent:
            _hard_exit(code)
        raise SystemExit(code)

    _set_hard_exit(refuse)
    try:
        yield
    finally:
        _set_hard_exit(_hard_exit)


def keep_failure_status(status: int) -> None:
    """After a failed run, an exit handler the lesson registered (``atexit`` + ``os._exit(0)``) cannot turn the
    process's status into 0: registered last, this handler runs first and makes os._exit keep the failure."""
    atexit.register(_set_hard_exit, lambda code=0: _hard_exit(code or status))


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
               show_prose: bool = True, capture: bool = False, seed: int | None = None,
               timeout: float | None = None, exit_on_hang: bool = False, pictures: bool = True) -> LessonReport:
    """Run a whole lesson, writing pictures to ``out`` (default ./minigrad-out/NN/), on ``seed`` if given.

    With ``stream`` set, prose, code and results are printed there as it runs (the
    terminal view, with a spinner on a terminal); with ``show_prose=False`` only check
    results and errors are. ``timeout`` limits each block (seconds). ``pictures=False``
    skips rendering the matplotlib figures (`minigrad.viz.plot.not_drawn`): the same
    numbers and checks, about a quarter faster.
    """
    from ..viz import plot

    with contextlib.nullcontext() if pictures else plot.not_drawn():
        return _run_lesson(lesson, out, stream, show_prose, capture, seed, timeout, exit_on_hang)


def _run_lesson(lesson: Lesson | int | str | Path, out: Path | str | None, stream: TextIO | None, show_prose: bool,
                capture: bool, seed: int | None, timeout: float | None, exit_on_hang: bool) -> LessonReport:
    from .view import Spinner, TerminalView

    if not isinstance(lesson, Lesson):
        lesson = load_lesson(lesson)
    out = Path(out) if out is not None else default_out(lesson)
    ns = make_namespace(out, seed)
    report = LessonReport(lesson, out=out)
    view = TerminalView(stream, show_prose) if stream is not None else None
    start = time.perf_counter()
    if view:
        view.header(lesson, out)
    runnable = lesson.code_blocks
    for block in lesson.blocks:
        if view:
            view.before(block)
        if not block.runnable:
            continue
        if view:
            label = f"block {runnable.index(block) + 1}/{len(runnable)}"
            with Spinner(stream, label, lesson.runtime) as spinner, (
                    contextlib.nullcontext() if capture else contextlib.redirect_stdout(spinner)):
                result = run_block(block, ns, lesson, capture=capture, timeout=timeout, exit_on_hang=exit_on_hang)
        else:
            result = run_block(block, ns, lesson, capture=capture, timeout=timeout, exit_on_hang=exit_on_hang)
        report.results.append(result)
        if view:
            view.after(result)
        if result.status == "error":
            break
    report.seconds = time.perf_counter() - start
    if view:
        view.footer(report)
    return report
