"""What Jupyter shows for minigrad objects: short HTML summaries of tensors and modules.

A notebook calls ``_repr_html_`` on the last value of a cell; `Tensor` and `Module`
hand that call to the functions here. They copy at most a few numbers to the host, so
showing a tensor on the GPU costs no more than printing it.
"""
from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..backend import to_numpy

SMALL = 6  # tensors with at most this many elements show every value


def _numbers(a: np.ndarray) -> str:
    return np.array2string(a, separator=", ", threshold=SMALL, edgeitems=2,
                           formatter={"float_kind": lambda v: f"{v:.4g}"})


def _grad_state(t: Any) -> str:
    if not t.requires_grad:
        return "no grad"
    if t.grad is None:
        return "requires grad, .grad is None (no backward yet)"
    g = to_numpy(t.grad)
    if g.size <= SMALL:
        return f"grad {html.escape(_numbers(g))}"
    norm = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
    return f"‖grad‖ {norm:.4g}"


def tensor_html(t: Any) -> str:
    """One line: label, shape, dtype, device and gradient state; the values when the tensor is small."""
    label = f"<b>{html.escape(t.label)}</b> " if getattr(t, "label", "") else ""
    where = "leaf" if t.is_leaf else f"made by <code>{html.escape(getattr(t, 'op', '') or 'an op')}</code>"
    head = (f"{label}Tensor <code>{tuple(t.shape)}</code> {t.dtype} on {t.device}, {where}; "
            f"{_grad_state(t)}")
    a = to_numpy(t)
    if a.size <= SMALL:
        body = _numbers(a)
    else:
        stats = a.astype(np.float64) if a.dtype.kind in "fc" else a
        body = (f"{_numbers(a)}\nmean {float(np.mean(stats)):.4g}, std {float(np.std(stats)):.4g}, "
                f"min {float(np.min(stats)):.4g}, max {float(np.max(stats)):.4g}") if a.size else "[]"
    return f"<div class='minigrad-tensor'>{head}<pre style='margin:2px 0'>{html.escape(body)}</pre></div>"


def module_html(module: Any) -> str:
    """A table of the module's layers: name, layer, parameters (trainable or frozen), and the total."""
    rows = []
    for name, m in module.named_modules():
        if list(m.children()):
            continue  # containers: their layers have rows of their own, the total is the caption
        own = m.parameters()  # a layer without children: its own parameters
        count = sum(t.size for t in own)
        frozen = sum(t.size for t in own if not t.requires_grad)
        params = f"{count:,}" if count else ""
        if frozen:
            params += " (frozen)" if frozen == count else f" ({frozen:,} frozen)"
        text = f"{type(m).__name__}({m.extra_repr()})"
        rows.append(f"<tr><td><code>{html.escape(name or '-')}</code></td><td>{html.escape(text)}</td>"
                    f"<td style='text-align:right'>{params}</td></tr>")
    total = module.num_parameters()
    frozen = total - module.num_parameters(trainable_only=True)
    mode = "training mode" if module.training else "eval mode"
    caption = (f"{html.escape(type(module).__name__)}: {total:,} parameters"
               + (f" ({frozen:,} frozen)" if frozen else "") + f", {mode}, on {module.device}")
    return ("<table class='minigrad-module'><caption style='text-align:left'>" + caption + "</caption>"
            "<tr><th>name</th><th>layer</th><th>parameters</th></tr>" + "".join(rows) + "</table>")
