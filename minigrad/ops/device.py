"""Moving a tensor between devices and dtypes: the gradient goes back the same way."""
from __future__ import annotations

from ..backend import device_of, to_device
from .base import Function


class ToDevice(Function):
    name, formulas, saves_inputs = "to", ("g copied back to the input's device",), False

    def forward(self, xp, a, device):
        self.saved = (device_of(a),)
        return to_device(a, device)

    def backward(self, g):
        return (to_device(g, self.saved[0]),)


class AsType(Function):
    name, formulas, saves_inputs = "astype", ("g cast back to the input's dtype",), False

    def forward(self, xp, a, dtype):
        self.saved = (a.dtype,)
        return a.astype(dtype)

    def backward(self, g):
        return (g.astype(self.saved[0]),)
