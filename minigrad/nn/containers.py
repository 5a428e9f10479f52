"""`Sequential` (layers applied in order) and `MLP` (a fully connected network built from sizes).

Both keep their layers in the plain list ``self.layers``, so transfer learning is
list surgery: ``model.layers[-1] = nn.Linear(16, 3)`` (or ``model[-1] = ...``)
replaces the output layer, ``model.layers[:-1]`` are the body to freeze.
"""
from __future__ import annotations

import copy
from typing import Any, Iterator, Sequence

from ..ops import ShapeError
from .layers import BatchNorm1d, Dropout, Linear, activation
from .module import Module

_DEFAULT_INIT = {"relu": "he", "leaky_relu": "he", "tanh": "xavier", "sigmoid": "xavier"}


class Sequential(Module):
    """Apply modules one after the other: ``Sequential(Linear(2, 4), Tanh(), Linear(4, 1))``."""

    def __init__(self, *layers: Module):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {i} is a {type(layer).__name__}, not a Module")
        self.layers: list[Module] = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __setitem__(self, index: int, layer: Module) -> None:
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential: cannot put a {type(layer).__name__} in a layer slot, it is not a Module")
        self.layers[index] = layer

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def append(self, layer: Module) -> "Sequential":
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.append: a {type(layer).__name__} is not a Module")
        self.layers.append(layer)
        return self

    def linear_layers(self) -> list[Linear]:
        return [m for m in self.modules() if isinstance(m, Linear)]

    def replace_head(self, *layers: Module, n: int = 1) -> "Sequential":
        """Transfer learning: drop the last ``n`` layers and append ``layers`` (new, trainable) in their place."""
        if not 0 <= n <= len(self.layers):
            raise ValueError(f"replace_head: cannot drop {n} of {len(self.layers)} layers")
        del self.layers[len(self.layers) - n:]
        for layer in layers:
            self.append(layer)
        return self


class MLP(Sequential):
    """A fully connected network: ``MLP([2, 16, 16, 1])`` is Linear(2,16), act, Linear(16,16), act, Linear(16,1).

    ``activation`` is used after every hidden layer: "relu", "tanh", "sigmoid", ... .
    ``init`` sets every weight matrix: "zeros", "random" (normal x 0.01), "xavier"
    (normal x sqrt(1/fan_in)), "he" (normal x sqrt(2/fan_in)), or a number (normal x
    that number); the default is He for ReLU and Xavier for tanh/sigmoid. ``dropout``
    > 0 adds Dropout after each hidden activation, ``batchnorm=True`` adds BatchNorm1d
    between each hidden Linear and its activation. The output layer is linear (logits)
    unless ``output_activation`` names one.

    Gradients that vanish or explode, in one line each (then ``:train NET moons`` in
    the REPL, or ``minigrad.diagnose.probe(NET, X)``, shows them layer by layer):

        nn.MLP([2] + [32] * 6 + [1], activation="sigmoid")          # vanishing
        nn.MLP([2] + [32] * 6 + [1], activation="relu", init=1.0)   # exploding
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", init: Any = None, dropout: float = 0.0,
                 batchnorm: bool = False, output_activation: str | None = None, bias: bool = True):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ShapeError(f"MLP needs at least an input and an output size, got sizes={sizes}")
        act_name = activation if isinstance(activation, str) else type(activation).__name__.lower()
        init = init if init is not None else _DEFAULT_INIT.get(act_name, "he")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            layers.append(Linear(n_in, n_out, bias=bias and not (batchnorm and not last), init=init))
            if last:
                break
            if batchnorm:  # its beta replaces the Linear's bias
                layers.append(BatchNorm1d(n_out))
            layers.append(_activation(activation))
            if dropout:
                layers.append(Dropout(dropout))
        if output_activation is not None:
            layers.append(_activation(output_activation))
        super().__init__(*layers)
        self.sizes, self.activation, self.init_scheme = sizes, act_name, init
        self.dropout, self.batchnorm, self.output_activation = float(dropout), bool(batchnorm), output_activation

    def extra_repr(self) -> str:
        return f"{self.sizes}, activation={self.activation!r}"


def _activation(name: Any) -> Module:
    # a fresh module per layer, even when the caller passed one instance, so each layer is its own node
    if isinstance(name, Module):
        return copy.deepcopy(name)
    return activation(name)
