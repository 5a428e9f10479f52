"""`Tensor`: an n-dimensional array that remembers how it was computed.

Every op goes through `apply`, which runs the op's forward on the raw arrays and,
when a gradient will be needed, records the op and its inputs so backward can
call the op's backward later. The ops themselves live in `minigrad.ops`.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from . import autograd, ops
from .autograd import Step
from .backend import (DeviceError, array_module, check_device, default_device, device_of, rng, to_device,
                      to_numpy, xp_for)

_REPR_THRESHOLD = 50  # a repr summarises tensors with more elements than this ("..."), like NumPy
_FLOAT_KINDS = "f"  # complex numbers would need conjugated gradients, which these ops do not compute


def _as_array(data: Any, dtype: Any, device: str | None) -> Any:
    """Turn Python numbers, lists and arrays into a backend array, following minigrad's dtype rules.

    Python numbers and lists become float32 (like PyTorch); NumPy/CuPy arrays keep
    their dtype; ``dtype=`` overrides both.
    """
    if isinstance(data, Tensor):
        device = device or data.device  # a Tensor's data stays on its device unless one is asked for
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)) or hasattr(data, "__cuda_array_interface__"):
        # a CuPy array stays on its GPU; NumPy data goes to the default device, as lists do
        target = device or ("cuda" if device_of(data) == "cuda" else default_device())
        if target != "cpu":
            check_device(target)
        arr = to_device(data, target)
        xp = array_module(arr)
        arr = xp.asarray(arr) if dtype is None else xp.asarray(arr, dtype=dtype)
        return arr
    device = check_device(device) if device else default_device()
    xp = xp_for(device)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        # Tensor([a.sum(), b.sum()]) copies the values, as torch.tensor does; mg.stack keeps the graph
        data = [x.numpy() if isinstance(x, Tensor) else x for x in data]
    if dtype is None:
        probe = np.asarray(data)
        if probe.dtype == object:
            raise TypeError(f"cannot make a Tensor from {type(data).__name__}: {data!r:.80}")
        dtype = probe.dtype if probe.dtype.kind == "b" else np.float32
    return xp.asarray(data, dtype=dtype)


class Tensor:
    """An array node of a computation graph: ``data`` (a NumPy/CuPy array), ``grad`` and how it was made.

    Ops keep references to the arrays they need for backward, not copies, and there is
    no version counter as in PyTorch: editing ``x.data`` in place between the forward
    pass and ``backward()`` changes the gradients computed (the optimizers update
    ``.data`` in place *after* backward, which is safe).
    """

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_ctx", "_op", "label", "_released", "_scope",
                 "_grad_pass", "__weakref__")
    # NumPy defers every operator to the Tensor (NEP 13): numpy_array * tensor calls Tensor.__rmul__ and gives
    # a Tensor in the graph, and np.exp(tensor) is refused instead of silently building an object array
    __array_ufunc__ = None
    __array_priority__ = 1000  # the older protocol, which some CuPy versions read instead
    _retain_default = False  # tensor graphs are freed by backward() so training loops do not hold memory

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None,
                 label: str = ""):
        self.data = _as_array(data, dtype, device)
        if requires_grad and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"only floating-point tensors can require a gradient, got dtype {self.data.dtype}: "
                "integer tensors are for targets and indices; pass dtype=float32 for a trainable tensor"
            )
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._prev: tuple = ()
        self._ctx: ops.Function | None = None
        self._op = ""
        self.label = label
        self._released = False
        self._scope = autograd._scope

    @classmethod
    def _make(cls, data: Any, requires_grad: bool, prev: tuple, ctx: Any, op: str) -> "Tensor":
        """Wrap an op's output array without re-checking it (the hot path of every op)."""
        t = cls.__new__(cls)
        t.data = data  # one attribute per statement: cheaper than building and unpacking a tuple
        t.grad = None
        t.requires_grad = requires_grad
        t._prev = prev
        t._ctx = ctx
        t._op = op
        t.label = ""
        t._released = False
        t._scope = autograd._scope
        return t

    # -- properties --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return int(self.data.size)

    @property
    def device(self) -> str:
        return device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    # -- the node protocol (autograd.Node): what pictures and the REPL read ----------------------
    @property
    def parents(self) -> tuple:
        """The tensors this one was computed from (empty for a leaf, or once backward freed the graph)."""
        return self._prev

    @property
    def op(self) -> str:
        """The short name of the op that made it (``"@"``, ``"sum"``); empty for a tensor made directly."""
        return self._op

    @property
    def scope(self) -> Any:
        """The Module whose forward made this tensor (None outside modules)."""
        return self._scope

    @property
    def released(self) -> bool:
        """True once backward() freed the graph below this tensor (its parents are gone)."""
        return self._released

    def describe(self) -> str:
        """The op with its parameters, e.g. ``sum(axis=1)`` (just the op name once the graph is freed)."""
        return self._ctx.describe() if self._ctx is not None else self._op

    def local_rule(self, index: int, names: Sequence[str]) -> str:
        """What the op sends to ``parents[index]``: its formula with ``names`` put in for the inputs a, b, ...

        A tensor's local derivative is a Jacobian, so the rule is written as the product it
        sends back, with ``g`` the upstream gradient: ``g * w`` for ``x * w`` and parent x.
        """
        if not 0 <= index < len(self._prev):
            raise IndexError(f"local_rule: this {self._op or 'leaf'} node has {len(self._prev)} parent(s), "
                             f"no parent {index}")
        return ops.rule_text(self._ctx, index, names)

    @property
    def T(self) -> "Tensor":
        return self.transpose()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it has no first axis (use .item() for its value)")
        return len(self.data)

    # -- conversions -------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array on the host (a copy when the tensor lives on the GPU)."""
        return to_numpy(self.data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(tensor)``: the data on the host, outside the graph (NumPy functions and plots take Tensors)."""
        arr = self.numpy() if dtype is None else self.numpy().astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return to_numpy(self.data.reshape(())).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (no gradient flows through it)."""
        return Tensor._make(self.data, False, (), None, "")

    def to(self, device: str) -> "Tensor":
        """A copy on ``device`` ("cpu" or "cuda"); gradients flow back across the copy."""
        device = check_device(device)
        if device == self.device:
            return self
        return apply(ToDevice, self, device=device)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def astype(self, dtype: Any) -> "Tensor":
        return apply(AsType, self, dtype=np.dtype(dtype))

    float = lambda self: self.astype(np.float32)  # noqa: E731 - torch-style alias
    double = lambda self: self.astype(np.float64)  # noqa: E731

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        """Switch gradient tracking of a leaf on or off in place (used to freeze layers)."""
        if flag and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require a gradient, got dtype {self.dtype}")
        self.requires_grad = bool(flag)
        return self

    def zero_grad(self) -> None:
        self.grad = None

    @property
    def grad_pass(self) -> int:
        """Number of the backward pass that last wrote ``.grad`` (passes count up from 1; 0: none yet).

        A picture compares it with the root's to tell this graph's gradients from stale ones.
        """
        return getattr(self, "_grad_pass", 0)  # the slot is only filled by backward: no cost per new node

    # -- the engine's interface --------------------------------------------------------------
    def _initial_grad(self, grad: Any) -> Any:
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require a gradient: "
                               "no input of it was created with requires_grad=True (or it was built in no_grad)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient argument needs a scalar (one-element) tensor, this one has "
                    f"shape {self.shape}: reduce it first (e.g. .sum() or .mean()) or pass backward(grad) "
                    "with a gradient of the same shape"
                )
            return array_module(self.data).ones(self.shape, dtype=self.dtype)
        # in the root's dtype and on its device, like any other gradient: a float64 seed would run the
        # whole backward pass in float64 (and one on another device would fail in the first op)
        g = _as_array(grad, self.dtype, self.device)
        if g.shape != self.shape:
            raise ops.ShapeError(f"backward: gradient shape {g.shape} does not match tensor shape {self.shape}")
        return g

    def _accumulate(self, g: Any) -> None:
        if g.dtype != self.data.dtype:
            g = g.astype(self.data.dtype)
        elif self._ctx is None:
            # a leaf keeps its gradient across steps and may be edited in place (clipping),
            # but g can be a read-only broadcast view or the very array sent to another leaf
            g = g.copy()
        if self.grad is None:
            self.grad = Tensor._make(g, False, (), None, "")
        else:
            self.grad = Tensor._make(self.grad.data + g, False, (), None, "")

    def _sends(self, g: Any) -> list:
        ctx = self._ctx
        grads = ctx.backward(g)
        return [(p, ctx.formula(i), pg) for i, (p, pg) in enumerate(zip(self._prev, grads))
                if pg is not None and p.requires_grad]

    def _release(self) -> None:
        self._prev, self._ctx, self._released = (), None, True

    def backward(self, grad: Any = None, retain_graph: bool | None = None) -> None:
        """Fill ``.grad`` of every tensor that requires a gradient and this one was computed from.

        A non-scalar tensor needs ``grad`` (same shape). Gradients *accumulate*: call
        ``zero_grad`` between steps. The graph is freed afterwards unless
        ``retain_graph=True`` (needed to backpropagate twice or to draw it with grads).
        """
        autograd.backward(self, grad, retain_graph)

    def backward_steps(self, grad: Any = None, retain_graph: bool | None = None) -> Iterator[Step]:
        """The backward pass one node at a time (see `minigrad.autograd.backward_steps`)."""
        return autograd.backward_steps(self, grad, retain_graph)

    # -- operators ---------------------------------------------------------------------------
    def __add__(self, other: Any) -> "Tensor":
        return apply(ops.Add, self, _lift(other, self))

    def __radd__(self, other: Any) -> "Tensor":
        return apply(ops.Add, _lift(other, self), self)

    def __sub__(self, other: Any) -> "Tensor":
        return apply(ops.Sub, self, _lift(other, self))

    def __rsub__(self, other: Any) -> "Tensor":
        return apply(ops.Sub, _lift(other, self), self)

    def __mul__(self, other: Any) -> "Tensor":
        return apply(ops.Mul, self, _lift(other, self))

    def __rmul__(self, other: Any) -> "Tensor":
        return apply(ops.Mul, _lift(other, self), self)

    def __truediv__(self, other: Any) -> "Tensor":
        return apply(ops.Div, self, _lift(other, self))

    def __rtruediv__(self, other: Any) -> "Tensor":
        return apply(ops.Div, _lift(other, self), self)

    def __pow__(self, other: Any) -> "Tensor":
        if isinstance(other, (int, float, np.number)) and not isinstance(other, bool):
            # a NumPy scalar becomes a Python number: float32 ** np.float64(2) would otherwise give float64
            return apply(ops.PowScalar, self, p=other.item() if isinstance(other, np.generic) else other)
        return apply(ops.Pow, self, _lift(other, self))

    def __rpow__(self, other: Any) -> "Tensor":
        return apply(ops.Pow, _lift(other, self), self)

    def __matmul__(self, other: Any) -> "Tensor":
        return apply(ops.MatMul, self, _lift(other, self))

    def __rmatmul__(self, other: Any) -> "Tensor":
        return apply(ops.MatMul, _lift(other, self), self)

    def __neg__(self) -> "Tensor":
        return apply(ops.Neg, self)

    def __getitem__(self, index: Any) -> "Tensor":
        index = _raw_index(index, self.device)
        if self.device != "cpu":
            _check_index_bounds(index, self.shape)
        return apply(ops.GetItem, self, index=index)

    # comparisons give boolean tensors without a graph (masks, accuracy); == stays identity
    # so tensors can live in sets and dicts like other graph nodes
    def __lt__(self, other: Any) -> "Tensor":
        return Tensor._make(self.data < _compared(other, self), False, (), None, "")

    def __le__(self, other: Any) -> "Tensor":
        return Tensor._make(self.data <= _compared(other, self), False, (), None, "")

    def __gt__(self, other: Any) -> "Tensor":
        return Tensor._make(self.data > _compared(other, self), False, (), None, "")

    def __ge__(self, other: Any) -> "Tensor":
        return Tensor._make(self.data >= _compared(other, self), False, (), None, "")

    __hash__ = object.__hash__

    def eq(self, other: Any) -> "Tensor":
        """Elementwise equality as a boolean tensor (``==`` is identity, as for graph nodes)."""
        return Tensor._make(self.data == _compared(other, self), False, (), None, "")

    # -- elementwise functions ---------------------------------------------------------------
    def exp(self) -> "Tensor":
        return apply(ops.Exp, self)

    def log(self) -> "Tensor":
        return apply(ops.Log, self)

    def sqrt(self) -> "Tensor":
        return apply(ops.Sqrt, self)

    def abs(self) -> "Tensor":
        return apply(ops.Abs, self)

    def tanh(self) -> "Tensor":
        return apply(ops.Tanh, self)

    def relu(self) -> "Tensor":
        return apply(ops.ReLU, self)

    def leaky_relu(self, slope: float = 0.01) -> "Tensor":
        return apply(ops.LeakyReLU, self, slope=slope)

    def sigmoid(self) -> "Tensor":
        return apply(ops.Sigmoid, self)

    def maximum(self, other: Any) -> "Tensor":
        return apply(ops.Maximum, self, _lift(other, self))

    # -- reductions --------------------------------------------------------------------------
    def sum(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        return apply(ops.Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        return apply(ops.Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        return apply(ops.Max, self, axis=axis, keepdims=keepdims)

    def var(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        """Population variance (divides by n, as batch normalization does)."""
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).mean(axis=axis, keepdims=keepdims)

    def argmax(self, axis: int | None = None) -> "Tensor":
        return Tensor._make(array_module(self.data).asarray(self.data.argmax(axis=axis)), False, (), None, "")

    # -- shape -------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> "Tensor":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply(ops.Reshape, self, shape=shape)

    def flatten(self) -> "Tensor":
        return self.reshape(-1)

    def transpose(self, *axes: int) -> "Tensor":
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(ops.Transpose, self, axes=tuple(axes) if axes else None)

    def softmax(self, axis: int = -1) -> "Tensor":
        return apply(ops.Softmax, self, axis=axis)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        return apply(ops.LogSoftmax, self, axis=axis)

    # -- display -----------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        """Jupyter's view: shape, dtype, device and gradient state in one line (`minigrad.viz.notebook`)."""
        from .viz.notebook import tensor_html
        return tensor_html(self)

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), precision=4, separator=", ", prefix="Tensor(", threshold=_REPR_THRESHOLD)
        extras = []
        if self.size > _REPR_THRESHOLD or (self.size == 0 and self.ndim > 1):
            extras.append(f"shape={tuple(self.shape)}")  # the printed values no longer show it
        if self.dtype != np.float32:
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.requires_grad:
            extras.append("requires_grad=True" if self.is_leaf else f"op={self._op!r}")
        if self.label:
            extras.append(f"label={self.label!r}")
        return "Tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous: use .any()/.all()")
        return bool(to_numpy(self.data.reshape(())).item())

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]


# -- graph recording -------------------------------------------------------------------------
def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _raw_index(index: Any, device: str = "cpu") -> Any:
    """An index with Tensors and lists replaced by arrays on ``device`` (integer/boolean arrays index like NumPy)."""
    if isinstance(index, tuple):
        return tuple(_raw_index(i, device) for i in index)
    if isinstance(index, list):
        index = np.asarray(index) if index else np.zeros(0, dtype=np.intp)  # [] selects nothing, as in NumPy
    index = _raw(index)
    if getattr(index, "dtype", None) is not None and index.dtype.kind == "f":
        raise IndexError(f"an index must hold integers or booleans, got {index.dtype} (Tensor([0, 1]) is "
                         "float32 like every list: pass dtype=np.int64, or use mg.arange / an integer array)")
    if hasattr(index, "ndim") and getattr(index, "ndim", 0) > 0 and device_of(index) != device:
        index = to_device(index, device)
    return index


def _check_index_bounds(index: Any, shape: tuple) -> None:
    """Raise IndexError for an out-of-range integer index array, as NumPy does.

    CuPy's kernels wrap such an index around silently (x[[5]] of 3 elements reads
    x[2]), so on the GPU this checks on the host: one device sync per integer-array index.
    """
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is None or p is Ellipsis for p in parts):
        return  # positions shift: leave these rarer forms to the backend
    axis = 0
    for p in parts:
        kind = getattr(getattr(p, "dtype", None), "kind", None)
        if kind in ("i", "u") and p.size and axis < len(shape):
            low, high, n = int(p.min()), int(p.max()), shape[axis]
            if high >= n or low < -n:
                raise IndexError(f"index {high if high >= n else low} is out of bounds for axis {axis} with size {n}")
        axis += p.ndim if kind == "b" else 1


def _compared(x: Any, like: Tensor) -> Any:
    """The right side of a comparison as a number or an array on ``like``'s device: arrays and lists are
    moved there (CuPy refuses NumPy operands), a Tensor on another device raises `DeviceError`."""
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, Tensor) and x.device != like.device:
        raise DeviceError(f"comparison: operands live on different devices ({like.device} {tuple(like.shape)} and "
                          f"{x.device} {tuple(x.shape)}): move them to one device with .to('cpu') or .to('cuda')")
    return _lift(np.asarray(x) if isinstance(x, (list, tuple)) else x, like).data  # lists keep their own dtype


def _lift(x: Any, like: Tensor) -> Tensor:
    """A constant operand as a Tensor of ``like``'s dtype and device (no float64 upcasts from Python floats).

    Python and NumPy scalars take ``like``'s dtype (so float32 * np.float64(2) stays float32, as in
    PyTorch); with an integer tensor an integer stays an integer, and a float is lifted as float32
    (the result then follows NumPy's promotion: int64 with float32 gives float64).
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, np.number, np.bool_)):
        xp = array_module(like.data)
        dtype = like.data.dtype
        if dtype.kind not in _FLOAT_KINDS and (dtype.kind == "b" or isinstance(x, (float, np.floating))):
            dtype = np.float32
        return Tensor._make(xp.asarray(x, dtype=dtype), False, (), None, "")
    return Tensor(x, dtype=None if hasattr(x, "dtype") else like.dtype, device=like.device)


def apply(fn_cls: type, *inputs: Tensor, **params: Any) -> Tensor:
    """Run op ``fn_cls`` on ``inputs`` and, if any input needs a gradient, record it in the graph."""
    arrays = [t.data for t in inputs]
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
    except ValueError as exc:
        shapes = " and ".join(str(tuple(t.shape)) for t in inputs)
        raise ops.ShapeError(f"{fn_cls.name}: shapes {shapes} do not fit ({exc})") from None
    # NumPy returns scalars for 0-d results; keep arrays everywhere (a device copy changes kind on purpose:
    # xp.asarray would refuse a CuPy array, or quietly move a host copy back to the GPU)
    if type(out) is not kind and fn_cls is not ToDevice:
        out = xp.asarray(out)
    if autograd._grad_enabled and True in needs:
        return Tensor._make(out, True, inputs, fn, fn_cls.name)
    return Tensor._make(out, False, (), None, fn_cls.name)


class ToDevice(ops.Function):
    name, formulas = "to", ("g copied back to the input's device",)

    def forward(self, xp, a, device):
        self.saved = (device_of(a),)
        return to_device(a, device)

    def backward(self, g):
        return (to_device(g, self.saved[0]),)


class AsType(ops.Function):
    name, formulas = "astype", ("g cast back to the input's dtype",)

    def forward(self, xp, a, dtype):
        self.saved = (a.dtype,)
        return a.astype(dtype)

    def backward(self, g):
        return (g.astype(self.saved[0]),)


# -- functions over several tensors and creation functions -----------------------------------------
def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _as_tensors(tensors: Iterable[Any]) -> list[Tensor]:
    items = list(tensors)
    if not items:
        raise ValueError("need at least one tensor")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in items]


def cat(tensors: Iterable[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return apply(ops.Cat, *_as_tensors(tensors), axis=axis)


def stack(tensors: Iterable[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return apply(ops.Stack, *_as_tensors(tensors), axis=axis)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if cond else b``; the gradient flows to the side that was chosen."""
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    a, b = _lift(a, ref), _lift(b, ref)
    mask = _raw(cond)
    mask = to_device(mask if hasattr(mask, "astype") else np.asarray(mask), ref.device).astype(bool)
    return apply(ops.Where, a, b, cond=mask)


def maximum(a: Any, b: Any) -> Tensor:
    a = a if isinstance(a, Tensor) else Tensor(a)
    return a.maximum(b)


def _shape(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _new(array: np.ndarray, requires_grad: bool, device: str | None) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, device=device or default_device())


def zeros(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    return _new(np.zeros(_shape(shape), dtype=dtype), requires_grad, device)


def ones(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    return _new(np.ones(_shape(shape), dtype=dtype), requires_grad, device)


def full(shape: Any, value: float, dtype: Any = np.float32, requires_grad: bool = False,
         device: str | None = None) -> Tensor:
    return _new(np.full(_shape((shape,)), value, dtype=dtype), requires_grad, device)


def randn(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Standard normal samples from the generator `manual_seed` resets (drawn on the host, so CPU and GPU agree)."""
    return _new(rng().standard_normal(_shape(shape)).astype(dtype), requires_grad, device)


def rand(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Uniform samples in [0, 1) from the generator `manual_seed` resets."""
    return _new(rng().random(_shape(shape)).astype(dtype), requires_grad, device)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | None = None) -> Tensor:
    """Like numpy.arange: integers give an int64 tensor, floats a float32 one."""
    if dtype is None:
        dtype = np.int64 if all(isinstance(v, int) for v in (start, stop or 0, step)) else np.float32
    values = np.arange(start, stop, step, dtype=dtype) if stop is not None else np.arange(start, dtype=dtype)
    return _new(values, False, device)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=t.dtype, requires_grad=requires_grad, device=t.device)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=t.dtype, requires_grad=requires_grad, device=t.device)
