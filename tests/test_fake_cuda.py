"""minigrad's ``device="cuda"`` code paths, run on the CPU against a fake CuPy (tests/fake_cupy.py).

The fake refuses what real CuPy refuses (``np.asarray`` of a device array, NumPy
operands mixed with device arrays, ``np.add.at``, NumPy scalars from reductions), so
these tests catch host/device mistakes on any machine. They say nothing about GPU
speed or CUDA kernels' numerics: the real GPU run (tests with the ``device`` fixture)
is still owed.

The same fake can stand in for CuPy in the whole ``device``-parametrized catalogue:
``pytest -p tests.fake_cuda_plugin -m gpu tests`` (see tests/fake_cuda_plugin.py).
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, data, nn, optim

from . import op_cases, test_device_training, test_op_catalogue, test_ops
from . import fake_cupy
from .fake_cupy import is_device_array


@pytest.fixture
def cuda(monkeypatch):
    """A fresh fake CuPy as minigrad's "cuda" backend for one test; everything is restored after."""
    return fake_cupy.install(monkeypatch)


def on_device(t: Tensor) -> bool:
    return t.device == "cuda" and is_device_array(t.data)


def test_the_fake_bites(cuda):
    """The fake refuses what CuPy refuses, so a pass below means something."""
    x = cuda.asarray(np.ones((2, 3)))
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(x)
    with pytest.raises(TypeError):
        x + np.ones(3)
    with pytest.raises(TypeError):
        np.add.at(x, [0], 1.0)
    assert is_device_array(x.sum()) and is_device_array(np.exp(x)) and not isinstance(x, np.ndarray)
    assert float(x.sum()) == 6.0 and isinstance(x.get(), np.ndarray)
    with pytest.raises(ValueError):
        x[0] = np.ones(3)  # a basic-slice assignment of a host array
    assert x[np.array([3])].shape == (1, 3)  # index arrays wrap around instead of raising


# -- the op catalogue (tests/op_cases.py), every op on "cuda" ---------------------------------------
@pytest.mark.parametrize("case", op_cases.CASES, ids=str)
def test_catalogue_on_cuda(cuda, case):
    out = case.fn(*test_op_catalogue.tensors(case, "cuda"))
    assert on_device(out)
    test_op_catalogue.test_forward_and_finite_differences(case, "cuda")


@pytest.mark.parametrize("case", test_ops.BROADCAST, ids=str)
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))])
def test_binary_broadcast(cuda, case, shapes):
    test_ops.test_binary_broadcast(case, shapes, "cuda")


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 1, (-1, 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(cuda, op, axis, keepdims):
    test_ops.test_reductions(op, axis, keepdims, "cuda")


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3))])
def test_matmul(cuda, shapes):
    test_ops.test_matmul(shapes, "cuda")


@pytest.mark.parametrize("index", test_ops.INDICES, ids=range(len(test_ops.INDICES)))
def test_getitem(cuda, index):
    test_ops.test_getitem(index, "cuda")


# CuPy does not bounds-check integer index arrays (its kernels wrap around): minigrad checks on the host
def test_out_of_bounds_index_array_raises_on_cuda_as_on_cpu(cuda):
    with pytest.raises(IndexError):
        Tensor([1.0, 2.0, 3.0]).__getitem__(np.array([5]))  # the CPU raises
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 3"):
        Tensor([1.0, 2.0, 3.0], device="cuda")[np.array([5])]
    with pytest.raises(IndexError, match="axis 1 with size 3"):
        Tensor(np.ones((2, 3)), device="cuda")[:, np.array([0, -4])]
    x = Tensor(np.arange(6.0).reshape(2, 3), device="cuda")
    assert x[np.array([1, -2]), np.array([2, 0])].numpy().tolist() == [5.0, 0.0]


def test_getitem_with_host_index_tensor_and_list(cuda):
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, device="cuda")
    y = x[mg.arange(2), [2, 0]]  # the index tensor lives on the host: minigrad moves it
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0, 1], [1, 0, 0]])
    assert on_device(y) and on_device(x.grad)


@pytest.mark.parametrize("test", ["test_pow_with_tensor_exponent", "test_T_property", "test_cat_of_different_sizes",
                                  "test_where", "test_composite_expression"])
def test_other_ops(cuda, test):
    getattr(test_ops, test)("cuda")


@pytest.mark.parametrize("axis", [0, -1])
def test_cat_and_stack(cuda, axis):
    test_ops.test_cat_and_stack(axis, "cuda")


def test_reshape_transpose(cuda):
    test_ops.test_reshape((2, 6), (3, 4), "cuda")
    test_ops.test_transpose((2, 0, 1), "cuda")


# -- tensors across devices ---------------------------------------------------------------------------
def test_to_round_trip_carries_gradients_back(cuda):
    x = Tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    y = x.to("cuda")
    assert on_device(y) and y.dtype == np.float32
    z = (y * y).sum().to("cpu")
    assert z.device == "cpu" and isinstance(z.data, np.ndarray)
    z.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())
    assert x.cuda().cpu().tolist() == x.tolist()
    assert "device='cuda'" in repr(y) and "1." in repr(y)
    assert isinstance(y.numpy(), np.ndarray) and isinstance(y.sum().item(), float)


def test_creation_on_cuda(cuda):
    for t in (mg.zeros(2, 3, device="cuda"), mg.ones(3, device="cuda"), mg.randn(2, 2, device="cuda"),
              mg.rand(4, device="cuda"), mg.arange(5, device="cuda"), mg.full((2,), 7.0, device="cuda"),
              Tensor(cuda.asarray(np.ones(3))), mg.zeros_like(Tensor([1.0], device="cuda"))):
        assert on_device(t), t
    mg.manual_seed(4)
    a = mg.randn(3, device="cuda").numpy()
    mg.manual_seed(4)
    np.testing.assert_array_equal(a, mg.randn(3).numpy())  # drawn on the host: both devices agree


def test_mixing_devices_raises_naming_both(cuda):
    a, b = Tensor([1.0, 2.0], device="cuda"), Tensor([3.0, 4.0])
    for op in (lambda: a + b, lambda: b * a, lambda: a @ b, lambda: mg.cat([a, b]), lambda: mg.where(a > 0, a, b),
               lambda: a > b, lambda: b.eq(a)):
        with pytest.raises(mg.DeviceError, match=r"cuda.*cpu|cpu.*cuda"):
            op()


def test_comparisons_move_host_operands(cuda):
    t = Tensor([1.0, 2.0], device="cuda")
    for result in (t.eq(np.array([1.0, 0.0])), t > np.zeros(2), t.eq([1.0, 0.0]), t >= 1.5, t < np.float32(2)):
        assert on_device(result) and result.dtype == bool
    np.testing.assert_array_equal(t.eq([1.0, 0.0]).numpy(), [True, False])


def test_default_device_cuda(cuda):
    cpu_model = nn.Linear(2, 1)
    mg.set_default_device("cuda")  # the fixture puts "cpu" back
    assert on_device(Tensor([1.0])) and on_device(mg.zeros(2)) and on_device(nn.Linear(2, 3).weight)
    assert on_device(Tensor(np.ones(2))) and on_device(Tensor(np.float32(1.0)))  # NumPy data too, like lists
    assert Tensor(Tensor([1.0], device="cpu")).device == "cpu"  # a Tensor stays where it is
    # a CPU model keeps working while new tensors go to the GPU: its gradients, clipped or moved, stay put
    cpu_model(Tensor(np.ones((1, 2), np.float32), device="cpu")).sum().backward()
    optim.clip_grad_norm(cpu_model.parameters(), 1e-3)
    assert all(p.grad.device == "cpu" for p in cpu_model.parameters())
    cpu_model.to("cpu")
    assert all(p.grad.device == "cpu" for p in cpu_model.parameters())
    dropout = nn.Dropout(0.5)
    assert dropout(Tensor(np.ones((2, 4), np.float32), device="cpu")).device == "cpu"


@pytest.mark.parametrize("number", [4, 7])
def test_lessons_run_with_cuda_as_default_device(cuda, number, tmp_path):
    """Lessons build Tensors from NumPy arrays and feed them to models: under :device cuda both must be on the GPU."""
    mg.set_default_device("cuda")  # the fixture puts "cpu" back
    report = mg.lessons.run_lesson(number, tmp_path, capture=True, pictures=False)  # plots: test_plots_of_cuda_values
    assert report.ok, "\n".join(r.describe() for r in report.results if not r.ok)


# -- nn ----------------------------------------------------------------------------------------------------
def test_layers_losses_and_module_to(cuda):
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 8),
                          nn.Tanh(), nn.LeakyReLU(0.1), nn.Linear(8, 4), nn.Sigmoid()).to("cuda")
    assert model.device == "cuda" and all(on_device(t) for t in model._tensors())
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    out = model(x)  # a host batch meets a cuda model: it is moved
    assert on_device(out) and out.shape == (6, 4)
    dropout = model.layers[3]
    assert is_device_array(dropout.last_mask)
    targets = {"mse": nn.functional.mse_loss(out, np.zeros((6, 4), np.float32)),
               "bce": nn.functional.binary_cross_entropy(out, Tensor(np.ones((6, 4)), device="cuda")),
               "bce_logits": nn.functional.binary_cross_entropy_with_logits(out, np.ones((6, 4), np.float32)),
               "ce": nn.functional.cross_entropy(out, Tensor(np.array([0, 1, 2, 3, 0, 1]), device="cuda")),
               "ce_host_targets": nn.functional.cross_entropy(out, np.array([0, 1, 2, 3, 0, 1])),
               "l2": nn.functional.l2_penalty(model)}
    total = sum(targets.values(), Tensor(0.0, device="cuda"))
    total.backward()
    for name, loss in targets.items():
        assert on_device(loss) and np.isfinite(loss.item()), name
    for name, p in model.named_parameters():
        assert p.grad is not None and on_device(p.grad), name
    bn = model.layers[1]
    assert on_device(bn.running_mean) and not np.allclose(bn.running_mean.numpy(), 0)
    model.eval()
    out_eval = model(Tensor(x, device="cuda"))
    assert on_device(out_eval)
    cpu_model = model.to("cpu")
    np.testing.assert_allclose(cpu_model(x).numpy(), out_eval.numpy(), rtol=1e-5, atol=1e-6)
    assert cpu_model.device == "cpu" and isinstance(bn.running_mean.data, np.ndarray)


def test_state_dict_and_load_state_dict_on_cuda(cuda):
    model = nn.MLP([2, 4, 1]).to("cuda")
    state = model.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    fresh = nn.MLP([2, 4, 1]).to("cuda")
    fresh.load_state_dict({k: cuda.asarray(v) for k, v in state.items()})  # device arrays in a state dict
    for (name, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters()):
        assert on_device(b), name
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


# -- optim ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
                                  lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda ps: optim.RMSprop(ps, lr=0.01, weight_decay=1e-3),
                                  lambda ps: optim.Adam(ps, lr=0.01, weight_decay=1e-3)],
                         ids=["sgd_momentum", "nesterov", "rmsprop", "adam"])
def test_optimizer_steps_match_cpu(cuda, make):
    def run(device):
        mg.manual_seed(5)
        model = nn.MLP([2, 6, 1], activation="tanh").to(device)
        opt = make(model.parameters())
        X, y = data.make_moons(32, seed=0)
        for _ in range(4):
            loss = nn.functional.binary_cross_entropy_with_logits(model(Tensor(X, device=device)),
                                                                  Tensor(y, device=device))
            opt.zero_grad()
            loss.backward()
            norm = optim.clip_grad_norm(model.parameters(), 0.5)
            assert isinstance(norm, float)
            opt.step()
        assert all(p.device == device and p.grad.device == device for p in model.parameters())
        buffers = [v for s in opt.state for v in s.values() if hasattr(v, "shape")]
        assert all(is_device_array(v) == (device == "cuda") for v in buffers)
        return [p.numpy() for p in model.parameters()], opt

    gpu, opt = run("cuda")
    cpu, _ = run("cpu")
    for a, b in zip(gpu, cpu):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    state = opt.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state["state"].values())
    opt.load_state_dict(state)
    opt.step()  # loaded host buffers follow the parameters back to the device
    on_gpu = {**state, "state": {k: cuda.asarray(v) for k, v in state["state"].items()}}
    opt.load_state_dict(on_gpu)  # buffers handed over as device arrays
    opt.step()


def test_optimizer_follows_module_to(cuda):
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(np.ones((1, 2), np.float32)).sum().backward()
    opt.step()
    model.to("cuda")
    opt.zero_grad()
    model(np.ones((1, 2), np.float32)).sum().backward()
    opt.step()
    assert on_device(model.weight) and all(is_device_array(opt.state[0][k]) for k in ("exp_avg", "exp_avg_sq"))


# -- saving, gradcheck, data, metrics ---------------------------------------------------------------------
def test_save_and_load_cuda_model_and_optimizer(cuda, tmp_path):
    model = nn.MLP([2, 3, 1]).to("cuda")
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(np.ones((2, 2), np.float32)).sum().backward()
    opt.step()
    mg.save({"model": model, "opt": opt, "epoch": 3}, tmp_path / "ckpt.npz")
    fresh = nn.MLP([2, 3, 1]).to("cuda")
    fresh_opt = optim.Adam(fresh.parameters(), lr=0.1)
    extras = mg.load(tmp_path / "ckpt.npz", into={"model": fresh, "opt": fresh_opt})
    assert extras == {"epoch": 3}
    for (name, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters()):
        assert on_device(b), name
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    test_device_training.test_save_and_load_across_devices("cuda", tmp_path)


def test_gradcheck_float64_on_cuda(cuda):
    test_device_training.test_gradcheck_in_float64_on_device("cuda")
    x = Tensor(np.random.default_rng(1).normal(size=(3, 2)), requires_grad=True, dtype=np.float64, device="cuda")
    assert mg.gradcheck(lambda a: (a.tanh() * a).sum(), [x])
    assert mg.relative_difference(x.data, x.data) == 0.0


def test_batches_and_standardizer_with_cuda_tensors(cuda):
    X, y = data.make_moons(50, seed=0)
    Xt, yt = Tensor(X, device="cuda"), Tensor(y, device="cuda")
    seen = []
    for xb, yb in data.batches(Xt, yt, batch_size=16, seed=0):
        assert on_device(xb) and on_device(yb) and len(xb) == len(yb)
        seen.append(xb.numpy())
    np.testing.assert_allclose(np.sort(np.concatenate(seen), axis=0), np.sort(X, axis=0))
    raw = [xb for xb, _ in data.batches(Xt.data, yt.data, batch_size=16, seed=0)]  # bare device arrays
    assert all(is_device_array(xb) for xb in raw)
    np.testing.assert_array_equal(raw[0].get(), seen[0])
    (Xa, ya), (Xb, yb) = data.train_dev_split(Xt.data, yt.data, dev_fraction=0.2)  # bare device arrays stay
    assert all(is_device_array(a) for a in (Xa, ya, Xb, yb)) and len(Xa) + len(Xb) == 50
    (Xa, ya), _ = data.split(Xt, yt, (0.8, 0.2))
    assert on_device(Xa) and on_device(ya)
    assert data.one_hot(Tensor(np.array([0, 2, 1]), device="cuda")).shape == (3, 3)
    scaler = data.Standardizer().fit(Xt)
    Z = scaler.transform(Xt)
    assert on_device(Z)
    np.testing.assert_allclose(Z.numpy().mean(axis=0), 0, atol=1e-5)
    Zraw = scaler.transform(Xt.data)  # a bare device array in, a device array out
    assert is_device_array(Zraw)
    np.testing.assert_allclose(Zraw.get(), Z.numpy(), rtol=1e-6)


def test_metrics_on_cuda_outputs(cuda):
    logits = Tensor(np.array([[2.0, -1.0], [0.0, 3.0], [1.0, 0.5]]), device="cuda")
    y = Tensor(np.array([0, 1, 1]), device="cuda")
    assert mg.metrics.accuracy(y, logits) == pytest.approx(2 / 3)
    assert mg.metrics.accuracy(y.data, logits.data) == pytest.approx(2 / 3)
    probs = Tensor(np.array([[0.9], [0.2], [0.7]], np.float32), device="cuda")
    yb = Tensor(np.array([[1.0], [0.0], [0.0]], np.float32), device="cuda")
    assert mg.metrics.precision(yb, probs) == pytest.approx(0.5)
    assert mg.metrics.recall(yb, probs) == pytest.approx(1.0)
    np.testing.assert_array_equal(mg.metrics.confusion_matrix(yb, probs), [[1, 1], [0, 1]])


# -- diagnose and pictures ------------------------------------------------------------------------------------
def test_monitor_on_cuda_model(cuda):
    model = nn.MLP([2, 8, 8, 1], activation="relu").to("cuda")
    X, y = data.make_moons(40, seed=0)
    with mg.diagnose.Monitor(model) as mon:
        loss = nn.functional.binary_cross_entropy_with_logits(model(Tensor(X, device="cuda")), y)
        loss.backward()
        records = mon.step()
    assert records and all(isinstance(r.act_mean, float) for r in records)
    assert any(r.grad_norm is not None and r.grad_norm > 0 for r in records)
    assert "layer" in str(mon)
    report = mg.diagnose.probe(model, Tensor(X, device="cuda"), y)
    assert report


def test_monitor_flags_non_finite_on_cuda_and_error_analysis(cuda):
    model = nn.MLP([2, 4, 1]).to("cuda")
    X = np.array([[np.nan, 1.0], [0.0, 1.0]], np.float32)
    with mg.diagnose.Monitor(model, on_nonfinite="raise"):
        with pytest.raises(mg.diagnose.NonFiniteError):
            model(Tensor(X, device="cuda"))
    mask = Tensor(np.array([True, False, True]), device="cuda")
    result = mg.diagnose.error_analysis({"blurry": mask, "dark": mask.data})
    assert "blurry" in str(result)


def test_draw_and_render_cuda_graph(cuda, tmp_path):
    model = nn.MLP([2, 3, 1]).to("cuda")
    loss = model(np.ones((4, 2), np.float32)).sigmoid().mean()
    loss.backward(retain_graph=True)
    g = mg.viz.draw(loss)
    assert "->" in g.source and "grad" in g.source
    g2 = mg.viz.draw(loss, collapse="module")
    assert g2.source
    path = mg.viz.render(g, tmp_path / "g.svg")
    assert path and (tmp_path / "g.svg").stat().st_size > 0


def test_terminal_views_of_cuda_values(cuda):
    term = mg.viz.term
    model = nn.Sequential(nn.Linear(2, 5), nn.Dropout(0.5), nn.Linear(5, 1)).to("cuda")
    X, y = data.make_moons(30, seed=0)
    model(X).sum().backward()
    norms = {name: float(cuda.linalg.norm(p.grad.data)) for name, p in model.named_parameters()}
    assert "0" in term.bars(norms, width=60, color=False)
    assert term.bars([p.grad.data.sum() for p in model.parameters()], width=60, color=False)
    losses = Tensor(np.linspace(1, 0.1, 20), device="cuda")
    assert term.sparkline([losses[i].data for i in range(20)], width=40, color=False)
    assert term.sparkline(losses.data, width=40, color=False)
    assert "#" in term.dropout_mask(model.layers[1].last_mask, width=40, color=False)
    model.eval()
    assert term.heatmap(model, X, y, width=30, height=10, color=False)
    assert term.heatmap(model, Tensor(X, device="cuda"), Tensor(y, device="cuda"), width=30, height=10, color=False)


# -- training ---------------------------------------------------------------------------------------------------
def test_training_curve_matches_cpu(cuda):
    test_device_training.test_training_curve_matches_cpu("cuda")


def test_cross_entropy_training_and_printing(cuda):
    test_device_training.test_cross_entropy_with_sgd_momentum_on_device("cuda")
    test_device_training.test_printing_and_numpy_copy_to_host("cuda")


def test_plots_of_cuda_values(cuda, tmp_path):
    plot = pytest.importorskip("minigrad.viz.plot")
    model = nn.MLP([2, 6, 1]).to("cuda")
    X, y = data.make_moons(40, seed=0)
    Xc, yc = Tensor(X, device="cuda"), Tensor(y, device="cuda")
    losses = [nn.functional.binary_cross_entropy_with_logits(model(Xc), yc) for _ in range(3)]
    assert plot.loss_curves({"train": losses, "raw": [loss.data for loss in losses]}, tmp_path / "loss.png",
                            accuracy=Tensor([0.5, 0.6, 0.7], device="cuda").data)
    assert plot.decision_boundary(model, Xc.data, yc, tmp_path / "db.png", resolution=20)
    assert plot.decision_boundary(model, Xc, yc.data, tmp_path / "db2.png", resolution=20)
    assert plot.lines({"a": Tensor([1.0, 2.0], device="cuda")}, tmp_path / "lines.png")
    assert plot.images([Tensor(np.full(16, 0.5), device="cuda").data], tmp_path / "img.png")


# -- the REPL ---------------------------------------------------------------------------------------------------
def test_repl_device_train_and_inspect_on_cuda(cuda):
    from .test_repl_units import scripted

    text, status = scripted("\n".join([
        ":device cuda", "X, y = data.make_moons(64, seed=0)", "model = nn.MLP([2, 8, 1], dropout=0.2)",
        ":train model X y epochs=2 batch=16", "Xc, yc = Tensor(X, device='cuda'), Tensor(y, device='cuda')",
        ":train model Xc yc epochs=1 opt=momentum", ":train model Xc.data yc.data epochs=1 opt=rmsprop",
        ":inspect model", "print(model.device, all(p.grad.device == 'cuda' for p in model.parameters()))",
        "print(repr(model)[:10])", "a = Tensor([1.0, 2.0], requires_grad=True)", "b = (a * a).sum()", ":step b",
        ":device cpu"]))
    assert "Traceback" not in text and "Error" not in text, text
    assert text.count("trained 1 epoch") == 2 and "trained 2 epoch" in text
    assert "cuda True" in text and "new tensors go to cuda" in text
    assert "a.grad = [2, 4]" in text  # :step walked a graph built on the GPU
    assert status == 0


def test_repl_started_with_device_cuda_shows_it(cuda, monkeypatch, capsys):
    import io

    from repl import app
    from repl.session import Session
    from repl.toolbar import toolbar_items

    monkeypatch.setattr(sys, "stdin", io.StringIO("t = mg.randn(2, 3) @ mg.randn(3, 1)\nprint(t.device)\n"))
    assert app.main(["--device", "cuda"]) == 0  # the fixture puts the default device back
    assert ("device", "cuda") in toolbar_items(Session(interactive=False, out=io.StringIO()))
    assert capsys.readouterr().out.strip().endswith("cuda")
