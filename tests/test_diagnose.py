"""minigrad.diagnose: the Monitor's numbers, gradient flags, NaN localisation, bias/variance and error analysis."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import data, diagnose, nn
from minigrad.nn import functional as F


def _batch(n: int = 64, d: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


# -- the Monitor ------------------------------------------------------------------------------
def test_monitor_records_each_layer_in_call_order_with_correct_numbers():
    X, y = data.make_moons(100, seed=0)
    model = nn.MLP([2, 8, 4, 1], activation="tanh")
    with diagnose.Monitor(model) as mon:
        out = model(X)
        loss = F.binary_cross_entropy_with_logits(out, y)
        loss.backward()
        records = mon.step()
    assert [r.name for r in records] == ["layers.0", "layers.1", "layers.2", "layers.3", "layers.4"]
    assert [r.kind for r in records] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    # activation statistics are those of the layer outputs, recomputed here by hand
    W0, b0 = model.layers[0].weight.numpy(), model.layers[0].bias.numpy()
    a1 = np.tanh(X.astype(np.float64) @ W0 + b0)
    r = records[1]
    assert r.shape == (100, 8)
    assert r.act_mean == pytest.approx(a1.mean(), abs=1e-5)
    assert r.act_std == pytest.approx(a1.std(), abs=1e-5)
    assert r.act_norm == pytest.approx(np.linalg.norm(a1), rel=1e-5)
    assert r.saturated_fraction == pytest.approx(np.mean(np.abs(a1) > 0.99))
    # parameter gradient norm: weight and bias together
    lin = model.layers[2]
    expected = np.sqrt((lin.weight.grad.numpy() ** 2).sum() + (lin.bias.grad.numpy() ** 2).sum())
    assert records[2].grad_norm == pytest.approx(expected, rel=1e-5)
    assert records[1].grad_norm is None  # tanh has no parameters
    # the gradient reaching the output layer is d(mean BCE)/d(logits) = (sigmoid(z) - y) / n
    z = out.numpy().astype(np.float64)
    dz = (1 / (1 + np.exp(-z)) - y) / len(y)
    assert records[-1].out_grad_norm == pytest.approx(np.linalg.norm(dz), rel=1e-4)
    assert all(not r.flags for r in records)
    assert "layers.2" in str(mon) and "|dW|" in str(mon)


def test_remove_restores_the_model_and_double_monitoring_is_refused():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    before = model(np.ones((1, 3), np.float32)).numpy()
    mon = diagnose.Monitor(model)
    with pytest.raises(RuntimeError, match="already monitored"):
        diagnose.Monitor(model)
    mon.remove()
    mon.remove()  # twice is fine
    assert all("forward" not in vars(m) for m in model.modules())
    np.testing.assert_array_equal(model(np.ones((1, 3), np.float32)).numpy(), before)
    assert set(model.state_dict()) == {"layers.0.weight", "layers.0.bias"}


def test_a_single_layer_model_and_a_second_pass_replace_the_records():
    model = nn.Linear(4, 2)
    mon = diagnose.Monitor(model)
    model(_batch(5, 4))
    model(_batch(7, 4, seed=1))
    assert [(r.name, r.shape) for r in mon.stats()] == [("Linear", (7, 2))]
    mon.remove()


def test_history_and_series_over_training_steps():
    X, y = data.make_moons(128, seed=1)
    model = nn.MLP([2, 8, 1], activation="relu")
    opt = mg.optim.SGD(model.parameters(), lr=0.5)
    with diagnose.Monitor(model, history=3) as mon:
        for _ in range(5):
            loss = F.binary_cross_entropy_with_logits(model(X), y)
            opt.zero_grad()
            loss.backward()
            mon.step()
            opt.step()
        norms = mon.series("layers.0", "grad_norm")
        assert len(norms) == 3 and all(v > 0 for v in norms)  # history keeps the last 3 steps
        with pytest.raises(KeyError, match="layers.9"):
            mon.series("layers.9")
        with pytest.raises(ValueError, match="unknown field"):
            mon.series("layers.0", "colour")


# -- vanishing / exploding / dead / saturated ------------------------------------------------
def _deep_tanh(init):
    return nn.MLP([16] + [32] * 20 + [1], activation="tanh", init=init)


def test_deep_tanh_with_small_init_has_vanishing_gradients():
    stats = diagnose.probe(_deep_tanh(0.01), _batch())
    first = stats[0]
    assert first.grad_norm < 1e-7 and first.flags == ("vanishing",)
    # gradient norms shrink by orders of magnitude from the output back to the input
    linear = [r.grad_norm for r in stats if r.kind == "Linear"]
    assert linear[-1] / linear[0] > 1e10


def test_deep_tanh_with_large_init_has_exploding_gradients():
    stats = diagnose.probe(_deep_tanh(1.0), _batch())
    assert stats[0].grad_norm > 1e3 and stats[0].flags == ("exploding",)
    tanh = [r for r in stats if r.kind == "Tanh"]
    assert np.mean([r.saturated_fraction for r in tanh]) > 0.5
    assert any("saturated" in r.flags for r in tanh)


def test_deep_tanh_with_xavier_init_is_healthy():
    stats = diagnose.probe(_deep_tanh("xavier"), _batch())
    assert not any({"vanishing", "exploding", "non-finite"} & set(r.flags) for r in stats)


def test_probe_leaves_gradients_alone():
    model = nn.MLP([4, 3, 1])
    x = _batch(8, 4)
    model(x).sum().backward()
    before = [p.grad.numpy().copy() for p in model.parameters()]
    diagnose.probe(model, x, np.zeros((8, 1), np.float32), F.mse_loss)
    for p, g in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    assert all("forward" not in vars(m) for m in model.modules())


def test_dead_relu_fraction():
    model = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 1))
    model.layers[0].bias.data[:6] = -100.0  # 6 of 10 units can never fire on these inputs
    stats = diagnose.probe(model, _batch(32, 4))
    relu = stats[1]
    assert relu.dead_fraction == pytest.approx(0.6)
    assert "dead" in relu.flags


def test_flags_for_a_dead_network_have_zero_gradient():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    model.layers[0].bias.data[:] = -100.0
    stats = diagnose.probe(model, _batch(8, 4))
    assert stats[0].grad_norm == 0.0 and "zero" in stats[0].flags  # health says zero, not merely small


# -- NaN / inf ---------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN/inf is planted
def test_forward_nan_names_the_layer_where_it_appeared():
    model = nn.MLP([4, 8, 8, 1], activation="relu")
    model.layers[2].weight.data[0, 0] = np.nan
    with diagnose.Monitor(model) as mon:
        with pytest.raises(diagnose.NonFiniteError, match="'layers.2'") as info:
            model(_batch(4, 4))
        assert info.value.layer == "layers.2" and info.value.phase == "forward"
        assert mon.first_nonfinite == ("layers.2", "forward")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN/inf is planted
def test_forward_nan_in_the_data_is_blamed_on_the_input():
    model = nn.MLP([4, 3, 1])
    x = _batch(4, 4)
    x[1, 2] = np.inf
    with diagnose.Monitor(model):
        with pytest.raises(diagnose.NonFiniteError, match="input batch") as info:
            model(x)
    assert info.value.layer == "input"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN/inf is planted
def test_record_mode_carries_on_and_remembers_the_first_layer():
    model = nn.MLP([4, 8, 8, 1], activation="relu")
    model.layers[0].weight.data[:] = np.inf
    with diagnose.Monitor(model, on_nonfinite="record") as mon:
        model(_batch(4, 4))
        assert mon.first_nonfinite == ("layers.0", "forward")
        assert "non-finite" in mon.stats()[0].flags


class _Sqrt(nn.Module):
    """sqrt: finite at 0 going forward, infinite derivative going back."""

    def forward(self, x):
        return x.sqrt()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN/inf is planted
def test_backward_nan_names_the_layer_whose_backward_made_it():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), _Sqrt(), nn.Linear(3, 1))
    model.layers[0].bias.data[:] = -100.0  # ReLU outputs exact zeros: sqrt'(0) = inf
    with diagnose.Monitor(model) as mon:
        out = model(_batch(4, 4))
        assert np.isfinite(out.numpy()).all()  # the forward pass is fine
        out.sum().backward()
        with pytest.raises(diagnose.NonFiniteError, match="backward pass of layer 'layers.2'") as info:
            mon.step()
    assert info.value.layer == "layers.2" and info.value.phase == "backward"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN/inf is planted
def test_nonfinite_gradient_from_the_loss_is_blamed_on_the_loss():
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    model.layers[0].weight.data[:] = 100.0
    x = np.ones((2, 2), np.float32)
    with diagnose.Monitor(model) as mon:
        p = model(x)  # sigmoid(200) == 1.0 exactly in float32
        loss = (1.0 - p).log().mean()  # log(0): a careless BCE
        loss.backward()
        with pytest.raises(diagnose.NonFiniteError, match="loss") as info:
            mon.check_gradients()
    assert info.value.layer == "loss"


def test_monitor_rejects_bad_arguments():
    with pytest.raises(TypeError, match="Module"):
        diagnose.Monitor(object())
    with pytest.raises(ValueError, match="on_nonfinite"):
        diagnose.Monitor(nn.Linear(1, 1), on_nonfinite="ignore")


# -- bias / variance -------------------------------------------------------------------------
def test_bias_variance_course_examples():
    # human 1%, train 8%, dev 10%: focus on bias
    r = diagnose.bias_variance_report(0.08, 0.10, bayes_err=0.01)
    assert r.avoidable_bias == pytest.approx(0.07) and r.variance == pytest.approx(0.02)
    assert r.dominant == "avoidable bias" and any("bigger network" in a for a in r.actions)
    # human 7.5%, same train/dev: focus on variance
    r = diagnose.bias_variance_report(0.08, 0.10, bayes_err=0.075)
    assert r.avoidable_bias == pytest.approx(0.005) and r.dominant == "variance"
    assert any("regulariz" in a for a in r.actions) and any("more training data" in a for a in r.actions)
    # train 1%, train-dev 1.5%, dev 10%: data mismatch
    r = diagnose.bias_variance_report(0.01, 0.10, bayes_err=0.0, train_dev_err=0.015)
    assert r.variance == pytest.approx(0.005) and r.data_mismatch == pytest.approx(0.085)
    assert r.dominant == "data mismatch" and any("synthes" in a for a in r.actions)
    # test much worse than dev: overfitting to dev
    r = diagnose.bias_variance_report(0.02, 0.03, bayes_err=0.01, test_err=0.08)
    assert r.overfitting_to_dev == pytest.approx(0.05) and r.dominant == "overfitting to dev"
    assert any("bigger dev set" in a for a in r.actions)


def test_bias_variance_without_bayes_and_when_all_is_well():
    r = diagnose.bias_variance_report(0.15, 0.16)  # Bayes assumed ~0: high bias
    assert r.avoidable_bias == pytest.approx(0.15) and r.dominant == "avoidable bias"
    assert r.data_mismatch is None and r.overfitting_to_dev is None
    r = diagnose.bias_variance_report(0.011, 0.013, bayes_err=0.01)
    assert r.dominant == "none"


def test_bias_variance_table_and_bad_input():
    r = diagnose.bias_variance_report(0.01, 0.11, bayes_err=0.005, train_dev_err=0.015, test_err=0.12)
    text = str(r)
    for piece in ("Bayes / human", "0.50%", "train-dev", "1.50%", "data mismatch", "9.50%", "<- dominant",
                  "overfitting to dev"):
        assert piece in text
    assert text.count("<- dominant") == 1
    with pytest.raises(ValueError, match="0.08 for 8%"):
        diagnose.bias_variance_report(8, 10)


# -- error analysis -------------------------------------------------------------------------
def test_error_analysis_counts_and_ceilings_like_the_course():
    # 100 mistakes on a dev set with 10% error: 5 dogs, 43 great cats, 61 blurry (some overlap)
    dogs = np.zeros(100, bool)
    dogs[:5] = True
    cats = np.zeros(100, bool)
    cats[5:48] = True
    blurry = np.zeros(100, bool)
    blurry[30:91] = True
    result = diagnose.error_analysis({"dog": dogs, "great cat": cats, "blurry": blurry}, error_rate=0.10)
    assert [r.attribute for r in result.rows] == ["blurry", "great cat", "dog"]
    dog = [r for r in result.rows if r.attribute == "dog"][0]
    assert dog.count == 5 and dog.fraction == pytest.approx(0.05)
    assert dog.ceiling == pytest.approx(0.005) and dog.error_after == pytest.approx(0.095)  # 10% -> 9.5% at best
    assert result.best().attribute == "blurry" and result.best().error_after == pytest.approx(0.039)
    assert result.unexplained == 9  # rows 91..99
    text = str(result)
    assert "9.50%" in text and "(none of these)" in text


def test_error_analysis_input_forms_agree():
    as_dicts = [{"blurry": True, "dark": False}, {"blurry": True, "dark": True}, {"blurry": False, "dark": False}]
    as_tags = [{"blurry"}, {"blurry", "dark"}, set()]
    a = diagnose.error_analysis(as_dicts)
    b = diagnose.error_analysis(as_tags)
    assert [(r.attribute, r.count) for r in a.rows] == [(r.attribute, r.count) for r in b.rows] == \
        [("blurry", 2), ("dark", 1)]
    assert a.rows[0].ceiling is None and a.unexplained == b.unexplained == 1
    with pytest.raises(ValueError, match="no attribute"):
        diagnose.error_analysis(as_dicts, attributes=["foggy"])


def test_error_analysis_of_a_shape_classifier_finds_the_planted_causes():
    # a simulated classifier that predicts the *true* shape, but errs on 30% of blurry images and 2% of the
    # rest; against the given labels, mislabeled examples then count as mistakes too
    X, y, attrs = data.make_shapes(2000, p_blurry=0.2, p_mislabeled=0.05, seed=0)
    gen = np.random.default_rng(0)
    err_rate = np.where(attrs["blurry"], 0.3, 0.02)
    pred = np.where(gen.random(len(y)) < err_rate, (attrs["true_label"] + 1) % 3, attrs["true_label"])
    wrong = pred != y
    result = diagnose.error_analysis(attrs[wrong], error_rate=float(wrong.mean()))
    counts = {r.attribute: r.count for r in result.rows}
    assert set(counts) == {"blurry", "dark", "occluded", "mislabeled"}
    assert counts["dark"] == 0 and counts["occluded"] == 0
    assert counts["blurry"] == int((wrong & attrs["blurry"]).sum())
    assert counts["mislabeled"] == int((wrong & attrs["mislabeled"]).sum())
    assert result.best().attribute == "blurry" and result.rows[1].attribute == "mislabeled"
    assert result.best().fraction > 0.4  # 20% of the data, most of the mistakes
    assert result.best().ceiling == pytest.approx(counts["blurry"] / len(y))


def test_probe_puts_batchnorm_running_statistics_back():
    model = nn.MLP([4, 6, 1], batchnorm=True)
    bn = model.layers[1]
    before = bn.running_mean.numpy().copy()
    stats = diagnose.probe(model, _batch(16, 4) + 5.0)
    assert stats[1].kind == "BatchNorm1d" and abs(stats[1].act_mean) < 1e-4  # normalized in training mode
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
