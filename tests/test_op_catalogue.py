"""Every op of the catalogue (tests/op_cases.py), checked five ways.

1. forward against NumPy and gradient against centred finite differences, in float64,
   on every device of the `device` fixture (cpu, and cuda where there is one);
2. forward and gradient against PyTorch from the same float64 inputs (rtol 1e-9),
   elementwise ops also over drawn shapes;
3. dtypes: float32 in, float32 out and float32 gradients (no silent float64);
4. the scalar twin: where `Value` has the op, Value and a 0-d Tensor agree;
5. piecewise-constant ops (floor, sign, ...) send exactly zero gradient.

The fake-CuPy run of (1) is in tests/test_fake_cuda.py, the drawn broadcast shapes of the
binary ops in tests/test_ops.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

from minigrad import Tensor, Value

from .helpers import check_op
from .op_cases import CASES, INT_CASES, INT_INPUTS, SAME, OpCase, inputs, torch

RTOL, ATOL = 1e-9, 1e-12  # both sides compute in float64: anything looser would hide a wrong formula
ELEMENTWISE_UNARY = [c for c in CASES if c.group in ("elementwise", "activation") and len(c.shapes) == 1
                     and c.any_shape]
WITH_TORCH = [c for c in CASES if c.torch_fn is not None]


def tensors(case: OpCase, device: str = "cpu", shapes: tuple | None = None, dtype=np.float64) -> list[Tensor]:
    return [Tensor(x, requires_grad=True, dtype=dtype, device=device) for x in inputs(case, shapes, dtype=dtype)]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forward_and_finite_differences(case, device):
    check_op(case.fn, case.np_fn, tensors(case, device))


def compare_with_torch(case: OpCase, arrays: list[np.ndarray]) -> None:
    """The case in minigrad and in PyTorch from the same arrays: equal values, equal gradients."""
    ours = [Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    theirs = [torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True) for a in arrays]
    out, expected = case.fn(*ours), case.torch_call()(*theirs)
    assert out.shape == tuple(expected.shape), f"shape {out.shape} != torch {tuple(expected.shape)}"
    rtol = max(RTOL, case.torch_rtol)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=rtol, atol=ATOL,
                               err_msg="forward differs from torch")
    if not case.grad:
        return
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=out.shape)
    (out * Tensor(w, dtype=np.float64)).sum().backward()
    (expected * torch.tensor(w, dtype=torch.float64)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        want = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        assert got.dtype == np.float64, f"input {i}: gradient dtype {got.dtype}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=ATOL, err_msg=f"gradient of input {i} differs from torch")


@pytest.mark.parametrize("case", WITH_TORCH, ids=str)
def test_like_torch(case):
    pytest.importorskip("torch")
    compare_with_torch(case, inputs(case))


@pytest.mark.parametrize("case", ELEMENTWISE_UNARY, ids=str)
@settings(max_examples=8)  # per op: ~80 ops x 8 shapes keeps the suite fast; scripts/fuzz_ops.py runs for longer
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
def test_elementwise_like_torch_on_drawn_shapes(case, shape):
    pytest.importorskip("torch")
    if case.torch_fn is None:
        return
    compare_with_torch(case, inputs(case, (shape,), seed=len(shape)))


@pytest.mark.parametrize("case", [c for c in CASES if c.grad], ids=str)
def test_float32_stays_float32(case):
    xs = tensors(case, dtype=np.float32)
    out = case.fn(*xs)
    assert out.dtype == np.float32, f"{case.name} gave {out.dtype} from float32 inputs"
    out.sum().backward()
    for i, x in enumerate(xs):
        assert x.grad is None or x.grad.dtype == np.float32, f"gradient of input {i} is {x.grad.dtype}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.grad], ids=str)
def test_piecewise_constant_ops_send_zero_gradient(case):
    xs = tensors(case)
    (case.fn(*xs) * 3.0).sum().backward()
    for x in xs:
        assert x.grad is not None and not np.any(x.grad.numpy())


@pytest.mark.parametrize("case", [c for c in CASES if c.scalar is not None], ids=str)
def test_value_and_tensor_agree(case):
    arrays = inputs(case, tuple(() for _ in case.shapes))
    values = [Value(float(a)) for a in arrays]
    ts = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    scalar = case.fn if case.scalar == SAME else case.scalar
    v, t = scalar(*values), case.fn(*ts)
    v.backward()
    t.backward()
    assert t.item() == pytest.approx(v.data, rel=1e-12)
    for value, tensor in zip(values, ts):
        assert tensor.grad.item() == pytest.approx(value.grad, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", sorted(INT_CASES))
def test_integer_and_boolean_ops_exactly(name):
    fn, np_fn, *torch_fn = INT_CASES[name]
    a, b = INT_INPUTS
    with np.errstate(divide="ignore", invalid="ignore"):
        out = fn(Tensor(a), Tensor(b))
        expected = np.asarray(np_fn(a, b))
    assert out.dtype == expected.dtype and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), expected)
    if torch is not None:
        theirs = (torch_fn[0] if torch_fn else fn)(torch.from_numpy(a), torch.from_numpy(b))
        np.testing.assert_array_equal(out.numpy(), theirs.numpy())


def test_catalogue_names_every_op_function():
    """Each mg.xxx op function appears in some catalogue case (a new op comes with its line)."""
    from minigrad.functions import OP_FUNCTIONS

    import inspect

    from . import op_cases

    source = inspect.getsource(op_cases)
    untested = [name for name in OP_FUNCTIONS if f".{name}(" not in source and f"mg.{name}(" not in source
                and f"{name}" not in INT_CASES]
    assert not untested, f"ops without a catalogue line: {untested}"
