"""Tensor creation, dtype rules, devices and conversions."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import DeviceError, Tensor
from minigrad.backend import cuda_available


def test_lists_become_float32_and_arrays_keep_their_dtype():
    assert Tensor([1, 2, 3]).dtype == np.float32
    assert Tensor([[1.0, 2.0]]).dtype == np.float32
    assert Tensor(np.ones(2)).dtype == np.float64
    assert Tensor(np.ones(2, dtype=np.float16)).dtype == np.float16
    assert Tensor(np.arange(3)).dtype == np.int64
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_float32_stays_float32_through_ops_with_python_numbers():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = ((x * 2.5 + 1) / 3.0 - 0.5) ** 2
    y = (1.0 - y).exp().log().tanh().sigmoid().relu().mean()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_gradient_dtype_follows_the_input_even_when_the_op_upcasts():
    x = Tensor([1.0, 2.0], requires_grad=True)            # float32
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)  # float64
    (x * w).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point.*int64"):
        Tensor(np.arange(3), requires_grad=True)


def test_creation_functions_and_seed():
    mg.manual_seed(7)
    a = mg.randn(2, 3)
    mg.manual_seed(7)
    b = mg.randn((2, 3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (2, 3) and a.dtype == np.float32
    assert mg.zeros(2, 3).numpy().sum() == 0 and mg.ones(3).numpy().sum() == 3
    assert mg.arange(5).numpy().tolist() == [0, 1, 2, 3, 4] and mg.arange(5).dtype == np.int64
    assert mg.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert mg.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    r = mg.rand(1000).numpy()
    assert 0 <= r.min() and r.max() < 1


def test_conversions():
    x = Tensor([[1.0, 2.0]], requires_grad=True, label="x")
    assert isinstance(x.numpy(), np.ndarray)
    assert Tensor([3.5]).item() == 3.5
    assert x.shape == (1, 2) and x.ndim == 2 and x.size == 2 and x.device == "cpu"
    d = x.detach()
    assert not d.requires_grad and d.data is x.data
    assert x.to("cpu") is x
    assert "requires_grad=True" in repr(x) and "x" in repr(x)
    with pytest.raises(ValueError, match="one element"):
        x.item()


def test_comparisons_give_masks_and_keep_identity_equality():
    x = Tensor([1.0, -1.0])
    assert (x > 0).numpy().tolist() == [True, False]
    assert x.eq(Tensor([1.0, 0.0])).numpy().tolist() == [True, False]
    assert len({x, Tensor([1.0, -1.0])}) == 2  # graph nodes are hashed by identity


@pytest.mark.skipif(cuda_available(), reason="checks the error without a GPU")
def test_cuda_without_cupy_or_gpu_is_refused_clearly():
    with pytest.raises(DeviceError, match=r"cuda.*(cuda12|not available)"):
        Tensor([1.0], device="cuda")
    try:
        import cupy  # noqa: F401
    except ImportError:  # then the message must say what to install, naming both extras
        for make in (lambda: Tensor([1.0], device="cuda"), lambda: mg.zeros(2, device="cuda"),
                     lambda: mg.nn.Linear(2, 1).to("cuda")):
            with pytest.raises(DeviceError, match=r"CuPy is not installed.*\.\[cuda12\].*\.\[cuda13\]"):
                make()
    with pytest.raises(DeviceError, match="cuda"):
        Tensor([1.0]).to("cuda")
    with pytest.raises(DeviceError, match="unknown device"):
        Tensor([1.0], device="tpu")


def test_minigrad_device_environment_variable_is_checked():
    code = "import minigrad as mg; print(mg.default_device(), mg.zeros(1).device)"
    out = subprocess.run([sys.executable, "-c", code], env={"MINIGRAD_DEVICE": "cpu", "PATH": ""},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["cpu", "cpu"]


def test_tensor_on_device_roundtrip(device):
    x = Tensor([[1.0, 2.0]], requires_grad=True, device=device)
    assert x.device == device
    y = (x.to("cpu") * 2).sum()
    y.backward()
    assert x.grad.device == device
    np.testing.assert_allclose(x.grad.numpy(), [[2.0, 2.0]])


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="needs CuPy and a CUDA GPU")
def test_mixing_devices_names_both():
    with pytest.raises(DeviceError, match="cpu.*cuda|cuda.*cpu"):
        Tensor([1.0]) + Tensor([1.0], device="cuda")


def test_import_is_light():
    code = "import sys, minigrad; print(any(m in sys.modules for m in ('cupy', 'matplotlib', 'prompt_toolkit', 'graphviz')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_version_command():
    out = subprocess.run([sys.executable, "-m", "minigrad.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("minigrad 0.")
