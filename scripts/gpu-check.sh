#!/usr/bin/env bash
# Everything that needs a real GPU, in one call, on a machine with an NVIDIA GPU, CuPy, PyTorch and pytest:
#   1. names the GPU and the CuPy/NumPy/PyTorch versions;
#   2. runs every test marked gpu (the device-parametrized catalogue on "cuda", training runs that must match
#      the CPU, and tests/test_gpu_step.py's check that training steps never make the host wait:
#      cupyx.allow_synchronize(False) around three steps);
#   3. runs the GPU benchmark rows: the MLP 784-256-256-10 Adam step at batch 128 and 4096 and 784-4096-4096-10
#      at batch 4096, minigrad+CuPy against PyTorch CUDA (medians of whole runs, each ending in a sync).
# Output goes to the terminal and to $OUT (default /tmp/gpu-out): gpu-tests.txt, gpu-bench.txt.
#
# Pure-Python dependencies the tests import but such a machine may lack are read from .gpu-deps when it exists;
# make it beforehand on a machine with a package index:
#   .venv/bin/pip install --target .gpu-deps hypothesis pexpect graphviz prompt-toolkit pygments \
#       sortedcontainers threadpoolctl
# Exit status: that of the tests (the benchmark's table says itself which targets were met).
set -u
export PYTHONPATH="$PWD:$PWD/.gpu-deps${PYTHONPATH:+:$PYTHONPATH}"
OUT="${OUT:-/tmp/gpu-out}"; mkdir -p "$OUT"
PYTHON="${PYTHON:-python}"

"$PYTHON" - <<'PY'
import cupy, numpy
props = cupy.cuda.runtime.getDeviceProperties(0)
name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
try:
    import torch
    torch_text = f"PyTorch {torch.__version__} (CUDA {'yes' if torch.cuda.is_available() else 'no'})"
except ImportError:
    torch_text = "no PyTorch"
print(f"GPU: {name} | CuPy {cupy.__version__} | NumPy {numpy.__version__} | {torch_text}")
PY

echo "== tests marked gpu"
"$PYTHON" -m pytest -p no:cacheprovider -q -m gpu tests 2>&1 | tee "$OUT/gpu-tests.txt" | tail -25
status=${PIPESTATUS[0]}

echo "== GPU benchmark rows"
"$PYTHON" -m benchmarks --only gpu 2>&1 | tee "$OUT/gpu-bench.txt" | tail -40
exit "$status"
