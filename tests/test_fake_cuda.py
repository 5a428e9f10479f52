"""minigrad's ``device="cuda"`` code paths, run on the CPU against a fake CuPy (tests/fake_cupy.py).

The fake refuses what real CuPy refuses (``np.asarray`` of a device array, NumPy
operands mixed with device arrays, ``np.add.at``, NumPy scalars from reductions), so
these tests catch host/device mistakes on any machine. They say nothing about GPU
speed or CUDA kernels' numerics: the real GPU run (tests with the ``device`` fixture)
is still owed.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, backend, data, nn, optim

from . import test_device_training, test_ops
from .fake_cupy import is_device_array, make_cupy
from .helpers import check_op, make_inputs


@pytest.fixture
def cuda(monkeypatch):
    """Install a fresh fake CuPy as minigrad's "cuda" backend for one test; everything is restored after."""
    cupy, cupyx = make_cupy()
    monkeypatch.setattr(backend, "_cupy", cupy)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    mg.manual_seed(0)
    yield cupy
    assert backend.default_device() == "cpu" or backend.set_default_device("cpu")


def on_device(t: Tensor) -> bool:
    return t.device == "cuda" and is_device_array(t.data)


def test_the_fake_bites(cuda):
    """The fake refuses what CuPy refuses, so a pass below means something."""
    x = cuda.asarray(np.ones((2, 3)))
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(x)
    with pytest.raises(TypeError):
        x + np.ones(3)
    with pytest.raises(TypeError):
        np.add.at(x, [0], 1.0)
    assert is_device_array(x.sum()) and is_device_array(np.exp(x)) and not isinstance(x, np.ndarray)
    assert float(x.sum()) == 6.0 and isinstance(x.get(), np.ndarray)


# -- the op catalogue (tests/test_ops.py), every op on "cuda" ---------------------------------------
@pytest.mark.parametrize("name", sorted(test_ops.UNARY))
def test_unary(cuda, name):
    test_ops.test_unary(name, "cuda")


@pytest.mark.parametrize("name", sorted(test_ops.BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))])
def test_binary_broadcast(cuda, name, shapes):
    test_ops.test_binary_broadcast(name, shapes, "cuda")


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 1, (-1, 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(cuda, op, axis, keepdims):
    test_ops.test_reductions(op, axis, keepdims, "cuda")


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3))])
def test_matmul(cuda, shapes):
    test_ops.test_matmul(shapes, "cuda")


@pytest.mark.parametrize("index", test_ops.INDICES, ids=range(len(test_ops.INDICES)))
def test_getitem(cuda, index):
    test_ops.test_getitem(index, "cuda")


def test_getitem_with_host_index_tensor_and_list(cuda):
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, device="cuda")
    y = x[mg.arange(2), [2, 0]]  # the index tensor lives on the host: minigrad moves it
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0, 1], [1, 0, 0]])
    assert on_device(y) and on_device(x.grad)


@pytest.mark.parametrize("test", ["test_pow_with_tensor_exponent", "test_T_property", "test_cat_of_different_sizes",
                                  "test_where", "test_composite_expression"])
def test_other_ops(cuda, test):
    getattr(test_ops, test)("cuda")


@pytest.mark.parametrize("axis", [0, -1])
def test_cat_and_stack(cuda, axis):
    test_ops.test_cat_and_stack(axis, "cuda")


def test_reshape_transpose(cuda):
    test_ops.test_reshape((2, 6), (3, 4), "cuda")
    test_ops.test_transpose((2, 0, 1), "cuda")
