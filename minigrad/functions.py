"""``mg.xxx`` functions: making tensors, joining them, and every Tensor op as a function (``mg.exp(x)``).

The op functions are the Tensor methods called on their first argument, as in PyTorch
(``torch.exp(x)`` is ``x.exp()``), so there is one implementation of each op.
"""
from __future__ import annotations

import builtins
from typing import Any, Callable, Iterable

import numpy as np

from . import ops
from .ops import einsum as einsum_ops
from .backend import default_device, rng, to_device
from .dispatch import apply, lift
from .tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _as_tensors(tensors: Iterable[Any], name: str) -> list[Tensor]:
    items = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not items:
        raise ValueError(f"{name}: need at least one tensor")
    floats = [t.dtype for t in items if t.dtype.kind == "f"]
    target = np.result_type(*(floats or [t.dtype for t in items]))  # ints join floats as the float (PyTorch)
    return [t if t.dtype == target else t.astype(target) for t in items]


def cat(tensors: Iterable[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = _as_tensors(tensors, "cat")
    if builtins.any(t.ndim == 0 for t in tensors):
        raise ops.RangeError("cat: a zero-dimensional tensor has no axis to join along (stack joins along a new one)")
    return apply(ops.Cat, *tensors, axis=axis if dim is None else dim)


concatenate = concat = cat


def stack(tensors: Iterable[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along a new axis."""
    return apply(ops.Stack, *_as_tensors(tensors, "stack"), axis=axis if dim is None else dim)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if cond else b``; the gradient flows to the side that was chosen.

    Numbers take the other side's dtype, so ``where(c, 1, 3)`` is an int64 tensor and
    ``where(c, x, 0.0)`` keeps x's float dtype.
    """
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    return ref._where(cond, a, b)


def maximum(a: Any, b: Any) -> Tensor:
    a = a if isinstance(a, Tensor) else lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    return a.maximum(b)


def minimum(a: Any, b: Any) -> Tensor:
    a = a if isinstance(a, Tensor) else lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    return a.minimum(b)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors: ``indexing="ij"`` (matrix, PyTorch's default) or ``"xy"`` (Cartesian)."""
    items = list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else list(tensors)
    if indexing not in ("ij", "xy"):
        raise ops.ArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    items = [t if isinstance(t, Tensor) else Tensor(t) for t in items]
    shape = tuple(t.size for t in items)
    grids = []
    for i, t in enumerate(items):
        view = [1] * len(items)
        view[i] = t.size
        grids.append(t.reshape(*view).expand(*shape))
    if indexing == "xy" and len(items) >= 2:  # Cartesian: the first two axes of the matrix grids swapped
        grids = [g.swapaxes(0, 1) for g in grids]
    return tuple(grids)


def _method(name: str) -> Callable[..., Any]:
    def function(x: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(x if isinstance(x, Tensor) else Tensor(x), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``mg.{name}(x, ...)`` is ``x.{name}(...)``: " + (getattr(Tensor, name).__doc__ or "").strip()
    return function


def _shape(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _new(array: np.ndarray, requires_grad: bool, device: str | None) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, device=device or default_device())


def zeros(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    return _new(np.zeros(_shape(shape), dtype=dtype), requires_grad, device)


def ones(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    return _new(np.ones(_shape(shape), dtype=dtype), requires_grad, device)


def full(shape: Any, value: float, dtype: Any = None, requires_grad: bool = False,
         device: str | None = None) -> Tensor:
    """A tensor of ``value``; its dtype follows the value as in PyTorch: bool, int64 for an int, else float32."""
    if dtype is None:
        dtype = np.bool_ if isinstance(value, (bool, np.bool_)) else np.int64 \
            if isinstance(value, (int, np.integer)) else np.float32
    return _new(np.full(_shape((shape,)), value, dtype=dtype), requires_grad, device)


def empty(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """A tensor whose values are not to be relied on (PyTorch's empty; here they are zeros)."""
    return zeros(*shape, dtype=dtype, requires_grad=requires_grad, device=device)


def randint(low: int, high: int | None = None, size: Any = None, *, dtype: Any = np.int64,
            device: str | None = None) -> Tensor:
    """Integers uniform in [low, high) from the generator `manual_seed` resets; ``randint(high, size)`` starts at 0."""
    if size is None and not isinstance(high, int):
        low, high, size = 0, low, high  # PyTorch's randint(high, size)
    if size is None:
        raise TypeError("randint needs a size, e.g. randint(0, 10, (3, 4))")
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ops.ArgumentError(f"randint: high ({high}) must be larger than low ({low})")
    return _new(rng().integers(low, high, size=_shape((size,))).astype(dtype), False, device)


def eye(n: int, m: int | None = None, dtype: Any = np.float32, requires_grad: bool = False,
        device: str | None = None) -> Tensor:
    return _new(np.eye(n, m, dtype=dtype), requires_grad, device)


def randn(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Standard normal samples from the generator `manual_seed` resets (drawn on the host, so CPU and GPU agree)."""
    return _new(rng().standard_normal(_shape(shape)).astype(dtype), requires_grad, device)


def rand(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Uniform samples in [0, 1) from the generator `manual_seed` resets."""
    return _new(rng().random(_shape(shape)).astype(dtype), requires_grad, device)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | None = None) -> Tensor:
    """Like numpy.arange: integers give an int64 tensor, floats a float32 one."""
    if dtype is None:
        dtype = np.int64 if builtins.all(isinstance(v, int) for v in (start, stop or 0, step)) else np.float32
    values = np.arange(start, stop, step, dtype=dtype) if stop is not None else np.arange(start, dtype=dtype)
    return _new(values, False, device)


def linspace(start: float, stop: float, steps: int, dtype: Any = np.float32, device: str | None = None) -> Tensor:
    """``steps`` evenly spaced values from start to stop; an integer dtype truncates them toward 0, as PyTorch."""
    if np.dtype(dtype).kind == "b":
        raise ops.ArgumentError("linspace: a bool tensor cannot hold evenly spaced values")
    if steps < 0:
        raise ops.ArgumentError(f"linspace: steps must be at least 0, got {steps}")
    return _new(np.linspace(start, stop, steps).astype(dtype), False, device)


def zeros_like(t: Tensor, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=t.device)


def ones_like(t: Tensor, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=t.device)


def full_like(t: Tensor, value: float, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return full(t.shape, value, dtype=dtype or t.dtype, requires_grad=requires_grad, device=t.device)


def from_numpy(array: np.ndarray) -> Tensor:
    return Tensor(to_device(array, default_device()))


# every Tensor op that PyTorch also offers as torch.xxx(x, ...)
OP_FUNCTIONS = (
    "exp", "log", "sqrt", "abs", "tanh", "relu", "sigmoid", "expm1", "log1p", "log2", "log10", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "sign", "floor", "ceil", "round",
    "trunc", "square", "reciprocal", "rsqrt", "clamp", "clip", "softmax", "log_softmax", "sum", "mean", "max", "min",
    "argmax", "argmin", "var", "std", "logsumexp", "norm", "all", "any", "cumsum", "cumprod", "cummax", "cummin",
    "reshape", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "swapaxes", "expand", "repeat", "tile",
    "flip", "roll", "triu", "tril", "masked_fill", "gather", "scatter", "scatter_add", "index_select", "sort",
    "argsort", "topk", "take_along_dim", "matmul", "gelu", "silu", "softplus", "elu", "leaky_relu", "hardtanh",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "logical_not", "eq", "ne", "lt", "le", "gt", "ge",
    "exp2", "add", "sub", "mul", "div", "pow", "fmod", "remainder", "copysign", "lerp", "logaddexp", "isnan", "isinf",
    "isfinite", "isclose", "dot", "selu", "celu", "softsign", "hardsigmoid", "hardswish", "mish", "logsigmoid",
    "softmin", "prod", "std_mean", "var_mean", "logcumsumexp", "split", "chunk", "unbind", "unflatten", "diagonal",
    "diag", "repeat_interleave", "masked_select", "nonzero", "scatter_reduce", "minimum", "maximum", "clone",
    "movedim", "moveaxis",
)
def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the subscripts the output leaves out, as ``torch.einsum`` (see `ops.einsum`).

    ``mg.einsum("bij,bjk->bik", a, b)``; operands one by one or as one list; letters shared by
    operands must have equal sizes (or 1, which broadcasts).
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument is the equation string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    ref = next((t for t in operands if isinstance(t, Tensor)), None)
    tensors = [t if isinstance(t, Tensor) else Tensor(t, device=ref.device if ref else None) for t in operands]
    terms, out = einsum_ops.check(equation, [tuple(t.shape) for t in tensors])
    return apply(ops.Einsum, *tensors, terms=terms, out=out)


# (defined last: from here on max, min, sum, all, any, abs and round name these, not the builtins)
for _name in OP_FUNCTIONS:
    if _name not in globals():
        globals()[_name] = _method(_name)
