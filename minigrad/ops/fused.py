"""Fused ops: kept as single Functions where composing primitives would be unstable or slow.

* softmax / log_softmax subtract the row maximum before exp, so e^1000 never overflows;
  composed from exp, sum and / they would give inf/inf = nan for large logits, and their
  backward is one line instead of a chain of five ops.
* cross_entropy with class indices is PyTorch's fused kernel: one (n, classes) array in
  backward, ``softmax - onehot``, instead of log_softmax -> index -> neg -> mean with a
  scatter into zeros (the hot path of every classifier's training step).
  (sigmoid, fused for the same reasons, lives with the elementwise ops.)
"""
from __future__ import annotations

from .base import Function


class Softmax(Function):
    """e^a / sum(e^a) along ``axis``, computed with the maximum subtracted so exp never overflows."""

    name, formulas, saves_inputs = "softmax", ("s * (g - sum(g * s))",), False

    def forward(self, xp, a, axis):
        e = xp.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        self.saved = (out,)
        return out

    def backward(self, g):
        s = self.saved[0]
        return (s * (g - (g * s).sum(axis=self.params["axis"], keepdims=True)),)


class LogSoftmax(Function):
    """a - log(sum(e^a)) along ``axis``; log(softmax(a)) would give log(0) = -inf for a very unlikely class."""

    name, formulas, saves_inputs = "log_softmax", ("g - softmax(a) * sum(g)",), False

    def forward(self, xp, a, axis):
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.saved = (out,)
        return out

    def backward(self, g):
        out = self.saved[0]
        return (g - self.xp.exp(out) * g.sum(axis=self.params["axis"], keepdims=True),)


class CrossEntropy(Function):
    """Softmax cross-entropy with integer class targets, as one op (like PyTorch's fused kernel).

    Forward: ``-log_softmax(a)[i, t_i]`` summed or averaged over the batch. Backward:
    ``(softmax(a) - onehot(t)) * g`` (divided by n for the mean): one (n, classes) array,
    instead of the log_softmax -> index -> neg -> mean chain with its scatter into zeros.
    """

    name, formulas, saves_inputs = "cross_entropy", ("g * (softmax(a) - onehot(t)) [/ n]",), False

    def forward(self, xp, a, targets, reduction):
        shifted = a - a.max(axis=1, keepdims=True)
        log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        rows = xp.arange(a.shape[0])
        self.saved = (log_probs, rows)
        picked = log_probs[rows, targets]
        total = picked.sum()
        return -(total / len(rows) if reduction == "mean" else total)

    def backward(self, g):
        log_probs, rows = self.saved
        grad = self.xp.exp(log_probs)
        grad[rows, self.params["targets"]] -= 1
        scale = g / len(rows) if self.params["reduction"] == "mean" else g
        return (grad * scale,)

    def describe(self):
        return f"cross_entropy({self.params['reduction']})"
