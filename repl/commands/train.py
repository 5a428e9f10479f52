"""``:train MODEL DATA [options]``: train a model while watching it learn, refreshed in place.

DATA is ``X y`` (two expressions), one expression giving ``(X, y)``, or the name of
a toy data set (``moons``, ``flower``, ``circles``, ``spirals``, ``xor``, ``blobs``).
Ctrl-C stops after the current mini-batch: the model keeps everything it learned
and the loss history stays in ``_train`` (a later ``:train`` of the same model
continues the curve).
"""
from __future__ import annotations

import math
import signal
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from ..registry import CommandError, command, split_options
from ..session import Session
from ..style import fmt, paint
from .train_view import LiveView, dropout_masks, epoch_line, frame, layer_grad_norms

DATASETS = ("moons", "flower", "circles", "spirals", "xor", "blobs")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
LOSSES = ("bce", "ce", "mse")
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "rmsprop": 0.01, "adam": 0.01}
OPTIONS = ("epochs", "lr", "opt", "batch", "loss", "every", "seed")
FRAME_SECONDS = 0.1  # redraw at most ~10 times a second: drawing must not slow training down


def guarded_step(model: Any, optimizer: Any, monitor: Any, loss_fn: Any, x: Any, y: Any,
                 lr: float) -> tuple[float, str]:
    """One training step that refuses to leave NaN/inf behind: (the loss, why it stopped or "").

    The monitor raises `NonFiniteError` naming the layer whose forward or backward
    first produced a NaN/inf; a non-finite loss or an update that overflows the
    weights is caught here, and then the parameters go back to their values before
    this step, so the model a learner keeps is the last finite one.
    """
    from minigrad import diagnose

    loss = loss_fn(model(x), y)
    value = loss.item()
    if not math.isfinite(value):
        return value, "the loss is NaN or inf while every layer's output is finite: check the loss (log of 0?)"
    loss.backward()
    monitor.check_gradients()
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    before = [p.data.copy() for _, p in params]
    optimizer.step()
    for name, p in params:
        if not diagnose.finite(p.data):
            for (_, q), kept in zip(params, before):
                q.data = kept
            return value, (f"the update made {name} NaN or inf (its gradient was finite): "
                           f"the learning rate lr={fmt(lr)} is too large for these weights")
    return value, ""


@dataclass
class TrainState:
    """What :train remembers in a session: the model it trained last (the default for :save and
    :inspect) and, per model, the data and loss of its last run and its log. Keyed by the model
    itself, weakly, so a deleted model takes its entries with it."""

    model_name: str | None = None
    data: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)
    logs: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)


@dataclass
class TrainLog:
    """What a learner can look at after training (kept in the namespace as ``_train``)."""

    losses: list[float] = field(default_factory=list)  # one per epoch
    grad_norms: list[dict] = field(default_factory=list)  # per epoch: layer -> ‖grad‖ of the last batch
    epochs_done: int = 0
    stopped: bool = False
    nonfinite: str = ""  # why training stopped at a NaN/inf, naming the layer ("" if it did not)
    optimizer: Any = field(default=None, repr=False)  # kept so a second :train with the same settings continues
    optimizer_key: tuple = ()

    def __repr__(self) -> str:
        last = fmt(self.losses[-1], 4) if self.losses else "—"
        state = ", stopped by Ctrl-C" if self.stopped else ""
        return f"TrainLog(epochs={self.epochs_done}, last loss={last}{state}; .losses, .grad_norms)"


class _StopFlag:
    """Turns Ctrl-C into a flag checked between mini-batches, so an update is never cut in half."""

    def __init__(self):
        self.raised = False
        self._previous = None

    def __enter__(self) -> "_StopFlag":
        try:
            self._previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: Ctrl-C then raises as usual
            self._previous = None
        return self

    def _handler(self, signum, frame_) -> None:
        self.raised = True

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


# -- arguments ----------------------------------------------------------------------------------
def _dataset(name: str) -> tuple[Any, Any]:
    from minigrad import data

    return getattr(data, f"make_{name}")()


def parse_data(session: Session, positional: list[str]) -> tuple[Any, Any, str]:
    """X, y and a short description from the DATA arguments."""
    if len(positional) == 1:
        name = positional[0]
        if name in DATASETS and name not in session.namespace:
            X, y = _dataset(name)
            return X, y, f"data.make_{name}()"
        value = session.eval(name)
        if isinstance(value, tuple) and len(value) == 2:
            return value[0], value[1], name
        raise CommandError(f"{name} should be (X, y), two expressions X y, or a data set name: {', '.join(DATASETS)}")
    if len(positional) == 2:
        return session.eval(positional[0]), session.eval(positional[1]), " ".join(positional)
    raise CommandError("give the data as X y, as one (X, y) expression, or as a data set name")


def _number(options: dict, key: str, kind: type, default: Any, minimum: float = 0) -> Any:
    if key not in options:
        return default
    try:
        value = kind(options[key])
    except ValueError:
        raise CommandError(f"{key}= needs a {'whole ' if kind is int else ''}number, got {options[key]!r}") from None
    if value <= minimum:
        raise CommandError(f"{key}= must be greater than {minimum}, got {value}")
    return value


def _choose_loss(name: str | None, model: Any, y: Any, out_dim: int) -> tuple[str, Any]:
    """The loss function: the one named, else one that fits the targets and the output width."""
    import numpy as np
    from minigrad.backend import to_numpy
    from minigrad.nn import functional as F

    y_arr = to_numpy(y)
    classes = np.unique(y_arr) if y_arr.dtype.kind in "iub" or y_arr.size and np.all(y_arr == np.round(y_arr)) else []
    if name is None:
        if y_arr.dtype.kind in "iu" and out_dim > 1:
            name = "ce"
        elif out_dim == 1 and set(np.unique(y_arr)).issubset({0, 1}):
            name = "bce"
        elif y_arr.dtype.kind in "iu" and out_dim == 1 and len(classes) > 2:
            raise CommandError(f"the targets are {len(classes)} classes but the model has 1 output: give it one "
                               f"output per class (e.g. nn.MLP([2, 16, {len(classes)}])) for loss=ce, "
                               "or say loss=mse to fit the class numbers")
        else:
            name = "mse"
    if name not in LOSSES:
        raise CommandError(f"loss= must be one of {', '.join(LOSSES)}, got {name!r}")
    if name == "ce":
        if out_dim < 2:
            raise CommandError("loss=ce needs one output per class, but the model has 1 output "
                               "(two classes with one output: loss=bce)")
        if len(classes) == 0 or classes.min() < 0 or classes.max() >= out_dim:
            raise CommandError(f"loss=ce needs whole-number class targets in 0..{out_dim - 1} "
                               f"(the model has {out_dim} outputs)")
    if name == "bce":
        ends_in_sigmoid = type(list(model.modules())[-1]).__name__ == "Sigmoid"
        return ("bce", F.binary_cross_entropy if ends_in_sigmoid else F.binary_cross_entropy_with_logits)
    return name, F.cross_entropy if name == "ce" else F.mse_loss


def _optimizer(name: str, params: list, lr: float):
    from minigrad import optim

    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    if name == "adam":
        return optim.Adam(params, lr=lr)
    raise CommandError(f"opt= must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


# -- the command --------------------------------------------------------------------------------
@command("train", ":train MODEL DATA [epochs= lr= opt= batch= loss=]",
         "train with a live view: loss, gradients, boundary",
         details="""
DATA is X y, one expression giving (X, y), or a toy set:
  moons flower circles spirals xor blobs.
Options: epochs=N (100)  lr=X (adam/rmsprop 0.01, momentum 0.05, sgd 0.1)
  opt=sgd|momentum|rmsprop|adam (adam)  batch=N (64)  loss=bce|ce|mse
  (default from the targets: 0/1 with one output: bce on logits; integer
  classes: ce; else mse)  seed=N (reseed first)
  every=N (without a terminal: print a progress line every N epochs)
The view refreshes in place; Ctrl-C stops after the current mini-batch and the
model keeps what it learned. The loss history is in _train (training the same
model again continues it).
Example:  model = nn.MLP([2, 16, 16, 1])
          :train model moons epochs=200""",
         words=[*DATASETS, *(f"{o}=" for o in OPTIONS), *(f"opt={o}" for o in OPTIMIZERS),
                *(f"loss={o}" for o in LOSSES)])
def train_command(session: Session, argline: str) -> None:
    positional, options = split_options(argline)
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise CommandError(f"unknown option(s) {', '.join(sorted(unknown))}; the options are {', '.join(OPTIONS)}")
    if len(positional) < 2:
        raise CommandError("give a model and data, e.g. :train model moons")
    model = session.eval(positional[0])
    if not (hasattr(model, "parameters") and callable(model)):
        raise CommandError(f"{positional[0]} is a {type(model).__name__}, not a model (an nn.Module)")
    from minigrad import Tensor

    if not all(isinstance(p, Tensor) for p in model.parameters()):
        raise CommandError(f"{positional[0]} is a scalar (Value) network: :train trains Tensor models such as "
                           "nn.MLP or nn.Sequential; train a micrograd-style net with a plain loop")
    X, y, described = parse_data(session, positional[1:])
    opt_name = options.get("opt", "adam")
    if opt_name not in OPTIMIZERS:
        raise CommandError(f"opt= must be one of {', '.join(OPTIMIZERS)}, got {opt_name!r}")
    settings = {
        "epochs": _number(options, "epochs", int, 100),
        "lr": _number(options, "lr", float, DEFAULT_LR[opt_name]),
        "batch": _number(options, "batch", int, 64),
        "every": _number(options, "every", int, 0, minimum=-1),
    }
    if "seed" in options:
        import minigrad as mg

        mg.manual_seed(_number(options, "seed", int, 0, minimum=-1))
    run(session, model, positional[0], X, y, described, opt_name, options.get("loss"), **settings)


def model_device(model: Any) -> str:
    """The device a model's parameters live on ("cpu" for anything that does not say), so batches go there too."""
    device = getattr(model, "device", "cpu")  # nn.Module.device is a property; a callable is accepted too
    device = device() if callable(device) else device
    return device if device in ("cpu", "cuda") else "cpu"


def run(session: Session, model: Any, model_name: str, X: Any, y: Any, described: str, opt_name: str,
        loss_name: str | None, epochs: int, lr: float, batch: int, every: int) -> TrainLog:
    import numpy as np
    import minigrad as mg
    from minigrad import data, diagnose
    from minigrad.backend import to_numpy
    from minigrad.viz import term

    device = model_device(model)
    X_arr, y_arr = to_numpy(X), to_numpy(y)
    if len(X_arr) != len(y_arr):
        raise CommandError(f"X has {len(X_arr)} rows but y has {len(y_arr)}")
    if X_arr.dtype.kind == "f" and X_arr.dtype != np.float32:
        X_arr = X_arr.astype(np.float32)
    try:
        with mg.no_grad():
            out_dim = int(np.prod(model(mg.Tensor(X_arr[:2], device=device)).shape[1:]) or 1)
    except ValueError as exc:  # ShapeError included: say it in one line, naming the data's shape
        raise CommandError(f"{model_name} does not take X of shape {X_arr.shape}: {exc}") from None
    loss_name, loss_fn = _choose_loss(loss_name, model, y_arr, out_dim)
    if loss_name in ("bce", "mse") and y_arr.ndim == 1 and out_dim == 1:
        y_arr = y_arr.reshape(-1, 1)
    if loss_name in ("bce", "mse"):
        y_arr = y_arr.astype(np.float32)
    state = session.state(TrainState)
    logs = state.logs
    log = logs.get(model) or TrainLog()
    logs[model] = log
    if log.optimizer is None or log.optimizer_key != (opt_name, lr):  # same settings: keep Adam's/momentum's state
        log.optimizer, log.optimizer_key = _optimizer(opt_name, model.parameters(), lr), (opt_name, lr)
    optimizer = log.optimizer
    log.stopped = False
    session.namespace["_train"] = log
    two_d = X_arr.ndim == 2 and X_arr.shape[1] == 2

    def predict(grid: Any) -> Any:
        was_training = getattr(model, "training", True)
        model.eval()
        try:
            with mg.no_grad():
                return model(mg.Tensor(np.asarray(grid, dtype=np.float32), device=device)).numpy()
        finally:
            model.train(was_training)

    def accuracy() -> float | None:
        if loss_name == "mse":
            return None
        scores = predict(X_arr)
        if loss_name == "ce":
            guess = scores.argmax(axis=1)
            return float((guess == y_arr.reshape(-1)).mean())
        threshold = 0.5 if loss_fn.__name__ == "binary_cross_entropy" else 0.0
        return float(((scores > threshold) == (y_arr > 0.5)).mean())

    state.model_name = model_name
    state.data[model] = (X_arr, y_arr, loss_fn, described)
    view = LiveView(session.out, in_place=session.interactive)
    title = (f":train {model_name} on {described}: {len(X_arr)} examples, opt={opt_name} lr={fmt(lr)} "
             f"batch={batch} loss={loss_name}")
    start_epoch = log.epochs_done
    last_draw = 0.0
    every = every or max(1, epochs // 10)

    def draw(epoch: int, final: bool = False) -> None:
        width, height = view.size()
        heat = (lambda w, h: term.heatmap(predict, X_arr, y_arr, width=w, height=h)) if two_d else None
        acc = accuracy()
        status = epoch_line(epoch - start_epoch, epochs, log.losses[-1], acc)
        footer = "" if final else "Ctrl-C stops (the model keeps what it learned)"
        view.show(frame(f"{title}\n{status}", log.losses, log.grad_norms[-1] if log.grad_norms else {},
                        width, height, heat=heat, masks=dropout_masks(model), footer=footer))

    model.train()
    log.nonfinite = ""
    # NumPy's overflow warnings would scroll the live view away: the monitor reports NaN/inf itself
    with _StopFlag() as stop, diagnose.Monitor(model, on_nonfinite="raise") as monitor, \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            total, count = 0.0, 0
            for xb, yb in data.batches(X_arr, y_arr, batch_size=batch):
                optimizer.zero_grad()
                try:
                    value, log.nonfinite = guarded_step(model, optimizer, monitor, loss_fn,
                                                        mg.Tensor(xb, device=device), mg.Tensor(yb, device=device), lr)
                except diagnose.NonFiniteError as exc:
                    log.nonfinite = str(exc)
                if log.nonfinite:
                    break
                total += value * len(xb)
                count += len(xb)
                if stop.raised:
                    break
            if stop.raised or log.nonfinite:  # a cut-short epoch is not counted (its updates are kept)
                log.stopped = stop.raised
                break
            log.losses.append(total / count)
            log.grad_norms.append(layer_grad_norms(model))
            log.epochs_done += 1
            session.last_loss = log.losses[-1]
            now = time.monotonic()
            if session.interactive and now - last_draw >= FRAME_SECONDS:
                draw(log.epochs_done)
                last_draw = time.monotonic()
            elif not session.interactive and (epoch % every == 0 or epoch == 1):
                session.print(epoch_line(epoch, epochs, log.losses[-1], accuracy()))
    if log.losses:
        draw(log.epochs_done, final=True)
    done = log.epochs_done - start_epoch
    if log.nonfinite:
        session.print(paint(f"stopped after {done} epoch(s): {log.nonfinite}\n{model_name} keeps its parameters "
                            "from before the step that failed", "red"))
    elif log.stopped:
        session.print(paint(f"stopped by Ctrl-C after {done} epoch(s): {model_name} keeps what it learned\n"
                            f"(loss {fmt(log.losses[-1], 4) if log.losses else '—'}); the history is in _train",
                            "yellow"))
    else:
        session.print(paint(f"trained {done} epoch(s); final loss {fmt(log.losses[-1], 4)}; history in _train", "green"))
    return log
