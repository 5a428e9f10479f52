"""The public API of DESIGN.md and the README's ten-line tour, run as written.

DESIGN.md's API block is a contract that external code is written against: every
line of it is executed here (made runnable: the ``...`` placeholders filled in) and
what it documents is checked with values. The README tour is extracted from the
README itself, so the test fails the day the README and the code drift apart.
"""
from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parents[1]


def readme_tour() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## A ten-line tour", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's tour has no ```python block"
    return match.group(1)


def test_readme_tour_runs_as_written(tmp_path):
    code = readme_tour()
    lines = [line for line in code.splitlines() if line.strip()]
    assert len(lines) <= 12, f"the 'ten-line tour' has {len(lines)} lines"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.split()
    # first print: a.grad and b.grad of tanh(a*b + b**2) at a=2, b=-3 (the chain rule by hand)
    t = np.tanh(2.0 * -3.0 + 9.0)
    assert float(printed[0]) == pytest.approx((1 - t ** 2) * -3.0, rel=1e-6)
    assert float(printed[1]) == pytest.approx((1 - t ** 2) * (2.0 + 2 * -3.0), rel=1e-6)
    loss = float(printed[2])  # binary cross-entropy of a fresh network on balanced moons: about log 2
    assert 0.3 < loss < 1.5
    png = (tmp_path / "graph.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_design_api_block_scalars():
    from minigrad import Value

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + b ** 2).tanh()
    c.backward()
    assert isinstance(a.grad, float) and isinstance(a.data, float)
    t = np.tanh(3.0)
    assert a.grad == pytest.approx((1 - t ** 2) * -3.0) and b.grad == pytest.approx((1 - t ** 2) * -4.0)
    x, y = Value(1.5), Value(0.5)
    values = {"x+y": x + y, "x-y": x - y, "x*y": x * y, "x/y": x / y, "x**2": x ** 2, "-x": -x, "2+x": 2 + x,
              "2*x": 2 * x, "2-x": 2 - x, "2/x": 2 / x, "exp": x.exp(), "log": x.log(), "tanh": x.tanh(),
              "relu": (-x).relu(), "sigmoid": x.sigmoid()}
    expected = {"x+y": 2.0, "x-y": 1.0, "x*y": 0.75, "x/y": 3.0, "x**2": 2.25, "-x": -1.5, "2+x": 3.5,
                "2*x": 3.0, "2-x": 0.5, "2/x": 4 / 3, "exp": np.exp(1.5), "log": np.log(1.5),
                "tanh": np.tanh(1.5), "relu": 0.0, "sigmoid": 1 / (1 + np.exp(-1.5))}
    for k, v in values.items():
        assert v.data == pytest.approx(expected[k]), k

    from minigrad.nn.scalar import MLP

    model = MLP(3, [4, 4, 1])
    out = model([1.0, -2.0, 0.5])
    assert isinstance(out, Value) and len(model.parameters()) == 4 * 4 + 4 * 5 + 5
    assert isinstance(MLP(3, [4, 2])([1.0, 2.0, 3.0]), list)
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_design_api_block_tensors():
    from minigrad import Tensor, no_grad

    x = Tensor([[1., 2.], [3., 4.]], requires_grad=True)
    assert x.dtype == np.float32 and x.device == "cpu"
    mg.manual_seed(0)
    y = mg.randn(2, 3)
    assert mg.zeros(2, 3).shape == (2, 3) and mg.ones(3).numpy().tolist() == [1, 1, 1]
    assert mg.arange(5).numpy().tolist() == [0, 1, 2, 3, 4]
    mg.manual_seed(0)
    np.testing.assert_array_equal(mg.randn(2, 3).numpy(), y.numpy())  # manual_seed makes draws repeat
    z = (x @ y).relu().sum(axis=1, keepdims=True).mean()
    assert x.grad is None  # None before any backward
    z.backward()
    xv, yv = x.numpy().astype(np.float64), y.numpy().astype(np.float64)
    mask = (xv @ yv > 0).astype(np.float64)
    np.testing.assert_allclose(x.grad.numpy(), (mask / 2) @ yv.T, rtol=1e-5)
    assert isinstance(x.grad, Tensor)

    t = Tensor(np.array([[0.5, 2.0], [1.5, 3.0]]), requires_grad=True)
    results = [t + t, t - 1, t * t, t / 2, t ** 2, t ** t, t @ t, -t, t.exp(), t.log(), t.sqrt(), t.abs(),
               t.tanh(), t.relu(), t.sigmoid(), t.sum(), t.sum(axis=(0, 1)), t.mean(axis=-1, keepdims=True),
               t.max(axis=1), t.reshape(4), t.reshape(1, 4), t.transpose(), t.T, t[0], t[:, 1],
               t[np.array([0, 0, 1])], t.softmax(axis=-1), t.log_softmax(axis=-1), mg.cat([t, t], axis=1),
               mg.stack([t, t], axis=0), mg.where(t.data > 1, t, 0.0)]
    assert all(r.requires_grad for r in results)
    np.testing.assert_allclose(results[28].numpy(), np.concatenate([t.numpy()] * 2, axis=1))
    with pytest.raises(RuntimeError, match="scalar"):
        (t * 2).backward()  # non-scalar roots need backward(grad)
    (t * 2).backward(np.ones((2, 2)))
    np.testing.assert_array_equal(t.grad.numpy(), np.full((2, 2), 2.0))

    assert isinstance(x.numpy(), np.ndarray) and z.item() == pytest.approx(float(z.numpy()))
    assert x.shape == (2, 2) and x.detach().requires_grad is False and x.to("cpu") is x
    with no_grad():
        assert not (x * 2).requires_grad


def test_design_api_block_networks_and_optimizers(tmp_path):
    from minigrad import Tensor, data, nn, optim

    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16, init="he"), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))
    mlp = nn.MLP([2, 16, 16, 1], activation="tanh", init="xavier", dropout=0.0)
    assert [n for n, _ in mlp.named_parameters()] == ["layers.0.weight", "layers.0.bias", "layers.2.weight",
                                                      "layers.2.bias", "layers.4.weight", "layers.4.bias"]
    assert len(model.parameters()) == 4 and dict(model.named_parameters())["layers.3.bias"].shape == (1,)
    model.zero_grad()
    assert model.train() is model and model.training and not model.eval().training
    state = model.state_dict()
    model.load_state_dict(state)
    mg.save(model, tmp_path / "m.npz")
    assert set(mg.load(tmp_path / "m.npz")) == set(state)
    F = nn.functional
    p = Tensor([[0.25], [0.75]])
    target = Tensor([[0.0], [1.0]])
    assert F.mse_loss(p, target).item() == pytest.approx(0.0625)
    assert F.binary_cross_entropy(p, target).item() == pytest.approx(-np.log(0.75), rel=1e-6)
    assert F.binary_cross_entropy_with_logits(Tensor([[0.0], [0.0]]), target).item() == pytest.approx(np.log(2))
    assert F.cross_entropy(mg.zeros(2, 3), np.array([0, 2])).item() == pytest.approx(np.log(3), rel=1e-6)
    assert F.l2_penalty([Tensor([3.0, 4.0])]).item() == pytest.approx(25.0)

    for opt in (optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4),
                optim.RMSprop(model.parameters(), lr=0.01), optim.Adam(model.parameters(), lr=1e-3,
                                                                       betas=(0.9, 0.999), eps=1e-8)):
        assert opt.params == model.parameters()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    X, y = data.make_moons(200, noise=0.1, seed=0)
    assert X.dtype == np.float32 and X.shape == (200, 2) and y.dtype == np.float32 and y.shape == (200, 1)
    for make in (data.make_flower, data.make_circles, data.make_xor):
        Xb, yb = make()
        assert Xb.dtype == np.float32 and Xb.shape[1] == 2 and yb.dtype == np.float32 and yb.shape == (len(Xb), 1)
    before = [q.numpy().copy() for q in model.parameters()]
    loss = F.binary_cross_entropy_with_logits(model(Tensor(X)), Tensor(y))
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert all(np.abs(a - q.numpy()).max() > 0 for a, q in zip(before, model.parameters()))
    parts = data.split(X, y)
    assert [len(px) for px, _ in parts] == [196, 2, 2]


def test_design_api_block_checks_and_pictures(tmp_path):
    import graphviz

    from minigrad import Tensor, Value, viz

    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    assert mg.gradcheck(lambda t: (t * t).sum(), [x]) is True
    assert mg.relative_difference(np.array([3.0, 4.0]), np.zeros(2)) == 1.0
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + b ** 2).tanh()
    c.backward()
    g = viz.draw(c, show_data=True, show_grad=True, collapse=None)
    assert isinstance(g, graphviz.Digraph)
    assert Path(viz.render(c, tmp_path / "graph.png")).read_bytes()[:4] == b"\x89PNG"
    assert Path(viz.render(g, tmp_path / "graph.svg")).read_text().lstrip().startswith(("<?xml", "<svg"))


def test_design_api_signatures():
    """The names and keyword arguments DESIGN.md promises (a renamed keyword breaks callers)."""
    from minigrad import nn, optim

    def params(fn):
        return list(inspect.signature(fn).parameters)

    assert params(nn.Linear)[:4] == ["in_features", "out_features", "bias", "init"]
    assert params(nn.MLP)[:4] == ["sizes", "activation", "init", "dropout"]
    assert {"lr", "momentum", "weight_decay", "nesterov"} <= set(params(optim.SGD))
    assert {"lr", "betas", "eps", "weight_decay"} <= set(params(optim.Adam))
    assert {"lr", "eps"} <= set(params(optim.RMSprop))
    assert params(mg.gradcheck)[:5] == ["f", "inputs", "eps", "atol", "rtol"]
    assert params(mg.relative_difference) == ["grad", "approx"]
    assert params(nn.functional.cross_entropy)[:2] == ["logits", "targets"]
    assert params(mg.save)[:2] == ["obj", "path"] and params(mg.load)[0] == "path"
    for name in ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
                 "l2_penalty"):
        assert callable(getattr(nn.functional, name))
    for name in ("make_moons", "make_flower", "make_circles", "make_spirals", "make_xor", "make_blobs", "split"):
        assert callable(getattr(mg.data, name))
