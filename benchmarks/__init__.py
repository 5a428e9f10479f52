"""minigrad's benchmarks: `make bench` (``python -m benchmarks``) prints one side-by-side table.

Each module times minigrad against a reference (hand-written NumPy, micrograd,
PyTorch) in the same process, interleaved, keeping the minimum of several repeats,
and reports the ratio. See ``python -m benchmarks --help``.
"""
