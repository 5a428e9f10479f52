"""The names a learner finds already imported at the prompt.

``mg``, ``Value``, ``Tensor``, ``no_grad`` are real objects; ``nn``, ``optim``,
``data``, ``viz`` (and ``np``) are stand-ins that import their module on first use,
so the prompt appears fast and nobody waits for modules they never touch.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

# name in the namespace -> module it stands for
LAZY_MODULES = {
    "nn": "minigrad.nn",
    "optim": "minigrad.optim",
    "data": "minigrad.data",
    "viz": "minigrad.viz",
    "np": "numpy",
    "F": "minigrad.nn.functional",
}


class LazyModule(ModuleType):
    """A module that imports itself on first attribute access and then replaces itself in the namespace."""

    def __init__(self, name: str, target: str, namespace: dict):
        super().__init__(target)
        self.__dict__["_lazy"] = (name, target, namespace)

    def _load(self) -> ModuleType:
        name, target, namespace = self.__dict__["_lazy"]
        module = importlib.import_module(target)
        if namespace.get(name) is self:
            namespace[name] = module
        return module

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return getattr(self._load(), attr)

    def __dir__(self) -> list[str]:
        return dir(self._load())

    def __repr__(self) -> str:
        return f"<module {self.__dict__['_lazy'][1]!r} (imported on first use)>"


def build_namespace(ns: dict | None = None) -> dict:
    """Fill ``ns`` (cleared first; a new dict if None) with the names the prompt starts with."""
    import minigrad as mg
    from minigrad import Tensor, Value, no_grad

    ns = {} if ns is None else ns
    ns.clear()
    ns.update({"__name__": "__main__", "__builtins__": __builtins__, "mg": mg, "minigrad": mg,
                "Value": Value, "Tensor": Tensor, "no_grad": no_grad})
    for name, target in LAZY_MODULES.items():
        ns[name] = LazyModule(name, target, ns)
    return ns


def resolve(value: Any) -> Any:
    """The real module behind a `LazyModule` (anything else unchanged)."""
    return value._load() if isinstance(value, LazyModule) else value
