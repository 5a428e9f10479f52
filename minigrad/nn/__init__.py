"""Neural-network building blocks over `Tensor`: modules, layers, initializers and losses.

    from minigrad import nn
    model = nn.MLP([2, 16, 16, 1], activation="relu")          # He init for ReLU
    loss = nn.functional.binary_cross_entropy_with_logits(model(X), y)

`minigrad.nn.scalar` holds the micrograd-style scalar versions (`Neuron`, `Layer`, `MLP`).
"""
from __future__ import annotations

from ..lazy import lazy_getattr
from . import functional, init
from .activations import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, LogSoftmax, Mish,
                          ReLU6, SiLU, Softmin, Softplus, Softsign)
from .containers import MLP, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import (AvgPool1d, AvgPool2d, AvgPool3d, Flatten, MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool2d,
                      Upsample)
from .layers import (ACTIVATIONS, BatchNorm1d, Dropout, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh,
                     activation)
from .module import Module, StateDictError

__all__ = ["Module", "StateDictError", "Linear", "Sequential", "MLP", "ReLU", "Tanh", "Sigmoid", "LeakyReLU",
           "Softmax", "GELU", "SiLU", "ELU", "Softplus", "Hardtanh", "ReLU6", "LogSoftmax", "SELU", "CELU", "Softsign",
           "Hardsigmoid", "Hardswish", "Mish", "LogSigmoid", "Softmin", "Dropout", "BatchNorm1d",
           "Identity", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxUnpool2d", "Upsample",
           "Flatten", "activation", "ACTIVATIONS", "init", "functional",
           "scalar"]


# micrograd-style networks over Values: imported when first asked for
__getattr__ = lazy_getattr(__name__, globals(), {}, {"scalar"})
