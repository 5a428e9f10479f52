"""Convolution, pooling, padding and resizing against PyTorch, beyond the op catalogue's one check per case.

The catalogue (tests/op_cases.py, which reads tests/conv_cases.py) runs every case through
finite differences on every device and through PyTorch once. Here: a wider grid of parameters
(float64, a tolerance only rounding passes), float32 forward values (PyTorch computes resize
indices in float32, and so must minigrad to pick the same source pixels), drawn configurations
(hypothesis), the layers, and the corners (NaN, ties, return_indices, output_size).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from .conv_cases import ALL, Case, oracle_grid

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny ops: on a shared machine, OpenMP's spinning threads make each call ~1000x slower

import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.ops import ShapeError  # noqa: E402

F = nn.functional
RTOL, ATOL = 1e-9, 1e-12

_in_catalogue = {c.name for c in ALL}
GRID = [c for c in oracle_grid() if c.name not in _in_catalogue]


def _run_both(case: Case, dtype: type, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, size=s).astype(dtype) for s in case.shapes]
    ours = [mg.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs, case.fn(*ours), case.torch_fn(*theirs)


@pytest.mark.parametrize("case", GRID, ids=str)
def test_forward_and_gradients_match_torch(case: Case) -> None:
    ours, theirs, out, expected = _run_both(case, np.float64, seed=len(case.name))
    assert out.shape == tuple(expected.shape)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    if not case.torch_grad:
        return
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=out.shape)
    (out * mg.Tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, b.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("case", ALL, ids=str)
def test_float32_forward_matches_torch(case: Case) -> None:
    _, _, out, expected = _run_both(case, np.float32, seed=7)
    assert out.dtype == np.float32, "float32 in, float32 out: no silent float64"
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=2e-5, atol=2e-5)


def test_max_pool2d_return_indices_and_nan_follow_torch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    x[0, 0, 1, 1] = x[1, 2, 4, 4] = x[1, 2, 4, 5] = np.nan
    x[0, 1, :4, :4] = 1.0  # ties: the first maximum gets the gradient
    ours, theirs = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True),
               dict(kernel_size=(2, 3), stride=1, dilation=2)):
        out, idx = F.max_pool2d(ours, return_indices=True, **kw)
        t_out, t_idx = torch.nn.functional.max_pool2d(theirs, return_indices=True, **kw)
        np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
        np.testing.assert_array_equal(out.numpy(), t_out.detach().numpy())  # NaN where torch has NaN
        ours.grad, theirs.grad = None, None
        out.sum().backward()
        t_out.sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def _copy_into_torch(ours: nn.Module, theirs: "torch.nn.Module") -> None:
    with torch.no_grad():
        for (name, p), (t_name, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert tuple(p.shape) == tuple(tp.shape), (name, t_name)
            tp.copy_(torch.from_numpy(p.numpy().copy()))


LAYERS = {
    "conv2d-stride": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 8, 9)),
    "conv2d-groups": (lambda m: m.Conv2d(4, 6, (3, 2), dilation=(1, 2), groups=2, bias=False), (2, 4, 8, 9)),
    "conv2d-reflect": (lambda m: m.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"), (2, 3, 8, 9)),
    "conv2d-replicate": (lambda m: m.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="replicate"), (2, 3, 8, 9)),
    "conv2d-circular": (lambda m: m.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), (2, 3, 8, 9)),
    "conv2d-same": (lambda m: m.Conv2d(3, 4, 4, padding="same"), (2, 3, 8, 9)),
    "conv_transpose2d": (lambda m: m.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), (2, 3, 5, 4)),
    "conv1d-reflect": (lambda m: m.Conv1d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 9)),
    "conv3d": (lambda m: m.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=1), (1, 2, 4, 5, 4)),
    "conv_transpose1d": (lambda m: m.ConvTranspose1d(2, 4, 3, stride=2, groups=2), (2, 2, 5)),
    "conv_transpose3d": (lambda m: m.ConvTranspose3d(2, 3, 2, stride=2, padding=1), (1, 2, 3, 3, 2)),
    "pools-flatten": (lambda m: m.Sequential(m.MaxPool2d(2), m.AvgPool2d(3, stride=1, padding=1), m.Flatten()),
                      (2, 3, 8, 9)),
    "pools-1d-3d": (lambda m: m.Sequential(m.MaxPool3d((1, 2, 2)), m.AvgPool3d(2, ceil_mode=True), m.Flatten(2),
                                           m.MaxPool1d(2, stride=1), m.AvgPool1d(3, padding=1)), (1, 2, 4, 6, 8)),
    "upsample": (lambda m: m.Sequential(m.Upsample(scale_factor=2), m.Upsample(size=(5, 7), mode="bilinear",
                                                                               align_corners=True)), (1, 2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_match_torch_layers(name) -> None:
    make, shape = LAYERS[name]
    ours, theirs = make(nn), make(torch.nn).double()
    _copy_into_torch(ours, theirs)
    ours_params = list(ours.parameters())
    for p in ours_params:
        p.data = p.data.astype(np.float64)
    x = np.random.default_rng(0).standard_normal(shape)
    xs, t_xs = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(xs), theirs(t_xs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    for p, tp in zip(ours_params + [xs], list(theirs.parameters()) + [t_xs]):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_max_unpool2d_layer_undoes_max_pool2d_like_torch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 8))
    out, index = nn.MaxPool2d(2, return_indices=True)(mg.Tensor(x))
    t_out, t_index = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(index.numpy(), t_index.numpy())
    ours = nn.MaxUnpool2d(2)(out, index)
    np.testing.assert_array_equal(ours.numpy(), torch.nn.MaxUnpool2d(2)(t_out, t_index).numpy())
    assert (ours.numpy() != 0).sum() == out.size


def test_conv_transpose2d_output_size_picks_the_output_padding_as_torch() -> None:
    ours, theirs = nn.ConvTranspose2d(2, 3, 3, stride=3, padding=1), torch.nn.ConvTranspose2d(2, 3, 3, stride=3,
                                                                                            padding=1).double()
    _copy_into_torch(ours, theirs)
    for p in ours.parameters():
        p.data = p.data.astype(np.float64)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 5))
    for size in [(10, 13), (12, 14), (1, 3, 11, 15)]:
        out = ours(mg.Tensor(x), output_size=size)
        expected = theirs(torch.tensor(x), output_size=list(size))
        assert out.shape == tuple(expected.shape)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(ShapeError, match=r"ConvTranspose2d: output_size \(13, 13\) .* axis -2 can only be 10 to 12"):
        ours(mg.Tensor(x), output_size=(13, 13))


# -- random configurations: whatever PyTorch accepts, minigrad computes the same ------------------------------
def _both_ways(ours_fn, theirs_fn, shapes, seed: int) -> None:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [mg.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    try:
        expected = theirs_fn(*theirs)
    except RuntimeError:  # a configuration PyTorch refuses: minigrad must refuse it too
        with pytest.raises((ValueError, ShapeError)):
            ours_fn(*ours)
        return
    out = ours_fn(*ours)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    w = rng.uniform(0.5, 1.5, size=out.shape)
    (out * mg.Tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=RTOL, atol=ATOL)


_side = st.integers(1, 7)
_k, _s, _d, _p = st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2)


@given(n=st.integers(1, 2), cg=st.integers(1, 2), og=st.integers(1, 2), g=st.integers(1, 2), h=_side, w=_side,
       kh=_k, kw=_k, s=_s, p=_p, d=_d, bias=st.booleans())
def test_conv2d_random_configurations_match_torch(n, cg, og, g, h, w, kh, kw, s, p, d, bias):
    shapes = [(n, cg * g, h, w), (og * g, cg, kh, kw)] + ([(og * g,)] if bias else [])
    kw_ = dict(stride=s, padding=p, dilation=d, groups=g)
    _both_ways(lambda *t: F.conv2d(*t, **kw_), lambda *t: torch.nn.functional.conv2d(*t, **kw_), shapes, h * w)


@given(n=st.integers(1, 2), cg=st.integers(1, 2), og=st.integers(1, 2), g=st.integers(1, 2), h=_side, w=_side,
       kh=_k, kw=_k, s=_s, p=_p, d=_d, op=st.integers(0, 2))
def test_conv_transpose2d_random_configurations_match_torch(n, cg, og, g, h, w, kh, kw, s, p, d, op):
    shapes = [(n, cg * g, h, w), (cg * g, og, kh, kw), (og * g,)]
    kw_ = dict(stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    _both_ways(lambda *t: F.conv_transpose2d(*t, **kw_), lambda *t: torch.nn.functional.conv_transpose2d(*t, **kw_),
               shapes, h * w)


def _window_in_padding(size: int, k: int, s: int, p: int, d: int) -> bool:
    n = (size + 2 * p - d * (k - 1) - 1) // s + 1
    return any(all(not 0 <= o * s - p + i * d < size for i in range(k)) for o in range(max(n, 0) + 1))


@given(h=_side, w=_side, k=_k, s=st.one_of(st.none(), _s), p=_p, d=_d, ceil=st.booleans(), avg=st.booleans(),
       include=st.booleans())
def test_pooling_random_configurations_match_torch(h, w, k, s, p, d, ceil, avg, include):
    if avg:
        kw_ = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=include)
        ours, theirs = F.avg_pool2d, torch.nn.functional.avg_pool2d
    else:
        # PyTorch 2.x corrupts its heap on a max-pool window that lies wholly in the padding (1x1 input,
        # kernel 2, dilation 2, padding 1): such windows are left out here (minigrad gives -inf there)
        assume(not _window_in_padding(h, k, s or k, p, d) and not _window_in_padding(w, k, s or k, p, d))
        kw_ = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
        ours, theirs = F.max_pool2d, torch.nn.functional.max_pool2d
    _both_ways(lambda x: ours(x, **kw_), lambda x: theirs(x, **kw_), [(2, 2, h, w)], h + w)


@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=4), data=st.data(),
       mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]))
def test_pad_random_amounts_match_torch(shape, data, mode):
    """Every amount PyTorch pads (negative ones crop) gives the same values and gradients. minigrad pads any
    trailing axes in every mode, where PyTorch limits reflect/replicate/circular to 1-3 of them."""
    axes = data.draw(st.integers(1, min(len(shape), 3)))
    amounts = tuple(data.draw(st.integers(-2, 3)) for _ in range(2 * axes))
    cropped = [shape[-1 - k] - max(-amounts[2 * k], 0) - max(-amounts[2 * k + 1], 0) for k in range(axes)]
    # PyTorch 2.x reads outside the input (garbage, no error) for a circular wrap longer than the cropped axis
    assume(mode != "circular" or all(max(amounts[2 * k:2 * k + 2]) <= cropped[k] for k in range(axes)))

    x = np.random.default_rng(len(shape)).standard_normal(shape)
    try:
        expected = torch.nn.functional.pad(t_x := torch.tensor(x, requires_grad=True), amounts, mode=mode)
    except (RuntimeError, ValueError, NotImplementedError):
        return  # a form PyTorch refuses; minigrad's own refusals are tested with their messages
    ours = mg.Tensor(x, requires_grad=True)
    out = F.pad(ours, amounts, mode=mode)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    if mode == "reflect" and min(amounts) < 0:
        return  # PyTorch 2.x leaves the gradient of cropped entries uninitialized here (finite differences cover it)
    w = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape)
    (out * mg.Tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), t_x.grad.numpy(), rtol=1e-12, atol=1e-12)
