"""The C the fake ``cupy.ElementwiseKernel`` understands, translated to Python on NumPy arrays (see tests/fake_cupy.py).

A small subset of CUDA C: ``;``-separated assignments and declarations, arithmetic, comparisons,
``sqrt``/``exp``/``log``/``fabs``/``max``/``min``/``floor`` and the ternary ``c ? a : b``.
Anything else (casts, logical operators, indexing, raw parameters) raises NotImplementedError,
so a kernel the fake cannot run faithfully is refused rather than run wrong.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from .fake_cupy_counts import _kernel

_C_FUNCTIONS = {"sqrt": "np.sqrt", "exp": "np.exp", "log": "np.log", "fabs": "np.abs", "abs": "np.abs",
                "max": "np.maximum", "min": "np.minimum", "fmax": "np.maximum", "fmin": "np.minimum",
                "tanh": "np.tanh", "pow": "np.power", "floor": "np.floor", "ceil": "np.ceil"}
_C_TYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64, "float": np.float32,
            "double": np.float64, "int32": np.int32, "int64": np.int64, "int": np.int32, "bool": np.bool_,
            "uint8": np.uint8, "int8": np.int8, "uint32": np.uint32, "uint64": np.uint64}
_C_TOKEN = (r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[fF]?|([A-Za-z_]\w*)"
            r"|(&&|\|\||[<>=!]=|[-+*/()<>?:,!]))")


def _c_expression(text: str) -> str:
    """A CUDA C expression as Python on NumPy arrays; refuses what it does not know (casts, pointers, ...)."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = re.compile(_C_TOKEN).match(text, pos)
        if not m or m.end() == pos:
            raise NotImplementedError(f"fake ElementwiseKernel: cannot read {text[pos:]!r} in {text!r}")
        number, name, op = m.groups()
        if name in _C_TYPES or name == "T":
            raise NotImplementedError(f"fake ElementwiseKernel: casts are not supported ({text!r})")
        if op in ("&&", "||", "!"):  # C binds them looser than comparisons, NumPy's & | ~ tighter
            raise NotImplementedError(f"fake ElementwiseKernel: logical operators are not supported ({text!r})")
        tokens.append(number if number else _C_FUNCTIONS.get(name, name) if name else op)
        pos = m.end()

    def ternary(toks: list) -> str:
        """Top-level ``c ? a : b`` as np.where(c, a, b); parentheses recursed into."""
        depth, q = 0, None
        for i, t in enumerate(toks):
            depth += t == "("
            depth -= t == ")"
            if depth == 0 and t == "?":
                q = i
                break
        if q is None:
            out, i = [], 0
            while i < len(toks):
                if toks[i] == "(":
                    depth, j = 1, i + 1
                    while depth:
                        depth += toks[j] == "("
                        depth -= toks[j] == ")"
                        j += 1
                    out.append("(" + ternary(toks[i + 1:j - 1]) + ")")
                    i = j
                else:
                    out.append(toks[i])
                    i += 1
            return " ".join(out)
        depth, nested = 0, 0
        for k in range(q + 1, len(toks)):
            t = toks[k]
            depth += t == "("
            depth -= t == ")"
            if depth == 0 and t == "?":
                nested += 1
            elif depth == 0 and t == ":":
                if nested == 0:
                    return (f"np.where({ternary(toks[:q])}, {ternary(toks[q + 1:k])}, "
                            f"{ternary(toks[k + 1:])})")
                nested -= 1
        raise NotImplementedError("fake ElementwiseKernel: '?' without ':'")

    return ternary(tokens)


def _c_params(spec: str) -> list[tuple[str, str]]:
    """``"T x, float32 lr"`` -> [("T", "x"), ("float32", "lr")]; raw/pointer parameters are refused."""
    params = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        words = part.split()
        if len(words) != 2 or words[0] == "raw":
            raise NotImplementedError(f"fake ElementwiseKernel: parameter {part!r} (raw arrays are not modelled)")
        params.append((words[0], words[1]))
    return params


class ElementwiseKernel:
    """Fake ``cupy.ElementwiseKernel``: one kernel per call, its C operation run with NumPy.

    ``array_type`` is the fake's device array class (its NumPy storage in ``._a``).
    """

    def __init__(self, in_params: str, out_params: str, operation: str, name: str = "kernel", *,
                 array_type: type, **_: Any):
        self.array_type = array_type
        self.ins, self.outs, self.name = _c_params(in_params), _c_params(out_params), name
        self.statements = []
        for statement in filter(None, (s.strip() for s in operation.split(";"))):
            m = re.fullmatch(r"(?:const\s+)?(?:([A-Za-z_]\w*)\s+)?([A-Za-z_]\w*)\s*([-+*/]?=)\s*(.+)", statement,
                             re.S)
            if not m:
                raise NotImplementedError(f"fake ElementwiseKernel: cannot read statement {statement!r}")
            declared, target, assign, expr = m.groups()
            if declared is not None and declared not in _C_TYPES and declared != "T" and \
                    declared not in {t for t, _ in self.ins + self.outs}:
                raise NotImplementedError(f"fake ElementwiseKernel: unknown type {declared!r}")
            self.statements.append((declared, target, assign, compile(_c_expression(expr), name, "eval")))

    def __call__(self, *args: Any, size: Any = None, **_: Any) -> Any:
        ndarray_ = self.array_type
        if len(args) not in (len(self.ins), len(self.ins) + len(self.outs)):
            raise TypeError(f"Wrong number of arguments for {self.name!r}")
        arrays = [a for a in args if isinstance(a, ndarray_)]
        if any(isinstance(a, np.ndarray) for a in args):
            raise TypeError(f"Unsupported type {np.ndarray}")
        types: dict[str, Any] = {}
        for (ctype, pname), a in zip(self.ins + self.outs, args):
            if isinstance(a, ndarray_) and ctype not in _C_TYPES:
                if ctype in types and types[ctype] != a.dtype:
                    raise TypeError(f"Type is mismatched. {pname} {a.dtype} {types[ctype]}")
                types[ctype] = a.dtype

        def dtype_of(ctype: str, value: Any) -> Any:
            if ctype in _C_TYPES:
                return np.dtype(_C_TYPES[ctype])
            return types.get(ctype, np.asarray(value).dtype)

        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        env: dict[str, Any] = {}
        for (ctype, pname), a in zip(self.ins, args):
            value = a._a if isinstance(a, ndarray_) else np.asarray(a, dtype=dtype_of(ctype, a))[()]
            env[pname] = np.broadcast_to(value, shape) if isinstance(a, ndarray_) else value
        given = args[len(self.ins):]
        outs = list(given) if given else [ndarray_(np.empty(shape, dtype_of(t, 0.0))) for t, _ in self.outs]
        for (_ctype, pname), o in zip(self.outs, outs):
            env[pname] = o._a.copy()
        _kernel(self.name)
        for declared, target, assign, code in self.statements:
            value = eval(code, {"np": np}, env)  # noqa: S307 - our own translated kernel text
            if assign != "=":
                value = {"+=": np.add, "-=": np.subtract, "*=": np.multiply, "/=": np.divide}[assign](
                    env[target], value)
            out_type = next((t for t, n in self.outs if n == target), declared)
            if out_type is not None:
                value = np.asarray(value).astype(dtype_of(out_type, value), copy=False)
            env[target] = value
        for (_, pname), o in zip(self.outs, outs):
            o._a[...] = env[pname]
        return outs[0] if len(outs) == 1 else tuple(outs)
