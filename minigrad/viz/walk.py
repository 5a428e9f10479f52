"""The backward pass told as numbers, one node at a time: what ``:step`` prints and notebooks show.

Every number comes from the engine's own `backward_steps()` generator (the one
`backward()` runs), so the walk-through cannot disagree with ``.grad``. For a node
that feeds several others, its gradient is shown as the explicit sum of what each
of them sent back. The text is plain; a terminal passes ``paint`` to colour it.
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd import topological_order
from . import arith
from .arith import fmt
from .names import NodeNames, define, is_tensor, summary

FORWARD_LINES = 40  # the forward listing of a big graph is cut to this many lines
LINE_WIDTH = 80  # a send that does not fit on one line of this width is split over two
Paint = Callable[..., str]


def plain(text: str, *styles: str) -> str:
    """No colour: the text as it is (notebooks, files, tests)."""
    return text


class Walk:
    """The backward pass of one root, collected step by step so the learner can go back."""

    def __init__(self, root: Any, namespace: dict | None = None, paint: Paint = plain):
        if not hasattr(root, "backward_steps"):
            raise TypeError(f"the expression gave a {type(root).__name__}, not a Value or Tensor: "
                            "there is no graph to step through")
        self.root, self.paint = root, paint
        self.names = NodeNames(root, namespace or {})
        self.tensor = is_tensor(root)
        for node in topological_order(root):  # a fresh pass: what is shown is exactly what .grad becomes
            node.grad = None if self.tensor else 0.0
        self._gen = root.backward_steps()
        self.steps: list = []
        # id(node) -> [(child, child's gradient, local derivative, contribution), ...] sent to it so far
        self.received: dict[int, list] = {}
        self.rules: dict[int, list[str]] = {}  # id(node) -> its local rule for each parent, with their names
        self.total = len(self.names.order)

    @property
    def rootname(self) -> str:
        return self.names[self.root]

    def d(self, node: Any) -> str:
        """``dL/dx`` with the root's and node's names."""
        return f"d{self.rootname}/d{self.names[node]}"

    def advance(self) -> bool:
        """Run the engine one more node; False when backward is finished."""
        step = next(self._gen, None)
        if step is None:
            return False
        received = list(self.received.get(id(step.node), []))
        self.steps.append((step, received))
        # the rules now, while the node still has its parents (a Tensor graph is freed at the end of backward)
        parents = list(self.names.parents(step.node))
        names = [self.names[p] for p in parents]
        self.rules[id(step.node)] = [step.node.local_rule(i, names) for i in range(len(parents))]
        for parent, local, contribution in step.sends:
            self.received.setdefault(id(parent), []).append((step.node, step.grad, local, contribution))
        return True

    def finish(self) -> None:
        """Run the rest of backward silently so every .grad is complete."""
        while self.advance():
            pass

    # -- text ----------------------------------------------------------------------------------
    def forward_text(self) -> list[str]:
        lines = [self.paint(f"forward pass: {self.total} node(s), inputs first", "bold")]
        rows = []
        for node in reversed(self.names.order):
            name = self.names[node]
            definition = self.names.definition(node)
            numbers = self.forward_numbers(node)  # scalars: the arithmetic itself, 2 * (-3), true as printed
            value = f"{numbers} = {summary(node.data)}" if numbers else summary(node.data)
            rows.append((name, definition, value))
        # columns line up, but a few long names (model.layers.0.weight) must not push every row past 80
        width = min(max(len(r[0]) for r in rows), 12)
        dwidth = min(max(len("(input)"), *(len(r[1]) for r in rows)), 24)
        if len(rows) > FORWARD_LINES:  # a big graph: the first inputs and the last results
            half = FORWARD_LINES // 2
            rows = rows[:half] + [("...", f"{len(rows) - 2 * half} more nodes", "")] + rows[-half:]
        for name, definition, value in rows:
            if definition:
                lines.append(f"  {name.rjust(width)} = {definition.ljust(dwidth)} = {self.paint(value, 'cyan')}")
            else:
                lines.append(f"  {name.rjust(width)}   {'(input)'.ljust(dwidth)} = {self.paint(value, 'cyan')}")
        return lines

    def forward_numbers(self, node: Any) -> str:
        """A Value's definition with its inputs' values put in, as many digits as make it true; else empty."""
        f = arith.forward_function(node.op)
        if self.tensor or not node.parents or f is None:
            return ""
        values = [p.data for p in node.parents]
        template = define(node, [f"{{{i}}}" for i in range(len(values))])
        try:
            # infix operands get parentheses when negative (2 * (-3)); a function's argument has its own: tanh(-9)
            infix = node.op in ("+", "-", "*", "/", "**", "neg") or node.op.startswith("**")
            return arith.true_arithmetic(template, f, values, node.data, operands=infix)
        except (ArithmeticError, ValueError):
            return ""

    def gradient_line(self, index: int) -> str:
        """How this node's gradient came about: 1 at the root, else the sum of what its children sent."""
        step, received = self.steps[index]
        d = self.d(step.node)
        if not received:
            start = f"d{self.rootname}/d{self.rootname}"
            return f"{d} = {summary(step.grad)}   (the root: backward starts from {start} = 1)"
        if len(received) == 1:
            child = received[0][0]
            return f"{d} = {summary(step.grad)}   (sent back by {self.names[child]})"
        if self.tensor:
            parts = " + ".join(f"[from {self.names[c]}]" for c, *_ in received)
            return f"{d} = {parts} = {summary(step.grad)}   ({len(received)} contributions: gradients add)"
        sources = ", ".join(self.names[c] for c, *_ in received)
        total = arith.total([con for *_, con in received], step.grad)
        return f"{d} = sum of contributions from {sources} = {total} = {fmt(step.grad)}"

    def sends_lines(self, index: int, reveal: bool = True) -> list[str]:
        """What the node sends to each parent; ``reveal=False`` (quiz) gives the rule but not the numbers."""
        step, _ = self.steps[index]
        node = step.node
        if not step.sends:
            if self.names.parents(node):
                return ["  (no parent needs a gradient)"]
            return [f"  {self.names[node]} is an input: nothing to send on; its .grad is now {summary(node.grad)}"]
        head = self.paint("chain rule", "bold")
        me = self.names[node]
        parents = list(self.names.parents(node))
        if self.tensor:  # the ops' rules are written with g (upstream) and the parents' names
            lines = [f"  {head}: g = {self.d(node)} goes to each parent through the op's rule"]
        else:
            lines = [f"  {head}: each parent p receives {self.d(node)} × d{me}/dp (upstream × local)"]
        width = max(len(self.names[p]) for p, _, _ in step.sends)
        for parent, local, contribution in step.sends:
            pname = self.names[parent].ljust(width)
            if self.tensor:
                i = next((k for k, p in enumerate(parents) if p is parent), 0)
                rule = self.rules[id(node)][i] or str(local)
                shown = f"  = {self.paint(summary(contribution), 'green')}" if reveal else ""
                lines.append(f"    → {pname}  {self.paint(rule, 'yellow')}{shown}")
                continue
            i = next((k for k, p in enumerate(parents) if p is parent), 0)
            rule = self.rules[id(node)][i]
            local_d = f"d{me}/d{self.names[parent]}"
            if not reveal:
                lines.append(f"    → {pname}  local {local_d} = {rule or node.op}  (work out the rest)")
                continue
            numbers = arith.local_numbers(node.op, i, [p.data for p in parents], node.data, local)
            why = "".join(f"{x} = " for x in (rule, numbers) if x and x != fmt(local))
            first = f"    → {pname}  local {local_d} = {why}{fmt(local)}"
            product = f"sends {arith.product(step.grad, local, contribution)} = "
            if len(first) + 3 + len(product) + len(fmt(contribution)) <= LINE_WIDTH:
                lines.append(f"{first};  {product}{self.paint(fmt(contribution), 'green')}")
            else:  # too long for one line of 80 columns: the product goes underneath
                lines.append(first)
                lines.append(f"{' ' * (8 + width)}{product}{self.paint(fmt(contribution), 'green')}")
        return lines

    def step_text(self, index: int, reveal: bool = True) -> list[str]:
        step, _ = self.steps[index]
        node = step.node
        definition = self.names.definition(node)
        what = f"{self.names[node]} = {definition}" if definition else f"{self.names[node]} (input)"
        shape = f"  shape {tuple(node.shape)}" if self.tensor else f"  value {fmt(node.data)}"
        lines = [self.paint(f"── backward {index + 1}/{self.total}: {what}", "bold") + self.paint(shape, "grey")]
        lines.append("  " + self.gradient_line(index))
        lines.extend(self.sends_lines(index, reveal))
        return lines

    def summary_lines(self) -> list[str]:
        leaves = self.names.leaves
        lines = [self.paint("backward done", "bold") + f": {len(self.steps)} node(s); the inputs' gradients:"]
        for leaf in leaves:
            lines.append(f"  {self.names[leaf]}.grad = {summary(leaf.grad)}")
        # what stepping did to .grad, so the next backward() is no surprise
        lines.append(self.paint("(every .grad of this graph now holds this pass's gradient, zeroed first;\n"
                           f" {self.rootname}.backward() now would add to them, as after zero_grad() + backward())",
                           "grey"))
        return lines
