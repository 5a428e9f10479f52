"""minigrad.metrics against hand-computed values, on arrays and Tensors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import metrics

# 10 binary examples worked by hand: TP=3, FP=1, FN=2, TN=4
Y_TRUE = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=np.float32).reshape(-1, 1)
PROBS = np.array([0.9, 0.8, 0.6, 0.4, 0.1, 0.7, 0.3, 0.2, 0.1, 0.05], dtype=np.float32).reshape(-1, 1)


def test_binary_metrics_by_hand():
    assert metrics.accuracy(Y_TRUE, PROBS) == pytest.approx(0.7)
    assert metrics.error_rate(Y_TRUE, PROBS) == pytest.approx(0.3)
    assert metrics.precision(Y_TRUE, PROBS) == pytest.approx(3 / 4)
    assert metrics.recall(Y_TRUE, PROBS) == pytest.approx(3 / 5)
    assert metrics.f1(Y_TRUE, PROBS) == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))
    np.testing.assert_array_equal(metrics.confusion_matrix(Y_TRUE, PROBS), [[4, 1], [2, 3]])


def test_threshold_and_logits():
    # a higher threshold trades recall for precision
    assert metrics.precision(Y_TRUE, PROBS, threshold=0.75) == pytest.approx(1.0)
    assert metrics.recall(Y_TRUE, PROBS, threshold=0.75) == pytest.approx(2 / 5)
    logits = np.log(PROBS / (1 - PROBS))
    assert metrics.accuracy(Y_TRUE, logits, logits=True) == pytest.approx(0.7)
    assert metrics.recall(Y_TRUE, logits, threshold=0.75, logits=True) == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="threshold"):
        metrics.accuracy(Y_TRUE, PROBS, threshold=1.0)


def test_tensors_and_class_ids(device):
    t_true = mg.Tensor(Y_TRUE, device=device)
    t_pred = mg.Tensor(PROBS, device=device)
    assert metrics.accuracy(t_true, t_pred) == pytest.approx(0.7)
    ids = (PROBS[:, 0] > 0.5).astype(np.int64)
    assert metrics.f1(Y_TRUE, ids) == metrics.f1(Y_TRUE, PROBS)
    assert metrics.accuracy(Y_TRUE[:, 0].astype(bool), ids.astype(bool)) == pytest.approx(0.7)


def test_multiclass_scores_and_averages():
    y = np.array([0, 0, 1, 1, 2, 2])
    scores = np.array([[3, 1, 0], [1, 2, 0], [0, 5, 1], [0, 1, 4], [1, 0, 2], [0, 0, 1]], dtype=np.float32)
    assert metrics.predicted_labels(scores).tolist() == [0, 1, 1, 2, 2, 2]
    assert metrics.accuracy(y, scores) == pytest.approx(4 / 6)
    cm = metrics.confusion_matrix(y, scores)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 1], [0, 0, 2]])
    # per class precision 1, 1/2, 2/3 ; recall 1/2, 1/2, 1
    assert metrics.precision(y, scores, average="macro") == pytest.approx((1 + 0.5 + 2 / 3) / 3)
    assert metrics.recall(y, scores, average="macro") == pytest.approx((0.5 + 0.5 + 1) / 3)
    assert metrics.precision(y, scores, average="micro") == pytest.approx(4 / 6)  # micro = accuracy here
    f1s = [2 * p * r / (p + r) for p, r in [(1, 0.5), (0.5, 0.5), (2 / 3, 1)]]
    assert metrics.f1(y, scores, average="macro") == pytest.approx(np.mean(f1s))
    with pytest.raises(ValueError, match="macro"):
        metrics.precision(y, scores)
    assert metrics.confusion_matrix([0, 1], [0, 0], n_classes=3).shape == (3, 3)


def test_zero_division_is_zero_and_bad_input_is_named():
    assert metrics.precision([1, 1, 0], [0, 0, 0]) == 0.0  # nothing predicted positive
    assert metrics.recall([0, 0], [0, 1]) == 0.0  # no positives at all
    assert metrics.f1([1, 0], [0, 1]) == 0.0
    with pytest.raises(ValueError, match="labels"):
        metrics.accuracy([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="one-hot"):
        metrics.accuracy(np.eye(3), [0, 1, 2])
    with pytest.raises(ValueError, match="class ids"):
        metrics.accuracy([0.5, 1.0], [0, 1])


def test_confidence_interval_values():
    # normal approximation by hand: 0.9 +- 1.959964 * sqrt(0.09 / 100)
    lo, hi = metrics.accuracy_confidence_interval(0.9, 100, method="normal")
    half = 1.959963984540054 * math.sqrt(0.9 * 0.1 / 100)
    assert (lo, hi) == pytest.approx((0.9 - half, 0.9 + half))
    # Wilson for 9/10: the textbook value (0.5958, 0.9821)
    lo, hi = metrics.accuracy_confidence_interval(0.9, 10)
    assert lo == pytest.approx(0.5958, abs=1e-4) and hi == pytest.approx(0.9821, abs=1e-4)
    # Wilson stays informative at a perfect score where the normal interval collapses
    assert metrics.accuracy_confidence_interval(1.0, 20, method="normal") == (1.0, 1.0)
    lo, hi = metrics.accuracy_confidence_interval(1.0, 20)
    assert hi == 1.0 and 0.8 < lo < 0.9
    # a wider confidence gives a wider interval
    w95 = np.diff(metrics.accuracy_confidence_interval(0.8, 500))[0]
    w99 = np.diff(metrics.accuracy_confidence_interval(0.8, 500, confidence=0.99))[0]
    assert w99 / w95 == pytest.approx(2.5758 / 1.9600, rel=0.01)
    with pytest.raises(ValueError, match="method"):
        metrics.accuracy_confidence_interval(0.5, 10, method="exact")
    with pytest.raises(ValueError, match="n must"):
        metrics.accuracy_confidence_interval(0.5, 0)


@pytest.mark.parametrize("method", ["normal", "wilson"])
def test_confidence_interval_width_shrinks_like_one_over_sqrt_n(method):
    widths = [np.diff(metrics.accuracy_confidence_interval(0.9, n, method=method))[0] for n in (100, 10_000, 1_000_000)]
    assert widths[0] / widths[1] == pytest.approx(10, rel=0.05)
    assert widths[1] / widths[2] == pytest.approx(10, rel=0.01)
    # 10,000 dev examples pin a 90% accuracy to about +-0.6 points
    assert widths[1] / 2 == pytest.approx(0.00588, abs=2e-4)


def test_confidence_interval_covers_the_truth_about_95_percent_of_the_time():
    gen = np.random.default_rng(0)
    n, true_acc = 200, 0.85
    accs = gen.binomial(n, true_acc, size=2000) / n
    for method in ("normal", "wilson"):
        covered = np.mean([lo <= true_acc <= hi for lo, hi in
                           (metrics.accuracy_confidence_interval(a, n, method=method) for a in accs)])
        assert 0.92 < covered < 0.98


def test_raw_device_arrays_are_accepted(device):
    """Plain arrays of any device (CuPy refuses np.asarray) work like Tensors."""
    raw_true = mg.Tensor(Y_TRUE, device=device).data
    raw_pred = mg.Tensor(PROBS, device=device).data
    assert metrics.accuracy(raw_true, raw_pred) == pytest.approx(0.7)
    assert metrics.confusion_matrix(raw_true, raw_pred).sum() == len(Y_TRUE)
