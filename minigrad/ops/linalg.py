"""Matrix product."""
from __future__ import annotations

from .base import Function, ShapeError, unbroadcast


class MatMul(Function):
    """Matrix product with NumPy's rules: 1-D operands are promoted, batch axes broadcast."""

    name, formulas = "@", ("g @ bᵀ", "aᵀ @ g")

    def forward(self, xp, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError("@: matmul needs operands with at least one dimension; multiply by a 0-d tensor with *")
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            # NumPy's own message speaks of gufunc signatures; say what a learner can fix
            where = "its only axis" if b.ndim == 1 else "its second-to-last axis"
            raise ShapeError(f"@: shapes {a.shape} and {b.shape} do not fit: inner sizes differ: a has "
                             f"{a.shape[-1]} columns (its last axis), b has {b.shape[0 if b.ndim == 1 else -2]} "
                             f"rows ({where})")
        self.saved = (a, b)
        return a @ b

    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        if a.ndim == 2 and b.ndim == 2:  # the common case (every Linear layer), written out plainly
            return (g @ b.T if self.needs[0] else None, a.T @ g if self.needs[1] else None)
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            return (g * b if self.needs[0] else None, g * a if self.needs[1] else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        ga = gb = None
        if self.needs[0]:
            ga = g2 @ xp.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga[..., 0, :] if a.ndim == 1 else ga, a.shape)
        if self.needs[1]:
            gb = xp.swapaxes(a2, -1, -2) @ g2
            gb = unbroadcast(gb[..., 0] if b.ndim == 1 else gb, b.shape)
        return ga, gb
