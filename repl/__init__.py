"""The minigrad REPL: a prompt-toolkit Python prompt with minigrad pre-imported and ``:commands``
to step through backprop, draw graphs, train with a live view and walk the lessons.

`repl.app.main` is what ``minigrad`` (no arguments) runs. The core, by what it holds:

* app.py         entry point: interactive or scripted (stdin not a terminal)
* prompt.py      the prompt-toolkit session (multi-line rules, history, key bindings)
* session.py     the learner's namespace, what the toolbar shows, each command's state; runs Python or a command
* console.py     compiling and running typed Python, short tracebacks
* registry.py    the command table, argument splitting, "did you mean"
* completion.py, toolbar.py, keys.py, style.py, namespace.py   the widgets and helpers

and ``commands/``, one module per command family (see its docstring).

Imports go one way: repl -> minigrad (minigrad never imports prompt_toolkit).
"""
