"""Optimizers (SGD with momentum/Nesterov, RMSprop, Adam), gradient clipping and learning-rate schedules.

An optimizer holds a list of parameter tensors and, in ``step()``, updates each
``param.data`` in place from ``param.grad`` (the tensors stay the same leaves, so a
model and its optimizer keep pointing at the same objects). Parameters whose
``grad`` is None or that are frozen (``requires_grad`` False) are skipped. Updates
keep the parameter's dtype (float32 stays float32) and device: the arithmetic
uses the array module of each parameter (the ``xp`` idiom). On CuPy each
parameter's update is one fused kernel (`minigrad.kernels`: the same arithmetic in
the same order) instead of a dozen array operations, each a kernel launch.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    for X, y in batches:
        opt.zero_grad(); loss = loss_fn(model(X), y); loss.backward(); opt.step()
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .backend import array_module, device_of, to_device, to_numpy
from .hyper import check_hyper, number, whole
from .kernels import kernel
from .tensor import Tensor


class OptimizerStateError(ValueError):
    """An optimizer state dict that does not fit this optimizer (other type, parameter count or shapes)."""


class Optimizer:
    """Base class: a parameter list, ``zero_grad()``, ``step()`` and saving/loading of its state.

    Subclasses list their hyper-parameters in ``hyper`` (saved with the state) and
    implement ``_update(i, param, grad)``, which changes ``param.data`` in place;
    per-parameter buffers live in ``self.state[i]`` (a dict of arrays by name).
    """

    hyper: tuple[str, ...] = ("lr",)
    counters: tuple[str, ...] = ()  # per-parameter buffers that are step counts (0-d), not arrays

    def __init__(self, params: Iterable[Tensor], lr: float):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: pass an iterable of tensors (e.g. model.parameters()), "
                            "not a single Tensor")
        unique: list[Tensor] = []
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: parameter {i} is the result of an op, not a leaf tensor; "
                                 "optimize the tensors you created (model.parameters())")
            if p.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}: parameter {i} has dtype {p.dtype}; only floating-point "
                                "tensors can be trained")
            if id(p) not in seen:  # a tensor listed twice must not be updated twice
                seen.add(id(p))
                unique.append(p)
        if not unique:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        self._set_hyper(lr=lr)
        self.params = unique
        self.state: list[dict[str, Any]] = [{} for _ in unique]
        self.steps = 0

    def zero_grad(self) -> None:
        """Forget all gradients (backward accumulates them)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient and is not frozen."""
        for i, p in enumerate(self.params):
            if p.grad is None or not p.requires_grad:
                continue
            g = p.grad.data
            if g.shape != p.data.shape:
                raise ValueError(f"{type(self).__name__}: parameter {i} has shape {p.shape} but its gradient "
                                 f"{tuple(g.shape)}")
            self._follow_device(i, p)
            self._update(i, p, g)
        self.steps += 1

    def _update(self, i: int, p: Tensor, g: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _buffer(self, i: int, name: str, p: Tensor) -> Any:
        """Per-parameter buffer ``name`` (zeros like the parameter on first use)."""
        state = self.state[i]
        if name not in state:
            state[name] = array_module(p.data).zeros_like(p.data)
        return state[name]

    def _follow_device(self, i: int, p: Tensor) -> None:
        # after model.to("cuda") the buffers must follow the parameters
        device = device_of(p.data)
        for name, value in self.state[i].items():
            if hasattr(value, "shape") and device_of(value) != device:
                self.state[i][name] = to_device(value, device)

    # -- saving and loading ---------------------------------------------------------------------
    def hyperparameters(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.hyper}

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "hyper", "steps", "state"}``: state maps ``"<param index>.<buffer>"`` to NumPy copies
        (scalars such as Adam's step counts are stored as 0-d arrays)."""
        arrays = {}
        for i, buffers in enumerate(self.state):
            for name, value in buffers.items():
                arrays[f"{i}.{name}"] = to_numpy(value).copy() if hasattr(value, "shape") else np.asarray(value)
        return {"type": type(self).__name__, "hyper": self.hyperparameters(), "steps": self.steps,
                "num_params": len(self.params), "state": arrays}

    def _set_hyper(self, **values: Any) -> None:
        """Check hyper-parameters (with the ones already set, for rules that tie two together) and set them."""
        current = {k: getattr(self, k) for k in self.hyper if k in self.__dict__}
        for key, value in check_hyper(type(self).__name__, values, current).items():
            setattr(self, key, value)

    def check_state_dict(self, state: dict[str, Any]) -> None:
        """Raise `OptimizerStateError` if ``state`` does not fit, or holds a value that `step` could not
        use (a learning rate "abc", a step count -1, strings in a buffer); change nothing."""
        self._prepared(state, convert=False)

    def _prepared(self, state: Any, convert: bool = True) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
        """Everything `load_state_dict` assigns, checked and converted: (hyper, buffers, steps).
        Kept apart from the assignment so that a loader can check several objects before changing any."""
        name = type(self).__name__
        if not isinstance(state, dict) or "state" not in state:
            raise OptimizerStateError(f"{name}: not an optimizer state dict (expected keys type/hyper/state)")
        if state.get("type", name) != name:
            raise OptimizerStateError(f"{name}: the state was saved from a {state['type']} optimizer")
        count = state.get("num_params", len(self.params))
        if count != len(self.params) or isinstance(count, bool):
            raise OptimizerStateError(f"{name}: the state is for {count!r} parameters, this optimizer has "
                                      f"{len(self.params)}")
        steps, hyper, arrays = state.get("steps", 0), state.get("hyper", {}), state["state"]
        try:
            whole(name, "steps", steps)
        except (TypeError, ValueError) as exc:
            raise OptimizerStateError(str(exc)) from None
        if not isinstance(hyper, dict):
            raise OptimizerStateError(f"{name}: hyper must be a dict of hyper-parameters, got {hyper!r}")
        if not isinstance(arrays, dict):
            raise OptimizerStateError(f"{name}: state must be a dict of buffers, got {type(arrays).__name__}")
        problems = []
        unknown = [k for k in hyper if k not in self.hyper]
        if unknown:
            problems.append(f"unknown hyper-parameters {unknown}")
        try:
            checked = check_hyper(name, {k: v for k, v in hyper.items() if k in self.hyper},
                                  {k: getattr(self, k) for k in self.hyper})
        except (TypeError, ValueError) as exc:
            problems.append(str(exc).removeprefix(f"{name}: "))
        buffers: list[dict[str, Any]] = [{} for _ in self.params]
        for key, value in arrays.items():
            index, _, buffer = str(key).partition(".")
            if not isinstance(key, str) or not index.isdigit() or int(index) >= len(self.params) or not buffer:
                problems.append(f"unexpected key {key!r}")
                continue
            p = self.params[int(index)]
            try:
                value = to_numpy(value)  # NumPy (as saved), a list, or a CuPy array (which refuses np.asarray)
            except (TypeError, ValueError) as exc:
                problems.append(f"{key}: cannot use a {type(value).__name__} ({exc})")
                continue
            if value.dtype.kind not in "biuf":
                problems.append(f"{key}: holds {value.dtype} values, not numbers")
            elif buffer in self.counters:
                count = value.item() if value.shape == () else None
                if count is None or not math.isfinite(count) or count < 0 or count != int(count):
                    problems.append(f"{key}: a step count must be a whole number >= 0, got {value.tolist()!r}")
                else:
                    buffers[int(index)][buffer] = int(count)
            elif value.shape != tuple(p.shape):
                problems.append(f"{key}: shape {value.shape}, parameter {index} has shape {tuple(p.shape)}")
            else:
                buffers[int(index)][buffer] = value
        if problems:
            raise OptimizerStateError(f"{name}: state dict does not fit: " + "; ".join(problems))
        for i, p in enumerate(self.params):  # copies in the parameter's dtype, on its device
            for key, value in buffers[i].items() if convert else ():
                if key not in self.counters:
                    buffers[i][key] = to_device(value.astype(p.dtype, copy=True), device_of(p.data))
        return checked, buffers, int(steps)

    def load_state_dict(self, state: dict[str, Any]) -> Optimizer:
        """Restore hyper-parameters and buffers (moved to each parameter's device and dtype), after checking
        all of them: a state that does not fit raises `OptimizerStateError` and changes nothing."""
        self._commit(self._prepared(state))
        return self

    def _commit(self, prepared: tuple[dict[str, Any], list[dict[str, Any]], int]) -> None:
        hyper, self.state, self.steps = prepared
        for key, value in hyper.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.params)} tensors, {hyper})"


class SGD(Optimizer):
    """Gradient descent, optionally with momentum.

    With ``momentum`` β: ``v = β v + (1 - dampening) g``, then ``p -= lr v`` (or, with
    ``nesterov=True``, ``p -= lr (g + β v)``). PyTorch's form has ``dampening=0``; the
    course's exponentially weighted average ``v = β v + (1 - β) g`` is ``dampening=β``.
    ``weight_decay`` λ adds ``λ p`` to the gradient (L2 regularization) of *every* tensor the
    optimizer holds, biases included (PyTorch's rule). The course's cost term
    ``λ/(2m) Σ ||W||²`` (`nn.functional.l2_penalty`, weights only) gives the same update as
    ``weight_decay = λ/m`` on an optimizer that holds only the weight matrices.
    """

    hyper = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, dampening: float = 0.0):
        super().__init__(params, lr)
        self._set_hyper(momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay)

    def _update(self, i: int, p: Tensor, g: Any) -> None:
        fused = kernel(array_module(p.data), "sgd_momentum" if self.momentum else "sgd")
        if fused is not None and self.momentum:
            fused(g, self.lr, self.weight_decay, self.momentum, 1.0 - self.dampening, float(self.nesterov),
                  p.data, self._buffer(i, "velocity", p))
            return
        if fused is not None:
            fused(g, self.lr, self.weight_decay, p.data)
            return
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            v = self._buffer(i, "velocity", p)
            v *= self.momentum
            v += (1.0 - self.dampening) * g
            g = g + self.momentum * v if self.nesterov else v
        p.data -= self.lr * g


class RMSprop(Optimizer):
    """``s = α s + (1 - α) g²``, ``p -= lr g / (sqrt(s) + eps)``: per-weight step sizes that damp
    directions whose gradient oscillates. ``beta`` is an alias of ``alpha`` (the course's name)."""

    hyper = ("lr", "alpha", "eps", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, alpha: float = 0.9, eps: float = 1e-8,
                 weight_decay: float = 0.0, beta: float | None = None):
        super().__init__(params, lr)
        self._set_hyper(alpha=alpha if beta is None else beta, eps=eps, weight_decay=weight_decay)

    def _update(self, i: int, p: Tensor, g: Any) -> None:
        xp = array_module(p.data)
        s = self._buffer(i, "square_avg", p)
        fused = kernel(xp, "rmsprop")
        if fused is not None:
            fused(g, self.lr, self.weight_decay, self.alpha, 1.0 - self.alpha, self.eps, p.data, s)
            return
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        s *= self.alpha
        s += (1.0 - self.alpha) * (g * g)
        p.data -= self.lr * g / (xp.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Momentum and RMSprop together, with bias correction of both averages:

    ``m = β1 m + (1-β1) g``, ``v = β2 v + (1-β2) g²``, ``p -= lr m̂ / (sqrt(v̂) + eps)`` with
    ``m̂ = m / (1 - β1^t)`` and ``v̂ = v / (1 - β2^t)`` (t counts this parameter's updates).
    ``weight_decay`` adds ``λ p`` to the gradient (L2, as in PyTorch's Adam).
    """

    hyper = ("lr", "betas", "eps", "weight_decay")
    counters = ("step",)

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self._set_hyper(betas=betas, eps=eps, weight_decay=weight_decay)

    def _update(self, i: int, p: Tensor, g: Any) -> None:
        b1, b2 = self.betas
        m = self._buffer(i, "exp_avg", p)
        v = self._buffer(i, "exp_avg_sq", p)
        t = self.state[i].get("step", 0) + 1
        self.state[i]["step"] = t
        # bias correction: early averages are pulled towards their zero start; these Python floats keep float32
        step, c2 = self.lr / (1.0 - b1 ** t), 1.0 - b2 ** t
        xp = array_module(p.data)
        fused = kernel(xp, "adam")
        if fused is not None:
            fused(g, step, self.weight_decay, b1, 1.0 - b1, b2, 1.0 - b2, c2, self.eps, p.data, m, v)
            return
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        # the same arithmetic through one scratch array: a temporary per operation costs more than
        # the arithmetic itself for arrays of this size (allocation and first-touch page faults)
        tmp = xp.multiply(g, 1.0 - b1)
        m *= b1
        m += tmp
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v *= b2
        v += tmp
        xp.divide(v, c2, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += self.eps
        xp.divide(step * m, tmp, out=tmp)  # step * m first, as the fused CUDA kernel computes it
        p.data -= tmp


# -- gradient clipping ---------------------------------------------------------------------------------
def clip_grad_norm(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients together so their global L2 norm is at most ``max_norm``; return the norm before.

    A non-finite norm is returned as it is and the gradients are left alone (clipping cannot fix NaN).
    """
    number("clip_grad_norm", "max_norm", max_norm, "> 0")
    with_grad = [p for p in params if p.grad is not None]
    if not with_grad:
        return 0.0
    total = math.sqrt(sum(float((p.grad.data.astype(np.float64) ** 2).sum()) for p in with_grad))
    if math.isfinite(total) and total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in with_grad:
            # a new array, not in place: a gradient may be a read-only broadcast view
            p.grad = Tensor(p.grad.data * scale, device=p.device)
    return total


clip_grad_norm_ = clip_grad_norm  # PyTorch's spelling


# -- learning-rate schedules -----------------------------------------------------------------------------
class LRScheduler:
    """Sets ``optimizer.lr`` from the epoch count: call ``step()`` once per epoch, after training it."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def lr_at(self, epoch: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self) -> float:
        """Advance one epoch and set the optimizer's learning rate; return it."""
        self.epoch += 1
        self.optimizer.lr = self.lr_at(self.epoch)
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "base_lr": self.base_lr}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the epoch count and starting rate (and set the optimizer's rate from them); a state that
        is not two such numbers raises `OptimizerStateError` and changes nothing."""
        name = type(self).__name__
        if not isinstance(state, dict) or not {"epoch", "base_lr"} <= set(state):
            raise OptimizerStateError(f"{name}: not a schedule state dict (expected keys epoch and base_lr)")
        try:
            epoch, base_lr = whole(name, "epoch", state["epoch"]), number(name, "base_lr", state["base_lr"], ">= 0")
        except (TypeError, ValueError) as exc:
            raise OptimizerStateError(str(exc)) from None
        self.epoch, self.base_lr = epoch, base_lr
        self.optimizer.lr = self.lr_at(self.epoch) if self.epoch else self.base_lr


class StepLR(LRScheduler):
    """lr0 · gamma^floor(epoch / step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        self.step_size, self.gamma = whole("StepLR", "step_size", step_size, 1), number("StepLR", "gamma", gamma, "> 0")

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr0 · gamma^epoch (the course's 0.95^epoch · lr0)."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        super().__init__(optimizer)
        self.gamma = number("ExponentialLR", "gamma", gamma, "> 0")

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** epoch


class InverseTimeDecay(LRScheduler):
    """The course's learning-rate decay: lr0 / (1 + decay_rate · floor(epoch / interval)).

    ``interval=1`` is the plain ``lr0 / (1 + decay_rate · epoch)``; a larger interval is the
    course's "fixed interval scheduling" (the rate drops only every ``interval`` epochs,
    so it does not shrink to almost nothing when training runs many epochs).
    """

    def __init__(self, optimizer: Optimizer, decay_rate: float, interval: int = 1):
        super().__init__(optimizer)
        self.decay_rate = number("InverseTimeDecay", "decay_rate", decay_rate, ">= 0")
        self.interval = whole("InverseTimeDecay", "interval", interval, 1)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr / (1.0 + self.decay_rate * (epoch // self.interval))


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a hyper-parameter."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value
