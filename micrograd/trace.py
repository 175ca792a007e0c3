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
    c = a * b: upstream dc/dc = 1
      dc/da: local dc/da = b = -3, upstream × local = 1 × (-3) = -3, total 0 + (-3) = -3
      dc/db: local dc/db = a = 2, upstream × local = 1 × 2 = 2, total 0 + 2 = 2

Output is bounded: :func:`tree` and :func:`explain` stop after ``max_lines``
lines (and :func:`tree` below ``max_depth`` levels), saying what they left out
and how to see it; their cost grows with what they print, not with the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from micrograd.traversal import backward_order

if TYPE_CHECKING:  # for type hints only: this module sits below the engine (see its docstring)
    from micrograd.engine import Value
    from micrograd.op import Op

__all__ = [
    "MAX_DIGITS",
    "MAX_LINES",
    "STEP_TEXT",
    "ParentUpdate",
    "Step",
    "StepText",
    "backward_steps",
    "explain",
    "formula",
    "local_formula",
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


def node_names(root: Value, names: Mapping[Any, Any] | None = None) -> dict[Value, str]:
    """A unique name for every Value under root: the name given in ``names``, else
    its label, else its op's word and a number (``mul2``).

    A label that is taken gets ``#2``, ``#3``...: two leaves labelled ``w`` are
    ``w`` and ``w#2``.  An automatic name gives way to the names given and the
    labels: it skips to the next number.  Steps, traces, trees, drawings and the
    explorer all use these names.

    Args:
        root: the output; every Value under it is named.
        names: names to use first, either way round: ``{value: name}``, or
            ``{name: value}`` as ``dict(model.named_parameters())`` gives.

    >>> from micrograd import Value
    >>> a = Value(1.0, label="a")
    >>> sorted(node_names((a * 2).exp()).values())
    ['a', 'exp1', 'mul2']
    >>> w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    >>> list(node_names(w1 + w2).values())
    ['add1', 'w', 'w#2']
    >>> list(node_names(w1 + w2, names={"layer.weight[0]": w1}).values())
    ['add1', 'layer.weight[0]', 'w']
    """
    given = _given_names(names)
    order: list[Value] = []
    stack = [root]
    seen = {root}
    while stack:  # depth-first from the root, so numbers follow the graph
        node = stack.pop()
        order.append(node)
        for parent in reversed(node.parents):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    found: dict[Value, str] = {}
    taken: set[str] = set()
    # Given names first, then labels, then automatic names: each gives way to those before.
    for chosen in (given.get, lambda node: node.label or None):
        for node in order:
            name = None if node in found else chosen(node)
            if name is None:
                continue
            if name in taken:
                suffix = 2
                while f"{name}#{suffix}" in taken:
                    suffix += 1
                name = f"{name}#{suffix}"
            found[node] = name
            taken.add(name)
    count = 0
    for node in order:
        if node in found:
            continue
        kind = op_entry(node)
        word = kind.name if kind else "leaf"
        count += 1
        while f"{word}{count}" in taken:
            count += 1
        found[node] = f"{word}{count}"
        taken.add(found[node])
    return {node: found[node] for node in order}


def _given_names(names: Mapping[Any, Any] | None) -> dict[Any, str]:
    """``names`` as ``{value: name}``, whichever way round it was given."""
    if not names:
        return {}
    pairs = list(names.items())
    if isinstance(pairs[0][0], str):  # {name: value}, as dict(model.named_parameters()) gives
        pairs = [(value, name) for name, value in pairs]
    for _, name in pairs:
        if not isinstance(name, str) or not name:
            raise TypeError(f"names: each name must be a non-empty string, got {name!r}")
    return dict(pairs)


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
        return STEP_TEXT.number(node.data)
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
    """How step texts are written: the one place their words and number format live.

    A backward step is ``head``, then ``after_head``, then one ``edge`` per
    parent joined by ``between_edges``: at most ``max_edges`` of them, then
    ``more`` says how many are left out.  An edge names its two factors, the
    upstream gradient and the local derivative (with its formula from the
    catalogue, then with numbers), their product, and the parent's new total.

    Numbers are written to ``digits`` significant figures, more where needed
    (see :class:`Numbers`), and in parentheses where a negative one is an
    operand.  The explorer page fills the same templates with the numbers it
    recomputes.

    >>> edge = dict(root="L", parent="w", name="m", local="x = 2", up="(-1)", lv="2",
    ...             product="-2", before="0", term="(-2)", after="-2")
    >>> STEP_TEXT.edge.format(**edge)
    'dL/dw: local dm/dw = x = 2, upstream × local = (-1) × 2 = -2, total 0 + (-2) = -2'
    """

    head: str
    after_head: str
    edge: str
    between_edges: str
    more: str
    between_forms: str
    digits: int
    max_edges: int

    def number(self, x: float, digits: int | None = None) -> str:
        """``x`` to ``digits`` significant figures (default :attr:`digits`), as
        ``format(x, ".4g")`` writes it; zero is ``0`` whatever its sign.

        >>> STEP_TEXT.number(0.5), STEP_TEXT.number(-0.000123456), STEP_TEXT.number(2.0**60)
        ('0.5', '-0.0001235', '1.153e+18')
        """
        if x == 0:
            return "0"
        return format(x, f".{digits or self.digits}g")

    def operand(self, x: float, digits: int | None = None) -> str:
        """``x`` as an operand: a negative number goes in parentheses, ``(-3)``.

        >>> STEP_TEXT.operand(-3.0), STEP_TEXT.operand(3.0)
        ('(-3)', '3')
        """
        text = self.number(x, digits)
        return f"({text})" if text.startswith("-") else text


STEP_TEXT = StepText(
    head="{name} = {formula}: upstream d{root}/d{name} = {upstream}",
    after_head=" -> ",
    edge=(
        "d{root}/d{parent}: local d{name}/d{parent} = {local}, "
        "upstream × local = {up} × {lv} = {product}, total {before} + {term} = {after}"
    ),
    between_edges="; ",
    more="... {count} more parents",
    between_forms=" = ",  # a local derivative's formula, then with numbers, then its value
    digits=4,
    max_edges=12,  # a 10,000-input sum stays one short line
)
"""The parts of a step's text (see :class:`StepText`)."""

MAX_DIGITS = 17
"""Enough significant figures to write any float exactly (see :class:`Numbers`)."""


class Numbers:
    """The numbers of one text and the equations between them, each number written
    to its own significant figures so that every printed ``a op b = c`` holds.

    A number starts at :attr:`StepText.digits` figures.  While an equation's
    ``c``, recomputed from the *printed* operands, does not print as the printed
    ``c``, its operands get one more figure (at most 17, where a printed number
    is the float itself).  The explorer page does the same, in the same order.

    >>> numbers = Numbers()
    >>> a, b = numbers.add(1.23456), numbers.add(3.0)
    >>> c = numbers.add(1.23456 * 3.0)
    >>> numbers.equation(c, (a, b), lambda x, y: x * y)
    >>> write = numbers.fit()
    >>> f"{write(a)} × {write(b)} = {write(c)}"  # 4 figures each: 1.235 × 3 = 3.704
    '1.2346 × 3 = 3.704'
    """

    def __init__(self) -> None:
        self.values: list[float] = []
        self.equations: list[tuple[int, tuple[int, ...], Callable[..., float]]] = []

    def add(self, x: float) -> int:
        """A number of the text; returns its place."""
        self.values.append(x)
        return len(self.values) - 1

    def equation(self, result: int, operands: tuple[int, ...], again: Callable[..., float]) -> None:
        """``values[result] = again(*values of operands)``, to hold as printed."""
        self.equations.append((result, operands, again))

    def fit(self) -> Callable[..., str]:
        """The figures each number needs; returns ``write(place, operand=False)``,
        which writes that number (in parentheses if negative and ``operand``)."""
        values, number = self.values, STEP_TEXT.number
        digits = [STEP_TEXT.digits] * len(values)
        changed = True
        while changed:
            changed = False
            for result, operands, again in self.equations:
                if _holds(values, digits, result, operands, again):
                    continue
                for k in operands:
                    if digits[k] < MAX_DIGITS:
                        digits[k] += 1
                        changed = True

        def write(place: int, operand: bool = False) -> str:
            text = number(values[place], digits[place])
            return f"({text})" if operand and text.startswith("-") else text

        return write


def _holds(
    values: list[float],
    digits: list[int],
    result: int,
    operands: tuple[int, ...],
    again: Callable[..., float],
) -> bool:
    number = STEP_TEXT.number
    try:
        got = again(*[float(number(values[k], digits[k])) for k in operands])
    except (ArithmeticError, ValueError, TypeError):
        return False
    return number(got, digits[result]) == number(values[result], digits[result])


class ParentUpdate(NamedTuple):
    """What one chain-rule step does to one parent."""

    parent: Value
    local: float  # d(node)/d(parent)
    contribution: float  # upstream * local
    grad_after: float  # the parent's gradient once the contribution is added
    grad_before: float = 0.0  # the parent's gradient before it
    position: int = 0  # which of the node's operands the parent is (folded numbers count)


class Step(NamedTuple):
    """One step of backpropagation: a node passing its gradient to its parents.

    ``str(step)`` reads like ``o = tanh(n): upstream do/do = 1 -> do/dn: local
    do/dn = 1 - o² = 1 - 0.7071² = 0.5, upstream × local = 1 × 0.5 = 0.5, total
    0 + 0.5 = 0.5``: the node's formula and its upstream gradient d(root)/d(node),
    then for each parent the local derivative d(node)/d(parent) with its formula,
    the product ``upstream × local``, and the parent's gradient before and after
    adding it.

    >>> from micrograd import Value
    >>> x = Value(3.0, label="x")
    >>> step = next((x * x).backward_steps())
    >>> step.upstream, [(u.local, u.grad_before, u.grad_after) for u in step.updates]
    (1.0, [(3.0, 0.0, 3.0), (3.0, 3.0, 6.0)])
    """

    root: Value
    node: Value
    upstream: float
    updates: tuple[ParentUpdate, ...]
    names: dict[Value, str]

    def __str__(self) -> str:
        head, *edges = self.lines()
        return head + STEP_TEXT.after_head + STEP_TEXT.between_edges.join(edges)

    def __repr__(self) -> str:  # short: the names dict can hold a whole network
        return f"<Step {self}>"

    def lines(self) -> list[str]:
        """The head, then one line per edge (at most ``max_edges``, then how many more).

        >>> from micrograd import Value
        >>> n = Value(0.0, label="n")
        >>> o = n.exp(); o.label = "o"
        >>> for line in next(o.backward_steps()).lines():
        ...     print(line)
        o = exp(n): upstream do/do = 1
        do/dn: local do/dn = o = 1, upstream × local = 1 × 1 = 1, total 0 + 1 = 1
        """
        text, names, node = STEP_TEXT, self.names, self.node
        root, name = names[self.root], names[node]
        numbers = Numbers()
        upstream = numbers.add(self.upstream)
        edges = []
        for u in self.updates[: text.max_edges]:
            local = local_formula(node, u.position, u.local, names, numbers)
            product, before = numbers.add(u.contribution), numbers.add(u.grad_before)
            after = numbers.add(u.grad_after)
            numbers.equation(product, (upstream, local[1]), lambda x, y: x * y)
            numbers.equation(after, (before, product), lambda x, y: x + y)
            edges.append((u, *local, product, before, after))
        write = numbers.fit()
        lines = [
            text.head.format(
                name=name, formula=formula(node, names), root=root, upstream=write(upstream)
            )
        ]
        for u, forms, local_place, product, before, after in edges:
            lines.append(
                text.edge.format(
                    root=root,
                    parent=names[u.parent],
                    name=name,
                    local=forms(write),
                    up=write(upstream, True),
                    lv=write(local_place, True),
                    product=write(product),
                    before=write(before, True),
                    term=write(product, True),
                    after=write(after),
                )
            )
        if len(self.updates) > text.max_edges:
            lines.append(text.more.format(count=f"{len(self.updates) - text.max_edges:,}"))
        return lines

    def explain_lines(self) -> list[str]:
        """One line per edge: ``do/dn: local do/dn = ..., upstream × local = ..., total ...``."""
        return self.lines()[1:]


def local_formula(
    node: Value, position: int, local: float, names: dict[Value, str], numbers: Numbers
) -> tuple[Callable[[Callable[..., str]], str], int]:
    """The local derivative d(node)/d(operand ``position``) as a step writes it: its
    formula from the catalogue, then with numbers, then its value (``1 - o² = 1 -
    0.7071² = 0.5``), each form once.  Its numbers join ``numbers``, with the
    op's own rule as the equation that recomputes the value from them.

    Returns a function that writes it once ``numbers`` is fitted, and the place of
    the value.

    >>> from micrograd import Value
    >>> n = Value(0.8814, label="n")
    >>> o = n.tanh(); o.label = "o"
    >>> numbers = Numbers()
    >>> forms, _ = local_formula(o, 0, 1 - o.data ** 2, node_names(o), numbers)
    >>> forms(numbers.fit())
    '1 - o² = 1 - 0.7071² = 0.5'
    """
    kind, value = op_entry(node), numbers.add(local)
    template = _template(kind, position, len(node.operands)) if kind is not None else None
    if kind is None or template is None:
        return (lambda write: write(value)), value
    operands = (*node.operands, node)  # the operands, then the output
    used = _template_operands(len(operands) - 1, position)  # only those a formula can name
    places = {k: numbers.add(_data(operands[k])) for k in used}
    data, rule, arity = [_data(x) for x in operands[:-1]], kind.derivative, kind.arity

    def again(*printed: float) -> float:  # the op's own rule, on the printed numbers
        *shown, out = printed
        full = list(data)
        for k, x in zip(used, shown):
            full[k] = x
        if arity == 1:
            return rule(full[0], out)
        return rule(*full, out)[position] if arity == 2 else rule(tuple(full), out)[position]

    numbers.equation(value, tuple(places.values()), again)

    def forms(write: Callable[..., str]) -> str:
        shown = {k: write(p, True) for k, p in places.items()}
        symbols = {k: _symbol(operands[k], names, shown[k]) for k in places}
        all_forms = [
            template.format(**_template_fields(symbols, len(operands) - 1, position)),
            template.format(**_template_fields(shown, len(operands) - 1, position)),
            write(value),
        ]
        last = all_forms[-1]  # each form once: "w = -3", not "w = (-3) = -3"
        return STEP_TEXT.between_forms.join(
            f for k, f in enumerate(all_forms) if k == 0 or f not in (all_forms[k - 1], f"({last})")
        )

    return forms, value


def _template(kind: Op, position: int, count: int) -> str | None:
    """The catalogue's formula for operand ``position`` of ``count``."""
    formula_ = kind.formula
    if formula_ is None:
        return None
    if isinstance(formula_, str):
        return formula_
    if kind.arity == 2:
        return formula_[position]
    if len(formula_) == 1:  # the same for every operand (sum)
        return formula_[0]
    n = (count - 1) // 2  # (weights, inputs, bias), as linear's operands are
    return formula_[0 if position < n else 1 if position < 2 * n else 2]


def _template_operands(count: int, position: int) -> list[int]:
    """Which of ``count`` operands (and the output, ``count``) a formula can name:
    ``{a}`` the first, ``{b}`` the last, ``{x}``/``{w}`` linear's partner of operand
    ``position``, ``{out}`` the output."""
    partner = _partner(count, position)
    return list(dict.fromkeys([0, count - 1, *([] if partner is None else [partner]), count]))


def _partner(count: int, position: int) -> int | None:
    """linear's (weights, inputs, bias): a weight's input, or an input's weight."""
    n = (count - 1) // 2
    if count <= 2 or position >= 2 * n:
        return None
    return position + n if position < n else position - n


def _template_fields(written: dict[int, str], count: int, position: int) -> dict[str, str]:
    """What a formula's ``{a}``, ``{b}``, ``{out}``, ``{x}``, ``{w}`` stand for."""
    fields = {"a": written[0], "b": written[count - 1], "out": written[count]}
    partner = _partner(count, position)
    if partner is not None:
        fields["x"] = fields["w"] = written[partner]
    return fields


def _data(x: Any) -> float:
    return x if isinstance(x, float) else cast(float, x.data)


def _symbol(x: Any, names: dict[Value, str], number: str) -> str:
    """An operand in a formula: its name, or a folded number as written."""
    return number if isinstance(x, float) else names[x]


def backward_steps(
    root: Value, max_steps: int | None = None, names: Mapping[Any, Any] | None = None
) -> Iterator[Step]:
    """Backpropagation as a generator: one :class:`Step` per non-leaf node, in backward order.

    Each step applies the chain rule at one node, updating its parents'
    ``.grad``, and describes what it did.  Run to the end, it leaves exactly the
    gradients that ``backward()`` gives (leaves accumulating, intermediate nodes
    reset first).  Stopped half-way, the gradients are partial.  ``max_steps``
    stops it after that many steps.  ``names`` names Values as in :func:`node_names`.

    >>> from micrograd import Value
    >>> n = Value(0.8814, label="n")
    >>> o = n.tanh(); o.label = "o"
    >>> for step in backward_steps(o):
    ...     print(step)
    o = tanh(n): upstream do/do = 1 -> do/dn: local do/dn = 1 - o² = 1 - 0.7071² = 0.5, \
upstream × local = 1 × 0.5 = 0.5, total 0 + 0.5 = 0.5
    """
    return _chain_rule_steps(root, None, max_steps, names)


def _chain_rule_steps(
    root: Value,
    grads: dict[Value, float] | None,
    max_steps: int | None = None,
    given: Mapping[Any, Any] | None = None,
) -> Iterator[Step]:
    """Backpropagation one node at a time, in the order ``backward()`` uses.

    With ``grads`` None it works on ``.grad`` exactly as ``backward()`` does;
    otherwise it keeps gradients in that dict and touches no ``.grad``.
    """
    order = backward_order(root)
    names = node_names(root, given)
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
        # where each parent sits among the operands (a folded number takes a place too)
        positions = [k for k, x in enumerate(node.operands) if not isinstance(x, float)]
        for k, (parent, local) in enumerate(zip(node.parents, node.local_derivatives)):
            contribution = local * upstream
            if grads is None:
                before = parent.grad
                parent.grad += contribution
                after = parent.grad
            else:
                before = grads.get(parent, 0.0)
                after = grads[parent] = before + contribution
            position = positions[k] if k < len(positions) else k
            updates.append(ParentUpdate(parent, local, contribution, after, before, position))
        yield Step(root, node, upstream, tuple(updates), names)


def explain(
    root: Value, max_lines: int | None = MAX_LINES, names: Mapping[Any, Any] | None = None
) -> str:
    """The whole chain-rule trace as text: each step's head, then one line per
    edge, in the order the steps apply.  Touches no ``.grad``.  Stops after
    ``max_lines`` lines (None: no limit), saying so.  ``names`` names Values as
    in :func:`node_names` (a model's ``dict(model.named_parameters())``, say).

    >>> from micrograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> print(explain(a * b, max_lines=2))
    mul1 = a * b: upstream dmul1/dmul1 = 1
      dmul1/da: local dmul1/da = b = -3, upstream × local = 1 × (-3) = -3, total 0 + (-3) = -3
    ... stopped after 2 lines: explain(max_lines=None) shows all
    """
    lines: list[str] = []
    for step in _chain_rule_steps(root, {}, None, names):
        head, *edges = step.lines()
        new = [head, *("  " + line for line in edges)]
        if max_lines is not None and len(lines) + len(new) > max_lines:
            lines.extend(new[: max_lines - len(lines)])
            lines.append(
                f"... stopped after {max_lines:,} lines: explain(max_lines=None) shows all"
            )
            break
        lines.extend(new)
    return "\n".join(lines)


def tree(
    root: Value,
    max_lines: int | None = MAX_LINES,
    max_depth: int | None = MAX_DEPTH,
    names: Mapping[Any, Any] | None = None,
) -> str:
    """The expression as an indented text tree, root first, with data and grad.

    A subexpression used twice is written out once; later it shows as
    ``(see above)``.  Stops after ``max_lines`` lines and below ``max_depth``
    levels (None: no limit), saying what it left out.  Numbers are to 4
    significant figures; ``names`` names Values as in :func:`node_names`.

    >>> from micrograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = (x * 2).exp(); y.label = "y"
    >>> print(tree(y))
    y = exp(mul1)  data 403.4  grad 0
      mul1 = x * 2  data 6  grad 0
        x  data 3  grad 0
    >>> print(tree(y, max_depth=1))
    y = exp(mul1)  data 403.4  grad 0
      mul1 = x * 2  data 6  grad 0
        ... (deeper levels not shown: tree(max_depth=None))
    """
    names = node_names(root, names)
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
        data, grad = STEP_TEXT.number(node.data), STEP_TEXT.number(node.grad)
        lines.append(f"{indent}{head}  data {data}  grad {grad}")
        if node.parents and max_depth is not None and depth >= max_depth:
            lines.append(f"{_indent(depth + 1)}... (deeper levels not shown: tree(max_depth=None))")
            continue
        stack.extend((parent, depth + 1) for parent in reversed(node.parents))
    return "\n".join(lines)


def _indent(depth: int) -> str:
    if depth <= _MAX_INDENT:
        return "  " * depth
    return "  " * _MAX_INDENT + f"[{depth}] "
