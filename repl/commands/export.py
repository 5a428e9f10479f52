"""``:export MODEL FILE``: hand a model to PyTorch (``.pt``) or to any ONNX runtime (``.onnx``)."""
from __future__ import annotations

import os

from ..registry import CommandError, command, split_args
from ..session import Session
from ..style import paint


@command("export", ":export MODEL FILE.onnx|FILE.pt", "write a model for ONNX runtimes or PyTorch",
         details="""
FILE.onnx: the model as an ONNX graph (inference form: dropout off, BatchNorm's
running statistics), input shape (batch, features) with a free batch size; needs
the onnx extra. FILE.pt: an equivalent torch.nn.Sequential with the same weights,
saved with torch.save (read it with torch.load(FILE, weights_only=False)); needs
the torch extra. In Python: minigrad.export.to_torch / to_onnx / from_torch.""")
def export_command(session: Session, argline: str) -> None:
    args = split_args(argline)
    if len(args) != 2:
        raise CommandError("give a model and a file: :export model model.onnx (or model.pt)")
    name, path = args[0], os.path.expanduser(args[1])
    model = session.eval(name)
    from minigrad import export, nn

    if not isinstance(model, nn.Module):
        raise CommandError(f"{name} is a {type(model).__name__}, not a minigrad model")
    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix == ".onnx":
            written = export.to_onnx(model, path, (None, export.input_features(model)))
            how = "ONNX (run it with onnxruntime.InferenceSession)"
        elif suffix in (".pt", ".pth"):
            written = export.save_torch(model, path)
            how = "PyTorch (torch.load(path, weights_only=False))"
        else:
            raise CommandError(f"{path}: the file name must end in .onnx or .pt")
    except export.ExportError as exc:
        raise CommandError(str(exc), usage=False) from None
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}", usage=False) from None
    session.print(f"exported {name} as {how} to {paint(os.path.abspath(written), 'bold')}")
