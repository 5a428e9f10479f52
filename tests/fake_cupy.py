"""A fake CuPy that runs on the CPU, for testing minigrad's ``device="cuda"`` code paths without a GPU.

Real CuPy arrays live in GPU memory, and CuPy refuses every silent trip to the host.
Code written against NumPy breaks on CuPy in a handful of ways, and this fake makes
those ways break here too, on any machine:

What it models (each as CuPy 13/14 does it, see cupy/_core/core.pyx):

* ``ndarray`` is *not* a ``numpy.ndarray`` (a wrapper, not a subclass), so
  ``isinstance(x, np.ndarray)`` is False, as it is for a CuPy array. (A subclass could not
  do the rest: NumPy hands subclasses to ``np.asarray`` without asking them.)
* ``np.asarray(x)`` / ``np.array(x)`` / anything that converts implicitly (``np.testing``,
  ``np.savez`` of a dict of them, matplotlib, ...) raises ``TypeError: Implicit conversion to a
  NumPy array is not allowed``. ``x.get()`` and ``cupy.asnumpy(x)`` copy to the host.
* NumPy ufuncs and array functions called on fake arrays (``np.exp(x)``, ``np.sum(x)``,
  ``np.concatenate([x, y])``) run and return fake arrays (``__array_ufunc__`` /
  ``__array_function__``); mixing a fake array with a ``numpy.ndarray`` in one of them, or in
  ``x + host_array``, raises ``TypeError`` as CuPy does. Python and NumPy scalars mix fine.
* Only plain ufunc calls dispatch: ``np.add.at(x, ...)``, ``np.maximum.reduce(x)`` raise
  ``TypeError`` (CuPy returns NotImplemented for ufunc methods); ``cupyx.scatter_add`` is the way.
* Reductions and scalar indexing give 0-d device arrays, never NumPy scalars
  (``x.sum()``, ``x[0, 0]``); ``float()``, ``int()``, ``bool()`` (size 1), ``.item()``,
  ``.tolist()``, ``repr``/``str``/``format`` copy to the host. There is no ``__index__`` and no
  ``__round__``, so ``range(x.sum())`` and ``round(x.max())`` fail as on CuPy.
* Host-memory members of NumPy arrays (``ctypes``, ``resize``, ``setflags``, ...) are missing.
* ``x.device`` is a CUDA device object (not NumPy 2's ``"cpu"``), ``x.__cuda_array_interface__``
  exists, operators defer to operands with a higher ``__array_priority__`` (minigrad's Tensor).
* Module functions (``cupy.exp``, ``cupy.zeros``, ``cupy.where`` ...) delegate to NumPy and wrap
  results; only ``asarray``/``array``/``asanyarray``/``ascontiguousarray`` accept host arrays.
  ``cupy.get_array_module``, ``cupy.asnumpy``, ``cupy.cuda.runtime.getDeviceCount() == 1``,
  ``cupy.random`` (``seed`` and the legacy draw functions, from its *own* generator: draws
  differ from NumPy's global ones, as they do on a GPU), ``cupyx.scatter_add``,
  ``cupyx.scipy.special.erf``.
* ``cupy.lib.stride_tricks`` has ``as_strided(x, shape, strides)`` only, with CuPy's signature
  (no ``writeable=``/``subok=``; a host array is refused); NumPy's ``sliding_window_view`` is not
  there (CuPy added it only recently), so code must build its windows from ``as_strided``.

* Integer index arrays are not bounds-checked: they wrap around (``x[[5]]`` of 3 elements is
  ``x[[2]]``), in reads, writes and ``scatter_add``; plain integer indices raise ``IndexError``.

* It counts what a GPU step would cost in launches and transfers (`counting()`): one kernel per
  ufunc call, reduction, matmul, gather/scatter, fill, random draw, dtype conversion, D2D copy and
  `ElementwiseKernel`/`fuse` call (views - reshape, transpose, basic slices, same-dtype
  ``astype(copy=False)`` - and ``empty`` launch nothing); host-to-device copies (``cupy.asarray``
  of host data or Python numbers, host values written into a device array); and device-to-host
  copies, each of which is also a synchronisation (``get()``, ``float()``, ``bool()``,
  ``.item()``, ``repr`` ...), plus the syncs CuPy makes to size a result (boolean-mask
  indexing, ``nonzero``); ``cupyx.allow_synchronize(False)`` makes any of them raise
  ``cupyx.DeviceSynchronized``, as CuPy does. cuBLAS may launch more than one kernel per product and CuPy a second
  one for some reductions: the counts are a floor a profiler can only confirm.
* ``cupy.ElementwiseKernel(in_params, out_params, operation, name)`` runs its C operation
  translated to NumPy (a small subset of C: ``;``-separated assignments, declarations,
  arithmetic, comparisons, ``sqrt``/``exp``/``log``/``fabs``/``max``/``min`` and the ternary
  ``c ? a : b``; anything else is refused), with CuPy's type rules for ``T``: every ``T`` array
  must share one dtype and scalars are cast to it. Output arrays passed in are written in place.

What it does not model: GPU speed, memory limits, streams and asynchrony, CUDA kernels'
floating-point results (reduction order, fused multiply-add, fast math), CuPy's exact
random streams, its dtype-promotion corner cases, ``take``-style functions' wrap-around, or
which NumPy functions CuPy lacks (every NumPy function is assumed to exist). Passing tests
with this fake are necessary, not sufficient: the GPU run is still owed.
"""
from __future__ import annotations

import functools
import math
import types
from typing import Any

import numpy as np

from .fake_cupy_c import ElementwiseKernel
from .fake_cupy_counts import (DeviceSynchronized, _counts, _kernel, _launches, _sync, _to_host,
                               allow_synchronize)

_HOST_MESSAGE = ("Implicit conversion to a NumPy array is not allowed. "
                 "Please use `.get()` to construct a NumPy array explicitly.")
_SCALARS = (bool, int, float, complex, np.generic)
# numpy.ndarray members that cupy.ndarray does not have (host-memory details)
_NUMPY_ONLY = frozenset({"ctypes", "itemset", "newbyteorder", "getfield", "setfield", "setflags", "resize",
                         "byteswap", "tostring"})


_SCATTER_ADD_DTYPES = frozenset(np.dtype(t) for t in ("int32", "float16", "float32", "float64", "uint32", "uint64"))



def _unsupported(x: Any) -> TypeError:
    return TypeError(f"Unsupported type {type(x)}")


def _unwrap(x: Any, allow_host: bool = False) -> Any:
    """Fake arrays to their NumPy storage, recursively through lists and tuples; host arrays raise."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        if allow_host:
            return x
        raise _unsupported(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, allow_host) for v in x)
    return x


def _wrap_around(index: Any, shape: tuple) -> Any:
    """Integer index arrays taken modulo their axis' size: CuPy does not bounds-check them (its kernels
    wrap, NumPy raises IndexError); plain integer indices are still checked, as CuPy does."""
    parts = list(index) if isinstance(index, tuple) else [index]
    parts = [np.asarray(p) if isinstance(p, list) else p for p in parts]
    if not any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" and p.size for p in parts):
        return index
    consumed = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype.kind == "b" else 0 if p is None or p is Ellipsis
                   else 1 for p in parts)
    axis, out = 0, []
    for p in parts:
        if p is Ellipsis:
            axis += len(shape) - consumed
        elif isinstance(p, np.ndarray) and p.dtype.kind == "b":
            axis += p.ndim
        elif p is not None:
            if isinstance(p, np.ndarray) and p.dtype.kind in "iu" and axis < len(shape) and shape[axis]:
                p = np.mod(p, shape[axis])
            axis += 1
        out.append(p)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _wrap(x: Any) -> Any:
    """NumPy results back to fake arrays; NumPy scalars become 0-d device arrays, as CuPy's results are."""
    if isinstance(x, (np.ndarray, np.generic)):
        return ndarray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


def _should_use_rop(x: Any, y: Any) -> bool:
    """CuPy's rule: defer to ``y`` when it opts out of ufuncs or has a higher ``__array_priority__``."""
    try:
        return y.__array_ufunc__ is None
    except AttributeError:
        return getattr(x, "__array_priority__", 0) < getattr(y, "__array_priority__", 0)


class _Device:
    """What ``cupy_array.device`` returns: a CUDA device, not a string."""

    id = 0

    def __repr__(self) -> str:
        return "<CUDA Device 0>"

    def __enter__(self) -> "_Device":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def synchronize(self) -> None:
        """Nothing to wait for (the fake computes synchronously); counted as a sync."""
        _sync()


def _binary(ufunc: np.ufunc, reflected: bool = False):
    def op(self: "ndarray", other: Any) -> Any:
        if not isinstance(other, ndarray) and _should_use_rop(self, other):
            return NotImplemented
        return ufunc(other, self) if reflected else ufunc(self, other)
    op.__name__ = f"__{'r' if reflected else ''}{ufunc.__name__}__"
    return op


def _inplace(ufunc: np.ufunc):
    def op(self: "ndarray", other: Any) -> "ndarray":
        _kernel(ufunc.__name__)
        ufunc(self._a, _unwrap(other), out=self._a)
        return self
    return op


class ndarray:  # noqa: N801 - named like cupy.ndarray
    """An array "on the device": NumPy storage that refuses to be treated as a host array."""

    __slots__ = ("_a",)
    __array_priority__ = 100  # CuPy's value
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, array: np.ndarray):
        self._a = array

    # -- the host boundary -------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None):
        raise TypeError(_HOST_MESSAGE)

    def get(self, stream: Any = None, order: str = "C", out: Any = None) -> np.ndarray:
        """A copy in host memory (the only way out, with ``cupy.asnumpy``)."""
        _to_host()
        return np.array(self._a, order=order, copy=True)

    @property
    def device(self) -> _Device:
        return _Device()

    @property
    def __cuda_array_interface__(self) -> dict:
        return {"shape": self._a.shape, "typestr": self._a.dtype.str, "descr": self._a.dtype.descr,
                "version": 3, "strides": None, "data": (self._a.ctypes.data, False)}

    # -- NumPy protocols: run NumPy's code on the storage, refuse host operands ----------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__":
            return NotImplemented  # CuPy: ufunc.at/reduce/accumulate/outer are not dispatched
        comparison = ufunc.__name__ in ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")
        args = []
        for x in inputs:
            if isinstance(x, np.ndarray) and x.ndim == 0 and comparison:
                x = x.item()  # CuPy's workaround for numpy/numpy#12142
            if not isinstance(x, (ndarray, np.ndarray) + _SCALARS):
                return NotImplemented
            args.append(_unwrap(x))
        _kernel(ufunc.__name__)
        outs = kwargs.pop("out", None)
        if outs is not None:  # results written into fake arrays' storage in place
            ufunc(*args, out=tuple(_unwrap(o) for o in outs), **kwargs)
            return outs[0] if len(outs) == 1 else outs
        return _wrap(ufunc(*args, **kwargs))

    def __array_function__(self, func: Any, types_: Any, args: tuple, kwargs: dict) -> Any:
        args, kwargs = _unwrap(args), {k: _unwrap(v) for k, v in kwargs.items()}
        result = func(*args, **kwargs)
        _launches(result, (args, kwargs), func.__name__)
        return _wrap(result)

    # -- conversions (each one a device-to-host copy on a GPU) ---------------------------------
    def __float__(self) -> float:
        return float(self.get())

    def __int__(self) -> int:
        return int(self.get())

    def __complex__(self) -> complex:
        return complex(self.get())

    def __bool__(self) -> bool:
        if self._a.size > 1:
            raise ValueError("The truth value of an array with more than one element is ambiguous. "
                             "Use a.any() or a.all()")
        return bool(self.get())

    def __repr__(self) -> str:
        return repr(self.get())

    def __str__(self) -> str:
        return str(self.get())

    def __format__(self, spec: str) -> str:
        return format(self.get(), spec)

    def __reduce__(self):
        return (_array, (self.get(),))

    def __copy__(self) -> "ndarray":
        _counts[-1].d2d += 1
        return ndarray(self._a.copy())

    def __deepcopy__(self, memo: dict) -> "ndarray":
        _counts[-1].d2d += 1
        return ndarray(self._a.copy())

    # -- container -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._a.shape[0]))

    def __getitem__(self, index: Any) -> "ndarray":
        index = _wrap_around(_unwrap(index, allow_host=True), self._a.shape)  # indices may be host arrays
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(p, np.ndarray) and p.dtype.kind == "b" for p in parts):
            _to_host()  # the result's size is the mask's count: CuPy copies it to the host first
        result = np.asarray(self._a[index])
        _launches(result, self._a, "getitem")
        return ndarray(result)

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _wrap_around(_unwrap(index, allow_host=True), self._a.shape)
        parts = index if isinstance(index, tuple) else (index,)
        advanced = any(isinstance(p, (np.ndarray, list)) for p in parts)
        if isinstance(value, np.ndarray) and value.ndim and not advanced:
            # CuPy copies host values only through advanced indexing; basic slices are filled
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        if isinstance(value, np.ndarray):
            _counts[-1].h2d += 1
        _kernel("setitem")
        self._a[index] = _unwrap(value, allow_host=True)

    # -- attributes and methods: NumPy's, results kept on the device ---------------------------
    @property
    def T(self) -> "ndarray":
        return ndarray(self._a.T)

    @property
    def data(self) -> Any:
        return types.SimpleNamespace(ptr=self._a.ctypes.data, device=_Device())  # a MemoryPointer, not a buffer

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _NUMPY_ONLY:  # no __array_interface__ & co: NumPy must not find a way in
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        value = getattr(self._a, name)
        if not callable(value):
            return _wrap(value) if isinstance(value, np.ndarray) else value
        if name in ("item", "tolist", "tobytes"):
            def to_host(*args: Any, **kwargs: Any) -> Any:
                _to_host()
                return value(*args, **kwargs)
            return to_host

        def method(*args: Any, **kwargs: Any) -> Any:
            args, kwargs = _unwrap(args), {k: _unwrap(v) for k, v in kwargs.items()}
            result = value(*args, **kwargs)
            if name == "copy":
                _counts[-1].d2d += 1
            elif name != "fill":
                _launches(result, (self._a, args, kwargs), name)
            else:
                _kernel("fill")
            return _wrap(result)
        return method

    __neg__ = lambda self: np.negative(self)  # noqa: E731
    __pos__ = lambda self: self  # noqa: E731
    __abs__ = lambda self: np.absolute(self)  # noqa: E731
    __invert__ = lambda self: np.invert(self)  # noqa: E731


for _name, _uf in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("truediv", np.true_divide),
                   ("floordiv", np.floor_divide), ("mod", np.remainder), ("pow", np.power),
                   ("matmul", np.matmul), ("and", np.bitwise_and), ("or", np.bitwise_or), ("xor", np.bitwise_xor),
                   ("lt", np.less), ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal),
                   ("eq", np.equal), ("ne", np.not_equal)]:
    setattr(ndarray, f"__{_name}__", _binary(_uf))
    if _name not in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(ndarray, f"__r{_name}__", _binary(_uf, reflected=True))
        setattr(ndarray, f"__i{_name}__", _inplace(_uf))


# -- the module: ``cupy`` and ``cupyx`` ----------------------------------------------------------
def _array(obj: Any, dtype: Any = None, copy: bool = True, order: str = "K", ndmin: int = 0) -> ndarray:
    """``cupy.array``: the one door in, host arrays and lists welcome (a host-to-device copy)."""
    if isinstance(obj, ndarray):
        _counts[-1].d2d += 1
    else:
        _counts[-1].h2d += 1
    return ndarray(np.array(_unwrap(obj, allow_host=True), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def _asarray(obj: Any, dtype: Any = None, order: Any = None) -> ndarray:
    if isinstance(obj, ndarray) and (dtype is None or np.dtype(dtype) == obj.dtype):
        return obj
    if isinstance(obj, ndarray):
        _kernel("astype")
    else:
        _counts[-1].h2d += 1
    return ndarray(np.asarray(_unwrap(obj, allow_host=True), dtype=dtype, order=order))


def _asnumpy(a: Any, stream: Any = None, order: str = "C", out: Any = None) -> np.ndarray:
    return a.get() if isinstance(a, ndarray) else np.asarray(a, order=order)


def _as_strided(x: ndarray, shape: Any = None, strides: Any = None) -> ndarray:
    """``cupy.lib.stride_tricks.as_strided``: a view of a device array's memory with new shape and strides.

    CuPy's signature has no ``writeable`` or ``subok`` (the view is always writeable, as NumPy's
    default) and it builds the view from ``x.data``, so a host array is refused.
    """
    if not isinstance(x, ndarray):
        raise AttributeError(f"'{type(x).__name__}' object has no attribute 'data' usable as device memory")
    return ndarray(np.lib.stride_tricks.as_strided(x._a, shape=shape, strides=strides))


_NO_KERNEL = frozenset({"empty", "empty_like", "get_array_module", "shape", "ndim", "size", "result_type",
                        "can_cast", "dtype", "iinfo", "finfo", "broadcast_shapes", "isscalar"})


def _device_function(func: Any) -> Any:
    """A NumPy function as CuPy's: device arrays in, device arrays out, host arrays refused."""
    name = getattr(func, "__name__", "function")

    def call(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = _unwrap(args), {k: _unwrap(v) for k, v in kwargs.items()}
        result = func(*args, **kwargs)
        if name not in _NO_KERNEL:
            _launches(result, (args, kwargs), name)
        return _wrap(result)
    call.__name__ = name
    call.__doc__ = f"Fake cupy.{call.__name__}: NumPy's, on device arrays."
    return call


def _namespace(name: str, source: Any) -> types.ModuleType:
    """A module whose functions are ``source``'s (e.g. numpy.linalg) made device functions."""
    module = types.ModuleType(name)

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = getattr(source, attr)
        if callable(value) and not isinstance(value, type):
            return _device_function(value)
        return value
    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return module


def make_cupy() -> tuple[types.ModuleType, types.ModuleType]:
    """A fresh ``(cupy, cupyx)`` pair of fake modules (each with its own random generator)."""
    cupy = _namespace("cupy", np)
    cupy.__doc__ = "Fake CuPy for tests (see tests/fake_cupy.py)."
    cupy.__version__ = "0.0.0+fake"
    cupy.ndarray = ndarray
    cupy.array, cupy.asarray, cupy.asnumpy = _array, _asarray, _asnumpy
    cupy.asanyarray = cupy.ascontiguousarray = _asarray
    cupy.get_array_module = lambda *args: cupy if any(isinstance(a, ndarray) for a in args) else np
    cupy.linalg = _namespace("cupy.linalg", np.linalg)
    cupy.lib = types.ModuleType("cupy.lib")
    cupy.lib.stride_tricks = types.ModuleType("cupy.lib.stride_tricks")
    cupy.lib.stride_tricks.as_strided = _as_strided
    cupy.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1,
                                      getDeviceProperties=lambda i: {"name": b"Fake CUDA GPU (NumPy on the CPU)",
                                                                     "totalGlobalMem": 1 << 30}),
        Device=lambda i=0: _Device(), is_available=lambda: True)

    state = {"rng": np.random.RandomState(12345)}
    random = types.ModuleType("cupy.random")

    def seed(value: Any = None) -> None:
        state["rng"] = np.random.RandomState(value)

    def random_getattr(attr: str) -> Any:
        draw = getattr(state["rng"], attr)
        if attr in ("random", "random_sample", "rand", "standard_normal", "randn", "uniform", "normal"):
            # CuPy's float draws take a dtype (float64 or float32), NumPy's legacy ones do not
            def typed(*args: Any, dtype: Any = float, **kwargs: Any) -> Any:
                return np.asarray(draw(*args, **kwargs)).astype(dtype, copy=False)
            typed.__name__ = attr
            return _device_function(typed)
        return _device_function(draw)
    random.seed = seed
    random.__getattr__ = random_getattr  # type: ignore[attr-defined]
    cupy.random = random

    cupy.ElementwiseKernel = functools.partial(ElementwiseKernel, array_type=ndarray)

    cupyx = types.ModuleType("cupyx")

    def scatter_add(a: ndarray, slices: Any, value: Any) -> None:
        """``a[slices] += value`` with repeated indices adding up, in place on the device."""
        if not isinstance(a, ndarray):
            raise _unsupported(a)
        if a.dtype not in _SCATTER_ADD_DTYPES:  # atomicAdd's types (int64 is not one of them)
            raise TypeError("scatter_add only supports int32, float16, float32, float64, uint32, uint64, "
                            "as data type")
        _kernel("scatter_add")
        np.add.at(a._a, _wrap_around(_unwrap(slices, allow_host=True), a.shape), _unwrap(value, allow_host=True))
    cupyx.scatter_add = scatter_add
    cupyx.allow_synchronize, cupyx.DeviceSynchronized = allow_synchronize, DeviceSynchronized
    # cupyx.scipy.special.erf, the one special function minigrad uses (gelu): math.erf per element
    cupyx.scipy = types.ModuleType("cupyx.scipy")
    cupyx.scipy.special = types.ModuleType("cupyx.scipy.special")
    erf = np.frompyfunc(math.erf, 1, 1)
    cupyx.scipy.special.erf = lambda a: ndarray(np.asarray(erf(_unwrap(a)), dtype=a.dtype))
    return cupy, cupyx


def is_device_array(x: Any) -> bool:
    return isinstance(x, ndarray)


def install(monkeypatch: Any) -> types.ModuleType:
    """A fresh fake CuPy as minigrad's "cuda" backend for one test (pytest's ``monkeypatch`` puts
    everything back after it, the default device included); minigrad's seed, which seeds the fake's
    cupy.random too, is reset to 0."""
    import sys

    import minigrad as mg
    from minigrad import backend

    cupy, cupyx = make_cupy()
    monkeypatch.setattr(backend, "_cupy", cupy)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    monkeypatch.setattr(backend, "_default_device", "cpu")  # a test may switch it to "cuda"; put back after
    mg.manual_seed(0)
    return cupy
