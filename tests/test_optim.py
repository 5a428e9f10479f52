"""minigrad.optim: update rules against hand-written NumPy, skipping, dtypes, clipping, schedules, state."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


def param(values, device="cpu"):
    return mg.Tensor(np.asarray(values, np.float32), requires_grad=True, device=device)


def set_grad(p, values):
    p.grad = mg.Tensor(np.asarray(values, np.float32), device=p.device)


GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.2]), np.array([-1.0, 0.0, 0.7])]
START = np.array([1.0, 2.0, -3.0])


def run(opt_factory, device="cpu"):
    p = param(START, device)
    opt = opt_factory([p])
    for g in GRADS:
        set_grad(p, g)
        opt.step()
    assert p.dtype == np.float32 and p.device == device and p.is_leaf
    return p.numpy().astype(np.float64)


def test_sgd_plain_and_weight_decay(device):
    expected = START - 0.1 * sum(GRADS)
    np.testing.assert_allclose(run(lambda ps: optim.SGD(ps, lr=0.1), device), expected, rtol=1e-6)
    w = START.copy()
    for g in GRADS:
        w = w - 0.1 * (g + 0.01 * w)
    np.testing.assert_allclose(run(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01), device), w, rtol=1e-6)


@pytest.mark.parametrize("nesterov, dampening", [(False, 0.0), (True, 0.0), (False, 0.9)])
def test_sgd_momentum(nesterov, dampening, device):
    w, v = START.copy(), np.zeros(3)
    for g in GRADS:
        v = 0.9 * v + (1 - dampening) * g
        w = w - 0.1 * (g + 0.9 * v if nesterov else v)
    got = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=nesterov, dampening=dampening), device)
    np.testing.assert_allclose(got, w, rtol=1e-6)


def test_rmsprop(device):
    w, s = START.copy(), np.zeros(3)
    for g in GRADS:
        s = 0.9 * s + 0.1 * g * g
        w = w - 0.01 * g / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(run(lambda ps: optim.RMSprop(ps, lr=0.01, beta=0.9), device), w, rtol=1e-5)


def test_adam_with_bias_correction(device):
    w, m, v = START.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(run(lambda ps: optim.Adam(ps, lr=0.01), device), w, rtol=1e-5)
    # the first Adam step moves every weight by about lr, whatever the gradient's scale
    p = param(START)
    set_grad(p, [1e-4, -50.0, 3.0])
    optim.Adam([p], lr=0.01).step()
    np.testing.assert_allclose(START - p.numpy(), [0.01, -0.01, 0.01], rtol=1e-3)


def test_frozen_and_gradless_parameters_are_skipped():
    a, b, c = param([1.0]), param([2.0]), param([3.0])
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    b.requires_grad_(False)
    opt = optim.SGD([a, b, c], lr=0.5, momentum=0.9)
    opt.step()
    assert a.numpy()[0] == pytest.approx(0.5) and b.numpy()[0] == 2.0 and c.numpy()[0] == 3.0
    assert opt.state[1] == {} and opt.state[2] == {}


def test_transfer_learning_trains_only_the_new_head():
    mg.manual_seed(0)
    model = nn.MLP([2, 8, 1])
    model.layers[0].freeze()
    model.layers[-1] = nn.Linear(8, 3)
    body_before = model.layers[0].weight.numpy().copy()
    opt = optim.Adam(model.parameters(), lr=0.05)
    X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    t = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    np.testing.assert_array_equal(model.layers[0].weight.numpy(), body_before)
    assert losses[-1] < 0.7 * losses[0]


def test_optimizer_input_checks():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of tensors"):
        optim.SGD(param([1.0]), lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optim.Adam([param([1.0])], lr=-1)
    with pytest.raises(ValueError, match="beta2 must be in \\[0, 1\\)"):
        optim.Adam([param([1.0])], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="not a leaf"):
        optim.SGD([param([1.0]) * 2], lr=0.1)
    p = param([1.0])
    assert len(optim.SGD([p, p], lr=0.1).params) == 1  # listed twice, updated once


def test_zero_grad_and_read_only_gradients():
    w = param([[1.0, 2.0], [3.0, 4.0]])
    w.sum().backward()  # the gradient is a broadcast (read-only) view: updates must not write into it
    opt = optim.SGD([w], lr=0.5, momentum=0.5)
    opt.step()
    np.testing.assert_allclose(w.numpy(), [[0.5, 1.5], [2.5, 3.5]])
    assert optim.clip_grad_norm([w], 1.0) == pytest.approx(2.0)
    opt.zero_grad()
    assert w.grad is None


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = param([0.0, 0.0]), param([0.0])
    set_grad(a, [3.0, 0.0])
    set_grad(b, [4.0])
    assert optim.clip_grad_norm([a, b], max_norm=1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad.numpy(), b.grad.numpy()]), [0.6, 0.0, 0.8], rtol=1e-5)
    assert a.grad.dtype == np.float32
    assert optim.clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-5)  # below: unchanged
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.0], rtol=1e-5)


def test_schedules():
    def lrs(make, epochs=5):
        opt = optim.SGD([param([0.0])], lr=0.1)
        sched = make(opt)
        return [sched.step() for _ in range(epochs)]

    assert lrs(lambda o: optim.StepLR(o, step_size=2, gamma=0.5)) == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025])
    assert lrs(lambda o: optim.ExponentialLR(o, gamma=0.95)) == pytest.approx([0.1 * 0.95 ** e for e in range(1, 6)])
    expected = [0.1 / (1 + e) for e in range(1, 6)]
    assert lrs(lambda o: optim.InverseTimeDecay(o, decay_rate=1.0)) == pytest.approx(expected)
    floor = lrs(lambda o: optim.InverseTimeDecay(o, decay_rate=1.0, interval=2))
    assert floor == pytest.approx([0.1 / (1 + math.floor(e / 2)) for e in range(1, 6)])
    with pytest.raises(ValueError, match="interval"):
        optim.InverseTimeDecay(optim.SGD([param([0.0])], lr=0.1), decay_rate=1.0, interval=0)


def test_optimizer_state_dict_round_trip_continues_identically():
    def make():
        mg.manual_seed(3)
        model = nn.MLP([2, 4, 1])
        return model, optim.Adam(model.parameters(), lr=0.01)

    X = np.random.default_rng(1).normal(size=(16, 2)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.binary_cross_entropy_with_logits(model(X), y).backward()
            opt.step()

    a, opt_a = make()
    train(a, opt_a, 5)
    b, opt_b = make()
    b.load_state_dict(a.state_dict())
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.state[0]["step"] == 5 and opt_b.lr == 0.01
    train(a, opt_a, 3)
    train(b, opt_b, 3)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
    with pytest.raises(optim.OptimizerStateError, match="saved from a Adam"):
        optim.SGD(b.parameters(), lr=0.1).load_state_dict(opt_a.state_dict())
    with pytest.raises(optim.OptimizerStateError, match="for 4 parameters"):
        optim.Adam(b.parameters()[:2]).load_state_dict(opt_a.state_dict())


def test_updates_stay_float32_without_upcasts():
    model = nn.MLP([3, 4, 1])
    for opt in (optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3),
                optim.RMSprop(model.parameters(), lr=0.01), optim.Adam(model.parameters(), weight_decay=1e-3)):
        model.zero_grad()
        model(np.ones((2, 3), np.float64)).sum().backward()
        opt.step()
        assert all(p.dtype == np.float32 for p in model.parameters())
        assert all(v.dtype == np.float32 for s in opt.state for v in s.values() if hasattr(v, "dtype"))


def test_weight_decay_equals_the_course_l2_cost_term():
    """SGD(weight_decay=λ/m) on the weights takes the same step as the cost + λ/(2m) Σ||W||² (l2_penalty)."""
    from minigrad.nn import functional as F

    X = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float64)
    y = (X[:, :1] > 0).astype(np.float64)
    lambd, m = 0.7, len(X)
    models = []
    for use_penalty in (True, False):
        mg.manual_seed(5)
        model = nn.MLP([3, 4, 1]).double()
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
        groups = [optim.SGD(weights, lr=0.1, weight_decay=0.0 if use_penalty else lambd / m), optim.SGD(biases, lr=0.1)]
        cost = F.binary_cross_entropy_with_logits(model(X), y)
        if use_penalty:
            cost = cost + lambd / (2 * m) * F.l2_penalty(model)
        cost.backward()
        for opt in groups:
            opt.step()
        models.append(model)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-15)


BAD_HYPER = [
    ("SGD", {"lr": "abc"}, TypeError, "lr must be a number"),
    ("SGD", {"lr": "0.1"}, TypeError, "lr must be a number"),  # a string is a mistake, not a number
    ("SGD", {"lr": True}, TypeError, "lr must be a number"),
    ("SGD", {"lr": -5}, ValueError, "lr must be >= 0"),
    ("SGD", {"lr": 10 ** 400}, ValueError, "lr must be >= 0"),
    ("SGD", {"dampening": 5}, ValueError, "dampening must be in \\[0, 1\\]"),
    ("SGD", {"dampening": -1}, ValueError, "dampening must be in \\[0, 1\\]"),
    ("SGD", {"momentum": 0.9, "nesterov": "no"}, TypeError, "nesterov must be True or False"),
    ("SGD", {"weight_decay": float("nan")}, ValueError, "weight_decay must be >= 0"),
    ("RMSprop", {"weight_decay": -1}, ValueError, "weight_decay must be >= 0"),
    ("RMSprop", {"eps": "1e-8"}, TypeError, "eps must be a number"),
    ("Adam", {"weight_decay": -1}, ValueError, "weight_decay must be >= 0"),
    ("Adam", {"betas": 0.9}, TypeError, "betas must be a pair"),
    ("Adam", {"betas": (0.9, 0.9, 0.9)}, ValueError, "betas must be a pair"),
    ("Adam", {"betas": "ab"}, TypeError, "betas must be a pair"),
    ("Adam", {"betas": (0.9, None)}, TypeError, "beta2 must be a number"),
    ("Adam", {"eps": 0}, ValueError, "eps must be > 0"),
]


@pytest.mark.parametrize("cls, kwargs, error, message", BAD_HYPER)
def test_constructors_refuse_bad_hyperparameters(cls, kwargs, error, message):
    with pytest.raises(error, match=f"{cls}: {message}"):
        getattr(optim, cls)([param([1.0, 2.0])], **kwargs)


def test_numpy_numbers_are_fine_hyperparameters():
    opt = optim.Adam([param([1.0])], lr=np.float32(0.5), betas=(np.float64(0.8), 0.9), eps=np.float32(1e-6))
    assert opt.lr == 0.5 and type(opt.lr) is float and opt.betas == (0.8, 0.9)
    assert optim.SGD([param([1.0])], lr=1, momentum=0.5, nesterov=np.bool_(True)).nesterov is True


@pytest.mark.parametrize("cls, kwargs, error, message", BAD_HYPER)
def test_loading_bad_hyperparameters_changes_nothing(cls, kwargs, error, message):
    p = param([1.0, 2.0])
    opt = getattr(optim, cls)([p], lr=0.3, **({"momentum": 0.5} if cls == "SGD" else {}))
    set_grad(p, [0.1, 0.2])
    opt.step()
    state = opt.state_dict()
    before = (dict(opt.hyperparameters()), opt.steps, {k: v.copy() for k, v in opt.state_dict()["state"].items()})
    state["hyper"].update(kwargs)
    with pytest.raises(optim.OptimizerStateError, match=message):
        opt.check_state_dict(state)
    with pytest.raises(optim.OptimizerStateError, match=message):
        opt.load_state_dict(state)
    assert opt.hyperparameters() == before[0] and opt.steps == before[1]
    for k, v in opt.state_dict()["state"].items():
        np.testing.assert_array_equal(v, before[2][k])


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(steps="abc"), "steps must be a whole number >= 0"),
    (lambda s: s.update(steps=-1), "steps must be a whole number >= 0"),
    (lambda s: s.update(steps=True), "steps must be a whole number >= 0"),
    (lambda s: s.update(hyper=[0.1]), "hyper must be a dict"),
    (lambda s: s.update(num_params="1"), "for '1' parameters"),
    (lambda s: s["state"].update({"0.step": np.array(-3)}), "0.step: a step count must be a whole number >= 0"),
    (lambda s: s["state"].update({"0.step": np.array(2.5)}), "0.step: a step count must be a whole number >= 0"),
    (lambda s: s["state"].update({"0.exp_avg": np.array(["x", "y"])}), "0.exp_avg: holds <U1 values, not numbers"),
    (lambda s: s["state"].update({"0.exp_avg": np.array(1.0)}), "0.exp_avg: shape \\(\\), parameter 0 has shape"),
    (lambda s: s.update(state=None), "state must be a dict"),
])
def test_loading_a_malformed_adam_state_changes_nothing(change, message):
    p = param([1.0, 2.0])
    opt = optim.Adam([p], lr=0.3)
    set_grad(p, [0.1, 0.2])
    opt.step()
    state = opt.state_dict()
    change(state)
    exp_avg = opt.state[0]["exp_avg"].copy()
    with pytest.raises(optim.OptimizerStateError, match=message):
        opt.load_state_dict(state)
    assert opt.steps == 1 and opt.state[0]["step"] == 1 and opt.lr == 0.3
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], exp_avg)


@pytest.mark.parametrize("make, error, message", [
    (lambda o: optim.StepLR(o, step_size=0), ValueError, "StepLR: step_size must be a whole number >= 1"),
    (lambda o: optim.StepLR(o, step_size=2.5), TypeError, "StepLR: step_size must be a whole number >= 1"),
    (lambda o: optim.StepLR(o, step_size=2, gamma="x"), TypeError, "StepLR: gamma must be a number"),
    (lambda o: optim.ExponentialLR(o, gamma=-0.5), ValueError, "ExponentialLR: gamma must be > 0"),
    (lambda o: optim.ExponentialLR(o, gamma=float("nan")), ValueError, "ExponentialLR: gamma must be > 0"),
    (lambda o: optim.InverseTimeDecay(o, decay_rate=1.0, interval="3"), TypeError, "interval must be a whole"),
])
def test_schedules_refuse_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(optim.SGD([param([1.0])], lr=0.1))


@pytest.mark.parametrize("state", [{"epoch": "abc", "base_lr": 0.1}, {"epoch": -1, "base_lr": 0.1},
                                   {"epoch": 2, "base_lr": "0.1"}, {"epoch": 2}, [1, 2]])
def test_a_bad_schedule_state_changes_nothing(state):
    opt = optim.SGD([param([1.0])], lr=0.1)
    sched = optim.ExponentialLR(opt, gamma=0.5)
    sched.step()
    with pytest.raises(optim.OptimizerStateError, match="ExponentialLR"):
        sched.load_state_dict(state)
    assert sched.epoch == 1 and sched.base_lr == 0.1 and opt.lr == 0.05
