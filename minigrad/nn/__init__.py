"""Neural-network building blocks over `Tensor`: modules, layers, initializers and losses.

    from minigrad import nn
    model = nn.MLP([2, 16, 16, 1], activation="relu")          # He init for ReLU
    loss = nn.functional.binary_cross_entropy_with_logits(model(X), y)

`minigrad.nn.scalar` holds the micrograd-style scalar versions (`Neuron`, `Layer`, `MLP`).
"""
from __future__ import annotations

from ..lazy import lazy_getattr
from . import functional, init
from .containers import MLP, Sequential
from .conv import AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, Flatten, MaxPool2d
from .layers import (ACTIVATIONS, BatchNorm1d, Dropout, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh,
                     activation)
from .module import Module, StateDictError

__all__ = ["Module", "StateDictError", "Linear", "Sequential", "MLP", "ReLU", "Tanh", "Sigmoid", "LeakyReLU",
           "Softmax", "Dropout", "BatchNorm1d", "Identity", "Conv1d", "Conv2d", "ConvTranspose2d",
           "MaxPool2d", "AvgPool2d", "Flatten", "activation", "ACTIVATIONS", "init", "functional",
           "scalar"]


# micrograd-style networks over Values: imported when first asked for
__getattr__ = lazy_getattr(__name__, globals(), {}, {"scalar"})
