"""Saving and loading models and optimizers: ``mg.save(obj, path)`` / ``mg.load(path, into=None)``.

A file is a NumPy ``.npz`` archive: one array per parameter, buffer (BatchNorm's
running statistics) and optimizer buffer, plus a ``__minigrad__`` entry holding a
small JSON text (format version, what each entry is, optimizer hyper-parameters).
No pickles: `minigrad.archive` checks member names, sizes and ``.npy`` headers before it
reads any data and refuses object arrays, so loading a file cannot run code (nor inflate a
small file into gigabytes). Writing goes to a temporary file in the same folder that is then
renamed over the target (``os.replace``), so a crash never leaves half a file.
Loading checks every key and shape *before* assigning anything: a corrupt or
mismatched file raises `SerializationError` and leaves the model untouched.

    mg.save(model, "model.npz")
    mg.save({"model": model, "optimizer": opt, "epoch": 12}, "checkpoint.npz")
    mg.load("model.npz", into=model)
    mg.load("checkpoint.npz", into={"model": model, "optimizer": opt})   # -> {"epoch": 12, ...}
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .archive import Archive, SerializationError, one_line
from .fileio import atomic_open
from .nn.module import Module, StateDictError
from .optim import Optimizer, OptimizerStateError

FORMAT = "minigrad"
VERSION = 1
_META = "__minigrad__"
_SEP = "/"  # entry name / key inside the entry
_MAX_META_BYTES = 64 * 2**20

__all__ = ["SerializationError", "load", "read", "save"]


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
    with _open(path) as (archive, meta):
        return meta, {name: _read_entry(archive, meta, name) for name in meta["entries"]}


@contextlib.contextmanager
def _open(path: str | os.PathLike) -> Iterator[tuple[Archive, dict[str, Any]]]:
    """The archive and its checked metadata: names, sizes, headers and the metadata's description of
    every entry are checked here, before any array data is read."""
    path = Path(path)
    if not path.exists() and not path.suffix and path.with_suffix(".npz").exists():
        path = path.with_suffix(".npz")
    with Archive(path) as archive:
        meta = _read_meta(archive)
        listed = {f"{name}{_SEP}{key}" for name, info in meta["entries"].items() for key in info.get("keys", ())}
        for key, member in archive.members.items():
            if key == _META:
                continue
            if key not in listed:
                raise archive.error(f"has an array {key!r} that its metadata does not list")
            if member.dtype.kind not in "biuf":  # e.g. strings of the right shape: caught now, not half-way through
                raise archive.error(f"is damaged: array {key!r} holds {member.dtype} values, not numbers")
        missing = sorted(listed - set(archive.members))
        if missing:
            raise archive.error(f"is incomplete: its metadata lists arrays it does not hold ({missing[0]!r}"
                                + (f" and {len(missing) - 1} more)" if len(missing) > 1 else ")"))
        yield archive, meta


def _read_meta(archive: Archive) -> dict[str, Any]:
    member = archive.members.get(_META)
    if member is None:
        raise archive.error(f"is an .npz archive but not a minigrad checkpoint (no {_META} entry)")
    if member.dtype.kind != "U" or member.shape != () or member.nbytes > _MAX_META_BYTES:
        raise archive.error(f"is damaged: its {_META} entry is not a short JSON text")
    try:
        meta = json.loads(str(archive.read(_META)))
    except RecursionError:
        raise archive.error("is damaged: its metadata is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and an integer with too many digits
        raise archive.error(f"is damaged: its metadata is not valid JSON ({one_line(exc)})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise archive.error("is not a minigrad checkpoint")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise archive.error(f"is damaged: its format version is {version!r}, not a whole number")
    if version > VERSION:
        raise archive.error(f"was written by a newer minigrad (format version {version}, this one reads {VERSION})")
    entries = meta.get("entries")
    if (not isinstance(entries, dict) or not isinstance(meta.get("single", False), bool)
            or not all(_valid_name(name) and _valid_entry(info) for name, info in entries.items())):
        raise archive.error("is damaged: its metadata does not describe its entries")
    return meta


def _valid_name(name: str) -> bool:
    return bool(name) and _SEP not in name and name != _META


def _valid_entry(info: Any) -> bool:
    """Whether one metadata entry has the fields `load` reads (so a damaged file cannot end in a KeyError)."""
    if not isinstance(info, dict):
        return False
    if info.get("kind") == "json":
        return "value" in info
    keys = info.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys) or len(set(keys)) != len(keys):
        return False
    if info.get("kind") == "module":
        return True
    if info.get("kind") == "optimizer":
        return isinstance(info.get("class"), str) and all(k in info for k in ("hyper", "steps", "num_params"))
    return False


def _read_entry(archive: Archive, meta: dict[str, Any], name: str) -> dict[str, np.ndarray]:
    return {key: archive.read(f"{name}{_SEP}{key}") for key in meta["entries"][name].get("keys", ())}


def _placeholders(archive: Archive, meta: dict[str, Any], name: str) -> dict[str, np.ndarray]:
    """Arrays with the declared shapes and dtypes that take no memory: enough to check shapes against
    a model before reading (and inflating) any data."""
    return {key: np.broadcast_to(np.zeros((), archive.members[f"{name}{_SEP}{key}"].dtype),
                                 archive.members[f"{name}{_SEP}{key}"].shape)
            for key in meta["entries"][name].get("keys", ())}


def load(path: str | os.PathLike, into: Any = None) -> Any:
    """Read a checkpoint; with ``into`` (a Module, an Optimizer, or a dict of them by entry name)
    load the saved state into those objects, after checking that *all* of it fits.

    Returns ``into`` for a single object; for a dict, the saved JSON extras (e.g. the epoch).
    Without ``into``: the state dict of a single saved object, or a dict entry -> state
    (a Module's state dict, an optimizer's state dict, or the JSON value).
    A file that is damaged, hostile or does not fit raises `SerializationError` and changes nothing.
    """
    with _open(path) as (archive, meta):
        entries = meta["entries"]
        if into is None:
            states = {name: _state(info, _read_entry(archive, meta, name)) for name, info in entries.items()}
            return next(iter(states.values())) if meta.get("single") and len(states) == 1 else states
        targets = into if isinstance(into, dict) else {_match_single(into, entries, archive.path): into}
        for name, target in targets.items():  # shapes first, from the headers: nothing read that cannot fit
            _check_kind(archive, name, target, entries)
            _prepare(archive, name, target, entries, _placeholders(archive, meta, name), check_only=True)
        prepared = [(target, _prepare(archive, name, target, entries, _read_entry(archive, meta, name)))
                    for name, target in targets.items()]
    for target, state in prepared:  # everything fitted and is converted: only assignments are left
        target._commit(state)
    if not isinstance(into, dict):
        return into
    return {name: info["value"] for name, info in entries.items() if info["kind"] == "json"}


def _check_kind(archive: Archive, name: str, target: Any, entries: dict[str, Any]) -> None:
    if name not in entries:
        raise archive.error(f"has no entry {name!r} (it holds {sorted(entries)})")
    kind = entries[name]["kind"]
    fits = (isinstance(target, Module) and kind == "module") or (isinstance(target, Optimizer) and kind == "optimizer")
    if not fits:
        raise archive.error(f"has in entry {name!r} a {kind} ({entries[name].get('class', '')}), which cannot be "
                            f"loaded into a {type(target).__name__}")


def _prepare(archive: Archive, name: str, target: Any, entries: dict[str, Any], arrays: dict[str, np.ndarray],
             check_only: bool = False) -> Any:
    """``target``'s checked, converted state from entry ``name`` (see Module/Optimizer ``_prepared``)."""
    try:
        state = _state(entries[name], arrays)
        return target.check_state_dict(state) if check_only else target._prepared(state)
    except (StateDictError, OptimizerStateError) as exc:
        raise SerializationError(one_line(f"load: {archive.path}, entry {name!r}: {exc}")) from None


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
