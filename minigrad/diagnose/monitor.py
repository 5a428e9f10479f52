"""The training monitor: per-layer statistics and gradient health while a model trains.

* `Monitor(model)` records every layer's output on each forward pass (through
  forward hooks) and, after ``loss.backward()``, the gradients of those outputs and
  of the layer's parameters. ``stats()`` gives one `LayerStats` per layer (mean,
  std, norm, dead ReLUs, saturated tanh/sigmoid units, gradient norms) with the
  gradient flags of `minigrad.health` (zero, vanishing: below 1e-7 or below 1/100
  of the model's largest layer, exploding: above 1e3, non-finite); a NaN or inf
  stops training with a `NonFiniteError` naming the layer where it first appeared.
* `probe(model, X, y, loss_fn)`: one forward/backward, the same statistics, the
  model's gradients left as they were.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields
from typing import Any, Callable, Sequence

import numpy as np

from .. import health
from ..backend import array_module
from ..health import EXPLODING, VANISHING  # noqa: F401 - diagnose.EXPLODING/VANISHING are health's
from ..tensor import Tensor

SATURATION = 0.99  # |tanh| above this (sigmoid within 0.01 of 0 or 1): the local derivative is below 0.02


class NonFiniteError(FloatingPointError):
    """A NaN or infinity appeared; ``layer`` names where it first did and ``phase`` is "forward" or "backward"."""

    def __init__(self, message: str, layer: str = "", phase: str = ""):
        super().__init__(message)
        self.layer, self.phase = layer, phase


@dataclass
class LayerStats:
    """Statistics of one layer for the last forward (and backward) pass.

    ``act_*`` describe the layer's output; ``dead_fraction`` (ReLU-like layers) is the
    fraction of units that were zero for every example of the batch;
    ``saturated_fraction`` (tanh/sigmoid) the fraction of outputs in the flat tails.
    ``grad_norm`` is the L2 norm of the gradients of the layer's parameters (None for
    layers without any), ``out_grad_*`` describe d(loss)/d(output). ``flags`` lists
    what looks wrong: a word of `minigrad.health` ("zero", "vanishing", "exploding",
    "non-finite"), "dead", "saturated". Layers with parameters are judged by their
    parameter gradient, the relative rule against the largest such layer of the pass;
    the others by the gradient of their output.
    """

    name: str
    kind: str
    shape: tuple
    act_mean: float
    act_std: float
    act_norm: float
    dead_fraction: float | None = None
    saturated_fraction: float | None = None
    grad_norm: float | None = None
    grad_mean: float | None = None
    grad_std: float | None = None
    out_grad_norm: float | None = None
    out_grad_mean: float | None = None
    out_grad_std: float | None = None
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- small numeric helpers ------------------------------------------------------------------------
def _moments(a: Any) -> tuple[float, float, float]:
    """(mean, std, L2 norm) of an array on any device, computed in float64, NaN-tolerant in the sense
    that a non-finite input gives non-finite numbers rather than an exception."""
    xp = array_module(a)
    a = a.astype(xp.float64, copy=False)
    if a.size == 0:
        return 0.0, 0.0, 0.0
    with np.errstate(all="ignore"):
        return float(a.mean()), float(a.std()), float(xp.sqrt((a * a).sum()))


def finite(a: Any) -> bool:
    """True when every element of the array (NumPy or CuPy) is finite."""
    return bool(array_module(a).isfinite(a).all())


def _kind_of(module: Any) -> str:
    """"relu", "tanh", "sigmoid" or "" from a module's class name (so user-defined activations work too)."""
    name = type(module).__name__.lower()
    for kind in ("leakyrelu", "relu", "tanh", "sigmoid"):
        if kind in name:
            return "relu" if kind == "leakyrelu" else kind
    return ""


def _fmt(v: float | None, width: int = 9) -> str:
    if v is None:
        return "-".rjust(width)
    if not math.isfinite(v):
        return str(v).rjust(width)
    return (f"{v:.2e}" if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4) else f"{v:.4f}").rjust(width)


def _fmt_frac(v: float | None) -> str:
    return "-".rjust(6) if v is None else f"{100 * v:5.1f}%"


def format_stats(records: Sequence[LayerStats]) -> str:
    """A readable table of `LayerStats` records, one line per layer."""
    width = max([len("layer")] + [len(r.name) for r in records]) + 1  # full names: nested layers stay readable
    head = (f"{'layer':<{width}}{'kind':<10}{'act mean':>9} {'act std':>9} {'dead':>6} {'sat':>6} "
            f"{'|dW|':>9} {'|dout|':>9}  flags")
    lines = [head, "-" * len(head)]
    for r in records:
        lines.append(f"{r.name:<{width}}{r.kind[:9]:<10}{_fmt(r.act_mean)} {_fmt(r.act_std)} "
                     f"{_fmt_frac(r.dead_fraction)} {_fmt_frac(r.saturated_fraction)} "
                     f"{_fmt(r.grad_norm)} {_fmt(r.out_grad_norm)}  {' '.join(r.flags)}")
    return "\n".join(lines)


# -- the monitor --------------------------------------------------------------------------------
class Monitor:
    """Record per-layer activations and gradients of a `minigrad.nn` model while it trains.

        mon = diagnose.Monitor(model)
        for X, y in data.batches(X_train, y_train, 64):
            loss = F.binary_cross_entropy_with_logits(model(X), y)
            opt.zero_grad(); loss.backward()
            mon.step()                    # snapshot stats (and check gradients) for this step
            opt.step()
        print(mon)                        # last step's table; mon.series("layers.0", "grad_norm")
        mon.remove()                      # or use `with Monitor(model) as mon:`

    Every *leaf* module (Linear, activations, Dropout, BatchNorm1d: those without
    sub-modules) gets a forward pre-hook and a forward hook (`Module.register_forward_hook`),
    so nothing in the model changes and `remove()` takes them off again. The monitor
    keeps a reference to each layer's last output; after backward the engine has
    stored d(loss)/d(output) in that tensor's ``.grad``, which is how the gradients
    reaching each layer are read without touching the engine.

    ``on_nonfinite``: "raise" (default) stops at the first NaN/inf with a
    `NonFiniteError` naming the layer; "record" notes it in ``first_nonfinite``
    and carries on. ``history``: how many steps `step()` keeps.
    """

    def __init__(self, model: Any, on_nonfinite: str = "raise", history: int = 1000):
        if not hasattr(model, "named_modules"):
            raise TypeError(f"Monitor needs a minigrad.nn Module, got {type(model).__name__}")
        if on_nonfinite not in ("raise", "record"):
            raise ValueError(f"on_nonfinite must be 'raise' or 'record', got {on_nonfinite!r}")
        self.model = model
        self.on_nonfinite = on_nonfinite
        self.history: deque[list[LayerStats]] = deque(maxlen=history)
        self.first_nonfinite: tuple[str, str] | None = None  # (layer name, phase)
        self._outputs: dict[str, Tensor] = {}
        self._order: list[str] = []  # the layers in the order the last forward pass called them
        self._layers: dict[str, Any] = {}
        self._handles: list[Any] = []
        self._depth = 0  # how many monitored forward calls are running (0: the next call starts a pass)
        named = list(model.named_modules())
        for _, module in named:
            if any(getattr(hook, "monitor", None) is not None for hook, _ in
                   module.__dict__.get("_forward_hooks", {}).values()):
                raise RuntimeError(f"{type(module).__name__} is already monitored: call remove() on the other "
                                   "Monitor first")
        leaves = [(name or type(m).__name__, m) for name, m in named if not list(m.children())]
        for name, module in leaves:
            self._layers[name] = module
            self._hook(module, name)
        if list(model.children()):  # the root marks where a forward pass starts
            self._hook(model, None)

    # -- hooking ------------------------------------------------------------------------------
    def _hook(self, module: Any, name: str | None) -> None:
        def before(module: Any, args: tuple) -> None:
            if self._depth == 0:  # the outermost call: a new forward pass begins
                self._order = []
                self._outputs = {}
            if name is not None:
                self._check_input(name, args)
            self._depth += 1

        def after(module: Any, args: tuple, out: Any) -> None:
            self._depth -= 1
            if name is not None and out is not None:
                self._record(name, out)

        after.monitor = self  # type: ignore[attr-defined]  # marks the hook as a Monitor's
        self._handles.append(module.register_forward_pre_hook(before))
        self._handles.append(module.register_forward_hook(after, always_call=True))

    def remove(self) -> None:
        """Take every hook off: the model is exactly as before (safe to call twice)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._depth = 0

    def __enter__(self) -> "Monitor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    # -- forward ------------------------------------------------------------------------------
    def _nonfinite(self, message: str, layer: str, phase: str) -> None:
        if self.first_nonfinite is None:
            self.first_nonfinite = (layer, phase)
        if self.on_nonfinite == "raise":
            raise NonFiniteError(message, layer, phase)

    def _check_input(self, name: str, args: tuple) -> None:
        if self._order or not args:  # only the first layer's input is the data itself
            return
        x = args[0].data if isinstance(args[0], Tensor) else args[0]
        if hasattr(x, "dtype") and getattr(x.dtype, "kind", "") == "f" and not finite(x):
            self._nonfinite(f"the input batch of the model contains NaN or inf (seen entering layer {name!r})",
                            "input", "forward")

    def _record(self, name: str, out: Any) -> None:
        if not isinstance(out, Tensor):
            return
        if name not in self._outputs:
            self._order.append(name)
        self._outputs[name] = out
        if not finite(out.data):
            module = self._layers[name]
            self._nonfinite(
                f"NaN or inf first appeared in the output of layer {name!r} ({type(module).__name__}"
                f"{'(' + module.extra_repr() + ')' if hasattr(module, 'extra_repr') else ''}) during the forward "
                "pass, from a finite input: look at its weights (exploding?) and at the values it receives",
                name, "forward")

    # -- statistics ---------------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        """The monitored layers in the order the last forward called them (all of them before any forward)."""
        return list(self._order) if self._order else list(self._layers)

    def stats(self) -> list[LayerStats]:
        """One `LayerStats` per layer called by the last forward pass, in call order.

        Gradient fields are filled once ``backward()`` has run on a loss computed from that pass.
        """
        records = [self._stats_of(name) for name in self._order]
        reference = health.largest([r.grad_norm for r in records])
        for r in records:  # the relative rule needs every layer: parameter gradients against the largest
            if r.grad_norm is not None:
                flag = health.classify(r.grad_norm, reference)
                if flag != "ok" and flag not in r.flags:
                    r.flags = (flag,) + r.flags
        return records

    def _stats_of(self, name: str) -> LayerStats:
        module, out = self._layers[name], self._outputs[name]
        a = out.data
        xp = array_module(a)
        mean, std, norm = _moments(a)
        kind = _kind_of(module)
        dead = saturated = None
        if a.size and a.ndim >= 1:
            if kind == "relu":
                never_active = xp.all(a.reshape(a.shape[0], -1) <= 0, axis=0) if a.ndim > 1 else a <= 0
                dead = float(never_active.mean())
            elif kind == "tanh":
                saturated = float((xp.abs(a) > SATURATION).mean())
            elif kind == "sigmoid":
                saturated = float(((a < 1 - SATURATION) | (a > SATURATION)).mean())
        record = LayerStats(name, type(module).__name__, tuple(a.shape), mean, std, norm, dead, saturated)
        grads = [p.grad.data for p in self._own_parameters(module) if p.grad is not None]
        if grads:
            flat = xp.concatenate([g.reshape(-1) for g in grads])
            record.grad_mean, record.grad_std, record.grad_norm = _moments(flat)
        if out.grad is not None:
            record.out_grad_mean, record.out_grad_std, record.out_grad_norm = _moments(out.grad.data)
        # layers without parameters are judged by their incoming gradient (those with: in stats())
        flag = None if grads else health.classify(record.out_grad_norm)
        flags = [flag] if flag not in (None, "ok") else []
        if dead is not None and dead > 0.5:
            flags.append("dead")
        if saturated is not None and saturated > 0.5:
            flags.append("saturated")
        if not math.isfinite(mean) and "non-finite" not in flags:
            flags.append("non-finite")
        record.flags = tuple(flags)
        return record

    @staticmethod
    def _own_parameters(module: Any) -> list[Tensor]:
        return [p for p in module.parameters() if p.requires_grad]

    def check_gradients(self) -> None:
        """Find where a non-finite gradient first appeared in the last backward pass.

        Backward runs from the loss towards the input, so it meets the layers in
        reverse call order; the first layer whose backward turned a finite incoming
        gradient into a NaN/inf one is named (raise or record, as ``on_nonfinite`` says).
        """
        incoming_ok = True  # the gradient arriving at the model output from the loss
        names = list(reversed(self._order))
        for i, name in enumerate(names):
            out = self._outputs[name]
            out_ok = out.grad is None or finite(out.grad.data)
            if i == 0 and not out_ok:
                self._nonfinite("the gradient arriving at the model's output (from the loss) is NaN or inf: "
                                "check the loss (log of 0? use the *_with_logits loss)", "loss", "backward")
                return
            params_ok = all(finite(p.grad.data) for p in self._own_parameters(self._layers[name])
                            if p.grad is not None)
            if not out_ok and incoming_ok:
                # the layer after this one (already visited) produced it while propagating to this output
                culprit = names[i - 1]
                self._nonfinite(f"NaN or inf first appeared in the backward pass of layer {culprit!r} "
                                f"(the gradient it passed down to {name!r} is not finite)", culprit, "backward")
                return
            if out_ok and not params_ok:
                self._nonfinite(f"NaN or inf first appeared in the parameter gradients of layer {name!r} "
                                "during the backward pass", name, "backward")
                return
            incoming_ok = out_ok

    def step(self) -> list[LayerStats]:
        """Snapshot the current statistics into ``history`` (call after backward) and check gradients."""
        self.check_gradients()
        records = self.stats()
        self.history.append(records)
        return records

    def series(self, layer: str, field_name: str = "grad_norm") -> list[float | None]:
        """One field of one layer over the recorded steps (for plots and sparklines)."""
        if field_name not in {f.name for f in fields(LayerStats)}:
            raise ValueError(f"unknown field {field_name!r}: use one of {[f.name for f in fields(LayerStats)]}")
        out = []
        for records in self.history:
            match = [r for r in records if r.name == layer]
            out.append(getattr(match[0], field_name) if match else None)
        if all(v is None for v in out) and not any(r.name == layer for recs in self.history for r in recs):
            raise KeyError(f"no layer named {layer!r} in the history; layers: {self.layer_names()}")
        return out

    def flagged(self) -> list[LayerStats]:
        """The layers of the last pass that have any flag."""
        return [r for r in self.stats() if r.flags]

    def __str__(self) -> str:
        return format_stats(self.stats()) if self._order else "Monitor: no forward pass recorded yet"

    def __repr__(self) -> str:
        return f"Monitor({type(self.model).__name__}, {len(self._layers)} layers, {len(self.history)} steps recorded)"


def probe(model: Any, X: Any, y: Any = None, loss_fn: Callable[[Tensor, Any], Tensor] | None = None,
          on_nonfinite: str = "record") -> list[LayerStats]:
    """Per-layer statistics of one forward and backward pass, leaving the model's gradients untouched.

    ``loss_fn(output, y)`` defaults to the mean of the outputs (enough to see how
    gradients flow through the layers). Dropout/BatchNorm run in the model's
    current mode; BatchNorm's running statistics are put back afterwards.
    """
    saved = {id(p): p.grad for p in model.parameters()}
    buffers = [(b, b.data.copy()) for _, b in model.named_buffers()]  # BatchNorm's running statistics
    with Monitor(model, on_nonfinite=on_nonfinite) as mon:
        try:
            for p in model.parameters():
                p.grad = None
            out = model(X)
            loss = loss_fn(out, y) if loss_fn is not None else out.mean()
            if loss.requires_grad:
                loss.backward()
            mon.check_gradients()
            return mon.stats()
        finally:
            for p in model.parameters():
                p.grad = saved.get(id(p))
            for b, data in buffers:
                b.data = data
