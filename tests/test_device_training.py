"""The same training run on every device: nn, losses, dropout, Adam and gradcheck through the xp idiom.

On "cuda" (when a GPU is present) the loss curve must match the CPU run: the random
draws (init, and here dropout masks too, with ``backend.mask_draws("host")``) are made on
the host, so both devices see the same numbers.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import Tensor, data, nn, optim


def train_curve(device: str, steps: int = 25) -> list[float]:
    with mg.backend.mask_draws("host"):  # the same dropout masks on both devices
        return _train_curve(device, steps)


def _train_curve(device: str, steps: int) -> list[float]:
    mg.manual_seed(3)
    X, y = data.make_moons(128, noise=0.15, seed=1)
    model = nn.MLP([2, 16, 16, 1], activation="relu", init="he", dropout=0.1).to(device)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    Xt, yt = Tensor(X, device=device), Tensor(y, device=device)
    losses = []
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(model(Xt), yt) + 1e-3 * nn.functional.l2_penalty(model)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_training_curve_matches_cpu(device):
    curve = train_curve(device)
    reference = train_curve("cpu")
    assert curve[-1] < 0.8 * curve[0], "the run did not train"
    np.testing.assert_allclose(curve, reference, rtol=2e-3, atol=2e-4)


def test_cross_entropy_with_sgd_momentum_on_device(device):
    mg.manual_seed(0)
    X, y = data.make_blobs(120, centers=3, seed=2)
    model = nn.MLP([2, 8, 3], activation="tanh", init="xavier").to(device)
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    Xt, yt = Tensor(X, device=device), Tensor(y, device=device)
    first = None
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(Xt), yt)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
    assert all(p.device == device for p in model.parameters())
    accuracy = (model(Xt).argmax(axis=1).numpy() == y).mean()
    assert accuracy > 0.9


def test_gradcheck_in_float64_on_device(device):
    mg.manual_seed(1)
    model = nn.MLP([3, 4, 2], activation="tanh").to(device).double()
    x = Tensor(np.random.default_rng(0).normal(size=(5, 3)), dtype=np.float64, device=device)
    targets = Tensor(np.array([0, 1, 1, 0, 1]), device=device)
    params = model.parameters()
    assert mg.gradcheck(lambda *ps: nn.functional.cross_entropy(model(x), targets), params)


def test_printing_and_numpy_copy_to_host(device):
    t = Tensor([[1.5, -2.0]], device=device)
    assert isinstance(t.numpy(), np.ndarray)
    assert "1.5" in repr(t)
    if device != "cpu":
        assert "cuda" in repr(t)


def test_save_and_load_across_devices(device, tmp_path):
    model = nn.MLP([2, 3, 1]).to(device)
    mg.save(model, tmp_path / "m.npz")
    fresh = nn.MLP([2, 3, 1])
    mg.load(tmp_path / "m.npz", into=fresh)
    for (name, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
        assert b.device == "cpu"
