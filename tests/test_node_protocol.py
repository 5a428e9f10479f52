"""The public face of a graph node (`minigrad.autograd.Node`): what viz, the REPL and lessons may read."""
from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, Value
from minigrad.autograd import is_node, topological_order

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENGINE = {"autograd.py", "scalar.py", "tensor.py", "tensor_math.py", "tensor_shape.py", "tensor_reduce.py",
          "tensor_inplace.py", "dispatch.py", "functions.py",
          "backend.py", "gradcheck.py"}


def test_value_and_tensor_show_parents_op_and_describe():
    a, b = Value(2.0, label="a"), Value(-3.0)
    c = a * b
    assert c.parents == (a, b) and c.op == "*" and c.describe() == "*"
    assert a.parents == () and a.op == "" and not c.released
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    s = x.sum(axis=1)
    assert s.parents == (x,) and s.op == "sum" and s.describe() == "sum(axis=1)"
    assert x.parents == () and x.op == "" and x.describe() == ""
    assert (x ** 2).describe() == "**2"


def test_parents_and_op_are_read_only():
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    with pytest.raises(AttributeError):
        y.parents = ()
    with pytest.raises(AttributeError):
        y.op = "+"
    with pytest.raises(AttributeError):
        Value(1.0).parents = ()


def test_a_freed_tensor_says_released_and_keeps_its_op_name():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert y.released and y.parents == () and y.describe() == "sum"


def test_local_rule_puts_the_parents_names_into_the_formula():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    assert y.local_rule(0, ["x", "w"]) == "g * w"
    assert y.local_rule(1, ["x", "w"]) == "g * x"
    t = y.tanh()
    assert t.local_rule(0, ["n1"]) == "g * (1 - tanh(n1)²)"
    q = x / w
    assert q.local_rule(1, ["x", "-3"]) == "-g * x / (-3)²"
    assert (x ** w).local_rule(1, ["x", "w"]) == "g * x^w * ln x"
    with pytest.raises(IndexError):
        y.local_rule(2, ["x", "w"])


def test_is_node_tells_graph_nodes_from_everything_else():
    assert is_node(Value(1.0)) and is_node(Tensor([1.0]))
    assert not is_node(np.ones(2)) and not is_node(3.0) and not is_node(mg.nn.Linear(2, 2))


def test_topological_order_takes_several_roots_children_before_parents():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y1, y2 = h.sum(), (h * h).mean()
    order = topological_order([y1, y2])
    assert len(order) == len({id(n) for n in order}) == 5  # x, h, h*h, y1, y2: each once
    position = {id(n): i for i, n in enumerate(order)}
    for n in order:
        assert all(position[id(p)] > position[id(n)] for p in n.parents if id(p) in position)
    assert order[-1] is x
    # one root as a node or in a list gives the same order
    assert [id(n) for n in topological_order(y1)] == [id(n) for n in topological_order([y1])]


def test_topological_order_lists_constants_only_when_asked():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([5.0, 6.0])  # needs no gradient: the input batch, say
    y = (x * c).sum()
    assert all(n is not c for n in topological_order(y))
    with_constants = topological_order(y, include_constants=True)
    assert any(n is c for n in with_constants) and with_constants[0] is y


def test_no_module_outside_the_engine_reads_private_node_attributes():
    pattern = re.compile(r"\._(prev|op|ctx|local|scope|released)\b")
    offenders = []
    for folder in ("minigrad", "repl"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.parent.name == "minigrad" and path.name in ENGINE or path.parent.name == "ops":
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    for path in (ROOT / "lessons").glob("*.md"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
