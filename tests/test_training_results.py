"""The course's results, reproduced on minigrad's own generated data with fixed seeds.

Each test trains real networks end to end and asserts the claim with numbers;
run ``pytest tests/test_training_results.py -s`` to see them printed.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import data, nn, ops, optim
from minigrad.gradcheck import analytic_gradient, numerical_gradient
from minigrad.nn import functional as F
from minigrad.tensor import apply

pytestmark = pytest.mark.slow


def accuracy(model, X, y) -> float:
    """Binary accuracy of a logit-output model, in eval mode and without building a graph."""
    was_training = model.training
    model.eval()
    with mg.no_grad():
        logits = model(X).numpy()
    model.train(was_training)
    return float(((logits > 0) == (y > 0.5)).mean())


def train_full_batch(model, X, y, opt, steps, penalty=None):
    """Batch gradient descent on binary cross-entropy (+ an optional penalty); returns the first and last cost."""
    X, y = mg.Tensor(X), mg.Tensor(y)
    costs = []
    for _ in range(steps):
        opt.zero_grad()
        cost = F.binary_cross_entropy_with_logits(model(X), y)
        if penalty is not None:
            cost = cost + penalty(model)
        cost.backward()
        opt.step()
        costs.append(cost.item())
    return costs[0], costs[-1]


def train_minibatch(model, X, y, opt, epochs, batch_size=64, seed=0):
    gen = np.random.default_rng(seed)
    for _ in range(epochs):
        for xb, yb in data.batches(X, y, batch_size, seed=gen):
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(model(xb), yb).backward()
            opt.step()


# -- "Planar data classification with one hidden layer" ----------------------------------------------
def test_flower_needs_a_hidden_layer():
    X, y = data.make_flower()  # the course's 400 points
    mg.manual_seed(0)
    logistic = nn.Linear(2, 1, init="zeros")
    train_full_batch(logistic, X, y, optim.SGD(logistic.parameters(), lr=1.2), 1000)
    logistic_acc = accuracy(logistic, X, y)

    mg.manual_seed(0)
    hidden = nn.MLP([2, 4, 1], activation="tanh", init=0.01)  # the course's W = randn * 0.01
    first, last = train_full_batch(hidden, X, y, optim.SGD(hidden.parameters(), lr=1.2), 5000)
    hidden_acc = accuracy(hidden, X, y)
    print(f"\nflower: logistic regression {logistic_acc:.1%}, 4 tanh units {hidden_acc:.1%} "
          f"(cost {first:.3f} -> {last:.3f})")
    assert logistic_acc < 0.60
    assert hidden_acc >= 0.88


# -- "Initialization" ------------------------------------------------------------------------------------
def test_initialization_zeros_random_times_10_and_he_on_circles():
    X, y = data.make_circles(300, noise=0.05, seed=1)
    X_test, y_test = data.make_circles(1000, noise=0.05, seed=2)
    results = {}
    for init in ("zeros", 10.0, "he"):
        mg.manual_seed(1)
        model = nn.MLP([2, 10, 5, 1], activation="relu", init=init)
        first, last = train_full_batch(model, X, y, optim.SGD(model.parameters(), lr=0.1), 3000)
        results[init] = (model, first, last, accuracy(model, X, y), accuracy(model, X_test, y_test))
    for init, (_, first, last, train_acc, test_acc) in results.items():
        print(f"\ninit {init!s:>5}: cost {first:10.3f} -> {last:.3f}, train {train_acc:.1%}, test {test_acc:.1%}",
              end="")

    zeros, first, last, train_acc, test_acc = results["zeros"]
    w1, w2 = zeros.layers[0].weight.numpy(), zeros.layers[2].weight.numpy()
    assert np.all(w1 == w1[:, :1]) and np.all(w2 == w2[:, :1]) and np.all(w2 == w2[:1, :])  # symmetry never broke
    assert first == pytest.approx(np.log(2), rel=1e-4) and last == pytest.approx(np.log(2), rel=1e-3)
    assert train_acc == 0.5 and abs(test_acc - 0.5) < 0.01  # chance: one class everywhere

    _, big_first, _, big_train, big_test = results[10.0]
    _, he_first, _, he_train, he_test = results["he"]
    assert big_first > 100 * he_first  # huge weights: saturated, confidently wrong outputs
    assert big_test < he_test - 0.15 and big_train < he_train - 0.15
    assert he_test >= 0.95


# -- "Regularization" ---------------------------------------------------------------------------------------
def _noisy_moons():
    X, y = data.make_moons(100, noise=0.2, seed=1)
    y, _ = data.flip_labels(y, 0.1, seed=3)  # 10% wrong labels: something to overfit
    X_dev, y_dev = data.make_moons(1000, noise=0.2, seed=2)
    return X, y, X_dev, y_dev


def test_l2_and_dropout_each_reduce_overfitting():
    X, y, X_dev, y_dev = _noisy_moons()
    m = len(X)
    lambd = 0.5

    def run(dropout=0.0, penalty=None):
        mg.manual_seed(0)
        model = nn.MLP([2, 64, 64, 1], dropout=dropout)
        train_full_batch(model, X, y, optim.Adam(model.parameters(), lr=0.01), 2000, penalty=penalty)
        return accuracy(model, X, y), accuracy(model, X_dev, y_dev)

    plain = run()
    l2 = run(penalty=lambda model: lambd / (2 * m) * F.l2_penalty(model))  # the course's L2 cost term
    drop = run(dropout=0.3)
    for name, (tr, dv) in (("none", plain), ("L2 0.5", l2), ("dropout 0.3", drop)):
        print(f"\nregularization {name:>11}: train {tr:.1%}, dev {dv:.1%}", end="")
    assert plain[0] == 1.0  # the unregularized network memorizes the flipped labels
    for train_acc, dev_acc in (l2, drop):
        assert dev_acc >= plain[1] + 0.03  # better on data it has not seen
        assert plain[0] - 0.15 <= train_acc < plain[0]  # a little worse on the training set


# -- "Optimization methods" ---------------------------------------------------------------------------------
def test_adam_beats_gradient_descent_on_moons():
    X, y = data.make_moons(300, noise=0.2, seed=3)
    lr, epochs = 0.002, 500
    makers = {
        "gd": lambda ps: optim.SGD(ps, lr=lr),
        "momentum": lambda ps: optim.SGD(ps, lr=lr, momentum=0.9, dampening=0.9),  # the course's v = bv + (1-b)g
        "adam": lambda ps: optim.Adam(ps, lr=lr),
    }
    acc = {}
    for name, make in makers.items():
        mg.manual_seed(1)
        model = nn.MLP([2, 5, 2, 1], init="he")
        train_minibatch(model, X, y, make(model.parameters()), epochs, batch_size=64, seed=0)
        acc[name] = accuracy(model, X, y)
    print("\nmoons, mini-batch 64, lr 0.002, 500 epochs: " + ", ".join(f"{k} {v:.1%}" for k, v in acc.items()))
    assert acc["adam"] >= acc["gd"] + 0.10
    assert acc["momentum"] >= acc["gd"] - 0.01
    assert acc["adam"] >= 0.90


# -- multi-task learning with missing labels ("21 lessons": end-to-end, multi-task) ------------------------
def test_one_network_learns_several_tasks_from_partly_labelled_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 2)).astype(np.float32)
    labels = np.stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0.5], axis=1).astype(np.float32)
    missing = rng.random(labels.shape) < 0.4  # 40% of the labels were never annotated
    targets = np.where(missing, np.nan, labels)
    mg.manual_seed(0)
    model = nn.MLP([2, 16, 3], activation="tanh")
    opt = optim.Adam(model.parameters(), lr=0.02)
    for _ in range(300):
        opt.zero_grad()
        F.masked_binary_cross_entropy_with_logits(model(X), targets).backward()
        opt.step()
    with mg.no_grad():
        predicted = model(X).numpy() > 0
    per_task = (predicted == (labels > 0.5)).mean(axis=0)
    on_unlabelled = (predicted == (labels > 0.5))[missing].mean()
    print(f"\nmulti-task (40% labels missing): per-task accuracy {np.round(per_task, 3).tolist()}, "
          f"on the never-labelled entries {on_unlabelled:.1%}")
    assert np.all(per_task >= 0.95) and on_unlabelled >= 0.95


# -- "Gradient checking" ---------------------------------------------------------------------------------------
class DoubledWeightGradMatMul(ops.MatMul):
    """A planted bug: the weight's gradient comes back twice as large."""

    def backward(self, g):
        ga, gb = super().backward(g)
        return ga, (None if gb is None else 2 * gb)


def test_gradient_checking_a_three_layer_network():
    rng = np.random.default_rng(0)
    X = mg.Tensor(rng.normal(size=(8, 4)), dtype=np.float64)
    y = (rng.random((8, 1)) > 0.5).astype(np.float64)
    mg.manual_seed(2)
    model = nn.MLP([4, 5, 3, 1], activation="relu", init="xavier").double()
    params = model.parameters()

    def cost(*_):
        return F.binary_cross_entropy_with_logits(model(X), y)

    analytic = analytic_gradient(cost, params)
    numeric = numerical_gradient(cost, params, eps=1e-7)
    correct = mg.relative_difference(analytic, numeric)
    assert mg.gradcheck(cost, params)

    second = model.layers[2]

    def buggy_forward(x):
        return apply(DoubledWeightGradMatMul, x, second.weight) + second.bias

    second.forward = buggy_forward  # the middle layer now backpropagates a doubled dW
    buggy = mg.relative_difference(analytic_gradient(cost, params),
                                   numerical_gradient(cost, params, eps=1e-7))
    print(f"\ngradient check: correct backward {correct:.2e}, doubled weight gradient {buggy:.2e}")
    assert correct < 2e-7
    assert buggy > 1e-2
    assert not mg.gradcheck(cost, params)


# -- Dropout at the network level -----------------------------------------------------------------------------
def test_dropout_network_eval_identity_and_train_expectation():
    mg.manual_seed(4)
    with_dropout = nn.MLP([3, 50, 1], dropout=0.4)
    without = nn.MLP([3, 50, 1])
    for a, b in zip(with_dropout.parameters(), without.parameters()):  # same weights (layer names differ)
        b.data = a.data.copy()
    X = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    with_dropout.eval()
    np.testing.assert_array_equal(with_dropout(X).numpy(), without(X).numpy())  # eval: dropout is the identity

    with_dropout.train()
    drop, hidden = with_dropout.layers[2], with_dropout.layers[1](with_dropout.layers[0](X))
    n, p = 2000, drop.p
    samples = np.stack([drop(hidden).numpy() for _ in range(n)])
    h = hidden.numpy()
    # each unit is h/(1-p) with probability 1-p, else 0: mean h, standard deviation |h| sqrt(p/(1-p))
    sigma = np.abs(h) * np.sqrt(p / (1 - p) / n)
    z = np.abs(samples.mean(axis=0) - h)[h != 0] / sigma[h != 0]
    print(f"\ndropout p=0.4: the mean of {n} masked activations is within {z.max():.2f} standard errors "
          f"of the eval activation (units: {h.size})")
    assert z.max() < 5  # inverted dropout keeps the expected activation
    assert np.abs(samples.mean(axis=0) - h).max() < 0.1 * np.abs(h).max()


# -- memory ----------------------------------------------------------------------------------------------------
def test_a_thousand_training_steps_do_not_grow_memory():
    X, y = data.make_moons(64, noise=0.2, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 16, 16, 1], dropout=0.1, batchnorm=True)
    opt = optim.Adam(model.parameters(), lr=0.01)
    Xt, yt = mg.Tensor(X), mg.Tensor(y)
    kept = []

    def step(keep_graph=False):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(Xt), yt)
        loss.backward(retain_graph=keep_graph)
        opt.step()
        if keep_graph:  # the control: what a leak of one graph per step would cost
            kept.append(loss)
        return loss.item()

    for _ in range(200):  # caches, optimizer state and the like settle (untraced: tracing is slow)
        step()
    tracemalloc.start()
    try:
        marks = []
        for i in range(200, 1000):
            last = step()
            if i % 100 == 99:
                marks.append(tracemalloc.get_traced_memory()[0])
        before_control = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            step(keep_graph=True)
        per_kept_graph = (tracemalloc.get_traced_memory()[0] - before_control) / 5
    finally:
        tracemalloc.stop()
    growth = marks[-1] - marks[0]
    print(f"\n1,000 steps: traced memory at every 100th step from step 300 (KiB): "
          f"{[round((m - marks[0]) / 1024, 1) for m in marks]}; steps 300->1000 grew {growth} bytes; "
          f"one retained graph would cost {per_kept_graph / 1024:.0f} KiB; final loss {last:.3f}")
    assert per_kept_graph > 50 * 1024  # the measurement can see a single leaked graph
    assert growth < 16 * 1024
