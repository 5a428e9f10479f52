"""Fuzz minigrad's ops against PyTorch with hypothesis: every case of the op catalogue, for a while.

    PYTHONPATH=. nice python scripts/fuzz_ops.py --seconds 300

Each example draws a catalogue case (tests/op_cases.py), then with hypothesis:
- shapes: for elementwise ops any shape (0-d, empty sides included), for binary ones two
  mutually broadcastable shapes; for reductions a new shape of the same rank, sides 0 to 4,
  so reductions over empty axes are tried; other ops keep the catalogue's shapes;
- values, in one of three modes: inside the op's domain and away from its kinks (the
  catalogue's contract), "edge" (0, -0, the domain's ends and the op's kinks mixed in),
  or "special" (also inf, -inf and nan).
It compares the forward value and every input's gradient with PyTorch in float64 (rtol
1e-9; nan equals nan, inf equals inf of the same sign). Both refusing the input (an
exception on each side) is agreement; one side refusing is a mismatch. It prints the
number of examples per op group and per mode, and every mismatch with the hypothesis
seed and example number to replay it (--replay SEED N).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings, seed as hseed, strategies as st
from hypothesis.extra import numpy as hnp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from minigrad import Tensor  # noqa: E402
from tests.op_cases import CASES, OpCase  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12
MODES = ("domain", "edge", "special")
BATCH = 200  # examples per hypothesis run; runs repeat with new seeds until the time is up


def shapes_for(draw, case: OpCase) -> tuple:
    if case.group in ("elementwise", "activation") and case.any_shape:
        if len(case.shapes) == 1:
            return (draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),)
        if case.broadcast:
            shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0,
                                                            max_side=4)).input_shapes
            return tuple(shapes)
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
        return (shape, shape)
    if case.group == "reduction" and len(case.shapes) == 1 and draw(st.booleans()):
        ndim = len(case.shapes[0])
        return (tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim))),)
    return case.shapes


def values_for(draw, case: OpCase, i: int, shape: tuple, mode: str) -> np.ndarray:
    low, high = (float(x) for x in case.bounds(i))
    inside = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if mode == "domain":
        x = draw(hnp.arrays(np.float64, shape, elements=inside))
        for point in case.away:  # the catalogue's contract: no input at a kink or a jump
            x = np.where(np.abs(x - point) < 0.05, x + 0.12, x)
        return x
    specials = [p for p in (0.0, -0.0, low, high, 1.0, -1.0, *case.away) if low <= p <= high]
    if mode == "special":
        specials += [np.inf, -np.inf, np.nan]
    return draw(hnp.arrays(np.float64, shape, elements=st.one_of(st.sampled_from(specials), inside)))


@st.composite
def examples(draw, cases: list) -> tuple:
    case = draw(st.sampled_from(cases))
    mode = draw(st.sampled_from(MODES))
    shapes = shapes_for(draw, case)
    return case, mode, shapes, [values_for(draw, case, i, s, mode) for i, s in enumerate(shapes)]


def run(fn, arrays: list, make) -> tuple:
    """(output array, gradients) of ``fn`` on fresh float64 leaves, or the exception it raised."""
    leaves = [make(a) for a in arrays]
    try:
        out = fn(*leaves)
        return out, leaves
    except Exception as exc:  # noqa: BLE001 - a refusal is compared, whatever its kind
        return exc, leaves


def compare(case: OpCase, arrays: list) -> str | None:
    """None when minigrad and PyTorch agree on this input, else what differs (one line)."""
    ours, ol = run(case.fn, arrays, lambda a: Tensor(a.copy(), requires_grad=True, dtype=np.float64))
    theirs, tl = run(case.torch_call(), arrays,
                     lambda a: torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True))
    if isinstance(ours, Exception) or isinstance(theirs, Exception):
        if isinstance(ours, Exception) and isinstance(theirs, Exception):
            return None
        who, exc = ("minigrad", ours) if isinstance(ours, Exception) else ("torch", theirs)
        return f"only {who} raised {type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"
    if ours.shape != tuple(theirs.shape):
        return f"shape {ours.shape} != torch {tuple(theirs.shape)}"
    rtol = max(RTOL, case.torch_rtol)
    try:
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=ATOL)
    except AssertionError as exc:
        return "forward: " + " ".join(str(exc).split())[:160]
    if not case.grad:
        return None
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=ours.shape)
    got_err = want_err = None
    try:
        (ours * Tensor(w, dtype=np.float64)).sum().backward()
    except Exception as exc:  # noqa: BLE001
        got_err = exc
    try:
        (theirs * torch.tensor(w, dtype=torch.float64)).sum().backward()
    except Exception as exc:  # noqa: BLE001
        want_err = exc
    if (got_err is None) != (want_err is None):
        return f"backward: only {'minigrad' if got_err else 'torch'} raised {got_err or want_err!r:.100}"
    if got_err:
        return None
    for i, (a, b) in enumerate(zip(ol, tl)):
        want = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        try:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=ATOL)
        except AssertionError as exc:
            bad = ~np.isclose(got, want, rtol=rtol, atol=ATOL, equal_nan=True)
            where = tuple(int(k[0]) for k in np.nonzero(bad)) if bad.ndim else ()
            x = [arr[where] if arr.shape == bad.shape else arr for arr in arrays]
            return (f"gradient of input {i}: ours {got[where] if got.ndim else got} torch "
                    f"{want[where] if want.ndim else want} at inputs {x} ({' '.join(str(exc).split())[:60]})")
    return None


def fuzz(cases: list, seconds: float, seed: int, report_every: float = 60) -> tuple[Counter, Counter, list]:
    counts: Counter = Counter()
    modes: Counter = Counter()
    failures: list = []
    start = time.monotonic()
    last = start
    run_seed = seed
    while time.monotonic() - start < seconds:
        number = [0]

        @hseed(run_seed)
        @settings(max_examples=BATCH, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(examples(cases))
        def one(example):
            number[0] += 1
            if time.monotonic() - start >= seconds:
                return
            case, mode, shapes, arrays = example
            counts[case.group] += 1
            modes[mode] += 1
            problem = compare(case, arrays)
            if problem:
                failures.append((case.name, mode, run_seed, number[0], shapes, problem))

        one()
        run_seed += 1
        if time.monotonic() - last > report_every:
            last = time.monotonic()
            print(f"  {sum(counts.values())} examples, {len(failures)} mismatches after {last - start:.0f} s",
                  flush=True)
    return counts, modes, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="fuzz only these catalogue cases")
    parser.add_argument("--replay", nargs=2, type=int, metavar=("SEED", "N"),
                        help="show example N of the hypothesis run with SEED (give the same --only as that run)")
    args = parser.parse_args()
    cases = [c for c in CASES if c.torch_fn is not None and (not args.only or c.name in args.only)]
    warnings.simplefilter("ignore")  # inf and nan inputs make both libraries warn
    np.seterr(all="ignore")
    if args.replay:
        run_seed, n = args.replay
        found = []

        @hseed(run_seed)
        @settings(max_examples=BATCH, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(examples(cases))
        def replay(example):
            found.append(example)

        replay()
        case, mode, shapes, arrays = found[n - 1]
        print(case.name, mode, shapes, arrays, sep="\n")
        print(compare(case, arrays) or "agrees with torch")
        return 0
    counts, modes, failures = fuzz(cases, args.seconds, args.seed)
    total = sum(counts.values())
    print(f"{total} examples over {len(cases)} ops in {len(counts)} groups: "
          + ", ".join(f"{g} {n}" for g, n in sorted(counts.items())))
    print("modes: " + ", ".join(f"{m} {n}" for m, n in sorted(modes.items())))
    by_case = Counter((name, mode) for name, mode, *_ in failures)
    print(f"{len(failures)} mismatches" + (": " + ", ".join(f"{n}/{m} {k}" for (n, m), k in by_case.most_common())
                                          if failures else ""))
    shown: Counter = Counter()
    for name, mode, run_seed, n, shapes, problem in failures:
        shown[name, mode] += 1
        if shown[name, mode] <= 2:
            print(f"  {name} [{mode}] --replay {run_seed} {n} shapes={shapes}: {problem}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
