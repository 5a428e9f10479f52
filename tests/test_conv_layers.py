"""The conv/pool layers as modules, the describe() text of the ops, errors that name the op and the shapes,
and a LeNet on the fake CuPy computing what it computes on the CPU."""
from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.ops import ShapeError

from .fake_cupy import is_device_array
from .test_fake_cuda import cuda  # noqa: F401 - the fixture that installs a fresh fake CuPy

F = nn.functional


def lenet() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


# -- layers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conv2d_he_init_has_linears_scale(seed):
    mg.manual_seed(seed)
    layer = nn.Conv2d(8, 64, 3)
    fan_in = 8 * 3 * 3
    w = layer.weight.numpy()
    assert w.shape == (64, 8, 3, 3) and w.dtype == np.float32
    assert abs(w.std() / np.sqrt(2 / fan_in) - 1) < 0.06, "He: std sqrt(2 / fan_in), fan_in = in x kh x kw"
    assert abs(w.mean()) < 0.02 and not layer.bias.numpy().any()
    mg.manual_seed(seed)
    same = nn.Linear(fan_in, 64).weight.numpy()  # the same draws as a Linear with that many inputs
    np.testing.assert_array_equal(w.reshape(64, -1), same.T)


def test_conv_init_choices_and_errors():
    assert not nn.Conv2d(2, 3, 3, init="zeros").weight.numpy().any()
    xavier = nn.Conv2d(16, 32, 3, init="xavier").weight.numpy()
    assert abs(xavier.std() / np.sqrt(1 / (16 * 9)) - 1) < 0.1
    custom = nn.Conv2d(2, 3, 2, init=lambda shape: np.ones(shape)).weight.numpy()
    assert custom.shape == (3, 2, 2, 2) and (custom == 1).all()
    assert nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape == (4, 3, 3, 3)
    for bad, match in [(lambda: nn.Conv2d(3, 4, 3, groups=2), "divisible by groups"),
                       (lambda: nn.Conv2d(0, 4, 3), "in_channels must be a positive integer"),
                       (lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), "padding_mode"),
                       (lambda: nn.Conv2d(3, 4, 3, init=lambda s: np.ones((2, 2))), r"init returned shape")]:
        with pytest.raises((ValueError, ShapeError), match=match):
            bad()


def test_layers_register_parameters_and_print_like_torch():
    model = lenet()
    names = [n for n, _ in model.named_parameters()]
    assert len(names) == 10 and sum(p.size for p in model.parameters()) == 44426  # LeNet-5's count, as torch's
    text = repr(model)
    assert "Conv2d(1, 6, kernel_size=5" in text and "MaxPool2d(kernel_size=2, stride=2)" in text
    assert "Flatten(start_dim=1, end_dim=-1)" in text
    assert "stride=2, padding=1, groups=2, bias=False" in repr(nn.Conv2d(4, 4, 3, 2, 1, groups=2, bias=False))
    state = model.state_dict()
    other = lenet()
    other.load_state_dict(state)
    x = mg.randn(2, 1, 28, 28)
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())


def test_flatten_and_unbatched_inputs():
    x = mg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    with pytest.raises(ShapeError, match=r"Flatten\(start_dim=3, end_dim=1\).*\(2, 3, 4, 5\)"):
        nn.Flatten(3, 1)(x)
    conv = nn.Conv2d(3, 2, 3)
    one = conv(x[0])  # (C, H, W): one example, as PyTorch allows
    assert one.shape == (2, 2, 3)
    np.testing.assert_allclose(one.numpy(), conv(x).numpy()[0], rtol=1e-6)
    assert F.max_pool2d(x[0], 2).shape == (3, 2, 2)


def test_lenet_learns_a_batch():
    mg.manual_seed(0)
    model = lenet()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x, y = mg.Tensor(rng.standard_normal((16, 1, 28, 28)).astype(np.float32)), rng.integers(0, 10, 16)
    losses = []
    for _ in range(12):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], losses


# -- what the graph shows ---------------------------------------------------------------------------------
def test_describe_shows_the_parameters_that_differ_from_the_defaults():
    x, w = mg.randn(1, 2, 6, 6, requires_grad=True), mg.randn(4, 1, 3, 3, requires_grad=True)
    assert F.conv2d(x, w, stride=2, padding=1, groups=2).describe() == "conv2d(stride=2, padding=1, groups=2)"
    assert F.conv2d(x, mg.randn(4, 2, 3, 3), padding="same").describe() == "conv2d(padding=1)"
    assert F.max_pool2d(x, 2).describe() == "max_pool2d(kernel=2, stride=2)"
    assert F.avg_pool2d(x, 3, 1, 1, count_include_pad=False).describe() == \
        "avg_pool2d(kernel=3, stride=1, padding=1, count_include_pad=False)"
    assert F.pad(x, (1, 2), mode="reflect").describe() == "pad((1, 2), reflect)"
    assert mg.einsum("ij,jk", mg.randn(2, 3, requires_grad=True), mg.randn(3, 2)).describe() == \
        "einsum(ij,jk->ik)"
    y = F.conv2d(x, w, mg.randn(4, requires_grad=True), groups=2)
    assert [y.local_rule(i, ["x", "w", "bias"]) for i in range(3)] == \
        ["col2im(wᵀ @ g)", "g @ im2col(x)ᵀ", "g summed over batch and positions"]


# -- bad input: the op's name, the shapes, and the PyTorch-compatible error type ----------------------------
X4, W4 = mg.randn(2, 3, 8, 8), mg.randn(4, 3, 3, 3)
ERRORS = [
    ("conv2d-channels", lambda: F.conv2d(X4, mg.randn(4, 2, 3, 3)), ShapeError,
     r"conv2d: input \(2, 3, 8, 8\) has 3 channels but weight \(4, 2, 3, 3\) expects 2"),
    ("conv2d-kernel-too-big", lambda: F.conv2d(mg.randn(1, 3, 2, 2), W4), ShapeError,
     r"conv2d: input \(1, 3, 2, 2\) padded to size 2 .* kernel's 3"),
    ("conv2d-weight-ndim", lambda: F.conv2d(X4, mg.randn(4, 3, 3)), ShapeError,
     r"conv2d: input \(2, 3, 8, 8\) does not fit weight \(4, 3, 3\): a kernel of 1 axes"),
    ("conv2d-weight-2d", lambda: F.conv2d(X4, mg.randn(4, 3)), ShapeError, r"conv2d: weight must have shape"),
    ("conv2d-input-ndim", lambda: F.conv2d(mg.randn(8, 8), W4), ShapeError,
     r"conv2d: input \(8, 8\) does not fit weight \(4, 3, 3, 3\)"),
    ("conv2d-bias", lambda: F.conv2d(X4, W4, mg.randn(3)), ShapeError, r"conv2d: bias must have shape \(4,\)"),
    ("conv2d-groups", lambda: F.conv2d(mg.randn(1, 4, 5, 5), mg.randn(3, 2, 3, 3), groups=2), ShapeError,
     r"conv2d: weight \(3, 2, 3, 3\) has 3 output channels, not divisible by groups 2"),
    ("conv2d-dtype", lambda: F.conv2d(X4, mg.randn(4, 3, 3, 3, dtype=np.float64)), TypeError,
     r"conv2d: input has dtype float32 but weight has dtype float64"),
    ("conv2d-stride0", lambda: F.conv2d(X4, W4, stride=0), ValueError, r"conv2d: stride must be at least 1"),
    ("conv2d-same-strided", lambda: F.conv2d(X4, W4, stride=2, padding="same"), ValueError,
     r"conv2d: padding='same' is not supported for strided"),
    ("conv1d-channels", lambda: F.conv1d(mg.randn(2, 3, 9), mg.randn(4, 2, 3)), ShapeError,
     r"conv1d: input \(2, 3, 9\) has 3 channels but weight \(4, 2, 3\)"),
    ("conv_transpose2d-channels", lambda: F.conv_transpose2d(X4, mg.randn(4, 3, 3, 3)), ShapeError,
     r"conv_transpose2d: input \(2, 3, 8, 8\) has 3 channels but weight \(4, 3, 3, 3\) expects 4"),
    ("conv_transpose2d-output-padding", lambda: F.conv_transpose2d(X4, mg.randn(3, 2, 3, 3), stride=2,
                                                                   output_padding=2), ValueError,
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than stride"),
    ("max_pool2d-padding", lambda: F.max_pool2d(X4, 2, padding=2), ValueError,
     r"max_pool2d: padding 2 must be at most half the kernel size \(2, 2\)"),
    ("max_pool2d-too-small", lambda: F.max_pool2d(mg.randn(1, 1, 2, 2), 3), ShapeError,
     r"max_pool2d: input \(1, 1, 2, 2\) is too small for kernel \(3, 3\)"),
    ("avg_pool2d-int", lambda: F.avg_pool2d(mg.Tensor(np.ones((1, 1, 4, 4), np.int64)), 2), TypeError,
     r"avg_pool2d: input must be floating point"),
    ("pad-odd", lambda: F.pad(X4, (1, 2, 3)), ValueError, r"pad: pad must be a tuple of \(before, after\) pairs"),
    ("pad-too-many", lambda: F.pad(mg.randn(3), (1, 1, 1, 1)), ShapeError,
     r"pad: pad \(1, 1, 1, 1\) names 2 axes but the input \(3,\) has 1"),
    ("pad-reflect-too-wide", lambda: F.pad(X4, (8, 0), mode="reflect"), ShapeError,
     r"pad: reflect padding 8 must be smaller than the size 8 of axis 3 of input \(2, 3, 8, 8\)"),
    ("pad-mode", lambda: F.pad(X4, (1, 1), mode="mirror"), ValueError, r"pad: mode must be"),
    ("interpolate-both", lambda: F.interpolate(X4, size=4, scale_factor=2), ValueError,
     r"interpolate: give exactly one of size or scale_factor"),
    ("interpolate-mode-rank", lambda: F.interpolate(X4, size=4, mode="linear"), ShapeError,
     r"interpolate: mode 'linear' needs a 3-D input .*\(2, 3, 8, 8\)"),
    ("interpolate-align-nearest", lambda: F.interpolate(X4, size=4, align_corners=True), ValueError,
     r"interpolate: align_corners can only be set"),
    ("interpolate-bicubic", lambda: F.interpolate(X4, size=4, mode="bicubic"), NotImplementedError,
     r"interpolate: mode 'bicubic' is not available"),
    ("einsum-count", lambda: mg.einsum("ij,jk", mg.randn(2, 3)), ValueError,
     r"einsum: the equation 'ij,jk' names 2 operand\(s\), got 1"),
    ("einsum-sizes", lambda: mg.einsum("ij,jk", mg.randn(2, 3), mg.randn(4, 2)), ShapeError,
     r"einsum: 'ij,jk': subscript 'j' has size 3 in operand 0 \(2, 3\) but 4 in operand 1 \(4, 2\)"),
    ("einsum-rank", lambda: mg.einsum("ijk", mg.randn(2, 3)), ShapeError,
     r"einsum: operand 0 has 2 dimension\(s\) but its subscripts 'ijk' name 3"),
    ("einsum-output", lambda: mg.einsum("ij->ik", mg.randn(2, 3)), ValueError,
     r"einsum: 'ij->ik': output subscript 'k' appears twice or in no operand"),
    ("scaled_dot_product_attention-shapes", lambda: F.scaled_dot_product_attention(
        mg.randn(2, 3, 4), mg.randn(2, 5, 3), mg.randn(2, 5, 3)), ShapeError,
     r"scaled_dot_product_attention: query \(2, 3, 4\) and key \(2, 5, 3\)"),
    ("scaled_dot_product_attention-mask", lambda: F.scaled_dot_product_attention(
        mg.randn(2, 3, 4), mg.randn(2, 5, 4), mg.randn(2, 5, 3), attn_mask=np.ones((4, 5), bool)), ShapeError,
     r"scaled_dot_product_attention: attn_mask of shape \(4, 5\) does not broadcast to the scores' shape \(2, 3, 5\)"),
    ("scaled_dot_product_attention-both", lambda: F.scaled_dot_product_attention(
        mg.randn(3, 4), mg.randn(5, 4), mg.randn(5, 3), attn_mask=np.ones((3, 5), bool), is_causal=True),
     ValueError, r"give attn_mask or is_causal, not both"),
]


@pytest.mark.parametrize("call, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_input_names_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_shape_errors_are_runtime_errors_too_when_the_engine_says_so():
    """ShapeError is a ValueError, and a RuntimeError as well (as PyTorch raises)."""
    with pytest.raises(ValueError):
        F.conv2d(X4, mg.randn(4, 2, 3, 3))


# -- the fake CuPy: device arrays all the way, same numbers as the CPU -----------------------------------------
def test_lenet_step_on_cuda_matches_cpu(cuda):  # noqa: F811 - the fixture
    mg.manual_seed(0)
    cpu_model = lenet()
    cuda_model = lenet().to("cuda")
    cuda_model.load_state_dict(cpu_model.state_dict())
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 8)
    for model, device in ((cpu_model, "cpu"), (cuda_model, "cuda")):
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(2):
            opt.zero_grad()
            loss = F.cross_entropy(model(mg.Tensor(x, device=device)), mg.Tensor(y, device=device))
            loss.backward()
            opt.step()
    for (name, p), q in zip(cpu_model.named_parameters(), cuda_model.parameters()):
        assert is_device_array(q.data) and is_device_array(q.grad.data), name
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_every_op_runs_on_cuda_with_device_arrays(cuda):  # noqa: F811 - the fixture
    from .conv_cases import ALL

    for case in ALL:
        rng = np.random.default_rng(0)
        arrays = [rng.standard_normal(s) for s in case.shapes]
        on_cpu = [mg.Tensor(a, requires_grad=True) for a in arrays]
        on_gpu = [mg.Tensor(a, requires_grad=True, device="cuda") for a in arrays]
        out_cpu, out_gpu = case.fn(*on_cpu), case.fn(*on_gpu)
        assert is_device_array(out_gpu.data), case.name
        np.testing.assert_allclose(out_gpu.numpy(), out_cpu.numpy(), rtol=1e-12, atol=1e-12, err_msg=case.name)
        out_cpu.sum().backward()
        out_gpu.sum().backward()
        for a, b in zip(on_cpu, on_gpu):
            assert is_device_array(b.grad.data), case.name
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-12, atol=1e-12, err_msg=case.name)


def test_the_fake_refuses_host_arrays_in_as_strided(cuda):  # noqa: F811 - the fixture
    with pytest.raises(AttributeError):
        cuda.lib.stride_tricks.as_strided(np.zeros(4), shape=(2,), strides=(8,))
    with pytest.raises(TypeError):  # CuPy's as_strided has no writeable= (NumPy's has)
        cuda.lib.stride_tricks.as_strided(cuda.zeros(4), shape=(2,), strides=(8,), writeable=False)
    assert not re.search("sliding_window_view", " ".join(dir(cuda.lib.stride_tricks)))
