"""A pytest plugin that installs the fake CuPy (tests/fake_cupy.py) for a whole run, so every test of the
``device`` fixture's "cuda" half runs on the CPU against it:

    .venv/bin/python -m pytest -p tests.fake_cuda_plugin -m gpu tests

It must load before tests/conftest.py asks whether CUDA is available, which ``-p`` guarantees. Never use it
on a machine with a real GPU: the fake replaces CuPy for the whole process. Passing says the code keeps host
and device apart; only the real GPU run says the numbers and the speed are right.
"""
from __future__ import annotations

import sys

from minigrad import backend

from .fake_cupy import make_cupy

_cupy, _cupyx = make_cupy()
sys.modules["cupy"], sys.modules["cupyx"] = _cupy, _cupyx
backend._cupy, backend._cupy_error = _cupy, None
