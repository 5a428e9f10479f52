"""``:save`` and ``:load``: keep a model's parameters in a file and bring them back (``mg.save``/``mg.load``)."""
from __future__ import annotations

import os

from ..registry import CommandError, command, split_args
from ..session import Session
from ..style import paint


def _model_name(session: Session, given: str | None) -> str:
    if given:
        return given
    from .train import TrainState

    name = session.state(TrainState).model_name
    if not name:
        raise CommandError("say which model to save, e.g. :save model model.npz (or :train one first)")
    return name


@command("save", ":save [MODEL] FILE.npz", "save a model's parameters (default: last :train)",
         details="""
Writes MODEL's parameters (and BatchNorm statistics) to FILE with mg.save: a
NumPy .npz archive, written atomically. Bring them back with :load FILE MODEL.""")
def save_command(session: Session, argline: str) -> None:
    args = split_args(argline)
    if not args or len(args) > 2:
        raise CommandError("give a file (and optionally the model first): :save model model.npz")
    path = os.path.expanduser(args[-1])  # ~/model.npz: the shell would have expanded it
    name = _model_name(session, args[0] if len(args) == 2 else None)
    model = session.eval(name)
    if not hasattr(model, "state_dict"):
        raise CommandError(f"{name} is a {type(model).__name__}, not a model or optimizer: nothing to save")
    import minigrad as mg

    try:
        written = mg.save(model, path)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    count = sum(p.size for p in model.parameters()) if hasattr(model, "parameters") else 0
    session.print(f"saved {name} ({count} parameters) to {paint(os.path.abspath(written), 'bold')}")


@command("load", ":load FILE.npz [MODEL]", "load saved parameters into MODEL",
         details="""
With MODEL (an expression, e.g. model), the file's parameters replace the model's
after every name and shape has been checked (a mismatch changes nothing).
Without it, the saved state is put in the namespace as `state` and listed.""")
def load_command(session: Session, argline: str) -> None:
    args = split_args(argline)
    if not args or len(args) > 2:
        raise CommandError("give a file and, optionally, the model to load into: :load model.npz model")
    path = os.path.expanduser(args[0])
    if not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"
    if not os.path.exists(path):
        raise CommandError(f"no file {args[0]!r}")
    import minigrad as mg

    from minigrad.serialize import SerializationError

    if len(args) == 2:
        target = session.eval(args[1])
        try:
            mg.load(path, into=target)
        except (SerializationError, ValueError, KeyError) as exc:  # a mismatch is a one-line message
            raise CommandError(f"{exc} (nothing was changed)") from None
        session.print(f"loaded {path} into {args[1]}")
        return
    try:
        state = mg.load(path)
    except (SerializationError, ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    session.namespace["state"] = state
    session.print(f"{path} holds (now in `state`):")
    for key, value in state.items():
        shape = getattr(value, "shape", None)
        session.print(f"  {key}" + (f"  shape {tuple(shape)}" if shape is not None else f"  {value!r:.60}"))
