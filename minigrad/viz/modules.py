"""Which module each node of a graph belongs to, for pictures that group or fold a network's layers.

Every node remembers the Module whose forward made it (its scope, the innermost
one). With the model at hand the modules also have names (``layers.0``) and an
order, and a module can be folded into its parent: the 16 neurons of a scalar
``Layer`` become one box, where a ``Sequential``'s alternating Linear and Tanh stay
apart (they are steps of a chain, not copies side by side).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

from ..autograd import is_node


def _module_like(x: Any) -> bool:
    return callable(getattr(x, "parameters", None)) and not is_node(x)


def _children(m: Any) -> Iterator[tuple[str, Any]]:
    """``(attribute name, value)`` of a micrograd-style object, lists and tuples opened (``neurons.3``)."""
    for attr, value in vars(m).items() if hasattr(m, "__dict__") else ():
        if isinstance(value, (list, tuple)):
            yield from ((f"{attr}.{i}", v) for i, v in enumerate(value))
        else:
            yield attr, value


def named_modules(model: Any) -> list[tuple[str, Any]]:
    """``(dotted name, module)`` for a model and everything below it (nn.Module or micrograd-style objects)."""
    if callable(getattr(model, "named_modules", None)):
        return list(model.named_modules())
    out: list = []
    seen: set[int] = set()
    stack = [("", model)]
    while stack:
        name, m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        out.append((name, m))
        kids = [(n, v) for n, v in _children(m) if _module_like(v)]
        stack.extend((f"{name}.{n}" if name else n, k) for n, k in reversed(kids))
    return out


def named_parameters(m: Any, own: bool = False) -> list[tuple[str, Any]]:
    """``(dotted name, parameter)`` of a module (``own``: without those of its sub-modules)."""
    named = getattr(m, "named_parameters", None)
    if callable(named):  # minigrad.nn.Module: dotted names belong to children
        return [(n, p) for n, p in named() if not own or "." not in n]
    out = []
    for name, value in _children(m):
        if is_node(value):
            out.append((name, value))
        elif _module_like(value) and not own:
            out.extend((f"{name}.{n}", p) for n, p in named_parameters(value))
    if not out and not own:  # an object with parameters() but no attributes we can name
        params = getattr(m, "parameters", None)
        out = [(str(i), p) for i, p in enumerate(params())] if callable(params) else []
    return out


def short_repr(m: Any) -> str:
    text = repr(m).split("\n")[0].split("  #")[0].strip()
    return text if len(text) <= 40 and not text.endswith("(") else type(m).__name__


class Modules:
    """The modules of a graph's nodes: names, order, own parameters, and (with ``model``) their parents."""

    def __init__(self, nodes: list, model: Any = None):
        self.names: dict[int, str] = {}
        self.module: dict[int, Any] = {}  # id(module) -> module
        self.key: dict[int, str] = {}  # id(module) -> "m0", "m1", ... in order from the input side
        self.params: dict[int, list] = {}  # id(module) -> its own parameters
        self.owner: dict[int, tuple] = {}  # id(parameter) -> (owning module, parameter name)
        self.parent: dict[int, Any] = {}  # id(module) -> the module that holds it (known with a model)
        self.by_key: dict[str, Any] = {}  # "m0" -> module
        self.dotted: dict[int, str] = {}  # id(module) -> its attribute path in the model ("layers.0")
        found: list = []
        for node in nodes:  # parents first: modules are numbered from the input side
            m = getattr(node, "scope", None)
            if m is not None and id(m) not in self.module:
                self._add(m, found)
        self.order: dict[int, int] = {}  # id(module) -> position in the model (for a stable picture)
        if model is not None:
            tree = named_modules(model)
            by_name = {name: m for name, m in tree}
            for i, (name, m) in enumerate(tree):
                self.order[id(m)] = i
                self.names[id(m)] = f"{name or 'model'}: {short_repr(m)}"
                self.dotted[id(m)] = name or "model"
                prefix = name
                while prefix:  # the nearest enclosing module: "layers.0.neurons.3" -> "layers.0" (a list between)
                    prefix = prefix.rpartition(".")[0]
                    if prefix in by_name or not prefix:
                        self.parent[id(m)] = by_name.get(prefix, model)
                        break
            self.root = model
        else:
            self.root = None
        reprs = Counter(short_repr(m) for m in found)
        seen: Counter = Counter()
        for m in found:
            if id(m) not in self.names:
                text = short_repr(m)
                seen[text] += 1
                self.names[id(m)] = f"{text} #{seen[text]}" if reprs[text] > 1 else text
        # the biggest modules first, so a parameter ends up owned by the smallest module that holds it
        for m in sorted(found, key=lambda m: -len(named_parameters(m, own=True))):
            own = named_parameters(m, own=True)
            self.params[id(m)] = [p for _, p in own]
            for name, p in own:
                self.owner[id(p)] = (m, name)
        self._found = found

    def _add(self, m: Any, found: list) -> None:
        self.module[id(m)] = m
        self.key[id(m)] = f"m{len(found)}"
        self.by_key[self.key[id(m)]] = m
        found.append(m)

    def rank(self, key: str) -> tuple:
        """Sort key of a summary box: model order, then order of appearance; inputs first, loose ops last."""
        if key in ("inputs", "ops"):
            return (-1 if key == "inputs" else 1 << 30, 0)
        m = self.by_key[key]
        return (self.order.get(id(m), len(self.order)), int(key[1:]))

    def group_of(self, node: Any) -> Any:
        """The module a node belongs to: its owner for a parameter, else the module whose forward made it."""
        owned = self.owner.get(id(node))
        if owned is not None:
            return owned[0]
        return getattr(node, "scope", None)

    def folded(self, m: Any) -> Any:
        """The module ``m`` folds into when everything is collapsed: its parent when that holds only copies
        of ``m``'s kind (a Layer's neurons) and is not the whole model; else ``m`` itself."""
        parent = self.parent.get(id(m))
        if parent is None or parent is self.root or any(_module_like(v) for _, v in _children(m)):
            return m
        kids = [v for _, v in _children(parent) if _module_like(v)]
        if any(type(k) is not type(m) for k in kids):
            return m
        if id(parent) not in self.module:
            self._add(parent, self._found)
            self.params[id(parent)] = [p for _, p in named_parameters(parent)]
            kind = f"{type(parent).__name__} ({len(kids)} × {short_repr(m)})"
            self.names[id(parent)] = f"{self.dotted[id(parent)]}: {kind}"
        return parent
