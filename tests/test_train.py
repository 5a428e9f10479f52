"""minigrad.train.fit: per-epoch records, gradient statistics over the whole epoch, dev sets, L2, the NaN guard."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import data, health, nn, optim, train


def test_an_update_that_overflows_the_weights_is_undone():
    mg.manual_seed(0)
    model = nn.MLP([2, 4, 1])
    before = [p.numpy().copy() for p in model.parameters()]
    opt = optim.SGD(model.parameters(), lr=1e38)
    x, y = mg.Tensor(np.ones((8, 2))), mg.Tensor(np.ones((8, 1)))
    with np.errstate(over="ignore", invalid="ignore"):
        loss, norms, problem = train.guarded_step(model, opt, lambda out, t: (out * 1e4).sum(), x, y)
    assert np.isfinite(loss) and set(norms) == {"layers.0", "layers.2"}
    assert problem.startswith("the update made layers.") and "lr=1e+38" in problem
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), old)


def test_a_nan_names_the_layer_and_the_model_keeps_its_last_finite_parameters():
    mg.manual_seed(0)
    X, y = data.make_moons(100, seed=0)
    model = nn.MLP([2, 8, 1])
    records = list(train.fit(model, X, y, epochs=3, optimizer="sgd", lr=1e38, seed=0))
    assert not records[-1].complete
    assert "NaN or inf first appeared in the output of layer 'layers.2'" in records[-1].problem
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())


def test_records_have_train_and_dev_numbers_measured_in_eval_mode():
    X, y = data.make_moons(120, noise=0.2, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 16, 1], dropout=0.3)
    run = train.fit(model, X, y, epochs=4, dev=0.25, seed=0)
    assert (run.n_train, run.n_dev) == (90, 30) and run.loss_name == "bce"
    records = run.run()
    assert [r.epoch for r in records] == [1, 2, 3, 4] and all(r.complete for r in records)
    last = records[-1]
    assert model.training is False  # left in eval mode
    # the dev numbers are those of the model in eval mode on the held-out rows, recomputed by hand
    out = model(run.X_dev).numpy()
    acc = float(((out > 0) == (run.y_dev.numpy() > 0.5)).mean())
    assert last.dev_acc == pytest.approx(acc)
    assert last.gap == pytest.approx(last.train_acc - last.dev_acc)
    report = run.diagnosis()
    assert report.train_err == pytest.approx(1 - last.train_acc) and report.dev_err == pytest.approx(1 - last.dev_acc)


def test_a_dev_set_can_be_a_second_data_set():
    X, y = data.make_moons(64, seed=0)
    Xd, yd = data.make_moons(32, seed=1)
    run = train.fit(nn.MLP([2, 4, 1]), X, y, epochs=1, dev=(Xd, yd), seed=0)
    (record,) = run.run()
    assert run.n_dev == 32 and record.dev_loss is not None and 0 <= record.dev_acc <= 1


def test_gradient_rows_are_the_mean_over_every_batch_of_the_epoch_not_the_leftover_one():
    # 200 examples in batches of 64: the last batch has 8 examples. The record's norm for each layer
    # must be the mean (and max) over the four batches, computed here by hand from the same batches.
    X, y = data.make_moons(200, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 8, 1])
    twin = nn.MLP([2, 8, 1])
    twin.load_state_dict(model.state_dict())
    (record,) = train.fit(model, X, y, epochs=1, optimizer="sgd", lr=0.1, seed=3).run()
    assert record.batches == 4
    opt = optim.SGD(twin.parameters(), lr=0.1)
    fn = nn.functional.binary_cross_entropy_with_logits
    per_batch = []
    gen = np.random.default_rng(3)
    for xb, yb in data.batches(mg.Tensor(X), mg.Tensor(y), 64, seed=gen):
        opt.zero_grad()
        fn(twin(xb), yb).backward()
        per_batch.append({layer: float(np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum()
                                                   for name, p in twin.named_parameters() if name.startswith(layer))))
                          for layer in ("layers.0", "layers.2")})
        opt.step()
    for layer in ("layers.0", "layers.2"):
        values = [b[layer] for b in per_batch]
        assert record.grad_norms[layer] == pytest.approx(np.mean(values), rel=1e-5)
        assert record.grad_norms_max[layer] == pytest.approx(max(values), rel=1e-5)
        assert record.grad_norms[layer] != pytest.approx(values[-1], rel=1e-3)  # not the 8-example leftover


def test_l2_adds_the_course_penalty_to_the_cost_and_shrinks_the_weights():
    X, y = data.make_moons(80, noise=0.3, seed=0)
    norms = {}
    for l2 in (0.0, 5.0):
        mg.manual_seed(0)
        model = nn.MLP([2, 32, 1])
        train.fit(model, X, y, epochs=30, l2=l2, seed=0).run()
        norms[l2] = sum(float((p.numpy() ** 2).sum()) for n, p in model.named_parameters() if n.endswith("weight"))
    assert norms[5.0] < 0.7 * norms[0.0]


def test_deep_sigmoid_epoch_flags_use_the_relative_rule():
    X, y = data.make_moons(200, seed=0)
    mg.manual_seed(0)
    (record,) = train.fit(nn.MLP([2] + [32] * 6 + [1], activation="sigmoid"), X, y, epochs=1, seed=0).run()
    assert record.flags["layers.0"] == "vanishing" and record.grad_norms["layers.0"] > health.VANISHING
    assert record.flags["layers.12"] == "ok"


def test_bad_arguments_fail_before_training():
    X, y = data.make_moons(20, seed=0)
    with pytest.raises(ValueError, match="does not take X of shape"):
        train.fit(nn.MLP([3, 4, 1]), X, y)
    with pytest.raises(ValueError, match="opt= must be one of"):
        train.fit(nn.MLP([2, 4, 1]), X, y, optimizer="lbfgs")
    with pytest.raises(ValueError, match="dev must be"):
        train.fit(nn.MLP([2, 4, 1]), X, y, dev="half")
    with pytest.raises(ValueError, match="epochs"):
        train.fit(nn.MLP([2, 4, 1]), X, y, epochs=0)
