"""The benchmark harness computes the same things in every competitor and reports targets correctly.

No timing is asserted here (machines are noisy): only that the implementations being
compared agree, and that the table marks a target as met or missed the right way.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks import mlp, scalar_demo
from benchmarks.common import Row, Timing, format_table, timed_row, whole_runs


def test_ratio_targets_are_marked():
    fast = Row("s", "fast", 1.0, "s", "numpy", 1.0, target=1.15)
    slow = Row("s", "slow", 2.0, "s", "numpy", 1.0, target=1.15)
    absolute = Row("s", "import", 0.3, "s", target=0.2, absolute=True)
    assert (fast.met, slow.met, absolute.met) == (True, False, False)
    assert slow.ratio == pytest.approx(2.0)
    table = format_table([fast, slow, absolute])
    assert "1.00x" in table and "2.00x" in table and "NO" in table and "yes" in table


def test_whole_runs_time_consecutive_calls_and_rotate_the_order():
    calls = []
    timings = whole_runs({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, calls=2,
                         warmup=1)
    assert calls[:2] == ["a", "b"]  # the warm-up calls, once each
    runs = calls[2:]
    assert runs == ["a", "a", "b", "b", "b", "b", "a", "a", "a", "a", "b", "b"]  # runs of 2, who starts rotates
    assert all(len(t.runs) == 3 and t.low <= t.median <= t.high for t in timings.values())


def test_timed_row_reports_medians_and_spreads():
    mine, theirs = Timing([1.0, 3.0, 2.0]), Timing([4.0, 4.0, 5.0])
    row = timed_row("s", "step", mine, "numpy", theirs, target=1.15)
    assert (row.value, row.ref_value, row.met) == (2.0, 4.0, True)
    assert "3 runs" in row.spread and "1-3 s" in row.spread and "4-5 s" in row.spread
    per_op = timed_row("s", "add", Timing([2e-4]), per=100 / 1e6, unit="µs/op")
    assert per_op.value == pytest.approx(2.0)
    assert "spread" in format_table([row, per_op])


def test_minigrad_and_numpy_mlp_steps_compute_the_same_losses():
    weights = mlp.initial_weights()
    x, y = mlp.batch(16)
    mg_step, _ = mlp.minigrad_trainer(weights, x, y)
    np_step = mlp.numpy_trainer(weights, x, y)
    for _ in range(3):  # Adam moves the weights: later losses only agree if the updates do too
        assert float(mg_step()) == pytest.approx(np_step(), rel=1e-4)


def test_numpy_mlp_step_learns():
    x, y = mlp.batch(16)
    step = mlp.numpy_trainer(mlp.initial_weights(), x, y)
    first = step()
    for _ in range(20):
        last = step()
    assert last < 0.5 * first


def test_moons_are_the_demo_data():
    X, y = scalar_demo.moons()
    assert X.shape == (100, 2) and X.dtype == np.float64
    assert y.dtype.kind == "i" and sorted(set(y.tolist())) == [-1, 1] and int((y == 1).sum()) == 50


def test_scalar_demo_matches_micrograd_step_for_step():
    """Both engines run the notebook's loop from the same weights: the same losses, the same weights after."""
    pytest.importorskip("micrograd", reason="micrograd comes with the bench extra")
    X, y = scalar_demo.moons()
    X, y = X[:20], y[:20]
    (MicroValue, theirs), (Value, ours) = scalar_demo.models("micrograd"), scalar_demo.models("minigrad")
    expected = scalar_demo.demo_loop(MicroValue, theirs, X, y, 3)
    assert scalar_demo.demo_loop(Value, ours, X, y, 3) == pytest.approx(expected, abs=1e-12)
    assert expected[-1] < expected[0]  # it trains
    np.testing.assert_allclose([p.data for p in ours.parameters()], [p.data for p in theirs.parameters()],
                               atol=1e-12)


def test_scalar_demo_child_reports_its_whole_loop(monkeypatch):
    pytest.importorskip("micrograd", reason="micrograd comes with the bench extra")
    import gc

    monkeypatch.setattr(gc, "disable", lambda: None)  # the child switches the collector off for its process
    result = scalar_demo.child("minigrad", 1, "nogc")
    assert result["seconds"] > 0 and result["cpu"] > 0 and len(result["losses"]) == 1


def test_minigrad_and_torch_lenet_steps_compute_the_same_losses():
    pytest.importorskip("torch")
    from benchmarks import lenet

    weights = lenet.initial_weights()
    x, y = lenet.batch(8)
    ours, theirs = lenet.minigrad_trainer(weights, x, y), lenet.torch_trainer(weights, x, y)
    for _ in range(3):  # Adam moves the weights: later losses agree only if the gradients and updates do
        assert ours() == pytest.approx(theirs(), rel=1e-4)
