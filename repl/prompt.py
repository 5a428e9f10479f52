"""The interactive prompt (prompt-toolkit): ``>>>``/``...`` multi-line editing, Python highlighting,
completion, persistent history and the bottom toolbar.

Enter runs the input when it is complete Python (or a ``:command``); inside an
unfinished block it opens a new, indented line, and an empty line ends the block —
the rules of the standard Python prompt.
"""
from __future__ import annotations

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.styles import Style
from pygments.lexers.python import PythonLexer

from .completion import ReplCompleter
from .console import is_complete
from .keys import read_key
from .session import Quit, Session
from .toolbar import make_toolbar

STYLE = Style.from_dict({
    "bottom-toolbar": "bg:#303040 #c0c0c0 noreverse",
    "bottom-toolbar.value": "bg:#303040 #ffffff bold noreverse",
})


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


def _at_line_start():
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.application.current import get_app

    return Condition(lambda: not get_app().current_buffer.document.current_line_before_cursor.strip())


def run_interactive(session: Session, history_file: str) -> int:
    """Prompt until Ctrl-D or :quit. Ctrl-C clears the line; errors print a short traceback."""
    prompt = PromptSession(
        message=">>> ",
        multiline=True,
        prompt_continuation=lambda width, line_number, wrapped: "... ",
        lexer=PygmentsLexer(PythonLexer),
        completer=ReplCompleter(session),
        complete_while_typing=False,
        history=FileHistory(history_file),
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
        "edit> ", default=text, multiline=True, lexer=PygmentsLexer(PythonLexer),
        prompt_continuation=lambda width, line_number, wrapped: "    > ",
        bottom_toolbar=" editing the lesson's code: Esc then Enter runs it · Ctrl-C cancels ")
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line, as in Python
        except EOFError:
            return 0
        try:
            session.handle(text)
        except Quit:
            return 0
        except KeyboardInterrupt:
            session.error("KeyboardInterrupt")
