"""The op catalogue: one line per op, read by every op test.

Each `OpCase` says how to call the op in minigrad, NumPy and PyTorch, on which inputs
(shapes and a value range, and points such as a kink to stay away from), and, where
`Value` has the op or can write it from its own ops (softplus = log(1 + exp x)), its
scalar twin. tests/test_op_catalogue.py runs every case
through finite differences (float64), the NumPy forward, the PyTorch oracle, the dtype
rules and the Value-vs-Tensor agreement; tests/test_fake_cuda.py runs them on the fake
CuPy; tests/test_ops.py draws broadcast shapes for the binary ones. Test ids carry the
case name, so ``pytest -k softplus`` finds every test of softplus.

Adding an op: one method on Tensor (or one Function and its method) and one line here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import minigrad as mg

from .conv_cases import ALL as CONV_CASES

try:  # the oracle is optional (the "torch" extra): without it only the PyTorch checks skip
    import torch
    F = torch.nn.functional
except ImportError:  # pragma: no cover - torch is in the test extra
    torch = F = None

SAME = "same"  # torch_fn / scalar: call ``fn`` itself on torch tensors / on Values


@dataclass(frozen=True)
class OpCase:
    name: str
    fn: Callable[..., Any]
    np_fn: Callable[..., Any] | None = None
    torch_fn: Any = SAME
    shapes: tuple = ((3, 4),)
    low: Any = -2.0  # the inputs are uniform in [low, high]: one number, or one per input
    high: Any = 2.0
    away: tuple = ()  # keep inputs at least 0.05 from these points (kinks, jumps)
    scalar: Any = None  # the same op on Values (SAME: fn works on Values as written; or written from Value's ops)
    grad: bool = True  # False for piecewise-constant ops: their gradient must be exactly 0
    broadcast: bool = False  # binary elementwise: also checked over drawn broadcast shapes
    group: str = "elementwise"
    any_shape: bool = True  # elementwise ops: also checked on drawn shapes (False: the op needs a given axis)
    torch_rtol: float = 1e-9  # looser only where PyTorch itself rounds (a float32 constant in a float64 kernel)

    def __str__(self) -> str:
        return self.name

    def bounds(self, i: int) -> tuple[float, float]:
        low = self.low[i] if isinstance(self.low, tuple) else self.low
        high = self.high[i] if isinstance(self.high, tuple) else self.high
        return low, high

    def torch_call(self) -> Callable[..., Any]:
        return self.fn if self.torch_fn == SAME else self.torch_fn


def inputs(case: OpCase, shapes: tuple | None = None, seed: int = 0, dtype: Any = np.float64) -> list[np.ndarray]:
    """The case's inputs as NumPy arrays: uniform in its range, moved away from its kinks."""
    rng = np.random.default_rng(seed)
    out = []
    for i, shape in enumerate(shapes or case.shapes):
        low, high = case.bounds(i)
        x = rng.uniform(low, high, size=shape)
        for point in case.away:
            x = np.where(np.abs(x - point) < 0.05, x + 0.12, x)
        out.append(x.astype(dtype))
    return out


_INTS = np.array([[3, -7, 12], [0, 5, -2]])
_TARGETS = np.array([2, 0, 1, 2, 1])
_PROBS = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.0, 0.5, 0.5]])
_GATHER = np.array([[0, 2, 2, 1], [3, 0, 0, 0], [1, 1, 2, 3]])
_BINARY = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.5, 0.2]])
_TARGETS_3D = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
_SCATTER = np.array([[0, 2], [3, 0], [1, 2]])
_MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def _MASKT() -> Any:
    return torch.from_numpy(_MASK)


def _t(a: np.ndarray) -> Any:
    return torch.from_numpy(a)


CASES = [
    # -- arithmetic (binary ones also over drawn broadcast shapes) ---------------------------------------
    OpCase("add", lambda a, b: a + b, np.add, shapes=((3, 4), (4,)), scalar=SAME, broadcast=True),
    OpCase("sub", lambda a, b: a - b, np.subtract, shapes=((3, 4), (3, 1)), scalar=SAME, broadcast=True),
    OpCase("mul", lambda a, b: a * b, np.multiply, shapes=((2, 1, 4), (3, 1)), scalar=SAME, broadcast=True),
    OpCase("div", lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0), shapes=((3, 4), (4,)),
           scalar=SAME, broadcast=True),
    OpCase("div_direct", lambda a, b: a / b, np.divide, shapes=((3, 4), (4,)), low=(-2, 0.5), high=(2, 2),
           scalar=SAME),
    OpCase("pow", lambda a, b: a ** b, np.power, shapes=((3, 2), (2,)), low=(0.5, -2), high=(2, 2), scalar=SAME,
           broadcast=True),
    OpCase("maximum", lambda a, b: a.maximum(b), np.maximum, torch.maximum if torch else None,
           shapes=((3, 4), (4,)), broadcast=True),
    OpCase("minimum", lambda a, b: a.minimum(b), np.minimum, torch.minimum if torch else None,
           shapes=((3, 4), (4,)), broadcast=True),
    OpCase("remainder", lambda a, b: a % b, np.remainder, shapes=((3, 4), (4,)), low=(0.1, 1.2), high=(1.1, 2)),
    OpCase("remainder_negative", lambda a, b: a % b, np.remainder, shapes=((3, 4), (4,)), low=(-1.1, 1.2),
           high=(-0.1, 2)),
    OpCase("floor_divide", lambda a, b: a // b, np.floor_divide, None, shapes=((3, 4), (4,)), low=(0.1, 1.2),
           high=(1.1, 2), grad=False),
    OpCase("neg", lambda a: -a, np.negative, scalar=SAME),
    OpCase("rsub", lambda a: 2.0 - a, lambda a: 2.0 - a, scalar=SAME),
    OpCase("rdiv", lambda a: 1.0 / a, lambda a: 1.0 / a, low=0.5, scalar=SAME),
    OpCase("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, scalar=SAME),
    OpCase("pow_fraction", lambda a: a ** 0.5, np.sqrt, low=0.5, scalar=SAME),
    OpCase("pow_negative", lambda a: a ** -2, lambda a: a ** -2.0, low=0.5, scalar=SAME),
    OpCase("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, scalar=SAME),
    OpCase("square", lambda a: a.square(), np.square),
    OpCase("reciprocal", lambda a: a.reciprocal(), np.reciprocal, low=0.5),
    # -- elementwise functions ---------------------------------------------------------------------------
    OpCase("exp", lambda a: a.exp(), np.exp, scalar=SAME),
    OpCase("expm1", lambda a: a.expm1(), np.expm1),
    OpCase("log", lambda a: a.log(), np.log, low=0.5, scalar=SAME),
    OpCase("log1p", lambda a: a.log1p(), np.log1p, low=-0.5),
    OpCase("log2", lambda a: a.log2(), np.log2, low=0.5),
    OpCase("log10", lambda a: a.log10(), np.log10, low=0.5),
    OpCase("sqrt", lambda a: a.sqrt(), np.sqrt, low=0.5),
    OpCase("rsqrt", lambda a: a.rsqrt(), lambda a: 1 / np.sqrt(a), low=0.5),
    OpCase("abs", lambda a: a.abs(), np.abs, away=(0.0,)),
    OpCase("sign", lambda a: a.sign(), np.sign, away=(0.0,), grad=False),
    OpCase("floor", lambda a: a.floor(), np.floor, away=(-2, -1, 0, 1, 2), grad=False),
    OpCase("ceil", lambda a: a.ceil(), np.ceil, away=(-2, -1, 0, 1, 2), grad=False),
    OpCase("round", lambda a: a.round(), np.round, away=(-1.5, -0.5, 0.5, 1.5), grad=False),
    OpCase("trunc", lambda a: a.trunc(), np.trunc, away=(-1, 0, 1), grad=False),
    OpCase("sin", lambda a: a.sin(), np.sin),
    OpCase("cos", lambda a: a.cos(), np.cos),
    OpCase("tan", lambda a: a.tan(), np.tan, low=-1.2, high=1.2),
    OpCase("asin", lambda a: a.asin(), np.arcsin, low=-0.9, high=0.9),
    OpCase("acos", lambda a: a.acos(), np.arccos, low=-0.9, high=0.9),
    OpCase("atan", lambda a: a.atan(), np.arctan),
    OpCase("sinh", lambda a: a.sinh(), np.sinh),
    OpCase("cosh", lambda a: a.cosh(), np.cosh),
    OpCase("tanh", lambda a: a.tanh(), np.tanh, scalar=SAME),
    OpCase("asinh", lambda a: a.asinh(), np.arcsinh, low=-5, high=5),
    OpCase("acosh", lambda a: a.acosh(), np.arccosh, low=1.2, high=4),
    OpCase("atanh", lambda a: a.atanh(), np.arctanh, low=-0.9, high=0.9),
    OpCase("erf", lambda a: a.erf(), np.vectorize(math.erf)),
    OpCase("clamp", lambda a: a.clamp(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), away=(-0.5, 0.7)),
    OpCase("clamp_min", lambda a: a.clamp(min=0.3), lambda a: np.maximum(a, 0.3), away=(0.3,)),
    OpCase("clip", lambda a: a.clip(max=0.3), lambda a: np.minimum(a, 0.3), lambda a: a.clip(max=0.3),
           away=(0.3,)),
    OpCase("exp2", lambda a: a.exp2(), np.exp2),
    OpCase("add_alpha", lambda a, b: a.add(b, alpha=2.5), lambda a, b: a + 2.5 * b, shapes=((3, 4), (4,))),
    OpCase("sub_alpha", lambda a, b: a.sub(b, alpha=0.5), lambda a, b: a - 0.5 * b, shapes=((3, 4), (4,))),
    OpCase("mul_method", lambda a, b: a.mul(b), np.multiply, shapes=((3, 4), (3, 1))),
    OpCase("div_method", lambda a, b: a.div(b), np.divide, shapes=((3, 4), (4,)), low=(-2, 0.5), high=(2, 2)),
    OpCase("div_trunc", lambda a, b: a.div(b, rounding_mode="trunc"), lambda a, b: np.trunc(a / b),
           shapes=((3, 4), (4,)), low=(0.1, 1.2), high=(1.1, 2), grad=False),
    OpCase("pow_method", lambda a, b: a.pow(b), np.power, shapes=((3, 2), (2,)), low=(0.5, -2), high=(2, 2)),
    OpCase("fmod", lambda a, b: a.fmod(b), np.fmod, shapes=((3, 4), (4,)), low=(-1.1, 1.2), high=(-0.1, 2)),
    OpCase("copysign", lambda a, b: a.copysign(b), np.copysign, shapes=((3, 4), (4,)), away=(0.0,)),
    OpCase("lerp", lambda a, b: a.lerp(b, 0.3), lambda a, b: a + 0.3 * (b - a), shapes=((3, 4), (4,))),
    OpCase("logaddexp", lambda a, b: a.logaddexp(b), np.logaddexp, shapes=((3, 4), (4,))),
    OpCase("dot", lambda a, b: a.dot(b), np.dot, shapes=((4,), (4,)), group="linalg"),
    # -- activations --------------------------------------------------------------------------------------
    OpCase("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), away=(0.0,), scalar=SAME, group="activation"),
    OpCase("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), scalar=SAME, group="activation"),
    OpCase("leaky_relu", lambda a: a.leaky_relu(0.1), lambda a: np.where(a > 0, a, 0.1 * a),
           lambda a: F.leaky_relu(a, 0.1), away=(0.0,), group="activation"),
    OpCase("leaky_relu_default", lambda a: mg.nn.functional.leaky_relu(a), lambda a: np.where(a > 0, a, 0.01 * a),
           lambda a: F.leaky_relu(a), away=(0.0,), group="activation"),
    OpCase("hardtanh", lambda a: a.hardtanh(), lambda a: np.clip(a, -1, 1), lambda a: F.hardtanh(a),
           away=(-1.0, 1.0), group="activation"),
    OpCase("relu6", lambda a: a.relu6(), lambda a: np.clip(a, 0, 6), lambda a: F.relu6(a), low=-2, high=8,
           away=(0.0, 6.0), group="activation"),
    OpCase("elu", lambda a: a.elu(), lambda a: np.where(a > 0, a, np.expm1(a)), lambda a: F.elu(a),
           away=(0.0,), group="activation"),
    OpCase("elu_alpha", lambda a: mg.nn.functional.elu(a, alpha=0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(a)),
           lambda a: F.elu(a, alpha=0.5), away=(0.0,), group="activation"),
    OpCase("softplus", lambda a: a.softplus(), lambda a: np.log1p(np.exp(a)), lambda a: F.softplus(a),
           scalar=lambda a: (1 + a.exp()).log(), group="activation"),
    OpCase("softplus_beta", lambda a: mg.nn.functional.softplus(a, beta=2, threshold=1),
           lambda a: np.where(2 * a > 1, a, np.log1p(np.exp(2 * a)) / 2),
           lambda a: F.softplus(a, beta=2, threshold=1), away=(0.5,), group="activation"),
    OpCase("silu", lambda a: a.silu(), lambda a: a / (1 + np.exp(-a)), lambda a: F.silu(a),
           scalar=lambda a: a * a.sigmoid(), group="activation"),
    OpCase("gelu", lambda a: a.gelu(), None, lambda a: F.gelu(a), group="activation"),
    OpCase("gelu_tanh", lambda a: a.gelu(approximate="tanh"), None, lambda a: F.gelu(a, approximate="tanh"),
           group="activation"),
    OpCase("selu", lambda a: a.selu(), None, lambda a: F.selu(a), away=(0.0,), group="activation"),
    OpCase("celu", lambda a: a.celu(0.5), None, lambda a: F.celu(a, 0.5), away=(0.0,), group="activation"),
    OpCase("softsign", lambda a: a.softsign(), lambda a: a / (1 + np.abs(a)), lambda a: F.softsign(a),
           group="activation"),
    OpCase("hardsigmoid", lambda a: a.hardsigmoid(), lambda a: np.clip(a / 6 + 0.5, 0, 1),
           lambda a: F.hardsigmoid(a), low=-4, high=4, away=(-3.0, 3.0), group="activation",
           torch_rtol=1e-7),  # PyTorch's backward multiplies by 1/6 as a float32 constant
    OpCase("hardswish", lambda a: a.hardswish(), lambda a: a * np.clip(a / 6 + 0.5, 0, 1),
           lambda a: F.hardswish(a), low=-4, high=4, away=(-3.0, 3.0), group="activation",
           torch_rtol=1e-7),  # as hardsigmoid
    OpCase("mish", lambda a: a.mish(), lambda a: a * np.tanh(np.log1p(np.exp(a))), lambda a: F.mish(a),
           scalar=lambda a: a * (1 + a.exp()).log().tanh(), group="activation"),
    OpCase("logsigmoid", lambda a: a.logsigmoid(), lambda a: -np.log1p(np.exp(-a)), lambda a: F.logsigmoid(a),
           scalar=lambda a: a.sigmoid().log(), group="activation"),
    OpCase("swish", lambda a: a.swish(), lambda a: a / (1 + np.exp(-a)), lambda a: F.silu(a), group="activation"),
    OpCase("tanhshrink", lambda a: a.tanhshrink(), lambda a: a - np.tanh(a), lambda a: F.tanhshrink(a),
           scalar=lambda a: a - a.tanh()),
    OpCase("quick_gelu", lambda a: a.quick_gelu(), lambda a: a / (1 + np.exp(-1.702 * a)),
           lambda a: a * torch.sigmoid(1.702 * a), scalar=lambda a: a * (a * 1.702).sigmoid(), group="activation"),
    OpCase("softmin", lambda a: a.softmin(dim=1), lambda a: np.exp(-a) / np.exp(-a).sum(1, keepdims=True),
           lambda a: F.softmin(a, dim=1), group="activation", any_shape=False),
    OpCase("normalize", lambda a: mg.nn.functional.normalize(a), None, lambda a: F.normalize(a),
           group="activation", any_shape=False),
    OpCase("softmax", lambda a: a.softmax(), lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True),
           lambda a: a.softmax(-1), group="activation", any_shape=False),
    OpCase("softmax_dim0", lambda a: a.softmax(dim=0), lambda a: np.exp(a) / np.exp(a).sum(0, keepdims=True),
           lambda a: a.softmax(0), group="activation", any_shape=False),
    OpCase("log_softmax", lambda a: a.log_softmax(axis=0), lambda a: a - np.log(np.exp(a).sum(0, keepdims=True)),
           lambda a: a.log_softmax(0), group="activation", any_shape=False),
    # -- reductions ---------------------------------------------------------------------------------------
    OpCase("sum", lambda a: a.sum(axis=1), lambda a: a.sum(axis=1), lambda a: a.sum(1), group="reduction"),
    OpCase("sum_dim_keepdim", lambda a: a.sum(dim=(0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdims=True),
           shapes=((2, 3, 4),), group="reduction"),
    OpCase("mean", lambda a: a.mean(axis=0), lambda a: a.mean(0), lambda a: a.mean(0), group="reduction"),
    OpCase("max", lambda a: a.max(axis=1), lambda a: a.max(1), lambda a: a.amax(1), group="reduction"),
    OpCase("max_dim", lambda a: a.max(dim=1).values, lambda a: a.max(1), lambda a: a.max(dim=1).values,
           group="reduction"),
    OpCase("min", lambda a: a.min(), np.min, group="reduction"),
    OpCase("min_dim", lambda a: a.min(dim=0, keepdim=True)[0], lambda a: a.min(0, keepdims=True),
           lambda a: a.min(dim=0, keepdim=True)[0], group="reduction"),
    OpCase("var", lambda a: a.var(axis=1), lambda a: a.var(1, ddof=1), lambda a: a.var(1), group="reduction"),
    OpCase("var_population", lambda a: a.var(dim=0, correction=0), lambda a: a.var(0),
           lambda a: a.var(0, correction=0), group="reduction"),
    OpCase("var_unbiased_false", lambda a: a.var(unbiased=False), lambda a: a.var(),
           lambda a: a.var(unbiased=False), group="reduction"),
    OpCase("std", lambda a: a.std(axis=1, keepdims=True), lambda a: a.std(1, ddof=1, keepdims=True),
           lambda a: a.std(1, keepdim=True), group="reduction"),
    OpCase("std_population", lambda a: a.std(correction=0), lambda a: a.std(), lambda a: a.std(correction=0),
           group="reduction"),
    OpCase("logsumexp", lambda a: a.logsumexp(dim=1), lambda a: np.log(np.exp(a).sum(1)),
           lambda a: a.logsumexp(1), group="reduction"),
    OpCase("logsumexp_all", lambda a: a.logsumexp(), lambda a: np.log(np.exp(a).sum()),
           lambda a: a.logsumexp((0, 1)), group="reduction"),
    OpCase("norm", lambda a: a.norm(), np.linalg.norm, lambda a: a.norm(), group="reduction"),
    OpCase("norm_dim", lambda a: a.norm(dim=1), lambda a: np.linalg.norm(a, axis=1), lambda a: a.norm(dim=1),
           group="reduction"),
    OpCase("norm_1", lambda a: a.norm(p=1), lambda a: np.abs(a).sum(), lambda a: a.norm(p=1), away=(0.0,),
           group="reduction"),
    OpCase("norm_inf", lambda a: a.norm(p=math.inf, dim=0), lambda a: np.abs(a).max(0),
           lambda a: a.norm(p=math.inf, dim=0), away=(0.0,), group="reduction"),
    OpCase("norm_3", lambda a: a.norm(p=3), lambda a: (np.abs(a) ** 3).sum() ** (1 / 3), lambda a: a.norm(p=3),
           away=(0.0,), group="reduction"),
    OpCase("prod", lambda a: a.prod(dim=1), lambda a: a.prod(1), lambda a: a.prod(1), group="reduction"),
    OpCase("prod_all", lambda a: a.prod(), np.prod, shapes=((2, 3),), group="reduction"),
    OpCase("std_mean", lambda a: mg.cat([t.reshape(-1) for t in a.std_mean(dim=1)]),
           lambda a: np.concatenate([a.std(1, ddof=1), a.mean(1)]),
           lambda a: torch.cat([t.reshape(-1) for t in torch.std_mean(a, dim=1)]), group="reduction"),
    OpCase("var_mean", lambda a: a.var_mean(0, correction=0)[0] + a.var_mean(dim=1)[1].sum(),
           lambda a: a.var(0) + a.mean(1).sum(),
           lambda a: torch.var_mean(a, 0, correction=0)[0] + torch.var_mean(a, dim=1)[1].sum(), group="reduction"),
    OpCase("logcumsumexp", lambda a: a.logcumsumexp(dim=1), lambda a: np.logaddexp.accumulate(a, 1),
           lambda a: a.logcumsumexp(1), group="reduction"),
    OpCase("cumsum", lambda a: a.cumsum(dim=1), lambda a: np.cumsum(a, 1), lambda a: a.cumsum(1),
           group="reduction"),
    OpCase("cumprod", lambda a: a.cumprod(dim=0), lambda a: np.cumprod(a, 0), lambda a: a.cumprod(0),
           group="reduction"),
    OpCase("cummax", lambda a: a.cummax(dim=1).values, lambda a: np.maximum.accumulate(a, 1),
           lambda a: a.cummax(1).values, group="reduction"),
    OpCase("cummin", lambda a: a.cummin(dim=0)[0], lambda a: np.minimum.accumulate(a, 0),
           lambda a: a.cummin(0)[0], group="reduction"),
    OpCase("matmul", lambda a, b: a.matmul(b), np.matmul, shapes=((3, 4), (4, 2)), group="linalg"),
    OpCase("matmul_batched", lambda a, b: mg.matmul(a, b), np.matmul, lambda a, b: torch.matmul(a, b),
           shapes=((2, 3, 4), (4,)), group="linalg"),
    # -- shapes ---------------------------------------------------------------------------------------------
    OpCase("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), shapes=((2, 3, 4),), group="shape"),
    OpCase("transpose_reverse", lambda a: a.transpose(), lambda a: a.transpose(), lambda a: a.permute(2, 1, 0),
           shapes=((2, 3, 4),), group="shape"),
    OpCase("transpose_swap", lambda a: a.transpose(0, 2), lambda a: a.swapaxes(0, 2), shapes=((2, 3, 4),),
           group="shape"),
    OpCase("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), shapes=((2, 3, 4),),
           group="shape"),
    OpCase("movedim", lambda a: a.movedim(-1, 0), lambda a: np.moveaxis(a, -1, 0), shapes=((2, 3, 4),),
           group="shape"),
    OpCase("moveaxis", lambda a: a.moveaxis((0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)),
           shapes=((2, 3, 4),), group="shape"),
    OpCase("clone", lambda a: a.clone(), np.copy, group="shape"),
    OpCase("squeeze", lambda a: a.squeeze(), np.squeeze, shapes=((3, 1, 4, 1),), group="shape"),
    OpCase("squeeze_dim", lambda a: a.squeeze(dim=1), lambda a: a.squeeze(1), lambda a: a.squeeze(1),
           shapes=((3, 1, 4, 1),), group="shape"),
    OpCase("unsqueeze", lambda a: a.unsqueeze(-1), lambda a: a[..., None], group="shape"),
    OpCase("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), shapes=((2, 3, 4),), group="shape"),
    OpCase("flatten_from_1", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), shapes=((2, 3, 4),),
           group="shape"),
    OpCase("expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)), shapes=((3, 1),),
           group="shape"),
    OpCase("expand_keep", lambda a: a.expand(2, -1, 4), lambda a: np.broadcast_to(a, (2, 3, 4)), shapes=((3, 1),),
           group="shape"),
    OpCase("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), shapes=((2, 3),), group="shape"),
    OpCase("tile", lambda a: a.tile(2), lambda a: np.tile(a, 2), shapes=((2, 3),), group="shape"),
    OpCase("flip", lambda a: a.flip(0, 2), lambda a: np.flip(a, (0, 2)), lambda a: a.flip((0, 2)),
           shapes=((2, 3, 4),), group="shape"),
    OpCase("roll", lambda a: a.roll(1, 1), lambda a: np.roll(a, 1, 1), group="shape"),
    OpCase("roll_two_dims", lambda a: a.roll((2, -1), (0, 1)), lambda a: np.roll(a, (2, -1), (0, 1)),
           group="shape"),
    OpCase("roll_flat", lambda a: a.roll(5), lambda a: np.roll(a, 5), group="shape"),
    OpCase("triu", lambda a: a.triu(), np.triu, group="shape"),
    OpCase("tril", lambda a: a.tril(-1), lambda a: np.tril(a, -1), group="shape"),
    OpCase("cat", lambda a, b: mg.cat([a, b, a], dim=1), lambda a, b: np.concatenate([a, b, a], 1),
           lambda a, b: torch.cat([a, b, a], dim=1), shapes=((2, 3), (2, 1)), group="shape"),
    OpCase("stack", lambda a, b: mg.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1),
           lambda a, b: torch.stack([a, b], dim=-1), shapes=((2, 3), (2, 3)), group="shape"),
    OpCase("split", lambda a: a.split([1, 3], dim=1)[1], lambda a: a[:, 1:], group="shape"),
    OpCase("chunk", lambda a: a.chunk(2, dim=0)[0], lambda a: a[:2], group="shape"),
    OpCase("unbind", lambda a: a.unbind(1)[2], lambda a: a[:, 2], group="shape"),
    OpCase("unflatten", lambda a: a.unflatten(1, (2, 2)), lambda a: a.reshape(3, 2, 2), group="shape"),
    OpCase("unfold", lambda a: a.unfold(1, 2, 1), None, group="shape"),
    OpCase("diagonal", lambda a: a.diagonal(1), lambda a: np.diagonal(a, 1), group="shape"),
    OpCase("diag", lambda a: a.diag(-1), lambda a: np.diag(a, -1), shapes=((3,),), group="shape"),
    OpCase("repeat_interleave", lambda a: a.repeat_interleave(2, dim=0), lambda a: np.repeat(a, 2, 0),
           group="shape"),
    OpCase("meshgrid", lambda a, b: mg.stack(mg.meshgrid(a, b, indexing="ij")),
           lambda a, b: np.stack(np.meshgrid(a, b, indexing="ij")),
           lambda a, b: torch.stack(torch.meshgrid(a, b, indexing="ij")), shapes=((3,), (4,)), group="shape"),
    # -- indexing ------------------------------------------------------------------------------------------
    OpCase("gather", lambda a: a.gather(1, _GATHER), lambda a: np.take_along_axis(a, _GATHER, 1),
           lambda a: a.gather(1, _t(_GATHER)), group="index"),
    OpCase("gather_dim0", lambda a: a.gather(0, _GATHER[:2] % 3), lambda a: np.take_along_axis(a, _GATHER[:2] % 3, 0),
           lambda a: a.gather(0, _t(_GATHER[:2] % 3)), group="index"),
    OpCase("scatter", lambda a, b: a.scatter(1, _SCATTER, b), None, lambda a, b: a.scatter(1, _t(_SCATTER), b),
           shapes=((3, 4), (3, 2)), group="index"),
    OpCase("scatter_repeated_index", lambda a, b: a.scatter(1, _GATHER[:, :2] % 4, b), None, None,
           shapes=((3, 4), (3, 2)), group="index"),  # the last write wins; PyTorch leaves it unspecified
    OpCase("take_along_dim", lambda a: a.take_along_dim(_GATHER, dim=1), lambda a: np.take_along_axis(a, _GATHER, 1),
           lambda a: a.take_along_dim(_t(_GATHER), dim=1), group="index"),
    OpCase("scatter_add", lambda a, b: a.scatter_add(1, _GATHER, b), None,
           lambda a, b: a.scatter_add(1, _t(_GATHER), b), shapes=((3, 4), (3, 4)), group="index"),
    OpCase("scatter_value", lambda a: a.scatter(0, np.array([[2, 0, 1, 1]]), 7.5), None,
           lambda a: a.scatter(0, torch.tensor([[2, 0, 1, 1]]), 7.5), group="index"),
    OpCase("index_select", lambda a: a.index_select(1, [3, 0, 3]), lambda a: a[:, [3, 0, 3]],
           lambda a: a.index_select(1, torch.tensor([3, 0, 3])), group="index"),
    OpCase("masked_fill", lambda a: a.masked_fill(_MASK, -1.5), lambda a: np.where(_MASK, -1.5, a),
           lambda a: a.masked_fill(_MASKT(), -1.5), group="index"),
    OpCase("where", lambda a, b: mg.where(_MASK, a, b), lambda a, b: np.where(_MASK, a, b),
           lambda a, b: torch.where(_MASKT(), a, b), shapes=((3, 4), (4,)), group="index"),
    OpCase("sort", lambda a: a.sort(dim=1).values, lambda a: np.sort(a, 1), lambda a: a.sort(1).values,
           group="index"),
    OpCase("sort_descending", lambda a: a.sort(0, descending=True)[0], lambda a: -np.sort(-a, 0),
           lambda a: a.sort(0, descending=True)[0], group="index"),
    OpCase("topk", lambda a: a.topk(2, dim=1).values, lambda a: -np.sort(-a, 1)[:, :2],
           lambda a: a.topk(2, dim=1).values, group="index"),
    OpCase("topk_smallest", lambda a: a.topk(3, dim=0, largest=False)[0], lambda a: np.sort(a, 0)[:3],
           lambda a: a.topk(3, dim=0, largest=False)[0], group="index"),
    OpCase("masked_select", lambda a: a.masked_select(_MASK), lambda a: a[_MASK],
           lambda a: a.masked_select(_MASKT()), group="index"),
    OpCase("scatter_reduce_mean", lambda a, b: a.scatter_reduce(1, _GATHER, b, "mean"), None,
           lambda a, b: a.scatter_reduce(1, _t(_GATHER), b, "mean"), shapes=((3, 4), (3, 4)), group="index"),
    OpCase("scatter_reduce_prod", lambda a, b: a.scatter_reduce(1, _GATHER, b, "prod"), None,
           lambda a, b: a.scatter_reduce(1, _t(_GATHER), b, "prod"), shapes=((3, 4), (3, 4)), group="index"),
    OpCase("scatter_reduce_amax", lambda a, b: a.scatter_reduce(1, _GATHER, b, "amax"), None,
           lambda a, b: a.scatter_reduce(1, _t(_GATHER), b, "amax"), shapes=((3, 4), (3, 4)), group="index"),
    OpCase("scatter_reduce_amin_exclude", lambda a, b: a.scatter_reduce(1, _GATHER, b, "amin", include_self=False),
           None, lambda a, b: a.scatter_reduce(1, _t(_GATHER), b, "amin", include_self=False),
           shapes=((3, 4), (3, 4)), group="index"),
    OpCase("scatter_reduce_sum_exclude", lambda a, b: a.scatter_reduce(1, _GATHER, b, "sum", include_self=False),
           None, lambda a, b: a.scatter_reduce(1, _t(_GATHER), b, "sum", include_self=False),
           shapes=((3, 4), (3, 4)), group="index"),
    # -- losses ----------------------------------------------------------------------------------------------
    OpCase("cross_entropy", lambda a: mg.nn.functional.cross_entropy(a, _TARGETS), None,
           lambda a: F.cross_entropy(a, _t(_TARGETS)), shapes=((5, 3),), group="loss"),
    OpCase("cross_entropy_probs", lambda a: mg.nn.functional.cross_entropy(a, _PROBS), None,
           lambda a: F.cross_entropy(a, _t(_PROBS)), shapes=((5, 3),), group="loss"),
    OpCase("cross_entropy_label_smoothing", lambda a: mg.nn.functional.cross_entropy(a, _TARGETS, label_smoothing=0.2),
           None, lambda a: F.cross_entropy(a, _t(_TARGETS), label_smoothing=0.2), shapes=((5, 3),), group="loss"),
    OpCase("cross_entropy_probs_smoothing", lambda a: mg.nn.functional.cross_entropy(a, _PROBS, label_smoothing=0.1),
           None, lambda a: F.cross_entropy(a, _t(_PROBS), label_smoothing=0.1), shapes=((5, 3),), group="loss"),
    OpCase("cross_entropy_weight", lambda a: mg.nn.functional.cross_entropy(a, _TARGETS, weight=[1.0, 2.0, 0.5]),
           None, lambda a: F.cross_entropy(a, _t(_TARGETS), weight=torch.tensor([1.0, 2.0, 0.5], dtype=a.dtype)),
           shapes=((5, 3),), group="loss"),
    OpCase("bce_logits_pos_weight", lambda a: mg.nn.functional.binary_cross_entropy_with_logits(
           a, _BINARY, pos_weight=np.array([1.0, 2.0, 0.5])), None,
           lambda a: F.binary_cross_entropy_with_logits(a, _t(_BINARY), pos_weight=torch.tensor([1.0, 2.0, 0.5],
                                                                                                  dtype=a.dtype)),
           shapes=((5, 3),), group="loss"),
    OpCase("cross_entropy_3d", lambda a: mg.nn.functional.cross_entropy(a, _TARGETS_3D), None,
           lambda a: F.cross_entropy(a, _t(_TARGETS_3D)), shapes=((2, 3, 4),), group="loss"),
    OpCase("nll_loss_3d_weight", lambda a: mg.nn.functional.nll_loss(a, _TARGETS_3D, weight=[0.5, 1.0, 2.0]),
           None, lambda a: F.nll_loss(a, _t(_TARGETS_3D), weight=torch.tensor([0.5, 1.0, 2.0], dtype=a.dtype)),
           shapes=((2, 3, 4),), group="loss"),
    OpCase("nll_loss", lambda a: mg.nn.functional.nll_loss(a.log_softmax(dim=1), _TARGETS), None,
           lambda a: F.nll_loss(a.log_softmax(1), _t(_TARGETS)), shapes=((5, 3),), group="loss"),
    OpCase("nll_loss_sum_ignore", lambda a: mg.nn.functional.nll_loss(a, _TARGETS, reduction="sum", ignore_index=1),
           None, lambda a: F.nll_loss(a, _t(_TARGETS), reduction="sum", ignore_index=1), shapes=((5, 3),),
           group="loss"),
]

# convolution, pooling, padding, resizing, einsum and attention: their own catalogue (many parameter combinations
# per op), read here as lines of this one; PyTorch gets no gradient comparison where minigrad's is the exact one
CASES += [OpCase(c.name, c.fn, None, c.torch_fn if c.torch_grad else None, c.shapes, group="conv") for c in CONV_CASES]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "two catalogue cases share a name"
GROUPS = sorted({c.group for c in CASES})

# integer and boolean ops: exact results, no gradient (forward against NumPy and PyTorch only);
# name: (minigrad fn, NumPy fn[, torch fn when the minigrad spelling does not run on torch tensors])
INT_CASES = {
    "bitwise_and": (lambda a, b: a & b, np.bitwise_and),
    "bitwise_or": (lambda a, b: a | b, np.bitwise_or),
    "bitwise_xor": (lambda a, b: a ^ b, np.bitwise_xor),
    "bitwise_not": (lambda a, b: ~a, lambda a, b: np.invert(a)),
    "shift_left": (lambda a, b: a << 2, lambda a, b: np.left_shift(a, 2)),
    "int_remainder": (lambda a, b: a % 4, lambda a, b: np.remainder(a, 4)),
    "int_floor_divide": (lambda a, b: a // 3, lambda a, b: np.floor_divide(a, 3)),
    "int_pow": (lambda a, b: a ** 2, lambda a, b: a ** 2),
    "eq": (lambda a, b: a == b, np.equal),
    "ne": (lambda a, b: a != b, np.not_equal),
    "lt": (lambda a, b: a < b, np.less),
    "le": (lambda a, b: a <= b, np.less_equal),
    "gt": (lambda a, b: a > b, np.greater),
    "ge": (lambda a, b: a >= b, np.greater_equal),
    "argmax": (lambda a, b: a.argmax(dim=1), lambda a, b: a.argmax(1)),
    "argmin": (lambda a, b: a.argmin(axis=0), lambda a, b: a.argmin(0)),
    "all": (lambda a, b: (a > 0).all(dim=1), lambda a, b: (a > 0).all(1)),
    "any": (lambda a, b: (a > 5).any(), lambda a, b: (a > 5).any()),
    "argsort": (lambda a, b: a.argsort(dim=1), lambda a, b: np.argsort(a, 1, kind="stable")),
    "logical_not": (lambda a, b: (a > 0).logical_not(), lambda a, b: ~(a > 0)),
    "isnan": (lambda a, b: (a / (b - b)).isnan(), lambda a, b: np.isnan(a / (b - b))),
    "isinf": (lambda a, b: (a / (b - b)).isinf(), lambda a, b: np.isinf(a / (b - b))),
    "isfinite": (lambda a, b: (a / (b - b)).isfinite(), lambda a, b: np.isfinite(a / (b - b))),
    "isclose": (lambda a, b: a.float().isclose(b.float()), lambda a, b: np.isclose(a, b)),
    "nonzero": (lambda a, b: (a > 2).nonzero(), lambda a, b: np.stack(np.nonzero(a > 2), -1)),
    "one_hot": (lambda a, b: mg.nn.functional.one_hot(a.abs() % 5, 5),
                lambda a, b: (np.abs(a)[..., None] % 5 == np.arange(5)).astype(np.int64),
                lambda a, b: F.one_hot(a.abs() % 5, 5)),
    "int_div_trunc": (lambda a, b: a.div(b, rounding_mode="trunc"), lambda a, b: np.trunc(a / b).astype(np.int64)),
    "int_fmod": (lambda a, b: a.fmod(b), np.fmod),
}
INT_INPUTS = (_INTS, np.array([[3, 1, 12], [4, 5, -3]]))
