"""Tensor operations: one `Function` per primitive op, its forward right above its backward.

``forward(xp, *arrays, **params)`` computes the result with the array module ``xp``
(numpy or cupy) and saves what backward needs; ``backward(grad)`` returns one
gradient per input. Broadcasting is undone by the single `unbroadcast` helper.
``formulas`` are what each op sends back to its inputs, shown by the REPL when it
steps through a graph. Everything a Tensor can do that is not here is a composite
of these (minigrad/composites.py, minigrad/shaping.py).

    base.py         Function, unbroadcast, axis helpers, the error types (ShapeError, ArgumentError, ...)
    elementwise.py  arithmetic, powers, exp/log/trig/erf..., the zero-gradient step functions
    reduce.py       sum, mean, max, min, cumsum, cumprod, logcumsumexp
    linalg.py       matmul
    shape.py        clone, reshape, transpose, expand, cat, stack
    index.py        a[index], where, gather, scatter
    fused.py        softmax, log_softmax, cross_entropy: one op each, for stability and speed
    device.py       to(device), astype(dtype)
    conv.py         convolution and transposed convolution over 1-3 spatial axes (im2col via as_strided)
    pool.py         max/avg pooling, max unpooling, padding (constant, reflect, replicate, circular)
    einsum.py       Einstein summation
"""
from __future__ import annotations

from .base import (ArgumentError, DTypeError, Function, RangeError, ShapeError, ZeroGradient, expand_reduced,
                   normalize_axes, normalize_axis, prod, rule_text, unbroadcast)
from .conv import (Conv1d, Conv2d, Conv3d, ConvNd, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,
                   ConvTransposeNd)
from .device import AsType, ToDevice
from .einsum import Einsum
from .elementwise import (Abs, Acos, Acosh, Add, Asin, Asinh, Atan, Atanh, Ceil, Cos, Div, Erf, Exp, Expm1, Floor,
                          FloorDivide, Log, Log1p, Maximum, Minimum, Mul, Neg, Pow, PowScalar, ReLU, Remainder,
                          RootOfSquares, Round, Sigmoid, Sign, Sin, Sqrt, Sub, Tanh, Trunc)
from .fused import CrossEntropy, LogSoftmax, Softmax
from .index import (Gather, GetItem, Scatter, ScatterReduce, Where, along_axis, check_gather_index, check_index_bounds,
                    raw_index, split_int_picks)
from .linalg import MatMul
from .pool import (AvgPool1d, AvgPool2d, AvgPool3d, AvgPoolNd, MaxPool1d, MaxPool2d, MaxPool3d, MaxPoolNd, MaxUnpool,
                   Pad)
from .reduce import Cumprod, Cumsum, LogCumSumExp, Max, Mean, Min, Sum, running_extreme_indices
from .shape import Cat, Clone, Expand, Reshape, Stack, Transpose


def primitives() -> dict[str, type]:
    """Every primitive op by class name (the catalogue's and the docs' list of what the engine computes)."""
    return {name: obj for name, obj in globals().items()
            if isinstance(obj, type) and issubclass(obj, Function) and obj not in (Function, ZeroGradient)}
