"""Seeing backprop as text: node names, formulas, and the chain rule step by step.

Every function here reads a graph through the nodes' own public attributes
(``parents``, ``operands``, ``local_derivatives``, ``op_entry``, ``data``,
``grad``, ``label``) and the catalogue entries the nodes carry.  So it imports
nothing from the engine and sits below it: ``Value.explain()``, ``Value.tree()``
and ``Value.backward_steps()`` call it with a plain import.  None needs Graphviz.

    >>> from micrograd.engine import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> print(explain(c))
    c = a * b
      dc/da += dc/dc * dc/da = 1.0000 * -3.0000 = -3.0000
      dc/db += dc/dc * dc/db = 1.0000 * 2.0000 = 2.0000

Output is bounded: :func:`tree` and :func:`explain` stop after ``max_lines``
lines (and :func:`tree` below ``max_depth`` levels), saying what they left out
and how to see it; their cost grows with what they print, not with the graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from micrograd.traversal import backward_order

if TYPE_CHECKING:  # for type hints only: this module sits below the engine (see its docstring)
    from micrograd.engine import Value
    from micrograd.op import Op

__all__ = [
    "MAX_LINES",
    "STEP_TEXT",
    "ParentUpdate",
    "Step",
    "StepText",
    "backward_steps",
    "explain",
    "formula",
    "node_names",
    "op_entry",
    "operands",
    "tree",
]

MAX_LINES = 1000
"""How many lines :func:`tree` and :func:`explain` print unless told otherwise."""
MAX_DEPTH = 100
"""How many levels :func:`tree` descends unless told otherwise."""
_MAX_INDENT = 40  # deeper lines show their depth as a number instead of more spaces


def op_entry(node: Value) -> Op | None:
    """The catalogue entry of the op that made ``node`` (None for a leaf).

    >>> from micrograd import Value
    >>> op_entry(Value(2.0) - 1).name, op_entry(Value(1.0))
    ('sub', None)
    """
    return node.op_entry


def operands(node: Value) -> tuple[Value | float, ...]:
    """The node's operands in order, Values and folded numbers alike.

    >>> from micrograd import Value
    >>> x = Value(3.0, label="x")
    >>> operands(2 - x)
    (2.0, Value(data=3.0, grad=0.0, label='x'))
    """
    return node.operands


def node_names(root: Value) -> dict[Value, str]:
    """A unique name for every Value under root: its label, or its op's word and
    a number (``mul2``).  A name already taken gets ``#2``, ``#3``...: two
    leaves labelled ``w`` are ``w`` and ``w#2``.

    Steps, traces, trees, drawings and the explorer all use these names.

    >>> from micrograd import Value
    >>> a = Value(1.0, label="a")
    >>> sorted(node_names((a * 2).exp()).values())
    ['a', 'exp1', 'mul2']
    >>> w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    >>> list(node_names(w1 + w2).values())
    ['add1', 'w', 'w#2']
    """
    names: dict[Value, str] = {}
    taken: set[str] = set()
    count = 0
    stack = [root]
    seen = {root}
    while stack:  # depth-first from the root, so numbers follow the graph
        node = stack.pop()
        if node.label:
            name = node.label
        else:
            count += 1
            kind = op_entry(node)
            name = f"{kind.name if kind else 'leaf'}{count}"
        if name in taken:
            suffix = 2
            while f"{name}#{suffix}" in taken:
                suffix += 1
            name = f"{name}#{suffix}"
        names[node] = name
        taken.add(name)
        for parent in reversed(node.parents):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return names


def formula(node: Value, names: dict[Value, str]) -> str:
    """How a node was made, in its operands' names: ``a * b``, ``2 - a``, ``tanh(n)``.

    >>> from micrograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = 2 - x
    >>> formula(y, node_names(y))
    '2 - x'
    """
    kind = op_entry(node)
    if kind is None:
        return f"{node.data:.4f}"
    args = [f"{x:g}" if isinstance(x, float) else names[x] for x in node.operands]
    if kind.notation == "infix" and len(args) == 2:
        return f"{args[0]} {kind.symbol} {args[1]}"
    if kind.notation == "prefix":  # neg, the one prefix op
        return f"-{args[0]}"
    if kind.arity == 0:  # fused and custom ops: any number of operands
        args = [names[p] for p in node.parents]  # folded inputs are shown by the drawing
    shown = STEP_TEXT.max_edges  # a 10,000-input sum stays one short line
    if len(args) > shown:
        args = [*args[:shown], f"... {len(args) - shown:,} more"]
    return f"{kind.symbol}({', '.join(args)})"


class StepText(NamedTuple):
    """How ``str(step)`` is written: the one place its words and number format live.

    ``head``, then ``after_head``, then one ``edge`` per parent joined by
    ``between_edges``: at most ``max_edges`` of them, then ``more`` says how many
    are left out.  The ``{fields}`` are filled with names and with numbers written
    to ``decimals`` places (``count`` with thousands separators).  The explorer page
    fills the same templates with the numbers it recomputes.

    >>> edge = dict(root="L", parent="w", upstream="1.0000", local="2.0000", after="2.0000")
    >>> STEP_TEXT.edge.format(**edge)
    'dL/dw += 1.0000 * 2.0000 = 2.0000'
    """

    head: str
    after_head: str
    edge: str
    between_edges: str
    more: str
    decimals: int
    max_edges: int

    def number(self, x: float) -> str:
        """``x`` as step texts write it.

        >>> STEP_TEXT.number(0.5)
        '0.5000'
        """
        return f"{x:.{self.decimals}f}"


STEP_TEXT = StepText(
    head="{name} = {formula}: d{root}/d{name} = {upstream}",
    after_head=" -> ",
    edge="d{root}/d{parent} += {upstream} * {local} = {after}",
    between_edges="; ",
    more="... {count} more parents",
    decimals=4,
    max_edges=12,  # a 10,000-input sum stays one short line
)
"""The parts of a step's text (see :class:`StepText`)."""


class ParentUpdate(NamedTuple):
    """What one chain-rule step does to one parent."""

    parent: Value
    local: float  # d(node)/d(parent)
    contribution: float  # upstream * local
    grad_after: float  # the parent's gradient once the contribution is added


class Step(NamedTuple):
    """One step of backpropagation: a node passing its gradient to its parents.

    ``str(step)`` reads like ``o = tanh(n): do/do = 1.0000 -> do/dn += 1.0000 * 0.5000 = 0.5000``:
    the node's formula, its upstream gradient d(root)/d(node), and for each parent
    ``upstream * local derivative = the parent's gradient after adding it``.

    >>> from micrograd import Value
    >>> x = Value(3.0, label="x")
    >>> step = next((x * x).backward_steps())
    >>> step.upstream, [(u.local, u.grad_after) for u in step.updates]
    (1.0, [(3.0, 3.0), (3.0, 6.0)])
    """

    root: Value
    node: Value
    upstream: float
    updates: tuple[ParentUpdate, ...]
    names: dict[Value, str]

    def __str__(self) -> str:
        text, root, name = STEP_TEXT, self.names[self.root], self.names[self.node]
        upstream = text.number(self.upstream)
        edges = [
            text.edge.format(
                root=root,
                parent=self.names[u.parent],
                upstream=upstream,
                local=text.number(u.local),
                after=text.number(u.grad_after),
            )
            for u in self.updates[: text.max_edges]
        ]
        if len(self.updates) > text.max_edges:
            edges.append(text.more.format(count=f"{len(self.updates) - text.max_edges:,}"))
        formula_ = formula(self.node, self.names)
        head = text.head.format(name=name, formula=formula_, root=root, upstream=upstream)
        return head + text.after_head + text.between_edges.join(edges)

    def __repr__(self) -> str:  # short: the names dict can hold a whole network
        return f"<Step {self}>"

    def explain_lines(self) -> list[str]:
        """One line per edge: ``dL/dn += dL/do * do/dn = 1.0000 * 0.5000 = 0.5000``.

        >>> from micrograd import Value
        >>> n = Value(0.0, label="n")
        >>> o = n.exp(); o.label = "o"
        >>> next(o.backward_steps()).explain_lines()
        ['do/dn += do/do * do/dn = 1.0000 * 1.0000 = 1.0000']
        """
        root, name, number = self.names[self.root], self.names[self.node], STEP_TEXT.number
        return [
            f"d{root}/d{self.names[u.parent]} += d{root}/d{name} * d{name}/d{self.names[u.parent]}"
            f" = {number(self.upstream)} * {number(u.local)} = {number(u.grad_after)}"
            for u in self.updates
        ]


def backward_steps(root: Value, max_steps: int | None = None) -> Iterator[Step]:
    """Backpropagation as a generator: one :class:`Step` per non-leaf node, in backward order.

    Each step applies the chain rule at one node, updating its parents'
    ``.grad``, and describes what it did.  Run to the end, it leaves exactly the
    gradients that ``backward()`` gives (leaves accumulating, intermediate nodes
    reset first).  Stopped half-way, the gradients are partial.  ``max_steps``
    stops it after that many steps.

    >>> from micrograd import Value
    >>> n = Value(0.8814, label="n")
    >>> o = n.tanh(); o.label = "o"
    >>> for step in backward_steps(o):
    ...     print(step)
    o = tanh(n): do/do = 1.0000 -> do/dn += 1.0000 * 0.5000 = 0.5000
    """
    return _chain_rule_steps(root, None, max_steps)


def _chain_rule_steps(
    root: Value, grads: dict[Value, float] | None, max_steps: int | None = None
) -> Iterator[Step]:
    """Backpropagation one node at a time, in the order ``backward()`` uses.

    With ``grads`` None it works on ``.grad`` exactly as ``backward()`` does;
    otherwise it keeps gradients in that dict and touches no ``.grad``.
    """
    order = backward_order(root)
    names = node_names(root)
    if grads is None:
        for node in order:
            node.grad = 0.0
        if order:
            root.grad = 1.0
        else:
            root.grad += 1.0
    else:
        grads[root] = 1.0
    for count, node in enumerate(order):
        if max_steps is not None and count >= max_steps:
            return
        upstream = node.grad if grads is None else grads.get(node, 0.0)
        updates = []
        for parent, local in zip(node.parents, node.local_derivatives):
            contribution = local * upstream
            if grads is None:
                parent.grad += contribution
                after = parent.grad
            else:
                after = grads[parent] = grads.get(parent, 0.0) + contribution
            updates.append(ParentUpdate(parent, local, contribution, after))
        yield Step(root, node, upstream, tuple(updates), names)


def explain(root: Value, max_lines: int | None = MAX_LINES) -> str:
    """The whole chain-rule trace as text, one line per edge in the order the
    steps apply.  Touches no ``.grad``.  Stops after ``max_lines`` lines
    (None: no limit), saying so.

    >>> from micrograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> print(explain(a * b, max_lines=2))
    mul1 = a * b
      dmul1/da += dmul1/dmul1 * dmul1/da = 1.0000 * -3.0000 = -3.0000
    ... stopped after 2 lines: explain(max_lines=None) shows all
    """
    lines: list[str] = []
    for step in _chain_rule_steps(root, {}):
        new = [f"{step.names[step.node]} = {formula(step.node, step.names)}"]
        new.extend("  " + line for line in step.explain_lines())
        if max_lines is not None and len(lines) + len(new) > max_lines:
            lines.extend(new[: max_lines - len(lines)])
            lines.append(
                f"... stopped after {max_lines:,} lines: explain(max_lines=None) shows all"
            )
            break
        lines.extend(new)
    return "\n".join(lines)


def tree(root: Value, max_lines: int | None = MAX_LINES, max_depth: int | None = MAX_DEPTH) -> str:
    """The expression as an indented text tree, root first, with data and grad.

    A subexpression used twice is written out once; later it shows as
    ``(see above)``.  Stops after ``max_lines`` lines and below ``max_depth``
    levels (None: no limit), saying what it left out.

    >>> from micrograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = (x * 2).exp(); y.label = "y"
    >>> print(tree(y))
    y = exp(mul1)  data 403.4288  grad 0.0000
      mul1 = x * 2  data 6.0000  grad 0.0000
        x  data 3.0000  grad 0.0000
    >>> print(tree(y, max_depth=1))
    y = exp(mul1)  data 403.4288  grad 0.0000
      mul1 = x * 2  data 6.0000  grad 0.0000
        ... (deeper levels not shown: tree(max_depth=None))
    """
    names = node_names(root)
    lines: list[str] = []
    shown: set[Value] = set()
    stack: list[tuple[Value, int]] = [(root, 0)]
    while stack:
        if max_lines is not None and len(lines) >= max_lines:
            lines.append(f"... stopped after {max_lines:,} lines: tree(max_lines=None) shows all")
            break
        node, depth = stack.pop()
        indent = _indent(depth)
        name = names[node]
        if node in shown and node.parents:
            lines.append(f"{indent}{name}  (see above)")
            continue
        shown.add(node)
        head = f"{name} = {formula(node, names)}" if node.parents else name
        lines.append(f"{indent}{head}  data {node.data:.4f}  grad {node.grad:.4f}")
        if node.parents and max_depth is not None and depth >= max_depth:
            lines.append(f"{_indent(depth + 1)}... (deeper levels not shown: tree(max_depth=None))")
            continue
        stack.extend((parent, depth + 1) for parent in reversed(node.parents))
    return "\n".join(lines)


def _indent(depth: int) -> str:
    if depth <= _MAX_INDENT:
        return "  " * depth
    return "  " * _MAX_INDENT + f"[{depth}] "
