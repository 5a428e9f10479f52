"""How a Tensor op runs: operands made into tensors, PyTorch's dtype promotion, `apply`, in-place edits.

`apply(Op, *tensors, **params)` runs the op's forward on the raw arrays and, when a
gradient will be needed, records the op and its inputs so backward can call the op's
backward later. It sits below `minigrad.tensor` (which registers its class here), so
the Tensor's method modules can use it without an import circle.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import autograd, ops
from .autograd import is_node
from .backend import DeviceError, array_module, check_device, default_device, device_of, to_device, xp_for

FLOAT_KINDS = "f"  # complex numbers would need conjugated gradients, which these ops do not compute
Tensor: Any = None  # the Tensor class, registered by minigrad.tensor when it is defined
# the modification clock: +1 whenever a tensor's data is changed in place. An op remembers the clock when it
# ran, so backward can tell (one integer comparison per node) whether anything it saved was edited since.
clock = 0


def tick() -> int:
    """Advance the modification clock (an in-place change happened) and return its new reading."""
    global clock
    clock += 1
    return clock


# A view (x.T, x[1:], x.reshape(...)) shares its owner's memory, so an in-place edit through any of them is an
# edit of all (PyTorch's views share one version counter): edits are also noted by the array owning the memory.
_edits: dict[int, tuple[int, Any]] = {}  # id(owner) -> (clock of its last edit, weak reference to the owner)


def memory_owner(array: Any) -> Any:
    """The array whose memory ``array`` uses: its ``base`` for a NumPy or CuPy view, else itself."""
    while hasattr(getattr(array, "base", None), "shape"):
        array = array.base
    return array


def note_edit(array: Any, stamp: int) -> None:
    """Remember that ``array``'s memory was edited in place at clock ``stamp``."""
    owner = memory_owner(array)
    key = id(owner)
    try:
        ref = weakref.ref(owner, lambda dead: _edits.pop(key, None) if _edits.get(key, (0, None))[1] is dead
                          else None)
    except TypeError:  # an array type without weak references: its views are not followed
        return
    _edits[key] = (stamp, ref)


def edited_since(array: Any, stamp: int) -> bool:
    """True if the memory under ``array`` was edited in place (through any view of it) after clock ``stamp``."""
    if not _edits:
        return False
    owner = memory_owner(array)
    entry = _edits.get(id(owner))
    return entry is not None and entry[0] > stamp and entry[1]() is owner


def as_array(data: Any, dtype: Any, device: str | None, requires_grad: bool = False) -> Any:
    """Turn Python numbers, lists and arrays into a backend array, following PyTorch's dtype rules.

    Python floats (and lists holding any) become float32, PyTorch's default dtype; Python
    ints become int64, or float32 when a gradient is asked for (only floats can have one);
    bools stay bool. NumPy/CuPy arrays keep their dtype. ``dtype=`` overrides all of these.
    """
    if isinstance(data, Tensor):
        device = device or data.device  # a Tensor's data stays on its device unless one is asked for
        data = data._data
    if isinstance(data, np.ndarray) and data.dtype == object:  # np.asarray(v), np.array([v, w]): Values inside
        refuse_objects(data)
    if isinstance(data, (np.ndarray, np.generic)) or hasattr(data, "__cuda_array_interface__"):
        # a CuPy array stays on its GPU; NumPy data goes to the default device, as lists do
        target = device or ("cuda" if device_of(data) == "cuda" else default_device())
        if target != "cpu":
            check_device(target)
        arr = to_device(data, target)
        xp = array_module(arr)
        return xp.asarray(arr) if dtype is None else xp.asarray(arr, dtype=dtype)
    device = check_device(device) if device else default_device()
    xp = xp_for(device)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        # Tensor([a.sum(), b.sum()]) copies the values, as torch.tensor does; mg.stack keeps the graph
        data = [x.numpy() if isinstance(x, Tensor) else x for x in data]
    probe = np.asarray(data)  # also with dtype=: NumPy would turn a Value into its float and cut its graph
    if probe.dtype == object:
        refuse_objects(probe, data)
    if dtype is None:
        kind = probe.dtype.kind
        dtype = probe.dtype if kind == "b" else np.int64 if kind in "iu" and not requires_grad else np.float32
    return xp.asarray(probe if xp is np else data, dtype=dtype)


def refuse_objects(array: np.ndarray, data: Any = None) -> None:
    """Refuse an object array (Values, strings, None): a Tensor holds numbers only."""
    data = array if data is None else data
    if is_node(data) or any(is_node(x) for x in array.reshape(-1)):
        raise TypeError("a Tensor holds numbers, not Values: a Value is a node of its own scalar graph "
                        "(Tensor(v.data) copies its number, cut from that graph)")
    raise TypeError(f"cannot make a Tensor from {type(data).__name__}: {data!r:.80}")


def constant(array: Any) -> Any:
    """An array as a Tensor outside the graph (masks, indices, results of comparisons)."""
    return Tensor._make(array, False, (), None, "")


def refuse_node(x: Any) -> None:
    raise TypeError(f"a Tensor op got a {type(x).__name__}: a Value is a node of its own scalar graph, and "
                    "turning it into a number here would silently give it no gradient. Combine Tensors with "
                    "Tensors (Tensor(v.data) copies its number, cut from its graph).")


def lift(x: Any, like: Any) -> Any:
    """A constant operand as a Tensor of ``like``'s dtype and device (no float64 upcasts from Python floats).

    Python and NumPy scalars take ``like``'s dtype (so float32 * np.float64(2) stays float32, as in
    PyTorch); with an integer or boolean tensor a float becomes float32 and an int int64.
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, np.number, np.bool_)):
        dtype = like._data.dtype
        if dtype.kind not in FLOAT_KINDS:
            if isinstance(x, (float, np.floating)):
                dtype = np.float32
            elif dtype.kind == "b" and not isinstance(x, (bool, np.bool_)):
                dtype = np.int64
        return Tensor._make(array_module(like._data).asarray(x, dtype=dtype), False, (), None, "")
    if is_node(x):
        refuse_node(x)
    return Tensor(x, dtype=None if hasattr(x, "dtype") else like.dtype, device=like.device)


def compared(x: Any, like: Any) -> Any:
    """The right side of a comparison as a number or an array on ``like``'s device: arrays and lists are
    moved there (CuPy refuses NumPy operands), a Tensor on another device raises `DeviceError`."""
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, Tensor) and x.device != like.device:
        raise DeviceError(f"comparison: operands live on different devices ({like.device} {tuple(like.shape)} and "
                          f"{x.device} {tuple(x.shape)}): move them to one device with .to('cpu') or .to('cuda')")
    return lift(np.asarray(x) if isinstance(x, (list, tuple)) else x, like)._data  # lists keep their own dtype


def binary(fn_cls: type, a: Any, b: Any, true_division: bool = False, **params: Any) -> Any:
    """Apply a two-input op after PyTorch's type promotion: an integer or boolean operand takes the
    other's float dtype (int64 with float32 gives float32, not NumPy's float64); ``/`` of two integer
    tensors gives float32."""
    ka, kb = a._data.dtype.kind, b._data.dtype.kind
    if ka != kb or (true_division and ka != "f"):
        if ka == "f" or kb == "f":
            target = a._data.dtype if ka == "f" else b._data.dtype
        elif true_division:
            target = np.dtype(np.float32)
        else:
            return apply(fn_cls, a, b, **params)  # int with bool, int32 with int64: NumPy's is PyTorch's
        if ka != "f":
            a = constant(a._data.astype(target))
        if kb != "f":
            b = constant(b._data.astype(target))
    return apply(fn_cls, a, b, **params)


_SHAPE_WORDS = ("broadcast", "shape", "dimension", "size", "concatenat", "operand", "axis", "axes")


def apply(fn_cls: type, *inputs: Any, **params: Any) -> Any:
    """Run op ``fn_cls`` on ``inputs`` and, if any input needs a gradient, record it in the graph."""
    arrays = [t._data for t in inputs]
    kind = type(arrays[0])
    for a in arrays:
        if type(a) is not kind:
            names = " and ".join(f"{i.device} {tuple(i.shape)}" for i in inputs)
            raise DeviceError(f"{fn_cls.name}: operands live on different devices ({names}): "
                              "move them to one device with .to('cpu') or .to('cuda')")
    xp = array_module(arrays[0])
    needs = tuple([t.requires_grad for t in inputs])
    fn = fn_cls(needs, xp, params)
    try:
        out = fn.forward(xp, *arrays, **params)
    except (ops.ShapeError, IndexError):  # already clear, or NumPy's AxisError: a bad axis is an IndexError
        raise
    except ValueError as exc:  # NumPy's complaint about shapes gets the op's name and both shapes
        if not any(word in str(exc).lower() for word in _SHAPE_WORDS):
            raise
        shapes = " and ".join(str(tuple(t.shape)) for t in inputs)
        raise ops.ShapeError(f"{fn_cls.name}: shapes {shapes} do not fit ({exc})") from None
    # NumPy returns scalars for 0-d results; keep arrays everywhere (a device copy changes kind on purpose:
    # xp.asarray would refuse a CuPy array, or quietly move a host copy back to the GPU)
    if type(out) is not kind and fn_cls is not ops.ToDevice:
        out = xp.asarray(out)
    if autograd._grad_enabled and True in needs:
        fn.stamp = clock
        return Tensor._make(out, True, inputs, fn, fn_cls.name)
    return Tensor._make(out, False, (), None, fn_cls.name)
