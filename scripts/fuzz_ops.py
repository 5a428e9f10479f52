"""Fuzz minigrad's ops against PyTorch: every case of the op catalogue, random inputs, for a while.

    PYTHONPATH=. nice python scripts/fuzz_ops.py --seconds 300

Each example picks a catalogue case (tests/op_cases.py), draws new values in its domain
(and, for elementwise ops, a new shape, empty and 0-d ones included; for binary ones a
pair of broadcastable shapes), sometimes widens the range five times, and compares the
forward value and every input's gradient with PyTorch in float64 (rtol 1e-9). It prints
the number of examples per op group and every mismatch (the case, the shapes, the seed
to replay it with --replay).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.op_cases import CASES, BY_NAME, OpCase, inputs  # noqa: E402
from tests.test_op_catalogue import compare_with_torch  # noqa: E402


def draw_shapes(case: OpCase, rng: np.random.Generator) -> tuple:
    """New shapes where the op allows any: elementwise ops (broadcast pairs for binary ones)."""
    if case.group not in ("elementwise", "activation") or not case.any_shape:
        return case.shapes
    ndim = int(rng.integers(0, 4))
    shape = tuple(int(n) for n in rng.integers(0 if rng.random() < 0.1 else 1, 5, size=ndim))
    if len(case.shapes) == 1:
        return (shape,)
    if not case.broadcast:
        return (shape, shape)
    other = tuple(n if rng.random() < 0.6 else 1 for n in shape[int(rng.integers(0, ndim + 1)):])
    return (shape, other) if rng.random() < 0.5 else (other, shape)


def example(case: OpCase, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    shapes = draw_shapes(case, rng)
    wide = case.low == -2.0 and case.high == 2.0 and rng.random() < 0.3  # unrestricted domain: try larger values
    arrays = [a * 5 if wide else a for a in inputs(case, shapes, seed=seed)]
    return shapes, arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replay", nargs=2, metavar=("CASE", "SEED"), help="run one example again, with its error")
    args = parser.parse_args()
    if args.replay:
        case = BY_NAME[args.replay[0]]
        shapes, arrays = example(case, int(args.replay[1]))
        print(case.name, shapes)
        compare_with_torch(case, arrays)
        print("agrees with torch")
        return 0
    cases = [c for c in CASES if c.torch_fn is not None]
    rng = np.random.default_rng(args.seed)
    counts: Counter = Counter()
    failures = []
    start = time.monotonic()
    with np.errstate(all="ignore"):
        while time.monotonic() - start < args.seconds:
            case = cases[int(rng.integers(len(cases)))]
            seed = int(rng.integers(2 ** 31))
            shapes, arrays = example(case, seed)
            counts[case.group] += 1
            try:
                compare_with_torch(case, arrays)
            except Exception as exc:  # noqa: BLE001 - every disagreement is reported, whatever its kind
                failures.append((case.name, seed, shapes, str(exc).strip().splitlines()[0][:160]))
    total = sum(counts.values())
    print(f"{total} examples in {time.monotonic() - start:.0f} s over {len(cases)} ops: "
          + ", ".join(f"{g} {n}" for g, n in sorted(counts.items())))
    print(f"{len(failures)} mismatches")
    for name, seed, shapes, message in failures[:50]:
        print(f"  {name} seed={seed} shapes={shapes}: {message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
