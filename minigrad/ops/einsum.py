"""Einsum: Einstein summation with PyTorch's (and NumPy's) equation language (``mg.einsum`` calls it).

    mg.einsum("bij,bjk->bik", a, b)      # batched matrix product
    mg.einsum("ii->", m)                 # trace
    mg.einsum("...d,...d->...", q, k)    # dot products over the last axis, any batch shape

One `Function`: the forward is the backend's einsum; the gradient for each operand is
another einsum, of the output gradient with the other operands, back to that operand's
subscripts. Letters only that operand has (summed away in forward) come back by
broadcasting; a repeated letter (a diagonal, as in ``"ii->i"``) writes the gradient onto
the diagonal of a zero array.
"""
from __future__ import annotations

import string
from typing import Any, Sequence

from .base import Function, ShapeError


class EquationError(ValueError, RuntimeError):
    """An einsum equation that is not well formed or names the wrong number of operands.

    A `ValueError` as Python code expects, and a `RuntimeError` as PyTorch raises it.
    """


def parse(equation: str, ndims: Sequence[int]) -> tuple[list[str], str]:
    """The equation with ``...`` spelled out as letters and the output made explicit.

    Implicit output (no ``->``): the ellipsis axes, then every letter used exactly once, in
    alphabetical order (upper case first), as NumPy and PyTorch do.
    """
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise EquationError(f"einsum: the equation {equation!r} names {len(terms)} operand(s), "
                            f"got {len(ndims)} tensor(s)")
    for term in terms + ([out] if arrow else []):
        rest = term.replace("...", "", 1)
        bad = [c for c in rest if c not in string.ascii_letters]
        if bad:
            raise EquationError(f"einsum: {equation!r}: subscripts are letters and one '...' per term, "
                                f"found {bad[0]!r}")
    used = set(c for c in eq if c in string.ascii_letters)
    ellipsis_dims = [n - (len(t) - 3) for t, n in zip(terms, ndims) if "..." in t]
    width = max(ellipsis_dims, default=0)
    spare = [c for c in string.ascii_letters if c not in used][:width]
    expanded = []
    for i, (term, n) in enumerate(zip(terms, ndims)):
        named = len(term) - (3 if "..." in term else 0)
        if ("..." in term and named > n) or ("..." not in term and named != n):
            raise ShapeError(f"einsum: operand {i} has {n} dimension(s) but its subscripts {term!r} name {named}")
        k = n - named
        expanded.append(term.replace("...", "".join(spare[width - k:]) if k else ""))
    if arrow:
        if "..." in out:
            out = out.replace("...", "".join(spare))
        for c in out:
            if out.count(c) > 1 or not any(c in t for t in expanded):
                raise EquationError(f"einsum: {equation!r}: output subscript {c!r} appears twice or in no operand")
    else:
        joined = "".join(t.replace("...", "") for t in terms)
        out = "".join(spare) + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    return expanded, out


def check(equation: str, shapes: Sequence[tuple]) -> tuple[list[str], str]:
    """The equation's terms and output (`parse`) after checking it against the operands' shapes."""
    terms, out = parse(equation, [len(s) for s in shapes])
    _check_sizes(equation, terms, [tuple(s) for s in shapes])
    return terms, out


def _check_sizes(equation: str, terms: list[str], shapes: list[tuple]) -> None:
    """Each letter names one size (or 1, which broadcasts), across and within operands."""
    sizes: dict[str, tuple[int, int]] = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        seen: dict[str, int] = {}
        for c, n in zip(term, shape):
            if c in seen and seen[c] != n:
                raise ShapeError(f"einsum: {equation!r}: operand {i} {shape} repeats subscript {c!r} over axes "
                                 f"of sizes {seen[c]} and {n} (a diagonal needs equal sizes)")
            seen[c] = n
            if c in sizes and n != 1 and sizes[c][1] != 1 and sizes[c][1] != n:
                j = sizes[c][0]
                raise ShapeError(f"einsum: {equation!r}: subscript {c!r} has size {sizes[c][1]} in operand {j} "
                                 f"{shapes[j]} but {n} in operand {i} {shape}")
            if c not in sizes or sizes[c][1] == 1:
                sizes[c] = (i, n)


class Einsum(Function):
    name = "einsum"
    formulas = ("einsum(g, other operands) back to this operand's subscripts",)

    def forward(self, xp, *arrays, terms, out):
        self.saved = arrays
        return xp.einsum(f"{','.join(terms)}->{out}", *arrays, optimize=len(arrays) > 1)

    def backward(self, g):
        arrays, terms, out, xp = self.saved, self.params["terms"], self.params["out"], self.xp
        grads = []
        for i, need in enumerate(self.needs):
            grads.append(_operand_grad(xp, g, arrays, terms, out, i) if need else None)
        return tuple(grads)

    def describe(self):
        return f"einsum({','.join(self.params['terms'])}->{self.params['out']})"


def _operand_grad(xp: Any, g: Any, arrays: tuple, terms: list[str], out: str, i: int) -> Any:
    x, term = arrays[i], terms[i]
    others = [j for j in range(len(arrays)) if j != i]
    available = set(out).union(*(terms[j] for j in others))
    letters = list(dict.fromkeys(term))  # each letter once, in order of first appearance
    size = {c: x.shape[term.index(c)] for c in letters}
    target = "".join(c for c in letters if c in available)
    spec = ",".join([out] + [terms[j] for j in others]) + "->" + target
    grad = xp.einsum(spec, g, *(arrays[j] for j in others), optimize=bool(others))
    # letters only this operand has were summed in forward: every entry along them gets the same gradient
    grad = grad.reshape([grad.shape[target.index(c)] if c in target else 1 for c in letters])
    squeezed = tuple(k for k, c in enumerate(letters) if size[c] == 1 and grad.shape[k] != 1)
    if squeezed:  # this operand was broadcast (size 1) against a larger one: add the copies' gradients
        grad = grad.sum(axis=squeezed, keepdims=True)
    grad = xp.broadcast_to(grad, [size[c] for c in letters])
    if len(letters) == len(term):
        return grad
    # a repeated letter is a diagonal: write the gradient onto the diagonal of zeros through a strided view
    full = xp.zeros(x.shape, dtype=grad.dtype)
    strides = [sum(full.strides[k] for k, t in enumerate(term) if t == c) for c in letters]
    diagonal = xp.lib.stride_tricks.as_strided(full, shape=grad.shape, strides=strides)
    diagonal[...] = grad
    return full
