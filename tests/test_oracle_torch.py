"""PyTorch as an oracle: every op, loss and optimizer step against torch from the same float64 inputs.

The tinygrad test_ops idea: one helper (`compare`) runs the same function in minigrad
and in torch, then checks the forward result and the gradient of every input. Where
the two APIs differ (torch's ``amax``/``dim`` against our ``max``/``axis``, negative
slice steps torch lacks) a second function gives the torch spelling.

Optional: torch is in the ``bench`` extra only, so without it the whole module is skipped.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")
F = torch.nn.functional

import minigrad as mg  # noqa: E402
from minigrad import nn, optim  # noqa: E402

from .op_cases import BY_NAME, CASES, inputs  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12  # both sides compute in float64: anything looser would hide a wrong formula


def _inputs(shapes: Sequence[tuple], seed: int, low: float, high: float) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=s) for s in shapes]


def compare(fn: Callable, shapes_or_arrays: Sequence, torch_fn: Callable | None = None, seed: int = 0,
            low: float = -2.0, high: float = 2.0, grad: bool = True) -> None:
    """Run ``fn`` on minigrad tensors and ``torch_fn or fn`` on torch tensors made from the same float64
    arrays; assert equal forward values and equal gradients for every input.

    The backward pass starts from fixed random weights (``(out * w).sum()``) so that every
    output element, and a wrong sign or transposition in any of them, shows up in the gradients.
    """
    arrays = [np.asarray(a, dtype=np.float64) if not isinstance(a, tuple) else None for a in shapes_or_arrays]
    shapes = [s for s in shapes_or_arrays if isinstance(s, tuple)]
    drawn = iter(_inputs(shapes, seed, low, high))
    arrays = [next(drawn) if a is None else a for a in arrays]
    ours = [mg.Tensor(a.copy(), requires_grad=grad, dtype=np.float64) for a in arrays]
    theirs = [torch.tensor(a.copy(), dtype=torch.float64, requires_grad=grad) for a in arrays]
    out = fn(*ours)
    expected = (torch_fn or fn)(*theirs)
    assert out.shape == tuple(expected.shape), f"shape {out.shape} != torch {tuple(expected.shape)}"
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg="forward differs from torch")
    if not grad:
        return
    w = np.random.default_rng(seed + 1).uniform(0.5, 1.5, size=out.shape)
    (out * mg.Tensor(w, dtype=np.float64)).sum().backward()
    (expected * torch.tensor(w, dtype=torch.float64)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        expected_grad = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        assert got.dtype == np.float64, f"input {i}: gradient dtype {got.dtype}"
        np.testing.assert_allclose(got, expected_grad, rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient of input {i} differs from torch")


# -- elementwise (each op's own check is the catalogue's: tests/test_op_catalogue.py::test_like_torch) ---------
@pytest.mark.parametrize("case", [c for c in CASES if c.broadcast], ids=str)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_binary_ops_broadcast_like_torch(case, shapes):
    compare(case.fn, inputs(case, shapes.input_shapes), case.torch_call())


@pytest.mark.parametrize("scalar", [2.5, -1.5, 3, 0])
def test_scalar_operands_on_either_side(scalar):
    compare(lambda a: (a + scalar) * 2 - scalar / (a * a + 1) + (scalar - a) * scalar, [(3, 2)])


@pytest.mark.parametrize("p", [2, 3, 0.5, -1.0, -2, 0, 1])
def test_power_with_scalar_exponent(p):
    compare(lambda a: a ** p, [(4, 3)], low=0.3, high=2.0)


def test_maximum_ties_split_the_gradient_like_torch():
    a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    b = np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 5.0]])
    compare(lambda x, y: x.maximum(y), [a, b], torch.maximum)


@pytest.mark.parametrize("name", ["relu", "abs", "leaky_relu", "sigmoid", "tanh", "exp", "elu", "hardtanh",
                                  "relu6", "clamp", "sign", "floor", "round", "softplus", "silu", "gelu"])
def test_unary_ops_at_zero_and_on_0d_tensors(name):
    case = BY_NAME[name]
    compare(case.fn, [np.array([0.0, -0.0, 1.0, -1.0])], case.torch_call())  # the kinks: torch's choice at 0
    compare(case.fn, [np.array(0.7)], case.torch_call())


def test_softmax_of_huge_logits_like_torch():
    big = np.array([[1000.0, 999.0, -1000.0], [-5e3, 0.0, 5e3]])
    compare(lambda a: a.softmax(), [big], lambda a: a.softmax(-1))
    compare(lambda a: a.log_softmax(), [big], lambda a: a.log_softmax(-1))


# -- reductions -----------------------------------------------------------------------------------
AXES = [None, 0, 1, -1, -3, (0, 2), (-1, 0), (2, -2, 0)]


def _torch_reduce(op: str, axis, keepdims: bool) -> Callable:
    dim = tuple(range(3)) if axis is None else axis
    if op == "max":
        return lambda a: torch.amax(a, dim=dim, keepdim=keepdims)  # amax splits ties evenly, as we do
    if op == "var":  # both with their default: Bessel's correction (divide by n - 1)
        return lambda a: torch.var(a, dim=dim, keepdim=keepdims)
    return lambda a: getattr(torch, op)(a, dim=dim, keepdim=keepdims)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "var"])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_like_torch(op, axis, keepdims):
    compare(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims), [(2, 3, 4)], _torch_reduce(op, axis, keepdims))


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_max_with_ties_like_torch_amax(axis):
    a = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, 5.0]])
    dim = (0, 1) if axis is None else axis
    compare(lambda x: x.max(axis=axis), [a], lambda x: torch.amax(x, dim=dim))


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3))
def test_reductions_over_drawn_axes_like_torch(data, shape):
    ndim = len(shape)
    axes = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda a: a % ndim), label="axes")
    keepdims = data.draw(st.booleans(), label="keepdims")
    op = data.draw(st.sampled_from(["sum", "mean", "max", "var"]), label="op")
    axis = tuple(axes)
    compare(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims), [shape], _torch_reduce(op, axis, keepdims))


# -- matmul ---------------------------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 2, 3), (4, 3, 2))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_like_torch(shapes):
    compare(lambda a, b: a @ b, list(shapes))


# -- shape ops and indexing -----------------------------------------------------------------------
def test_reshape_and_transpose_like_torch():
    compare(lambda a: a.reshape(4, -1) * 2, [(2, 3, 4)])
    compare(lambda a: a.reshape((6, 4)).T, [(2, 3, 4)])
    compare(lambda a: a.transpose(2, 0, 1), [(2, 3, 4)], lambda a: a.permute(2, 0, 1))
    compare(lambda a: a.transpose(), [(2, 3, 4)], lambda a: a.permute(2, 1, 0))  # NumPy's default: reverse
    compare(lambda a: a.transpose(-1, 0, -2), [(2, 3, 4)], lambda a: a.permute(2, 0, 1))
    compare(lambda a: a.reshape(()), [(1, 1)], lambda a: a.reshape(()))


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
INDICES = {
    "int": (2, None),
    "negative int": ((-1, -2), None),
    "slice": ((slice(1, None), slice(None, 3)), None),
    "slice with step": ((slice(None, None, 2), slice(1, None, 2)), None),
    "negative slice bounds": ((slice(-2, None), slice(None, -1)), None),
    "None": ((None, 1, slice(None), None), None),
    "Ellipsis": ((Ellipsis, 1), None),
    "Ellipsis and None": ((1, Ellipsis, None), None),
    "integer array with repeats": (np.array([0, 2, 0, 0]), None),
    "two integer arrays": ((np.array([0, 0, 2, 1]), np.array([3, 3, 1, 0])), None),
    "integer array and slice": ((slice(1, None), np.array([1, 1, 3])), None),
    "negative integer array": ((np.array([-1, -3, -1]),), None),
    "2-D integer array": ((np.array([[0, 1], [1, 1]]),), None),
    "boolean mask": (MASK, None),
    "boolean row mask": ((np.array([True, False, True]),), None),
}


def _torch_index(index):
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    return torch.from_numpy(index) if isinstance(index, np.ndarray) else index


@pytest.mark.parametrize("name", sorted(INDICES))
def test_indexing_like_torch(name):
    index, _ = INDICES[name]
    compare(lambda a: a[index], [(3, 4)], lambda a: a[_torch_index(index)])


def test_negative_steps_match_torch_flip():
    # torch has no negative slice steps: a[::-1, ::-2] is flip then a positive step
    compare(lambda a: a[::-1, ::-2], [(3, 5)], lambda a: a.flip(0).flip(1)[:, ::2])
    compare(lambda a: a[2:0:-1], [(4, 2)], lambda a: a.flip(0)[1:3])


def test_indexing_with_tensors_like_torch():
    rows = mg.Tensor(np.array([2, 0, 2]))
    compare(lambda a: a[rows], [(3, 4)], lambda a: a[torch.tensor([2, 0, 2])])
    compare(lambda a: a[a > 0.0], [(3, 4)], lambda a: a[a > 0.0])


def test_cat_stack_where_like_torch():
    compare(lambda a, b: mg.cat([a, b, a], axis=1), [(2, 3), (2, 1)], lambda a, b: torch.cat([a, b, a], dim=1))
    compare(lambda a, b: mg.stack([a, b, a], axis=-1), [(2, 3), (2, 3)],
            lambda a, b: torch.stack([a, b, a], dim=-1))
    cond = np.array([[True, False, True], [False, False, True]])
    compare(lambda a, b: mg.where(cond, a, b), [(2, 3), (3,)],
            lambda a, b: torch.where(torch.from_numpy(cond), a, b))
    compare(lambda a: mg.where(cond, a, 0.0), [(2, 3)], lambda a: torch.where(torch.from_numpy(cond), a, 0.0))


def test_composite_network_like_torch():
    def net(x, w1, b1, w2):
        h = (x @ w1 + b1).tanh()
        return (h @ w2).log_softmax(axis=-1).mean(axis=0) + (h * h).var(axis=1, correction=0).sum()

    def torch_net(x, w1, b1, w2):
        h = (x @ w1 + b1).tanh()
        return (h @ w2).log_softmax(-1).mean(0) + (h * h).var(1, correction=0).sum()

    compare(net, [(5, 3), (3, 4), (4,), (4, 2)], torch_net)


# -- losses ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_like_torch(reduction):
    targets = np.array([2, 0, 1, 2, 2])
    compare(lambda a: nn.functional.cross_entropy(a, targets, reduction=reduction), [(5, 3)],
            lambda a: F.cross_entropy(a, torch.from_numpy(targets), reduction=reduction), low=-4, high=4)


def test_fused_cross_entropy_op_like_torch():
    from minigrad import ops
    from minigrad.tensor import apply

    targets = np.array([1, 1, 0, 3])
    for reduction in ("mean", "sum"):
        compare(lambda a: apply(ops.CrossEntropy, a, targets=targets, reduction=reduction), [(4, 4)],
                lambda a: F.cross_entropy(a, torch.from_numpy(targets), reduction=reduction))
    huge = np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 3e4]])
    compare(lambda a: nn.functional.cross_entropy(a, [1, 2]), [huge],
            lambda a: F.cross_entropy(a, torch.tensor([1, 2])))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_and_binary_losses_like_torch(reduction):
    y = np.random.default_rng(3).integers(0, 2, size=(6, 2)).astype(np.float64)
    ty = torch.from_numpy(y)
    t = np.random.default_rng(4).standard_normal((6, 2))  # targets are constants: no gradient flows into them
    compare(lambda a: nn.functional.mse_loss(a, t, reduction=reduction), [(6, 2)],
            lambda a: F.mse_loss(a, torch.from_numpy(t), reduction=reduction))
    compare(lambda a: nn.functional.binary_cross_entropy(a, y, reduction=reduction), [(6, 2)],
            lambda a: F.binary_cross_entropy(a, ty, reduction=reduction), low=0.05, high=0.95)
    compare(lambda a: nn.functional.binary_cross_entropy_with_logits(a, y, reduction=reduction), [(6, 2)],
            lambda a: F.binary_cross_entropy_with_logits(a, ty, reduction=reduction), low=-5, high=5)


def test_bce_with_logits_at_zero_and_huge_logits_like_torch():
    logits = np.array([[0.0, 1000.0, -1000.0, 30.0]])
    y = np.array([[1.0, 0.0, 1.0, 1.0]])
    compare(lambda a: nn.functional.binary_cross_entropy_with_logits(a, y), [logits],
            lambda a: F.binary_cross_entropy_with_logits(a, torch.from_numpy(y)))


# -- optimizers -----------------------------------------------------------------------------------
OPTIMIZERS = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd momentum": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "sgd nesterov": (lambda p: optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    "sgd weight decay": (lambda p: optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
                         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01)),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "rmsprop weight decay": (lambda p: optim.RMSprop(p, lr=0.01, alpha=0.99, weight_decay=0.1),
                             lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, weight_decay=0.1)),
    "adam": (lambda p: optim.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam betas weight decay": (lambda p: optim.Adam(p, lr=0.02, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.05),
                                lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.9), eps=1e-6,
                                                           weight_decay=0.05)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_like_torch(name):
    make_ours, make_theirs = OPTIMIZERS[name]
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    ours = [mg.Tensor(w.copy(), requires_grad=True, dtype=np.float64) for w in weights]
    theirs = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    opt, topt = make_ours(ours), make_theirs(theirs)
    for _ in range(5):  # the same gradients on both sides, several steps so the buffers matter
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(p.shape)
            p.grad = mg.Tensor(g, dtype=np.float64)
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_training_a_linear_layer_like_torch():
    """A whole step: forward, loss, backward and Adam, from the same weights, three times."""
    layer = nn.Linear(3, 2)
    ours = [p for p in layer.parameters()]
    for p in ours:
        p.data = p.data.astype(np.float64)
    w, b = (torch.tensor(p.numpy().copy(), requires_grad=True) for p in ours)
    x = np.random.default_rng(1).standard_normal((8, 3))
    t = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    opt, topt = optim.Adam(ours, lr=0.05), torch.optim.Adam([w, b], lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(layer(mg.Tensor(x)), t).backward()
        opt.step()
        topt.zero_grad()
        F.cross_entropy(torch.from_numpy(x) @ _weight_as_torch(layer, w) + b, torch.from_numpy(t)).backward()
        topt.step()
    np.testing.assert_allclose(ours[0].numpy(), w.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours[1].numpy(), b.detach().numpy(), rtol=1e-9)


def _weight_as_torch(layer, w):
    """Our Linear computes x @ W with W (in, out); if a layout ever changes this test says so."""
    assert tuple(layer.weight.shape) == (3, 2), f"Linear weight layout changed: {layer.weight.shape}"
    return w


# -- 0-d and empty tensors ------------------------------------------------------------------------
ZERO_D = {
    "arithmetic": (lambda a, b: (a * b + a / (b * b + 1) - b) ** 2, None),
    "functions": (lambda a, b: a.exp() + b.tanh() + a.sigmoid() * b.relu() + a.maximum(b), None),
    "reductions": (lambda a, b: a.sum() + b.mean(axis=0) + a.max(axis=-1, keepdims=True),
                   lambda a, b: a.sum() + b.mean(dim=0) + torch.amax(a, dim=-1, keepdim=True)),
    "with a vector": (lambda a, b: ((a * mg.Tensor(np.arange(3.0))) @ mg.Tensor(np.ones(3))) * b,
                      lambda a, b: ((a * torch.arange(3.0, dtype=torch.float64))
                                    @ torch.ones(3, dtype=torch.float64)) * b),
    "stack and index": (lambda a, b: mg.stack([a, b, a])[::2].sum() + a[None].sum(),
                        lambda a, b: torch.stack([a, b, a])[::2].sum() + a[None].sum()),
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_0d_tensors_like_torch(name):
    fn, tfn = ZERO_D[name]
    compare(fn, [np.array(0.7), np.array(-1.3)], tfn)


EMPTY = {
    "elementwise": (lambda a, b: (a * 2).tanh() + b.sum(), None),
    "matmul": (lambda a, b: a @ mg.Tensor(np.ones((3, 2))),
               lambda a, b: a @ torch.ones((3, 2), dtype=torch.float64)),
    "sum over the empty axis": (lambda a, b: a.sum(axis=0) + b, lambda a, b: a.sum(dim=0) + b),
    "softmax": (lambda a, b: a.softmax() + a.log_softmax(), lambda a, b: a.softmax(-1) + a.log_softmax(-1)),
    "cat with a non-empty one": (lambda a, b: mg.cat([a, b[None], a], axis=0),
                                 lambda a, b: torch.cat([a, b[None], a], dim=0)),
    "max along the other axis": (lambda a, b: a.max(axis=1), lambda a, b: torch.amax(a, dim=1)),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_tensors_like_torch(name):
    fn, tfn = EMPTY[name]
    compare(fn, [np.zeros((0, 3)), np.array([0.5, -1.0, 2.0])], tfn)


def _has_negative_step(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts)


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
def test_drawn_basic_indices_like_torch(data, shape):
    # torch has no negative slice steps (test_negative_steps_match_torch_flip covers those)
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)
                      .filter(lambda i: not _has_negative_step(i)), label="index")
    compare(lambda a: a[index] * 1.0, [shape], lambda a: a[index] * 1.0)


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
def test_drawn_integer_array_indices_like_torch(data, shape):
    index = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2,
                                                                                        max_side=5)),
                      label="index")  # repeats and negative indices included: their gradients must add up
    compare(lambda a: a[index], [shape], lambda a: a[_torch_index(index)])
