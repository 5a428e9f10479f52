"""minigrad: a teaching-grade autograd engine for scalars (`Value`) and arrays (`Tensor`).

    import minigrad as mg
    a = mg.Value(2.0, label="a"); b = a * a + a; b.backward(); a.grad   # 5.0

Heavier parts (nn, optim, data, viz, ...) are imported on first use so that
``import minigrad`` stays fast.
"""
from __future__ import annotations

from .autograd import Node, Step, backward_steps, enable_grad, is_grad_enabled, is_node, no_grad, topological_order
from .backend import DeviceError, cuda_available, default_device, manual_seed, set_default_device
from .ops import ShapeError, unbroadcast
from .scalar import Value
from .lazy import lazy_getattr
from .gradcheck import gradcheck, numerical_gradient, relative_difference
from .tensor import Tensor
from . import functions as _functions
from .functions import (arange, cat, concat, concatenate, einsum, empty, eye, from_numpy, full, full_like, linspace,
                        maximum, meshgrid, minimum, ones, ones_like, rand, randint, randn, stack, tensor, where, zeros,
                        zeros_like)

# every op as a function, as in PyTorch: mg.exp(x), mg.softplus(x), mg.max(x, dim=1), ...
globals().update({_name: getattr(_functions, _name) for _name in _functions.OP_FUNCTIONS})

__version__ = "0.1.0"

_SUBMODULES = {"nn", "optim", "data", "metrics", "diagnose", "health", "train", "viz", "serialize", "lessons"}
# name -> (module, attribute): public functions that live in lazily imported modules
_LAZY = {
    "save": ("minigrad.serialize", "save"),
    "load": ("minigrad.serialize", "load"),
}


__getattr__ = lazy_getattr(__name__, globals(), _LAZY, _SUBMODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY))
