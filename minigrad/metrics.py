"""Classification metrics on NumPy arrays or Tensors: accuracy, precision/recall/F1, confusion matrix,
and how far an accuracy measured on n examples can be trusted (confidence intervals).

Predictions may be given three ways, recognised from their shape and dtype:

* class ids (integer or bool arrays) are used as they are;
* one score column of floats (n,) or (n, 1) is a binary prediction: probabilities
  compared with ``threshold`` (0.5), or logits (``logits=True``, compared with
  the logit of ``threshold``, i.e. 0 for 0.5);
* a float score matrix (n, k) with k >= 2 is multi-class: its argmax per row.

Targets are class ids: int (n,) or the binary float (n, 1) 0.0/1.0 labels of `minigrad.data`.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from .backend import to_numpy


def predicted_labels(y_pred: Any, threshold: float = 0.5, logits: bool = False) -> np.ndarray:
    """Class ids (int64, shape (n,)) from probabilities, logits, scores or ids (see the module doc)."""
    p = to_numpy(y_pred)
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1).astype(np.int64)
    p = p.reshape(-1) if p.ndim else p.reshape(1)
    if p.dtype.kind in "biu":
        return p.astype(np.int64)
    if p.dtype.kind != "f":
        raise TypeError(f"predictions must be numbers, got dtype {p.dtype}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    cut = math.log(threshold / (1 - threshold)) if logits else threshold
    return (p > cut).astype(np.int64)


def _true_labels(y_true: Any) -> np.ndarray:
    t = to_numpy(y_true)
    if t.ndim == 2 and t.shape[1] > 1:
        raise ValueError(f"targets must be class ids (n,) or (n, 1), got shape {t.shape}: "
                         "for one-hot targets pass y.argmax(axis=1)")
    t = t.reshape(-1)
    if t.dtype.kind == "f":
        if not np.all(t == np.round(t)):
            raise ValueError("targets must be class ids (0.0/1.0 for binary), got non-integer values")
    return t.astype(np.int64)


def _pair(y_true: Any, y_pred: Any, threshold: float, logits: bool) -> tuple[np.ndarray, np.ndarray]:
    t = _true_labels(y_true)
    p = predicted_labels(y_pred, threshold, logits)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred gives {p.size} predictions")
    if t.size == 0:
        raise ValueError("no examples: metrics need at least one")
    return t, p


def accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5, logits: bool = False) -> float:
    """Fraction of examples whose predicted class is the true class."""
    t, p = _pair(y_true, y_pred, threshold, logits)
    return float(np.mean(t == p))


def error_rate(y_true: Any, y_pred: Any, threshold: float = 0.5, logits: bool = False) -> float:
    """1 - accuracy: the number the bias/variance analysis works with."""
    return 1.0 - accuracy(y_true, y_pred, threshold, logits)


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None, threshold: float = 0.5,
                     logits: bool = False) -> np.ndarray:
    """Counts (int64, k x k): row = true class, column = predicted class.

    For binary labels that is [[TN, FP], [FN, TP]].
    """
    t, p = _pair(y_true, y_pred, threshold, logits)
    if t.min() < 0 or p.min() < 0:
        raise ValueError("class ids must be non-negative")
    k = int(max(t.max(), p.max())) + 1 if n_classes is None else int(n_classes)
    if max(t.max(), p.max()) >= k:
        raise ValueError(f"a class id {int(max(t.max(), p.max()))} does not fit n_classes={k}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def _per_class(y_true: Any, y_pred: Any, threshold: float, logits: bool, positive: int,
               average: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(true positives, predicted positives, actual positives) per class selected by ``average``."""
    cm = confusion_matrix(y_true, y_pred, threshold=threshold, logits=logits)
    k = len(cm)
    tp, predicted, actual = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    if average == "binary":
        if k > 2:
            raise ValueError(f"average='binary' needs two classes, found {k}: use average='macro' or 'micro'")
        i = [positive] if positive < k else []
        return tp[i], predicted[i], actual[i]
    if average == "micro":
        return tp.sum(keepdims=True), predicted.sum(keepdims=True), actual.sum(keepdims=True)
    if average == "macro":
        return tp, predicted, actual
    raise ValueError(f"average must be 'binary', 'macro' or 'micro', got {average!r}")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    # 0/0 counts as 0 (as scikit-learn does by default): no positive predictions means no precision earned
    return np.where(den > 0, num / np.maximum(den, 1), 0.0)


def precision(y_true: Any, y_pred: Any, threshold: float = 0.5, logits: bool = False, positive: int = 1,
              average: str = "binary") -> float:
    """Of the examples predicted positive, the fraction that are positive: TP / (TP + FP).

    ``average`` for more than two classes: "macro" (mean over classes) or "micro" (pooled counts).
    """
    tp, predicted, _ = _per_class(y_true, y_pred, threshold, logits, positive, average)
    return float(_ratio(tp, predicted).mean()) if tp.size else 0.0


def recall(y_true: Any, y_pred: Any, threshold: float = 0.5, logits: bool = False, positive: int = 1,
           average: str = "binary") -> float:
    """Of the positive examples, the fraction predicted positive: TP / (TP + FN)."""
    tp, _, actual = _per_class(y_true, y_pred, threshold, logits, positive, average)
    return float(_ratio(tp, actual).mean()) if tp.size else 0.0


def f1(y_true: Any, y_pred: Any, threshold: float = 0.5, logits: bool = False, positive: int = 1,
       average: str = "binary") -> float:
    """Harmonic mean of precision and recall, 2PR / (P + R): the course's single-number evaluation metric."""
    tp, predicted, actual = _per_class(y_true, y_pred, threshold, logits, positive, average)
    if not tp.size:
        return 0.0
    p, r = _ratio(tp, predicted), _ratio(tp, actual)
    return float(_ratio(2 * p * r, p + r).mean())


f1_score = f1


def accuracy_confidence_interval(acc: float, n: int, confidence: float = 0.95,
                                 method: str = "wilson") -> tuple[float, float]:
    """A ``confidence`` interval for the true accuracy when ``acc`` was measured on ``n`` examples.

    ``method="normal"``: acc +- z sqrt(acc (1 - acc) / n) clipped to [0, 1] (the
    textbook formula; too narrow near 0 or 1 and zero-width at acc = 1).
    ``method="wilson"`` (default): the Wilson score interval, which stays sensible
    for small n and accuracies near 0 or 1. Either way the width shrinks like
    1/sqrt(n): to tell 90% from 90.1% you need a dev set of many thousands.
    """
    if not 0 <= acc <= 1:
        raise ValueError(f"acc must be a fraction in [0, 1], got {acc}")
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive whole number of examples, got {n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    if method == "normal":
        half = z * math.sqrt(acc * (1 - acc) / n)
        return max(0.0, acc - half), min(1.0, acc + half)
    if method == "wilson":
        z2n = z * z / n
        centre = (acc + z2n / 2) / (1 + z2n)
        half = z * math.sqrt(acc * (1 - acc) / n + z2n / (4 * n)) / (1 + z2n)
        return max(0.0, centre - half), min(1.0, centre + half)
    raise ValueError(f"method must be 'wilson' or 'normal', got {method!r}")


__all__ = ["accuracy", "accuracy_confidence_interval", "confusion_matrix", "error_rate", "f1", "f1_score",
           "precision", "predicted_labels", "recall"]
