"""viz.render: both renderers write valid pictures, the choice of renderer, atomic writes, clear errors."""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, viz
from minigrad.viz.render import RenderError, available_renderers, dot_command, pure_command, render_bytes

HAS_DOT = dot_command() is not None
RENDERERS = ["pure", pytest.param("dot", marks=pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot not installed"))]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature and the chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:16 + length]
    (crc,) = struct.unpack(">I", data[16 + length:20 + length])
    assert crc == zlib.crc32(kind + body)
    width, height = struct.unpack(">II", body[:8])
    assert data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"), "PNG is cut short"
    return width, height


def small_graph():
    a, b = mg.Value(2.0, label="a"), mg.Value(-3.0, label="b")
    out = (a * b + 1.0).tanh()
    out.backward()
    return out


def test_pure_renderer_is_found_even_off_path(monkeypatch):
    assert pure_command() is not None
    monkeypatch.setenv("PATH", "/nonexistent")
    assert pure_command() is not None  # found beside the running Python (a venv's bin/)
    assert dot_command() is None


@pytest.mark.parametrize("renderer", RENDERERS)
def test_png_is_valid_with_each_renderer(tmp_path, renderer):
    path = viz.render(small_graph(), tmp_path / "g.png", renderer=renderer)
    assert path == str(tmp_path / "g.png")
    width, height = png_size(Path(path).read_bytes())
    assert 300 < width < 4000 and 50 < height < 2000 and width > height  # left-to-right layout
    assert os.listdir(tmp_path) == ["g.png"]  # no temporary file left behind


@pytest.mark.parametrize("renderer", RENDERERS)
def test_svg_with_each_renderer(tmp_path, renderer):
    path = viz.render(viz.draw(small_graph()), tmp_path / "sub" / "g.svg", renderer=renderer)
    text = Path(path).read_text()
    assert "<svg" in text and "tanh" in text and "data 2.0000" in text


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot not installed")
def test_pdf_with_dot(tmp_path):
    path = viz.render(small_graph(), tmp_path / "g.pdf", renderer="dot")
    assert Path(path).read_bytes().startswith(b"%PDF")


def test_pdf_with_pure_says_what_to_do(tmp_path):
    with pytest.raises(RenderError, match="cannot write PDF.*svg"):
        viz.render(small_graph(), tmp_path / "g.pdf", renderer="pure")
    assert os.listdir(tmp_path) == []


def test_environment_variable_forces_a_renderer(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_RENDERER", "pure")
    monkeypatch.setenv("PATH", "/nonexistent")  # no dot, no graphviz-pure on PATH: pure is still found
    png_size(Path(viz.render(small_graph(), tmp_path / "g.png")).read_bytes())
    monkeypatch.setenv("MINIGRAD_RENDERER", "dot")
    with pytest.raises(RenderError, match="dot: not installed"):
        viz.render(small_graph(), tmp_path / "h.png")
    monkeypatch.setenv("MINIGRAD_RENDERER", "cairo")
    with pytest.raises(RenderError, match="MINIGRAD_RENDERER='cairo' is not a renderer"):
        viz.render(small_graph(), tmp_path / "h.png")
    assert os.listdir(tmp_path) == ["g.png"]


def test_no_renderer_at_all_is_a_clear_error(tmp_path, monkeypatch):
    import minigrad.viz.render as render_module  # noqa: F401 - the module, via sys.modules
    import sys

    monkeypatch.setattr(sys.modules["minigrad.viz.render"], "available_renderers", lambda: {})
    with pytest.raises(RenderError) as err:
        viz.render(small_graph(), tmp_path / "g.png")
    assert "dot: not installed" in str(err.value) and "pure: not installed" in str(err.value)
    assert "pip install graphviz-pure" in str(err.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("renderer", RENDERERS)
def test_failed_render_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, renderer):
    target = tmp_path / "g.png"
    target.write_bytes(b"old picture")
    with pytest.raises(RenderError, match=f"{renderer}: failed"):
        viz.render("digraph { a -> ", target, renderer=renderer)  # broken DOT
    assert target.read_bytes() == b"old picture"
    assert os.listdir(tmp_path) == ["g.png"]


def test_error_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    import sys

    module = sys.modules["minigrad.viz.render"]

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        viz.render(small_graph(), tmp_path / "g.png", renderer="pure")
    assert os.listdir(tmp_path) == []


def test_bad_suffix_and_draw_options_on_a_drawn_graph(tmp_path):
    with pytest.raises(RenderError, match=r"\.png, \.svg or \.pdf"):
        viz.render(small_graph(), tmp_path / "g.jpg")
    with pytest.raises(TypeError, match="draw\\(\\) options"):
        viz.render(viz.draw(small_graph()), tmp_path / "g.png", collapse="module")
    with pytest.raises(RenderError, match="renderer='cairo'"):
        render_bytes("digraph {}", "png", renderer="cairo")


def test_render_passes_draw_options(tmp_path):
    path = viz.render(small_graph(), tmp_path / "g.svg", renderer="pure", show_data=False)
    assert "data 2.0000" not in Path(path).read_text()


def test_jupyter_reprs():
    g = viz.draw(small_graph())
    assert "<svg" in g._repr_svg_()
    png_size(g._repr_png_())
    assert "image/svg+xml" in g._repr_mimebundle_()
    assert available_renderers()  # at least graphviz-pure


def test_graph_save_method(tmp_path):
    path = viz.draw(small_graph()).save(tmp_path / "g.png", renderer="pure")
    png_size(Path(path).read_bytes())


@pytest.mark.parametrize("renderer", RENDERERS)
def test_collapsed_784_256_256_10_training_step_renders(tmp_path, renderer):
    model = nn.MLP([784, 256, 256, 10], activation="relu")
    x = mg.randn(64, 784)
    targets = mg.Tensor(np.random.default_rng(0).integers(0, 10, 64))
    loss = nn.functional.cross_entropy(model(x), targets)
    loss.backward(retain_graph=True)
    path = viz.render(loss, tmp_path / "mlp.png", renderer=renderer, collapse="module", model=model)
    width, height = png_size(Path(path).read_bytes())
    assert width > 1000 and height > 100


def test_viz_render_stays_the_function_after_submodule_imports(tmp_path):
    import types

    import minigrad.viz.graph  # noqa: F401
    import minigrad.viz.render  # noqa: F401

    assert isinstance(viz.render, types.FunctionType) and callable(viz.draw)
    assert Path(viz.render(small_graph(), tmp_path / "g.svg")).read_text().lstrip().startswith(("<?xml", "<svg"))


def test_written_picture_has_ordinary_permissions(tmp_path):
    # the temporary file is private (mkstemp: 0600); the picture must come out as open() would make it
    old = os.umask(0o022)
    try:
        path = viz.render(small_graph(), tmp_path / "g.svg")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644


def fake_program(tmp_path, name, script):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.skipif(os.name != "posix", reason="fake renderers are shell scripts")
def test_one_timeout_covers_all_renderers(tmp_path, monkeypatch):
    """Two renderers that both hang get one budget between them, not one each (60 s per renderer
    would make a stuck render take 2 minutes)."""
    import subprocess

    render_mod = __import__("sys").modules["minigrad.viz.render"]
    clock = [100.0]
    given = []

    def fake_run(cmd, timeout=None, **kwargs):
        given.append(timeout)
        clock[0] += timeout  # the renderer used all the time it was given
        raise subprocess.TimeoutExpired(cmd, timeout)

    monkeypatch.setattr(render_mod.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(render_mod.subprocess, "run", fake_run)
    monkeypatch.setattr(render_mod, "available_renderers", lambda: {"dot": "/bin/dot", "pure": "/bin/pure"})
    with pytest.raises(RenderError, match="within 5 s") as info:
        render_bytes("digraph { a -> b }", "png", timeout=5)
    assert given == [5] and clock[0] == 105.0  # pure got no time of its own
    assert "pure: not tried" in str(info.value)


@pytest.mark.skipif(os.name != "posix", reason="fake renderers are shell scripts")
@pytest.mark.parametrize("fmt, output", [("png", "printf 'GIF89a not a png'"), ("svg", "printf '%%PDF-1.4'"),
                                         ("pdf", "printf '<svg></svg>'"), ("png", "printf 'Warning: x\\n'")])
def test_what_a_renderer_wrote_must_be_the_format_asked_for(tmp_path, monkeypatch, fmt, output):
    render_mod = __import__("sys").modules["minigrad.viz.render"]
    liar = fake_program(tmp_path, "dot", output)
    monkeypatch.setattr(render_mod, "available_renderers", lambda: {"dot": liar})
    with pytest.raises(RenderError, match=f"not a {fmt.upper()}"):
        render_bytes("digraph { a -> b }", fmt)
    with pytest.raises(RenderError):
        viz.render("digraph { a -> b }", tmp_path / f"g.{fmt}")
    assert not (tmp_path / f"g.{fmt}").exists()


def test_a_lying_dot_falls_back_to_pure(tmp_path, monkeypatch):
    render_mod = __import__("sys").modules["minigrad.viz.render"]
    liar = fake_program(tmp_path, "dot", "printf 'nothing useful'")
    monkeypatch.setattr(render_mod, "available_renderers", lambda: {"dot": liar, "pure": pure_command()})
    png_size(render_bytes(small_graph_source(), "png"))


def small_graph_source():
    return viz.draw(small_graph()).source
