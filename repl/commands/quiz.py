"""``:step --quiz``: the learner types each gradient before it is shown and hears whether it was right, and why.

Answers may be arithmetic written as the hints write it (``1 - 0.5**2``, ``-3*0.25``,
``1 - tanh(4)**2``, ``2·3``); they are read by a tiny evaluator (`arith.parse_number`:
numbers, + - * / ** and the functions the rules use, no names). A scalar answer counts as
right within 1% (or 1e-4 absolute). For Tensor graphs the question is the shape
of the gradient, which always equals the shape of the node.
"""
from __future__ import annotations

import math

from ..session import Session
from ..style import fmt, paint
from minigrad.viz.arith import parse_number, product, total

REL_TOL, ABS_TOL = 1e-2, 1e-4


def is_close(answer: float, truth: float) -> bool:
    return math.isclose(answer, truth, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def parse_shape(text: str) -> tuple:
    cleaned = text.strip().strip("()[]").replace(",", " ").replace("x", " ").replace("×", " ")
    try:
        return tuple(int(p) for p in cleaned.split())
    except ValueError:
        raise ValueError(f"{text!r} is not a shape (write it like 4, 3 or (4, 3))") from None


def _why_scalar(walk, index: int) -> str:
    """The chain rule with this node's numbers: upstream × local for each contribution, summed if several."""
    step, received = walk.steps[index]
    d = walk.d(step.node)
    me = walk.names[step.node]
    pieces = [f"{walk.d(child)} × d{walk.names[child]}/d{me} = {product(g, local, con)} = {fmt(con)}"
              for child, g, local, con in received]
    if len(pieces) == 1:
        return f"{d} = {pieces[0]}"
    return (f"{d} = the sum of its {len(pieces)} contributions: " + "  +  ".join(pieces)
            + f"  = {total([con for *_, con in received], step.grad)} = {fmt(step.grad)}")


def run_quiz(session: Session, walk) -> None:
    """Step through backward, asking for each node's gradient before revealing it."""
    right = asked = 0
    session.print(paint("quiz: type each gradient (Enter reveals it, q stops)", "grey"))
    index = 0
    while walk.advance():
        step, received = walk.steps[index]
        if received:  # the root's gradient is 1 by definition: nothing to ask
            if walk.tensor:
                question = f"shape of {walk.d(step.node)}? "
            else:
                question = f"{walk.d(step.node)} = ? "
            answer = _ask(session, question, walk.tensor)
            if answer is None or answer.strip().lower() in ("q", "quit"):
                session.print(paint("(quiz stopped: the rest of backward ran silently)", "grey"))
                break
            if answer.strip():
                asked += 1
                right += _judge(session, walk, index, answer)
        session.print("\n".join(walk.step_text(index, reveal=False)))
        index += 1
    walk.finish()
    if asked:
        session.print(paint(f"quiz: {right}/{asked} right", "bold"))
    for line in walk.summary_lines():
        session.print(line)


def _ask(session: Session, question: str, tensor: bool, tries: int = 3) -> str | None:
    """The learner's answer; one that cannot be read (a typo, a name) is asked again rather than marked wrong."""
    for _ in range(tries):
        answer = session.ask(question)
        if answer is not None and answer.lstrip().startswith(":"):
            session.print(paint("  (that is a command: the quiz stops here; type it again at the prompt)", "grey"))
            return None
        if answer is None or not answer.strip() or answer.strip().lower() in ("q", "quit"):
            return answer
        try:
            parse_shape(answer) if tensor else parse_number(answer)
            return answer
        except ValueError as exc:
            session.print(paint(f"  {exc}: try again (Enter reveals the answer)", "yellow"))
    return ""


def _judge(session: Session, walk, index: int, answer: str) -> int:
    step, _ = walk.steps[index]
    if walk.tensor:
        truth = tuple(step.node.shape)
        try:
            given = parse_shape(answer)
        except ValueError as exc:
            session.print(paint(f"  ✗ {exc}; it is {truth}", "red"))
            return 0
        if given == truth:
            session.print(paint(f"  ✓ right: {truth} — a gradient always has the shape of its node", "green"))
            return 1
        session.print(paint(f"  ✗ not quite: you said {given}, it is {truth} — a gradient always has the shape "
                            "of the node (broadcast inputs get theirs summed back to their own shape)", "red"))
        return 0
    try:
        given = parse_number(answer)
    except ValueError as exc:
        session.print(paint(f"  ✗ {exc}", "red"))
        given = None
    truth = float(step.grad)
    why = _why_scalar(walk, index)
    if given is not None and is_close(given, truth):
        session.print(paint(f"  ✓ right: {why}", "green"))
        return 1
    said = f"you said {fmt(given)}, but " if given is not None else ""
    session.print(paint(f"  ✗ not quite: {said}{why}", "red"))
    return 0
