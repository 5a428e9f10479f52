"""Ops beyond the catalogue's one line each: broadcasting, axes, indices, ties, edge values, error messages.

Every op's plain forward/finite-difference check is in tests/test_op_catalogue.py (from
tests/op_cases.py). Runs on every device of the `device` fixture (cpu always, cuda when a GPU is present).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import Tensor
from minigrad.ops import ShapeError, unbroadcast

from .helpers import check_op, make_inputs
from .op_cases import CASES, inputs

BROADCAST = [c for c in CASES if c.broadcast]  # the binary elementwise ops of the catalogue


@pytest.mark.parametrize("case", BROADCAST, ids=str)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))])
def test_binary_broadcast(case, shapes, device):
    check_op(case.fn, case.np_fn, [mg.Tensor(x, requires_grad=True, device=device)
                                   for x in inputs(case, shapes)])


def test_pow_with_tensor_exponent(device):
    a, b = make_inputs([(3, 2), (2,)], device, positive=True)
    check_op(lambda a, b: a ** b, lambda a, b: a ** b, [a, b])


REDUCTIONS = [None, 0, 1, -1, (0, 2), (-1, 0)]


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", REDUCTIONS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(op, axis, keepdims, device):
    (x,) = make_inputs([(2, 3, 4)], device)
    check_op(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims),
             lambda a: getattr(np, op if op != "max" else "max")(a, axis=axis, keepdims=keepdims), [x])


def test_max_splits_gradient_between_ties():
    x = mg.Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5])


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                                    ((4,), (2, 4, 3)), ((2, 3, 4), (4,))])
def test_matmul(shapes, device):
    check_op(lambda a, b: a @ b, np.matmul, make_inputs(shapes, device))


def test_matmul_shape_error_names_op_and_shapes():
    a, b = mg.randn(3, 4), mg.randn(5, 2)
    with pytest.raises(ShapeError, match=r"@.*\(3, 4\).*\(5, 2\)"):
        a @ b


def test_broadcast_shape_error_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"\+.*\(3, 4\).*\(3,\)"):
        mg.randn(3, 4) + mg.randn(3)


@pytest.mark.parametrize("shape, new", [((2, 6), (3, 4)), ((2, 6), (-1,)), ((24,), (2, 3, 4))])
def test_reshape(shape, new, device):
    (x,) = make_inputs([shape], device)
    check_op(lambda a: a.reshape(*new), lambda a: a.reshape(new), [x])


@pytest.mark.parametrize("axes", [(), (1, 0, 2), (2, 0, 1)])
def test_transpose(axes, device):
    (x,) = make_inputs([(2, 3, 4)], device)
    check_op(lambda a: a.transpose(*axes), lambda a: np.transpose(a, axes or None), [x])


def test_T_property(device):
    (x,) = make_inputs([(2, 3)], device)
    check_op(lambda a: a.T, lambda a: a.T, [x])


INDICES = [
    (slice(1, 3),),
    (slice(None), 1),
    (Ellipsis, slice(None, None, 2)),
    (1, -1),
    (np.array([0, 2, 0, 0]),),              # repeated rows: their gradients must add up
    (np.array([0, 1, 1]), np.array([2, 0, 0])),
    (slice(None), np.array([3, 3, 1])),
]


@pytest.mark.parametrize("index", INDICES, ids=range(len(INDICES)))
def test_getitem(index, device):
    (x,) = make_inputs([(3, 4)], device)
    idx = index if len(index) > 1 else index[0]
    if device == "cuda":
        import cupy
        idx = tuple(cupy.asarray(i) if isinstance(i, np.ndarray) else i for i in index)
        idx = idx if len(idx) > 1 else idx[0]
    check_op(lambda a: a[idx], lambda a: a[index if len(index) > 1 else index[0]], [x])


def test_repeated_index_gradient_counts_each_use():
    x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mg.Tensor(np.array([0, 0, 2, 0]))].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_integer_array_index_via_tensor_and_list():
    x = mg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x[mg.arange(2), [2, 0]]
    np.testing.assert_allclose(y.numpy(), [2.0, 3.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat_and_stack(axis, device):
    a, b, c = make_inputs([(2, 3), (2, 3), (2, 3)], device)
    check_op(lambda *xs: mg.cat(xs, axis=axis), lambda *xs: np.concatenate(xs, axis=axis), [a, b, c])
    check_op(lambda *xs: mg.stack(xs, axis=axis), lambda *xs: np.stack(xs, axis=axis), [a, b, c])


def test_cat_of_different_sizes(device):
    a, b = make_inputs([(2, 3), (2, 5)], device)
    check_op(lambda a, b: mg.cat([a, b], axis=1), lambda a, b: np.concatenate([a, b], axis=1), [a, b])


def test_where(device):
    a, b = make_inputs([(3, 4), (4,)], device)
    cond_np = np.random.default_rng(1).random((3, 4)) > 0.5
    cond = mg.Tensor(cond_np, device=device)
    check_op(lambda a, b: mg.where(cond, a, b), lambda a, b: np.where(cond_np, a, b), [a, b])


def test_where_with_scalar_branch():
    x = mg.Tensor([-1.0, 2.0], requires_grad=True)
    y = mg.where(x > 0, x, 0.0)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0])


def test_softmax_is_stable_for_huge_logits():
    x = mg.Tensor([[1000.0, 1001.0, 1002.0]], requires_grad=True)
    s = x.softmax()
    ls = x.log_softmax()
    assert np.all(np.isfinite(s.numpy())) and np.all(np.isfinite(ls.numpy()))
    np.testing.assert_allclose(s.numpy().sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(ls.numpy(), np.log(s.numpy()), rtol=1e-5)


def test_sigmoid_is_stable_for_huge_inputs():
    x = mg.Tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(x.sigmoid().numpy(), [0.0, 0.5, 1.0])


def test_composite_expression(device):
    a, b = make_inputs([(4, 3), (3,)], device)
    check_op(lambda a, b: ((a * b).tanh() @ b.reshape(3, 1)).relu().sum(axis=1) / 3.0,
             lambda a, b: np.maximum(np.tanh(a * b) @ b.reshape(3, 1), 0).sum(axis=1) / 3.0, [a, b])


# -- hypothesis: broadcasting over random shapes -----------------------------------------------------
@pytest.mark.parametrize("case", BROADCAST, ids=str)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_broadcast_gradients_hypothesis(case, shapes):
    check_op(case.fn, case.np_fn, [mg.Tensor(x, requires_grad=True) for x in
                                   inputs(case, shapes.input_shapes, seed=len(shapes.input_shapes[0]))])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data(),
       op=st.sampled_from(["sum", "mean", "max"]), keepdims=st.booleans())
def test_reduction_gradients_hypothesis(shape, data, op, keepdims):
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda a: a % len(shape),
                              max_size=len(shape)))
    axis = tuple(axes) if axes else None
    (x,) = make_inputs([shape], "cpu")
    check_op(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims),
             lambda a: getattr(np, op)(a, axis=axis, keepdims=keepdims), [x])


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_unbroadcast_is_adjoint_of_broadcast(shapes):
    """<broadcast(x), g> == <x, unbroadcast(g)> for every x, g: the definition of an adjoint."""
    shape = shapes.input_shapes[0]
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    g = rng.normal(size=shapes.result_shape)
    lhs = float((np.broadcast_to(x, g.shape) * g).sum())
    rhs = float((x * unbroadcast(g, shape)).sum())
    assert unbroadcast(g, shape).shape == shape
    assert np.isclose(lhs, rhs)


@pytest.mark.parametrize("op", ["maximum", "max"])
def test_max_and_maximum_send_gradients_in_the_input_dtype(op):
    x = mg.Tensor(np.array([[1.0, -2.0], [3.0, 3.0]], np.float32), requires_grad=True)
    h = x * 1.0  # an intermediate: its upstream gradient is what max sends on
    out = h.maximum(0.0) if op == "maximum" else h.max(axis=1)
    dtypes = {step.node.op or "leaf": str(step.grad.dtype) for step in out.sum().backward_steps()}
    assert dtypes["*"] == "float32", dtypes


# -- audit: axes given as NumPy integers or lists, repeated, empty, on 0-d and empty tensors ---------
@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_reduction_axes_as_numpy_ints_and_lists(op):
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    by_int = getattr(x, op)(axis=np.int64(-1))
    by_list = getattr(x, op)(axis=[np.int32(0), -1], keepdims=True)
    np.testing.assert_allclose(by_int.numpy(), getattr(np, op)(x.numpy(), axis=-1))
    np.testing.assert_allclose(by_list.numpy(), getattr(np, op)(x.numpy(), axis=(0, 2), keepdims=True))
    (by_int.sum() + by_list.sum()).backward()
    assert x.grad.shape == (2, 3, 4)


def test_repeated_axis_is_refused_clearly():
    with pytest.raises(ShapeError, match="same axis twice"):
        Tensor(np.ones((2, 3))).sum(axis=(1, -1))
    with pytest.raises(TypeError, match="axis must be an int"):
        Tensor(np.ones((2, 3))).sum(axis=1.0)


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_empty_axis_tuple_reduces_nothing(op):
    # NumPy's rule (PyTorch's dim=() would reduce everything): the identity, gradient all ones
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = getattr(x, op)(axis=())
    assert y.shape == (2, 3) and y.numpy().tolist() == x.numpy().tolist()
    y.sum().backward()
    assert x.grad.numpy().tolist() == [[1.0] * 3] * 2


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 0, -1, ()])
def test_reductions_of_0d_tensors(op, axis):
    x = Tensor(np.array(2.5), requires_grad=True)
    y = getattr(x, op)(axis=axis, keepdims=True)
    assert y.shape == () and y.item() == 2.5
    y.backward()
    assert x.grad.shape == () and x.grad.item() == 1.0


@pytest.mark.parametrize("axis", [(-1, -3), (-3, -1), (0, -1)])
def test_max_keepdims_with_negative_tuple_axes_and_ties(axis):
    a = np.array([[[1.0, 4.0], [4.0, 0.0]], [[4.0, 2.0], [3.0, 4.0]]])  # both maxima over (0, 2) are tied
    x = Tensor(a, requires_grad=True)
    y = x.max(axis=axis, keepdims=True)
    assert y.shape == (1, 2, 1)
    np.testing.assert_allclose(y.numpy(), a.max(axis=(0, 2), keepdims=True))
    y.sum().backward()
    expected = (a == a.max(axis=(0, 2), keepdims=True)) / (a == a.max(axis=(0, 2), keepdims=True)).sum(
        axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), expected)  # each maximum appears twice: 1/2 to each


def test_power_gradients_at_a_zero_base_follow_pytorch():
    x = Tensor(np.array([0.0, 0.0, 1.0]), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 and 0 * inf are computed, then masked
        (x ** 0).sum().backward()
        assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0]  # a ** 0 is constant (was nan at 0)
        x.grad = None
        (x ** 0.5).sum().backward()
        assert x.grad.numpy().tolist() == [np.inf, np.inf, 0.5]
        x.grad = None
        b = Tensor(np.array([0.0, 2.0, 0.0]), requires_grad=True)
        (x ** b).sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0] and b.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_cat_of_0d_tensors_is_a_clear_error():
    x = Tensor(np.array(1.0), requires_grad=True)
    # PyTorch's RuntimeError; an IndexError too, as a 0-d tensor has no axis 0
    with pytest.raises(mg.ops.RangeError, match="cat.*zero-dimensional"):
        mg.cat([x, x])
    assert mg.stack([x, x]).shape == (2,)


def test_float16_mean_adds_in_float32():
    x = Tensor(np.full(100_000, 1.0, dtype=np.float16), requires_grad=True)
    m = x.mean()
    assert m.dtype == np.float16 and m.item() == 1.0  # the float16 sum (100000) would overflow to inf
    m.backward()
    assert x.grad.dtype == np.float16 and x.grad.numpy()[0] == np.float16(1e-5)
