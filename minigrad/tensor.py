"""`Tensor`: an n-dimensional array that remembers how it was computed.

Every op goes through `apply`, which runs the op's forward on the raw arrays and,
when a gradient will be needed, records the op and its inputs so backward can
call the op's backward later. The primitive ops live in `minigrad.ops`; this file
holds the Tensor itself and its operators, `tensor_math.py` and `tensor_shape.py`
the rest of its methods (most of them composites of the primitives).
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from . import autograd, dispatch, ops
from .autograd import Step
from .backend import array_module, check_device, device_of, to_numpy
from .dispatch import FLOAT_KINDS as _FLOAT_KINDS
from .dispatch import apply, as_array, binary, lift
from .ops.index import raw_index
from .tensor_inplace import InPlaceOps
from .tensor_math import MathOps
from .tensor_reduce import ReduceOps
from .tensor_shape import ShapeOps

__all__ = ["Tensor", "apply"]
_REPR_THRESHOLD = 50  # a repr summarises tensors with more elements than this ("..."), like NumPy


class Tensor(MathOps, ReduceOps, ShapeOps, InPlaceOps):
    """An array node of a computation graph: ``data`` (a NumPy/CuPy array), ``grad`` and how it was made.

    Ops keep references to the arrays they need for backward, not copies. Editing ``.data``
    in place (``x.data -= 1``, ``x.zero_()``, ``x[0] = 5``) between the forward pass and
    ``backward()`` would make those gradients wrong, so, as in PyTorch, backward then
    raises, naming the tensor. (Writing into the array itself, ``x.data[0] = 5``, goes
    around the tensor and cannot be seen.) The optimizers update ``.data`` *after*
    backward, which is safe.
    """

    __slots__ = ("_data", "grad", "requires_grad", "_prev", "_ctx", "_op", "label", "_released", "_scope",
                 "_grad_pass", "_version", "_modified", "__weakref__")
    # NumPy defers every operator to the Tensor (NEP 13): numpy_array * tensor calls Tensor.__rmul__ and gives
    # a Tensor in the graph, and np.exp(tensor) is refused instead of silently building an object array
    __array_ufunc__ = None
    __array_priority__ = 1000  # the older protocol, which some CuPy versions read instead
    _retain_default = False  # tensor graphs are freed by backward() so training loops do not hold memory

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None,
                 label: str = ""):
        self._data = as_array(data, dtype, device, requires_grad)
        if requires_grad and self._data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"only floating-point tensors can require a gradient, got dtype {self._data.dtype}: "
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
        t._data = data  # one attribute per statement: cheaper than building and unpacking a tuple
        t.grad = None
        t.requires_grad = requires_grad
        t._prev = prev
        t._ctx = ctx
        t._op = op
        t.label = ""
        t._released = False
        t._scope = autograd._scope
        return t

    # -- the data and its in-place changes ------------------------------------------------------
    @property
    def data(self) -> Any:
        """The array (NumPy or CuPy). ``x.data -= step`` counts as an in-place change (see `version`)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:  # x.data -= 1: NumPy changed the array in place, then Python assigns it back
            self._mark_modified()
        self._data = value  # a new array: what earlier ops saved is untouched, their gradients stay right

    def _mark_modified(self) -> None:
        self._modified = dispatch.tick()
        dispatch.note_edit(self._data, self._modified)  # for the views of the same memory
        try:  # the slots are filled only by the first in-place change: nothing to set up per op result
            self._version += 1
        except AttributeError:
            self._version = 1

    @property
    def version(self) -> int:
        """How many times the data was changed in place (PyTorch's ``_version``)."""
        return getattr(self, "_version", 0)

    def _check_unmodified(self, fn: ops.Function) -> None:
        """Refuse a backward step whose saved arrays were edited in place after ``fn`` ran."""
        suspects = (self, *self._prev) if fn.saves_inputs else (self,)
        for t in suspects:
            itself = getattr(t, "_modified", 0) > fn.stamp
            if itself or dispatch.edited_since(t._data, fn.stamp):
                name = repr(t.label) if t.label else f"the {t._op + ' result' if t._op else 'tensor'}"
                how = (f"its data was edited, now version {t.version}" if itself else
                       "its memory was edited through a tensor sharing it: x.T, x[1:], x.reshape are views")
                raise RuntimeError(
                    f"backward through {fn.name}: {name} of shape {tuple(t.shape)} was modified in place "
                    f"({how}) after {fn.name} used it, so the gradient "
                    "would be computed from the edited values. Edit .data only after backward() (as optimizers "
                    "do), or compute the forward pass again.")

    # -- properties --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def dtype(self) -> Any:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return int(self._data.size)

    @property
    def device(self) -> str:
        return device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def T(self) -> "Tensor":
        return self.transpose()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it has no first axis (use .item() for its value)")
        return len(self._data)

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

    # -- conversions -------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array on the host (a copy when the tensor lives on the GPU)."""
        return to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(tensor)``: the data on the host, outside the graph (NumPy functions and plots take Tensors)."""
        arr = self.numpy() if dtype is None else self.numpy().astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def item(self) -> float:
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return to_numpy(self._data.reshape(())).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of one element can be used as an index, not {self.dtype}")
        return int(self.item())

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (no gradient flows through it)."""
        return Tensor._make(self._data, False, (), None, "")

    def to(self, device: Any = None, dtype: Any = None) -> "Tensor":
        """A copy on ``device`` ("cpu" or "cuda") and/or in ``dtype``; gradients flow back across the copy."""
        if dtype is None and not isinstance(device, str) and device is not None:
            device, dtype = None, device  # x.to(np.float64), as torch's x.to(torch.float64)
        out = self
        if device is not None and check_device(device) != self.device:
            out = apply(ops.ToDevice, out, device=check_device(device))
        return out if dtype is None else out.astype(dtype)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def astype(self, dtype: Any) -> "Tensor":
        dtype = np.dtype(dtype)
        return self if dtype == self._data.dtype else apply(ops.AsType, self, dtype=dtype)

    type = astype

    def float(self) -> "Tensor":
        return self.astype(np.float32)

    def double(self) -> "Tensor":
        return self.astype(np.float64)

    def half(self) -> "Tensor":
        return self.astype(np.float16)

    def long(self) -> "Tensor":
        return self.astype(np.int64)

    def int(self) -> "Tensor":
        return self.astype(np.int32)

    def bool(self) -> "Tensor":
        return self.astype(np.bool_)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        """Switch gradient tracking of a leaf on or off in place (used to freeze layers)."""
        if flag and self._data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require a gradient, got dtype {self.dtype}")
        self.requires_grad = bool(flag)
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # -- the engine's interface --------------------------------------------------------------
    @property
    def grad_pass(self) -> int:
        """Number of the backward pass that last wrote ``.grad`` (passes count up from 1; 0: none yet).

        A picture compares it with the root's to tell this graph's gradients from stale ones.
        """
        return getattr(self, "_grad_pass", 0)  # the slot is only filled by backward: no cost per new node

    def _initial_grad(self, grad: Any) -> Any:
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require a gradient: "
                               "no input of it was created with requires_grad=True (or it was built in no_grad)")
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient argument needs a scalar (one-element) tensor, this one has "
                    f"shape {self.shape}: reduce it first (e.g. .sum() or .mean()) or pass backward(grad) "
                    "with a gradient of the same shape"
                )
            return array_module(self._data).ones(self.shape, dtype=self.dtype)
        # in the root's dtype and on its device, like any other gradient: a float64 seed would run the
        # whole backward pass in float64 (and one on another device would fail in the first op)
        g = as_array(grad, self.dtype, self.device)
        if g.shape != self.shape:
            raise ops.ShapeError(f"backward: gradient shape {g.shape} does not match tensor shape {self.shape}")
        return g

    def _accumulate(self, g: Any) -> None:
        if g.dtype != self._data.dtype:
            g = g.astype(self._data.dtype)
        elif self._ctx is None:
            # a leaf keeps its gradient across steps and may be edited in place (clipping),
            # but g can be a read-only broadcast view or the very array sent to another leaf
            g = g.copy()
        if self.grad is None:
            self.grad = Tensor._make(g, False, (), None, "")
        else:
            self.grad = Tensor._make(self.grad._data + g, False, (), None, "")

    def _sends(self, g: Any) -> list:
        ctx = self._ctx
        if ctx.stamp < dispatch.clock:  # some tensor was edited in place since this op ran: was it one it saved?
            self._check_unmodified(ctx)
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

    # -- arithmetic ----------------------------------------------------------------------------
    def __add__(self, other: Any) -> "Tensor":
        return binary(ops.Add, self, lift(other, self))

    def __radd__(self, other: Any) -> "Tensor":
        return binary(ops.Add, lift(other, self), self)

    def __sub__(self, other: Any) -> "Tensor":
        return binary(ops.Sub, self, lift(other, self))

    def __rsub__(self, other: Any) -> "Tensor":
        return binary(ops.Sub, lift(other, self), self)

    def __mul__(self, other: Any) -> "Tensor":
        return binary(ops.Mul, self, lift(other, self))

    def __rmul__(self, other: Any) -> "Tensor":
        return binary(ops.Mul, lift(other, self), self)

    def __truediv__(self, other: Any) -> "Tensor":
        return binary(ops.Div, self, lift(other, self), true_division=True)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return binary(ops.Div, lift(other, self), self, true_division=True)

    def __mod__(self, other: Any) -> "Tensor":
        return binary(ops.Remainder, self, lift(other, self))

    def __rmod__(self, other: Any) -> "Tensor":
        return binary(ops.Remainder, lift(other, self), self)

    def __floordiv__(self, other: Any) -> "Tensor":
        return binary(ops.FloorDivide, self, lift(other, self))

    def __rfloordiv__(self, other: Any) -> "Tensor":
        return binary(ops.FloorDivide, lift(other, self), self)

    def __pow__(self, other: Any) -> "Tensor":
        if isinstance(other, (int, float, np.number)) and not isinstance(other, (bool, np.bool_)):
            if self._data.dtype.kind in "iu" and isinstance(other, (int, np.integer)) and other < 0:
                raise ops.ArgumentError(f"{self.dtype} ** {other}: integers to negative integer powers are not "
                                        "integers; make one side a float (x.float() ** -2)")
            base = self if self._data.dtype.kind == "f" or not isinstance(other, (float, np.floating)) \
                else self.astype(np.float32)  # int ** 0.5 is a float32, as in PyTorch
            # a NumPy scalar becomes a Python number: float32 ** np.float64(2) would otherwise give float64
            return apply(ops.PowScalar, base, p=other.item() if isinstance(other, np.generic) else other)
        return binary(ops.Pow, self, lift(other, self))

    def __rpow__(self, other: Any) -> "Tensor":
        return binary(ops.Pow, lift(other, self), self)

    def __matmul__(self, other: Any) -> "Tensor":
        return binary(ops.MatMul, self, lift(other, self))

    def __rmatmul__(self, other: Any) -> "Tensor":
        return binary(ops.MatMul, lift(other, self), self)

    matmul = __matmul__

    def __neg__(self) -> "Tensor":
        return apply(ops.Neg, self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return self.abs()

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise max with another tensor or a number; a tie sends half the gradient each way."""
        return binary(ops.Maximum, self, lift(other, self))

    def __getitem__(self, index: Any) -> "Tensor":
        index = raw_index(index, self.device)
        split = ops.split_int_picks(index)
        if split is not None:  # x[1, :, idx]: PyTorch's places for idx's axes, not NumPy's
            return self[split[0]][split[1]]
        if self.device != "cpu":
            ops.check_index_bounds(index, self.shape)
        return apply(ops.GetItem, self, index=index)

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
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous: use .any()/.all()")
        return bool(to_numpy(self._data.reshape(())).item())

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]


dispatch.Tensor = Tensor  # apply() and the method modules make Tensors through it (they sit below this file)
