"""Array backends: NumPy on "cpu", CuPy on "cuda".

Ops never import numpy or cupy directly: they ask `array_module(x)` for the module
that owns an array (the ``xp`` idiom), so one code path serves both devices.
CuPy is imported only when a CUDA device is first asked for.
"""
from __future__ import annotations

import contextlib
import importlib
import math
import os
from typing import Any, Iterator

import numpy as np

DEVICES = ("cpu", "cuda")
_cupy: Any = None
_cupy_error: str | None = None
_default_device = os.environ.get("MINIGRAD_DEVICE", "cpu").strip().lower() or "cpu"


class DeviceError(RuntimeError):
    """A device was asked for that is not there, or two devices were mixed in one op."""


def _load_cupy() -> Any:
    """Import CuPy once and check that it sees a GPU; raise `DeviceError` saying what is missing."""
    global _cupy, _cupy_error
    if _cupy is not None:
        return _cupy
    if _cupy_error is None:
        try:
            import cupy  # noqa: PLC0415 - optional, heavy: only when "cuda" is asked for

            count = cupy.cuda.runtime.getDeviceCount()
            if count < 1:
                raise RuntimeError("CuPy found no CUDA GPU")
            _cupy = cupy
            return cupy
        except ImportError:
            _cupy_error = (
                "CuPy is not installed. Install the GPU build with "
                "pip install -e '.[cuda12]' (CUDA 12) or '.[cuda13]' (CUDA 13)."
            )
        except Exception as exc:  # CUDA driver/runtime missing: CuPy raises its own errors
            _cupy_error = f"CuPy is installed but no usable CUDA GPU was found ({exc})."
    raise DeviceError(f'device "cuda" is not available: {_cupy_error}')


def cuda_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    try:
        _load_cupy()
        return True
    except DeviceError:
        return False


def check_device(device: str) -> str:
    """Normalise a device name ("cpu", "cuda", "cuda:0", "gpu") and fail early if it is unusable."""
    name = str(device).strip().lower()
    if name == "gpu" or name.startswith("cuda"):
        name = "cuda"
    if name not in DEVICES:
        raise DeviceError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
    if name == "cuda":
        _load_cupy()
    return name


def default_device() -> str:
    """The device new tensors go to: "cpu" unless MINIGRAD_DEVICE or `set_default_device` says otherwise."""
    return _default_device


def set_default_device(device: str) -> str:
    """Make ``device`` the default for new tensors (checked first) and return it."""
    global _default_device
    _default_device = check_device(device)
    return _default_device


def xp_for(device: str) -> Any:
    """The array module (numpy or cupy) for a device name."""
    return np if device == "cpu" else _load_cupy()


def array_module(array: Any) -> Any:
    """The module that owns ``array``: numpy for NumPy arrays, cupy for CuPy arrays."""
    if isinstance(array, np.ndarray) or _cupy is None:
        return np
    return _cupy.get_array_module(array)


def device_of(array: Any) -> str:
    """"cuda" for a CuPy (GPU) array, "cpu" for anything else (NumPy arrays and scalars, Python numbers, lists)."""
    if isinstance(array, (np.ndarray, np.generic)):
        return "cpu"
    return "cuda" if hasattr(array, "__cuda_array_interface__") else "cpu"


def to_device(array: Any, device: str) -> Any:
    """Copy ``array`` to ``device`` (a no-op when it is already there)."""
    if device_of(array) == device:
        return array if device == "cuda" or isinstance(array, (np.ndarray, np.generic)) else np.asarray(array)
    if device == "cpu":
        return to_numpy(array)
    return _load_cupy().asarray(array)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array on the host from a NumPy or CuPy array, a list, or a Tensor on any device (through its
    ``__array__``). CuPy refuses np.asarray: its arrays are copied with .get(), after the checks left
    pending on the GPU (`check_later`) are looked at."""
    if isinstance(array, np.ndarray):
        return array
    if device_of(array) == "cuda":
        raise_pending_checks()
        return array.get()
    return np.asarray(array)


# -- checks of values on the GPU, reported without stalling it ----------------------------------------------
_pending: dict[str, Any] = {}  # message -> 0-d device bool: true if any check with that message failed


def check_later(bad: Any, message: str) -> None:
    """Raise ``ValueError(message)`` if ``bad`` (a boolean scalar or 0-d array) is true.

    For NumPy (or a Python bool) at once. For a CuPy array, reading it now would make the
    host wait for the GPU in the middle of a training step, so the flag is kept (ORed
    with earlier flags of the same message, on the device) and looked at on the next copy
    to the host (`to_numpy`, ``Tensor.item()``, printing a tensor): like CUDA's device-side
    asserts, the error comes a little later than the bad input, but before any result
    computed from it reaches the host.
    """
    if device_of(bad) == "cpu":
        if bool(bad):
            raise ValueError(message)
        return
    previous = _pending.get(message)
    _pending[message] = bad if previous is None else previous | bad


def raise_pending_checks() -> None:
    """Look at the flags `check_later` left on the GPU (one copy to the host) and raise the first that failed."""
    if not _pending:
        return
    flags = list(_pending.items())
    _pending.clear()
    for message, bad in flags:
        if bool(bad.get()):
            raise ValueError(message)


def scatter_add(xp: Any, target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` where repeated indices add up (NumPy's add.at)."""
    if xp is np:
        np.add.at(target, index, values)
    else:
        import cupyx  # noqa: PLC0415

        cupyx.scatter_add(target, index, values)


# -- randomness: one NumPy generator for every device (draws happen on the host, so CPU and GPU agree) ------
_rng: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Make every random draw of minigrad (init, dropout, randn, data shuffles) reproducible.

    CuPy's own generator is seeded too, for learners who call ``cupy.random`` themselves.
    """
    global _rng
    _rng = np.random.default_rng(int(seed))
    if _cupy is not None:
        _cupy.random.seed(int(seed))


def rng() -> np.random.Generator:
    """The global NumPy generator that `manual_seed` resets."""
    return _rng


_mask_draws = "device"


def set_mask_draws(where: str) -> str:
    """Where dropout masks are drawn: "device" (default) or "host"; returns the previous setting.

    "device": by the array's own module, NumPy's generator on the CPU and CuPy's on the
    GPU, so a GPU step draws its masks without a copy. "host": always from the NumPy
    generator, then copied to the device: the same masks on CPU and GPU for the same
    `manual_seed` (for comparing the two), at one host-to-device copy per mask.
    """
    global _mask_draws
    if where not in ("device", "host"):
        raise ValueError(f'set_mask_draws: where must be "device" or "host", got {where!r}')
    previous, _mask_draws = _mask_draws, where
    return previous


@contextlib.contextmanager
def mask_draws(where: str) -> Iterator[None]:
    """``with mask_draws("host"):`` draw dropout masks there inside the block (see `set_mask_draws`)."""
    previous = set_mask_draws(where)
    try:
        yield
    finally:
        set_mask_draws(previous)


def keep_mask(shape: tuple, p: float, like: Any) -> Any:
    """A boolean array of ``shape`` on ``like``'s device, each entry True with probability ``1 - p``."""
    xp = array_module(like)
    if xp is np or _mask_draws == "host":
        return to_device(_rng.random(shape) >= p, device_of(like))
    return xp.random.random(shape, dtype=np.float32) >= p


_erf_host = np.frompyfunc(math.erf, 1, 1)


def erf(xp: Any, a: Any) -> Any:
    """The error function elementwise: NumPy has none (math.erf per element on the host; CuPy's own on the GPU)."""
    if xp is np:
        return np.asarray(_erf_host(a), dtype=a.dtype)
    import cupyx  # noqa: PLC0415 - ships with CuPy

    special = getattr(getattr(cupyx, "scipy", None), "special", None)
    if special is None:
        special = importlib.import_module("cupyx.scipy.special")
    return special.erf(a)
