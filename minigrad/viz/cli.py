"""`minigrad graph`: render a computation graph to a picture from the command line.

    minigrad graph "tanh(a*b + c)" -o g.png             # names become labelled Values; backward runs
    minigrad graph "tanh(a*b + c)" --set a=2 b=-3 -o g.png
    minigrad graph --mlp 2,4,1 -o mlp.png               # forward + backward on a random batch
    minigrad graph --mlp 2,4,1 --scalar -o mlp.png      # the same net over scalar Values

The expression is parsed, not executed: only numbers, names, + - * / **, unary
minus and the unary ops of `Value` (tanh, exp, log, relu, sigmoid) are allowed.
"""
from __future__ import annotations

import argparse
import ast
import inspect
import operator
import sys
import time
from typing import Any, Sequence



def _value_functions() -> tuple[str, ...]:
    """The functions an expression may call: every unary op of `Value` (a method that takes nothing and
    gives a Value), read from the engine so that a new Value op is allowed here without a second list."""
    from ..scalar import Value

    names = []
    for name, member in vars(Value).items():
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        signature = inspect.signature(member)
        if list(signature.parameters) == ["self"] and str(signature.return_annotation).strip("'\"") == "Value":
            names.append(name)
    return tuple(sorted(names))


FUNCTIONS = _value_functions()  # exp, log, relu, sigmoid, tanh
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}


# Bounds: the command takes text from anyone (scripts, web forms, a lesson's learner), so what it builds
# is limited before it is built: a picture of more than a few thousand boxes says nothing anyway.
MAX_CHARS = 50_000  # of expression text (100k unary minuses must not reach the parser)
MAX_PARTS = 20_000  # ops, names and numbers in an expression (big graphs are drawn folded)
MAX_MLP_PARAMETERS = 5_000_000
MAX_MLP_ACTIVATIONS = 5_000_000  # batch x the sum of the layer sizes
MAX_SCALAR_VALUES = 20_000  # scalar MLP: parameters x batch (each one a Python object per example)


class ExpressionError(ValueError):
    """The expression uses something other than numbers, names, arithmetic and the allowed functions,
    or is too big or too deep to draw, or computes a number that does not exist (``(-8) ** 0.5``)."""


def build_expression(text: str, values: dict[str, float] | None = None, seed: int = 0) -> Any:
    """The `Value` graph of ``text``; each name becomes a leaf labelled with it.

    Names without a value in ``values`` get a reproducible one from ``seed``
    (uniform in [-2, 2], rounded to two decimals). The text is parsed, never executed;
    numbers are floats, so ``9**9**9`` overflows at once instead of computing for ever.
    """
    import numpy as np

    from ..scalar import Value

    text = text.strip()
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the expression is too long ({len(text):,} characters, at most {MAX_CHARS:,})")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {_short(text)!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply for Python's parser") from None
    except ValueError as exc:  # e.g. an integer literal with more than 4,300 digits
        raise ExpressionError(f"cannot parse the expression: {exc}") from None
    parts = sum(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Constant)) for n in ast.walk(tree))
    parts += len({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
    if parts > MAX_PARTS:
        raise ExpressionError(f"the expression has {parts:,} parts (ops, names, numbers): at most {MAX_PARTS:,} "
                              "fit in a picture")
    values = dict(values or {})
    rng = np.random.default_rng(seed)
    leaves: dict[str, Value] = {}

    def leaf(name: str) -> Value:
        if name not in leaves:
            data = values.pop(name) if name in values else round(float(rng.uniform(-2, 2)), 2)
            leaves[name] = Value(data, label=name)
        return leaves[name]

    out = _evaluate(tree.body, text, leaf)
    if values:
        raise ExpressionError(f"--set gives {', '.join(sorted(values))}, which the expression does not use")
    if not isinstance(out, Value):
        raise ExpressionError(f"{_short(text)!r} has no names: there is no graph to draw (try 'tanh(a*b + c)')")
    out.label = out.label or "out"
    return out


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _children(node: ast.AST, text: str) -> list[ast.AST]:
    """The operands of an allowed node; ExpressionError for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return []
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError(f"{node.func.id}() takes exactly one argument")
        return [node.args[0]]
    shown = ast.get_source_segment(text, node) or type(node).__name__
    raise ExpressionError(f"{_short(shown)!r} is not allowed: use numbers, names, + - * / **, "
                          f"and {', '.join(FUNCTIONS)}")


def _evaluate(root: ast.AST, text: str, leaf: Any) -> Any:
    """Evaluate the tree with an explicit stack (a 1,000-term sum is 1,000 levels deep: no recursion)."""
    results: dict[int, Any] = {}
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        kids = _children(node, text)
        if not ready and kids:
            stack.append((node, True))
            stack.extend((kid, False) for kid in reversed(kids))
            continue
        try:
            results[id(node)] = _apply(node, [results.pop(id(kid)) for kid in kids], leaf)
        except OverflowError:
            raise ExpressionError(f"{_short(_segment(text, node))!r} is too large to compute") from None
        except ZeroDivisionError:
            raise ExpressionError(f"{_short(_segment(text, node))!r} divides by zero") from None
        except ValueError as exc:  # the engine's own refusals, e.g. a negative base to a fractional power
            raise ExpressionError(str(exc)) from None
        if isinstance(results[id(node)], complex):
            raise ExpressionError(f"{_short(_segment(text, node))!r} is not a real number")
    return results[id(root)]


def _segment(text: str, node: ast.AST) -> str:
    return ast.get_source_segment(text, node) or type(node).__name__


def _apply(node: ast.AST, args: list[Any], leaf: Any) -> Any:
    from ..scalar import Value

    if isinstance(node, ast.Constant):
        return float(node.value)  # floats: an int power like 9**9**9 overflows instead of running for ever
    if isinstance(node, ast.Name):
        return leaf(node.id)
    if isinstance(node, ast.BinOp):
        left, right = args
        if isinstance(node.op, ast.Pow) and isinstance(right, Value) and not isinstance(left, Value):
            left = Value(left)
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        return -args[0] if isinstance(node.op, ast.USub) else args[0]
    x = args[0] if isinstance(args[0], Value) else Value(args[0])
    return getattr(x, node.func.id)()


def check_mlp_size(sizes: Sequence[int], batch: int, scalar: bool) -> None:
    """ExpressionError when an MLP of ``sizes`` is too big to build and draw here."""
    params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    shown = ",".join(map(str, sizes))
    if scalar and params * batch > MAX_SCALAR_VALUES:
        raise ExpressionError(f"--mlp {shown} --scalar is too big to draw: {params:,} parameters x {batch} "
                              f"examples of scalar Values (at most {MAX_SCALAR_VALUES:,}; drop --scalar)")
    if params > MAX_MLP_PARAMETERS:
        raise ExpressionError(f"--mlp {shown} is too big to draw: {params:,} parameters "
                              f"(at most {MAX_MLP_PARAMETERS:,})")
    if batch * sum(sizes) > MAX_MLP_ACTIVATIONS:
        raise ExpressionError(f"--mlp {shown} with --batch {batch:,} is too big to draw: {batch * sum(sizes):,} "
                              f"activations (at most {MAX_MLP_ACTIVATIONS:,})")


def build_mlp(sizes: Sequence[int], batch: int = 8, activation: str = "tanh", scalar: bool = False,
              seed: int = 0) -> tuple[Any, Any]:
    """An MLP of ``sizes`` after one forward and backward pass on a random batch: (loss, model)."""
    import numpy as np

    check_mlp_size(sizes, batch, scalar)
    from ..backend import manual_seed

    manual_seed(seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    if scalar:
        from ..nn.scalar import MLP as ScalarMLP

        model = ScalarMLP(sizes[0], list(sizes[1:]), activation=activation)
        loss = None
        for xi, yi in zip(X.tolist(), y.tolist()):
            out = model(xi)
            out = out if isinstance(out, list) else [out]
            for o, t in zip(out, yi):
                term = (o - t) ** 2
                loss = term if loss is None else loss + term
        loss = loss * (1.0 / (batch * sizes[-1]))
        loss.label = "loss"
        loss.backward()
        return loss, model
    from .. import nn
    from ..tensor import Tensor

    model = nn.MLP(list(sizes), activation=activation)
    inputs, targets = Tensor(X), Tensor(y)
    inputs.label, targets.label = "x (batch)", "y (targets)"  # the two dashed boxes say what they are
    loss = nn.functional.mse_loss(model(inputs), targets)
    loss.label = "loss"
    loss.backward(retain_graph=True)  # keep the graph: it is what we draw
    return loss, model


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--mlp wants sizes like 2,4,1, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--mlp wants at least two positive sizes like 2,4,1, got {text!r}")
    return sizes


def _assignments(items: Sequence[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.isidentifier():
                raise ValueError
            out[name] = float(value)
        except ValueError:
            raise ExpressionError(f"--set wants name=number, got {item!r}") from None
    return out


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"wants a positive whole number, got {text!r}")
    return n


def parser() -> argparse.ArgumentParser:
    from .graph import DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES

    p = argparse.ArgumentParser(prog="minigrad graph", description="Render a computation graph to PNG/SVG/PDF.")
    p.add_argument("expression", nargs="?", help='a scalar expression, e.g. "tanh(a*b + c)"')
    p.add_argument("--mlp", type=_sizes, metavar="SIZES", help="draw an MLP of these layer sizes, e.g. 2,4,1")
    p.add_argument("-o", "--output", default="graph.png", help="picture to write (.png, .svg, .pdf); default graph.png")
    p.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="values of the expression's names")
    p.add_argument("--scalar", action="store_true", help="--mlp over scalar Values (micrograd-style)")
    p.add_argument("--batch", type=int, default=4, help="--mlp: examples in the random batch (default 4)")
    p.add_argument("--activation", default="tanh", choices=("tanh", "relu", "sigmoid"), help="--mlp activation")
    p.add_argument("--collapse", choices=("module", "all"), help="fold each module into one summary box")
    p.add_argument("--max-nodes", type=_positive, default=None, metavar="N",
                   help=f"fold graphs with more than N boxes (default {DEFAULT_MAX_NODES}); giving it also turns "
                        "the --max-depth rule off unless that is given too")
    p.add_argument("--max-depth", type=_positive, default=None, metavar="N",
                   help=f"fold modules when the longest chain has more than N boxes (default {DEFAULT_MAX_DEPTH})")
    p.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"),
                   help="layout direction (default: left to right, a long chain wrapped into rows)")
    p.add_argument("--no-data", action="store_true", help="leave the data out of the boxes")
    p.add_argument("--no-grad", action="store_true", help="leave gradients (and their colours) out")
    p.add_argument("--renderer", choices=("dot", "pure"), help="force Graphviz dot or graphviz-pure")
    p.add_argument("--seed", type=int, default=0, help="seed for unset values and random batches")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``minigrad graph``; returns the exit status."""
    from .graph import DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, draw
    from .render import RenderError, render

    p = parser()
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    if (args.expression is None) == (args.mlp is None):
        p.print_usage(sys.stderr)
        print("minigrad graph: give either an expression or --mlp SIZES", file=sys.stderr)
        return 2
    if args.batch < 1:
        print("minigrad graph: --batch must be at least 1", file=sys.stderr)
        return 2
    try:
        if args.mlp:
            root, model = build_mlp(args.mlp, args.batch, args.activation, args.scalar, args.seed)
        else:
            root, model = build_expression(args.expression, _assignments(args.set), args.seed), None
            if not args.no_grad:
                root.backward()  # like --mlp: the picture shows each node's gradient, micrograd's draw_dot
        # an explicit --max-nodes is the learner's say on folding: the depth rule then applies only when asked for
        max_depth = args.max_depth or (None if args.max_nodes else DEFAULT_MAX_DEPTH)
        graph = draw(root, show_data=not args.no_data, show_grad=not args.no_grad, collapse=args.collapse,
                     max_nodes=args.max_nodes or DEFAULT_MAX_NODES, max_depth=max_depth, rankdir=args.rankdir,
                     model=model)
        start = time.perf_counter()
        path = render(graph, args.output, renderer=args.renderer)
    except (ExpressionError, RenderError, ValueError, ZeroDivisionError, OverflowError) as exc:
        print(f"minigrad graph: {' '.join(str(exc).split())}", file=sys.stderr)  # one line, also for RenderError
        return 1
    except (MemoryError, RecursionError) as exc:  # bounds above should prevent these; if not, still one line
        print(f"minigrad graph: the graph is too big to draw here ({type(exc).__name__})", file=sys.stderr)
        return 1
    except OSError as exc:  # the folder cannot be made or written: say which file, no traceback
        print(f"minigrad graph: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    info = graph.info
    # the same counts as the picture's own note: values + ops = boxes, and what they were folded into
    counts = f"{info['detailed']} boxes: {info['nodes']} values, {info['ops']} ops"
    if info["folded"]:
        counts = info["folded"]
    elif info["collapse"]:
        counts += f"; collapse={info['collapse']!r} folded them into {info['boxes']}"
    print(f"wrote {path} ({counts}; laid out {info['layout']}; rendered in {seconds:.2f} s)")
    for flag, words in (("zero", "a gradient of exactly 0"), ("vanishing", "vanishing gradients"),
                        ("exploding", "exploding gradients"), ("non-finite", "nan/inf gradients")):
        if info["flags"].get(flag):
            print(f"  {info['flags'][flag]} node(s) with {words} (see the legend)")
    if info["released"]:  # pragma: no cover - the graphs built here are retained
        print("  the graph had been freed by backward(): use backward(retain_graph=True)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
