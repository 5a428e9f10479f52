"""viz.plot: each figure is a valid PNG of the expected size, written atomically, without touching pyplot."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minigrad.viz import plot



def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk of a complete PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert data.endswith(b"IEND\xaeB`\x82"), "PNG is cut short"
    return struct.unpack(">II", data[16:24])


def test_loss_curves_png(tmp_path):
    path = plot.loss_curves({"train": [1.0, 0.5, 0.3, 0.2], "dev": [1.1, 0.7, 0.5, 0.45]}, tmp_path / "loss.png",
                            accuracy={"train": [0.5, 0.7, 0.8, 0.9]})
    assert path == str(tmp_path / "loss.png")
    assert png_size(Path(path).read_bytes()) == (640, 420)
    assert os.listdir(tmp_path) == ["loss.png"]


def test_loss_curves_single_list_log_scale(tmp_path):
    path = plot.loss_curves([1.0, 0.1, 0.01], tmp_path / "a" / "loss.png", log=True)
    assert png_size(Path(path).read_bytes()) == (640, 420)


def test_decision_boundary_binary_and_multiclass(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(float)
    path = plot.decision_boundary(lambda p: 1 / (1 + np.exp(-4 * p[:, 0])), X, y, tmp_path / "db.png", resolution=50)
    assert png_size(Path(path).read_bytes()) == (560, 480)
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    scores = lambda p: np.stack([-p[:, 0], np.zeros(len(p)), p[:, 0]], axis=1)  # noqa: E731
    path = plot.decision_boundary(scores, X, y3, tmp_path / "db3.png", resolution=40)
    assert png_size(Path(path).read_bytes()) == (560, 480)


def test_decision_boundary_with_a_model(tmp_path):
    import minigrad as mg
    from minigrad import nn

    model = nn.MLP([2, 8, 1], activation="tanh")
    X = mg.randn(30, 2)
    y = (X.numpy()[:, :1] > 0).astype(np.float32)
    path = plot.decision_boundary(model, X, y, tmp_path / "db.png", resolution=30)
    png_size(Path(path).read_bytes())


def test_loss_contours_with_optimizer_paths(tmp_path):
    loss = lambda a, b: a ** 2 + 10 * b ** 2  # noqa: E731
    sgd = np.array([[1.5, 1.0], [1.2, -0.8], [1.0, 0.6], [0.8, -0.5]])
    adam = np.array([[1.5, 1.0], [1.0, 0.5], [0.5, 0.1], [0.1, 0.0]])
    path = plot.loss_contours(loss, tmp_path / "c.png", paths={"sgd": sgd, "adam": adam}, log=True)
    assert png_size(Path(path).read_bytes()) == (560, 480)
    scalar_only = lambda a, b: float(a) ** 2 + float(b) ** 2  # noqa: E731 - not vectorised: called per point
    png_size(Path(plot.loss_contours(scalar_only, tmp_path / "d.png", xlim=(-1, 1), ylim=(-1, 1))).read_bytes())
    with pytest.raises(ValueError, match=r"\(steps, 2\)"):
        plot.loss_contours(loss, tmp_path / "e.png", paths={"bad": [1, 2, 3]})


def test_grad_norm_history_many_layers(tmp_path):
    history = {f"layer {i}": list(10.0 ** (-i * np.linspace(0.5, 1, 20))) for i in range(1, 12)}
    history["dead"] = [0.0] * 20
    path = plot.grad_norm_history(history, tmp_path / "g.png")
    assert png_size(Path(path).read_bytes()) == (640, 420)


def test_errors_leave_no_file(tmp_path):
    with pytest.raises(ValueError, match="PNG"):
        plot.loss_curves([1.0, 0.5], tmp_path / "loss.jpg")
    with pytest.raises(ValueError, match="empty"):
        plot.loss_curves([], tmp_path / "loss.png")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot.decision_boundary(lambda p: p[:, 0], np.zeros((4, 3)), np.zeros(4), tmp_path / "db.png")
    assert os.listdir(tmp_path) == []


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "loss.png"
    target.write_bytes(b"old")
    monkeypatch.setattr(plot.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        plot.loss_curves([1.0, 0.5], target)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["loss.png"]


def test_pyplot_is_not_imported():
    # in a fresh interpreter: other tests in this process may have imported pyplot themselves
    code = ("import sys, tempfile, os; from minigrad.viz import plot; "
            "d = tempfile.mkdtemp(); plot.loss_curves([1, 0.5], os.path.join(d, 'l.png')); "
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lines_with_and_without_x_values(tmp_path):
    path = plot.lines({"a": [1.0, 2.0, 3.0], "b": ([10, 100, 1000], [0.5, 0.6, 0.9])}, tmp_path / "l.png",
                      xlabel="n", ylabel="acc", logx=True, markers=True, hline=(0.7, "target"), styles={"b": "s--"})
    assert png_size(Path(path).read_bytes())[0] == 640
    with pytest.raises(ValueError, match="3 x values but 2 y values"):
        plot.lines({"a": ([1, 2, 3], [1, 2])}, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="no series"):
        plot.lines({}, tmp_path / "bad.png")
    assert sorted(os.listdir(tmp_path)) == ["l.png"]


def test_bars_plain_and_grouped(tmp_path):
    path = plot.bars({"loops": 12.0, "vectorized": 0.03}, tmp_path / "b.png", logx=True, colors=["r", "g"])
    width, height = png_size(Path(path).read_bytes())
    assert width == 640 and height > 100
    path = plot.bars({"A": {"precision": 0.8, "recall": 0.5}, "B": {"precision": 0.6, "recall": 0.7}},
                     tmp_path / "g.png")
    assert png_size(Path(path).read_bytes())[0] == 640
    with pytest.raises(ValueError, match="finite"):
        plot.bars({"a": float("nan")}, tmp_path / "bad.png")


def test_bars_with_a_reference_line(tmp_path):
    path = plot.bars({"small": {"train": 0.3, "dev": 0.31}, "medium": {"train": 0.1, "dev": 0.11}},
                     tmp_path / "b.png", line=(0.1, "Bayes error"), xlabel="error")
    assert png_size(Path(path).read_bytes())[0] == 640


def test_images_grid(tmp_path):
    pics = np.random.default_rng(0).uniform(size=(8, 16 * 16))
    path = plot.images(pics, tmp_path / "i.png", columns=4, titles=[str(k) for k in range(8)],
                       row_labels=["a", "b"], title="eight")
    assert png_size(Path(path).read_bytes())[0] == 640
    with pytest.raises(ValueError, match="8 pictures but 2 titles"):
        plot.images(pics, tmp_path / "bad.png", titles=["a", "b"])
