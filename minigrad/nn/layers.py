"""Layers: `Linear`, the activations, `Dropout`, `BatchNorm1d`, `Identity`.

Inputs are batches of row vectors, shape ``(batch, features)`` (the course writes
examples as columns; minigrad follows NumPy/PyTorch and puts them in rows, so a
layer computes ``x @ W + b`` with ``W`` of shape ``(in, out)``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..backend import array_module, default_device, keep_mask
from ..ops import ShapeError
from ..tensor import Tensor
from . import init as initializers
from .activations import ELU, GELU, SiLU, Softplus
from .module import Module


def as_input(x: Any, like: Tensor) -> Tensor:
    """``x`` as a Tensor with ``like``'s dtype and device: NumPy batches and lists are welcome,
    and a float64 batch meeting float32 weights is cast down instead of silently upcasting the layer."""
    if not isinstance(x, Tensor):
        return Tensor(np.asarray(x) if isinstance(x, (list, tuple)) else x, dtype=like.dtype, device=like.device)
    if x.dtype != like.dtype:
        return x.astype(like.dtype)
    return x


class Linear(Module):
    """``y = x @ W + b`` with ``W`` of shape ``(in_features, out_features)``.

    ``init`` picks the weights' start: "he" (default, for ReLU), "xavier" (tanh),
    "random" (×0.01), "zeros", a number (Gaussian × that scale) or a function
    ``shape -> array``. Biases start at zero.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str | float | Any = "he", dtype: Any = np.float32, device: str | None = None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init = init
        device = device or default_device()  # NumPy-made weights would otherwise stay on the CPU
        w = np.asarray(initializers.get(init)((self.in_features, self.out_features)), dtype=dtype)
        if w.shape != (self.in_features, self.out_features):
            raise ShapeError(f"Linear: init returned shape {w.shape}, expected {(self.in_features, self.out_features)}")
        self.weight = Tensor(w, requires_grad=True, device=device, label="W")
        self.bias = Tensor(np.zeros(self.out_features, dtype=dtype), requires_grad=True, device=device,
                           label="b") if bias else None

    def forward(self, x: Any) -> Tensor:
        x = as_input(x, self.weight)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear({self.in_features} -> {self.out_features}): input has shape {tuple(x.shape)}, "
                             f"its last axis must have {self.in_features} features")
        out = x @ self.weight
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        bias = "" if self.bias is not None else ", bias=False"
        return f"{self.in_features} -> {self.out_features}{bias}, init={initializers.describe(self.init)!r}"


# -- activations: thin modules over the Tensor methods, so they show up as layers ----------------
class ReLU(Module):
    """max(0, x)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class LeakyReLU(Module):
    """x for x > 0, ``slope * x`` otherwise (keeps a small gradient for negative inputs)."""

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = float(slope)

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.slope)

    def extra_repr(self) -> str:
        return f"slope={self.slope:g}"


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Softmax(Module):
    """Probabilities over ``axis`` (prefer `functional.cross_entropy` on logits for training)."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(axis=self.axis)


class Identity(Module):
    def forward(self, x: Any) -> Any:
        return x


ACTIVATIONS: dict[str, type[Module]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid,
                                        "leaky_relu": LeakyReLU, "softmax": Softmax, "identity": Identity,
                                        "linear": Identity, "gelu": GELU, "silu": SiLU, "elu": ELU,
                                        "softplus": Softplus}


def activation(name: str | Module) -> Module:
    """An activation module from its name ("relu", "tanh", "sigmoid", "leaky_relu", ...)."""
    if isinstance(name, Module):
        return name
    key = str(name).lower()
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: use one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[key]()


# -- regularization and normalization -----------------------------------------------------------
class Dropout(Module):
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale the
    survivors by 1/(1-p) so the expected activation is unchanged; in eval mode, the identity.

    ``p`` is the probability of *dropping* (PyTorch's convention); the course's
    ``keep_prob`` is ``1 - p``. ``last_mask`` keeps the boolean keep-mask of the last
    training forward so it can be shown.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"Dropout: p is a probability of dropping a unit, got {p!r} (must be in [0, 1])")
        self.p = float(p)
        self.last_mask: Any = None

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = keep_mask(x.shape, self.p, x.data)  # on x's device (backend.set_mask_draws: or on the host)
        self.last_mask = keep
        if self.p == 1.0:
            return x * 0.0
        scale = array_module(x.data).asarray(keep, dtype=x.dtype) * (1.0 / (1.0 - self.p))
        return x * Tensor(scale, device=x.device)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"


class BatchNorm1d(Module):
    """Batch normalization over the batch axis of ``(batch, features)`` inputs.

    Training: normalize with the batch's mean and (population) variance, then scale by
    ``weight`` (gamma) and shift by ``bias`` (beta); keep exponential moving averages
    of mean and unbiased variance (``momentum`` is the weight of the new batch, as in
    PyTorch). Eval: normalize with those running statistics, so one example's output
    does not depend on the rest of the batch.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, dtype: Any = np.float32,
                 device: str | None = None):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), float(momentum)
        device = device or default_device()
        self.weight = Tensor(np.ones(self.num_features, dtype=dtype), requires_grad=True, device=device, label="gamma")
        self.bias = Tensor(np.zeros(self.num_features, dtype=dtype), requires_grad=True, device=device, label="beta")
        self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dtype), device=device))
        self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dtype), device=device))

    def forward(self, x: Any) -> Tensor:
        x = as_input(x, self.weight)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d({self.num_features}): expected input (batch, {self.num_features}), "
                             f"got {tuple(x.shape)}")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("BatchNorm1d in training mode needs at least 2 examples per batch "
                                 "(the variance of one example is 0); use model.eval() to predict one example")
            mean = x.mean(axis=0)
            centred = x - mean
            var = (centred * centred).mean(axis=0)
            xhat = centred / (var + self.eps).sqrt()
            with no_grad():
                m = self.momentum
                self.running_mean.data = (1 - m) * self.running_mean.data + m * mean.data
                self.running_var.data = (1 - m) * self.running_var.data + m * var.data * (n / (n - 1))
        else:
            xhat = (x - self.running_mean) / (self.running_var + self.eps).sqrt()
        return xhat * self.weight + self.bias

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"
