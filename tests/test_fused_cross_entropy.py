"""ops.CrossEntropy: the fused softmax cross-entropy op agrees with the composed ops and with finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops
from minigrad.tensor import apply


def composed(a: mg.Tensor, targets: np.ndarray, reduction: str) -> mg.Tensor:
    picked = -a.log_softmax(axis=1)[np.arange(len(targets)), targets]
    return picked.mean() if reduction == "mean" else picked.sum()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_composed_ops(device, reduction, dtype):
    rs = np.random.default_rng(1)
    data = rs.standard_normal((6, 5)) * 4
    targets = np.array([0, 4, 1, 1, 3, 2])
    a = mg.Tensor(data, dtype=dtype, requires_grad=True, device=device)
    fused = apply(ops.CrossEntropy, a, targets=mg.Tensor(targets, device=device).data, reduction=reduction)
    fused.backward()
    g_fused, a.grad = a.grad.numpy(), None
    reference = composed(a, mg.Tensor(targets, device=device).data, reduction)
    reference.backward()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert fused.dtype == dtype
    assert fused.item() == pytest.approx(reference.item(), rel=tol, abs=tol)
    np.testing.assert_allclose(g_fused, a.grad.numpy(), rtol=tol * 10, atol=tol)


def test_gradient_matches_finite_differences():
    rs = np.random.default_rng(2)
    a = mg.Tensor(rs.standard_normal((4, 3)), dtype=np.float64, requires_grad=True)
    targets = np.array([2, 0, 0, 1])
    assert mg.gradcheck(lambda x: apply(ops.CrossEntropy, x, targets=targets, reduction="mean") * 3.0, [a])


def test_large_logits_do_not_overflow():
    a = mg.Tensor(np.array([[1000.0, 0.0], [0.0, -1000.0]], dtype=np.float32), requires_grad=True)
    loss = apply(ops.CrossEntropy, a, targets=np.array([0, 1]), reduction="mean")
    loss.backward()
    assert loss.item() == pytest.approx(500.0)
    np.testing.assert_allclose(a.grad.numpy(), [[0.0, 0.0], [0.5, -0.5]], atol=1e-6)


def test_upstream_gradient_scales_and_accumulates():
    a = mg.Tensor(np.zeros((2, 2), dtype=np.float32), requires_grad=True)
    loss = apply(ops.CrossEntropy, a, targets=np.array([0, 1]), reduction="sum")
    loss.backward(np.float32(2.0) * np.ones((), np.float32), retain_graph=True)
    loss.backward(np.ones((), np.float32))  # backward twice adds up
    np.testing.assert_allclose(a.grad.numpy(), 3.0 * np.array([[-0.5, 0.5], [0.5, -0.5]]), atol=1e-6)
