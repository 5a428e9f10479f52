"""What the graph pictures tell a learner must be true: names, loss boxes, stale gradients, folding."""
from __future__ import annotations

import math
import re
import struct

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, viz
from tests.test_viz_graph import attr, node_lines


def clusters(source: str) -> dict[str, str]:
    """Cluster label -> the DOT text inside that cluster."""
    out = {}
    for m in re.finditer(r"subgraph (cluster_\w+) \{(.*?)\n\t\}", source, re.S):
        label = re.search(r'label="?([^"\n]*?)"?\s', m.group(2))
        out[label.group(1) if label else m.group(1)] = m.group(2)
    return out


def tiny_net(seed: int = 0):
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = nn.MLP([2, 4, 1], activation="tanh")
    X = mg.Tensor(rng.standard_normal((5, 2)).astype(np.float32), label="X")
    y = mg.Tensor((rng.random((5, 1)) > 0.5).astype(np.float32), label="y")
    return model, X, y


LOSSES = [  # (name, loss of the net's output, the user's own ops outside the loss function)
    ("mse_loss", lambda p, y: nn.functional.mse_loss(p, y), []),
    ("binary_cross_entropy_with_logits", lambda p, y: nn.functional.binary_cross_entropy_with_logits(p, y), []),
    ("binary_cross_entropy", lambda p, y: nn.functional.binary_cross_entropy(p.sigmoid(), y), ["sigmoid"]),
]


def labels_of(source: str) -> dict[str, str]:
    """Node id -> label text, record braces taken off (they only say which way the fields run)."""
    out = {}
    for k, v in node_lines(source).items():
        if "label=" in v:
            label = attr(v, "label")
            out[k] = label[2:-2] if label.startswith("{ ") and label.endswith(" }") else label
    return out


def box(source: str, name: str) -> str:
    """The label of the box whose first field is ``name``."""
    return next(label for label in labels_of(source).values() if label.split(" | ")[0] == name)


@pytest.mark.parametrize("name, loss_fn, own_ops", LOSSES)
@pytest.mark.parametrize("seed", [0, 3])
def test_a_loss_is_one_named_box_and_the_target_keeps_its_label(name, loss_fn, own_ops, seed):
    from minigrad.autograd import topological_order
    from minigrad.nn.functional import LossScope

    model, X, y = tiny_net(seed)
    loss = loss_fn(model(X), y)
    loss.backward(retain_graph=True)
    nodes = topological_order(loss, include_constants=True)
    inside = [n for n in nodes if isinstance(n.scope, LossScope) and n.parents]
    assert len(inside) >= 3  # the loss is several ops in the engine ...
    for collapse in (None, "module"):
        source = viz.draw(loss, model=model, collapse=collapse).source
        assert box(source, name)  # ... and one box named after it in the picture
        assert box(source, "y"), "the target's label is lost"
        ellipses = [labels_of(source)[i] for i, stmt in node_lines(source).items() if "shape=ellipse" in stmt]
        if collapse is None:  # every op has its ellipse, but the loss's are all in its box
            assert len(ellipses) == sum(1 for n in nodes if n.parents and not isinstance(n.scope, LossScope))
    folded = viz.draw(loss, model=model, collapse="module").source
    ellipses = [labels_of(folded)[i] for i, stmt in node_lines(folded).items() if "shape=ellipse" in stmt]
    assert ellipses == own_ops  # folded, only the learner's own ops outside modules are left


def test_an_unnamed_target_is_called_target():
    from minigrad.autograd import topological_order
    from minigrad.viz.names import NodeNames

    model, X, y = tiny_net()
    loss = nn.functional.mse_loss(model(X), mg.Tensor(y.numpy()))  # a Tensor without a label
    assert box(viz.draw(loss).source, "target")
    loss = nn.functional.mse_loss(model(X), y.numpy())  # an array: converted inside the loss
    names = NodeNames(loss)
    constants = [n for n in topological_order(loss, include_constants=True) if not n.requires_grad
                 and n.shape == (5, 1) and not n.parents]
    assert [names[n] for n in constants] == ["target"]


# -- stale gradients ------------------------------------------------------------------------------
def test_a_graph_whose_backward_never_ran_shows_leftover_gradients_as_stale():
    model, X, y = tiny_net()
    nn.functional.mse_loss(model(X), y).backward()  # the parameters now hold this loss's gradients
    fresh = model(X).sum()  # a new graph: its backward never ran
    g = viz.draw(fresh, model=model)
    assert g.info["stale"] == len(model.parameters())
    assert "backward() has not run on this graph" in g.source
    labels = labels_of(g.source)
    stale_boxes = [k for k, label in labels.items() if "(stale)" in label]
    assert len(stale_boxes) == len(model.parameters())
    for k in stale_boxes:  # not coloured by a gradient that is not this graph's
        assert attr(node_lines(g.source)[k], "fillcolor") == "#ffffff"
    assert g.info["flags"] == {}


def test_a_value_that_another_backward_wrote_shows_its_gradient_marked_stale():
    a, b = mg.Value(2.0, label="a"), mg.Value(-0.002, label="b")
    L = a * b
    L.backward()
    again = a * b  # same inputs, new graph, no backward yet
    assert "grad -0.0020 (stale)" in box(viz.draw(again).source, "a")  # not "grad -": a.grad is -0.002
    again.backward()
    labels = labels_of(viz.draw(again).source)
    assert not any("(stale)" in label for label in labels.values())


def test_only_the_boxes_a_later_pass_rewrote_are_stale():
    model, X, y = tiny_net()
    first = nn.functional.mse_loss(model(X), y)
    first.backward(retain_graph=True)
    second = nn.functional.mse_loss(model(X * 2.0), y)
    second.backward()  # rewrites the parameters' gradients, not first's intermediates
    g = viz.draw(first, model=model)
    assert g.info["stale"] == len(model.parameters())
    assert "not this graph's last one" in g.source
    assert g.info["flags"].get("ok", 0) > 0  # first's own intermediates are still its own


# -- names ----------------------------------------------------------------------------------------
def test_boxes_carry_the_names_of_the_step_view():
    from minigrad.viz.names import NodeNames

    a, b, c = mg.Value(2.0, label="a"), mg.Value(-3.0, label="b"), mg.Value(10.0, label="c")
    L = (a * b + c).tanh()
    L.backward()
    names = NodeNames(L)
    assert [names[n] for n in reversed(names.order)] == ["a", "b", "n1", "c", "n2", "L"]
    firsts = {label.split(" | ")[0] for label in labels_of(viz.draw(L).source).values()}
    assert {"a", "b", "c", "n1", "n2", "L"} <= firsts


def test_labels_name_the_intermediates_like_the_lesson():
    x = mg.Tensor([[1.0, 2.0]], label="X")
    w = mg.Tensor([[0.5], [-1.0]], requires_grad=True, label="W1")
    Z1 = x @ w
    Z1.label = "Z1"
    A1 = Z1.tanh()
    A1.label = "A1"
    A1.sum().backward(retain_graph=True)
    firsts = [label.split(" | ")[0] for label in labels_of(viz.draw(A1.sum()).source).values()]
    assert "Z1" in firsts and "A1" in firsts


@pytest.mark.parametrize("make, spelled", [
    (lambda a, b: b - a, "b - a"), (lambda a, b: b / a, "b / a"), (lambda a, b: b ** a, "b ** a"),
    (lambda a, b: a - b, "a - b")])
def test_non_commutative_ops_show_operand_order(make, spelled):
    a, b = mg.Value(2.0, label="a"), mg.Value(3.0, label="b")
    out = make(a, b)
    out.backward()
    ops = [label for label in labels_of(viz.draw(out).source).values() if "|" not in label]
    assert spelled in ops


def test_matmul_shows_which_side_is_which():
    x = mg.Tensor([[1.0], [2.0]], label="x")
    w = mg.Tensor([[1.0], [2.0]], requires_grad=True, label="w")
    out = (w.T @ x).sum()
    out.backward(retain_graph=True)
    assert "n1 @ x" in labels_of(viz.draw(out).source).values()  # n1 = w.T, on the left


@pytest.mark.parametrize("size, full", [(1, True), (6, True), (7, False)])
def test_small_tensors_show_every_value_and_gradient(size, full):
    x = mg.Tensor(np.arange(1.0, size + 1.0), requires_grad=True, label="x")
    (x * x).sum().backward(retain_graph=True)
    label = box(viz.draw((x * x).sum()).source, "x")
    if full:
        values = ", ".join(str(v) for v in range(1, size + 1))
        grads = ", ".join(str(2 * v) for v in range(1, size + 1))
        assert f"data [{values}]" in label and f"grad [{grads}]" in label
    else:
        assert "mean 4.0000" in label and "\\|\\|grad\\|\\|" in label


# -- folding and layout ---------------------------------------------------------------------------
def _positions(source: str) -> dict[str, tuple[float, float]]:
    """Where graphviz-pure puts each node: id -> (x, y), y growing upwards."""
    import subprocess

    from minigrad.viz.render import pure_command

    if pure_command() is None:
        pytest.skip("graphviz-pure is not installed")
    out = subprocess.run([pure_command(), "-Tplain"], input=source, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return {p[1]: (float(p[2]), float(p[3])) for p in (line.split() for line in out.stdout.splitlines())
            if p[0] == "node"}


def _scalar_mlp(sizes, seed=0, batch=2):
    from minigrad.viz.cli import build_mlp

    return build_mlp(sizes, batch=batch, scalar=True, seed=seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_folded_neurons_are_drawn_in_order(seed):
    loss, model = _scalar_mlp([2, 12, 12, 1], seed)
    g = viz.draw(loss, model=model, collapse="module")
    where = _positions(g.source)
    for layer in (0, 1):
        ids = {int(re.search(r"neurons\.(\d+):", label).group(1)): k for k, label in labels_of(g.source).items()
               if label.startswith(f"layers.{layer}.neurons.")}
        assert sorted(ids) == list(range(12))
        tops = [where[ids[i]][1] for i in range(12)]
        assert tops == sorted(tops, reverse=True), f"layer {layer}: neurons out of order"


def test_collapse_all_folds_a_layers_neurons_into_one_box():
    loss, model = _scalar_mlp([2, 16, 16, 1])
    g = viz.draw(loss, model=model, collapse="all")
    labels = list(labels_of(g.source).values())
    assert not any(".neurons." in label for label in labels)
    assert sum(1 for label in labels if re.match(r"layers\.\d: Layer \(\d+ × \w+Neuron\(\d+\)\)", label)) == 3
    assert g.info["boxes"] <= 8


def test_max_nodes_can_stop_folding_and_max_depth_folds_a_long_chain():
    loss, model = _scalar_mlp([1] * 11, batch=1)  # ten one-neuron layers: under 150 boxes, a chain longer than 40
    g = viz.draw(loss, model=model)
    assert g.info["detailed"] < 150 and g.info["collapse"] is not None and "max_depth=40" in g.info["folded"]
    assert viz.draw(loss, model=model, max_nodes=10_000, max_depth=None).info["collapse"] is None
    assert viz.draw(loss, model=model, max_nodes=10_000, max_depth=1000).info["collapse"] is None


def test_cli_counts_agree_with_the_picture_and_its_options_work(tmp_path, capsys):
    from minigrad.cli import main

    out = tmp_path / "s.svg"
    assert main(["graph", "--mlp", "2,8,8,1", "--scalar", "--batch", "2", "-o", str(out), "--renderer", "pure"]) == 0
    said = capsys.readouterr().out
    counts = re.search(r"(\d+) boxes \((\d+) values, (\d+) ops\) folded into (\d+)", said)
    assert counts, said
    assert counts.group(0) in out.read_text()  # the picture's note says the same numbers
    assert int(counts.group(1)) == int(counts.group(2)) + int(counts.group(3))
    deep = ["graph", "--mlp", ",".join(["1"] * 11), "--scalar", "--batch", "1", "-o", str(out), "--renderer", "pure"]
    assert main(deep) == 0
    assert "more than max_depth=40" in capsys.readouterr().out
    assert main(deep + ["--max-nodes", "100000"]) == 0
    assert "folded" not in capsys.readouterr().out
    assert main(deep + ["--max-nodes", "100000", "--max-depth", "12"]) == 0
    assert "more than max_depth=12" in capsys.readouterr().out


def test_a_12_layer_folded_net_fits_a_screen(tmp_path):
    from minigrad.viz.cli import build_mlp

    loss, model = build_mlp([2] + [16] * 12 + [1], batch=4)
    g = viz.draw(loss, model=model)
    assert g.info["collapse"] and "rows" in g.info["layout"]
    png = viz.render(g, tmp_path / "deep.png")
    width, height = struct.unpack(">II", open(png, "rb").read()[16:24])
    assert width <= 3000 and width / height <= 3, (width, height)  # drawn in one row it would be 9,400 x 430
    where = _positions(g.source)
    firsts = [k for k, label in labels_of(g.source).items() if label.startswith(("layers.0:", "layers.10:"))]
    assert len(firsts) == 2 and where[firsts[0]][1] > where[firsts[1]][1]  # a later layer sits on a lower row


def test_an_explicit_rankdir_is_kept():
    from minigrad.viz.cli import build_mlp

    loss, model = build_mlp([2] + [16] * 12 + [1], batch=4)
    g = viz.draw(loss, model=model, rankdir="LR")
    assert g.info["layout"] == "LR" and "rankdir=LR" in g.source
    assert viz.draw(loss, model=model, rankdir="TB").info["layout"] == "TB"


# -- the relative vanishing rule (health.py) in the colours ---------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_deep_sigmoid_nets_first_layers_are_flagged_by_the_relative_rule(seed):
    from minigrad import data, health

    mg.manual_seed(seed)
    X, y = data.make_moons(64, noise=0.1, seed=seed)
    model = nn.MLP([2] + [16] * 8 + [1], activation="sigmoid")  # its default init: gradients fade layer by layer
    loss = nn.functional.binary_cross_entropy_with_logits(model(mg.Tensor(X)), mg.Tensor(y))
    loss.backward(retain_graph=True)
    linears = [m for _, m in model.named_modules() if isinstance(m, nn.Linear)]
    norms = [math.sqrt(sum(health.grad_norm(p) ** 2 for p in m.parameters())) for m in linears]
    assert min(norms) > health.VANISHING  # the absolute rule alone sees nothing
    expected = health.classify_layers(norms)
    assert expected[0] == "vanishing"
    g = viz.draw(loss, model=model, collapse="module")
    labels = [label for label in labels_of(g.source).values() if re.match(r"layers\.\d+: Linear", label)]
    assert len(labels) == len(linears)
    for label, flag in zip(labels, expected):
        assert ("VANISHING (1/" in label) == (flag == "vanishing"), label
    assert g.info["flags"].get("vanishing")
    # unfolded too: the first layer's weight box says why
    assert "of the largest layer's" in box(viz.draw(loss, model=model, max_nodes=10_000, max_depth=None).source,
                                           "layers.0.weight")


def test_a_scalar_layers_neurons_are_judged_as_one_layer():
    from minigrad import health
    from minigrad.nn.scalar import MLP

    mg.manual_seed(0)
    model = MLP(2, [6, 6, 6, 6, 6, 1], activation="sigmoid")
    out = model([0.5, -1.0])
    out.backward()
    layer_norms = [math.sqrt(sum(p.grad ** 2 for p in layer.parameters())) for layer in model.layers]
    expected = health.classify_layers(layer_norms)
    assert "vanishing" in expected and "ok" in expected
    g = viz.draw(out, model=model, collapse="module")
    for i, flag in enumerate(expected):
        neurons = [label for label in labels_of(g.source).values() if label.startswith(f"layers.{i}.neurons.")]
        assert neurons and all(("VANISHING (1/" in n) == (flag == "vanishing") for n in neurons), (i, flag)
    folded = viz.draw(out, model=model, collapse="all")
    assert "VANISHING (1/" in box(folded.source, "layers.0: Layer (6 × SigmoidNeuron(2))") or expected[0] != "vanishing"
