"""Shared fixtures: the device parametrization (cpu always, cuda when CuPy sees a GPU) and hypothesis profiles."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minigrad as mg
from minigrad.backend import cuda_available

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_HAS_CUDA = cuda_available()
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.gpu,
                                               pytest.mark.skipif(not _HAS_CUDA, reason="needs CuPy and a CUDA GPU")])]


@pytest.fixture(params=DEVICES)
def device(request):
    """Each test that takes `device` runs on the CPU and, where CuPy sees a GPU, on CUDA."""
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    mg.manual_seed(0)
    np.random.seed(0)
    yield


def pytest_collection_modifyitems(config, items):
    if _HAS_CUDA:
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords and "device" not in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture
def env(tmp_path):
    """The environment of a REPL started by a test: a plain terminal, no colour, its own history and
    progress files and home, this checkout's minigrad and repl even when started in another folder."""
    e = dict(os.environ)
    e.update(TERM="xterm", COLUMNS="120", LINES="40", NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1",
             MINIGRAD_HISTORY=str(tmp_path / "history"), MINIGRAD_PROGRESS=str(tmp_path / "progress.json"),
             HOME=str(tmp_path), MPLBACKEND="Agg")
    e.pop("MINIGRAD_DEVICE", None)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, e.get("PYTHONPATH", "")]))
    return e
