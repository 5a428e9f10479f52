"""minigrad.nn: modules, layers, initializers, losses (values against NumPy, gradients against finite differences)."""
from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.ops import ShapeError


def f64(shape, seed=0, low=-2.0, high=2.0):
    return mg.Tensor(np.random.default_rng(seed).uniform(low, high, size=shape), requires_grad=True,
                     dtype=np.float64)


# -- Module machinery ----------------------------------------------------------------------------
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2, bias=False)
        self.scale = mg.Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
        self.register_buffer("seen", mg.zeros(1))

    def forward(self, x):
        return self.head(self.body(x).relu()) * self.scale


def test_named_parameters_buffers_and_modules_in_order():
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["scale", "body.weight", "body.bias", "head.weight"]
    assert [n for n, _ in m.named_buffers()] == ["seen"]
    assert [n for n, _ in m.named_modules()] == ["", "body", "head"]
    assert [type(c).__name__ for c in m.children()] == ["Linear", "Linear"]
    assert m.num_parameters() == 2 + 12 + 4 + 8
    assert all(p.requires_grad and p.is_leaf for p in m.parameters())


def test_forgetting_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = mg.zeros(2, requires_grad=True)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_shared_layer_counts_once_and_zero_grad():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(model.parameters()) == 2
    model(np.ones((3, 2), np.float32)).sum().backward()
    assert lin.weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_eval_propagates_to_every_module():
    model = nn.MLP([2, 4, 1], dropout=0.5, batchnorm=True)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_call_records_the_module_on_graph_nodes():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    out = model(mg.Tensor(np.ones((4, 2), np.float32)))
    assert out.scope is model.layers[2]  # the innermost module that ran
    hidden = out.parents[0].parents[0]  # (relu -> ) @ : inputs of the last Linear's matmul
    assert hidden.scope is model.layers[1]


def test_repr_shows_layers_and_parameter_counts():
    model = nn.MLP([2, 16, 1], activation="tanh")
    text = repr(model)
    assert "Linear(2 -> 16, init='xavier')  # 48 params" in text
    assert "Tanh()" in text and "total 65 parameters" in text
    model.layers[0].freeze()
    assert "(frozen)" in repr(model) and "48 frozen" in repr(model)


def test_importing_nn_stays_light():
    code = ("import sys, minigrad.nn; heavy = [m for m in ('prompt_toolkit', 'matplotlib', 'graphviz', 'cupy') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- state dicts -----------------------------------------------------------------------------------
def test_state_dict_round_trip_copies_values():
    a, b = nn.MLP([2, 5, 1], batchnorm=True), nn.MLP([2, 5, 1], batchnorm=True)
    a.train()
    a(np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32))  # moves BatchNorm's running stats
    state = a.state_dict()
    assert "layers.1.running_mean" in state and "layers.1.running_var" in state
    b.load_state_dict(state)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb and np.array_equal(pa.numpy(), pb.numpy())
    np.testing.assert_array_equal(b.layers[1].running_mean.numpy(), a.layers[1].running_mean.numpy())
    state["layers.0.weight"][...] = 123.0  # the model must not alias the dict's arrays
    assert not np.any(b.layers[0].weight.numpy() == 123.0)
    assert b.layers[0].weight.dtype == np.float32


def test_load_state_dict_errors_name_the_problem_and_change_nothing():
    model = nn.MLP([2, 3, 1])
    before = {k: v.copy() for k, v in model.state_dict().items()}
    good = nn.MLP([2, 3, 1]).state_dict()
    missing = dict(good)
    del missing["layers.2.bias"]
    with pytest.raises(nn.StateDictError, match="missing keys: layers.2.bias"):
        model.load_state_dict(missing)
    extra = dict(good, **{"layers.9.weight": np.zeros(1)})
    with pytest.raises(nn.StateDictError, match="unexpected keys: layers.9.weight"):
        model.load_state_dict(extra)
    wrong = dict(good, **{"layers.0.weight": np.zeros((3, 2), np.float32)})
    with pytest.raises(nn.StateDictError, match=r"layers.0.weight: shape \(3, 2\) in the state dict, \(2, 3\)"):
        model.load_state_dict(wrong)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_non_strict_loading_and_deepcopy():
    pretrained = nn.MLP([2, 8, 4])
    model = nn.MLP([2, 8, 1])
    with pytest.raises(nn.StateDictError, match="layers.2.weight: shape"):
        model.load_state_dict(pretrained.state_dict(), strict=False)  # shared keys must still fit
    body = {k: v for k, v in pretrained.state_dict().items() if k.startswith("layers.0")}
    model.load_state_dict(body, strict=False)
    np.testing.assert_array_equal(model.layers[0].weight.numpy(), pretrained.layers[0].weight.numpy())
    twin = copy.deepcopy(model)
    twin.layers[0].weight.data[...] = 0
    assert np.any(model.layers[0].weight.numpy() != 0) and twin.parameters()[0] is not model.parameters()[0]
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in model.named_parameters()]


# -- Linear and init -----------------------------------------------------------------------------------
def test_linear_computes_x_at_w_plus_b():
    lin = nn.Linear(3, 2)
    lin.bias.data[:] = [1.0, -1.0]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(lin(x).numpy(), x @ lin.weight.numpy() + np.array([1.0, -1.0]), rtol=1e-6)
    assert lin.weight.shape == (3, 2) and lin.bias.shape == (2,)
    assert lin(x).dtype == np.float32
    assert lin(x.astype(np.float64)).dtype == np.float32  # a float64 batch does not upcast the layer


def test_linear_rejects_wrong_input_and_sizes():
    lin = nn.Linear(3, 2)
    with pytest.raises(ShapeError, match="last axis must have 3 features"):
        lin(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="unknown init 'bogus'"):
        nn.Linear(2, 2, init="bogus")


@pytest.mark.parametrize("scheme, std", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(1 / 400)),
                                         ("random", 0.01), (10.0, 10.0), ("zeros", 0.0)])
def test_init_scales(scheme, std):
    w = nn.Linear(400, 300, init=scheme).weight.numpy()
    assert w.dtype == np.float32
    assert abs(w.mean()) < 0.05 * std + 1e-12
    assert w.std() == pytest.approx(std, rel=0.02, abs=1e-12)


def test_init_is_reproducible_with_manual_seed():
    mg.manual_seed(7)
    a = nn.MLP([3, 4, 1]).layers[0].weight.numpy()
    mg.manual_seed(7)
    b = nn.MLP([3, 4, 1]).layers[0].weight.numpy()
    c = nn.MLP([3, 4, 1]).layers[0].weight.numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert nn.init.he((4, 5)).shape == (4, 5)
    assert nn.init.zeros((2, 2)).sum() == 0


def test_linear_gradients_float64():
    lin = nn.Linear(3, 2).double()
    x = f64((4, 3), seed=1)
    assert mg.gradcheck(lambda x, w, b: lin(x).tanh(), [x, lin.weight, lin.bias])


# -- activations, Dropout, BatchNorm -----------------------------------------------------------------
@pytest.mark.parametrize("layer, fn", [
    (nn.ReLU(), lambda a: np.maximum(a, 0)),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (nn.LeakyReLU(0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
    (nn.Identity(), lambda a: a),
])
def test_activations_forward_and_gradcheck(layer, fn):
    x = f64((3, 4), seed=2)
    np.testing.assert_allclose(layer(x).numpy(), fn(x.numpy()), rtol=1e-12)
    if not isinstance(layer, nn.Identity):
        assert mg.gradcheck(lambda x: layer(x) * layer(x), [x])


def test_activation_names_and_errors():
    assert isinstance(nn.activation("leaky_relu"), nn.LeakyReLU)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.activation("swish")


def test_dropout_is_identity_in_eval_and_keeps_the_expectation_in_training():
    drop = nn.Dropout(0.3)
    x = mg.Tensor(np.full((400, 250), 2.0, np.float32))
    drop.eval()
    assert drop(x) is x
    drop.train()
    y = drop(x).numpy()
    kept = drop.last_mask
    assert kept.shape == (400, 250) and kept.dtype == bool
    assert 1 - kept.mean() == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(y[kept], 2.0 / 0.7, rtol=1e-6)  # survivors scaled by 1/keep_prob
    assert np.all(y[~kept] == 0)
    assert y.mean() == pytest.approx(2.0, rel=0.02)  # expected activation preserved


def test_dropout_gradient_follows_the_mask():
    drop = nn.Dropout(0.5)
    x = mg.Tensor(np.ones((50, 20), np.float32), requires_grad=True)
    drop(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), drop.last_mask * 2.0)
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0) and nn.Dropout(0.0)(x) is x


def test_dropout_gradcheck_float64_with_a_fixed_mask():
    drop = nn.Dropout(0.4)
    x = f64((5, 6), seed=4)

    def f(x):
        mg.manual_seed(5)  # the same mask on every call, so finite differences see one function
        return drop(x) * x

    assert mg.gradcheck(f, [x])


def test_batchnorm_training_normalizes_and_eval_uses_running_stats():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, momentum=0.5)
    x = (rng.normal(size=(64, 3)) * [1, 5, 0.1] + [10, -3, 2]).astype(np.float32)
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * x.var(axis=0, ddof=1), rtol=1e-4)
    bn.eval()
    expected = (x[:1] - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + bn.eps)
    np.testing.assert_allclose(bn(x[:1]).numpy(), expected, rtol=1e-5)  # one example works in eval
    bn.train()
    with pytest.raises(ValueError, match="at least 2 examples"):
        bn(x[:1])
    with pytest.raises(ShapeError, match="expected input"):
        bn(np.ones((4, 2), np.float32))


def test_batchnorm_gradcheck_float64():
    bn = nn.BatchNorm1d(3).double()
    bn.weight.data[:] = [0.5, 2.0, -1.0]
    x = f64((6, 3), seed=3)
    assert mg.gradcheck(lambda x, g, b: bn(x).tanh(), [x, bn.weight, bn.bias])


# -- Sequential, MLP, transfer learning ---------------------------------------------------------------
def test_mlp_layout_and_defaults():
    m = nn.MLP([2, 8, 4, 1], activation="tanh", dropout=0.1, output_activation="sigmoid")
    kinds = [type(layer).__name__ for layer in m.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear", "Sigmoid"]
    assert m.layers[0].init == "xavier" and nn.MLP([2, 3, 1]).layers[0].init == "he"
    bn = nn.MLP([2, 8, 1], batchnorm=True)
    assert [type(layer).__name__ for layer in bn.layers] == ["Linear", "BatchNorm1d", "ReLU", "Linear"]
    assert bn.layers[0].bias is None  # BatchNorm's beta does the shifting
    out = m.eval()(np.zeros((5, 2), np.float32))
    assert out.shape == (5, 1) and np.all((out.numpy() > 0) & (out.numpy() < 1))
    with pytest.raises(ShapeError):
        nn.MLP([3])


def test_mlp_three_layer_gradcheck_float64():
    m = nn.MLP([3, 5, 4, 1], activation="tanh").double()
    x = mg.Tensor(np.random.default_rng(4).normal(size=(6, 3)), dtype=np.float64)
    y = (np.random.default_rng(5).random((6, 1)) > 0.5).astype(np.float64)
    params = m.parameters()
    assert len(params) == 6
    assert mg.gradcheck(lambda *ps: F.binary_cross_entropy_with_logits(m(x), y), params)


def test_sequential_indexing_and_replacing_the_head():
    body = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    assert len(body) == 3 and isinstance(body[0], nn.Linear) and len(body[:2]) == 2
    body.layers[-1] = nn.Linear(8, 3)
    assert body(np.ones((4, 2), np.float32)).shape == (4, 3)
    assert [n for n, _ in body.named_parameters()][-2:] == ["layers.2.weight", "layers.2.bias"]
    body.replace_head(nn.Linear(8, 5), nn.Sigmoid(), n=1)
    assert body(np.ones((4, 2), np.float32)).shape == (4, 5) and len(body) == 4
    with pytest.raises(TypeError, match="not a Module"):
        body[0] = "linear"


def test_frozen_parameters_get_no_gradient():
    m = nn.MLP([2, 6, 1])
    m.layers[0].freeze()
    x = np.ones((3, 2), np.float32)
    m(x).sum().backward()
    assert m.layers[0].weight.grad is None and m.layers[0].bias.grad is None
    assert m.layers[2].weight.grad is not None
    assert [n for n, _ in m.named_parameters()][0] == "layers.0.weight"  # still a parameter (saved, counted)
    assert m.num_parameters(trainable_only=True) == 7
    m.unfreeze()
    assert all(p.requires_grad for p in m.parameters())


def test_module_to_device_keeps_leaf_parameters(device):
    m = nn.MLP([2, 4, 1], batchnorm=True)
    params = m.parameters()
    assert m.to(device) is m and m.device == device
    assert all(p.device == device and p.is_leaf and p.requires_grad for p in m.parameters())
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert m.layers[1].running_mean.device == device
    x = mg.Tensor(np.ones((3, 2), np.float32), device=device)
    m(x).sum().backward()
    assert m.layers[0].weight.grad.device == device


# -- losses ----------------------------------------------------------------------------------------
def _bce(p, y):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()


def test_mse_and_bce_values():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, size=(10, 1))
    y = (rng.random((10, 1)) > 0.5).astype(np.float64)
    assert F.mse_loss(mg.Tensor(p), y).item() == pytest.approx(((p - y) ** 2).mean(), rel=1e-6)
    assert F.binary_cross_entropy(mg.Tensor(p), y).item() == pytest.approx(_bce(p, y), rel=1e-5)
    logits = rng.normal(size=(10, 1)) * 3
    expected = _bce(1 / (1 + np.exp(-logits)), y)
    assert F.binary_cross_entropy_with_logits(mg.Tensor(logits), y).item() == pytest.approx(expected, rel=1e-5)
    assert F.mse_loss(mg.Tensor(p), y, reduction="sum").item() == pytest.approx(((p - y) ** 2).sum(), rel=1e-6)
    assert F.mse_loss(mg.Tensor(p), y, reduction="none").shape == (10, 1)


def test_losses_refuse_mismatched_shapes():
    with pytest.raises(ShapeError, match=r"prediction shape \(4, 1\) and target shape \(4,\).*reshape"):
        F.mse_loss(mg.zeros(4, 1), np.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(mg.zeros(4), np.zeros(4), reduction="avg")


def test_bce_with_logits_is_stable_for_huge_logits():
    x = mg.Tensor(np.array([[1000.0], [-1000.0], [1000.0], [0.0]], np.float32), requires_grad=True)
    y = np.array([[1.0], [0.0], [0.0], [1.0]], np.float32)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.numpy().ravel(), [0.0, 0.0, 1000.0, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    # d/dx = sigmoid(x) - y, exact also at x = 0 where |x| has a kink
    np.testing.assert_allclose(x.grad.numpy().ravel(), [0.0, 0.0, 1.0, -0.5], atol=1e-7)
    probs = F.binary_cross_entropy(mg.Tensor(np.array([[0.0], [1.0]], np.float32)), np.array([[1.0], [0.0]]))
    assert np.isfinite(probs.item()) and probs.item() > 10  # clipped: large but finite


def test_cross_entropy_matches_numpy_and_is_stable():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(7, 4)) * 2
    t = rng.integers(0, 4, size=7)
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    assert F.cross_entropy(mg.Tensor(logits), t).item() == pytest.approx(-logp[np.arange(7), t].mean(), rel=1e-6)
    big = mg.Tensor(np.array([[1000.0, 0.0], [0.0, 1000.0]], np.float32))
    assert F.cross_entropy(big, np.array([0, 0])).item() == pytest.approx(500.0)
    assert F.cross_entropy(big, np.array([[0.0], [1.0]])).item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 1\]"):
        F.cross_entropy(big, np.array([0, 2]))
    with pytest.raises(TypeError, match="whole numbers"):
        F.cross_entropy(big, np.array([0.5, 1.0]))
    with pytest.raises(ShapeError, match="expected 2 class indices"):
        F.cross_entropy(big, np.array([0, 1, 1]))


@pytest.mark.parametrize("loss", ["mse", "bce", "bce_logits", "ce", "masked"])
def test_loss_gradients_float64(loss):
    rng = np.random.default_rng(2)
    if loss == "ce":
        x, t = f64((5, 3)), rng.integers(0, 3, size=5)
        assert mg.gradcheck(lambda x: F.cross_entropy(x, t), [x])
        return
    y = (rng.random((5, 2)) > 0.5).astype(np.float64)
    if loss == "mse":
        assert mg.gradcheck(lambda x: F.mse_loss(x, y), [f64((5, 2))])
    elif loss == "bce":
        assert mg.gradcheck(lambda x: F.binary_cross_entropy(x, y), [f64((5, 2), low=0.1, high=0.9)])
    elif loss == "bce_logits":
        assert mg.gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y), [f64((5, 2))])
    else:
        y[0, 1] = y[3, 0] = np.nan
        assert mg.gradcheck(lambda x: F.masked_binary_cross_entropy_with_logits(x, y), [f64((5, 2))])


def test_masked_multi_task_loss_ignores_missing_labels():
    logits = mg.Tensor(np.array([[2.0, -1.0, 0.5], [0.3, 4.0, -2.0]]), requires_grad=True, dtype=np.float64)
    y = np.array([[1.0, np.nan, 0.0], [np.nan, 1.0, np.nan]])
    loss = F.masked_binary_cross_entropy_with_logits(logits, y)
    x, t = logits.numpy(), np.nan_to_num(y)
    per = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    observed = ~np.isnan(y)
    assert loss.item() == pytest.approx(per[observed].mean(), rel=1e-12)
    loss.backward()
    assert np.all(logits.grad.numpy()[~observed] == 0)
    mask = np.array([[1, 1, 0], [1, 1, 1]])
    y2 = np.nan_to_num(y)
    with_mask = F.masked_binary_cross_entropy_with_logits(logits, y2, mask=mask).item()
    assert with_mask == pytest.approx(per[mask.astype(bool)].mean(), rel=1e-12)


def test_l2_penalty_counts_weights_not_biases():
    m = nn.MLP([2, 3, 1], batchnorm=True)
    for p in m.parameters():
        p.data[...] = 2.0
    # weights only: 2*3 + 3*1 entries of 4 each; BatchNorm's gamma/beta and the output bias excluded
    assert F.l2_penalty(m).item() == pytest.approx(4.0 * 9)
    assert F.l2_penalty(m.parameters()).item() == pytest.approx(4.0 * (6 + 3 + 3 + 3 + 1))
    w = f64((3, 2))
    assert mg.gradcheck(lambda w: F.l2_penalty([w]), [w])
    with pytest.raises(ValueError, match="no tensors"):
        F.l2_penalty([])


def test_losses_accept_targets_as_raw_device_arrays(device):
    """Targets and masks may be plain arrays of the logits' device (CuPy refuses np.asarray)."""
    logits = mg.Tensor(np.array([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0]]), requires_grad=True, device=device)
    ids = mg.Tensor(np.array([0, 1]), device=device).data  # a NumPy or CuPy array, not a Tensor
    expected = -np.mean([2.0 - np.log(np.exp([2.0, -1.0, 0.5]).sum()), 1.0 - np.log(np.exp([0.0, 1.0, -2.0]).sum())])
    assert F.cross_entropy(logits, ids).item() == pytest.approx(expected, rel=1e-12)
    binary = mg.Tensor(np.array([[0.0], [1.0]]), device=device).data
    z = mg.Tensor(np.array([[0.0], [0.0]]), requires_grad=True, device=device)
    assert F.binary_cross_entropy_with_logits(z, binary).item() == pytest.approx(np.log(2))
    assert F.mse_loss(z, binary).item() == pytest.approx(0.5)
    mask = mg.Tensor(np.array([[1.0], [0.0]]), device=device).data
    assert F.masked_binary_cross_entropy_with_logits(z, binary, mask).item() == pytest.approx(np.log(2))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_reductions_agree_with_the_composed_formula(reduction):
    """mean/sum use one fused op; its value and gradient equal -log_softmax picked by hand."""
    rng = np.random.default_rng(3)
    data = rng.normal(size=(6, 4)) * 5
    t = np.array([0, 3, 1, 1, 2, 0])
    x = mg.Tensor(data, requires_grad=True)
    loss = F.cross_entropy(x, t, reduction=reduction)
    shifted = data - data.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    per_example = -log_probs[np.arange(6), t]
    expected = {"mean": per_example.mean(), "sum": per_example.sum(), "none": per_example}[reduction]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    (loss if reduction != "none" else loss.sum()).backward()
    grad = np.exp(log_probs)
    grad[np.arange(6), t] -= 1
    np.testing.assert_allclose(x.grad.numpy(), grad / 6 if reduction == "mean" else grad, rtol=1e-10, atol=1e-15)


def test_bce_with_logits_backward_stays_float32_and_keeps_tiny_gradients():
    """Every gradient of the loss stays in the logits' dtype (a float64 detour would make the whole
    backward pass of a float32 network run in float64), and sigmoid(x) - y survives at x = -30."""
    x = mg.Tensor(np.array([[-30.0], [0.0], [0.0], [30.0], [2.0]], np.float32), requires_grad=True)
    y = np.array([[0.0], [1.0], [0.0], [1.0], [1.0]], np.float32)
    loss = F.binary_cross_entropy_with_logits(x * 1.0, y, reduction="sum")
    dtypes = {str(step.grad.dtype) for step in loss.backward_steps()}
    assert dtypes == {"float32"}
    xd = x.numpy().astype(np.float64)
    expected = 1 / (1 + np.exp(-xd)) - y
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-7)
    assert x.grad.numpy()[0, 0] == pytest.approx(expected[0, 0], rel=1e-5)  # 9.4e-14, not cancelled to 0
    assert x.grad.numpy()[1:3, 0].tolist() == [-0.5, 0.5]  # exactly sigmoid(0) - y at the tie


# -- forward hooks (PyTorch's semantics) ---------------------------------------------------------
def test_forward_hook_sees_and_can_replace_the_output_and_its_handle_removes_it():
    layer = nn.Linear(3, 2)
    x = np.ones((4, 3), np.float32)
    seen = []
    handle = layer.register_forward_hook(lambda m, args, out: seen.append((m, args[0].shape, out.shape)))
    plain = layer(x).numpy()
    assert seen == [(layer, (4, 3), (4, 2))]
    doubler = layer.register_forward_hook(lambda m, args, out: out * 2)
    np.testing.assert_allclose(layer(x).numpy(), 2 * plain)
    handle.remove()
    doubler.remove()
    doubler.remove()  # twice is fine
    np.testing.assert_allclose(layer(x).numpy(), plain)
    assert len(seen) == 2
    assert "forward" not in vars(layer)


def test_forward_pre_hook_replaces_inputs_and_always_call_runs_on_errors():
    layer = nn.Linear(2, 1)
    with layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,)):
        np.testing.assert_allclose(layer(np.ones((1, 2), np.float32)).numpy(), layer.bias.numpy().reshape(1, 1))
    calls = []
    layer.register_forward_hook(lambda m, a, out: calls.append(out), always_call=True)
    layer.register_forward_hook(lambda m, a, out: calls.append("plain"))
    with pytest.raises(ShapeError):
        layer(np.ones((1, 5), np.float32))
    assert calls == [None]  # only the always_call hook ran, with no output
