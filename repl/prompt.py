"""The interactive prompt (prompt-toolkit): ``>>>``/``...`` multi-line editing, Python highlighting,
completion, persistent history and the bottom toolbar.

Enter runs the input when it is complete Python (or a ``:command``); inside an
unfinished block it opens a new, indented line, and an empty line ends the block —
the rules of the standard Python prompt.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator

from prompt_toolkit import PromptSession
from prompt_toolkit.application.current import get_app
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import Lexer, PygmentsLexer, SimpleLexer
from prompt_toolkit.styles import Style

from .completion import ReplCompleter
from .console import is_complete
from .keys import read_key
from .session import Quit, Session
from .toolbar import make_toolbar

STYLE = Style.from_dict({
    "bottom-toolbar": "bg:#303040 #c0c0c0 noreverse",
    "bottom-toolbar.value": "bg:#303040 #ffffff bold noreverse",
})


class PythonHighlighter(Lexer):
    """Python highlighting through pygments, loaded when the first character is typed.

    Importing pygments' Python lexer and compiling its regular expressions costs about a
    tenth of the REPL's start-up, and the first prompt is empty: nothing to colour yet.
    """

    def __init__(self) -> None:
        self._lexer: Lexer | None = None
        self._plain = SimpleLexer()

    def lex_document(self, document):  # type: ignore[no-untyped-def]
        if self._lexer is None:
            if not document.text:
                return self._plain.lex_document(document)
            from pygments.lexers.python import PythonLexer

            self._lexer = PygmentsLexer(PythonLexer)
        return self._lexer.lex_document(document)

    def invalidation_hash(self) -> object:
        return (id(self), self._lexer is not None)


def should_run(text: str) -> bool:
    """Enter runs the buffer when it is a command, complete Python, or a block closed by an empty line."""
    if text.lstrip().startswith(":") or not text.strip():
        return True
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1].strip():  # an empty line closes a block, not an open bracket
        return is_complete(text.rstrip() + "\n")
    return is_complete(text)


def next_indent(text: str) -> str:
    """Indentation for the new line: the current line's, one level deeper after a ':'."""
    last = text.split("\n")[-1]
    indent = last[: len(last) - len(last.lstrip())]
    if last.rstrip().endswith(":"):
        indent += "    "
    return indent


def _key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _(event) -> None:
        buf = event.current_buffer
        if buf.complete_state and buf.complete_state.current_completion:
            buf.apply_completion(buf.complete_state.current_completion)
            return
        if buf.document.is_cursor_at_the_end and should_run(buf.text):
            buf.text = buf.text.rstrip()
            buf.validate_and_handle()
        else:
            buf.insert_text("\n" + next_indent(buf.document.text_before_cursor))

    @kb.add("escape", "enter")
    def _(event) -> None:  # Alt/Esc-Enter runs the input as it stands
        event.current_buffer.validate_and_handle()

    @kb.add("tab", filter=_at_line_start())
    def _(event) -> None:  # Tab at the start of a line indents instead of completing
        event.current_buffer.insert_text("    ")

    return kb


def _clear_on_sigint() -> None:
    """Run inside the prompt's event loop (``pre_run``): a SIGINT clears the line, as Ctrl-C does.

    prompt-toolkit's own handling (``handle_sigint``) feeds a ``<sigint>`` key to the key processor;
    a second SIGINT arriving while the first ends the prompt then raised "Application is not running",
    or left a timer on the closed event loop that crashed the next prompt. Exiting once, directly, and
    ignoring the signals that follow avoids both.
    """
    app = get_app()

    def on_sigint() -> None:
        if app.is_running and not app.future.done():
            app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals (Windows)
        pass


@contextlib.contextmanager
def _quiet_sigint() -> Iterator[None]:
    """While the prompt starts and stops, a SIGINT is dropped rather than raised in the middle of
    prompt-toolkit or asyncio (a KeyboardInterrupt inside new_event_loop() broke the next prompt);
    while it runs, `_clear_on_sigint` handles them. Commands get Python's usual KeyboardInterrupt."""
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _at_line_start():
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.application.current import get_app

    return Condition(lambda: not get_app().current_buffer.document.current_line_before_cursor.strip())


class _SafeFileHistory(FileHistory):
    """FileHistory that stops (and remembers why) when its file cannot be read or written, instead of
    raising inside the prompt after every command; the session keeps its history in memory."""

    def __init__(self, filename: str):
        super().__init__(filename)
        self.problem: str | None = None

    def load_history_strings(self):
        try:
            return list(super().load_history_strings())
        except OSError as exc:
            self.problem = self.problem or f"cannot read {self.filename}: {exc.strerror or exc}"
            return []

    def store_string(self, string: str) -> None:
        if self.problem is None:
            try:
                super().store_string(string)
            except OSError as exc:
                self.problem = f"cannot write {self.filename}: {exc.strerror or exc}"


def open_history(path: str) -> tuple[History, str | None]:
    """The prompt's history at ``path`` and, when that file cannot be used, why (history then lives in memory)."""
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "it is a folder")
        with open(path, "ab"):
            pass
    except OSError as exc:
        return InMemoryHistory(), f"cannot use {path}: {exc.strerror or exc}"
    return _SafeFileHistory(path), None


def _warn_history(session: Session, problem: str) -> None:
    session.error(f"history is off for this session ({problem}); set MINIGRAD_HISTORY to a file you can write")


def run_interactive(session: Session, history_file: str) -> int:
    """Prompt until Ctrl-D or :quit. Ctrl-C clears the line; errors print a short traceback."""
    history, problem = open_history(history_file)
    if problem:
        _warn_history(session, problem)
    prompt = PromptSession(
        message=">>> ",
        multiline=True,
        prompt_continuation=lambda width, line_number, wrapped: "... ",
        lexer=PythonHighlighter(),
        completer=ReplCompleter(session),
        complete_while_typing=False,
        history=history,
        auto_suggest=AutoSuggestFromHistory(),
        bottom_toolbar=make_toolbar(session),
        key_bindings=_key_bindings(),
        style=STYLE,
        include_default_pygments_style=True,
    )
    asker = PromptSession()
    session.ask_line = lambda text: asker.prompt(text)
    session.read_key = lambda: read_key(prompt.input)  # keys typed ahead of :step's first question count
    editor = PromptSession()  # its own session: prompt() keeps the options it was last given
    session.edit_text = lambda text: editor.prompt(
        "edit> ", default=text, multiline=True, lexer=PythonHighlighter(),
        prompt_continuation=lambda width, line_number, wrapped: "    > ",
        bottom_toolbar=" editing the lesson's code: Esc then Enter runs it · Ctrl-C cancels ")
    while True:
        try:
            try:
                with _quiet_sigint():
                    text = prompt.prompt(handle_sigint=False, pre_run=_clear_on_sigint)
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line, as in Python
            except EOFError:
                return 0
            if isinstance(history, _SafeFileHistory) and history.problem and not problem:
                problem = history.problem  # e.g. the disk filled up: said once, then history stays in memory
                _warn_history(session, problem)
            try:
                session.handle(text)
            except Quit:
                return 0
            except KeyboardInterrupt:
                session.error("KeyboardInterrupt")
        except KeyboardInterrupt:  # a SIGINT between the prompt and the command: nothing to stop
            continue
