"""The live training view in a real Jupyter kernel: one figure, updated in place, showing the last epoch."""
from __future__ import annotations

import base64
import os
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "import minigrad as mg\nfrom minigrad import nn, data, train\n"
    "X, y = data.make_moons(200, noise=0.25, seed=0)\nmg.manual_seed(0)\n"
    "model = nn.MLP([2, 16, 16, 1], activation='tanh')",
    "run = train.fit(model, X, y, epochs=12, dev=0.3, seed=0, live=True)\nrecords = run.run()",
    "print(len(records), records[-1].epoch, round(records[-1].train_loss, 6))",
    "model",  # the module's HTML table
]


@pytest.mark.slow
def test_live_view_updates_one_figure_in_a_kernel(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env_path = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH", ""), os.getcwd()) if p)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}})
    os.environ["PYTHONPATH"] = env_path  # the kernel imports this checkout's minigrad
    client.km_kwargs = {"kernel_cmd": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]}
    client.execute()
    outputs = nb.cells[1].outputs
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 1, "one figure, updated in place, not one per epoch"
    png = base64.b64decode(pictures[0]["data"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    (tmp_path / "live.png").write_bytes(png)
    if os.environ.get("MINIGRAD_KEEP_PICTURES"):
        (tmp_path.parent / "live-view.png").write_bytes(png)
    text = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert text.split()[:2] == ["12", "12"]
    html = nb.cells[3].outputs[0]["data"]["text/html"]
    assert "<table class='minigrad-module'>" in html and "eval mode" in html  # fit leaves the model in eval mode
