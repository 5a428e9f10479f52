"""``python -m benchmarks``: run every benchmark and print one table.

Before NumPy is imported, the process re-executes itself once with a clean BLAS
environment: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines to work
around old OpenBLAS bugs, and a slowdown for a current NumPy) are removed for this
process only, every BLAS (NumPy's OpenBLAS, PyTorch's) gets the same thread
count so the ratios compare like with like, and glibc's heap trimming is turned off
for everyone (see ``_MALLOC``). The fresh processes the benchmarks start (the scalar
demo, start-up) inherit that environment; the header prints it.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_BLAS_WORKAROUNDS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_MARK = "MINIGRAD_BENCH_ENV"
# glibc hands freed heap memory back to the OS once the top of the heap has 128 KiB free (and serves
# big arrays with mmap): a NumPy step that frees its temporaries at once then pays page faults on
# every step (measured: the hand-written NumPy step 2x slower). Raised for every competitor alike.
_MALLOC = {"MALLOC_TRIM_THRESHOLD_": str(256 << 20), "MALLOC_MMAP_THRESHOLD_": str(256 << 20)}

SECTIONS = ("scalar", "deep", "mlp", "lenet", "small", "startup", "render", "gpu")


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and steps (a smoke run, noisier)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads for NumPy and PyTorch alike (default 1: the machines are shared)")
    ap.add_argument("--keep-blas-env", action="store_true",
                    help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as they are")
    ap.add_argument("--keep-malloc-env", action="store_true",
                    help="leave glibc's heap trimming as it is (see _MALLOC)")
    return ap.parse_args(argv)


def _reexec_with_clean_env(args: argparse.Namespace) -> None:
    """Restart this process once with the BLAS environment set (it must be in place before NumPy loads)."""
    if os.environ.get(_MARK):
        return
    env = dict(os.environ)
    env[_MARK] = "1"
    if not args.keep_blas_env:
        for name in _BLAS_WORKAROUNDS:
            env.pop(name, None)
    for name in _THREAD_VARS:
        env[name] = str(args.threads)
    if not args.keep_malloc_env:
        for name, value in _MALLOC.items():
            env.setdefault(name, value)
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]], env)


def machine_header(threads: int) -> str:
    import platform

    import numpy as np

    lines = [f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {platform.machine()}, "
             f"Python {platform.python_version()}, NumPy {np.__version__}"]
    try:
        import torch

        torch.set_num_threads(threads)
        lines.append(f"PyTorch {torch.__version__}: {torch.get_num_threads()} intra-op thread(s)")
    except ImportError:
        lines.append("PyTorch: not installed (make bench installs the 'bench' extra)")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(f"BLAS pool: {pool.get('internal_api')} {pool.get('version')} kernel "
                         f"{pool.get('architecture')}, {pool.get('num_threads')} thread(s) "
                         f"[{os.path.basename(pool.get('filepath', ''))}]")
    except ImportError:
        lines.append("threadpoolctl not installed: BLAS kernel not reported")
    import gc

    removed = [n for n in _BLAS_WORKAROUNDS if n not in os.environ]
    settings = [f"{n}={os.environ[n]}" for n in (*_THREAD_VARS, *_MALLOC) if n in os.environ]
    lines.append("environment of every competitor (this process and every fresh process it starts): "
                 f"{' '.join(settings) or 'as inherited'}; removed: {', '.join(removed) or 'nothing'}")
    lines.append(f"BLAS threads pinned to {threads} for NumPy and PyTorch alike; glibc heap trimming off for all "
                 "(see _MALLOC); garbage collector as Python starts it "
                 f"(thresholds {gc.get_threshold()}), never collected by hand between runs")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    _reexec_with_clean_env(args)

    from . import deep_chain, gpu, lenet, mlp, render, scalar_demo, small_ops, startup
    from .common import format_table

    modules = {"scalar": scalar_demo, "deep": deep_chain, "mlp": mlp, "lenet": lenet, "small": small_ops,
               "startup": startup, "render": render, "gpu": gpu}
    chosen = args.only or SECTIONS
    print(machine_header(args.threads), flush=True)
    rows, texts, skipped = [], [], []
    start = time.perf_counter()
    for name in chosen:
        module = modules[name]
        reason = module.skip_reason() if hasattr(module, "skip_reason") else None
        if reason:
            skipped.append(f"{module.SECTION}: skipped: {reason}")
            print(f"[{name}] skipped: {reason}", flush=True)
            continue
        print(f"[{name}] running ...", flush=True)
        t0 = time.perf_counter()
        try:
            result = module.run(quick=args.quick)
        except Exception as exc:  # one broken section must not hide the others' numbers
            skipped.append(f"{module.SECTION}: FAILED: {type(exc).__name__}: {exc}")
            print(f"[{name}] failed: {type(exc).__name__}: {exc}", flush=True)
            continue
        if isinstance(result, tuple):
            result, text = result
            texts.append(text)
        rows.extend(result)
        print(f"[{name}] done in {time.perf_counter() - t0:.0f} s", flush=True)

    print()
    print(format_table(rows))
    for line in skipped:
        print(line)
    for text in texts:
        print()
        print(text)
    missed = [r for r in rows if r.met is False]
    print(f"\n{sum(r.met is True for r in rows)} targets met, {len(missed)} missed; "
          f"ratios are minigrad / reference (below 1: minigrad faster or smaller); "
          f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
