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
