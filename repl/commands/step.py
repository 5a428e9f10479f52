"""``:step EXPR``: the forward pass, then backward one node per keypress — the chain rule as numbers.

Every number shown comes from the engine's own `backward_steps()` generator (the
one `backward()` runs), so the walk-through cannot disagree with ``.grad``. For a
node that feeds several others, its gradient is shown as the explicit sum of what
each of them sent back.
"""
from __future__ import annotations

from typing import Any

from minigrad.viz import walk as _walk

from ..keys import BACK, NEXT, QUIT
from ..registry import CommandError, command
from ..session import Session
from ..style import paint


class Walk(_walk.Walk):
    """The library's walk-through (`minigrad.viz.walk`), coloured for the terminal."""

    def __init__(self, root: Any, namespace: dict):
        try:
            super().__init__(root, namespace, paint=paint)
        except TypeError as exc:  # not a graph: one line, the session goes on
            raise CommandError(str(exc)) from None


def _parse(argline: str) -> tuple[bool, str]:
    quiz = False
    text = argline.strip()
    while text.startswith("--"):
        flag, _, text = text.partition(" ")
        if flag == "--quiz":
            quiz = True
        else:
            raise CommandError(f"unknown option {flag} (only --quiz)")
        text = text.strip()
    if not text:
        raise CommandError("give an expression, e.g. :step (a*b + c).tanh()")
    return quiz, text


@command("step", ":step [--quiz] EXPR", "backward one node per key: the chain rule as numbers",
         details="""
Evaluates EXPR (a Value or Tensor), lists the forward pass, then walks backward
one node per keypress: Enter/space next, b back, q quit (the rest of backward is
then run silently so every .grad is filled). At each node you see its gradient
(the sum of what its children sent back), the local derivative to each parent
and their product, the chain rule's contribution.
The gradients of the graph are zeroed first, so the numbers are one fresh pass.
Afterwards every .grad of the graph holds this pass's gradients, as after
zero_grad() and one backward(): calling backward() again adds to them.
--quiz asks you for each gradient before showing it (arithmetic like 1-0.5**2 or
1 - tanh(4)**2 is fine; Enter reveals, q stops) and says whether you were right.""",
         words=["--quiz"])
def step_command(session: Session, argline: str) -> None:
    quiz, expression = _parse(argline)
    root = session.eval(expression)
    walk = Walk(root, session.namespace)
    for line in walk.forward_text():
        session.print(line)
    if quiz:
        from .quiz import run_quiz

        run_quiz(session, walk)
        return
    if session.interactive:
        session.print(paint("backward: Enter/space next node, b back, q quit", "grey"))
    index = -1
    while True:
        move = session.key() if index >= 0 else NEXT
        if move == QUIT:
            walk.finish()
            session.print(paint("(stopped: the rest of backward ran silently, every .grad is filled)", "grey"))
            break
        if move == BACK:
            if index > 0:
                index -= 1
                session.print(paint("(back)", "grey"))
                session.print("\n".join(walk.step_text(index)))
            continue
        if index + 1 < len(walk.steps) or walk.advance():
            index += 1
            session.print("\n".join(walk.step_text(index)))
            if index + 1 == walk.total:
                break
        else:
            break
    walk.finish()
    for line in walk.summary_lines():
        session.print(line)
