"""The course's ML-strategy numbers: the bias/variance report and error analysis.

* `bias_variance_report(train_err, dev_err, ...)`: avoidable bias, variance, data
  mismatch and overfitting to dev, the dominant problem and what to do about it.
* `error_analysis(attrs_of_mistakes, error_rate)`: mistakes counted by attribute with
  the best improvement fixing each one could give (the course's ceiling).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from ..backend import to_numpy


# -- bias / variance ----------------------------------------------------------------------------
ACTIONS: dict[str, tuple[str, ...]] = {
    "avoidable bias": (
        "train a bigger network (more units, more layers)",
        "train longer or with a better optimizer (momentum, RMSprop, Adam)",
        "try another architecture or search hyperparameters",
        "use less regularization",
    ),
    "variance": (
        "get more training data (or augment it)",
        "regularize: L2, dropout, data augmentation, early stopping",
        "try another architecture or search hyperparameters",
    ),
    "data mismatch": (
        "do error analysis by hand to see how training and dev/test data differ",
        "make training data more like dev/test: collect more of it, or synthesize it (artificial data synthesis)",
    ),
    "overfitting to dev": (
        "get a bigger dev set (you tuned to this one)",
    ),
    "none": (
        "all gaps are small: check the metric and the dev/test set still reflect what matters "
        "(if not, change them); beyond human level, progress is slower",
    ),
}


@dataclass
class BiasVarianceReport:
    """The course's error decomposition. Errors are fractions (0.08 for 8%).

    avoidable bias = train - Bayes (Bayes taken as 0 when unknown); variance =
    train-dev - train (dev - train without a train-dev set); data mismatch =
    dev - train-dev; overfitting to dev = test - dev.
    """

    train_err: float
    dev_err: float
    bayes_err: float | None = None
    train_dev_err: float | None = None
    test_err: float | None = None
    avoidable_bias: float = 0.0
    variance: float = 0.0
    data_mismatch: float | None = None
    overfitting_to_dev: float | None = None
    dominant: str = "none"
    actions: tuple[str, ...] = field(default_factory=tuple)

    def gaps(self) -> dict[str, float]:
        """The measured gaps by name (those that could be computed)."""
        out = {"avoidable bias": self.avoidable_bias, "variance": self.variance}
        if self.data_mismatch is not None:
            out["data mismatch"] = self.data_mismatch
        if self.overfitting_to_dev is not None:
            out["overfitting to dev"] = self.overfitting_to_dev
        return out

    def __str__(self) -> str:
        bayes = "Bayes / human" if self.bayes_err is not None else "Bayes (assumed)"
        rows = [(bayes, self.bayes_err if self.bayes_err is not None else 0.0, None, None),
                ("train", self.train_err, "avoidable bias", self.avoidable_bias)]
        if self.train_dev_err is not None:
            rows.append(("train-dev", self.train_dev_err, "variance", self.variance))
            rows.append(("dev", self.dev_err, "data mismatch", self.data_mismatch))
        else:
            rows.append(("dev", self.dev_err, "variance", self.variance))
        if self.test_err is not None:
            rows.append(("test", self.test_err, "overfitting to dev", self.overfitting_to_dev))
        lines = [f"{'set':<16}{'error':>8}   {'gap to the line above':<22}{'':>8}", "-" * 56]
        for name, err, gap_name, gap in rows:
            gap_text = "" if gap_name is None else f"{gap_name:<22}{100 * gap:7.2f}%"
            mark = "  <- dominant" if gap_name == self.dominant else ""
            lines.append(f"{name:<16}{100 * err:7.2f}%   {gap_text}{mark}")
        lines.append("")
        lines.append(f"dominant problem: {self.dominant}")
        lines.extend(f"  - {a}" for a in self.actions)
        return "\n".join(lines)


def _check_error(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name}={value!r} is not an error rate in [0, 1]: pass fractions (0.08 for 8%)")
    return v


def bias_variance_report(train_err: float, dev_err: float, bayes_err: float | None = None,
                         train_dev_err: float | None = None, test_err: float | None = None,
                         tolerance: float = 0.005) -> BiasVarianceReport:
    """Split the errors into avoidable bias, variance, data mismatch and overfitting to dev.

    The largest gap is the dominant problem and sets the recommended next actions
    (the course's "basic recipe"); gaps under ``tolerance`` (half a point by
    default) count as nothing to fix.
    """
    train_err = _check_error("train_err", train_err)
    dev_err = _check_error("dev_err", dev_err)
    bayes_err = _check_error("bayes_err", bayes_err)
    train_dev_err = _check_error("train_dev_err", train_dev_err)
    test_err = _check_error("test_err", test_err)
    report = BiasVarianceReport(train_err, dev_err, bayes_err, train_dev_err, test_err)
    report.avoidable_bias = train_err - (bayes_err or 0.0)
    if train_dev_err is not None:
        report.variance = train_dev_err - train_err
        report.data_mismatch = dev_err - train_dev_err
    else:
        report.variance = dev_err - train_err
    if test_err is not None:
        report.overfitting_to_dev = test_err - dev_err
    gaps = report.gaps()
    worst = max(gaps, key=lambda k: gaps[k])
    report.dominant = worst if gaps[worst] > tolerance else "none"
    report.actions = ACTIONS[report.dominant]
    return report


# -- error analysis -----------------------------------------------------------------------------
@dataclass
class AttributeCount:
    """One row of an error analysis: how many mistakes have ``attribute`` and what fixing them could give."""

    attribute: str
    count: int
    fraction: float  # of the mistakes examined
    ceiling: float | None  # at most this much error removed by fixing every such mistake
    error_after: float | None  # the error rate if all of them were fixed (the best case)


@dataclass
class ErrorAnalysis:
    """Mistakes counted by attribute, most frequent first (an example can count for several)."""

    rows: list[AttributeCount]
    n_mistakes: int
    error_rate: float | None
    unexplained: int  # mistakes with none of the attributes

    def best(self) -> AttributeCount:
        """The attribute whose fix has the highest ceiling."""
        return self.rows[0]

    def __str__(self) -> str:
        err = f", error rate {100 * self.error_rate:.2f}%" if self.error_rate is not None else ""
        lines = [f"error analysis of {self.n_mistakes} mistakes{err}",
                 f"{'attribute':<16}{'count':>7}{'% of mistakes':>15}{'ceiling':>10}{'error after':>13}",
                 "-" * 61]
        for r in self.rows:
            ceiling = "-" if r.ceiling is None else f"{100 * r.ceiling:.2f}%"
            after = "-" if r.error_after is None else f"{100 * r.error_after:.2f}%"
            lines.append(f"{r.attribute:<16}{r.count:>7}{100 * r.fraction:>14.1f}%{ceiling:>10}{after:>13}")
        lines.append(f"{'(none of these)':<16}{self.unexplained:>7}"
                     f"{(100 * self.unexplained / self.n_mistakes if self.n_mistakes else 0):>14.1f}%")
        return "\n".join(lines)


def _attribute_columns(mistakes: Any) -> dict[str, np.ndarray]:
    """Boolean columns from a structured array, a mapping of columns, or one record per mistake."""
    if isinstance(mistakes, np.ndarray) and mistakes.dtype.names:
        return {n: mistakes[n] for n in mistakes.dtype.names if mistakes.dtype[n].kind == "b"}
    if isinstance(mistakes, Mapping):
        cols = {str(k): to_numpy(v) for k, v in mistakes.items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise ValueError(f"attribute columns have different lengths: {sorted(lengths)}")
        bad = [k for k, v in cols.items() if v.dtype.kind not in "bi"]
        if bad:
            raise ValueError(f"attribute columns must be booleans (True where a mistake has it), not {bad}")
        return {k: v.astype(bool) for k, v in cols.items()}
    tag_sets: list[set[str]] = []
    names: dict[str, None] = {}  # every attribute mentioned, in first-seen order (a dict keeps order)
    for rec in mistakes:
        if isinstance(rec, Mapping):  # {"blurry": True, "dark": False}
            names.update((str(k), None) for k in rec)
            tag_sets.append({str(k) for k, v in rec.items() if v})
        else:  # "blurry" or {"blurry", "dark"}
            tags = {rec} if isinstance(rec, str) else {str(t) for t in rec}
            names.update((t, None) for t in sorted(tags))
            tag_sets.append(tags)
    return {name: np.array([name in tags for tags in tag_sets], dtype=bool) for name in names}


def error_analysis(mistakes: Any, error_rate: float | None = None,
                   attributes: Iterable[str] | None = None) -> ErrorAnalysis:
    """Count misclassified examples by attribute and give the ceiling of each fix.

    ``mistakes``: the attributes of the misclassified (dev) examples, as a NumPy
    structured array (``attrs[wrong]`` from `minigrad.data.make_shapes`: its bool
    fields are counted), a dict of boolean columns, or a list with one dict
    ``{"blurry": True, ...}`` or one set of tags ``{"blurry", "dark"}`` per mistake.
    With the overall ``error_rate`` (e.g. 0.10), each row's ceiling is
    error_rate * fraction: fixing every blurry mistake, when 5% of mistakes are
    blurry, can take a 10% error down to 9.5% at best.
    """
    cols = _attribute_columns(mistakes)
    if attributes is not None:
        wanted = list(attributes)
        missing = [a for a in wanted if a not in cols]
        if missing:
            raise ValueError(f"no attribute(s) {missing} in the mistakes; there are {sorted(cols)}")
        cols = {a: cols[a] for a in wanted}
    error_rate = _check_error("error_rate", error_rate)
    n = len(mistakes) if not cols else len(next(iter(cols.values())))
    rows = []
    for name, col in cols.items():
        count = int(col.sum())
        fraction = count / n if n else 0.0
        ceiling = None if error_rate is None else error_rate * fraction
        rows.append(AttributeCount(name, count, fraction, ceiling,
                                   None if ceiling is None else error_rate - ceiling))
    rows.sort(key=lambda r: (-r.count, r.attribute))
    any_attr = np.zeros(n, dtype=bool)
    for col in cols.values():
        any_attr |= col
    return ErrorAnalysis(rows, n, error_rate, int(n - any_attr.sum()))
