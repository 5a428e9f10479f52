"""Saving and loading models and optimizers: ``mg.save(obj, path)`` / ``mg.load(path, into=None)``.

A file is a NumPy ``.npz`` archive: one array per parameter, buffer (BatchNorm's
running statistics) and optimizer buffer, plus a ``__minigrad__`` entry holding a
small JSON text (format version, what each entry is, optimizer hyper-parameters).
No pickles: it is read with ``numpy.load(allow_pickle=False)``, so loading a file
cannot run code. Writing goes to a temporary file in the same folder that is then
renamed over the target (``os.replace``), so a crash never leaves half a file.
Loading checks every key and shape *before* assigning anything: a corrupt or
mismatched file raises `SerializationError` and leaves the model untouched.

    mg.save(model, "model.npz")
    mg.save({"model": model, "optimizer": opt, "epoch": 12}, "checkpoint.npz")
    mg.load("model.npz", into=model)
    mg.load("checkpoint.npz", into={"model": model, "optimizer": opt})   # -> {"epoch": 12, ...}
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .fileio import atomic_open
from .nn.module import Module, StateDictError
from .optim import Optimizer, OptimizerStateError

FORMAT = "minigrad"
VERSION = 1
_META = "__minigrad__"
_SEP = "/"  # entry name / key inside the entry


class SerializationError(ValueError):
    """A file that is not a minigrad checkpoint, is damaged, or does not fit what it is loaded into."""


# -- saving -----------------------------------------------------------------------------------------
def save(obj: Module | Optimizer | dict, path: str | os.PathLike) -> Path:
    """Write a Module, an Optimizer, or a dict of them (plus JSON-friendly extras such as an epoch
    number) to ``path`` (".npz" is added when the name has no suffix). Returns the path written."""
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".npz")
    entries = obj if isinstance(obj, dict) else {_single_name(obj): obj}
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {"format": FORMAT, "version": VERSION, "single": not isinstance(obj, dict),
                            "entries": {}}
    for name, value in entries.items():
        if not isinstance(name, str) or not name or _SEP in name or name == _META:
            raise ValueError(f"save: entry names must be non-empty strings without {_SEP!r}, got {name!r}")
        if isinstance(value, Module):
            state = value.state_dict()
            meta["entries"][name] = {"kind": "module", "class": type(value).__name__, "keys": list(state)}
        elif isinstance(value, Optimizer):
            sd = value.state_dict()
            state = sd["state"]
            meta["entries"][name] = {"kind": "optimizer", "class": sd["type"], "hyper": sd["hyper"],
                                     "steps": sd["steps"], "num_params": sd["num_params"], "keys": list(state)}
        else:
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                raise TypeError(f"save: entry {name!r} is a {type(value).__name__}; only Modules, Optimizers and "
                                "JSON values (numbers, strings, lists, dicts) can be saved") from None
            meta["entries"][name] = {"kind": "json", "value": value}
            continue
        for key, array in state.items():
            arrays[f"{name}{_SEP}{key}"] = np.asarray(array)
    arrays[_META] = np.array(json.dumps(meta))
    with atomic_open(path) as f:  # a crash half-way leaves the old file, never half a new one
        np.savez(f, **arrays)
    return path


def _single_name(obj: Any) -> str:
    if isinstance(obj, Module):
        return "model"
    if isinstance(obj, Optimizer):
        return "optimizer"
    raise TypeError(f"save: cannot save a {type(obj).__name__}; pass a Module, an Optimizer or a dict of them")


# -- loading ----------------------------------------------------------------------------------------
def read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    """The file's metadata and its arrays grouped by entry, checked for consistency; raises
    `SerializationError` for anything that is not an intact minigrad file."""
    path = Path(path)
    if not path.exists() and not path.suffix and path.with_suffix(".npz").exists():
        path = path.with_suffix(".npz")
    if not path.exists():
        raise FileNotFoundError(f"load: no such file: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _META not in archive.files:
                raise SerializationError(f"load: {path} is an .npz file but not a minigrad checkpoint "
                                         f"(no {_META} entry)")
            meta = json.loads(str(archive[_META]))
            data = {k: archive[k] for k in archive.files if k != _META}
    except SerializationError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, json.JSONDecodeError) as exc:
        raise SerializationError(f"load: {path} is damaged or not a minigrad checkpoint ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SerializationError(f"load: {path} is not a minigrad checkpoint")
    if meta.get("version", 0) > VERSION:
        raise SerializationError(f"load: {path} was written by a newer minigrad (format version "
                                 f"{meta.get('version')}, this one reads {VERSION})")
    entries = meta.get("entries")
    if not isinstance(entries, dict) or not all(_valid_entry(info) for info in entries.values()):
        raise SerializationError(f"load: {path} is damaged: its metadata does not describe its entries")
    groups: dict[str, dict[str, np.ndarray]] = {name: {} for name in entries}
    for key, array in data.items():
        name, _, inner = key.partition(_SEP)
        if name not in groups:
            raise SerializationError(f"load: {path} has an array {key!r} that its metadata does not list")
        if array.dtype.kind not in "biuf":  # e.g. strings of the right shape: caught now, not half-way through
            raise SerializationError(f"load: {path} is damaged: array {key!r} holds {array.dtype} values, "
                                     "not numbers")
        groups[name][inner] = array
    for name, info in entries.items():
        if info["kind"] != "json" and sorted(info["keys"]) != sorted(groups[name]):
            raise SerializationError(f"load: {path} is incomplete: entry {name!r} lists different arrays than "
                                     "it holds")
    return meta, groups


def _valid_entry(info: Any) -> bool:
    """Whether one metadata entry has the fields `load` reads (so a damaged file cannot end in a KeyError)."""
    if not isinstance(info, dict):
        return False
    if info.get("kind") == "json":
        return "value" in info
    if info.get("kind") == "module":
        return isinstance(info.get("keys"), list)
    if info.get("kind") == "optimizer":
        return isinstance(info.get("keys"), list) and all(k in info for k in ("class", "hyper", "steps",
                                                                                  "num_params"))
    return False


def load(path: str | os.PathLike, into: Any = None) -> Any:
    """Read a checkpoint; with ``into`` (a Module, an Optimizer, or a dict of them by entry name)
    load the saved state into those objects, after checking that *all* of it fits.

    Returns ``into`` for a single object; for a dict, the saved JSON extras (e.g. the epoch).
    Without ``into``: the state dict of a single saved object, or a dict entry -> state
    (a Module's state dict, an optimizer's state dict, or the JSON value).
    """
    meta, groups = read(path)
    entries = meta["entries"]
    states = {name: _state(info, groups[name]) for name, info in entries.items()}
    if into is None:
        return next(iter(states.values())) if meta.get("single") and len(states) == 1 else states
    targets = into if isinstance(into, dict) else {_match_single(into, entries, path): into}
    # check everything first, so a mismatch leaves every object as it was
    for name, target in targets.items():
        if name not in entries:
            raise SerializationError(f"load: {path} has no entry {name!r} (it holds {sorted(entries)})")
        kind = entries[name]["kind"]
        try:
            if isinstance(target, Module) and kind == "module":
                target.check_state_dict(states[name])
            elif isinstance(target, Optimizer) and kind == "optimizer":
                target.check_state_dict(states[name])
            else:
                raise SerializationError(f"load: entry {name!r} holds a {kind} "
                                         f"({entries[name].get('class', '')}), cannot load it into a "
                                         f"{type(target).__name__}")
        except (StateDictError, OptimizerStateError) as exc:
            raise SerializationError(f"load: {path}, entry {name!r}: {exc}") from None
    for name, target in targets.items():
        target.load_state_dict(states[name])
    if not isinstance(into, dict):
        return into
    return {name: info["value"] for name, info in entries.items() if info["kind"] == "json"}


def _state(info: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    if info["kind"] == "module":
        return {k: arrays[k] for k in info["keys"]}
    if info["kind"] == "optimizer":
        return {"type": info["class"], "hyper": info["hyper"], "steps": info["steps"],
                "num_params": info["num_params"], "state": {k: arrays[k] for k in info["keys"]}}
    return info["value"]


def _match_single(obj: Any, entries: dict[str, Any], path: Any) -> str:
    kind = "module" if isinstance(obj, Module) else "optimizer" if isinstance(obj, Optimizer) else None
    if kind is None:
        raise TypeError(f"load: into must be a Module, an Optimizer or a dict of them, got {type(obj).__name__}")
    names = [n for n, info in entries.items() if info["kind"] == kind]
    if len(names) != 1:
        raise SerializationError(f"load: {path} holds {len(names)} {kind} entries ({names}); "
                                 f"pass into={{name: object}} to choose")
    return names[0]
