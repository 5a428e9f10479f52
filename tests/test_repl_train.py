"""``:train`` and ``:inspect`` as a learner sees them: epoch-wide gradient rows, the relative
vanishing flag, dev sets and the train/dev gap, L2 and dropout, eval mode afterwards, help that shows the way."""
from __future__ import annotations

import re

import numpy as np
import pytest

from minigrad.viz.term import strip_ansi

from .test_repl_units import scripted


def _rows(out: str, after: str) -> list[str]:
    """The gradient bar rows printed after the line containing ``after``."""
    lines = out.splitlines()
    start = max(i for i, line in enumerate(lines) if after in line)
    rows = []
    for line in lines[start + 1:]:
        if not re.match(r"^layers\.\d+ ", line):
            break
        rows.append(line)
    return rows


def test_gradient_rows_are_the_epoch_mean_of_every_batch_not_the_leftover_batch():
    # 200 examples, batch 64: the fourth batch has 8 examples; the rows must average all four
    out, status = scripted("mg.manual_seed(0)\nboom = nn.MLP([2]+[32]*6+[1], activation='relu', init=1.0)\n"
                           ":train boom moons epochs=3\n"
                           "r = _train.records[-1]\n"
                           "print('same', _train.grad_norms[-1] == r.grad_norms, r.batches)\n"
                           "print('max>=mean', all(r.grad_norms_max[k] >= v for k, v in r.grad_norms.items()))\n")
    assert status == 0
    assert "gradient norm per layer (mean of the epoch's 4 batch norms)" in out
    rows = _rows(out, "gradient norm per layer")
    assert len(rows) == 7 and not any("ZERO" in row for row in rows)
    assert "same True 4" in out and "max>=mean True" in out


def test_piped_train_prints_its_header_before_the_epoch_lines():
    out, _ = scripted("model = nn.MLP([2, 4, 1])\n:train model moons epochs=3 every=1\n")
    assert out.index(":train model on data.make_moons()") < out.index("epoch 1/3")
    assert out.count(":train model on") == 1


def test_deep_sigmoid_net_is_flagged_by_the_relative_rule_in_train_and_inspect():
    out, status = scripted("mg.manual_seed(0)\ndeep = nn.MLP([2] + [32]*6 + [1], activation='sigmoid')\n"
                           ":train deep moons epochs=2\n:inspect deep\n")
    assert status == 0
    rows = _rows(out, "gradient norm per layer")
    first = rows[0].split()
    assert first[0] == "layers.0" and float(first[-2]) > 1e-7 and first[-1] == "VAN"  # relative, not absolute
    assert rows[-1].split()[-1] == "ok"
    table = [line for line in out.splitlines() if line.startswith("layers.0 ") and "Linear" in line]
    assert table and table[-1].rstrip().endswith("VAN")
    assert "1/100 of the largest layer's" in out


def test_dev_fraction_shows_train_dev_and_gap_and_the_summary_names_the_diagnosis():
    out, status = scripted("mg.manual_seed(0)\nbig = nn.MLP([2, 64, 64, 1])\n"
                           ":train big noisy_moons dev=0.3 epochs=60 every=20 seed=0\n"
                           "print('mode', big.training)\n")
    assert status == 0
    flat = " ".join(out.split())  # the header wraps at 80 columns
    assert "56 examples, dev: 30% held out (24)" in flat
    assert re.search(r"epoch 60/60  train loss \S+ acc \S+%  dev loss \S+ acc \S+%  gap -?\d+\.\d%", out)
    assert "dev loss  " in out  # the second sparkline
    assert re.search(r"dominant problem: (variance|avoidable bias|none) \(train error", out)
    assert "big is in eval mode now" in out and "mode False" in out


def test_dev_can_be_a_named_second_set_and_bad_dev_is_a_clear_error():
    out, status = scripted("model = nn.MLP([2, 8, 1])\nXd, yd = data.make_moons(50, seed=7)\n"
                           ":train model moons dev=Xd,yd epochs=1\n:train model moons dev=moons epochs=1\n"
                           ":train model moons dev=1.5 epochs=1\n")
    flat = " ".join(out.split())  # the header wraps at 80 columns
    assert "dev: Xd,yd (50)" in flat and "dev: data.make_moons(seed=1000) (200)" in flat
    assert "dev= takes a fraction between 0 and 1" in out and status == 1


def test_l2_and_dropout_runs_are_shown_beside_the_previous_run():
    # the learner builds the network again for the second run: the runs are compared by the model's name
    out, status = scripted("mg.manual_seed(0)\nnet = nn.MLP([2, 32, 32, 1], dropout=0.1)\n"
                           ":train net noisy_moons dev=0.3 epochs=20 seed=0 dropout=0\n"
                           "net = nn.MLP([2, 32, 32, 1], dropout=0.1)\n"
                           ":train net noisy_moons dev=0.3 epochs=20 seed=0 l2=0.5 dropout=0.3\n"
                           "print('p', [m.p for m in net.modules() if type(m).__name__ == 'Dropout'])\n"
                           "plain = nn.MLP([2, 4, 1])\n:train plain moons dropout=0.2 epochs=1\n")
    lines = out.splitlines()
    assert any(line.startswith("previous run (opt=adam lr=0.01 l2=0 dropout=0): gap") for line in lines)
    assert any(line.startswith("this run     (opt=adam lr=0.01 l2=0.5 dropout=0.3): gap") for line in lines)
    assert "p [0.3, 0.3]" in out
    assert "plain has no Dropout layers to set" in out and status == 1


def test_help_shows_how_to_make_gradients_vanish_or_explode():
    out, _ = scripted(":help train\n:help\nhelp(nn.MLP)\n")
    assert "init=1.0" in out and "activation='sigmoid'" in out  # :help train
    assert "boom = nn.MLP([2] + [32]*6 + [1], init=1.0)" in out  # :help's example
    for word in ('"zeros"', '"random"', '"xavier"', '"he"', "a number"):
        assert word in out  # help(nn.MLP) lists the init values


def test_inspect_columns_never_run_together():
    out, status = scripted("mg.manual_seed(0)\nwide = nn.MLP([2, 64, 64, 64, 1], activation='relu', init=10.0)\n"
                           ":inspect wide moons\n")
    assert status == 0
    rows = [strip_ansi(line) for line in out.splitlines() if re.match(r"^layers\.\d+ ", line)]
    assert len(rows) == 7
    for row in rows:  # name kind mean std dead sat dW dout [flags]: every number its own field
        fields = row.split()
        assert len(fields) >= 8, row
        for value in fields[2:4] + fields[6:8]:
            assert value == "-" or re.fullmatch(r"-?\d+(\.\d+)?(e[+-]\d+)?", value), row
    assert max(len(row) for row in rows) <= 80


@pytest.mark.slow
def test_noisy_moons_overfits_and_l2_closes_the_gap_across_seeds():
    """The :train help's example. Measured over seeds 0-7: without L2 the 128x128 net memorises all 56
    training points on every seed and the dev accuracy is 14.6 points lower on average (0 to 25 on single
    seeds: the dev set is 24 points); with l2=3 the gap averages 0.8 points. Checked on four seeds."""
    from minigrad import data, nn, train
    import minigrad as mg

    final = {0.0: [], 3.0: []}
    for seed in range(4):
        X, y = data.make_moons(80, noise=0.3, seed=seed)
        for l2 in final:
            mg.manual_seed(seed)
            run = train.fit(nn.MLP([2, 128, 128, 1]), X, y, epochs=300, dev=0.3, l2=l2, seed=seed)
            final[l2].append(run.run()[-1])
    assert all(r.train_acc == 1.0 for r in final[0.0])  # memorised on every seed
    plain, regularized = np.mean([r.gap for r in final[0.0]]), np.mean([r.gap for r in final[3.0]])
    assert plain > 0.08 and regularized < plain - 0.05
