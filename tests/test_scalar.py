"""Value: every op against finite differences, micrograd's README examples, and agreement with Tensor."""
from __future__ import annotations

import math
import re

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


# -- the node protocol: each op's rule text, parents, op ---------------------------------------------
RULES = [  # expression of a and b, the node's op, its rule for each parent with the names ("p", "q")
    (lambda a, b: a + b, "+", ["1", "1"]),
    (lambda a, b: a - b, "-", ["1", "-1"]),
    (lambda a, b: a * b, "*", ["q", "p"]),
    (lambda a, b: a / b, "/", ["1/q", "-p/q²"]),
    (lambda a, b: a ** b, "**", ["q·p^(q - 1)", "p^q·ln p"]),
    (lambda a, b: a ** 3, "**3", ["3·p²"]),
    (lambda a, b: a ** 2, "**2", ["2·p"]),
    (lambda a, b: a ** 0.5, "**0.5", ["0.5·p^(-0.5)"]),
    (lambda a, b: a ** -2, "**-2", ["-2·p^(-3)"]),
    (lambda a, b: a.exp(), "exp", ["exp(p)"]),
    (lambda a, b: a.log(), "log", ["1/p"]),
    (lambda a, b: a.tanh(), "tanh", ["1 - tanh(p)²"]),
    (lambda a, b: a.relu(), "ReLU", ["1 if p > 0 else 0"]),
    (lambda a, b: a.sigmoid(), "sigmoid", ["sigmoid(p)·(1 - sigmoid(p))"]),
    (lambda a, b: -a, "neg", ["-1"]),
]


@pytest.mark.parametrize("fn, op, rules", RULES, ids=[r[1] for r in RULES])
def test_each_op_states_its_local_rule_with_the_parents_names(fn, op, rules):
    a, b = Value(1.3, label="a"), Value(0.7, label="b")
    out = fn(a, b)
    assert out.op == op and out.describe() == op
    assert out.parents == (a, b)[:len(rules)]
    assert [out.local_rule(i, ("p", "q")[:len(rules)]) for i in range(len(rules))] == rules
    with pytest.raises(IndexError, match="parent"):
        out.local_rule(len(rules), ("p", "q", "r"))


def test_a_rule_puts_compound_names_and_negative_numbers_in_parentheses():
    a, b = Value(-3.0), Value(2.0)
    assert (a / b).local_rule(1, ["-3", "2"]) == "-(-3)/2²"
    assert (a * b).local_rule(0, ["-3", "2"]) == "2"  # a parent alone needs no parentheses
    assert (a ** 2).local_rule(0, ["a + b"]) == "2·(a + b)"
    assert a.parents == () and a.op == "" and not a.released


def test_rule_numbers_agree_with_the_local_derivatives_backward_uses():
    """Each rule, evaluated at the inputs, gives the number backward multiplies by (rule and code agree)."""
    env = {"exp": math.exp, "tanh": math.tanh, "ln": math.log,
           "sigmoid": lambda x: 1 / (1 + math.exp(-x))}
    for fn, op, _ in RULES:
        a, b = Value(1.3), Value(0.7)
        out = fn(a, b)
        steps = list(out.backward_steps())
        for i, (_parent, local, _contribution) in enumerate(steps[0].sends):
            text = out.local_rule(i, ("1.3", "0.7")[:len(out.parents)])
            python = re.sub(r"ln (\S+)", r"ln(\1)", text.replace("·", "*").replace("^", "**")
                            .replace("²", "**2").replace("³", "**3"))
            assert eval(python, env) == pytest.approx(local, rel=1e-12), (op, i, text)


def _random_graph(seed: int, size: int, inputs: list[float] | None = None) -> tuple[list, Value]:
    """A random expression DAG over 3 inputs, nodes reused freely (fan-out and diamonds); same seed, same graph."""
    rs = np.random.default_rng(seed)
    drawn = rs.uniform(0.5, 1.5, 3)
    leaves = [Value(float(v)) for v in (drawn if inputs is None else inputs)]
    nodes = list(leaves)
    unary = [lambda x: x.tanh(), lambda x: x.relu(), lambda x: x.sigmoid(), lambda x: x ** 2, lambda x: -x,
             lambda x: (x * x + 1).log(), lambda x: (x * 0.1).exp()]
    binary = [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / (y * y + 1)]
    for _ in range(size):
        if rs.random() < 0.4:
            f, args = unary[int(rs.integers(len(unary)))], 1
        else:
            f, args = binary[int(rs.integers(len(binary)))], 2
        nodes.append(f(*(nodes[int(rs.integers(len(nodes)))] for _ in range(args))))
    return leaves, sum(nodes[-5:], nodes[0])


@pytest.mark.parametrize("seed", range(5))
def test_backward_stepping_and_the_generic_engine_give_the_same_bits(seed):
    """Value.backward (the fast loop), Value.backward_steps and autograd's generic pass agree exactly."""
    grads = []
    for way in ("backward", "steps", "generic"):
        leaves, root = _random_graph(seed, 60)
        if way == "backward":
            root.backward()
        elif way == "steps":
            assert len(list(root.backward_steps())) == len(mg.topological_order(root))
        else:
            for _ in mg.autograd.backward_steps(root):
                pass
        grads.append([v.grad for v in mg.topological_order(root)] + [v.grad for v in leaves])
    assert grads[0] == grads[1] == grads[2]
    assert all(math.isfinite(g) for g in grads[0])


@pytest.mark.parametrize("seed", range(3))
def test_backward_matches_finite_differences_on_a_random_graph(seed):
    leaves, root = _random_graph(seed, 40)
    root.backward()
    x, h = [v.data for v in leaves], 1e-6
    for i, leaf in enumerate(leaves):
        up = _random_graph(seed, 40, x[:i] + [x[i] + h] + x[i + 1:])[1].data
        down = _random_graph(seed, 40, x[:i] + [x[i] - h] + x[i + 1:])[1].data
        assert leaf.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)


def test_backward_twice_accumulates_and_a_freed_graph_keeps_its_inputs_usable():
    w, x = Value(2.0), Value(3.0)
    y = (w * x).tanh() + w
    y.backward()
    first = w.grad
    y.backward()
    assert w.grad == 2 * first  # the second pass adds the same again, like PyTorch
    y.backward(retain_graph=False)
    assert y.released and y.parents == () and not w.released
    (w * x).backward()  # the parameter itself was not freed: it starts new graphs as before
    assert w.grad == 3 * first + 3.0


def test_micrograd_style_nodes_built_by_hand_backpropagate():
    a, b = Value(2.0), Value(5.0)
    c = Value(a.data * b.data, (a, b), "*", _local=(b.data, a.data))
    c.backward()
    assert (a.grad, b.grad) == (5.0, 2.0) and c.parents == (a, b)
    assert c.local_rule(0, ["a", "b"]) == "b"
    odd = Value(1.0, (a,), "myop", _local=(4.0,))
    odd.backward()
    assert a.grad == 9.0 and odd.local_rule(0, ["a"]) == "dmyop/da"
    with pytest.raises(ValueError, match="one local derivative per child"):
        Value(1.0, (a, b), "+", _local=(1.0,))
