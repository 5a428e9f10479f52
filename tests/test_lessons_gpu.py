"""Every lesson's checks on the GPU: they hold with MINIGRAD_DEVICE=cuda too.

Marked gpu: skipped without CuPy and a GPU; `pytest -p tests.fake_cuda_plugin -m gpu tests` runs them on the
fake CuPy (slow: the fake checks every array), `scripts/gpu-check.sh` on a real GPU. Lesson 9 is the one whose
claim depends on the device: on a GPU it asserts epochs and per-epoch cost, not the CPU's clock race.
"""
from __future__ import annotations

import pytest

import minigrad as mg
from minigrad import lessons as L


@pytest.fixture
def on_cuda():
    previous = mg.default_device()
    mg.set_default_device("cuda")
    yield
    mg.set_default_device(previous)


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.parametrize("path", L.lesson_files(), ids=lambda p: p.stem[:2])
def test_lesson_checks_hold_on_the_gpu(path, tmp_path, on_cuda):
    report = L.run_lesson(L.load_lesson(path), tmp_path, capture=True)
    failures = "\n".join(f"{r.describe()}\n{r.output}\n{r.traceback}" for r in report.results if not r.ok)
    assert report.ok, f"on cuda: {report.summary()}\n{failures}"
