"""minigrad models leave for PyTorch and ONNX and come back with the same numbers."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, data, nn, optim
from minigrad.export import ExportError, from_torch, to_onnx, to_torch

torch = pytest.importorskip("torch")


def _models(dtype):
    mg.manual_seed(3)
    plain = nn.MLP([3, 8, 5, 2], activation="tanh")
    mixed = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.LeakyReLU(0.1), nn.Dropout(0.3),
                          nn.Sequential(nn.Linear(6, 4), nn.Sigmoid()), nn.Linear(4, 3), nn.Softmax(axis=-1))
    deep = nn.MLP([3, 16, 16, 1], activation="relu", dropout=0.2, batchnorm=True)
    out = []
    for m in (plain, mixed, deep):
        m.astype(dtype)
        # a few training steps so BatchNorm's running statistics are not their initial 0 and 1
        x = Tensor(np.random.default_rng(0).normal(size=(32, 3)).astype(dtype))
        for _ in range(3):
            m(x).sum().backward()
            m.zero_grad()
        out.append(m.eval())
    return out


@pytest.mark.parametrize("index", [0, 1, 2])
def test_to_torch_gives_the_same_outputs_in_eval_mode(index):
    model = _models(np.float64)[index]
    x = np.random.default_rng(1).normal(size=(10, 3))
    theirs = to_torch(model)
    assert not theirs.training
    with torch.no_grad():
        got = theirs(torch.from_numpy(x)).numpy()
    want = model(Tensor(x)).numpy()
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.max(np.abs(got - want)) < 1e-12  # float64 on both sides: equal to rounding


def test_to_torch_keeps_float32_and_trainable_flags():
    mg.manual_seed(0)
    model = nn.MLP([2, 4, 1])
    model.layers[0].weight.requires_grad = False
    theirs = to_torch(model)
    assert theirs[0].weight.dtype == torch.float32
    assert not theirs[0].weight.requires_grad and theirs[2].weight.requires_grad
    assert theirs.training  # a model in training mode stays in training mode


def test_same_gradients_after_one_backward():
    mg.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 5, init="xavier"), nn.Tanh(), nn.Linear(5, 1)).astype(np.float64)
    theirs = to_torch(model)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    nn.functional.mse_loss(model(Tensor(x)), Tensor(y)).backward()
    torch.nn.functional.mse_loss(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    for ours, their in ((model.layers[0], theirs[0]), (model.layers[2], theirs[2])):
        np.testing.assert_allclose(their.weight.grad.numpy().T, ours.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(their.bias.grad.numpy(), ours.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_a_minigrad_trained_model_keeps_its_accuracy_in_pytorch():
    X, y = data.make_moons(300, noise=0.15, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 16, 16, 1], activation="relu")
    opt = optim.Adam(model.parameters(), lr=0.02)
    for _ in range(150):
        loss = nn.functional.binary_cross_entropy_with_logits(model(Tensor(X)), Tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    ours = ((model(Tensor(X)).numpy() > 0) == (y > 0.5)).mean()
    with torch.no_grad():
        theirs = ((to_torch(model)(torch.from_numpy(X)).numpy() > 0) == (y > 0.5)).mean()
    assert ours > 0.95
    assert theirs == ours


@pytest.mark.parametrize("index", [0, 1, 2])
def test_round_trip_through_torch_is_exact(index):
    model = _models(np.float32)[index]
    back = from_torch(to_torch(model))
    assert [type(m).__name__ for m in back.layers] == [type(m).__name__ for m in
                                                         _flat(model)]
    for (name, a), (_, b) in zip(_state(model), _state(back)):
        np.testing.assert_array_equal(a, b, err_msg=name)
    x = np.random.default_rng(4).normal(size=(7, 3)).astype(np.float32)
    np.testing.assert_array_equal(back(Tensor(x)).numpy(), model(Tensor(x)).numpy())


def _flat(model):
    return [leaf for layer in model.layers for leaf in (_flat(layer) if isinstance(layer, nn.Sequential) else [layer])]


def _state(model):
    return [(k, v) for k, v in model.state_dict().items()]


def test_from_torch_reads_a_model_written_in_pytorch():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                 torch.nn.Linear(8, 3)).double().eval()
    model = from_torch(theirs)
    assert not model.training and model.layers[2].p == pytest.approx(0.1)
    x = np.random.default_rng(0).normal(size=(5, 4))
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(Tensor(x)).numpy(), want, rtol=0, atol=1e-12)


def test_unsupported_layers_are_named():
    class Odd(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ExportError, match="Odd"):
        to_torch(nn.Sequential(nn.Linear(2, 2), Odd()))
    with pytest.raises(ExportError, match="GRU"):
        from_torch(torch.nn.Sequential(torch.nn.GRU(2, 2)))
    with pytest.raises(ExportError, match="Odd"):
        to_onnx(nn.Sequential(Odd()), "never-written.onnx", (None, 2))


# -- ONNX ------------------------------------------------------------------------------------
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_gives_the_same_outputs(tmp_path, index, dtype):
    model = _models(dtype)[index]
    path = to_onnx(model, tmp_path / "m.onnx", (None, 3))
    onnx.checker.check_model(onnx.load(path), full_check=True)
    for batch in (1, 9):  # the batch axis is free
        x = np.random.default_rng(batch).normal(size=(batch, 3)).astype(dtype)
        np.testing.assert_allclose(_run_onnx(path, x), model(Tensor(x)).numpy(), rtol=1e-5, atol=1e-5)


def test_onnx_op_list_and_more_batch_axes(tmp_path):
    mg.manual_seed(1)
    model = nn.MLP([2, 4, 1], activation="tanh").eval()
    path = to_onnx(model, tmp_path / "m.onnx", (None, 2))
    ops = [node.op_type for node in onnx.load(path).graph.node]
    assert ops == ["Gemm", "Tanh", "Gemm", "Identity"]
    path3 = to_onnx(model, tmp_path / "m3.onnx", (None, 5, 2))  # Linear acts on the last axis
    x = np.random.default_rng(0).normal(size=(3, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(_run_onnx(path3, x), model(Tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    assert "MatMul" in [node.op_type for node in onnx.load(path3).graph.node]


def test_onnx_never_leaves_half_a_file(tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")

    class Odd(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ExportError):
        to_onnx(nn.Sequential(nn.Linear(2, 2), Odd()), target, (None, 2))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_onnx_input_shape_must_fit_the_first_layer(tmp_path):
    with pytest.raises(ExportError, match=r"input_shape \(None, 3\).*takes 2 features"):
        to_onnx(nn.MLP([2, 3, 1]), tmp_path / "m.onnx", (None, 3))


def test_repl_export_writes_onnx_and_pt(tmp_path):
    import subprocess
    import sys

    script = ("mg.manual_seed(0)\nmodel = nn.MLP([2, 8, 1])\n"
              f":export model {tmp_path}/m.onnx\n:export model {tmp_path}/m.pt\n:export model {tmp_path}/m.txt\n")
    proc = subprocess.run([sys.executable, "-m", "minigrad.cli"], input=script, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert "exported model as ONNX" in proc.stdout and "exported model as PyTorch" in proc.stdout
    assert "must end in .onnx or .pt" in proc.stdout + proc.stderr
    assert proc.returncode == 1  # the last line failed, and a script says so in its exit status
    x = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    theirs = torch.load(tmp_path / "m.pt", weights_only=False)
    with torch.no_grad():
        np.testing.assert_allclose(theirs(torch.from_numpy(x)).numpy(), _run_onnx(tmp_path / "m.onnx", x),
                                   rtol=1e-5, atol=1e-6)
