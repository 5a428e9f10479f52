"""PyTorch's meanings where a learner carries code over: dtypes, error types, edge shapes (issue 17).

Each test pins one behaviour a peer op suite run against minigrad found different from PyTorch.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")


def test_min_of_integers_unsigned_and_bool_is_exact():
    # min was -max(-x): -(-2**31) overflows int32, and unsigned/bool have no negation
    assert mg.Tensor(np.array([0, -2**31], np.int32)).min().item() == -2**31
    assert mg.Tensor(np.array([3, 1, 255], np.uint8)).min().item() == 1
    assert mg.Tensor(np.array([True, False])).min().item() is False
    x = mg.Tensor(np.array([[1.0, -2.0], [-2.0, 3.0]]), requires_grad=True)
    x.min().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5], [0.5, 0]])  # ties share the gradient, as PyTorch's amin


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "logcumsumexp"])
def test_scans_of_a_0d_tensor_stay_0d(op):
    x = mg.Tensor(np.array(1.5, np.float32), requires_grad=True)
    out = getattr(x, op)(0)
    assert out.shape == getattr(torch.tensor(1.5), op)(0).shape == ()
    with pytest.raises(IndexError):
        getattr(x, op)(1)


def test_logcumsumexp_keeps_small_terms_next_to_large_ones():
    x = mg.Tensor(np.array([0.0, 100.0], np.float32))
    np.testing.assert_allclose(x.logcumsumexp(0).numpy(), torch.tensor([0.0, 100.0]).logcumsumexp(0).numpy(),
                               atol=1e-6)


def test_full_takes_its_dtype_from_the_value():
    assert mg.full((2,), 4).dtype == np.int64
    assert mg.full((2,), 4.0).dtype == np.float32
    assert mg.full((2,), True).dtype == np.bool_


def test_integer_linspace_truncates_toward_zero():
    want = torch.linspace(5, -5, 20, dtype=torch.int32).numpy()
    np.testing.assert_array_equal(mg.linspace(5, -5, 20, dtype=np.int32).numpy(), want)
    with pytest.raises(RuntimeError):
        mg.linspace(5, 10, 3, dtype=bool)


def test_triangles_of_a_bool_mask_stay_bool():
    m = mg.ones(3, 3, dtype=bool)
    assert m.triu().dtype == np.bool_ and m.tril(-1).dtype == np.bool_


def test_trunc_division_of_integers_is_exact():
    a = mg.Tensor(np.array([-7, 7, 5, -4], np.int64))
    np.testing.assert_array_equal(a.div(2, rounding_mode="trunc").numpy(), [-3, 3, 2, -2])
    big = mg.Tensor(np.array(2**64 - 1, np.uint64))
    assert int(big.div(1, rounding_mode="trunc").item()) == 2**64 - 1


def test_nonzero_of_a_0d_tensor():
    assert mg.Tensor(np.array(2.5)).nonzero().shape == torch.tensor(2.5).nonzero().shape == (1, 0)
    assert mg.Tensor(np.array(0.0)).nonzero().shape == (0, 0)


@pytest.mark.parametrize("call", [
    lambda: mg.ones(3).clamp(),
    lambda: mg.ones(2, 4).roll((1, 2)),
    lambda: mg.Tensor([1, 2]) ** -2,
    lambda: mg.Tensor([1.0]) << 2,
    lambda: mg.ones(4).topk(5),
    lambda: mg.cat([mg.Tensor(3.0), mg.Tensor(3.0)]),
    lambda: mg.ones(2).div(mg.ones(2), rounding_mode="typo"),
])
def test_errors_are_runtime_errors_as_in_pytorch(call):
    # PyTorch raises RuntimeError; minigrad's also subclass ValueError/TypeError/IndexError, as before
    with pytest.raises(RuntimeError):
        call()


def test_losses_send_a_gradient_to_soft_targets():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.uniform(0, 1, (4, 3))
    for mg_loss, torch_loss in [(lambda a, b: F.binary_cross_entropy_with_logits(a, b),
                                 torch.nn.functional.binary_cross_entropy_with_logits),
                                (lambda a, b: F.cross_entropy(a, b), torch.nn.functional.cross_entropy)]:
        a, b = mg.Tensor(x, requires_grad=True), mg.Tensor(y, requires_grad=True)
        mg_loss(a, b).backward()
        ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
        torch_loss(ta, tb).backward()
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_cross_entropy_of_one_unbatched_row():
    rng = np.random.default_rng(1)
    x, p = rng.standard_normal(5), rng.dirichlet(np.ones(5))
    want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(p)).item()
    assert F.cross_entropy(mg.Tensor(x), mg.Tensor(p)).item() == pytest.approx(want, rel=1e-9)
    want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(3)).item()
    assert F.cross_entropy(mg.Tensor(x), mg.Tensor(np.array(3))).item() == pytest.approx(want, rel=1e-9)


def test_sum_and_prod_take_a_dtype():
    x = mg.Tensor(np.array([100, 100], np.int8))
    assert x.sum(dtype=np.int32).item() == 200 and x.prod(dtype=np.int32).item() == 10000


def test_clone_copies_and_passes_the_gradient():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    c.data[0] = 9.0
    assert x.data[0] == 1.0 and x.contiguous() is x
    (x.clone() * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_randint_and_empty_follow_pytorch_signatures():
    mg.manual_seed(0)
    r = mg.randint(3, 7, (50,))
    assert r.dtype == np.int64 and r.shape == (50,) and 3 <= r.numpy().min() and r.numpy().max() < 7
    assert mg.randint(5, (2, 2)).shape == (2, 2)
    assert mg.empty(2, 3).shape == (2, 3)


def test_integers_and_index_arrays_mixed_index_as_pytorch():
    # NumPy would count the 1 as an index array too and move idx's axes to the front
    x = np.arange(2 * 5 * 6 * 4, dtype=np.float64).reshape(2, 5, 6, 4)
    idx = np.array([[0, 2, 3]])
    want = torch.tensor(x)[1, :, 1:5:2, torch.tensor(idx)]
    t = mg.Tensor(x, requires_grad=True)
    got = t[1, :, 1:5:2, mg.Tensor(idx)]
    assert got.shape == tuple(want.shape) == (5, 2, 1, 3)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    got.sum().backward()
    assert t.grad.numpy().sum() == got.size
    # a tuple inside the index is a list of positions
    want = torch.tensor(x)[1, (2, 1, 0), None, (1, 2, 3)]
    assert mg.Tensor(x)[1, (2, 1, 0), None, (1, 2, 3)].tolist() == want.tolist()


def test_minimum_of_extreme_integers_and_meshgrid_xy():
    a = mg.Tensor(np.array([0, -2**31], np.int32))
    assert a.minimum(mg.Tensor(np.array([-2**31, 0], np.int32))).tolist() == [-2**31, -2**31]
    grids = mg.meshgrid(mg.Tensor([0.0, 1.0, 2.0]), mg.Tensor([3.0, 4.0, 5.0, 6.0]), indexing="xy")
    want = torch.meshgrid(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0, 6.0]), indexing="xy")
    for g, w in zip(grids, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_trunc_division_keeps_the_promoted_dtype_and_scatter_refuses_a_cast():
    q = mg.Tensor(np.array([5, -7], np.int32)).div(mg.Tensor(np.array([-2.0], np.float32)), rounding_mode="trunc")
    assert q.dtype == np.float32 and q.tolist() == [-2.0, 3.0]
    x = mg.zeros(3, dtype=np.float16)
    with pytest.raises(RuntimeError):
        x.scatter(0, mg.Tensor([0, 1]), mg.ones(2))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_interpolation_resizes_integer_images(mode):
    x = np.random.default_rng(0).integers(0, 255, (1, 2, 9, 7)).astype(np.uint8)
    got = F.interpolate(mg.Tensor(x), size=(4, 5), mode=mode)
    want = torch.nn.functional.interpolate(torch.tensor(x), size=(4, 5), mode=mode)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_scatter_reduce_names_its_reductions_and_scatter_multiplies():
    x, idx = mg.ones(2, 3), mg.Tensor([[0, 0, 2]])
    with pytest.raises(RuntimeError):
        x.scatter_reduce(0, idx, x, "INVALID")
    got = mg.full((2, 3), 2.0).scatter(1, mg.Tensor([[0, 0], [1, 2]]), 3.0, reduce="multiply")
    want = torch.full((2, 3), 2.0).scatter(1, torch.tensor([[0, 0], [1, 2]]), 3.0, reduce="multiply")
    np.testing.assert_array_equal(got.numpy(), want.numpy())
