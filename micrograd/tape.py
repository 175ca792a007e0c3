"""The tape: record a graph once, then replay it on new numbers, and print it as code.

A training loop builds the same graph at every step.  :func:`record` builds it
once, orders it once and turns it into straight-line Python (a *Wengert list*:
one line per node forward, one line per edge backward), compiled once.  Then
:meth:`Tape.forward` and :meth:`Tape.backward` replay it on the leaves' current
numbers, several times faster than building the graph again, with the same
float operations in the same order, so the same gradients to the last bit.

>>> from micrograd import Value
>>> x, w, b = Value(0.5, label="x"), Value(-2.0, label="w"), Value(1.0, label="b")
>>> tape = record(lambda: (x * w + b).tanh())
>>> x.data = 2.0                      # a new example: no need to build the graph again
>>> round(tape.forward(), 6)
-0.995055
>>> tape.backward()
>>> round(w.grad, 6)
0.019732

``print(tape)`` shows the program.  Replaying is right only while the graph's
shape does not depend on the numbers: see :func:`record`'s ``check_every``.
:meth:`Tape.jvp` runs forward mode on the same tape.

The code that runs holds only slot numbers (``v7``, ``g5``), numbers and the
expressions of :data:`EXPRESSIONS`, one per op of the catalogue: never a label.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from micrograd import trace
from micrograd.engine import POW, Value
from micrograd.floats import as_float, first_largest, power, sigmoid, sign
from micrograd.op import Op
from micrograd.traversal import BY_HAND, postorder, tree_walk

__all__ = ["EXPRESSIONS", "Code", "Tape", "TapeShapeError", "jvp", "record"]

CHUNK = 5_000
"""Nodes per compiled function: a million-node tape compiles as 200 functions, not one
(and a function of 5,000 runs faster than one of 20,000)."""

TERMS = 64
"""Terms per line of a long sum (a fused node's), so no expression nests too deep to compile."""


class Code(NamedTuple):
    """One node as code: its forward statements, and its local derivatives as expressions.

    ``forward`` assigns the output's slot (and, for ``pow`` and custom ops, a slot
    holding the rule's tuple); ``slopes`` has one expression per operand, in
    ``node.operands``' order; ``prelude`` runs before the slopes are read.
    """

    forward: list[str]
    slopes: list[str]
    prelude: tuple[str, ...] = ()


# --- The ops as code: one entry per op of the catalogue -----------------------------------
# Each entry takes the operands (slot names or number literals, in node.operands' order),
# the output's slot and a spare slot, and writes the op's own float arithmetic: the
# forward code of the op in engine.py and the rule of its catalogue entry.

_RELU_SLOPE = "(1.0 if {0} > 0 else 0.0 if {0} <= 0 else nan)"  # relu's rule, on its output


def _call(name: str, slope: str) -> Callable[[list[str], str, str], Code]:
    return lambda a, out, spare: Code([f"{out} = {name}({a[0]})"], [slope.format(a=a[0], o=out)])


def _weighted_sum(a: list[str], out: str) -> list[str]:
    n = (len(a) - 1) // 2  # (w1..wn, x1..xn, bias), added left to right from the bias
    terms = [f"{w} * {x}" for w, x in zip(a[:n], a[n : 2 * n])]
    return _sum_lines(a[-1], terms, out)


def _sum_lines(start: str, terms: list[str], out: str) -> list[str]:
    lines = []
    for i in range(0, len(terms), TERMS):
        lines.append(f"{out} = {start} + {' + '.join(terms[i : i + TERMS])}")
        start = out
    return lines or [f"{out} = {start}"]


def _linear_slopes(a: list[str]) -> list[str]:
    n = (len(a) - 1) // 2  # d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1
    return [*a[n : 2 * n], *a[:n], "1.0"]


def _max_line(a: list[str], out: str, spare: str) -> list[str]:
    # max_of's arithmetic: the first largest operand (its index in the spare slot), NaN if
    # any operand is NaN.
    values = f"({a[0]},)" if len(a) == 1 else f"({', '.join(a)})"
    return [f"{out} = {values}[{spare}] if ({spare} := first_largest({values})) >= 0 else nan"]


def _max_slopes(n: int, spare: str) -> list[str]:
    # max's rule: 1.0 for the chosen operand, 0.0 for the others, NaN for all if out is NaN.
    return [f"(1.0 if {spare} == {i} else 0.0 if {spare} >= 0 else nan)" for i in range(n)]


EXPRESSIONS: dict[str, Callable[[list[str], str, str], Code]] = {
    "add": lambda a, o, s: Code([f"{o} = {a[0]} + {a[1]}"], ["1.0", "1.0"]),
    "sub": lambda a, o, s: Code([f"{o} = {a[0]} - {a[1]}"], ["1.0", "-1.0"]),
    "mul": lambda a, o, s: Code([f"{o} = {a[0]} * {a[1]}"], [a[1], a[0]]),
    "div": lambda a, o, s: Code([f"{o} = {a[0]} / {a[1]}"], [f"(1 / {a[1]})", f"(-{o} / {a[1]})"]),
    "pow": lambda a, o, s: Code(
        [f"{o} = power({a[0]}, {a[1]})", f"{s} = pow_rule({a[0]}, {a[1]}, {o})"],
        [f"{s}[0]", f"{s}[1]"],
    ),
    "neg": lambda a, o, s: Code([f"{o} = -{a[0]}"], ["-1.0"]),
    "exp": _call("exp", "{o}"),
    "log": _call("log", "(1 / {a})"),
    "tanh": _call("tanh", "(1 - {o} * {o})"),
    "sigmoid": _call("sigmoid", "({o} * (1 - {o}))"),
    "relu": lambda a, o, s: Code(
        [f"{o} = 0.0 if {a[0]} <= 0 else {a[0]}"], [_RELU_SLOPE.format(o)]
    ),
    "abs": _call("abs", "sign({a})"),
    "sin": _call("sin", "cos({a})"),
    "cos": _call("cos", "-sin({a})"),
    "linear": lambda a, o, s: Code(_weighted_sum(a, o), _linear_slopes(a)),
    "linear_relu": lambda a, o, s: Code(
        [*_weighted_sum(a, o), f"{o} = 0.0 if {o} <= 0 else {o}"],
        [f"(r * {d})" for d in _linear_slopes(a)],  # each slope times relu's (1, 0 or NaN)
        (f"r = {_RELU_SLOPE.format(o)}",),
    ),
    "sum": lambda a, o, s: Code(_sum_lines("0.0", a, o), ["1.0"] * len(a)),
    "max": lambda a, o, s: Code(_max_line(a, o, s), _max_slopes(len(a), s)),
}
"""How the code of a tape writes each op of :data:`micrograd.engine.OPS`, by name."""


def _custom_code(index: int, a: list[str], out: str, spare: str) -> Code:
    # The op's own forward and rule, reached through its entry (custom[index]).
    return Code(
        [f"{out}, {spare} = custom(K[{index}], ({', '.join(a)},))"],
        [f"{spare}[{i}]" for i in range(len(a))],
    )


def custom(op: Op, datas: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
    """A custom op's output and local derivatives, as its node would hold them."""
    node = op.apply(*datas)  # type: ignore[misc]
    out = node.data
    if node._kind is op:
        return out, node._da
    rule = op.derivative(datas, out)  # under no_grad the op makes a leaf: ask the rule
    return out, tuple(as_float(d, f"{op.name} (derivative)") for d in rule)


_NAMESPACE = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "nan": math.nan,
    "inf": math.inf,
    "power": power,
    "pow_rule": POW.derivative,
    "sigmoid": sigmoid,
    "sign": sign,
    "first_largest": first_largest,
    "custom": custom,
}
_IMPORTS = """\
from math import cos, exp, inf, log, nan, sin, tanh

from micrograd.engine import OPS
from micrograd.floats import first_largest, power, sigmoid, sign
from micrograd.tape import custom

pow_rule = OPS["pow"].derivative
"""


def _literal(x: float) -> str:
    """A folded number as source: its repr (which round-trips), inf and nan by name."""
    if x != x:
        return "nan"
    text = repr(x) if not math.isinf(x) else "inf" if x > 0 else "-inf"
    return f"({text})" if text.startswith("-") else text


_SPARE = {"pow", "max"}
"""Ops whose code takes a second slot: pow's rule tuple, max's chosen index."""


class TapeShapeError(ValueError):
    """The graph that ``build`` makes now differs from the recorded one."""


# --- Recording -------------------------------------------------------------------------------


def record(
    build: Callable[[], Value] | Value,
    check_every: int | None = None,
    names: Mapping[Value, str] | Iterable[tuple[str, Value]] | None = None,
) -> Tape:
    """Record a graph as a tape, to replay on new numbers.

    Args:
        build: a function of no arguments that builds the graph from the current
            numbers and returns its root (``lambda: loss_of(model, X, y)``), called
            once here; or a root already built (then shapes cannot be checked).
        check_every: call ``build`` again every this many replays and raise
            :class:`TapeShapeError`, naming the first node that differs, if the
            graph's shape (its ops, their operands, their folded numbers) changed.
        names: names for leaves, shown by ``str(tape)``: a dict from Value to
            name, or ``(name, Value)`` pairs such as ``model.named_parameters()``.

    Returns:
        The :class:`Tape`.  Its inputs are the graph's leaves, read through the
        leaf Values themselves: set ``x.data`` or let an optimizer update the
        parameters, then replay.

    >>> a = Value(3.0)
    >>> tape = record(lambda: a * a + 1)
    >>> a.data = 4.0
    >>> tape.forward()
    17.0
    """
    if isinstance(build, Value):
        root, rebuild = build, None
    elif callable(build):
        root, rebuild = build(), build
        if not isinstance(root, Value):
            raise TypeError(f"record: build() must return a Value, got {type(root).__name__}")
    else:
        raise TypeError(
            f"record: expected a function that builds a graph, or a Value, got {build!r}"
        )
    if check_every is not None:
        if rebuild is None:
            raise ValueError("record: check_every needs a function that builds the graph")
        if not isinstance(check_every, int) or isinstance(check_every, bool) or check_every < 1:
            raise ValueError(
                f"record: check_every must be a whole number >= 1, got {check_every!r}"
            )
    given: dict[Value, str] = {}
    if names is not None:
        pairs = names.items() if isinstance(names, Mapping) else ((v, k) for k, v in names)
        given = {value: str(name) for value, name in pairs}
    return Tape(root, rebuild, check_every, given)


class _Shape:
    """A graph as the tape keeps it: every node's op and operands, compactly.

    Slots number the leaves first (0, 1, ...) then every node in forward order;
    ``pow`` and custom nodes take one more slot, for their rule's tuple.
    """

    def __init__(self, root: Value) -> None:
        if root._kind is None:
            walk: list[Any] = []
            self.tree = True
        else:
            walk = tree_walk(root, backprop=False)  # type: ignore[assignment]
            self.tree = walk is not None
            if walk is None:  # a shared node: backward() takes postorder
                walk = postorder(root, reset_grads=False)
                walk.reverse()
        forward = walk[::-1]  # each node after its operands
        self.leaves: list[Value] = [] if forward else [root]
        slot: dict[Value, int] = {root: 0} if not forward else {}
        for node in forward:
            if node._b is BY_HAND:
                raise ValueError(
                    "record: a node built by hand (micrograd 0.1.0's _backward) cannot be "
                    "replayed; build it from ops"
                )
            for parent in node.parents:
                if parent._kind is None and parent not in slot:
                    slot[parent] = len(self.leaves)
                    self.leaves.append(parent)
        self.ops: list[Op] = []
        self.spare = array("q")  # the extra slot of pow and custom nodes, else -1
        self.starts = array("q", [0])  # node i's operands are args[starts[i]:starts[i + 1]]
        self.args = array("q")  # a slot, or -1 - (index into constants)
        self.constants: list[float] = []
        self.out = array("q")
        self.labels: dict[int, str] = {}
        self.size = len(self.leaves)
        for node in forward:
            kind = node._kind
            assert kind is not None
            if not kind.custom and kind.base.name not in EXPRESSIONS:
                raise ValueError(f"record: no code for the op {kind.base.name!r}")
            self.ops.append(kind)
            for x in node.operands:
                if isinstance(x, Value):
                    self.args.append(slot[x])
                else:
                    self.args.append(-1 - len(self.constants))
                    self.constants.append(x)
            self.starts.append(len(self.args))
            slot[node] = self.size
            self.out.append(self.size)
            self.size += 1
            if kind.custom or kind.base.name in _SPARE:
                self.spare.append(self.size)
                self.size += 1
            else:
                self.spare.append(-1)
        for value, number in slot.items():
            if value.label:
                self.labels[number] = value.label
        self.root = slot[root]

    def operands(self, i: int) -> list[int | float]:
        """Node i's operands: slots (ints) and folded numbers (floats)."""
        return [
            a if a >= 0 else self.constants[-1 - a]
            for a in self.args[self.starts[i] : self.starts[i + 1]]
        ]

    def first_difference(self, other: _Shape) -> int | None:
        """The index of the first node whose op or operands (the same leaves, the same
        nodes, the same folded numbers) differ, or None if the two are the same graph."""
        for i in range(min(len(self.ops), len(other.ops))):
            if self.ops[i] is not other.ops[i] or self._key(i) != other._key(i):
                return i
        if len(self.ops) != len(other.ops) or self.root != other.root or self.tree != other.tree:
            return min(len(self.ops), len(other.ops))
        return None

    def _key(self, i: int) -> list[Any]:
        leaves = len(self.leaves)
        return [
            repr(a) if isinstance(a, float) else id(self.leaves[a]) if a < leaves else a - leaves
            for a in self.operands(i)
        ]


# --- The tape ------------------------------------------------------------------------------


class Tape:
    """A recorded graph: replay its forward and backward passes on new numbers.

    Made by :func:`record`.  ``str(tape)`` is the program, with names;
    :meth:`to_python` is the same program as runnable source.

    Attributes:
        leaves: the graph's leaves, the tape's inputs (read through ``.data``).
    """

    def __init__(
        self,
        root: Value,
        rebuild: Callable[[], Value] | None,
        check_every: int | None,
        names: dict[Value, str],
    ) -> None:
        shape = _Shape(root)
        index = {id(leaf): k for k, leaf in enumerate(shape.leaves)}
        for value, name in names.items():
            if id(value) in index:
                shape.labels[index[id(value)]] = name
        self._shape = shape
        self.leaves = shape.leaves
        self._rebuild = rebuild
        self._check_every = check_every
        self._replays = 0
        self._values: list[Any] = [0.0] * shape.size
        self._grads: list[float] = [0.0] * shape.size
        self._read = attrgetter("data")
        self._forward = _compile_forward(shape)
        self._backward = _compile_backward(shape)
        self._jvp: list[Callable[..., None]] | None = None
        self._ready = False
        self.forward()
        self._replays = 0

    def __len__(self) -> int:
        """The number of nodes (not counting leaves)."""
        return len(self._shape.ops)

    def forward(self) -> float:
        """Recompute every node's number from the leaves' current ``.data``.

        Returns:
            The root's number.
        """
        self._replays += 1
        if self._check_every and self._replays % self._check_every == 0:
            self.check()
        values = self._values
        self._ready = False  # until every line has run: an interrupted pass is not kept
        values[: len(self.leaves)] = map(self._read, self.leaves)
        for chunk in self._forward:
            chunk(values)
        self._ready = True
        return values[self._shape.root]

    def backward(self) -> None:
        """Accumulate d(root)/d(leaf) into every leaf's ``.grad``, as ``backward()`` does.

        Uses the numbers of the last :meth:`forward` (run first if there was none, or
        it was interrupted).  The gradients are bit for bit those of building the
        graph and calling ``backward()``: the same operations in the same order.
        """
        if not self._ready:
            self.forward()
        leaves = self.leaves
        if not self._shape.ops:  # the root is a leaf
            leaves[0].grad += 1.0
            return
        grads = self._grads
        grads[: len(leaves)] = [leaf.grad for leaf in leaves]
        values = self._values
        for chunk in self._backward:
            chunk(values, grads)
        for leaf, g in zip(leaves, grads):  # only now: an interrupted pass changes no .grad
            leaf.grad = g

    def jvp(self, tangents: Mapping[Value, float]) -> float:
        """Forward mode: push tangents from the leaves through the tape.

        Args:
            tangents: a tangent for some leaves (the others' is 0).

        Returns:
            The directional derivative of the root: the sum over leaves of
            d(root)/d(leaf) * tangent, at the leaves' current numbers.

        >>> x, y = Value(2.0), Value(3.0)
        >>> tape = record(lambda: x * y + x)
        >>> tape.jvp({x: 1.0})   # d/dx = y + 1
        4.0
        """
        unknown = [v for v in tangents if v not in self._leaf_index]
        if unknown:
            raise ValueError(f"jvp: {unknown[0]!r} is not a leaf of this tape")
        self.forward()
        if self._jvp is None:
            self._jvp = _compile_jvp(self._shape)
        spread = [0.0] * self._shape.size
        for value, t in tangents.items():
            spread[self._leaf_index[value]] = as_float(t, "jvp")
        for chunk in self._jvp:
            chunk(self._values, spread)
        return spread[self._shape.root]

    @property
    def _leaf_index(self) -> dict[Value, int]:
        return {leaf: i for i, leaf in enumerate(self.leaves)}

    def check(self) -> None:
        """Build the graph again and raise :class:`TapeShapeError` if its shape changed."""
        if self._rebuild is None:
            raise ValueError("check: this tape was recorded from a Value, not a function")
        root = self._rebuild()
        new = _Shape(root)
        where = self._shape.first_difference(new)
        if where is None:
            return
        names = trace.node_names(root)
        nodes = _nodes_in_order(root)
        if where < len(nodes):
            node = nodes[where]
            shown = f"{names[node]} = {trace.formula(node, names)}"
            raise TapeShapeError(
                f"tape: the graph's shape changed at node {where + 1} of {len(nodes)}, "
                f"{shown}: it was recorded as {_line(self._shape, where)}; record again "
                "(or rebuild at each step)"
            )
        raise TapeShapeError(
            f"tape: the graph has {len(nodes)} nodes, the tape {len(self._shape.ops)}: "
            "its shape changed; record again"
        )

    def __str__(self) -> str:
        return _program(self._shape, shown=True)

    def __repr__(self) -> str:
        return f"<Tape: {len(self.leaves)} leaves, {len(self)} nodes>"

    def to_python(self) -> str:
        """The tape as Python source: a function ``replay(v0, v1, ...)`` of the leaves'
        numbers (in :attr:`leaves`' order) that returns the root's number and the
        gradient of each leaf.  It holds only slot numbers, numbers and the ops'
        expressions.  A tape with custom ops needs ``K=tape.custom_ops``.

        >>> x = Value(3.0, label="x")
        >>> scope = {}
        >>> exec(record(x * x).to_python(), scope)
        >>> scope["replay"](4.0)
        (16.0, (8.0,))
        """
        return _program(self._shape, shown=False)

    @property
    def custom_ops(self) -> tuple[Op, ...]:
        """The custom ops the code calls as ``K[0]``, ``K[1]``... (by index, never by name)."""
        return _custom_ops(self._shape)


def _nodes_in_order(root: Value) -> list[Value]:
    if root._kind is None:
        return []
    walk = tree_walk(root, backprop=False)
    if walk is None:
        return postorder(root, reset_grads=False)
    return list(reversed(walk))  # type: ignore[arg-type]


def _custom_ops(shape: _Shape) -> tuple[Op, ...]:
    seen: dict[Op, None] = {}
    for op in shape.ops:
        if op.custom:
            seen.setdefault(op)
    return tuple(seen)


# --- The code ------------------------------------------------------------------------------


def _node_code(shape: _Shape, i: int, customs: dict[Op, int]) -> Code:
    args = [f"v{a}" if isinstance(a, int) else _literal(a) for a in shape.operands(i)]
    op = shape.ops[i]
    out, spare = f"v{shape.out[i]}", f"v{shape.spare[i]}"
    if op.custom:
        return _custom_code(customs[op], args, out, spare)
    return EXPRESSIONS[op.base.name](args, out, spare)


def _line(shape: _Shape, i: int) -> str:
    return "; ".join(
        _node_code(shape, i, {op: k for k, op in enumerate(_custom_ops(shape))}).forward
    )


def _term(slope: str, g: str) -> str:
    # 1.0 * g is g, and -1.0 * g is -g, to the bit.
    return g if slope == "1.0" else f"-{g}" if slope == "-1.0" else f"{slope} * {g}"


def _backward_lines(shape: _Shape, customs: dict[Op, int], shown: bool) -> list[list[str]]:
    """Per node in backward order, its chain-rule lines.  The tree route sets an
    intermediate gradient (its one consumer), the graph route starts it at 0.0 and
    adds, as backward() does; leaves add to what they hold."""
    leaves = len(shape.leaves)
    touched = set()
    program = []
    for i in reversed(range(len(shape.ops))):
        code = _node_code(shape, i, customs)
        g = f"g{shape.out[i]}"
        lines = list(code.prelude)
        for slope, a in zip(code.slopes, shape.operands(i)):
            if not isinstance(a, int):
                continue  # a folded number: no gradient
            term = _term(slope, g)
            if a < leaves or a in touched:
                lines.append(f"g{a} += {term}")
            elif shape.tree:
                lines.append(f"g{a} = {term}")
            else:
                lines.append(f"g{a} += {term}" if shown else f"g{a} = 0.0 + {term}")
            touched.add(a)
        program.append(lines)
    return program


def _program(shape: _Shape, shown: bool) -> str:
    """``str(tape)`` (shown: with names in comments) or ``to_python()`` (no names at all)."""
    customs = {op: k for k, op in enumerate(_custom_ops(shape))}
    leaves = len(shape.leaves)
    out: list[str] = []
    if shown:
        names = _names(shape)
        out.append("# forward: each v is a number")
        out += [f"v{k} = {names[k]}" for k in range(leaves)]
        for i in range(len(shape.ops)):
            lines = _node_code(shape, i, customs).forward
            slot = shape.out[i]
            out.append(f"{lines[0]}  # {names[slot]} = {_formula(shape, i, names)}")
            out += lines[1:]
        root = shape.root
        out.append(
            f"# backward: each g is d{names[root]}/d(its v); g starts at 0 (a leaf's at .grad)"
        )
        out.append(f"g{root} = 1.0")
        for lines in _backward_lines(shape, customs, shown=True):
            out += lines
        return "\n".join(out)
    params = ", ".join([*(f"v{k}" for k in range(leaves)), "K=()"])
    out.append(_IMPORTS)
    out.append(f"\ndef replay({params}):")
    body = [f"v{k} = float(v{k})" for k in range(leaves)]
    for i in range(len(shape.ops)):
        body += _node_code(shape, i, customs).forward
    body += [f"g{k} = 0.0" for k in range(leaves)]
    if shape.ops:
        body.append(f"g{shape.root} = 1.0")
        for lines in _backward_lines(shape, customs, shown=False):
            body += lines
    else:
        body.append(f"g{shape.root} += 1.0")
    grads = "".join(f"g{k}, " for k in range(leaves))
    body.append(f"return v{shape.root}, ({grads})")
    out += [f"    {line}" for line in body]
    return "\n".join(out) + "\n"


def _names(shape: _Shape) -> dict[int, str]:
    """Every slot's name, as :func:`micrograd.trace.node_names` gives it for the graph."""
    nodes = _stand_ins(shape)
    names = trace.node_names(nodes[shape.root])  # type: ignore[arg-type]
    return {slot: names[node] for slot, node in nodes.items()}  # type: ignore[index]


def _formula(shape: _Shape, i: int, names: dict[int, str]) -> str:
    nodes = _stand_ins(shape)
    return trace.formula(nodes[shape.out[i]], {nodes[k]: name for k, name in names.items()})  # type: ignore[arg-type,misc]


class _StandIn:
    """A node as trace reads it (label, parents, operands, op_entry), rebuilt from
    the tape for ``str(tape)``: the tape keeps no graph."""

    __slots__ = ("data", "label", "op_entry", "operands", "parents")
    data: float
    label: str
    op_entry: Op | None
    operands: tuple[Any, ...]
    parents: tuple[_StandIn, ...]


def _stand_ins(shape: _Shape) -> dict[int, _StandIn]:
    cached = getattr(shape, "_stand_ins", None)
    if cached is not None:
        return cached
    nodes: dict[int, _StandIn] = {}
    for k, leaf in enumerate(shape.leaves):
        node = nodes[k] = _StandIn()
        node.data, node.label, node.op_entry = leaf.data, shape.labels.get(k, ""), None
        node.operands = node.parents = ()
    for i, op in enumerate(shape.ops):
        node = nodes[shape.out[i]] = _StandIn()
        node.data, node.label, node.op_entry = 0.0, shape.labels.get(shape.out[i], ""), op.base
        node.operands = tuple(nodes[a] if isinstance(a, int) else a for a in shape.operands(i))
        node.parents = tuple(x for x in node.operands if isinstance(x, _StandIn))
    shape._stand_ins = nodes  # type: ignore[attr-defined]
    return nodes


# --- Compiling: straight-line functions of at most CHUNK nodes each ---------------------------


def _compile(source: list[str], scope: dict[str, Any], name: str) -> Callable[..., None]:
    namespace: dict[str, Any] = dict(_NAMESPACE)
    namespace.update(scope)
    exec(compile("\n".join(source), "<micrograd tape>", "exec"), namespace)
    function: Callable[..., None] = namespace[name]
    return function


def _load(slots: Sequence[int], prefix: str, source: str, scope: dict[str, Any]) -> list[str]:
    """One line that reads many slots of a list into locals, with one C call."""
    if not slots:
        return []
    name = f"R{len(scope)}"
    scope[name] = itemgetter(*slots) if len(slots) > 1 else (lambda s, k=slots[0]: (s[k],))
    return [f"{''.join(f'{prefix}{k}, ' for k in slots)}= {name}({source})"]


def _used(lines: Iterable[str], prefix: str) -> set[int]:
    """The slots a piece of code names with this prefix (``v12``, ``g3``)."""
    return set(map(int, re.findall(rf"\b{prefix}(\d+)\b", "\n".join(lines))))


def _compile_forward(shape: _Shape) -> list[Callable[..., None]]:
    customs = {op: k for k, op in enumerate(_custom_ops(shape))}
    chunks = []
    for start in range(0, len(shape.ops), CHUNK):
        end = min(start + CHUNK, len(shape.ops))
        body = []
        for i in range(start, end):
            body += _node_code(shape, i, customs).forward
        first = shape.out[start]
        last = shape.out[end - 1] if shape.spare[end - 1] < 0 else shape.spare[end - 1]
        scope: dict[str, Any] = {"K": tuple(customs)}
        needed = sorted(k for k in _used(body, "v") if k < first)
        source = ["def chunk(V):", *(f"    {line}" for line in _load(needed, "v", "V", scope))]
        source += [f"    {line}" for line in body]
        made = "".join(f"v{k}, " for k in range(first, last + 1))
        source.append(f"    V[{first}:{last + 1}] = ({made})")
        chunks.append(_compile(source, scope, "chunk"))
    return chunks


def _compile_backward(shape: _Shape) -> list[Callable[..., None]]:
    customs = {op: k for k, op in enumerate(_custom_ops(shape))}
    per_node = _backward_lines(shape, customs, shown=False)
    chunks = []
    stored: set[int] = set(range(len(shape.leaves)))  # gradients held in G between chunks
    order = list(reversed(range(len(shape.ops))))
    for start in range(0, len(order), CHUNK):
        nodes = order[start : start + CHUNK]
        body = [line for k in range(start, start + len(nodes)) for line in per_node[k]]
        if start == 0:
            body.insert(0, f"g{shape.root} = 1.0")
        grads = _used(body, "g")
        loaded = sorted(k for k in grads if k in stored)
        done = {shape.out[i] for i in nodes}  # their gradients are used up here
        keep = sorted(k for k in grads if k not in done)
        scope: dict[str, Any] = {}
        source = ["def chunk(V, G):"]
        source += [f"    {line}" for line in _load(sorted(_used(body, "v")), "v", "V", scope)]
        source += [f"    {line}" for line in _load(loaded, "g", "G", scope)]
        source += [f"    {line}" for line in body]
        source += [f"    G[{k}] = g{k}" for k in keep]
        stored.update(keep)
        chunks.append(_compile(source, scope, "chunk"))
    return chunks


def _compile_jvp(shape: _Shape) -> list[Callable[..., None]]:
    customs = {op: k for k, op in enumerate(_custom_ops(shape))}
    chunks = []
    for start in range(0, len(shape.ops), CHUNK):
        end = min(start + CHUNK, len(shape.ops))
        body: list[str] = []
        for i in range(start, end):
            code = _node_code(shape, i, customs)
            body += code.prelude
            terms = [
                _term(slope, f"t{a}")
                for slope, a in zip(code.slopes, shape.operands(i))
                if isinstance(a, int)
            ]
            body += _sum_lines("0.0", terms, f"t{shape.out[i]}")
        first = shape.out[start]
        scope: dict[str, Any] = {"K": tuple(customs)}
        source = ["def chunk(V, T):"]
        source += [f"    {line}" for line in _load(sorted(_used(body, "v")), "v", "V", scope)]
        needed = sorted(k for k in _used(body, "t") if k < first)
        source += [f"    {line}" for line in _load(needed, "t", "T", scope)]
        source += [f"    {line}" for line in body]
        made = sorted(k for k in _used(body, "t") if k >= first)
        source += [f"    T[{k}] = t{k}" for k in made]
        chunks.append(_compile(source, scope, "chunk"))
    return chunks


# --- Forward mode for a function ---------------------------------------------------------


def jvp(f: Callable[..., Value], xs: Sequence[float | Value], vs: Sequence[float]) -> float:
    """Forward mode: the derivative of ``f`` at ``xs`` in the direction ``vs``.

    Args:
        f: a function of Values that returns a Value.
        xs: where to differentiate, numbers or Values, one per argument of ``f``.
        vs: the direction: one tangent per argument.

    Returns:
        ``sum(df/dx_i * v_i)``, from one forward pass: the same number as reverse
        mode's gradient dotted with ``vs``.

    >>> from micrograd import jvp
    >>> jvp(lambda x, y: x * y + x.tanh(), [2.0, 3.0], [0.0, 1.0])   # d/dy = x
    2.0
    """
    if len(xs) != len(vs):
        raise ValueError(f"jvp: {len(xs)} points but {len(vs)} tangents")
    leaves = [x if isinstance(x, Value) else Value(x) for x in xs]
    tape = record(lambda: f(*leaves))
    tangents: dict[Value, float] = {}
    for leaf, v in zip(leaves, vs):
        if leaf in tape._leaf_index:  # an argument f does not use has no effect
            tangents[leaf] = tangents.get(leaf, 0.0) + as_float(v, "jvp")
    return tape.jvp(tangents)
