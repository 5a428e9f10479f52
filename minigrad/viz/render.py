"""Write a graph picture to disk: PNG, SVG or PDF, chosen by the file's suffix.

Two renderers can lay out DOT: Graphviz's own ``dot`` program (when it is on PATH,
e.g. after ``apt-get install graphviz``) and ``graphviz-pure``, a self-contained port
of Graphviz installed with minigrad as a Python wheel, so rendering works right after
``pip install``. ``dot`` is preferred when present; ``MINIGRAD_RENDERER=dot|pure``
(or ``renderer=``) forces one.

The picture is first produced in memory, then written to a temporary file in the
target folder and renamed over the target: an error never leaves half a file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

from ..fileio import atomic_write

RENDERERS = ("dot", "pure")
FORMATS = ("png", "svg", "pdf")
PURE_FORMATS = ("png", "svg")  # graphviz-pure does not write PDF (yet)
DEFAULT_TIMEOUT = 60.0  # seconds, for all renderers together: a stuck layout must not hang the REPL forever


class RenderError(RuntimeError):
    """No renderer could turn the graph into a picture; the message says what to install or change."""


def pure_command() -> str | None:
    """Path of the ``graphviz-pure`` program: on PATH, or beside this Python (a venv's bin/ not on PATH)."""
    found = shutil.which("graphviz-pure")
    if found:
        return found
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = Path(folder) / exe
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def dot_command() -> str | None:
    """Path of Graphviz's ``dot`` program, or None when it is not installed."""
    return shutil.which("dot")


def available_renderers() -> dict[str, str]:
    """Renderer name -> program path, for the renderers installed here (dot first)."""
    found = {"dot": dot_command(), "pure": pure_command()}
    return {name: path for name, path in found.items() if path}


def _chosen(renderer: str | None) -> str | None:
    choice = renderer if renderer is not None else os.environ.get("MINIGRAD_RENDERER", "").strip().lower() or None
    if choice is not None and choice not in RENDERERS:
        source = "renderer=" if renderer is not None else "MINIGRAD_RENDERER="
        raise RenderError(f"{source}{choice!r} is not a renderer: use 'dot' (Graphviz) or 'pure' (graphviz-pure)")
    return choice


def _source(graph: Any) -> str:
    if isinstance(graph, str):
        return graph
    if hasattr(graph, "source"):  # graphviz.Digraph / graphviz.Source
        return graph.source
    raise TypeError(f"expected a graphviz.Digraph or DOT text, got {type(graph).__name__}")


def render_bytes(graph: Any, fmt: str = "png", renderer: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The picture of ``graph`` (a Digraph or DOT text) in format ``fmt`` as bytes.

    Without a forced renderer ``dot`` is tried first and graphviz-pure after it; the
    error lists what each one said when neither worked. ``timeout`` is one budget for all
    of them, and what a renderer wrote counts only if it is the format asked for.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise RenderError(f"cannot write {fmt!r} pictures: use one of {', '.join(FORMATS)}")
    source = _source(graph)
    forced = _chosen(renderer)
    installed = available_renderers()
    order = [forced] if forced else list(RENDERERS)
    problems = []
    deadline = time.monotonic() + timeout
    for name in order:
        program = installed.get(name)
        if program is None:
            problems.append(f"{name}: not installed ({_install_hint(name)})")
            continue
        if name == "pure" and fmt not in PURE_FORMATS:
            problems.append(f"pure: graphviz-pure cannot write {fmt.upper()} (only PNG and SVG); "
                            "install Graphviz for PDF (apt-get install graphviz) or save as .svg")
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            problems.append(f"{name}: not tried (the {timeout:g} s for rendering were used up)")
            continue
        try:
            done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                                  timeout=left, check=False)
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: gave no picture within {timeout:g} s (graph too big? draw it with "
                            "collapse='module' or a smaller max_nodes)")
            continue
        except OSError as exc:
            problems.append(f"{name}: could not run {program}: {exc}")
            continue
        if done.returncode == 0 and _is_format(done.stdout, fmt):
            return done.stdout
        if done.returncode == 0:
            problems.append(f"{name}: wrote something that is not a {fmt.upper()} ({len(done.stdout):,} bytes "
                            f"starting {done.stdout[:12]!r})")
            continue
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        problems.append(f"{name}: failed (exit {done.returncode}): {' / '.join(message[-3:]) or 'no output'}")
    raise RenderError("could not render the graph:\n  " + "\n  ".join(problems))


def _is_format(data: bytes, fmt: str) -> bool:
    """Whether ``data`` is a whole picture in ``fmt``: its signature at the start and its end marker."""
    if fmt == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in data.rstrip(b"\0")[-16:]  # pure pads with NULs
    if fmt == "pdf":
        return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    head = data[:65536].lstrip()
    return head.startswith(b"<") and b"<svg" in head and data.rstrip().endswith(b"</svg>")


def _install_hint(name: str) -> str:
    if name == "dot":
        return "apt-get install graphviz, brew install graphviz, or leave it to graphviz-pure"
    return "pip install graphviz-pure (a dependency of minigrad: reinstall minigrad)"


def render(graph: Any, path: str | os.PathLike = "graph.png", renderer: str | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> str:
    """Write a picture of ``graph`` (a Digraph or DOT text) to ``path`` (.png, .svg or .pdf); return the path.

    `minigrad.viz.render` is the public form: it also takes a Value/Tensor and draws it first
    (this module stays below viz.graph, whose `Graph` renders itself through it).
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise RenderError(f"render: {str(path)!r} needs a .png, .svg or .pdf suffix to choose the format")
    return atomic_write(path, render_bytes(graph, fmt, renderer=renderer, timeout=timeout))
