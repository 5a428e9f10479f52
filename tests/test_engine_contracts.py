"""The engine's promises where a silent wrong answer would be easy: Values meeting Tensors, in-place
edits between forward and backward, powers at a base of 0 or below, empty reductions, PyTorch's
error types and dtype promotion, elementwise ``==``."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, Value
from minigrad.ops import ShapeError


# -- a Value never silently becomes a constant inside a Tensor op --------------------------------------
VALUE_OPERATIONS = {
    "t * v": lambda t, v: t * v,
    "v * t": lambda t, v: v * t,
    "t + v": lambda t, v: t + v,
    "t - v": lambda t, v: t - v,
    "t / v": lambda t, v: t / v,
    "t ** v": lambda t, v: t ** v,
    "v ** t": lambda t, v: v ** t,
    "t @ v": lambda t, v: t @ v,
    "maximum": lambda t, v: t.maximum(v),
    "mg.maximum": lambda t, v: mg.maximum(v, t),
    "where": lambda t, v: mg.where(t.numpy() > 1, v, t),
    "where other": lambda t, v: mg.where(t.numpy() > 1, t, v),
    "clamp": lambda t, v: t.clamp(min=v),
    "Tensor(v)": lambda t, v: Tensor(v),
    "Tensor(v, dtype)": lambda t, v: Tensor(v, dtype=np.float32),
    "Tensor([v, v])": lambda t, v: Tensor([v, v], dtype=np.float64),
    "np.multiply": lambda t, v: np.multiply(t, v),
    "np.add(v, t)": lambda t, v: np.add(v, t),
    # NumPy's own containers: an object array holding the Value must not be read as its number
    "t * np.asarray(v)": lambda t, v: t * np.asarray(v),
    "np.array([v, v]) - t": lambda t, v: t.__rsub__(np.array([v, v])),
    "Tensor(np.array([v, v]))": lambda t, v: Tensor(np.array([v, v])) * t,
    "where(np.asarray(v))": lambda t, v: mg.where(t.numpy() > 1, t, np.asarray(v)),
    # writes into a tensor: x[0] = v would copy v's number into a constant that then enters the graph
    "x[0] = v": lambda t, v: _written(lambda x: x.__setitem__(0, v)) * t,
    "x[:] = [v, v]": lambda t, v: _written(lambda x: x.__setitem__(slice(None), [v, v])) * t,
    "x.fill_(v)": lambda t, v: _written(lambda x: x.fill_(v)) * t,
    "x.copy_(np.array([v, v]))": lambda t, v: _written(lambda x: x.copy_(np.array([v, v]))) * t,
}


def _written(write):
    x = mg.zeros(2)
    write(x)
    return x


@pytest.mark.parametrize("name", sorted(VALUE_OPERATIONS))
def test_a_value_in_a_tensor_op_is_refused_not_cut_from_its_graph(name):
    t = Tensor([1.0, 2.0], requires_grad=True)
    v = Value(3.0)
    with pytest.raises(TypeError):
        out = VALUE_OPERATIONS[name](t, v)
        out.sum().backward()  # (only reached if the op wrongly went through)
    assert v.grad == 0.0


def test_the_refusal_says_what_to_do():
    with pytest.raises(TypeError, match="Value.*Tensor\\(v.data\\)"):
        Tensor([1.0, 2.0]) * Value(3.0)


# -- in-place edits between forward and backward -------------------------------------------------------
def test_editing_data_in_place_before_backward_raises_naming_the_tensor():
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="w")
    x = Tensor([[1.0], [1.0]])
    loss = (w @ x).sum()
    w.data -= 1.0  # what an optimizer step does: too early here
    with pytest.raises(RuntimeError, match="'w'.*modified in place.*@"):
        loss.backward()
    assert w.version == 1


@pytest.mark.parametrize("edit", ["zero_", "fill_", "setitem", "iadd", "add_", "copy_", "mul_"])
def test_every_in_place_edit_counts(edit):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    y = (h * h).sum()  # saves h for backward
    with mg.no_grad():
        {"zero_": lambda: h.zero_(), "fill_": lambda: h.fill_(2.0), "setitem": lambda: h.__setitem__(0, 5.0),
         "iadd": lambda: h.__iadd__(1.0), "add_": lambda: h.add_(1.0), "copy_": lambda: h.copy_(x.detach()),
         "mul_": lambda: h.mul_(2.0)}[edit]()
    assert h.version == 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


# views share their owner's memory: an edit through either is an edit of both (PyTorch: one version counter)
def _leaf():
    return Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, dtype=np.float64, label="w")


VIEW_EDITS = {
    "w.T saved, w.data -= 1": (lambda w: (Tensor(np.ones((4, 3))) @ w.T).sum(), lambda w, views: _data_minus_one(w)),
    "w[1:] saved, w.mul_(2)": (lambda w: (w[1:] * w[1:]).sum(), lambda w, views: w.mul_(2.0)),
    "w.reshape saved, w.zero_()": (lambda w: (w.reshape(3, 2) ** 2).sum(), lambda w, views: w.zero_()),
    "w.flatten saved, w[0] = 9": (lambda w: w.flatten().exp().sum() + (w.flatten() * w.flatten()).sum(),
                                  lambda w, views: w.__setitem__(0, 9.0)),
    "h saved, its view edited": (lambda w: _saved_h_and_view(w), lambda w, views: views[0].zero_()),
}


def _data_minus_one(w):
    w.data -= 1  # NumPy edits the array, then Python assigns it back to w.data: the setter counts it


def _saved_h_and_view(w):
    h = w * 2.0
    _saved_h_and_view.views = [h.reshape(6)]  # a view of h, edited after h * h saved h
    return (h * h).sum()


@pytest.mark.parametrize("name", sorted(VIEW_EDITS))
def test_an_edit_through_a_view_or_of_a_viewed_tensor_is_seen(name):
    forward, edit = VIEW_EDITS[name]
    w = _leaf()
    loss = forward(w)
    with mg.no_grad():
        edit(w, getattr(_saved_h_and_view, "views", [None]))
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_views_do_not_make_unrelated_edits_an_error():
    w = _leaf()
    other = Tensor(np.array(w.numpy()))  # a copy: its own memory
    loss = (w.T * w.T).sum()
    with mg.no_grad():
        other.zero_()
    loss.backward()
    assert w.grad.numpy().tolist() == [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]]


def test_edits_that_change_nothing_saved_are_fine():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1.0).sum()  # + keeps no copy of its inputs: editing x afterwards cannot change this gradient
    x.data -= 1.0
    y.backward()
    assert x.grad.numpy().tolist() == [1.0, 1.0]
    x.grad = None
    z = (x * x).sum()
    x.data = x.data * 2  # a new array: the op kept the old one, so its gradient is still right
    z.backward()
    assert x.grad.numpy().tolist() == [0.0, 2.0]


def test_optimizer_steps_after_backward_stay_legal():
    model = mg.nn.Linear(3, 2)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = model(mg.randn(4, 3)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model.weight.version == 3


def test_a_leaf_that_requires_grad_cannot_be_edited_in_place_under_autograd():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w += 1.0
    with mg.no_grad():  # the PyTorch training-loop idiom: p -= lr * p.grad updates the parameter itself
        same = w
        w -= 0.5
    assert w is same and w.numpy().tolist() == [0.5, 1.5]


# -- powers: the exponent's gradient where ln(base) does not exist -------------------------------------
def test_exponent_gradient_at_a_base_of_zero_or_below_follows_pytorch():
    a = Tensor([-2.0, -2.0, 0.0, 0.0, 0.0, 3.0], requires_grad=True, dtype=np.float64)
    b = Tensor([2.0, 3.0, 2.0, 0.0, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        (a ** b).sum().backward()
    got = b.grad.numpy()
    # base < 0: a^b is real only at whole b, so there is no slope in b: nan (PyTorch's value)
    assert np.isnan(got[0]) and np.isnan(got[1])
    # base 0: the limit of a^b ln a: 0 for b >= 0, -inf for b < 0 (0^b is inf there)
    assert got[2] == 0.0 and got[3] == 0.0 and got[4] == -math.inf
    assert got[5] == pytest.approx(9 * math.log(3))
    assert a.grad.numpy()[4] == -math.inf  # d/da a^-1 = -a^-2 at 0


def test_exponent_gradient_at_minus_zero_follows_pytorch():
    # (-0.0) ** -1 = -inf, so a^b ln a = -inf * -inf = +inf there, as PyTorch computes it
    a = Tensor([-0.0, -0.0, 0.0], requires_grad=True, dtype=np.float64)
    b = Tensor([-1.0, -2.0, -1.0], requires_grad=True, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        (a ** b).sum().backward()
    assert b.grad.numpy().tolist() == [math.inf, -math.inf, -math.inf]


def test_value_powers_agree_with_tensor_powers_on_the_exponent_gradient():
    for base, exponent, expected in [(-2.0, 2.0, math.nan), (0.0, 2.0, 0.0), (0.0, 0.0, 0.0)]:
        a, b = Value(base), Value(exponent)
        (a ** b).backward()
        assert (math.isnan(b.grad) and math.isnan(expected)) or b.grad == expected, (base, exponent, b.grad)


# -- reductions over nothing -------------------------------------------------------------------------------
@pytest.mark.parametrize("reduce", [lambda x: x.mean(), lambda x: x.var(), lambda x: x.var(correction=0),
                                    lambda x: x.std(), lambda x: x.mean(axis=0)])
def test_mean_and_var_of_an_empty_tensor_have_an_empty_gradient(reduce):
    x = Tensor(np.zeros(0, np.float32), requires_grad=True)
    with np.errstate(all="ignore"):
        out = reduce(x)
        assert np.isnan(out.item())
        out.backward()
    assert x.grad.shape == (0,)


@pytest.mark.parametrize("reduce", [lambda x: x.logsumexp(dim=1), lambda x: x.logsumexp()])
def test_logsumexp_over_nothing_is_minus_infinity(reduce):
    x = Tensor(np.zeros((3, 0)), requires_grad=True)
    out = reduce(x)
    assert np.all(out.numpy() == -math.inf) and out.shape == ((3,) if out.ndim else ())
    out.sum().backward()
    assert x.grad.shape == (3, 0)


# -- std and the 2-norm of constant inputs: gradient 0, as PyTorch (not 0 * inf = nan) ----------------------
ZERO_SPREAD = {  # reduction, an input whose first row makes it 0, the gradient PyTorch gives that row
    "std": (lambda x: x.std(dim=1), [2.0, 2.0, 2.0], [0.0, 0.0, 0.0]),
    "std population": (lambda x: x.std(dim=1, correction=0), [-1.0, -1.0, -1.0], [0.0, 0.0, 0.0]),
    "std_mean": (lambda x: x.std_mean(dim=1)[0], [0.5, 0.5, 0.5], [0.0, 0.0, 0.0]),
    "norm": (lambda x: x.norm(dim=1), [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    "norm p=3": (lambda x: x.norm(p=3, dim=1), [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    "normalize": (lambda x: mg.nn.functional.normalize(x).sum(1), [0.0, 0.0, 0.0], [1e12, 1e12, 1e12]),
}


@pytest.mark.parametrize("name", sorted(ZERO_SPREAD))
def test_std_and_norm_send_zero_gradient_where_they_are_zero(name):
    reduce, row, expected = ZERO_SPREAD[name]
    x = Tensor([row, [1.0, 2.0, 4.0]], requires_grad=True, dtype=np.float64)
    reduce(x).sum().backward()
    grad = x.grad.numpy()
    assert grad[0].tolist() == expected  # not 0 * inf = nan
    assert np.all(np.isfinite(grad[1])) and np.any(grad[1] != 0)


def test_mean_over_an_empty_axis_of_a_matrix():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with np.errstate(all="ignore"):
        out = x.mean(axis=0)
        out.sum().backward()
    assert out.shape == (3,) and x.grad.shape == (0, 3)


# -- PyTorch's error types ----------------------------------------------------------------------------------
def test_a_bad_axis_is_an_index_error():
    x = Tensor(np.ones((2, 3)))
    for call in (lambda: x.sum(axis=2), lambda: x.mean(dim=-3), lambda: x.softmax(dim=5), lambda: x.max(axis=4),
                 lambda: mg.cat([x, x], axis=2), lambda: x.unsqueeze(4), lambda: x.cumsum(dim=2)):
        with pytest.raises(IndexError):
            call()


def test_shape_error_is_both_a_runtime_error_and_a_value_error():
    assert issubclass(ShapeError, RuntimeError) and issubclass(ShapeError, ValueError)
    with pytest.raises(RuntimeError, match=r"\+.*\(3, 4\).*\(3,\)"):
        mg.randn(3, 4) + mg.randn(3)


def test_value_errors_that_are_not_about_shapes_keep_their_own_message():
    with pytest.raises(ValueError, match="negative integer powers") as info:
        Tensor([2, 3]) ** -2
    assert not isinstance(info.value, ShapeError)


# -- dtypes as in PyTorch -------------------------------------------------------------------------------------
def test_dtype_promotion_follows_pytorch():
    ints, f32, f64 = Tensor([1, 2]), Tensor([0.5, 1.5]), Tensor(np.array([0.5, 1.5]))
    assert ints.dtype == np.int64 and f32.dtype == np.float32 and f64.dtype == np.float64
    assert (ints + f32).dtype == np.float32 and (f32 * ints).dtype == np.float32  # not NumPy's float64
    assert (ints * 2.5).dtype == np.float32 and (ints * 2).dtype == np.int64
    assert (ints / Tensor([2, 2])).dtype == np.float32 and (ints / Tensor([2, 2])).tolist() == [0.5, 1.0]
    assert (ints + f64).dtype == np.float64 and (f32 + f64).dtype == np.float64
    assert mg.where(Tensor([True, False]), 1, 3).dtype == np.int64
    assert mg.where(Tensor([True, False]), 1, 3).tolist() == [1, 3]
    assert mg.where(Tensor([True, False]), f32, 0).dtype == np.float32
    assert mg.cat([ints, f32]).dtype == np.float32
    assert (ints ** 0.5).dtype == np.float32 and ints.float().mean().dtype == np.float32


def test_gradients_flow_through_promoted_operands():
    w = Tensor([0.5, -1.0], requires_grad=True)
    (w * Tensor([2, 3])).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.tolist() == [2.0, 3.0]


# -- == is elementwise; tensors still hash by identity --------------------------------------------------------
def test_equality_is_elementwise_and_tensors_stay_hashable():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 0.0, 3.0])
    assert (a == b).tolist() == [True, False, True] and (a != b).tolist() == [False, True, False]
    assert (a == 2.0).tolist() == [False, True, False]
    seen = {a, b}
    assert a in seen and len(seen) == 2 and {a: 1}[a] == 1
    c = Tensor([1.0, 2.0, 3.0])
    assert c not in seen  # same values, another tensor: sets and dicts go by identity
