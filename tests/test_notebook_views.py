"""What Jupyter shows for tensors and modules: short, true, and cheap."""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import Tensor, nn


def test_small_tensor_shows_its_values_and_gradient_state():
    x = Tensor([1.5, -2.0, 3.25], requires_grad=True, label="x")
    view = x._repr_html_()
    assert "<b>x</b>" in view and "(3,)" in view and "float32" in view and "cpu" in view
    assert "[1.5, -2, 3.25]" in view
    assert ".grad is None" in view
    (x * x).sum().backward()
    view = x._repr_html_()
    assert "grad [3, -4, 6.5]" in view


def test_big_tensor_shows_a_summary_not_every_value():
    mg.manual_seed(0)
    x = mg.randn(100, 50)
    view = x._repr_html_()
    assert "(100, 50)" in view and "no grad" in view
    assert "mean" in view and "std" in view and "..." in view
    assert view.count("\n") < 12


def test_intermediate_tensor_names_its_op():
    a = Tensor([[1.0, 2.0]], requires_grad=True)
    b = (a * 2).sum()
    assert "made by" in b._repr_html_()


def test_module_table_lists_layers_with_parameter_counts():
    mg.manual_seed(0)
    model = nn.MLP([2, 16, 16, 1], activation="tanh", dropout=0.1)
    model.layers[0].requires_grad_(False)
    view = model._repr_html_()
    assert view.count("<tr>") == 1 + len(model.layers)  # header + one row per layer
    assert "Linear(2 -&gt; 16" in view and "48 (frozen)" in view and ">272<" in view and ">17<" in view
    assert "Dropout(p=0.1)" in view
    assert f"{model.num_parameters():,} parameters (48 frozen)" in view
    assert "training mode" in view
    assert "eval mode" in model.eval()._repr_html_()


def test_nested_containers_show_their_leaves():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    view = model._repr_html_()
    assert "<code>layers.1.layers.1</code>" in view
    assert view.count("<tr>") == 4
    assert np.isclose(model.num_parameters(), 13)
