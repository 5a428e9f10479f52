"""minigrad.health: one vocabulary, the absolute and relative thresholds, and every view using them."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import data, diagnose, health, nn
from minigrad.nn import functional as F


@pytest.mark.parametrize("norm, flag", [(None, None), (0.0, "zero"), (1e-9, "vanishing"), (0.5, "ok"),
                                        (5e3, "exploding"), (math.nan, "non-finite"), (math.inf, "non-finite")])
def test_classify_absolute(norm, flag):
    assert health.classify(norm) == flag
    assert flag is None or flag in health.FLAGS


def test_relative_rule_against_the_largest_layer():
    assert health.classify(0.009, reference=1.0) == "vanishing"
    assert health.classify(0.011, reference=1.0) == "ok"
    assert health.classify_layers([2.0, 0.01, None, 1.0]) == ["ok", "vanishing", None, "ok"]
    # a NaN layer is non-finite and does not become the reference of the others
    assert health.classify_layers([math.nan, 1e-3, 1.0]) == ["non-finite", "vanishing", "ok"]
    assert "1/1,000" in health.why(1e-3, 1.0) and "<" in health.why(1e-9)


def test_grad_norm_of_nodes_and_norm_of_arrays():
    a = mg.Value(2.0)
    (a * a).backward()
    assert health.grad_norm(a) == 4.0
    t = mg.Tensor([[3.0, 4.0]], requires_grad=True)
    (t * 2).sum().backward()
    assert health.grad_norm(t) == pytest.approx(math.sqrt(8))
    assert health.grad_norm(mg.Tensor([1.0])) is None
    assert health.norm(np.array([3.0, 4.0])) == 5.0 and health.norm(t.grad) == pytest.approx(math.sqrt(8))
    assert math.isnan(health.norm(np.array([np.nan, 1.0])))


def _first_to_largest(model, X, y):
    stats = diagnose.probe(model, X, y, F.binary_cross_entropy_with_logits)
    return stats, [r for r in stats if r.grad_norm is not None]


@pytest.mark.parametrize("seed", range(4))
def test_deep_sigmoid_is_flagged_only_by_the_relative_rule_and_healthy_nets_are_not(seed):
    X, y = data.make_moons(200, noise=0.1, seed=seed)
    mg.manual_seed(seed)
    sigmoid = nn.MLP([2] + [32] * 6 + [1], activation="sigmoid")
    stats, linear = _first_to_largest(sigmoid, X, y)
    assert all(r.grad_norm > health.VANISHING for r in linear)  # the absolute rule sees nothing
    assert "vanishing" in stats[0].flags
    for activation in ("tanh", "relu"):  # Xavier / He by default: every layer within 1/10 of the largest
        mg.manual_seed(seed)
        stats, _ = _first_to_largest(nn.MLP([2] + [32] * 10 + [1], activation=activation), X, y)
        assert not any({"vanishing", "exploding", "zero", "non-finite"} & set(r.flags) for r in stats)


def test_one_vocabulary_across_views():
    from minigrad.viz import graph, term

    assert set(graph.FLAG_STYLES) <= set(health.FLAGS)
    assert "NaN" in term.bars({"a": math.nan, "b": 1.0}, width=60, color=False)
    # the graph colours and the monitor share health's classify
    assert graph.classify is health.classify and graph.grad_norm is health.grad_norm


def test_views_print_the_thresholds_health_holds():
    """Each view's words for the limits come from health's numbers, written short."""
    from minigrad.viz import graph_style, term

    from repl.commands.inspect import EXPLAIN

    assert (health.limit(1e-7), health.limit(1e3), health.limit(1e-2)) == ("1e-7", "1e3", "1/100")
    assert health.limit(5e-6) == "5e-6" and health.limit(0.1) == "1/10"
    assert f"vanishing &lt; {health.VANISHING_TEXT}" in graph_style.legend_html(False)
    assert f"exploding > {health.EXPLODING_TEXT}" in term.bars({"a": 1e-9, "b": 2.0}, width=80, color=False)
    assert f"< {health.VANISHING_TEXT}," in EXPLAIN["vanishing"] and health.RELATIVE_TEXT in EXPLAIN["vanishing"]
