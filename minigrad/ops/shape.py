"""Shape primitives: reshape, transpose, broadcast (expand), joining tensors.

squeeze, unsqueeze, flatten, repeat, tile, flip, roll, triu and tril are composites of these
and of indexing (minigrad/shaping.py).
"""
from __future__ import annotations

from .base import Function, ShapeError, unbroadcast


class Clone(Function):
    """A copy of the data (PyTorch's clone): later in-place edits of either leave the other alone."""

    name, formulas, saves_inputs = "clone", ("g",), False

    def forward(self, xp, a):
        return a.copy()

    def backward(self, g):
        return (g,)


class Reshape(Function):
    name, formulas, saves_inputs = "reshape", ("g reshaped back",), False

    def forward(self, xp, a, shape):
        self.saved = (a.shape,)
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.saved[0]),)


class Transpose(Function):
    name, formulas, saves_inputs = "transpose", ("g transposed back",), False

    def forward(self, xp, a, axes):
        self.saved = (axes,)
        return xp.transpose(a, axes)

    def backward(self, g):
        axes = self.saved[0]
        if axes is None:
            return (self.xp.transpose(g),)
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a % len(axes)] = i
        return (self.xp.transpose(g, inverse),)


class Expand(Function):
    """Broadcast to ``shape`` without copying (PyTorch's expand); the gradient sums the copies back."""

    name, formulas, saves_inputs = "expand", ("g summed over the copies (unbroadcast)",), False

    def forward(self, xp, a, shape):
        self.saved = (a.shape,)
        try:
            return xp.broadcast_to(a, shape)
        except ValueError:
            raise ShapeError(f"expand: a tensor of shape {a.shape} cannot be broadcast to {tuple(shape)} "
                             "(only axes of size 1 can grow, and new axes go in front)") from None

    def backward(self, g):
        return (unbroadcast(g, self.saved[0]),)


class Cat(Function):
    name, formulas, saves_inputs = "cat", ("g split back into the pieces",), False

    def forward(self, xp, *arrays, axis):
        out = xp.concatenate(arrays, axis=axis)  # first: its errors (0-d pieces, a bad axis) say what is wrong
        self.saved = ([a.shape[axis] for a in arrays],)
        return out

    def backward(self, g):
        sizes = self.saved[0]
        axis = self.params["axis"]
        cuts, total = [], 0
        for n in sizes[:-1]:
            total += n
            cuts.append(total)
        pieces = self.xp.split(g, cuts, axis=axis)
        return tuple(p if need else None for p, need in zip(pieces, self.needs))


class Stack(Function):
    name, formulas, saves_inputs = "stack", ("g taken apart along the new axis",), False

    def forward(self, xp, *arrays, axis):
        return xp.stack(arrays, axis=axis)

    def backward(self, g):
        axis = self.params["axis"]
        return tuple(self.xp.take(g, i, axis=axis) if need else None for i, need in enumerate(self.needs))
