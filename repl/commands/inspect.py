"""``:inspect MODEL [DATA]``: per-layer activation and gradient statistics with the diagnostics' flags.

One forward and backward pass (`minigrad.diagnose.probe`) on DATA — by default the
data :train last used for this model, else a random batch — leaving the model's
gradients as they were.
"""
from __future__ import annotations

import textwrap
from typing import Any

from minigrad.health import EXPLODING_TEXT, RELATIVE_TEXT, VANISHING_TEXT

from ..registry import CommandError, command, split_options
from ..session import Session
from ..style import paint

EXPLAIN = {
    "zero": "gradient exactly 0: no signal reaches these weights (dead units, or nothing depends on them)",
    "vanishing": f"gradient norm < {VANISHING_TEXT}, or under {RELATIVE_TEXT} of the largest layer's "
                 "(minigrad.health): these weights barely move (try He/Xavier init, ReLU, batch norm)",
    "exploding": f"gradient norm > {EXPLODING_TEXT}: one step throws the weights far "
                 "(lower lr, clip gradients, better init)",
    "non-finite": "NaN or inf: something overflowed (lower lr, check log/division inputs)",
    "dead": "ReLU units that output 0 for every example: they get no gradient and never recover",
    "saturated": "tanh/sigmoid outputs in their flat tails: the local derivative is almost 0",
}


SHORT_FLAGS = {"zero": "ZERO", "vanishing": "VAN", "exploding": "EXP", "non-finite": "NaN", "dead": "DEAD",
               "saturated": "SAT"}


def _num(v: float | None) -> str:
    """A number in at most 8 characters, so a 9-wide column always keeps a space before it."""
    if v is None:
        return "-"
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    if v == 0:
        return "0"
    a = abs(v)
    if a < 1e-3 or a >= 1e3:
        return f"{v:.1e}"  # two digits are plenty to see a decade; keeps the table inside 80 columns
    return f"{v:.{4 if a < 10 else 3 if a < 100 else 2}f}"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def stats_table(stats: list) -> list[str]:
    """The diagnostics as a table that fits 80 columns: full layer names, short flag words (explained below it)."""
    name_w = max([5] + [len(s.name) for s in stats])
    head = (f"{'layer':<{name_w}} {'kind':<8}{'act mean':>9}{'act std':>9}{'dead':>5}{'sat':>5}"
            f"{'‖dW‖':>9}{'‖d out‖':>9}  flags")
    lines = [paint(head, "bold")]
    for s in stats:
        flags = " ".join(SHORT_FLAGS.get(f, f) for f in s.flags)
        lines.append(f"{s.name:<{name_w}} {s.kind[:7]:<8}{_num(s.act_mean):>9}{_num(s.act_std):>9}"
                     f"{_pct(s.dead_fraction):>5}{_pct(s.saturated_fraction):>5}{_num(s.grad_norm):>9}"
                     f"{_num(s.out_grad_norm):>9}  " + (paint(flags, "red") if flags else ""))
    return lines


def _first_width(model: Any) -> int | None:
    for module in model.modules():
        width = getattr(module, "in_features", None)
        if isinstance(width, int):
            return width
    return None


@command("inspect", ":inspect MODEL [DATA]", "per-layer activation/gradient stats and flags",
         details="""
DATA is X y, an (X, y) expression or a toy data set name, as for :train; without
it, the data :train last used for MODEL, or a random batch of 64 examples.
Columns: activation mean and std, dead ReLU units, saturated tanh/sigmoid units,
‖dW‖ (the layer's parameter gradients) and ‖d out‖ (the gradient of its output).""")
def inspect_command(session: Session, argline: str) -> None:
    positional, options = split_options(argline)
    if options:
        raise CommandError(f"unexpected option(s) {', '.join(sorted(options))}")
    from .train import TrainState

    trained = session.state(TrainState)
    if not positional:
        if not trained.model_name:
            raise CommandError("say which model, e.g. :inspect model")
        positional = [trained.model_name]
    try:
        from minigrad import diagnose
    except ImportError as exc:
        raise CommandError(f"the diagnostics module is not available ({exc})") from None
    import minigrad as mg

    name = positional[0]
    model = session.eval(name)
    if not hasattr(model, "named_modules"):
        raise CommandError(f"{name} is a {type(model).__name__}, not a model (an nn.Module)")
    loss_fn = None
    if len(positional) > 1:
        from .train import parse_data

        X, y, described = parse_data(session, positional[1:])
    elif model in trained.data:
        X, y, loss_fn, described = trained.data[model]
    else:
        width = _first_width(model)
        if width is None:
            raise CommandError(f"give data for {name}: its input width is unknown (:inspect {name} X y)")
        X, y, described = mg.randn(64, width).numpy(), None, f"a random batch (64, {width})"
    from minigrad.backend import to_numpy

    from .train import model_device

    device = model_device(model)
    Xt = mg.Tensor(X, device=device)
    if y is not None and loss_fn is None:
        import numpy as np

        from minigrad.train import choose_loss

        with mg.no_grad():
            out_dim = int(np.prod(model(Xt[:2]).shape[1:]) or 1)
        y = to_numpy(y)
        try:
            loss_name, loss_fn = choose_loss(None, model, y, out_dim)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if loss_name != "ce":
            y = y.reshape(len(y), -1).astype(np.float32)
    yt = mg.Tensor(y, device=device) if y is not None else None
    stats = diagnose.probe(model, Xt, yt, loss_fn)
    session.print(paint(f"{name} on {described}: one forward and backward pass", "bold"))
    for line in stats_table(stats):
        session.print(line)
    flags = sorted({f for s in stats for f in s.flags})
    for flag in flags:
        text = f"{SHORT_FLAGS.get(flag, flag):<4} {flag}: {EXPLAIN.get(flag, '')}"
        for line in textwrap.wrap(text, 78, initial_indent="  ", subsequent_indent=" " * 7):
            session.print(paint(line, "yellow"))
    if not flags:
        from minigrad import health

        def sci(x: float) -> str:  # 1e-07 -> 1e-7, 1e+03 -> 1e3
            return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")

        text = (f"nothing flagged: gradient norms within {sci(health.VANISHING)}..{sci(health.EXPLODING)}, none under "
                f"1/{1 / health.RELATIVE_VANISHING:g} of the largest layer's, no dead or saturated layers")
        for line in textwrap.wrap(text, 78, initial_indent="  ", subsequent_indent="  "):
            session.print(paint(line, "green"))
