#!/usr/bin/env bash
# The GPU proof in one call (issue 8): run on a machine with an NVIDIA GPU and CuPy, e.g.
#   device tool: run(command="bash scripts/gpu-check.sh", carry=[".gpu-deps"], timeout_s=420)
# The device machine reaches no package index: pure-Python test dependencies are carried
# in .gpu-deps, made here beforehand with
#   .venv/bin/pip install --target .gpu-deps hypothesis pexpect graphviz prompt-toolkit pygments sortedcontainers threadpoolctl
# Output: the GPU name, the cuda test summary, and the GPU benchmark table (also in $OUT).
set -u
export PYTHONPATH="$PWD:$PWD/.gpu-deps${PYTHONPATH:+:$PYTHONPATH}"
OUT="${OUT:-/tmp/gpu-out}"; mkdir -p "$OUT"
python - <<'PY'
import cupy, numpy
props = cupy.cuda.runtime.getDeviceProperties(0)
print("GPU:", props["name"].decode() if isinstance(props["name"], bytes) else props["name"],
      "| CuPy", cupy.__version__, "| NumPy", numpy.__version__)
PY
echo "== cuda tests"
python -m pytest -p no:cacheprovider -q -m "gpu" tests 2>&1 | tee "$OUT/gpu-tests.txt" | tail -25
echo "== GPU benchmarks"
python -m benchmarks --only gpu 2>&1 | tee "$OUT/gpu-bench.txt" | tail -40
