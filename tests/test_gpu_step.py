"""What one GPU training step costs, counted on the fake CuPy: kernel launches, copies, host syncs.

The fake (tests/fake_cupy.py) tallies one kernel per array operation that a GPU would
launch, every host<->device copy, and every time the host has to wait for the device.
A training step must not make the host wait (no device-to-host copy, no sync), copy
nothing from the host, and launch few kernels: the optimizer's update is one fused
kernel per parameter. The counts are a floor (cuBLAS may launch more than one kernel
per product); the real GPU run measures time.
"""
from __future__ import annotations


import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, backend, nn, optim

from . import fake_cupy
from .fake_cupy import is_device_array
from .fake_cupy_counts import counting


@pytest.fixture
def cuda(monkeypatch):
    """A fresh fake CuPy as minigrad's "cuda" backend for one test; everything is restored after."""
    return fake_cupy.install(monkeypatch)

SIZES = (784, 256, 256, 10)


def mlp_step(device: str, batch: int = 32, make=lambda ps: optim.Adam(ps, lr=1e-3)):
    """The benchmark's step: nn.Sequential of Linear/ReLU, cross_entropy, an optimizer; data on the device."""
    mg.manual_seed(0)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1]).to(device)
    opt = make(model.parameters())
    rs = np.random.default_rng(1)
    x = Tensor(rs.standard_normal((batch, SIZES[0])).astype(np.float32), device=device)
    y = Tensor(rs.integers(0, SIZES[-1], batch), device=device)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step, model, opt


def test_adam_mlp_step_launches_few_kernels_and_never_waits_for_the_device(cuda):
    step, _, _ = mlp_step("cuda")
    step()  # the first step also creates Adam's buffers
    with counting() as c:
        loss = step()
    # 8 matmuls, 3 bias adds + 3 bias sums, 2 ReLUs (+2 masks, 2 products), about 12 for the loss and its
    # checks, 6 Adam updates (one per parameter): PyTorch's eager step launches 67 on a GPU
    assert c.kernels <= 48, (c, c.names)
    assert c.names.get("minigrad_adam") == 6 and "sqrt" not in c.names
    assert (c.h2d, c.d2h, c.syncs) == (0, 0, 0), c
    assert c.d2d <= 6, c  # each parameter's fresh gradient is copied once (leaf gradients are their own)
    with counting() as read:
        loss.item()  # reading the loss waits for the device, outside the step
    assert read.d2h == 2  # the loss, and the flag of the class-index check (see backend.check_later)
    with counting() as again:
        loss.item()
    assert again.d2h == 1  # the flag was looked at: nothing pending


@pytest.mark.parametrize("make, name", [
    (lambda ps: optim.SGD(ps, lr=0.1), "minigrad_sgd"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3), "minigrad_sgd_momentum"),
    (lambda ps: optim.RMSprop(ps, lr=1e-3, weight_decay=1e-3), "minigrad_rmsprop"),
    (lambda ps: optim.Adam(ps, lr=1e-3, weight_decay=1e-3), "minigrad_adam"),
])
def test_each_optimizer_update_is_one_kernel_per_parameter(cuda, make, name):
    step, model, opt = mlp_step("cuda", batch=8, make=make)
    step()
    with counting() as c:
        opt.step()
    assert c.kernels == len(model.parameters()) == c.names[name]
    assert c.copies == 0 and c.syncs == 0


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.05),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-2),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, dampening=0.5),
    lambda ps: optim.RMSprop(ps, lr=1e-2, alpha=0.8, weight_decay=1e-2),
    lambda ps: optim.Adam(ps, lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-2),
])
def test_fused_updates_compute_what_the_numpy_updates_compute(cuda, make):
    """The kernels are the NumPy code's arithmetic in its order: the same weights after several steps."""
    runs = {}
    for device in ("cpu", "cuda"):
        step, model, _ = mlp_step(device, batch=16, make=make)
        losses = [step().item() for _ in range(4)]
        runs[device] = (losses, [backend.to_numpy(p.data) for p in model.parameters()])
    np.testing.assert_allclose(runs["cuda"][0], runs["cpu"][0], rtol=1e-6)
    for on_gpu, on_cpu in zip(runs["cuda"][1], runs["cpu"][1]):
        np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-5, atol=1e-7)
    assert runs["cpu"][0][-1] < runs["cpu"][0][0]


def test_bad_class_index_on_the_gpu_is_reported_at_the_next_copy_to_the_host(cuda):
    logits = Tensor(np.zeros((3, 4), np.float32), requires_grad=True, device="cuda")
    with counting() as c:
        loss = nn.functional.cross_entropy(logits, Tensor(np.array([0, 4, 1]), device="cuda"))
    assert c.syncs == 0  # not looked at yet: that would stall the step
    with pytest.raises(ValueError, match=r"whole class indices in \[0, 3\]"):
        loss.item()
    fine = nn.functional.cross_entropy(logits, Tensor(np.array([0.0, 3.0, 1.0]), device="cuda"))
    assert fine.item() == pytest.approx(np.log(4.0))  # whole-number floats are indices; the error was reported once
    nn.functional.cross_entropy(logits, Tensor(np.array([0.5, 3.0, 1.0]), device="cuda"))
    with pytest.raises(ValueError, match="whole class indices"):
        backend.to_numpy(logits.data)
    with pytest.raises(ValueError, match=r"must be in \[0, 3\]"):  # host targets: checked at once, as before
        nn.functional.cross_entropy(logits, np.array([0, 4, 1]))


def test_dropout_masks_are_drawn_on_the_device_unless_asked_for_on_the_host(cuda):
    drop = nn.Dropout(0.5)
    x = Tensor(np.ones((64, 32), np.float32), device="cuda")
    with counting() as c:
        out = drop(x)
    assert c.h2d == 0 and is_device_array(drop.last_mask)
    assert 0.35 < float(backend.to_numpy(drop.last_mask).mean()) < 0.65
    masks = {}
    with backend.mask_draws("host"):
        for device in ("cpu", "cuda"):
            mg.manual_seed(5)
            drop(Tensor(np.ones((8, 8), np.float32), device=device))
            masks[device] = backend.to_numpy(drop.last_mask)
    np.testing.assert_array_equal(masks["cpu"], masks["cuda"])  # comparable runs on both devices
    assert backend.set_mask_draws("device") == "device"
    with pytest.raises(ValueError, match="device"):
        backend.set_mask_draws("gpu")
    assert out.shape == x.shape


def test_the_fake_kernel_refuses_what_it_cannot_run(cuda):
    add = cuda.ElementwiseKernel("T x, T y", "T z", "z = x > y ? x - y : y - x", "absdiff")
    a, b = cuda.asarray(np.array([1.0, 5.0], np.float32)), cuda.asarray(np.array([3.0, 2.0], np.float32))
    np.testing.assert_array_equal(add(a, b).get(), [2.0, 3.0])
    with pytest.raises(TypeError, match="mismatch"):
        add(a, cuda.asarray(np.array([3.0, 2.0])))  # float32 and float64 for one T
    for operation in ("z = (float)x", "z = x && y", "z = x[0]"):
        with pytest.raises(NotImplementedError):
            cuda.ElementwiseKernel("T x, T y", "T z", operation, "bad")


@pytest.mark.gpu
def test_training_steps_on_the_gpu_never_make_the_host_wait():
    """On the GPU the tests run on (a real one, or the fake with -p tests.fake_cuda_plugin): no sync in a step."""
    import cupyx

    if not hasattr(cupyx, "allow_synchronize"):
        pytest.skip("this CuPy has no cupyx.allow_synchronize; the fake's counts above are the check")
    step, _, _ = mlp_step("cuda", batch=64)
    step()
    step()  # kernels compiled and optimizer buffers made: from here on every step is alike
    with cupyx.allow_synchronize(False):
        for _ in range(3):
            loss = step()
    assert np.isfinite(loss.item())
