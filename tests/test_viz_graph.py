"""viz.draw: the DOT text of known small graphs (nodes, edges, labels, colours), collapsing, released graphs."""
from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd, nn, viz
from minigrad.viz import graph as G


def node_lines(source: str) -> dict[str, str]:
    """DOT node statements by node id."""
    out = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            out[m.group(1)] = m.group(2)
    return out


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.M)


def attr(stmt: str, name: str) -> str:
    m = re.search(rf'\b{name}=("(?:[^"\\]|\\.)*"|[^ \]]+)', stmt)
    assert m, f"no {name} in {stmt}"
    return m.group(1).strip('"')


def micrograd_example():
    a, b, c = mg.Value(2.0, label="a"), mg.Value(-3.0, label="b"), mg.Value(10.0, label="c")
    e = a * b
    d = e + c
    out = d.tanh()
    out.label = "out"
    return a, b, c, e, d, out


def test_small_scalar_graph_nodes_edges_and_labels():
    a, b, c, e, d, out = micrograd_example()
    out.backward()
    g = viz.draw(out)
    assert isinstance(g, G.Graph)
    nodes = node_lines(g.source)
    # walk order: parents before children -> a, b, a*b, c, +, tanh
    labels = {k: attr(v, "label") for k, v in nodes.items()}
    assert labels["n0"] == "{ a | data 2.0000 | grad -0.0040 }"
    assert labels["n1"] == "{ b | data -3.0000 | grad 0.0027 }"
    assert labels["n3"].startswith("{ c | data 10.0000")
    assert labels["n5"] == "{ out | data 0.9993 | grad 1.0000 }"
    assert labels["n2_op"] == "*" and labels["n4_op"] == "+" and labels["n5_op"] == "tanh"
    assert sorted(edges(g.source)) == sorted([
        ("n0", "n2_op"), ("n1", "n2_op"), ("n2_op", "n2"), ("n2", "n4_op"), ("n3", "n4_op"), ("n4_op", "n4"),
        ("n4", "n5_op"), ("n5_op", "n5")])
    assert {k: g.info[k] for k in ("nodes", "boxes", "collapse", "flags", "released")} == \
        {"nodes": 6, "boxes": 9, "collapse": None, "flags": {"ok": 6}, "released": False}


def test_colours_follow_grad_on_a_log_scale():
    _, _, _, _, _, out = micrograd_example()
    out.backward()
    nodes = node_lines(viz.draw(out).source)
    # out has |grad| 1 -> the ramp colour for 1e0; a has 0.004 -> a cooler colour
    assert attr(nodes["n5"], "fillcolor") == G.grad_colour(1.0)
    assert attr(nodes["n0"], "fillcolor") == G.grad_colour(abs(-3.0 * (1 - np.tanh(4.0) ** 2)))
    assert G.grad_colour(1e-7) == "#9ecae1" and G.grad_colour(1e3) == "#fd8d3c"
    assert G.grad_colour(1e-12) == G.grad_colour(1e-7)  # clamped at the ends
    # larger gradients are warmer: the blue channel falls along the whole ramp
    blues = [int(G.grad_colour(10.0 ** e)[5:7], 16) for e in range(-7, 4)]
    assert blues == sorted(blues, reverse=True) and blues[0] > blues[-1]
    assert "legend" in nodes and "vanishing &lt; 1e-7" in nodes["legend"]


@pytest.mark.parametrize("grad, flag", [(1e-9, "vanishing"), (0.0, "zero"), (5e3, "exploding"),
                                        (float("nan"), "non-finite"), (float("inf"), "non-finite"), (0.5, "ok")])
def test_flags_are_marked_distinctly(grad, flag):
    x = mg.Value(1.0, label="x")
    y = x * 2.0
    y.label = "y"
    y.backward()
    x.grad = grad
    g = viz.draw(y)
    stmt = node_lines(g.source)["n0"]
    assert G.classify(G.grad_norm(x)) == flag
    if flag == "ok":
        assert attr(stmt, "fillcolor") == G.grad_colour(0.5)
        assert "VANISHING" not in stmt and "EXPLODING" not in stmt
    else:
        fill, border, width, _, word = G.FLAG_STYLES[flag]
        assert attr(stmt, "fillcolor") == fill and attr(stmt, "color") == border and attr(stmt, "penwidth") == width
        assert word in attr(stmt, "label")
    assert g.info["flags"][flag] == (3 if flag == "ok" else 1)  # y and the constant 2.0 are ok


def test_value_graph_before_backward_is_not_flagged_vanishing():
    _, _, _, _, _, out = micrograd_example()
    g = viz.draw(out)
    assert g.info["flags"] == {}
    assert "grad -" in g.source and G.NO_GRAD_NOTE.split(":")[0] in g.source
    assert "legend" not in node_lines(g.source)


def test_show_data_and_show_grad_off():
    _, _, _, _, _, out = micrograd_example()
    out.backward()
    g = viz.draw(out, show_data=False, show_grad=False)
    labels = [attr(v, "label") for v in node_lines(g.source).values()]
    assert labels and not any("data" in lab or "grad" in lab for lab in labels)
    assert "legend" not in node_lines(g.source)
    assert attr(node_lines(g.source)["n0"], "fillcolor") == G.NO_GRAD_FILL


def test_reused_node_has_two_edges_and_record_characters_are_escaped():
    a = mg.Value(3.0, label="a{1}|<x>")
    b = a + a
    b.backward()
    src = viz.draw(b).source
    assert edges(src).count(("n0", "n1_op")) == 2
    assert r"a\{1\}\|\<x\>" in src


def test_tensor_graph_shows_shape_op_description_and_norm():
    x = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], label="x")  # a constant: no requires_grad
    w = mg.Tensor([[1.0], [-1.0]], requires_grad=True, label="w")
    s = (x @ w).sum(axis=1)
    loss = s.mean()
    loss.label = "loss"
    loss.backward(retain_graph=True)
    nodes = node_lines(viz.draw(loss).source)
    labels = {k: attr(v, "label") for k, v in nodes.items()}
    assert "x" in labels["n0"] and "shape (2, 2)" in labels["n0"] and "dashed" in attr(nodes["n0"], "style")
    assert "bold" in attr(nodes["n1"], "style")  # a trainable leaf
    assert labels["n2_op"] == "x @ w"  # operand order matters: spelled out
    assert labels["n4_op"] == "mean"
    assert any(v == "sum(axis=1)" for v in labels.values())
    # w.grad = x^T @ (1/2, 1/2) = (2, 3): a tensor this small shows every value and gradient
    assert "grad [[2], [3]]" in labels["n1"] and "data [[1], [-1]]" in labels["n1"]
    assert "data [[1, 2], [3, 4]]" in labels["n0"]
    assert "grad -" in labels["n0"]  # the constant gets no gradient


def test_released_tensor_graph_says_how_to_keep_it():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()  # frees the graph
    g = viz.draw(loss)
    assert g.info["released"] is True
    assert len([k for k in node_lines(g.source) if k != "legend"]) == 1  # only the root is left
    assert "retain_graph=True" in g.source


def test_deep_chain_draws_without_recursion():
    x = mg.Value(0.5, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    g = viz.draw(y)  # folded: far more than max_nodes
    assert g.info["nodes"] == 40_001 and g.info["collapse"] == "all"
    assert g.info["boxes"] <= 4  # the output, its op, the folded constants, the folded ops
    assert len(G.walk([y])) == 40_001


class Affine:
    """A tiny Module-like class: its forward runs under autograd.scope(self), as nn.Module does."""

    def __init__(self, n_in, n_out, name):
        self.w = mg.randn(n_in, n_out, requires_grad=True)
        self.b = mg.zeros(n_out, requires_grad=True)
        self.name = name

    def parameters(self):
        return [self.w, self.b]

    def __call__(self, x):
        with autograd.scope(self):
            return x @ self.w + self.b

    def __repr__(self):
        return f"Affine({self.name})"


def test_clusters_named_after_modules_and_collapse_summary():
    l1, l2 = Affine(3, 4, "first"), Affine(4, 1, "second")
    x = mg.randn(5, 3)
    loss = l2(l1(x).tanh()).mean()
    loss.backward(retain_graph=True)
    src = viz.draw(loss).source
    assert "subgraph cluster_m0" in src and "label=\"Affine(first)\"" in src
    assert "subgraph cluster_m1" in src and "label=\"Affine(second)\"" in src
    g = viz.draw(loss, collapse="module")
    nodes = node_lines(g.source)
    assert g.info["collapse"] == "module"
    assert "16 parameters" in attr(nodes["m0"], "label")  # 3*4 + 4
    norm = np.sqrt(np.sum(l1.w.grad.numpy() ** 2) + np.sum(l1.b.grad.numpy() ** 2))
    assert f"params {G.fmt(float(norm))}" in attr(nodes["m0"], "label")
    assert ("n0", "m0") in edges(g.source)  # the input feeds the first module
    assert not any(k.startswith("n") and k[1:].isdigit() and "requires" in v for k, v in nodes.items())


def test_nn_mlp_collapsed_with_model_names():
    model = nn.MLP([4, 8, 8, 2], activation="tanh")
    loss = nn.functional.cross_entropy(model(mg.randn(6, 4)), mg.Tensor(np.array([0, 1, 0, 1, 1, 0])))
    loss.backward(retain_graph=True)
    g = viz.draw(loss, collapse="module", model=model)
    labels = [attr(v, "label") for v in node_lines(g.source).values()]
    assert any(lab.startswith("layers.0: Linear(4 -\\> 8") and "40 parameters" in lab for lab in labels)
    assert any("layers.1: Tanh()" in lab for lab in labels)
    assert sum("parameters" in lab for lab in labels) == 3


def test_big_mlp_training_step_collapses_to_a_few_boxes():
    model = nn.MLP([784, 256, 256, 10], activation="relu")
    x = mg.randn(32, 784)
    loss = nn.functional.cross_entropy(model(x), mg.Tensor(np.arange(32) % 10))
    loss.backward(retain_graph=True)
    g = viz.draw(loss, collapse="module", model=model)
    assert g.info["boxes"] < 20
    assert "200,960 parameters" in g.source and "65,792 parameters" in g.source and "2,570 parameters" in g.source


def test_scalar_mlp_beyond_max_nodes_becomes_per_module_summaries():
    from minigrad.nn.scalar import MLP

    model = MLP(2, [4, 4, 1])
    xs = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.7]]
    loss = sum((model(x) - 1.0) ** 2 for x in xs)
    loss.backward()
    g = viz.draw(loss, max_nodes=60, model=model)
    assert g.info["collapse"] in ("module", "all") and g.info["boxes"] <= 60
    assert "layers.0.neurons.0: TanhNeuron(2)" in g.source or "layers.0.neurons.0: ReLUNeuron(2)" in g.source
    assert "3 parameters" in g.source and "5 parameters" in g.source
    assert re.search(r"\d+ boxes \(\d+ values, \d+ ops\) folded into \d+", g.source)


def test_bad_arguments_raise_clear_errors():
    x = mg.Value(1.0)
    with pytest.raises(ValueError, match="collapse"):
        viz.draw(x, collapse="layers")
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(x, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw(x, max_nodes=0)
    with pytest.raises(TypeError, match="Value or Tensor"):
        viz.draw(3.0)
    with pytest.raises(ValueError, match="empty"):
        viz.draw([])


def test_rankdir_tb_flips_record_rows():
    _, _, _, _, _, out = micrograd_example()
    out.backward()
    src = viz.draw(out, rankdir="TB").source
    assert "rankdir=TB" in src and 'label="a | data 2.0000 | grad -0.0040"' in src


def test_zero_gradient_has_its_own_style_and_legend_entry():
    # x2 = 0 makes w2's gradient exactly 0: "no signal reached it", drawn apart from tiny-but-not-0 gradients
    x2, w2 = mg.Value(0.0, label="x2"), mg.Value(1.0, label="w2")
    out = (x2 * w2 + 1.0).tanh()
    out.backward()
    g = viz.draw(out)
    stmt = [v for v in node_lines(g.source).values() if "w2" in attr(v, "label")][0]
    fill, border, _, _, word = G.FLAG_STYLES["zero"]
    assert attr(stmt, "fillcolor") == fill and attr(stmt, "color") == border and word in attr(stmt, "label")
    assert fill != G.FLAG_STYLES["vanishing"][0]
    assert g.info["flags"]["zero"] == 1 and "vanishing" not in g.info["flags"]
    assert "exactly 0" in node_lines(g.source)["legend"]


def test_a_long_chain_of_modules_is_folded_even_under_max_nodes():
    # a 10-hidden-layer tanh net has few boxes (< max_nodes) but a chain ~70 long: an unreadable strip unfolded
    mg.manual_seed(0)
    model = nn.MLP([2] + [16] * 10 + [1], activation="tanh")
    loss = nn.functional.mse_loss(model(mg.randn(8, 2)), mg.randn(8, 1))
    loss.backward(retain_graph=True)
    g = viz.draw(loss, model=model)
    assert g.info["nodes"] * 2 < G.DEFAULT_MAX_NODES and g.info["collapse"] == "module"
    assert "max_depth=40" in g.source
    assert viz.draw(loss, model=model, max_depth=1000).info["collapse"] is None
    small = mg.Value(1.0, label="x")
    for _ in range(30):  # a long chain with no modules to fold stays as it is
        small = small.tanh()
    assert viz.draw(small).info["collapse"] is None
