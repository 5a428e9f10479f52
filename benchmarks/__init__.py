"""minigrad's benchmarks: `make bench` (``python -m benchmarks``) prints one side-by-side table.

Each module times minigrad against a reference (hand-written NumPy, micrograd,
PyTorch) the way a user waits for it: whole runs with the interpreter's defaults,
fresh processes where start-up matters, competitors taking turns, and reports the
median and spread of the runs and the ratio of the medians. See ``python -m benchmarks --help``.
"""
