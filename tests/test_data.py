"""minigrad.data: generators (shapes, balance, known values), splits without needless copies, batches, Standardizer."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import data


# -- generators ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [data.make_flower, data.make_moons, data.make_circles, data.make_xor,
                                  lambda n, seed: data.make_spirals(n, n_classes=2, seed=seed),
                                  lambda n, seed: data.make_blobs(n, centers=2, seed=seed)])
def test_binary_generators_follow_the_conventions(make):
    X, y = make(101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float32
    assert y.shape == (101, 1) and y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, 1.0}
    X2, y2 = make(101, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_flower_is_the_course_planar_data_set():
    X, y = data.make_flower()
    assert X.shape == (400, 2) and y.shape == (400, 1)
    assert y[:200].sum() == 0 and y[200:].sum() == 200  # 200 per class, class 0 first (as the course)
    # the course's first point (planar_utils with np.random.seed(1)): X[:, 0] = [1.20444229, 3.57611415]
    np.testing.assert_allclose(X[0], [1.20444229, 3.57611415], rtol=1e-6)
    # petals reach out to radius a=4 (plus noise)
    radius = np.linalg.norm(X, axis=1)
    assert 3.5 < radius.max() < 5.0 and radius.min() < 0.5


def test_flower_is_not_linearly_separable_but_classes_are_balanced():
    X, y = data.make_flower()
    # best least-squares linear classifier: well below 60% (the course's logistic regression gets 47%)
    A = np.c_[X, np.ones(len(X))]
    w, *_ = np.linalg.lstsq(A, y * 2 - 1, rcond=None)
    acc = np.mean((A @ w > 0) == (y > 0.5))
    assert acc < 0.6
    Xs, ys = data.make_flower(shuffle=True)
    assert ys.mean() == 0.5 and not np.array_equal(ys, y)


def test_moons_and_circles_geometry():
    X, y = data.make_moons(400, noise=0.0, seed=0)
    upper = X[y[:, 0] == 0]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, atol=1e-6)  # upper moon: unit half circle
    assert (upper[:, 1] >= -1e-6).all()
    X, y = data.make_circles(400, noise=0.0, factor=0.5, seed=0)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y[:, 0] == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(r[y[:, 0] == 1], 0.5, atol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        data.make_circles(10, factor=1.5)


def test_multiclass_generators_give_int64_class_ids():
    X, y = data.make_spirals(300, n_classes=3, seed=0)
    assert y.dtype == np.int64 and y.shape == (300,)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-6  # the radius grows from 0 to 1
    X, y = data.make_blobs(301, centers=[[0, 0], [10, 0], [0, 10]], cluster_std=0.5, seed=0)
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [101, 100, 100]
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 0], atol=0.2)


def test_xor_and_parity_labels():
    X, y = data.make_xor(500, seed=0)
    np.testing.assert_array_equal(y[:, 0], (X[:, 0] * X[:, 1] < 0).astype(np.float32))
    X, y = data.make_parity(n_bits=3)
    assert X.shape == (8, 3) and y.shape == (8, 1)
    np.testing.assert_array_equal(y[:, 0], [0, 1, 1, 0, 1, 0, 0, 1])
    X, y = data.make_parity(1000, n_bits=5, seed=0)
    np.testing.assert_array_equal(y[:, 0], X.sum(axis=1) % 2)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n must be"):
        data.make_moons(0)
    with pytest.raises(TypeError, match="seed"):
        data.make_moons(10, seed="x")
    with pytest.raises(ValueError, match="classes"):
        data.make_shapes(10, classes=("circle", "hexagon"))


# -- Bayes error ------------------------------------------------------------------------------
def test_bayes_error_closed_form_values():
    # equal priors: Phi(-d/2); d=2 gives Phi(-1) = 0.158655...
    assert data.gaussian_bayes_error(2.0) == pytest.approx(0.15865525393145707, abs=1e-12)
    # label noise p on top: p + (1 - 2p) e
    assert data.gaussian_bayes_error(2.0, label_noise=0.1) == pytest.approx(0.1 + 0.8 * 0.15865525393, abs=1e-9)
    # very skewed priors: never worse than always predicting the majority class
    assert data.gaussian_bayes_error(0.1, positive_fraction=0.1) <= 0.1 + 1e-12


@pytest.mark.parametrize("distance,prior,noise", [(2.0, 0.5, 0.0), (1.0, 0.2, 0.0), (3.0, 0.5, 0.15)])
def test_bayes_error_matches_monte_carlo(distance, prior, noise):
    n = 200_000
    X, y, bayes = data.make_overlapping_gaussians(n, distance=distance, n_features=3, positive_fraction=prior,
                                                  label_noise=noise, seed=7)
    assert bayes == pytest.approx(data.gaussian_bayes_error(distance, prior, noise))
    # the Bayes classifier: project on the unit diagonal, threshold at ln(pi0/pi1)/d
    z = X.astype(np.float64) @ (np.ones(3) / np.sqrt(3))
    predicted = z > np.log((1 - prior) / prior) / distance
    error = np.mean(predicted != (y[:, 0] > 0.5))
    assert abs(error - bayes) < 4 * np.sqrt(bayes * (1 - bayes) / n)
    # and no other threshold does clearly better
    for shift in (-0.3, 0.3):
        other = np.mean((z > np.log((1 - prior) / prior) / distance + shift) != (y[:, 0] > 0.5))
        assert other > error - 4 * np.sqrt(bayes * (1 - bayes) / n)


def test_flip_labels_rate():
    y = np.zeros((100_000, 1), np.float32)
    noisy, flipped = data.flip_labels(y, 0.1, seed=0)
    assert noisy.dtype == np.float32 and noisy.mean() == pytest.approx(0.1, abs=0.005)
    np.testing.assert_array_equal(noisy == 1, flipped)


# -- images ---------------------------------------------------------------------------------
def test_shapes_images_and_attributes():
    imgs = data.make_shapes(600, p_blurry=0.3, p_dark=0.2, p_occluded=0.1, p_mislabeled=0.05, seed=0)
    X, y, attrs = imgs
    assert X.shape == (600, 256) and X.dtype == np.float32 and 0 <= X.min() and X.max() <= 1
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1, 2}
    for name, p in (("blurry", 0.3), ("dark", 0.2), ("occluded", 0.1), ("mislabeled", 0.05)):
        assert attrs[name].mean() == pytest.approx(p, abs=0.05)
    # labels are wrong exactly where the record says so
    np.testing.assert_array_equal(y != attrs["true_label"], attrs["mislabeled"])
    np.testing.assert_array_equal(attrs["true_label"], attrs["shape"])
    # dark images really are darker
    brightness = X.max(axis=1)
    assert brightness[attrs["dark"]].mean() < 0.5 < brightness[~attrs["dark"]].mean()
    assert imgs.X is X and data.make_shapes(5, flatten=False).X.shape == (5, 16, 16)


def test_shapes_binary_detector():
    X, y, attrs = data.make_shapes(400, classes=("square", "circle", "triangle"), positive="circle",
                                   p_mislabeled=0.1, seed=1)
    assert y.shape == (400, 1) and y.dtype == np.float32
    np.testing.assert_array_equal(attrs["true_label"], attrs["shape"] == 1)
    np.testing.assert_array_equal(y[:, 0] != attrs["true_label"], attrs["mislabeled"])


def test_shapes_are_learnable_by_nearest_class_mean():
    # the classes differ in the pixels: even a nearest-mean classifier beats chance clearly
    X, y, _ = data.make_shapes(900, seed=0)
    Xt, yt, _ = data.make_shapes(300, seed=1)
    means = np.stack([X[y == k].mean(axis=0) for k in range(3)])
    pred = np.argmin(((Xt[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert np.mean(pred == yt) > 0.5


def test_blur_and_darken():
    img = np.zeros((1, 9, 9), np.float32)
    img[0, 4, 4] = 1.0
    out = data.blur(img, 1.0)
    assert out.shape == (1, 9, 9)
    assert out.sum() == pytest.approx(1.0, abs=1e-5)  # mass is kept (the point is far from the edges)
    assert out[0, 4, 4] < 0.2 and out[0, 4, 5] == pytest.approx(out[0, 5, 4])
    np.testing.assert_allclose(data.blur(img, 0.0), img)
    flat = data.blur(img.reshape(1, 81), 1.0)
    np.testing.assert_allclose(flat.reshape(1, 9, 9), out)
    np.testing.assert_allclose(data.darken(np.ones((2, 4)), [0.5, 0.25]), [[0.5] * 4, [0.25] * 4])
    t = data.darken(mg.Tensor(np.ones((1, 4), np.float32)), 0.5)
    assert isinstance(t, mg.Tensor) and t.numpy().tolist() == [[0.5] * 4]
    with pytest.raises(ValueError, match="square"):
        data.blur(np.ones((2, 5)))


def test_web_and_phone_distributions_differ_and_synthesis_closes_the_gap():
    web, phone = data.make_web_and_phone(300, 300, seed=0)
    assert not web.attrs["blurry"].any() and phone.attrs["blurry"].all() and phone.attrs["dark"].all()

    def sharpness(X):  # mean absolute difference between neighbouring pixels
        return np.abs(np.diff(X.reshape(-1, 16, 16), axis=2)).mean()

    fake = data.synthesize_phone(web.X, seed=0)
    assert fake.shape == web.X.shape
    assert sharpness(phone.X) < 0.5 * sharpness(web.X)
    assert abs(sharpness(fake) - sharpness(phone.X)) < 0.3 * abs(sharpness(web.X) - sharpness(phone.X))
    assert abs(fake.mean() - phone.X.mean()) < 0.3 * abs(web.X.mean() - phone.X.mean())


# -- splits ---------------------------------------------------------------------------------
def test_split_sizes_and_disjoint_cover():
    X = np.arange(1000, dtype=np.float32).reshape(-1, 1)
    y = np.arange(1000)
    (Xtr, ytr), (Xdv, ydv), (Xte, yte) = data.split(X, y, seed=0)
    assert (len(Xtr), len(Xdv), len(Xte)) == (980, 10, 10)
    np.testing.assert_array_equal(Xtr[:, 0], ytr)  # rows stay with their labels
    np.testing.assert_array_equal(Xdv[:, 0], ydv)
    all_rows = np.sort(np.concatenate([ytr, ydv, yte]))
    np.testing.assert_array_equal(all_rows, y)  # a partition
    halves = data.split(X, y, (0.5, 0.5), seed=1)
    assert [len(h[1]) for h in halves] == [500, 500]
    parts = data.split(X, fractions=(0.6, 0.2, 0.2), seed=0)
    assert [len(p) for p in parts] == [600, 200, 200]
    idx = data.split_indices(1000, seed=0)
    np.testing.assert_array_equal(ydv, idx[1])
    with pytest.raises(ValueError, match="sum"):
        data.split(X, y, (0.5, 0.4))
    with pytest.raises(ValueError, match="rows"):
        data.split(X, y[:10])


def test_split_of_a_million_rows_copies_no_more_than_needed():
    n = 1_000_000
    X = np.random.default_rng(0).standard_normal((n, 2)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    tracemalloc.start()
    try:
        parts = data.split(X, y, shuffle=False)
        peak_views = tracemalloc.get_traced_memory()[1]
        assert all(np.shares_memory(p[0], X) for p in parts)
        del parts
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        parts = data.split(X, y, seed=0)
        peak_copy = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak_views < 100_000  # views: no copy at all
    data_bytes = X.nbytes + y.nbytes
    # one copy of the rows plus about one byte per row for the mask, never a full permutation
    assert data_bytes <= peak_copy < data_bytes + 3 * n
    assert [len(p[0]) for p in parts] == [980_000, 10_000, 10_000]
    assert not np.shares_memory(parts[0][0], X)


def test_train_dev_split_and_tensors():
    X = mg.Tensor(np.arange(200, dtype=np.float32).reshape(100, 2))
    y = mg.Tensor(np.arange(100, dtype=np.float32).reshape(100, 1))
    (Xtr, ytr), (Xtd, ytd) = data.train_dev_split(X, y, dev_fraction=0.1, seed=0)
    assert isinstance(Xtr, mg.Tensor) and isinstance(ytd, mg.Tensor)
    assert len(Xtr) == 90 and len(Xtd) == 10
    np.testing.assert_array_equal(Xtd.numpy()[:, 0] / 2, ytd.numpy()[:, 0])
    with pytest.raises(ValueError, match="dev_fraction"):
        data.train_dev_split(X, y, dev_fraction=1.0)


# -- batches --------------------------------------------------------------------------------
def test_batches_cover_every_row_once_per_epoch():
    X = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    got = list(data.batches(X, y, batch_size=4, seed=0))
    assert [len(b[0]) for b in got] == [4, 4, 2]  # the last batch is smaller
    rows = np.concatenate([b[1] for b in got])
    assert sorted(rows.tolist()) == list(range(10)) and rows.tolist() != list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], yb)
    assert [len(b) for b in data.batches(X, batch_size=4, drop_last=True)] == [4, 4]
    plain = list(data.batches(X, y, batch_size=3, shuffle=False))
    assert np.shares_memory(plain[0][0], X) and plain[-1][1].tolist() == [9]
    # same seed, same order; None uses mg's generator (manual_seed makes it reproducible)
    again = list(data.batches(X, y, batch_size=4, seed=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, again))
    mg.manual_seed(5)
    first = [b[1].tolist() for b in data.batches(X, y, 4)]
    mg.manual_seed(5)
    assert [b[1].tolist() for b in data.batches(X, y, 4)] == first


def test_batches_of_tensors_are_tensors(device):
    X = mg.Tensor(np.arange(12, dtype=np.float32).reshape(6, 2), device=device)
    y = mg.Tensor(np.arange(6, dtype=np.float32).reshape(6, 1), device=device)
    for xb, yb in data.batches(X, y, batch_size=4, seed=1):
        assert isinstance(xb, mg.Tensor) and xb.device == device and not xb.requires_grad
        np.testing.assert_array_equal(xb.numpy()[:, 0] / 2, yb.numpy()[:, 0])


# -- standardisation ------------------------------------------------------------------------
def test_standardizer_uses_training_statistics_only():
    gen = np.random.default_rng(0)
    train = gen.normal([5.0, -3.0], [2.0, 0.5], (1000, 2)).astype(np.float32)
    dev = gen.normal([7.0, -3.0], [2.0, 0.5], (200, 2)).astype(np.float32)  # shifted on purpose
    s = data.Standardizer().fit(train)
    t = s.transform(train)
    assert t.dtype == np.float32
    np.testing.assert_allclose(t.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(t.std(axis=0), 1, atol=1e-4)
    d = s.transform(dev)
    assert d[:, 0].mean() == pytest.approx((7.0 - train[:, 0].mean()) / train[:, 0].std(), abs=0.2)
    assert d[:, 0].mean() > 0.7  # not re-centred on dev
    np.testing.assert_allclose(s.inverse_transform(d), dev, atol=1e-4)
    const = data.Standardizer().fit_transform(np.c_[np.ones(5), np.arange(5.0)])
    np.testing.assert_allclose(const[:, 0], 0.0)
    with pytest.raises(RuntimeError, match="fit"):
        data.Standardizer().transform(train)
    with pytest.raises(ValueError, match="shape"):
        s.transform(np.ones((3, 3)))


def test_standardizer_on_tensors_is_differentiable():
    s = data.Standardizer().fit(mg.Tensor([[1.0], [3.0]]))
    x = mg.Tensor([[3.0]], requires_grad=True)
    out = s.transform(x)
    assert isinstance(out, mg.Tensor) and out.item() == pytest.approx(1.0)
    out.sum().backward()
    assert x.grad.item() == pytest.approx(1.0)  # d/dx (x - 2) / 1


def test_one_hot():
    np.testing.assert_array_equal(data.one_hot(np.array([0, 2, 1])), np.eye(3, dtype=np.float32)[[0, 2, 1]])
    with pytest.raises(ValueError, match="fit"):
        data.one_hot(np.array([3]), n_classes=2)


def test_standardizer_accepts_lists():
    s = data.Standardizer().fit([[0.0, 10.0], [2.0, 30.0]])
    np.testing.assert_allclose(s.transform([[1.0, 20.0], [3.0, 40.0]]), [[0.0, 0.0], [2.0, 2.0]])
