"""In-place edits of a Tensor (PyTorch's ``x.zero_()``, ``x[0] = 5``, ``x -= lr * g``), each counted by the
version counter so that a backward pass through the old values is refused rather than silently wrong."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd, dispatch
from .backend import array_module, to_device
from .dispatch import lift
from .ops.index import raw_index


class InPlaceOps:
    """Mixed into `Tensor`: the methods that change its own data."""

    __slots__ = ()

    def _write(self, what: str, value: Any, index: Any = Ellipsis) -> Any:
        """Write ``value`` into this tensor's own array at ``index`` and count it as an in-place change."""
        if autograd.is_grad_enabled() and self.requires_grad:
            where = "a leaf that requires grad" if self._ctx is None else "a tensor that is part of a graph"
            raise RuntimeError(f"{what}: an in-place change of {where} would make its gradients wrong. "
                               "Change parameters inside `with mg.no_grad():` (as optimizers do), or compute "
                               "a new tensor instead (x = x + 1, mg.where, masked_fill).")
        if not isinstance(value, dispatch.Tensor) and not hasattr(value, "dtype"):
            if autograd.is_node(value) or isinstance(value, (list, tuple)):  # x[0] = v would cut v from its graph
                value = dispatch.Tensor(value, dtype=self.dtype)  # refuses Values, with the usual message
        raw = value._data if isinstance(value, dispatch.Tensor) else value
        if isinstance(raw, np.ndarray) and raw.dtype.kind == "O":
            dispatch.refuse_objects(raw)
        if hasattr(raw, "dtype") or isinstance(raw, (list, tuple)):
            raw = to_device(raw if hasattr(raw, "dtype") else np.asarray(raw), self.device)
        target = self._data if index is Ellipsis else None
        if target is not None:
            array_module(self._data).copyto(self._data, raw, casting="same_kind")
        else:
            self._data[index] = raw
        self._mark_modified()
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._write("x[index] = value", value, raw_index(index, self.device))

    def zero_(self) -> Any:
        return self._write("zero_()", 0)

    def fill_(self, value: Any) -> Any:
        return self._write("fill_()", value)

    def copy_(self, src: Any) -> Any:
        return self._write("copy_()", src)

    def add_(self, other: Any, alpha: float = 1) -> Any:
        return self._write("add_()", self.detach() + lift(other, self).detach() * alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Any:
        return self._write("sub_()", self.detach() - lift(other, self).detach() * alpha)

    def mul_(self, other: Any) -> Any:
        return self._write("mul_()", self.detach() * lift(other, self).detach())

    def div_(self, other: Any) -> Any:
        return self._write("div_()", self.detach() / lift(other, self).detach())

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self._write("clamp_()", self.detach().clamp(min, max))

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._write("masked_fill_()", self.detach().masked_fill(mask, value))

    def _inplace_or_new(self, other: Any, how: str, symbol: str) -> Any:
        """``x += y``: in place where that is safe (PyTorch's meaning: other references see the change, so
        ``for p in params: p -= lr * p.grad`` trains); on a graph node a new tensor, as ``x = x + y``."""
        result = getattr(self, how)(other)
        if self.requires_grad and autograd.is_grad_enabled() and self._ctx is not None:
            return result
        if result.dtype != self.dtype and result.dtype.kind != self.dtype.kind:
            raise TypeError(f"x {symbol}= y: the result is {result.dtype}, which cannot be stored in this "
                            f"{self.dtype} tensor (write x = x {symbol} y for a new tensor)")
        return self._write(f"x {symbol}= y", result.detach())

    def __iadd__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__add__", "+")

    def __isub__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__sub__", "-")

    def __imul__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__mul__", "*")

    def __itruediv__(self, other: Any) -> Any:
        return self._inplace_or_new(other, "__truediv__", "/")
