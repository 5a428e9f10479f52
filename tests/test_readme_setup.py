"""The README's set-up text answers what a learner asks after `make run`."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.test_nn_api_contract import ROOT, readme_tour


def _setup_text() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("## Set up", 1)[1].split("## A ten-line tour", 1)[0]


def test_readme_says_how_to_start_minigrad_from_a_shell_after_make_run():
    setup = _setup_text()
    assert ".venv/bin/minigrad" in setup
    assert "source .venv/bin/activate" in setup


def test_readme_says_where_to_paste_the_tour():
    intro = (ROOT / "README.md").read_text().split("## A ten-line tour", 1)[1].split("```python", 1)[0]
    assert "paste" in intro.lower() and ">>>" in intro and ".venv/bin/python" in intro


def test_the_tour_prints_the_same_loss_on_every_run(tmp_path):
    code = readme_tour()
    assert "manual_seed(" in code
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    losses = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        losses.append(done.stdout.split()[2])
    assert losses[0] == losses[1]
