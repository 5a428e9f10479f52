"""Every case of the conv catalogue (tests/conv_cases.py) against finite differences, in float64.

Each input's gradient, element by element, against centred differences of a randomly
weighted sum of the output (so every output element counts), on the CPU and, through the
``device`` fixture, on CUDA (or the fake CuPy under ``-p tests.fake_cuda_plugin``).
"""
from __future__ import annotations

import pytest

from .conv_cases import ALL, Case
from .helpers import check_op, make_inputs


@pytest.mark.parametrize("case", ALL, ids=str)
def test_finite_differences(case: Case, device: str) -> None:
    inputs = make_inputs(case.shapes, device=device, seed=len(case.name))
    check_op(case.fn, None, inputs)
