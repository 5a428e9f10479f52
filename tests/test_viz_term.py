"""viz.term: fixed-width output, plain ASCII without colours (NO_COLOR), and what each view shows."""
from __future__ import annotations

import numpy as np
import pytest

from minigrad.viz import term

WIDTHS = [40, 64, 100]


def assert_fixed_width(text: str, width: int) -> list[str]:
    lines = term.strip_ansi(text).split("\n")
    assert lines and all(len(line) == width for line in lines), [len(line) for line in lines]
    return lines


def assert_ascii(text: str) -> None:
    assert "\x1b" not in text
    assert all(32 <= ord(ch) < 127 or ch == "\n" for ch in text), sorted({ch for ch in text if ord(ch) >= 127})


NORMS = {"layer 1": 3e-9, "layer 2": 2e-4, "layer 3": 0.5, "layer 4": 5e4, "output": float("nan"), "dead": 0.0}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("color", [True, False])
def test_bars_fixed_width(width, color):
    assert_fixed_width(term.bars(NORMS, width=width, color=color, title="gradient norms"), width)


def test_bars_plain_ascii_content():
    text = term.bars(NORMS, width=70, color=False)
    assert_ascii(text)
    lines = text.split("\n")
    rows = lines[:6]
    assert rows[0].rstrip().endswith("3.00e-09 VAN") and rows[3].rstrip().endswith("5.00e+04 EXP")
    assert rows[4].rstrip().endswith("nan NaN") and rows[5].rstrip().endswith("0.0000 ZERO")
    assert rows[2].rstrip().endswith("0.5000 ok")
    # a longer bar for a larger norm (log axis)
    bars = [r[8:8 + 46].count("#") for r in rows[:4]]
    assert bars[0] < bars[1] < bars[2] < bars[3]
    # the bands: "." left of 1e-7 and ":" right of 1e3 where no bar covers them
    assert rows[2][8:].lstrip("#").startswith(" ") and ":" in rows[2] and "." in rows[0]
    assert "1e-8" in lines[6] and "1e0" in lines[6] and "vanishing < 1e-7" in lines[7]


def test_bars_colour_uses_ansi_and_no_color_env(monkeypatch):
    coloured = term.bars({"a": 1.0}, width=50, color=True)
    assert "\x1b[32m" in coloured  # a healthy bar is green
    monkeypatch.setenv("NO_COLOR", "1")
    assert term.color_enabled() is False
    assert_ascii(term.bars({"a": 1.0}, width=50))
    assert term.color_enabled(True) is True  # an explicit choice wins


def test_colour_is_off_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)

    class Pipe:
        def isatty(self):
            return False

    class Tty:
        def isatty(self):
            return True

    assert term.color_enabled(stream=Pipe()) is False
    assert term.color_enabled(stream=Tty()) is True


def test_bars_accepts_lists_and_rejects_bad_input():
    text = term.bars([1e-3, 1e-2], width=50, color=False)
    assert text.startswith("layer 1") and "layer 2" in text
    with pytest.raises(ValueError, match="no values"):
        term.bars({}, width=50)
    with pytest.raises(ValueError, match="width"):
        term.bars({"a": 1.0}, width=10)


def test_default_width_is_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert term.terminal_width() == 72
    assert_fixed_width(term.sparkline([1, 2, 3], color=False), 72)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("color", [True, False])
def test_sparkline_fixed_width(width, color):
    values = np.exp(-np.linspace(0, 5, 500))
    assert_fixed_width(term.sparkline(values, width=width, color=color, label="loss"), width)
    assert_fixed_width(term.sparkline([], width=width, color=color, label="loss"), width)


def test_sparkline_shape_and_ascii():
    text = term.sparkline([4.0, 3.0, 2.0, 1.0, float("nan"), 0.5], width=40, color=False, label="loss")
    assert_ascii(text)
    curve = text[len("loss "):len("loss ") + 6]
    # levels of "_.-~=+*#" scaled from min 0.5 to max 4: 4 -> 7, 3 -> 5, 2 -> 3, 1 -> 1; NaN shown as "!"
    assert curve == "#+~.!_"
    assert text.rstrip().endswith("0.5000 min 0.5000")
    assert "▁" in term.sparkline([1.0, 2.0], width=40, color=True)


def test_sparkline_log_scale_and_resampling():
    values = 10.0 ** -np.linspace(0, 6, 1000)  # falls by six decades
    text = term.sparkline(values, width=40, color=False, log=True)
    curve = text.split(" ")[0]
    assert len(curve) == 40 - len(" 1.00e-06 min 1.00e-06")
    levels = ["_.-~=+*#".index(c) for c in curve]
    assert levels == sorted(levels, reverse=True) and levels[0] == 7 and levels[-1] == 0


def two_blobs():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1.5, 0.3, (20, 2)), rng.normal(1.5, 0.3, (20, 2))])
    y = np.array([0] * 20 + [1] * 20, dtype=float)
    return X, y


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("color", [True, False])
def test_heatmap_fixed_width(width, color):
    X, y = two_blobs()
    text = term.heatmap(lambda p: 1 / (1 + np.exp(-(p[:, 0] + p[:, 1]))), X, y, width=width, height=10, color=color)
    lines = assert_fixed_width(text, width)
    assert len(lines) == 11  # 10 rows of the map and the axes line


def test_heatmap_regions_and_points():
    X, y = two_blobs()
    text = term.heatmap(lambda p: (p[:, 0] > 0).astype(float), X, y, width=40, height=10, color=False,
                        bounds=(-3, 3, -3, 3))
    assert_ascii(text)
    rows = text.split("\n")[:10]
    # left half is class 0 (" "), right half class 1 ("="), points o/x on their side
    assert all(set(r[:20]) <= {" ", "o"} and set(r[20:]) <= {"=", "x"} for r in rows)
    assert sum(r.count("o") for r in rows) > 5 and sum(r.count("x") for r in rows) > 5
    # row 0 is the top: the blob at (+1.5, +1.5) sits in the upper right
    top = "".join(rows[:5])
    assert "x" in top and "o" not in top


def test_heatmap_takes_a_model_with_logits():
    import minigrad as mg
    from minigrad import nn

    model = nn.Sequential(nn.Linear(2, 1))
    model.layers[0].weight.data[:] = np.array([[5.0], [0.0]], dtype=np.float32)
    model.layers[0].bias.data[:] = 0.0
    text = term.heatmap(model, width=30, height=4, color=False, bounds=(-1, 1, -1, 1))
    rows = text.split("\n")[:4]
    assert all(r[:15].strip(" .") == "" and set(r[15:]) <= {"=", "-"} for r in rows)
    assert isinstance(mg.Tensor, type)


def test_heatmap_multiclass_and_errors():
    scores = lambda p: np.stack([-p[:, 0], p[:, 0], np.zeros(len(p))], axis=1) * 10  # noqa: E731
    text = term.heatmap(scores, width=30, height=4, color=False, bounds=(-1, 1, -1, 1))
    assert_fixed_width(text, 30)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        term.heatmap(lambda p: p[:, 0], np.zeros((3, 3)), width=30)
    with pytest.raises(ValueError, match="labels"):
        term.heatmap(lambda p: p[:, 0], np.zeros((3, 2)), np.zeros(2), width=30)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("color", [True, False])
def test_dropout_mask_fixed_width(width, color):
    mask = (np.random.default_rng(0).random((12, 120)) > 0.2) * 1.25
    lines = assert_fixed_width(term.dropout_mask(mask, width=width, color=color, max_rows=5), width)
    assert len(lines) == 1 + 5 + 1  # title, 5 rows, "... 7 more rows"


def test_dropout_mask_content():
    mask = np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 2.0, 2.0]])
    text = term.dropout_mask(mask, width=40, color=False)
    assert_ascii(text)
    lines = text.split("\n")
    assert lines[0].startswith("dropout mask: 4/8 kept (50%)")
    assert lines[1] == "   0 #.#." + " " * 31 and lines[2] == "   1 ..##" + " " * 31
    wide = term.dropout_mask(np.ones((1, 100)), width=40, color=False)
    assert wide.split("\n")[1].endswith("#>")  # more units than fit
    with pytest.raises(ValueError, match="mask"):
        term.dropout_mask(np.ones((2, 2, 2)), width=40)


def test_heatmap_key_names_only_what_is_drawn():
    plain = term.heatmap_key(2, color=False)
    assert "'=' class 1" in plain and "x class 1" in plain and "class 2" not in plain   # no phantom classes
    assert "colour" not in plain and "background" not in plain                          # a pipe has no colours
    three = term.heatmap_key(3, color=False)
    assert "'%' class 2" in three and "2 class 2" in three
    assert "background" in term.heatmap_key(2, color=True)
