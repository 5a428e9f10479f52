"""The minigrad REPL: a prompt-toolkit Python prompt with minigrad pre-imported and ``:commands``
to step through backprop, draw graphs, train with a live view and walk the lessons.

`repl.app.main` is what ``minigrad`` (no arguments) runs. The files, by what they hold:

* app.py        entry point: interactive or scripted (stdin not a terminal)
* prompt.py     the prompt-toolkit session (multi-line rules, history, key bindings)
* session.py    the learner's namespace and state; runs Python or a command
* console.py    compiling and running typed Python, short tracebacks
* registry.py   the command table, argument splitting, "did you mean"
* commands.py   :help :quit :device :seed :reset
* step.py, quiz.py, graph_names.py   :step and :step --quiz
* graph.py      :graph        train.py, train_view.py   :train and its live view
* inspect_cmd.py :inspect     files.py  :save / :load    lesson.py, progress.py  :lesson
* completion.py, toolbar.py, keys.py, style.py, namespace.py   the widgets and helpers

Imports go one way: repl -> minigrad (minigrad never imports prompt_toolkit).
"""
