"""`Module`: the base class of every layer and network.

A module is a Python object whose attributes hold its *parameters* (tensors that
require a gradient, trained by an optimizer), its *buffers* (tensors that are saved
but not trained, like BatchNorm's running statistics) and its *child modules*
(directly, or inside a list/tuple/dict, as `Sequential.layers`). Everything else
(`parameters()`, `state_dict()`, `train()`, the repr) walks that tree.

Assigning ``self.w = Tensor(..., requires_grad=True)`` registers ``w`` as a parameter;
``self.register_buffer("running_mean", t)`` registers a buffer. Parameters stay
registered when frozen (``requires_grad_(False)``), so saving and loading still
see them and optimizers skip them.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .. import autograd
from ..backend import check_device, device_of, to_device, to_numpy
from ..tensor import Tensor


class StateDictError(KeyError):
    """A state dict that does not fit the module: missing or unexpected keys, or a wrong shape."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class RemovableHandle:
    """What ``register_forward_hook`` gives back: ``handle.remove()`` takes the hook off (safe twice).

    Also a context manager: ``with model.register_forward_hook(f): ...`` removes it at the end.
    """

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Callable]):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class Module:
    """Base class: subclasses call ``super().__init__()`` and implement ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_param_names", [])
        object.__setattr__(self, "_buffer_names", [])
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_param_names")
        if params is None:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        is_param = (isinstance(value, Tensor) and value.is_leaf and name not in self._buffer_names
                    and (value.requires_grad or name in params))
        if is_param and name not in params:
            params.append(name)
        elif not is_param and name in params:
            params.remove(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for names in (self._param_names, self._buffer_names):
            if name in names:
                names.remove(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor) -> None:
        """Keep ``tensor`` as state that is saved and moved with the module but not trained."""
        if not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor, got {type(tensor).__name__}")
        if name in self._param_names:
            self._param_names.remove(name)
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        object.__setattr__(self, name, tensor.detach())

    # -- forward -----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # every graph node made inside forward remembers this module, so pictures can group layers
        with autograd.scope(self):
            if not self.__dict__.get("_forward_pre_hooks") and not self.__dict__.get("_forward_hooks"):
                return self.forward(*args, **kwargs)
            return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hook in list(self.__dict__.get("_forward_pre_hooks", {}).values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        hooks = list(self.__dict__.get("_forward_hooks", {}).values())
        try:
            output = self.forward(*args, **kwargs)
        except BaseException:
            for hook, always_call in hooks:  # as in PyTorch: these see output None, then the error goes on
                if always_call:
                    hook(self, args, None)
            raise
        for hook, _ in hooks:
            changed = hook(self, args, output)
            if changed is not None:
                output = changed
        return output

    # -- hooks (PyTorch's semantics) -----------------------------------------------------------
    def _hooks(self, name: str) -> dict[int, Any]:
        if name not in self.__dict__:
            object.__setattr__(self, name, {})
        return self.__dict__[name]

    def register_forward_pre_hook(self, hook: Callable[["Module", tuple], Any]) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a non-None result replaces the inputs.

        Returns a handle whose ``remove()`` takes the hook off again.
        """
        hooks = self._hooks("_forward_pre_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[["Module", tuple, Any], Any], *,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a non-None result replaces the output.

        Returns a handle whose ``remove()`` takes the hook off again. ``always_call=True``:
        the hook also runs (with output None) when forward raised, before the error goes on.
        Hooks are how `minigrad.diagnose.Monitor` watches a model without changing it.
        """
        hooks = self._hooks("_forward_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (hook, always_call)
        return handle

    # -- walking the tree --------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Direct sub-modules with their attribute names (``layers.0`` for an item of a list)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, Module):
                        yield f"{name}.{key}", item

    def children(self) -> Iterator["Module"]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """This module (name ``""``) and every module below it, depth first, each once."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """Every parameter with its dotted name (``layers.0.weight``), each tensor once, frozen ones included."""
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            for name in module._param_names:
                p = module.__dict__[name]
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{prefix}.{name}" if prefix else name), p

    def parameters(self) -> list[Tensor]:
        """All parameters (frozen ones too: optimizers skip those without ``requires_grad``)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for prefix, module in self.named_modules():
            for name in module._buffer_names:
                yield (f"{prefix}.{name}" if prefix else name), module.__dict__[name]

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # -- training helpers ----------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (they accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> "Module":
        """Training mode: Dropout drops, BatchNorm uses batch statistics. Returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        """Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, flag: bool = True) -> "Module":
        """Switch gradients of every parameter on or off (off = frozen, e.g. a pretrained body)."""
        for p in self.parameters():
            p.requires_grad_(flag)
            if not flag:
                p.grad = None
        return self

    def freeze(self) -> "Module":
        """Freeze every parameter: no gradient is computed for them and optimizers leave them alone."""
        return self.requires_grad_(False)

    def unfreeze(self) -> "Module":
        return self.requires_grad_(True)

    def to(self, device: str) -> "Module":
        """Move parameters and buffers to ``device`` in place (they stay the same leaf tensors)."""
        device = check_device(device)
        for t in self._tensors():
            t.data = to_device(t.data, device)
            if t.grad is not None:
                t.grad = Tensor(to_device(t.grad.data, device), device=device)
        return self

    def astype(self, dtype: Any) -> "Module":
        """Cast parameters and buffers in place (``double()`` for gradient checking)."""
        for t in self._tensors():
            t.data = t.data.astype(dtype)
            t.grad = None
        return self

    def double(self) -> "Module":
        return self.astype(np.float64)

    def float(self) -> "Module":
        return self.astype(np.float32)

    def _tensors(self) -> list[Tensor]:
        return self.parameters() + [b for _, b in self.named_buffers()]

    @property
    def device(self) -> str:
        tensors = self._tensors()
        return device_of(tensors[0].data) if tensors else "cpu"

    # -- saving and loading --------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and buffers by dotted name, as NumPy copies (safe to keep while training goes on)."""
        out = {name: to_numpy(p.data).copy() for name, p in self.named_parameters()}
        out.update({name: to_numpy(b.data).copy() for name, b in self.named_buffers()})
        return out

    def _state_tensors(self) -> dict[str, Tensor]:
        own = dict(self.named_parameters())
        own.update(dict(self.named_buffers()))
        return own

    def check_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Raise `StateDictError` naming every missing/unexpected key and shape mismatch; change nothing.

        ``strict=False`` accepts missing and unexpected keys (shapes of shared keys must still fit).
        """
        own = self._state_tensors()
        problems = []
        if strict:
            missing = [k for k in own if k not in state]
            unexpected = [k for k in state if k not in own]
            if missing:
                problems.append(f"missing keys: {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected keys: {', '.join(unexpected)}")
        for k, t in own.items():
            if k in state:
                shape = tuple(np.shape(state[k].data if isinstance(state[k], Tensor) else state[k]))
                if shape != tuple(t.shape):
                    problems.append(f"{k}: shape {shape} in the state dict, {tuple(t.shape)} in the model")
        if problems:
            raise StateDictError(f"state dict does not fit {type(self).__name__}: " + "; ".join(problems))

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> "Module":
        """Copy arrays from ``state`` into the parameters and buffers, after checking every key and shape.

        Nothing is changed if anything does not fit. Values keep each tensor's dtype and device,
        and the tensors stay the same objects (an optimizer holding them keeps working).
        ``strict=False`` loads only the keys both sides have (e.g. a pretrained body under a new head).
        """
        self._commit(self._prepared(state, strict=strict))
        return self

    def _prepared(self, state: Mapping[str, Any], strict: bool = True) -> list[tuple[Tensor, Any]]:
        """(tensor, new array) pairs for `_commit`, checked and converted: everything that can fail happens
        here, so a loader can check several objects before it changes any."""
        self.check_state_dict(state, strict=strict)
        new = []
        for k, t in self._state_tensors().items():
            if k not in state:
                continue
            value = state[k]
            value = value.data if isinstance(value, Tensor) else value
            if not isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
                value = to_numpy(value)  # a CuPy array
            try:
                host = np.array(value, dtype=t.dtype)  # always a copy: the model must not alias the caller's array
            except (TypeError, ValueError) as exc:
                raise StateDictError(f"{k}: cannot use a value of type {type(value).__name__} ({exc})") from None
            new.append((t, to_device(host, t.device)))
        return new

    @staticmethod
    def _commit(prepared: list[tuple[Tensor, Any]]) -> None:
        for t, value in prepared:
            t.data = value

    # -- display -------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of this module's repr."""
        return ""

    def _param_note(self) -> str:
        tensors = [self.__dict__[n] for n in self._param_names]
        if not tensors:
            return ""
        note = f"  # {sum(t.size for t in tensors):,} params"
        frozen = [t for t in tensors if not t.requires_grad]
        if frozen:
            note += " (frozen)" if len(frozen) == len(tensors) else " (partly frozen)"
        return note

    def _repr_lines(self) -> list[str]:
        kids = list(self.named_children())
        if not kids:
            return [f"{type(self).__name__}({self.extra_repr()})" + self._param_note()]
        extra = self.extra_repr()  # a container shows its arguments as a comment on the first line
        lines = [f"{type(self).__name__}(" + (f"  # {extra}" if extra else "") + self._param_note()]
        for name, child in kids:
            sub = child._repr_lines()
            lines.append(f"  ({name}): {sub[0]}")
            lines.extend("  " + s for s in sub[1:])
        lines.append(")")
        return lines

    def _repr_html_(self) -> str:
        """Jupyter's view: a table of layers with parameter counts (see `minigrad.viz.notebook`)."""
        from ..viz.notebook import module_html
        return module_html(self)

    def __repr__(self) -> str:
        """The module tree with parameter counts per layer and, for containers, the total."""
        lines = self._repr_lines()
        if len(lines) > 1:
            total = self.num_parameters()
            frozen = total - self.num_parameters(trainable_only=True)
            lines[-1] += f"  # total {total:,} parameters" + (f", {frozen:,} frozen" if frozen else "")
        return "\n".join(lines)
