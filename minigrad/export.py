"""Leaving minigrad: a trained model as a PyTorch module or an ONNX file, and back.

    torch_model = to_torch(model)          # same weights, same outputs (needs the "torch" extra)
    model = from_torch(torch_model)        # the reverse, for the same layer types
    to_onnx(model, "model.onnx", (None, 2))  # an ONNX graph, written without PyTorch ("onnx" extra)

The layers that cross are the ones the course uses: `Linear`, the activations,
`Dropout`, `BatchNorm1d`, `Identity` and `Sequential` / `MLP` around them. minigrad
keeps a Linear weight as ``(in, out)`` (a batch of rows times W) while PyTorch and
ONNX's Gemm keep ``(out, in)``: the conversion transposes it, nothing else changes.
Dtypes are kept (float32 stays float32); the model's train/eval mode is kept too.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Sequence

import numpy as np

from . import nn
from .backend import to_numpy
from .fileio import atomic_write
from .tensor import Tensor


class ExportError(ValueError):
    """A model holding a layer the exporter cannot translate, or a missing optional extra."""


def _require(module: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExportError(f"{module} is not installed: pip install 'minigrad[{extra}]' "
                          f"(or, in this project, make test installs it)") from None


def _host(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else np.array(to_numpy(t), copy=True)


def _layers(model: nn.Module) -> list[nn.Module]:
    """The model as a flat list of layers: nested Sequentials are opened up."""
    if isinstance(model, nn.Sequential):
        return [leaf for layer in model.layers for leaf in _layers(layer)]
    return [model]


# -- minigrad -> PyTorch ---------------------------------------------------------------------
def _activation_pairs(tnn: Any) -> list[tuple[type, Callable[[Any], Any], Callable[[Any], Any]]]:
    """(minigrad class, to torch, from torch) for the parameter-free layers both libraries have."""
    return [
        (nn.ReLU, lambda m: tnn.ReLU(), tnn.ReLU, lambda t: nn.ReLU()),
        (nn.Tanh, lambda m: tnn.Tanh(), tnn.Tanh, lambda t: nn.Tanh()),
        (nn.Sigmoid, lambda m: tnn.Sigmoid(), tnn.Sigmoid, lambda t: nn.Sigmoid()),
        (nn.Identity, lambda m: tnn.Identity(), tnn.Identity, lambda t: nn.Identity()),
        (nn.LeakyReLU, lambda m: tnn.LeakyReLU(m.slope), tnn.LeakyReLU, lambda t: nn.LeakyReLU(t.negative_slope)),
        (nn.Softmax, lambda m: tnn.Softmax(dim=m.axis), tnn.Softmax, lambda t: nn.Softmax(axis=t.dim)),
        (nn.Dropout, lambda m: tnn.Dropout(m.p), tnn.Dropout, lambda t: nn.Dropout(t.p)),
    ]


def _torch_linear(layer: nn.Linear, torch: Any) -> Any:
    w = _host(layer.weight)
    out = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                          dtype=torch.from_numpy(w).dtype)
    with torch.no_grad():
        out.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
        if layer.bias is not None:
            out.bias.copy_(torch.from_numpy(_host(layer.bias)))
    out.weight.requires_grad_(layer.weight.requires_grad)
    if layer.bias is not None:
        out.bias.requires_grad_(layer.bias.requires_grad)
    return out


def _torch_batchnorm(layer: nn.BatchNorm1d, torch: Any) -> Any:
    w = _host(layer.weight)
    out = torch.nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum,
                               dtype=torch.from_numpy(w).dtype)
    with torch.no_grad():
        out.weight.copy_(torch.from_numpy(w))
        out.bias.copy_(torch.from_numpy(_host(layer.bias)))
        out.running_mean.copy_(torch.from_numpy(_host(layer.running_mean)))
        out.running_var.copy_(torch.from_numpy(_host(layer.running_var)))
    return out


def to_torch(model: nn.Module) -> Any:
    """An equivalent ``torch.nn.Module`` with copies of the weights (a `Sequential` for a network).

    Outputs agree to float rounding in eval mode; in training mode dropout draws its
    own masks, so only the expectation agrees. Raises `ExportError` naming a layer
    it cannot translate.
    """
    torch = _require("torch", "torch")
    pairs = _activation_pairs(torch.nn)
    converted = []
    for layer in _layers(model):
        if isinstance(layer, nn.Linear):
            out = _torch_linear(layer, torch)
        elif isinstance(layer, nn.BatchNorm1d):
            out = _torch_batchnorm(layer, torch)
        else:
            match = next((to for mg, to, _, _ in pairs if type(layer) is mg), None)
            if match is None:
                raise ExportError(f"to_torch: no PyTorch equivalent for {type(layer).__name__} "
                                  f"(supported: Linear, BatchNorm1d, {_names(pairs)})")
            out = match(layer)
        out.train(layer.training)
        converted.append(out)
    result = torch.nn.Sequential(*converted)
    result.train(model.training)
    return result


def save_torch(model: nn.Module, path: str) -> str:
    """Write ``to_torch(model)`` with ``torch.save`` (atomically); read it back in PyTorch with
    ``torch.load(path, weights_only=False)``: the file holds a whole ``nn.Sequential``, not only weights."""
    import io

    torch = _require("torch", "torch")
    buffer = io.BytesIO()
    torch.save(to_torch(model), buffer)
    return atomic_write(path, buffer.getvalue())


def input_features(model: nn.Module) -> int:
    """How many features the model's first layer takes (for an ONNX input shape ``(None, n)``)."""
    first = next((m for m in _layers(model) if isinstance(m, (nn.Linear, nn.BatchNorm1d))), None)
    if first is None:
        raise ExportError(f"{type(model).__name__} has no Linear or BatchNorm1d layer to read its input size from")
    return first.in_features if isinstance(first, nn.Linear) else first.num_features


# -- PyTorch -> minigrad ---------------------------------------------------------------------
def _from_torch_linear(t: Any) -> nn.Linear:
    w = t.weight.detach().cpu().numpy()
    dtype = w.dtype
    layer = nn.Linear(t.in_features, t.out_features, bias=t.bias is not None, dtype=dtype, device="cpu")
    layer.weight.data[...] = w.T
    if t.bias is not None:
        layer.bias.data[...] = t.bias.detach().cpu().numpy()
    return layer


def _from_torch_batchnorm(t: Any) -> nn.BatchNorm1d:
    if not t.affine or not t.track_running_stats:
        raise ExportError("from_torch: BatchNorm1d needs affine=True and track_running_stats=True")
    w = t.weight.detach().cpu().numpy()
    momentum = 0.1 if t.momentum is None else float(t.momentum)
    layer = nn.BatchNorm1d(t.num_features, eps=float(t.eps), momentum=momentum, dtype=w.dtype, device="cpu")
    layer.weight.data[...] = w
    layer.bias.data[...] = t.bias.detach().cpu().numpy()
    layer.running_mean.data[...] = t.running_mean.detach().cpu().numpy()
    layer.running_var.data[...] = t.running_var.detach().cpu().numpy()
    return layer


def _torch_layers(module: Any, torch: Any) -> list[Any]:
    if isinstance(module, torch.nn.Sequential):
        return [leaf for child in module for leaf in _torch_layers(child, torch)]
    return [module]


def from_torch(module: Any) -> nn.Sequential:
    """A minigrad `Sequential` with copies of a PyTorch model's weights (on the CPU).

    Takes ``torch.nn.Sequential`` (nested too) or a single layer of the kinds
    `to_torch` writes; anything else raises `ExportError` naming the layer type.
    """
    torch = _require("torch", "torch")
    pairs = _activation_pairs(torch.nn)
    layers: list[nn.Module] = []
    for t in _torch_layers(module, torch):
        if isinstance(t, torch.nn.Linear):
            layer: nn.Module = _from_torch_linear(t)
        elif isinstance(t, torch.nn.BatchNorm1d):
            layer = _from_torch_batchnorm(t)
        else:
            match = next((back for _, _, tc, back in pairs if type(t) is tc), None)
            if match is None:
                raise ExportError(f"from_torch: no minigrad equivalent for torch.nn.{type(t).__name__} "
                                  f"(supported: Linear, BatchNorm1d, {_names(pairs)})")
            layer = match(t)
        layer.train(t.training)
        layers.append(layer)
    model = nn.Sequential(*layers)
    model.train(module.training)
    return model


def _names(pairs: Sequence[tuple]) -> str:
    return ", ".join(mg.__name__ for mg, *_ in pairs)


# -- minigrad -> ONNX ------------------------------------------------------------------------
ONNX_OPSET = 17


def _onnx_nodes(layer: nn.Module, x: str, i: int, rank: int, helper: Any, numpy_helper: Any,
                inits: list) -> tuple[list, str]:
    """The ONNX nodes computing ``layer`` from the value named ``x``: (nodes, output name)."""
    out = f"h{i}"

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), f"l{i}.{name}"))
        return f"l{i}.{name}"

    if isinstance(layer, nn.Linear):
        # minigrad's W is already (in, out), so x @ W needs no transpose; Gemm (A @ B + C) takes
        # only matrices, so a batch with more axes goes through MatMul and Add
        inputs = [x, init("weight", _host(layer.weight))]
        if layer.bias is not None:
            inputs.append(init("bias", _host(layer.bias)))
        if rank == 2:
            return [helper.make_node("Gemm", inputs, [out], name=f"linear{i}")], out
        if layer.bias is None:
            return [helper.make_node("MatMul", inputs, [out], name=f"linear{i}")], out
        return [helper.make_node("MatMul", inputs[:2], [out + "_xw"], name=f"linear{i}"),
                helper.make_node("Add", [out + "_xw", inputs[2]], [out], name=f"linear{i}_bias")], out
    if isinstance(layer, nn.BatchNorm1d):  # inference form: the running statistics
        inputs = [x, init("scale", _host(layer.weight)), init("B", _host(layer.bias)),
                  init("mean", _host(layer.running_mean)), init("var", _host(layer.running_var))]
        return [helper.make_node("BatchNormalization", inputs, [out], epsilon=layer.eps, name=f"batchnorm{i}")], out
    simple = {nn.ReLU: "Relu", nn.Tanh: "Tanh", nn.Sigmoid: "Sigmoid", nn.Identity: "Identity",
              nn.Dropout: "Identity"}  # dropout is the identity at inference, which is what ONNX files are for
    if type(layer) in simple:
        return [helper.make_node(simple[type(layer)], [x], [out], name=f"{type(layer).__name__.lower()}{i}")], out
    if isinstance(layer, nn.LeakyReLU):
        return [helper.make_node("LeakyRelu", [x], [out], alpha=layer.slope, name=f"leakyrelu{i}")], out
    if isinstance(layer, nn.Softmax):
        return [helper.make_node("Softmax", [x], [out], axis=layer.axis, name=f"softmax{i}")], out
    raise ExportError(f"to_onnx: no ONNX translation for {type(layer).__name__} "
                      "(supported: Linear, BatchNorm1d, ReLU, Tanh, Sigmoid, LeakyReLU, Softmax, Dropout, Identity)")


def to_onnx(model: nn.Module, path: str, input_shape: Sequence[int | None]) -> str:
    """Write ``model`` as an ONNX graph (inference form) to ``path`` and return the path.

    ``input_shape`` is the shape of one input batch; ``None`` (or a string) in it marks an
    axis whose size may vary, usually the batch: ``(None, 2)``. The graph is checked with
    ``onnx.checker`` before it is written; the file is written atomically.
    """
    onnx = _require("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper

    layers = _layers(model)
    params = list(model.parameters())
    dtype = np.dtype(to_numpy(params[0]).dtype) if params else np.dtype(np.float32)
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}.get(dtype)
    if elem is None:
        raise ExportError(f"to_onnx: weights of dtype {dtype} are not supported (float32 or float64)")
    dims = [d if isinstance(d, int) else (d or "batch") for d in input_shape]
    sized = any(isinstance(m, (nn.Linear, nn.BatchNorm1d)) for m in layers)
    wanted = input_features(model) if sized else dims[-1] if dims else None
    if not dims or dims[-1] != wanted:
        raise ExportError(f"to_onnx: input_shape {tuple(input_shape)} does not fit the model: its first layer "
                          f"takes {wanted} features on the last axis")
    nodes, inits, name = [], [], "input"
    for i, layer in enumerate(layers):
        new, name = _onnx_nodes(layer, name, i, len(dims), helper, numpy_helper, inits)
        nodes += new
    nodes.append(helper.make_node("Identity", [name], ["output"], name="output"))
    # every layer acts on the last axis: only the last Linear changes the shape
    features = next((m.out_features for m in reversed(layers) if isinstance(m, nn.Linear)), dims[-1])
    graph = helper.make_graph(nodes, "minigrad", [helper.make_tensor_value_info("input", elem, dims)],
                              [helper.make_tensor_value_info("output", elem, dims[:-1] + [features])], inits)
    proto = helper.make_model(graph, producer_name="minigrad", opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    proto.ir_version = min(proto.ir_version, 10)  # readable by onnxruntime releases of the last two years
    onnx.checker.check_model(proto, full_check=True)
    return atomic_write(path, proto.SerializeToString())
