"""Value: every op against finite differences, micrograd's README examples, and agreement with Tensor."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, Value

SCALAR_OPS = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: 2.0 + a + b,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: 1.5 - a * b,
    "mul": lambda a, b: a * b,
    "rmul": lambda a, b: 3 * a * b,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: 2.0 / (a * b),
    "pow": lambda a, b: a ** 3 + b ** -2,
    "pow_value": lambda a, b: a ** b,
    "neg": lambda a, b: -a * b,
    "exp": lambda a, b: (a * b).exp(),
    "log": lambda a, b: (a * b).log(),
    "tanh": lambda a, b: (a * b).tanh(),
    "relu": lambda a, b: (a - b).relu() + (b - a).relu() * 2,
    "sigmoid": lambda a, b: (a * b).sigmoid(),
}


@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
def test_value_gradients_match_finite_differences(name):
    a, b = Value(1.3), Value(0.7)
    assert mg.gradcheck(SCALAR_OPS[name], [a, b])


@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
def test_value_and_tensor_agree(name):
    fn = SCALAR_OPS[name]
    a, b = Value(1.3), Value(0.7)
    out = fn(a, b)
    out.backward()
    ta = Tensor(1.3, requires_grad=True, dtype=np.float64)
    tb = Tensor(0.7, requires_grad=True, dtype=np.float64)
    tout = fn(ta, tb)
    tout.backward()
    assert tout.item() == pytest.approx(out.data, rel=1e-12)
    assert ta.grad.item() == pytest.approx(a.grad, rel=1e-9)
    assert tb.grad.item() == pytest.approx(b.grad, rel=1e-9)


def test_micrograd_readme_example():
    """micrograd's README example, with only the import changed, gives its documented numbers."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_value_repr_and_label():
    v = Value(2.0, label="w")
    assert "w" in repr(v) and "2" in repr(v)


def test_sigmoid_is_stable():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_log_of_nonpositive_is_a_clear_error():
    with pytest.raises(ValueError, match="non-positive"):
        Value(0.0).log()


def test_tanh_local_derivative_matches_formula():
    x = Value(0.5)
    y = x.tanh()
    y.backward()
    assert x.grad == pytest.approx(1 - math.tanh(0.5) ** 2)


def test_zero_grad_and_accumulation():
    x = Value(2.0)
    (x * x).backward()
    assert x.grad == 4.0
    x.zero_grad()
    assert x.grad == 0.0


# -- audit: numbers of every kind on either side, powers at the edges --------------------------------
NUMBERS = [3, True, 3.0, np.float64(3.0), np.float32(3.0), np.int64(3), np.int32(3)]
OPERATORS = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
             "/": lambda x, y: x / y, "**": lambda x, y: x ** y}


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: type(n).__name__)
@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_value_with_numbers_on_either_side(number, op):
    f = OPERATORS[op]
    a = Value(2.0)
    left, right = f(a, number), f(number, a)
    assert isinstance(left, Value) and isinstance(right, Value)
    assert left.data == pytest.approx(f(2.0, float(number)))
    assert right.data == pytest.approx(f(float(number), 2.0))
    (left + right).backward()
    h = 1e-6
    numeric = (f(2.0 + h, float(number)) + f(float(number), 2.0 + h)
               - f(2.0 - h, float(number)) - f(float(number), 2.0 - h)) / (2 * h)
    assert a.grad == pytest.approx(numeric, rel=1e-6)


def test_number_to_the_power_of_a_value():
    x = Value(3.0)
    y = 2 ** x
    y.backward()
    assert y.data == 8.0 and x.grad == pytest.approx(8.0 * math.log(2.0))


def test_power_slopes_at_zero_follow_pytorch():
    for p, slope in [(0.5, math.inf), (0, 0.0), (1, 1.0), (2, 0.0), (3.0, 0.0)]:
        x = Value(0.0)
        y = x ** p
        y.backward()
        assert (y.data, x.grad) == (0.0 ** p, slope), p
    x, p = Value(0.0), Value(0.0)
    (x ** p).backward()  # 0 ** 0 = 1: no slope in either input
    assert (x.grad, p.grad) == (0.0, 0.0)


def test_powers_without_a_real_result_are_clear_errors():
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1
    assert (Value(-2.0) ** 3).data == -8.0  # a whole exponent is fine for a negative base


def test_exp_overflow_gives_inf_like_numpy():
    assert Value(1000.0).exp().data == math.inf
    assert Value(-1000.0).exp().data == 0.0


def test_value_mixed_with_a_tensor_is_a_clear_error():
    with pytest.raises(TypeError, match="Value holds one number; got a Tensor"):
        Value(1.0) + Tensor([1.0])
