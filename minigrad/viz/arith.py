"""Arithmetic shown to the learner that is true as printed, and the local rules of Value ops with numbers.

``1 - (-1)² = 6.09e-08`` is false as printed: the -1 was -0.99999997 rounded. Every
line of numbers in ``:step`` is therefore printed with the fewest significant digits
(six or more) at which redoing the printed arithmetic gives the printed result.
The quiz reads answers written the way the hints are (``1 - tanh(4)**2``, ``2·3``,
``1 - 0.5²``), with a small evaluator: numbers, + - * / ** and a few functions, no names.
"""
from __future__ import annotations

import ast
import math
import operator
from typing import Callable, Sequence

MAX_DIGITS = 17  # a float64 round-trips with 17 significant digits: past that more digits cannot help


def fmt(x: float, digits: int = 6) -> str:
    """A number as a learner reads it: 6 significant digits, no trailing noise (0.1 not 0.10000000149)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            x = float(x)
        except (TypeError, ValueError):
            return str(x)
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


FUNCTIONS: dict[str, Callable[[float], float]] = {
    "tanh": math.tanh, "exp": math.exp, "log": math.log, "ln": math.log, "sqrt": math.sqrt, "abs": abs,
    "sigmoid": sigmoid, "relu": lambda x: max(x, 0.0),
}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}
# the hints' own notation, read as Python: 2·3, 3×4, x², x^2
_NOTATION = {"·": "*", "×": "*", "²": "**2", "³": "**3", "^": "**", "−": "-"}


def parse_number(text: str) -> float:
    """Evaluate a small arithmetic expression safely; ValueError if it is not one.

    Numbers, + - * / ** (also · × ^ ² as the hints write them) and the functions
    tanh exp log ln sqrt abs sigmoid relu; no names, no other calls.
    """
    source = text.strip()
    for sign, python in _NOTATION.items():
        source = source.replace(sign, python)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise ValueError(f"{text!r} is not a number") from None

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                and len(node.args) == 1 and not node.keywords):
            return float(FUNCTIONS[node.func.id](ev(node.args[0])))
        raise ValueError(f"{text!r} is not a number (numbers, + - * / ** and {', '.join(FUNCTIONS)} are understood)")

    try:
        value = ev(tree)
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        if isinstance(exc, ValueError) and "is not a number" in str(exc):
            raise
        raise ValueError(f"{text!r}: {exc}") from None
    if isinstance(value, complex):
        raise ValueError(f"{text!r} is not a real number")
    return value


def digits(f: Callable[..., float], values: Sequence[float], result: float, start: int = 6) -> int:
    """The fewest significant digits (at least ``start``) at which ``values``, printed, give ``result`` as printed."""
    target = fmt(result)
    for d in range(start, MAX_DIGITS + 1):
        try:
            if fmt(f(*(float(fmt(v, d)) for v in values))) == target:
                return d
        except (ArithmeticError, ValueError):
            pass
    return MAX_DIGITS


def number(x: float, d: int = 6) -> str:
    """``x`` with ``d`` significant digits, in parentheses when negative (it is an operand: ``3 × (-2)``)."""
    text = fmt(x, d)
    return f"({text})" if text.startswith("-") else text


def true_arithmetic(template: str, f: Callable[..., float], values: Sequence[float], result: float,
                    operands: bool = True) -> str:
    """``template`` (``{0}``, ``{1}`` for the values) with numbers printed so that it equals ``fmt(result)``;
    ``operands=False`` when the template puts them in parentheses itself (``tanh({0})``)."""
    d = digits(f, values, result)
    return template.format(*(number(v, d) if operands else fmt(v, d) for v in values))


def product(a: float, b: float, result: float) -> str:
    """``a × b`` printed so that it is ``fmt(result)`` (the first factor needs no parentheses)."""
    d = digits(operator.mul, (a, b), result)
    return f"{fmt(a, d)} × {number(b, d)}"


def total(parts: Sequence[float], result: float) -> str:
    """``a + b + c`` printed so that it is ``fmt(result)``."""
    template = " + ".join(f"{{{i}}}" for i in range(len(parts)))
    return true_arithmetic(template, lambda *xs: math.fsum(xs), parts, result)


# -- Value ops: the arithmetic of each local derivative --------------------------------------------
# op -> per parent: (template of the numbers, which values: x, y the inputs, o the output; the function)
_LOCAL: dict[str, tuple] = {
    "/": (("1/{0}", "y", lambda y: 1 / y), ("-{0}/{1}²", "xy", lambda x, y: -x / y ** 2)),
    "**": (("{1}·{0}^({1} - 1)", "xy", lambda x, y: y * x ** (y - 1)),
           ("{0}·ln {1}", "ox", lambda o, x: o * math.log(x))),
    "exp": (("exp({0})", "x", math.exp),),
    "log": (("1/{0}", "x", lambda x: 1 / x),),
    "tanh": (("1 - {0}²", "o", lambda o: 1 - o * o),),
    "sigmoid": (("{0}·(1 - {0})", "o", lambda o: o * (1 - o)),),
}


def local_numbers(op: str, index: int, inputs: Sequence[float], output: float, local: float) -> str:
    """The local derivative of a Value op with its numbers put in (``1 - 0.99999997²``), true as printed;
    empty where the rule is a constant or a value shown anyway (``+``, ``*``, ReLU)."""
    if op.startswith("**") and op != "**":  # x**k: k·x^(k-1)
        k = float(op[2:])
        if k == 2:
            return true_arithmetic("2·{0}", lambda x: 2 * x, inputs[:1], local)
        return true_arithmetic(f"{fmt(k)}·{{0}}^{number(k - 1)}", lambda x: k * x ** (k - 1), inputs[:1], local)
    rules = _LOCAL.get(op)
    if not rules or index >= len(rules):
        return ""
    template, which, f = rules[index]
    pick = {"x": inputs[0], "y": inputs[-1], "o": output}
    values = [pick[w] for w in which]
    if op == "**" and index == 1 and inputs[0] <= 0:
        return ""  # a^b ln a has no value for a <= 0: the engine sends 0 there (as PyTorch does)
    return true_arithmetic(template, f, values, local)


# -- Value ops: what the result is, for the forward listing ------------------------------------------
FORWARD: dict[str, Callable[..., float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
    "exp": math.exp, "log": math.log, "tanh": math.tanh, "ReLU": lambda x: max(x, 0.0), "sigmoid": sigmoid,
    "neg": operator.neg,
}


def forward_function(op: str) -> Callable[..., float] | None:
    if op.startswith("**") and op != "**":
        k = float(op[2:])
        return lambda x: x ** k
    return FORWARD.get(op)
