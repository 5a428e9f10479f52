"""Import-on-first-use for package attributes, so ``import minigrad`` stays fast.

A package sets ``__getattr__ = lazy_getattr(__name__, globals(), attributes, submodules)``:
``attributes`` maps a public name to the (module, attribute) it comes from, ``submodules``
names the submodules that are imported when first touched (nn, viz, matplotlib's users...).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_getattr(package: str, namespace: dict, attributes: dict[str, tuple[str, str]],
                 submodules: set[str]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name in attributes:
            module, attr = attributes[name]
            value = getattr(importlib.import_module(module), attr)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value  # found once: later lookups never come here
        return value

    return __getattr__
