"""Training as a library: ``fit(model, X, y, ...)`` runs the epoch loop and yields one record per epoch.

    for rec in train.fit(model, X, y, epochs=50, lr=0.01, dev=0.3, l2=0.1, seed=0):
        print(rec.epoch, rec.train_loss, rec.dev_loss, rec.gap)

What the loop does for you, so ``:train``, the lessons and notebooks only draw:

* the data goes to the model's device once (batches are cut there, not copied per batch);
* ``dev=0.3`` holds out 30% (seeded), ``dev=(X_dev, y_dev)`` uses a second set; after every
  epoch both are measured in eval mode (loss and accuracy), so the train/dev gap is
  like against like (dropout off for both);
* ``l2=λ`` adds the course's ``λ/(2m)·Σ‖W‖²`` (m: training examples) to the cost;
* per-layer gradient norms are kept for every mini-batch; the record gives their mean and
  max over the epoch (never a leftover batch alone) and `minigrad.health`'s flag for each;
* a NaN/inf stops training with the layer named, and the model keeps its parameters
  from before the step that failed (`guarded_step`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from . import health
from .autograd import no_grad
from .backend import array_module, to_numpy
from .tensor import Tensor

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "rmsprop": 0.01, "adam": 0.01}
LOSSES = ("bce", "ce", "mse")
GRAD_STATISTIC = "mean"  # what EpochRecord.grad_norms holds: the mean of the epoch's mini-batch norms


@dataclass
class EpochRecord:
    """One epoch of `fit`. Losses are data losses (without the L2 term); accuracies are None for mse.

    ``running_loss``: the mean of the mini-batch losses during the epoch (what the optimizer saw,
    dropout on). ``train_loss``/``train_acc`` and ``dev_loss``/``dev_acc``: measured after the
    epoch in eval mode on the whole sets. ``grad_norms``: per layer, the mean of its gradient
    norm over the epoch's mini-batches (``grad_norms_max``: the largest); ``flags``: health's word
    for each layer's mean, the relative rule included. ``problem``: why training stopped at a
    NaN/inf ("" when it did not); ``complete``: False for an epoch cut short (NaN or ``stop``).
    """

    epoch: int
    running_loss: float
    train_loss: float | None = None
    train_acc: float | None = None
    dev_loss: float | None = None
    dev_acc: float | None = None
    grad_norms: dict[str, float] = field(default_factory=dict)
    grad_norms_max: dict[str, float] = field(default_factory=dict)
    flags: dict[str, str | None] = field(default_factory=dict)
    batches: int = 0
    problem: str = ""
    complete: bool = True

    @property
    def gap(self) -> float | None:
        """dev error - train error (accuracy), else dev loss - train loss; None without a dev set."""
        if self.dev_acc is not None and self.train_acc is not None:
            return self.train_acc - self.dev_acc
        if self.dev_loss is not None and self.train_loss is not None:
            return self.dev_loss - self.train_loss
        return None


def choose_loss(name: str | None, model: Any, y: Any, out_dim: int) -> tuple[str, Callable]:
    """The loss: the one named ("bce", "ce", "mse"), else one that fits the targets and the output width.

    Raises ValueError saying what does not fit.
    """
    from .nn import functional as F

    y_arr = to_numpy(y)
    classes = np.unique(y_arr) if y_arr.dtype.kind in "iub" or y_arr.size and np.all(y_arr == np.round(y_arr)) else []
    if name is None:
        if y_arr.dtype.kind in "iu" and out_dim > 1:
            name = "ce"
        elif out_dim == 1 and set(np.unique(y_arr)).issubset({0, 1}):
            name = "bce"
        elif y_arr.dtype.kind in "iu" and out_dim == 1 and len(classes) > 2:
            raise ValueError(f"the targets are {len(classes)} classes but the model has 1 output: give it one "
                             f"output per class (e.g. nn.MLP([2, 16, {len(classes)}])) for loss=ce, "
                             "or say loss=mse to fit the class numbers")
        else:
            name = "mse"
    if name not in LOSSES:
        raise ValueError(f"loss= must be one of {', '.join(LOSSES)}, got {name!r}")
    if name == "ce":
        if out_dim < 2:
            raise ValueError("loss=ce needs one output per class, but the model has 1 output "
                             "(two classes with one output: loss=bce)")
        if len(classes) == 0 or classes.min() < 0 or classes.max() >= out_dim:
            raise ValueError(f"loss=ce needs whole-number class targets in 0..{out_dim - 1} "
                             f"(the model has {out_dim} outputs)")
    if name == "bce":
        ends_in_sigmoid = type(list(model.modules())[-1]).__name__ == "Sigmoid"
        return "bce", F.binary_cross_entropy if ends_in_sigmoid else F.binary_cross_entropy_with_logits
    return name, F.cross_entropy if name == "ce" else F.mse_loss


def make_optimizer(name: str, params: list, lr: float | None = None) -> Any:
    """An optimizer by name: sgd, momentum (SGD with 0.9), rmsprop, adam; ``lr`` None: `DEFAULT_LR`."""
    from . import optim

    if name not in OPTIMIZERS:
        raise ValueError(f"opt= must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    lr = DEFAULT_LR[name] if lr is None else lr
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    return optim.RMSprop(params, lr=lr) if name == "rmsprop" else optim.Adam(params, lr=lr)


def layer_of(parameter_name: str) -> str:
    """``layers.0.weight`` -> ``layers.0``: parameters are grouped by the module that holds them."""
    return parameter_name.rsplit(".", 1)[0] if "." in parameter_name else parameter_name


def locate_nonfinite(model: Any, loss_fn: Callable, x: Any, y: Any) -> str:
    """Run one forward/backward again under a `diagnose.Monitor` and say where a NaN/inf first appeared."""
    from .diagnose import Monitor, NonFiniteError

    model.zero_grad()
    try:
        with Monitor(model, on_nonfinite="raise") as monitor:
            loss = loss_fn(model(x), y)
            if not math.isfinite(loss.item()):
                return "the loss is NaN or inf while every layer's output is finite: check the loss (log of 0?)"
            loss.backward()
            monitor.check_gradients()
    except NonFiniteError as exc:
        return str(exc)
    finally:
        model.zero_grad()
    return "a NaN or inf appeared in the gradients (it did not come back when the step was repeated)"


def guarded_step(model: Any, optimizer: Any, loss_fn: Callable, x: Any, y: Any,
                 penalty: Callable[[], Tensor] | None = None) -> tuple[float, dict[str, float], str]:
    """One training step that refuses to leave NaN/inf behind: (data loss, layer -> ‖grad‖, problem or "").

    The loss and every layer's gradient norm come to the host in one transfer. A NaN/inf
    there is traced to the layer where it first appeared (`locate_nonfinite`) and no update
    is made; an update that overflows the weights is undone. Either way the model keeps the
    last finite parameters. ``penalty()``: a term added to the cost (L2), not to the loss shown.
    """
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    cost = loss + penalty() if penalty is not None else loss
    cost.backward()
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    layers: dict[str, Any] = {}
    xp = array_module(loss.data)
    for name, p in params:
        if p.grad is not None:
            g = p.grad.data.astype(xp.float64, copy=False)
            layers[layer_of(name)] = layers.get(layer_of(name), 0.0) + (g * g).sum()
    with np.errstate(over="ignore", invalid="ignore"):
        values = to_numpy(xp.stack([xp.asarray(cost.data, dtype=xp.float64).reshape(())]
                                   + [xp.asarray(v).reshape(()) for v in layers.values()]))
        norms = dict(zip(layers, np.sqrt(values[1:]).tolist()))
    if not np.isfinite(values).all():
        return float(loss.item()), norms, locate_nonfinite(model, loss_fn, x, y)
    before = [p.data.copy() for _, p in params]
    optimizer.step()
    finite = xp.stack([xp.isfinite(p.data).all() for _, p in params]) if params else xp.ones(1, bool)
    if not bool(finite.all()):
        bad = next(name for (name, _), ok in zip(params, to_numpy(finite)) if not ok)
        for (_, p), kept in zip(params, before):
            p.data = kept
        lr = getattr(optimizer, "lr", None)
        return (float(loss.item()), norms, f"the update made {bad} NaN or inf (its gradient was finite): the learning "
                f"rate lr={lr:g} is too large for these weights" if lr is not None else
                f"the update made {bad} NaN or inf (its gradient was finite)")
    return float(loss.item()), norms, ""


def _as_arrays(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X_arr, y_arr = to_numpy(X), to_numpy(y)
    if len(X_arr) != len(y_arr):
        raise ValueError(f"X has {len(X_arr)} rows but y has {len(y_arr)}")
    if X_arr.dtype.kind == "f" and X_arr.dtype != np.float32:
        X_arr = X_arr.astype(np.float32)
    return X_arr, y_arr


def _device_of(model: Any) -> str:
    device = getattr(model, "device", "cpu")
    device = device() if callable(device) else device
    return device if device in ("cpu", "cuda") else "cpu"


class Fit:
    """A training run set up by `fit`: iterate it to train, one `EpochRecord` per epoch.

    Everything is checked when it is made (data shapes, loss, optimizer), so a mistake
    is an error before any training. ``history`` keeps the records; ``loss_name``,
    ``n_train``/``n_dev``, ``X_train``/``y_train``/``X_dev``/``y_dev`` (on the model's
    device) and `predict` serve views; `diagnosis` is the bias/variance report.
    """

    def __init__(self, model: Any, X: Any, y: Any, *, epochs: int = 100, lr: float | None = None,
                 optimizer: Any = "adam", batch_size: int = 64, loss: Any = None, dev: Any = None,
                 l2: float = 0.0, seed: Any = None, stop: Callable[[], bool] | None = None, live: bool = False):
        from . import data
        from .nn import functional as F

        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
        if not l2 >= 0:
            raise ValueError(f"l2 must be >= 0, got {l2!r}")
        self.model, self.epochs, self.batch_size, self.l2, self.stop = model, epochs, batch_size, float(l2), stop
        self.live = bool(live)
        self.device = _device_of(model)
        # one generator for the dev split and the batch order; None: minigrad's global one (manual_seed)
        self._rng = np.random.default_rng(seed) if isinstance(seed, (int, np.integer)) else seed
        X_arr, y_arr = _as_arrays(X, y)
        if isinstance(dev, (int, float)) and not isinstance(dev, bool):
            (X_arr, y_arr), (X_dev, y_dev) = data.train_dev_split(X_arr, y_arr, dev_fraction=float(dev),
                                                                 seed=self._rng)
        elif dev is not None:
            if not (isinstance(dev, (tuple, list)) and len(dev) == 2):
                raise ValueError("dev must be a fraction to hold out (0.3) or a pair (X_dev, y_dev)")
            X_dev, y_dev = _as_arrays(*dev)
        else:
            X_dev = y_dev = None
        try:
            with no_grad():
                out_dim = int(np.prod(model(Tensor(X_arr[:2], device=self.device)).shape[1:]) or 1)
        except ValueError as exc:  # ShapeError included: one line naming the data's shape
            raise ValueError(f"the model does not take X of shape {X_arr.shape}: {exc}") from None
        if callable(loss):
            self.loss_name, self.loss_fn = getattr(loss, "__name__", "loss"), loss
        else:
            self.loss_name, self.loss_fn = choose_loss(loss, model, y_arr, out_dim)
        self.n_train, self.n_dev = len(X_arr), (0 if X_dev is None else len(X_dev))
        # the data moves to the device here, once; batches are cut from it where it lives
        self.X_train, self.y_train = self._to_device(X_arr), self._to_device(self._targets(y_arr, out_dim))
        self.X_dev = None if X_dev is None else self._to_device(X_dev)
        self.y_dev = None if y_dev is None else self._to_device(self._targets(y_dev, out_dim))
        self.optimizer = (make_optimizer(optimizer, model.parameters(), lr) if isinstance(optimizer, str)
                          else optimizer)
        self.lr = getattr(self.optimizer, "lr", lr)
        self._penalty = None
        if self.l2:
            factor = self.l2 / (2 * self.n_train)
            self._penalty = lambda: F.l2_penalty(model) * factor
        self.history: list[EpochRecord] = []

    def _targets(self, y: np.ndarray, out_dim: int) -> np.ndarray:
        if self.loss_name in ("bce", "mse") and y.ndim == 1 and out_dim == 1:
            y = y.reshape(-1, 1)
        return y.astype(np.float32) if self.loss_name in ("bce", "mse") else y

    def _to_device(self, a: np.ndarray) -> Tensor:
        return Tensor(a, device=self.device)

    # -- measuring ------------------------------------------------------------------------------
    def predict(self, X: Any) -> Tensor:
        """The model's outputs in eval mode, without a graph (the mode is put back afterwards)."""
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        try:
            with no_grad():
                return self.model(X if isinstance(X, Tensor) else Tensor(np.asarray(X, np.float32),
                                                                        device=self.device))
        finally:
            self.model.train(was_training)

    def accuracy(self, out: Tensor, y: Tensor) -> float | None:
        """Fraction right: argmax for ce, the logit sign (or 0.5 after a sigmoid) for bce; None for mse."""
        if self.loss_name == "ce":
            return float((to_numpy(out.data).argmax(axis=1) == to_numpy(y.data).reshape(-1)).mean())
        if self.loss_name != "bce":
            return None
        threshold = 0.5 if getattr(self.loss_fn, "__name__", "") == "binary_cross_entropy" else 0.0
        return float(((to_numpy(out.data) > threshold) == (to_numpy(y.data) > 0.5)).mean())

    def measure(self, X: Tensor, y: Tensor) -> tuple[float, float | None]:
        """(data loss, accuracy) of the model on a whole set, in eval mode."""
        out = self.predict(X)
        with no_grad():
            loss = float(self.loss_fn(out, y).item())
        return loss, self.accuracy(out, y)

    # -- training -------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[EpochRecord]:
        if not self.live:
            yield from self._epochs()
            return
        from .viz.live import LiveView

        view = LiveView(self)
        try:
            for record in self._epochs():
                view.update(record)
                yield record
        finally:
            view.close()  # the picture left behind is the last epoch's, even when training stopped early

    def _epochs(self) -> Iterator[EpochRecord]:
        from . import data

        for epoch in range(1, self.epochs + 1):
            self.model.train()
            total, count, per_batch, problem = 0.0, 0, [], ""
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for xb, yb in data.batches(self.X_train, self.y_train, self.batch_size, seed=self._rng):
                    value, norms, problem = guarded_step(self.model, self.optimizer, self.loss_fn, xb, yb,
                                                         self._penalty)
                    if problem:
                        break
                    total, count = total + value * len(xb), count + len(xb)
                    per_batch.append(norms)
                    if self.stop is not None and self.stop():
                        break
            record = EpochRecord(epoch, total / count if count else math.nan, batches=len(per_batch),
                                 problem=problem, complete=not problem and count == self.n_train)
            self._gradient_statistics(record, per_batch)
            self.model.eval()  # measured like the dev set: dropout off; and left so between epochs
            if record.complete:
                record.train_loss, record.train_acc = self.measure(self.X_train, self.y_train)
                if self.X_dev is not None:
                    record.dev_loss, record.dev_acc = self.measure(self.X_dev, self.y_dev)
            self.history.append(record)
            yield record
            if not record.complete:
                return

    @staticmethod
    def _gradient_statistics(record: EpochRecord, per_batch: list[dict[str, float]]) -> None:
        layers = list(dict.fromkeys(name for norms in per_batch for name in norms))
        for layer in layers:
            values = [norms[layer] for norms in per_batch if layer in norms]
            record.grad_norms[layer] = float(np.mean(values))
            record.grad_norms_max[layer] = float(np.max(values))
        record.flags = dict(zip(layers, health.classify_layers([record.grad_norms[k] for k in layers])))

    def run(self) -> list[EpochRecord]:
        """Train to the end (or the first problem) and return the records."""
        for _ in self:
            pass
        return self.history

    def diagnosis(self, bayes_err: float | None = None) -> Any:
        """`diagnose.bias_variance_report` of the last complete epoch (None without a dev set or accuracy)."""
        from .diagnose import bias_variance_report

        done = [r for r in self.history if r.complete and r.dev_acc is not None and r.train_acc is not None]
        if not done:
            return None
        return bias_variance_report(1 - done[-1].train_acc, 1 - done[-1].dev_acc, bayes_err=bayes_err)


def fit(model: Any, X: Any, y: Any, *, epochs: int = 100, lr: float | None = None, optimizer: Any = "adam",
        batch_size: int = 64, loss: Any = None, dev: Any = None, l2: float = 0.0, seed: Any = None,
        stop: Callable[[], bool] | None = None, live: bool = False) -> Fit:
    """Set up training of ``model`` on ``X, y``; iterate the result for one `EpochRecord` per epoch.

    ``optimizer``: "sgd", "momentum", "rmsprop", "adam" (``lr`` None: `DEFAULT_LR`) or an
    optimizer object (its state carries over between fits). ``loss``: "bce", "ce", "mse", a
    function ``(output, target) -> Tensor`` or None (chosen from the targets). ``dev``: a
    fraction to hold out or ``(X_dev, y_dev)``. ``l2``: λ of the course's L2 cost. ``seed``:
    the batch order (and the dev split); None uses minigrad's global generator.
    ``stop()``: checked after each mini-batch (Ctrl-C); True ends the epoch, which is then
    yielded with ``complete=False``. After each epoch the model is left in eval mode.
    ``live=True``: watch it train (`minigrad.viz.live`): in Jupyter one figure updated in place
    (train/dev loss, per-layer gradient norms with their health flags, the decision boundary
    of 2-D data), elsewhere a line of text every few epochs.
    """
    return Fit(model, X, y, epochs=epochs, lr=lr, optimizer=optimizer, batch_size=batch_size, loss=loss,
               dev=dev, l2=l2, seed=seed, stop=stop, live=live)


__all__ = ["DEFAULT_LR", "EpochRecord", "Fit", "GRAD_STATISTIC", "LOSSES", "OPTIMIZERS", "choose_loss", "fit",
           "guarded_step", "layer_of", "locate_nonfinite", "make_optimizer"]
