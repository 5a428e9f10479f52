"""micrograd-style networks over scalar `Value`s: `Neuron`, `Layer`, `MLP(nin, nouts)`.

Every weight is its own `Value`, so each multiply-add is a node you can draw and
step through. Same surface as micrograd's ``nn`` module: its README/demo code
runs with ``from micrograd.nn import MLP`` changed to ``from minigrad.nn.scalar import MLP``.
Weights start uniform in [-1, 1] drawn from `minigrad.backend.rng()` (so
``mg.manual_seed`` makes them reproducible).
"""
from __future__ import annotations

from operator import mul
from typing import Any, Sequence

from .. import autograd
from ..backend import rng
from ..scalar import Value


class Module:
    """Base of the scalar networks: ``parameters()`` and ``zero_grad()``."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``act(w · x + b)`` with one Value per weight; ``nonlin=False`` leaves it linear."""

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu"):
        if activation not in ("relu", "tanh", "sigmoid"):
            raise ValueError(f"Neuron: activation must be 'relu', 'tanh' or 'sigmoid', got {activation!r}")
        self.w = [Value(float(v), label=f"w{i}") for i, v in enumerate(rng().uniform(-1, 1, size=nin))]
        self.b = Value(0.0, label="b")
        self.nonlin = nonlin
        self.activation = activation

    def __call__(self, x: Sequence[Any]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron({len(self.w)}): got an input with {len(x)} values")
        with autograd.scope(self):
            # b + w0*x0 + w1*x1 + ..., micrograd's order; map() rather than a generator saves
            # a Python frame switch per weight, a fifth of a training step
            act = sum(map(mul, self.w, x), self.b)
            return getattr(act, self.activation)() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}[self.activation] if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same input; returns a list (or one Value when ``nout == 1``)."""

    def __init__(self, nin: int, nout: int, **kwargs: Any):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        with autograd.scope(self):
            out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """``MLP(2, [16, 16, 1])``: hidden layers use ``activation`` (ReLU), the last layer is linear."""

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu"):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, activation=activation)
                       for i in range(len(nouts))]

    def __call__(self, x: Any) -> Value | list[Value]:
        if isinstance(x, (Value, int, float)):  # a single input feature
            x = [x]
        with autograd.scope(self):
            for layer in self.layers:
                x = layer(x)
                x = x if isinstance(x, list) else [x]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
