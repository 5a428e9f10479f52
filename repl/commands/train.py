"""``:train MODEL DATA [options]``: train a model while watching it learn, refreshed in place.

DATA is ``X y`` (two expressions), one expression giving ``(X, y)``, or the name of
a toy data set (``moons``, ``noisy_moons``, ``flower``, ``circles``, ``spirals``,
``xor``, ``blobs``). The training itself is `minigrad.train.fit`; this module draws
it: train and dev loss/accuracy and their gap, per-layer gradient norms over each
epoch, the decision boundary, dropout masks. Ctrl-C stops after the current
mini-batch: the model keeps everything it learned and the history stays in ``_train``
(a later ``:train`` of the same model continues the curve).
"""
from __future__ import annotations

import signal
import textwrap
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from minigrad import health

from ..registry import CommandError, command, split_options
from ..session import Session
from ..style import fmt, paint
from .train_view import LiveView, dropout_masks, epoch_line, frame, summary_lines, wrapped

# name -> (how to make it, how to describe it); noisy_moons is small and noisy enough that a big
# network overfits it (train 100%, dev ~80%): the set on which L2 and dropout close a visible gap
DATASETS = {
    "moons": ("make_moons", {}), "noisy_moons": ("make_moons", {"n": 80, "noise": 0.3}),
    "flower": ("make_flower", {}), "circles": ("make_circles", {}), "spirals": ("make_spirals", {}),
    "xor": ("make_xor", {}), "blobs": ("make_blobs", {}),
}
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
LOSSES = ("bce", "ce", "mse")
OPTIONS = ("epochs", "lr", "opt", "batch", "loss", "every", "seed", "dev", "l2", "dropout")
FRAME_SECONDS = 0.1  # redraw at most ~10 times a second: drawing must not slow training down


@dataclass
class TrainState:
    """What :train remembers in a session: the model it trained last (the default for :save and
    :inspect) and, per model, the data and loss of its last run and its log. Keyed by the model
    itself, weakly, so a deleted model takes its entries with it."""

    model_name: str | None = None
    runs: dict[str, dict] = field(default_factory=dict)  # model name -> its last run (a rebuilt model compares too)
    data: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)
    logs: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)


@dataclass
class TrainLog:
    """What a learner can look at after training (kept in the namespace as ``_train``)."""

    losses: list[float] = field(default_factory=list)  # per epoch: training loss (eval mode, after the epoch)
    dev_losses: list[float] = field(default_factory=list)  # per epoch, when there is a dev set
    grad_norms: list[dict] = field(default_factory=list)  # per epoch: layer -> mean of its mini-batch ‖grad‖
    records: list = field(default_factory=list)  # the minigrad.train.EpochRecord of every epoch
    epochs_done: int = 0
    stopped: bool = False
    nonfinite: str = ""  # why training stopped at a NaN/inf, naming the layer ("" if it did not)
    optimizer: Any = field(default=None, repr=False)  # kept so a second :train with the same settings continues
    optimizer_key: tuple = ()

    def __repr__(self) -> str:
        last = fmt(self.losses[-1], 4) if self.losses else "—"
        state = ", stopped by Ctrl-C" if self.stopped else ""
        return f"TrainLog(epochs={self.epochs_done}, last loss={last}{state}; .losses, .grad_norms, .records)"


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
def _dataset(name: str, seed: int | None = None) -> tuple[Any, Any, str]:
    """A toy set by name, with its own default seed unless one is given (a dev set is another draw)."""
    from minigrad import data

    maker, kwargs = DATASETS[name]
    kwargs = {**kwargs, **({"seed": seed} if seed is not None else {})}
    shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return (*getattr(data, maker)(**kwargs), f"data.{maker}({shown})")


def parse_data(session: Session, positional: list[str]) -> tuple[Any, Any, str]:
    """X, y and a short description from the DATA arguments."""
    if len(positional) == 1:
        name = positional[0]
        if name in DATASETS and name not in session.namespace:
            return _dataset(name)
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


def _fraction_or_data(session: Session, text: str) -> tuple[Any, str]:
    """``dev=0.3`` (a fraction of DATA held out) or ``dev=NAME`` (a second data set: (X, y) or a toy set)."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not 0 < value < 1:
            raise CommandError(f"dev= takes a fraction between 0 and 1 to hold out, or a data set; got {text}")
        return value, f"{value:.0%} held out"
    if text in DATASETS and text not in session.namespace:
        X, y, described = _dataset(text, seed=1000)  # not the training draw
        return (X, y), described
    value = session.eval(text)
    if not (isinstance(value, tuple) and len(value) == 2):
        raise CommandError(f"dev={text} should be a fraction (dev=0.3), (X, y), or a data set name: "
                           f"{', '.join(DATASETS)}")
    return value, text


def _set_dropout(model: Any, model_name: str, p: float) -> int:
    """Set p of every Dropout layer of the model; the number of layers changed."""
    layers = [m for m in model.modules() if type(m).__name__ == "Dropout"]
    if not layers:
        raise CommandError(f"{model_name} has no Dropout layers to set: build it with them, e.g. "
                           f"{model_name} = nn.MLP([2, 64, 64, 1], dropout=0.2)")
    if not 0 <= p < 1:
        raise CommandError(f"dropout= is the probability of dropping a unit, in [0, 1); got {p}")
    for m in layers:
        m.p = p
    return len(layers)


def _dropout_of(model: Any) -> float | None:
    ps = [m.p for m in model.modules() if type(m).__name__ == "Dropout"]
    return max(ps) if ps else None


# -- the command --------------------------------------------------------------------------------
@command("train", ":train MODEL DATA [epochs= lr= opt= batch= loss= dev= l2= dropout=]",
         "train with a live view: loss, gradients, boundary",
         details=f"""
DATA is X y, one expression giving (X, y), or a toy set:
  moons noisy_moons flower circles spirals xor blobs
  (noisy_moons: 80 noisy points, small enough for a big network to overfit).
Options: epochs=N (100)  lr=X (adam/rmsprop 0.01, momentum 0.05, sgd 0.1)
  opt=sgd|momentum|rmsprop|adam (adam)  batch=N (64)  loss=bce|ce|mse
  (default from the targets: 0/1 with one output: bce on logits; integer
  classes: ce; else mse)  seed=N (reseed first)
  dev=0.3 (hold out 30% as a dev set) or dev=NAME (a second set: (X, y) or a
  toy set name): the view shows train and dev loss/accuracy and the gap, and
  the summary names the diagnosis (bias or variance).
  l2=LAMBDA (L2 regularization, the course's lambda/(2m) * sum of W squared)
  dropout=P (set p of the model's Dropout layers)
  every=N (without a terminal: print a progress line every N epochs)
The gradient bars show each layer's gradient norm averaged over the epoch's
mini-batches, flagged as minigrad.health says: VAN below {health.VANISHING_TEXT} or below {health.RELATIVE_TEXT}
of the largest layer, EXP above {health.EXPLODING_TEXT}. After training the model is in eval mode.
The view refreshes in place; Ctrl-C stops after the current mini-batch and the
model keeps what it learned. The history is in _train (training the same
model again continues it, and the summary compares the runs).
Make gradients vanish or explode in one line, then train and watch the bars:
  deep = nn.MLP([2] + [32]*6 + [1], activation='sigmoid')    # vanishing
  boom = nn.MLP([2] + [32]*6 + [1], activation='relu', init=1.0)  # exploding
Overfitting, then L2 or dropout closing the train/dev gap (build the net
again before each run; the summary shows the previous run of that name):
  big = nn.MLP([2, 128, 128, 1], dropout=0.5)
  :train big noisy_moons dev=0.3 epochs=300 seed=0 dropout=0
  big = nn.MLP([2, 128, 128, 1], dropout=0.5)
  :train big noisy_moons dev=0.3 epochs=300 seed=0 l2=3 dropout=0""",
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
    from minigrad.train import DEFAULT_LR

    settings = {
        "epochs": _number(options, "epochs", int, 100),
        "lr": _number(options, "lr", float, DEFAULT_LR[opt_name]),
        "batch": _number(options, "batch", int, 64),
        "every": _number(options, "every", int, 0, minimum=-1),
        "l2": _number(options, "l2", float, 0.0, minimum=-1.0),
        "dev": None, "dev_described": "",
    }
    if settings["l2"] < 0:
        raise CommandError(f"l2= must be 0 or more, got {settings['l2']}")
    if "dev" in options:
        settings["dev"], settings["dev_described"] = _fraction_or_data(session, options["dev"])
    if "dropout" in options:
        try:
            p = float(options["dropout"])
        except ValueError:
            raise CommandError(f"dropout= needs a number, got {options['dropout']!r}") from None
        _set_dropout(model, positional[0], p)
    if "seed" in options:
        import minigrad as mg

        mg.manual_seed(_number(options, "seed", int, 0, minimum=-1))
    run(session, model, positional[0], X, y, described, opt_name, options.get("loss"), **settings)


def model_device(model: Any) -> str:
    """The device a model's parameters live on ("cpu" for anything that does not say), so batches go there too."""
    device = getattr(model, "device", "cpu")  # nn.Module.device is a property; a callable is accepted too
    device = device() if callable(device) else device
    return device if device in ("cpu", "cuda") else "cpu"


def _run_settings(opt_name: str, lr: float, l2: float, dropout: float | None) -> str:
    text = f"opt={opt_name} lr={fmt(lr)} l2={fmt(l2)}"
    return text + (f" dropout={fmt(dropout)}" if dropout is not None else "")


def run(session: Session, model: Any, model_name: str, X: Any, y: Any, described: str, opt_name: str,
        loss_name: str | None, epochs: int, lr: float, batch: int, every: int, l2: float = 0.0,
        dev: Any = None, dev_described: str = "") -> TrainLog:
    """Train with `minigrad.train.fit` and draw each epoch; the summary compares with the last run."""
    import numpy as np
    from minigrad import train
    from minigrad.backend import to_numpy
    from minigrad.viz import term

    state = session.state(TrainState)
    log = state.logs.get(model) or TrainLog()
    if log.optimizer is None or log.optimizer_key != (opt_name, lr):  # same settings: keep Adam's/momentum's state
        log.optimizer, log.optimizer_key = train.make_optimizer(opt_name, model.parameters(), lr), (opt_name, lr)
    stop = _StopFlag()
    try:
        fitting = train.fit(model, X, y, epochs=epochs, optimizer=log.optimizer, batch_size=batch, loss=loss_name,
                            dev=dev, l2=l2, stop=lambda: stop.raised)
    except ValueError as exc:
        message = str(exc).replace("the model does not", f"{model_name} does not")
        raise CommandError(message) from None
    state.logs[model] = log
    log.stopped, log.nonfinite = False, ""
    session.namespace["_train"] = log
    X_host, y_host = to_numpy(fitting.X_train), to_numpy(fitting.y_train)  # once, for the picture's points
    classes = min(10, max(2, int(np.rint(np.max(y_host))) + 1)) if np.size(y_host) else 2
    state.model_name = model_name
    state.data[model] = (X_host, y_host, fitting.loss_fn, described)
    two_d = X_host.ndim == 2 and X_host.shape[1] == 2
    view = LiveView(session.out, in_place=session.interactive)
    dev_text = f", dev: {dev_described} ({fitting.n_dev})" if fitting.n_dev else ""
    dropout = _dropout_of(model)
    title = (f":train {model_name} on {described}: {fitting.n_train} examples{dev_text}, "
             f"{_run_settings(opt_name, lr, l2, dropout)} batch={batch} loss={fitting.loss_name}")
    start_epoch = log.epochs_done
    last_draw = 0.0
    every = every or max(1, epochs // 10)

    def predict(grid: Any) -> Any:
        return to_numpy(fitting.predict(np.asarray(grid, dtype=np.float32)).data)

    def draw(final: bool = False) -> None:
        width, height = view.size()
        heat = (lambda w, h: term.heatmap(predict, X_host, y_host, width=w, height=h)) if two_d else None
        record = log.records[-1]
        status = epoch_line(log.epochs_done - start_epoch, epochs, record)
        footer = "" if final else "Ctrl-C stops (the model keeps what it learned)"
        # piped: the header was printed first and the last epoch line just before
        shown = f"{title}\n{status}" if session.interactive else ""
        view.show(frame(shown, log.losses, record.grad_norms, width, height,
                        heat=heat, masks=dropout_masks(model), footer=footer, dev_losses=log.dev_losses,
                        batches=record.batches, classes=classes))

    if not session.interactive:
        for line in wrapped(title, 80, "bold"):
            session.print(line)
    with stop:
        for record in fitting:
            if not record.complete:  # cut short by Ctrl-C or a NaN: not counted (its updates are kept)
                log.nonfinite, log.stopped = record.problem, not record.problem
                break
            log.records.append(record)
            log.losses.append(record.train_loss)
            if record.dev_loss is not None:
                log.dev_losses.append(record.dev_loss)
            log.grad_norms.append(record.grad_norms)
            log.epochs_done += 1
            session.last_loss = record.train_loss
            now = time.monotonic()
            if session.interactive and now - last_draw >= FRAME_SECONDS:
                draw()
                last_draw = time.monotonic()
            elif not session.interactive and (record.epoch % every == 0 or record.epoch in (1, epochs)):
                session.print(epoch_line(record.epoch, epochs, record))
    model.eval()
    done = log.epochs_done - start_epoch
    if log.records and done:
        draw(final=True)
    this_run = {"settings": _run_settings(opt_name, lr, l2, dropout), "epochs": done,
                "record": log.records[-1] if done else None}
    previous = state.runs.get(model_name)
    if done:
        state.runs[model_name] = this_run
    for line, style in summary_lines(model_name, done, this_run, previous, fitting.diagnosis() if done else None,
                                     log.nonfinite, log.stopped):
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        # an error message stays one line (it is searched for as a whole); the rest fits 80 columns
        for part in [line] if style in ("red", "yellow") else textwrap.wrap(line, 79, subsequent_indent=indent):
            session.print(paint(part, style) if style else part)
    return log
