"""Tensor creation, dtype rules, devices and conversions."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import DeviceError, Tensor
from minigrad.backend import cuda_available


def test_lists_follow_pytorch_dtypes_and_arrays_keep_their_dtype():
    assert Tensor([1, 2, 3]).dtype == np.int64  # integers stay integers, as torch.tensor([1, 2, 3])
    assert Tensor([1, 2, 3], requires_grad=True).dtype == np.float32  # only floats can have a gradient
    assert Tensor([1, 2.5]).dtype == np.float32 and Tensor([True, False]).dtype == np.bool_
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
    code = ("import sys, minigrad; "
            "print(any(m in sys.modules for m in ('cupy', 'matplotlib', 'prompt_toolkit', 'graphviz')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_version_command():
    out = subprocess.run([sys.executable, "-m", "minigrad.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("minigrad 0.")


# -- audit: NumPy on the left, NumPy scalars, dtype rules, 0-d and empty tensors, repr ---------------
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "@", "<", ">"])
def test_numpy_array_on_the_left_gives_a_tensor_in_the_graph(op):
    f = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
         "**": lambda a, b: a ** b, "@": lambda a, b: a @ b, "<": lambda a, b: a < b, ">": lambda a, b: a > b}[op]
    x = Tensor(np.array([1.5, 2.0]), requires_grad=True)
    arr = np.array([3.0, 4.0])
    out = f(arr, x)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), f(arr, x.numpy()))
    if op not in "<>":
        out.sum().backward()
        assert x.grad is not None and x.grad.shape == (2,)


def test_numpy_ufuncs_are_refused_and_asarray_gives_the_data():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="ufunc"):
        np.exp(x)  # would have been an object array of 0-d Tensors
    arr = np.asarray(x)
    assert arr.dtype == np.float32 and arr.tolist() == [1.0, 2.0]
    assert np.asarray([x, x]).shape == (2, 2)
    np.testing.assert_allclose(x, [1.0, 2.0])  # NumPy's testing helpers take Tensors


@pytest.mark.parametrize("scalar", [np.float64(2.0), np.int64(2), np.float32(2.0), 2, 2.0, np.float16(2.0)],
                         ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_python_and_numpy_scalars_keep_the_tensor_dtype(scalar, dtype):
    x = Tensor(np.array([1.0, 3.0], dtype=dtype), requires_grad=True)
    outs = [x * scalar, scalar * x, x + scalar, scalar - x, x / scalar, scalar / x, x ** scalar, x.maximum(scalar)]
    assert [o.dtype for o in outs] == [dtype] * len(outs)
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == dtype


def test_integer_and_boolean_tensors_with_numbers():
    i = Tensor(np.array([1, 2, 3]))
    assert (i + 1).dtype == np.int64 and (i * 2).numpy().tolist() == [2, 4, 6]
    assert (i * 1.5).dtype.kind == "f" and (i * 1.5).numpy().tolist() == [1.5, 3.0, 4.5]
    b = Tensor([True, False])
    assert (b * 2.0).dtype == np.float32 and (b + 1).numpy().tolist() == [2.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_gradient_dtype_equals_parameter_dtype_through_every_op(dtype):
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=dtype), requires_grad=True)
    other = Tensor(np.ones((2, 3)), requires_grad=True)  # float64: mixed ops upcast the forward
    ints = Tensor(np.array([1, 0]))
    y = (x * other + x.abs().sqrt() + x.exp().log() + x.tanh() + x.sigmoid() + x.relu() + x.leaky_relu())
    y = y + x.softmax() + x.log_softmax(axis=0) + x.maximum(0.1) + (x ** 2) + x[ints] + x.T.T
    z = (y.sum(axis=0) + y.mean(axis=1, keepdims=True) + x.max(axis=1, keepdims=True) + x.var(axis=0)).sum()
    z = z + mg.cat([x, x], axis=0).sum() + mg.stack([x, x]).mean() + mg.where(x > 0, x, 0.0).sum() + (x @ x.T).sum()
    z.backward()
    assert x.grad.dtype == dtype and other.grad.dtype == np.float64
    assert np.all(np.isfinite(x.grad.numpy()))


def test_complex_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.array([1j]), requires_grad=True)


def test_float_index_is_a_clear_error():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    with pytest.raises(IndexError, match="integers or booleans.*float32"):
        x[Tensor([0.0, 1.0])]
    assert x[Tensor([0, 2], dtype=np.int64)].numpy().tolist() == [[0.0, 1.0], [4.0, 5.0]]


def test_tensors_as_indices_negative_indices_and_masks():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = x[Tensor(np.array([-1, 0, -1]))].sum() + x[x > 8.0].sum() + x[-1, -1] + x[Tensor(np.array(1))].sum()
    y.backward()
    expected = np.zeros((3, 4))
    expected[2] += 2
    expected[0] += 1
    expected[x.numpy() > 8] += 1
    expected[2, 3] += 1
    expected[1] += 1
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_0d_tensors():
    x = Tensor(np.float64(3.0), requires_grad=True)
    y = (x * x).exp().log().sqrt().tanh().sigmoid() + x.softmax() + x[None].sum() + x[...] + x.T
    assert y.shape == () and x.shape == ()
    y.backward()
    assert x.grad.shape == () and np.isfinite(x.grad.item())
    with pytest.raises(TypeError, match="0-d tensor"):
        len(x)
    with pytest.raises(mg.ops.ShapeError, match="at least one dimension"):
        x @ x


def test_empty_tensors():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    y = (x @ w).tanh().sum() + x.softmax().sum() + x.max(axis=1).sum() + (x * 2).sum(axis=0).sum()
    assert y.item() == 0.0
    y.backward()
    assert x.grad.shape == (0, 3) and w.grad.numpy().tolist() == [[0.0, 0.0]] * 3
    with pytest.raises(mg.ops.ShapeError, match="max"):
        x.max()  # the max of nothing is undefined (PyTorch refuses it too)
    assert repr(x) == "Tensor([], shape=(0, 3), dtype=float64, requires_grad=True)"


def test_repr_of_a_big_tensor_is_summarised():
    text = repr(mg.randn(1000, 1000))
    assert len(text) < 1000 and "..." in text and "shape=(1000, 1000)" in text


def test_in_place_change_of_data_between_forward_and_backward_is_seen_by_backward():
    """Documented: ops keep references to their inputs' arrays (no copies, no version counters as in
    PyTorch), so editing ``.data`` in place after the forward pass changes the gradient computed."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data[0] = 10.0
    y.backward()
    assert x.grad.numpy().tolist() == [20.0, 4.0]  # 2 * (the edited x), not 2 * (the x of the forward pass)


def test_huge_graphs_are_released_after_backward():
    import gc
    import weakref

    x = Tensor(np.ones(4), requires_grad=True)
    h = x
    first = h = h * 1.0
    ref = weakref.ref(first)
    for _ in range(20000):
        h = h * 1.0 + 0.0
    del first
    h.sum().backward()
    assert x.grad.numpy().tolist() == [1.0] * 4
    del h
    gc.collect()
    assert ref() is None


def test_an_empty_index_list_selects_nothing():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    y = x[[]]
    assert y.shape == (0, 2)
    (y.sum() + x[[], 0].sum() + x.sum()).backward()
    assert x.grad.numpy().tolist() == [[1.0, 1.0]] * 3


def test_one_element_tensors_convert_to_python_numbers_and_lists_of_them_to_tensors():
    t = Tensor([1.0, 2.0], requires_grad=True)
    assert float(t.sum()) == 3.0 and int(t.mean() * 2) == 3
    with pytest.raises(ValueError, match="one element"):
        float(t)
    both = Tensor([t.sum(), t.mean()])
    assert both.numpy().tolist() == [3.0, 1.5] and not both.requires_grad
