"""The graph machinery: cases other engines got wrong, accumulation, graph release, stepping."""
from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, Value, no_grad


def test_reused_node_accumulates():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_reused_tensor_accumulates():
    a = Tensor([3.0], requires_grad=True)
    b = a + a
    c = b + b
    c.sum().backward()
    assert a.grad.numpy().tolist() == [4.0]


def test_diamond_graph():
    # a -> b, a -> c, (b, c) -> d: d = (2a) * (a^2), dd/da = 6a^2
    a = Value(1.5)
    d = (a * 2) * (a ** 2)
    d.backward()
    assert a.grad == pytest.approx(6 * 1.5 ** 2)
    t = Tensor([1.5], requires_grad=True, dtype=np.float64)
    ((t * 2) * (t ** 2)).sum().backward()
    assert t.grad.item() == pytest.approx(6 * 1.5 ** 2)


def test_deep_scalar_chain_without_recursion():
    limit = sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert sys.getrecursionlimit() == limit


def test_deep_tensor_chain_without_recursion():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 0.0
    y.sum().backward()
    assert x.grad.numpy().tolist() == [1.0, 1.0, 1.0]


def test_non_scalar_backward_needs_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar.*shape \(2,\).*backward\(grad\)"):
        (x * 2).backward()


def test_non_scalar_backward_with_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(Tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 40.0])


def test_backward_gradient_of_wrong_shape_is_refused():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * x).backward(np.ones(3))


def test_backward_twice_accumulates_for_values():
    a = Value(2.0)
    c = a * a
    c.backward()
    c.backward()
    assert a.grad == 8.0  # 2 * (2a), like PyTorch with retain_graph=True


def test_backward_twice_accumulates_for_tensors_with_retain_graph():
    a = Tensor([2.0], requires_grad=True)
    c = (a * a).sum()
    c.backward(retain_graph=True)
    c.backward()
    assert a.grad.item() == 8.0


def test_second_backward_on_freed_tensor_graph_is_refused():
    a = Tensor([2.0], requires_grad=True)
    c = (a * a).sum()
    c.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        c.backward()


def test_intermediate_grads_are_not_doubled_across_passes():
    a = Value(1.0)
    b = a * 3
    c = b * b
    c.backward()
    c.backward()
    assert b.grad == 2 * (2 * 3.0)
    assert a.grad == 2 * (2 * 9.0)


def test_no_grad_builds_no_graph():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
    assert y.parents == () and not y.requires_grad
    assert mg.is_grad_enabled()


def test_no_grad_restores_after_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_tensor_graph_is_released_after_backward():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    hidden = x * 2
    ref = weakref.ref(hidden)
    loss = (hidden * 3).sum()
    del hidden
    loss.backward()
    gc.collect()
    assert ref() is None
    assert x.grad.numpy().tolist() == [[6.0, 6.0], [6.0, 6.0]]


def test_retain_graph_keeps_the_graph():
    x = Tensor(np.ones(2), requires_grad=True)
    hidden = x * 2
    ref = weakref.ref(hidden)
    loss = hidden.sum()
    del hidden
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None


def test_value_graph_can_be_released_on_request():
    a = Value(1.0)
    hidden = a * 2
    ref = weakref.ref(hidden)
    out = hidden + 1
    del hidden
    out.backward(retain_graph=False)
    gc.collect()
    assert ref() is None and a.grad == 2.0


def test_graphs_have_no_reference_cycles():
    """Without cycles a dropped graph is freed at once by reference counting, not by the GC."""
    gc.disable()
    try:
        a = Tensor(np.ones(3), requires_grad=True)
        h = a.tanh()
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h, loss
        assert ref() is None
    finally:
        gc.enable()


def test_backward_steps_equals_backward():
    def build():
        a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
        return (a, b, c), (a * b + c).tanh()

    (a1, b1, c1), out1 = build()
    out1.backward()
    (a2, b2, c2), out2 = build()
    steps = list(out2.backward_steps())
    assert sorted(s.node.op for s in steps) == sorted(["tanh", "+", "*", "", "", ""])
    position = {id(s.node): i for i, s in enumerate(steps)}
    for step in steps:  # every node is visited before the nodes it was computed from
        assert all(position[id(p)] > position[id(step.node)] for p in step.node.parents)
    assert (a2.grad, b2.grad, c2.grad) == (a1.grad, b1.grad, c1.grad)
    # the chain rule, as the REPL shows it: contribution = upstream * local
    for step in steps:
        for _parent, local, contribution in step.sends:
            assert contribution == pytest.approx(step.grad * local)


def test_backward_steps_reports_every_contribution_of_a_shared_node():
    a = Value(3.0, label="a")
    b = a * a  # a feeds the product twice
    steps = list(b.backward_steps())
    contributions = [c for s in steps for p, _, c in s.sends if p is a]
    assert contributions == [3.0, 3.0] and a.grad == 6.0


def test_tensor_steps_carry_formulas_and_arrays():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    w = Tensor([[3.0], [4.0]], requires_grad=True)
    steps = list((x @ w).sum().backward_steps())
    matmul = next(s for s in steps if s.node.op == "@")
    formulas = {id(p): local for p, local, _ in matmul.sends}
    assert formulas[id(x)] == "g @ bᵀ" and formulas[id(w)] == "aᵀ @ g"


def test_gradient_does_not_flow_into_constants():
    x = Tensor([1.0, 2.0])  # no requires_grad: an input batch
    w = Tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


def test_detach_cuts_the_graph():
    x = Tensor([2.0], requires_grad=True)
    y = x.detach() * x
    y.sum().backward()
    assert x.grad.item() == 2.0


def test_backward_on_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="requires_grad"):
        Tensor([1.0]).sum().backward()


# -- gradcheck: the course's formula and what it is fed ----------------------------------------------
def test_relative_difference_is_the_course_formula():
    # ||g - g'|| / (||g|| + ||g'||): orthogonal unit vectors give sqrt(2)/2, (2, 0) vs (1, 0) gives 1/3
    assert mg.relative_difference(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)
    assert mg.relative_difference(np.array([2.0, 0.0]), np.array([1.0, 0.0])) == pytest.approx(1 / 3)
    assert mg.relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    # lists of gradients (one per input) are concatenated into one vector first
    assert mg.relative_difference([np.array([2.0]), Tensor([0.0])], [np.array([1.0]), np.array([0.0])]) == \
        pytest.approx(1 / 3)


def test_gradcheck_perturbs_non_contiguous_inputs():
    # a transposed leaf: reshape(-1) of it is a copy, so perturbing that copy would leave f unchanged
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 3).T, requires_grad=True, dtype=np.float64)
    assert not x.data.flags.c_contiguous
    from minigrad.gradcheck import numerical_gradient

    (approx,) = numerical_gradient(lambda t: (t * t).sum(), [x])
    np.testing.assert_allclose(approx, 2 * x.numpy(), rtol=1e-6)
    assert mg.gradcheck(lambda t: (t * t).sum(), [x])


def test_gradcheck_catches_a_wrong_gradient_and_refuses_float32():
    from minigrad import ops
    from minigrad.tensor import apply

    class WrongTanh(ops.Tanh):
        def backward(self, g):
            (ga,) = super().backward(g)
            return (ga * 1.01,)  # 1% off: the relative difference is about 5e-3

    x = Tensor(np.linspace(-1, 1, 5), requires_grad=True, dtype=np.float64)
    assert mg.gradcheck(lambda t: t.tanh(), [x])
    assert not mg.gradcheck(lambda t: apply(WrongTanh, t), [x])
    with pytest.raises(AssertionError, match="relative difference"):
        mg.gradcheck(lambda t: apply(WrongTanh, t), [x], raise_exception=True)
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(lambda t: t.tanh(), [Tensor([1.0, 2.0], requires_grad=True)])


def test_leaf_gradients_do_not_share_memory():
    x = Tensor(np.ones(3), requires_grad=True)
    w = Tensor(np.ones(3), requires_grad=True)
    ((x + w) * 1.0).sum().backward()
    assert not np.shares_memory(x.grad.data, w.grad.data)
    x.grad.data *= 0.5  # what a learner's hand-written gradient clipping does
    np.testing.assert_array_equal(w.grad.numpy(), np.ones(3))


# -- audit: graphs shared between roots, freed parts, stepping stopped early ------------------------
def test_backward_through_an_intermediate_freed_by_an_earlier_backward_is_refused():
    # h's parents were dropped by the first backward: going on would give x nothing from y2, silently
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y1, y2 = h.sum(), (h * 3).sum()
    y1.backward()
    with pytest.raises(RuntimeError, match=r"the \* result.*retain_graph=True"):
        y2.backward()
    assert x.grad.numpy().tolist() == [2.0, 4.0]  # nothing was added by the refused pass


def test_two_roots_sharing_a_subgraph_accumulate_with_retain_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.sum().backward(retain_graph=True)
    (h * 3).sum().backward()
    assert x.grad.numpy().tolist() == [8.0, 16.0]  # 2x + 3 * 2x


def test_backward_through_a_released_value_is_refused():
    a = Value(3.0)
    b = a * a
    b.backward(retain_graph=False)
    with pytest.raises(RuntimeError, match="already freed"):
        (b + 1).backward()
    assert a.grad == 6.0


def test_reused_node_across_broadcasting_branches():
    x = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)   # (1, 3)
    b = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)      # (2, 1)
    h = x + b                                                     # (2, 3), used by two branches
    y = (h * x).sum() + (h.sum(axis=0) * b.sum()).sum() + (x * x).mean()
    y.backward()
    # y = sum_ij (x_j + b_i) x_j + B * sum_j (2 x_j + B) + mean(x^2) with B = sum(b), so
    # dy/dx_j = 4 x_j + 3 B + 2 x_j / 3 and dy/db_i = 3 sum(x) + 6 B
    xs, big_b = np.array([[1.0, 2.0, 3.0]]), 3.0
    np.testing.assert_allclose(x.grad.numpy(), 4 * xs + 3 * big_b + 2 * xs / 3, rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [[36.0], [36.0]])
    assert x.grad.shape == (1, 3) and b.grad.shape == (2, 1)


def test_no_grad_nested_with_enable_grad():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
        with mg.autograd.enable_grad():
            z = x * 3
            with no_grad():
                w = x * 4
            v = x * 5
        u = x * 6
    assert [t.requires_grad for t in (y, z, w, v, u)] == [False, True, False, True, False]
    assert mg.is_grad_enabled()
    z.backward()
    assert x.grad.item() == 3.0


def test_backward_steps_closed_early_gives_partial_grads_and_frees_the_graph():
    """Documented behaviour: stopping a step-through early keeps what was accumulated so far (the nodes
    already visited have their .grad, the rest none) and, as a full backward would, frees a tensor graph."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y = (h * 3).sum()
    steps = y.backward_steps()
    first = next(steps)
    assert first.node is y and y.grad.item() == 1.0
    steps.close()
    assert x.grad is None and h.grad is None  # never reached
    assert y._released and h._released
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_steps_closed_early_with_retain_graph_can_start_again():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * 3).sum()
    steps = y.backward_steps(retain_graph=True)
    next(steps)
    steps.close()
    y.grad = None
    y.backward()
    assert x.grad.numpy().tolist() == [6.0, 12.0]


def test_backward_steps_never_started_changes_nothing():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    y.backward_steps().close()
    assert not y._released and y.grad is None
    y.backward()
    assert x.grad.numpy().tolist() == [3.0, 3.0]


def test_a_float64_seed_gradient_does_not_turn_the_backward_pass_into_float64():
    x = Tensor([1.0, 2.0], requires_grad=True)  # float32
    y = (x * 2) * 3
    steps = list(y.backward_steps(Tensor(np.ones(2))))  # a float64 Tensor as the seed
    assert [s.grad.dtype for s in steps] == [np.float32] * 3
    assert x.grad.numpy().tolist() == [6.0, 6.0]


def test_grad_pass_stamps_the_nodes_each_backward_wrote():
    # pictures compare a node's grad_pass with its root's to tell this graph's gradients from stale ones
    a, b = Value(2.0), Value(-3.0)
    assert a.grad_pass == 0  # no backward has written it yet
    first = a * b
    first.backward()
    assert a.grad_pass == b.grad_pass == first.grad_pass > 0
    second = a + 1.0  # a later pass through a alone
    second.backward()
    assert a.grad_pass == second.grad_pass > first.grad_pass
    assert b.grad_pass == first.grad_pass  # b's gradient is still the first pass's
    unused = a * 2.0  # a graph whose backward never ran
    assert unused.grad_pass == 0 and a.grad_pass != unused.grad_pass


def test_grad_pass_leaves_nodes_a_stopped_pass_never_reached_unstamped():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    steps = y.backward_steps(retain_graph=True)
    next(steps)  # only the root
    steps.close()
    assert y.grad_pass > 0 and x.grad_pass == w.grad_pass == 0
    y.backward()
    assert x.grad_pass == w.grad_pass == y.grad_pass
