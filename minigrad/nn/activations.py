"""More activation modules, PyTorch's names and arguments: thin layers over the Tensor methods.

(ReLU, LeakyReLU, Tanh, Sigmoid and Softmax live in layers.py, with the rest of the first course.)
"""
from __future__ import annotations

from ..tensor import Tensor
from .module import Module


class GELU(Module):
    """x Φ(x) (Φ the normal CDF); ``approximate="tanh"`` is the GPT-2 formula."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return x.gelu(approximate=self.approximate)


class SiLU(Module):
    """x sigmoid(x), also called swish."""

    def forward(self, x: Tensor) -> Tensor:
        return x.silu()


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return x.elu(self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, x: Tensor) -> Tensor:
        return x.softplus(self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta:g}, threshold={self.threshold:g}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, x: Tensor) -> Tensor:
        return x.hardtanh(self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val:g}, max_val={self.max_val:g}"


class ReLU6(Module):
    """min(max(0, x), 6)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu6()


class LogSoftmax(Module):
    """log(softmax(x)) over ``dim``, computed stably."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(dim=self.dim)


class _Elementwise(Module):
    """An activation without parameters: the Tensor method named by ``method``."""

    method = ""

    def forward(self, x: Tensor) -> Tensor:
        return getattr(x, self.method)()


class SELU(_Elementwise):
    """scale * elu(x, alpha) with the self-normalizing constants."""

    method = "selu"


class Softsign(_Elementwise):
    """x / (1 + |x|)."""

    method = "softsign"


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6."""

    method = "hardsigmoid"


class Hardswish(_Elementwise):
    """x * hardsigmoid(x)."""

    method = "hardswish"


class Mish(_Elementwise):
    """x tanh(softplus(x))."""

    method = "mish"


class LogSigmoid(_Elementwise):
    """log(sigmoid(x)), computed stably."""

    method = "logsigmoid"


class CELU(Module):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return x.celu(self.alpha)


class Softmin(Module):
    """softmax(-x) over ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmin(dim=self.dim)
