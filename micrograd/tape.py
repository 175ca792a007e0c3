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

A graph that repeats itself (the same network on each of 100 points, an RNN's
cell at each step) is compiled once per distinct piece: the tape cuts the nodes
into pieces, and pieces with the same ops wired the same way share one compiled
function, called once per piece with that piece's own slots and numbers.
"""

from __future__ import annotations

import math
import re
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter, itemgetter
from types import CodeType
from typing import Any, NamedTuple

from micrograd import trace
from micrograd.engine import POW, Value
from micrograd.floats import as_float, first_largest, power, sigmoid, sign
from micrograd.op import Op
from micrograd.traversal import BY_HAND, postorder, tree_walk

__all__ = ["EXPRESSIONS", "Code", "Tape", "TapeShapeError", "jvp", "record"]

CHUNK = 10_000
"""The most operands (edges) in one compiled function, unless one node has more: a
million-node tape that never repeats itself compiles as some 200 functions, not one."""

REPEAT = 128
"""The fewest operands in a piece that shares its function with the pieces like it:
smaller pieces would spend more time passing their slots than computing."""

WINDOW = 64
"""How many nodes in a row must look alike for the tape to look for a repeat there (and,
failing that, an eighth as many)."""

TERMS = 64
"""Terms per line of a long sum (a fused node's), so no expression nests too deep to compile."""


class Code(NamedTuple):
    """One node as code: its forward statements, and its local derivatives as expressions.

    ``forward`` assigns the output's slot (and, for ``pow``, ``max`` and custom
    ops, a slot holding the rule's tuple or the chosen index); ``slopes`` has one
    expression per operand, in ``node.operands``' order; ``prelude`` runs before
    the slopes are read; ``scale``, if any, multiplies the output's gradient once
    before the slopes do (``linear_relu``: relu's slope, 1, 0 or NaN).
    """

    forward: list[str]
    slopes: list[str]
    prelude: tuple[str, ...] = ()
    scale: str | None = None


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
    # linear_relu's slopes are linear's times relu's (r: 1, 0 or NaN), and backward()
    # adds (r * slope) * g to each operand.  r * (slope * g) would round differently if
    # slope * g overflowed, but slope * (r * g) never does: r * g is g, +-0.0 or NaN,
    # so each term is the same to the bit, with one product fewer per operand.
    "linear_relu": lambda a, o, s: Code(
        [*_weighted_sum(a, o), f"{o} = 0.0 if {o} <= 0 else {o}"],
        _linear_slopes(a),
        scale=_RELU_SLOPE.format(o),
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
    shape = _Shape.of(root)
    del root  # the graph can go as soon as it is read: the tape keeps none of it
    return Tape(shape, rebuild, check_every, given)


class _Shape:
    """A graph as a list of nodes: every node's op and operands, as slot numbers.

    Slots number the leaves first (0, 1, ...) then every node in forward order;
    ``pow``, ``max`` and custom nodes take one more slot, for their rule's tuple
    or chosen index.  A tape keeps its graph in pieces (:class:`_Piece`), and
    makes this whole list again only to print it or compare it.
    """

    leaves: list[Value]
    ops: list[Op]
    starts: array[int]  # node i's operands are args[starts[i]:starts[i + 1]]
    args: array[int]  # a slot, or -1 - (index into constants)
    constants: list[float]
    out: array[int]
    spare: array[int]  # the extra slot of pow, max and custom nodes, else -1
    labels: dict[int, str]
    size: int
    root: int
    tree: bool

    @classmethod
    def of(cls, root: Value) -> _Shape:
        """The shape of the graph under ``root``."""
        shape = cls()
        if root._kind is None:
            walk: list[Any] = []
            shape.tree = True
        else:
            walk = tree_walk(root, backprop=False)  # type: ignore[assignment]
            shape.tree = walk is not None
            if walk is None:  # a shared node: backward() takes postorder
                walk = postorder(root, reset_grads=False)
                walk.reverse()
        forward = walk[::-1]  # each node after its operands
        shape.leaves = [] if forward else [root]
        slot: dict[Value, int] = {root: 0} if not forward else {}
        for node in forward:
            if node._b is BY_HAND:
                raise ValueError(
                    "record: a node built by hand (micrograd 0.1.0's _backward) cannot be "
                    "replayed; build it from ops"
                )
            for parent in node.parents:
                if parent._kind is None and parent not in slot:
                    slot[parent] = len(shape.leaves)
                    shape.leaves.append(parent)
        shape.ops = []
        shape.spare = array("q")
        shape.starts = array("q", [0])
        shape.args = array("q")
        shape.constants = []
        shape.out = array("q")
        size = len(shape.leaves)
        for node in forward:
            kind = node._kind
            assert kind is not None
            if not kind.custom and kind.base.name not in EXPRESSIONS:
                raise ValueError(f"record: no code for the op {kind.base.name!r}")
            shape.ops.append(kind)
            for x in node.operands:
                if isinstance(x, Value):
                    shape.args.append(slot[x])
                else:
                    shape.args.append(-1 - len(shape.constants))
                    shape.constants.append(x)
            shape.starts.append(len(shape.args))
            slot[node] = size
            shape.out.append(size)
            size += 1
            if _needs_spare(kind):
                shape.spare.append(size)
                size += 1
            else:
                shape.spare.append(-1)
        shape.size = size
        shape.labels = {number: value.label for value, number in slot.items() if value.label}
        shape.root = slot[root]
        return shape

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


def _needs_spare(op: Op) -> bool:
    return op.custom or op.base.name in _SPARE


# --- Pieces: the nodes cut where the graph repeats itself ---------------------------------


def _cuts(shape: _Shape) -> list[tuple[int, int]]:
    """The nodes in forward order, cut into pieces ``(start, end)``.

    Where a run of nodes repeats (each point through the same network, each step of
    an RNN), it is cut into pieces of equal length, a whole number of repeats, so
    that the pieces come out alike; the rest is cut into pieces of at most CHUNK.
    To see repeats, each node gets a number for its op and the kinds of its
    operands (a leaf, a folded number, or a node so many nodes back), and runs of
    those numbers are compared by rolling hashes.
    """
    n, leaves = len(shape.ops), len(shape.leaves)
    node_at = array("q", [0]) * shape.size  # a node's index, by its slot
    for i, slot in enumerate(shape.out):
        node_at[slot] = i
    looks: dict[tuple[Any, ...], int] = {}
    prefix = [0] * (n + 1)  # polynomial hashes of the looks, so any run's is one subtraction
    h = 0
    args, starts = shape.args, shape.starts
    for i, op in enumerate(shape.ops):
        key: list[Any] = [op]
        for a in args[starts[i] : starts[i + 1]]:
            if a < 0:
                key.append(-1)  # a folded number: the pieces may differ in its value
            elif a < leaves:
                key.append(-2)
            else:
                back = i - node_at[a]
                key.append(back if back <= 16 else -3)  # far back: any node
        look = looks.setdefault(tuple(key), len(looks))
        h = (h * _BASE + look + 1) % _MODULUS
        prefix[i + 1] = h
    powers: dict[int, int] = {}

    def run(start: int, length: int) -> int:
        if length not in powers:
            powers[length] = pow(_BASE, length, _MODULUS)
        return (prefix[start + length] - prefix[start] * powers[length]) % _MODULUS

    pieces: list[tuple[int, int]] = []
    done = 0  # nodes before this are in pieces

    def repeat(p: int, period: int) -> int:
        """Cut the run through p that repeats every ``period`` nodes into pieces, if it
        gives two or more; return where it ends (or p if it does not)."""
        nonlocal done
        if p + period > n:
            return p
        edges = max(1, starts[p + period] - starts[p])  # the operands of one period
        length = period * -(-REPEAT // edges)  # whole periods, at least REPEAT operands
        start, back = p, 0  # back over the periods before p that repeat it
        while back < 1000 and start >= period and run(start - period, period) == run(p, period):
            start, back = start - period, back + 1
        count = 0
        while start + (count + 1) * length <= n and (
            run(start + count * length, length) == run(start, length)
        ):
            count += 1
        if count < 2 or length // period * edges > CHUNK or start + count * length <= p:
            return p
        cut_from = done  # nodes already cut that the run takes back are cut again
        while pieces and pieces[-1][1] > start:
            cut_from = pieces.pop()[0]
        _plain(pieces, starts, cut_from, start)
        pieces.extend((start + k * length, start + (k + 1) * length) for k in range(count))
        done = start + count * length
        return done

    # Where a window of nodes was last seen: a long window first (a point through a whole
    # network, an RNN's whole sequence), then a short one (a row of a layer, one step).
    windows: list[tuple[int, dict[int, int]]] = [(WINDOW, {}), (max(1, WINDOW // 8), {})]
    p = 0
    while p < n:
        for size, seen in windows:
            if p + size <= n:
                window = run(p, size)
                before = seen.get(window)
                seen[window] = p
                if before is not None and (end := repeat(p, p - before)) > p:
                    p = end
                    break
        else:
            p += 1
    _plain(pieces, starts, done, n)
    return pieces


_MODULUS, _BASE = (1 << 61) - 1, 1_000_003


def _plain(pieces: list[tuple[int, int]], starts: array[int], start: int, end: int) -> None:
    """Cut nodes start..end into pieces of at most CHUNK operands (and at least one node)."""
    while start < end:
        stop = min(max(bisect_right(starts, starts[start] + CHUNK) - 1, start + 1), end)
        pieces.append((start, stop))
        start = stop


class _Piece:
    """The ops of a piece, wired the same way in every piece of its kind.

    Each operand is an int: ``3 * r`` for the piece's own slot ``o + r``,
    ``3 * k + 1`` for its k-th outside slot (a leaf or an earlier node), and
    ``3 * k + 2`` for its k-th folded number.  An outside slot or a number that is
    the same in every piece of the kind is written into the code (shared); the
    others each piece passes in.  Outside slots are read as runs of consecutive
    slots (one slice each) where the pieces allow it.
    """

    def __init__(self, ops: tuple[Op, ...], operands: array[int], leaf: bytes) -> None:
        self.ops = ops
        self.operands = operands  # for each node: its operand count, then its operands
        self.leaf = leaf  # for each outside slot: 1 if it is a leaf
        self.size = sum(1 + _needs_spare(op) for op in ops)  # slots it makes
        self.shared_slots: list[int] = []  # per outside slot: the slot, or -1 if each passes it
        self.shared_numbers: list[Any] = []  # per number: the number, or _EACH
        self.shared_runs: list[tuple[int, list[int]]] = []  # (first slot, outside slots k)
        self.own_runs: list[list[int]] | None = None  # each piece's runs, by their first slot
        self.own: list[int] = []  # the outside slots each piece passes, in the order it does
        self.grad_in: list[int] = []  # own slots whose gradient comes from later pieces
        self.code: dict[str, Callable[..., None]] = {}

    def nodes(self) -> Iterable[tuple[int, Op, int, Sequence[int]]]:
        """Each node's (own slot, op, spare slot or -1, operands)."""
        k = r = 0
        operands = self.operands
        for op in self.ops:
            count = operands[k]
            spare = r + 1 if _needs_spare(op) else -1
            yield r, op, spare, operands[k + 1 : k + 1 + count]
            k += 1 + count
            r += 1 if spare < 0 else 2


_EACH = object()
"""A folded number that differs between the pieces of a kind: each passes its own."""


class _Instance(NamedTuple):
    """One piece of the tape: its kind and what it passes to the kind's code."""

    kind: _Piece
    first: int  # its first slot, o
    slots: tuple[int, ...]  # the first slot of each of its own runs, or all its own slots
    read: Callable[[list[Any]], Any] | None  # an itemgetter of its own slots, if not in runs
    numbers: tuple[Any, ...]  # its folded numbers that are not shared


def _pieces(shape: _Shape) -> list[_Instance]:
    """The tape's graph as pieces, alike pieces sharing one :class:`_Piece`.

    Leaves that some kind shares (a model's parameters) are numbered first, in the
    order the graph first uses them, so that a kind reads them as a few slices.
    """
    leaves, args, starts, out = len(shape.leaves), shape.args, shape.starts, shape.out
    kinds: dict[tuple[Any, ...], _Piece] = {}
    found: list[tuple[_Piece, int, list[int], list[Any]]] = []
    constants = shape.constants
    for start, end in _cuts(shape):
        first = out[start]
        outside: dict[int, int] = {}
        numbers: list[Any] = []
        operands = array("q")
        for i in range(start, end):
            operands.append(starts[i + 1] - starts[i])
            for a in args[starts[i] : starts[i + 1]]:
                if a < 0:
                    operands.append(3 * len(numbers) + 2)
                    numbers.append(constants[-1 - a])
                elif a >= first:
                    operands.append(3 * (a - first))
                else:
                    operands.append(3 * outside.setdefault(a, len(outside)) + 1)
        ops = tuple(shape.ops[start:end])
        leaf = bytes(a < leaves for a in outside)
        key = (ops, operands.tobytes(), leaf)
        kind = kinds.get(key)
        if kind is None:
            kind = kinds[key] = _Piece(ops, operands, leaf)
        found.append((kind, first, list(outside), numbers))
    by_kind: dict[_Piece, list[tuple[list[int], list[Any]]]] = {k: [] for k in kinds.values()}
    for kind, _, slots, numbers in found:
        by_kind[kind].append((slots, numbers))
    for kind, mine in by_kind.items():
        slots0, numbers0 = mine[0]
        kind.shared_slots = [
            s if all(f[0][k] == s for f in mine) else -1 for k, s in enumerate(slots0)
        ]
        kind.shared_numbers = [
            x if all(_same_number(f[1][k], x) for f in mine) else _EACH
            for k, x in enumerate(numbers0)
        ]
    _shared_leaves_first(shape, kinds.values(), found)
    for kind, mine in by_kind.items():
        _runs(kind, [f[0] for f in mine])
    _gradients_in(shape, found)
    instances = []
    for kind, first, slots, numbers in found:
        own = [slots[k] for k in kind.own]
        mine_numbers = tuple(
            x for x, shared in zip(numbers, kind.shared_numbers) if shared is _EACH
        )
        if kind.own_runs is None:
            instances.append(_Instance(kind, first, tuple(own), _getter(own), mine_numbers))
        else:
            runs = tuple(slots[run[0]] for run in kind.own_runs)
            instances.append(_Instance(kind, first, runs, None, mine_numbers))
    return instances


def _shared_leaves_first(
    shape: _Shape, kinds: Iterable[_Piece], found: list[tuple[_Piece, int, list[int], list[Any]]]
) -> None:
    """Number the leaves that some kind shares first, keeping the order the graph uses them."""
    leaves = len(shape.leaves)
    shared = bytearray(leaves)
    for kind in kinds:
        for s in kind.shared_slots:
            if 0 <= s < leaves:
                shared[s] = 1
    order = [s for s in range(leaves) if shared[s]] + [s for s in range(leaves) if not shared[s]]
    new = array("q", [0]) * leaves
    for position, s in enumerate(order):
        new[s] = position
    shape.leaves[:] = [shape.leaves[s] for s in order]
    shape.labels = {(new[s] if s < leaves else s): name for s, name in shape.labels.items()}
    for kind in kinds:
        kind.shared_slots = [new[s] if 0 <= s < leaves else s for s in kind.shared_slots]
    for _, _, slots, _ in found:
        slots[:] = [new[s] if s < leaves else s for s in slots]


def _runs(kind: _Piece, pieces: list[list[int]]) -> None:
    """How the kind reads its outside slots: the shared ones as runs of consecutive slots,
    each piece's own ones as runs too if every piece of the kind has them in the same runs
    (then a piece passes each run's first slot), else one by one (an itemgetter)."""
    shared = sorted((s, k) for k, s in enumerate(kind.shared_slots) if s >= 0)
    kind.shared_runs = []
    for s, k in shared:
        if kind.shared_runs and kind.shared_runs[-1][0] + len(kind.shared_runs[-1][1]) == s:
            kind.shared_runs[-1][1].append(k)
        else:
            kind.shared_runs.append((s, [k]))
    own = [k for k, s in enumerate(kind.shared_slots) if s < 0]
    first = pieces[0]
    runs: list[list[int]] = []
    for k in sorted(own, key=lambda k: first[k]):
        if runs and first[runs[-1][-1]] + 1 == first[k]:
            runs[-1].append(k)
        else:
            runs.append([k])
    in_runs = all(
        slots[k] == slots[run[0]] + j for slots in pieces for run in runs for j, k in enumerate(run)
    )
    kind.own_runs = runs if in_runs else None
    kind.own = [k for run in runs for k in run] if in_runs else own


def _gradients_in(shape: _Shape, found: list[tuple[_Piece, int, list[int], list[Any]]]) -> None:
    """Each kind's own slots whose gradient comes from a later piece (which uses them),
    and the root's, whose gradient is 1."""
    leaves, args, starts, out = len(shape.leaves), shape.args, shape.starts, shape.out
    maker = array("q", [0]) * shape.size  # the piece that makes a slot
    grad_in: dict[_Piece, set[int]] = {kind: set() for kind, _, _, _ in found}
    piece, end = -1, 0
    for i in range(len(shape.ops)):
        if out[i] >= end:
            piece += 1
            end = found[piece][1] + found[piece][0].size
        maker[out[i]] = piece
        for a in args[starts[i] : starts[i + 1]]:
            if a >= leaves and maker[a] != piece:
                kind, first = found[maker[a]][0], found[maker[a]][1]
                grad_in[kind].add(a - first)
    if shape.ops:
        kind, first = found[maker[shape.root]][0], found[maker[shape.root]][1]
        grad_in[kind].add(shape.root - first)
    for kind, slots in grad_in.items():
        kind.grad_in = sorted(slots)


def _same_number(a: Any, b: Any) -> bool:
    return type(a) is type(b) and repr(a) == repr(b)  # -0.0 is not 0.0; nan is nan


def _getter(slots: Sequence[int]) -> Callable[[list[Any]], Any] | None:
    """Reads these slots of a list with one C call: a tuple, or the one item."""
    return itemgetter(*slots) if slots else None


def _unpack(names: Sequence[str], source: str, sequence: bool = True) -> list[str]:
    """A line assigning the items of ``source`` to names: a sequence, or what an
    itemgetter gives (a tuple, or the item itself when there is one name)."""
    if not names:
        return []
    if len(names) == 1:
        return [f"{names[0]}{',' if sequence else ''} = {source}"]
    return [f"{', '.join(names)} = {source}"]


def _shape_of(instances: list[_Instance], tape: Tape) -> _Shape:
    """The whole list of nodes again, from the pieces (to print or compare them)."""
    shape = _Shape()
    shape.leaves = tape.leaves
    shape.ops, shape.constants = [], []
    shape.starts, shape.args = array("q", [0]), array("q")
    shape.out, shape.spare = array("q"), array("q")
    for kind, first, slots, _, numbers in instances:
        outside = list(kind.shared_slots)
        if kind.own_runs is None:
            for k, s in zip(kind.own, slots):
                outside[k] = s
        else:
            for run, s in zip(kind.own_runs, slots):
                for j, k in enumerate(run):
                    outside[k] = s + j
        mine_numbers = iter(numbers)
        folded = [x if x is not _EACH else next(mine_numbers) for x in kind.shared_numbers]
        for r, op, spare, operands in kind.nodes():
            shape.ops.append(op)
            for a in operands:
                if a % 3 == 0:
                    shape.args.append(first + a // 3)
                elif a % 3 == 1:
                    shape.args.append(outside[a // 3])
                else:
                    shape.args.append(-1 - len(shape.constants))
                    shape.constants.append(folded[a // 3])
            shape.starts.append(len(shape.args))
            shape.out.append(first + r)
            shape.spare.append(first + spare if spare >= 0 else -1)
    shape.size, shape.root, shape.tree = tape._size, tape._root, tape._tree
    shape.labels = tape._labels
    return shape


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
        shape: _Shape,
        rebuild: Callable[[], Value] | None,
        check_every: int | None,
        names: dict[Value, str],
    ) -> None:
        index = {id(leaf): k for k, leaf in enumerate(shape.leaves)}
        for value, name in names.items():
            if id(value) in index:
                shape.labels[index[id(value)]] = name
        self.leaves = shape.leaves
        self._labels = shape.labels
        self._size, self._root, self._tree = shape.size, shape.root, shape.tree
        self._nodes = len(shape.ops)
        self._custom_ops = _custom_ops(shape.ops)
        self._rebuild = rebuild
        self._check_every = check_every
        self._replays = 0
        self._values: list[Any] = [0.0] * shape.size
        self._read = attrgetter("data")
        self._pieces = _pieces(shape)
        del shape  # from here on, the pieces are the graph
        customs = {op: k for k, op in enumerate(self._custom_ops)}
        for kind in {piece.kind: None for piece in self._pieces}:
            _compile_piece(kind, customs, self._custom_ops, self._tree)
        # Consecutive pieces of one kind run as one batch, in one call.
        self._batches: list[tuple[_Piece, list[tuple[Any, ...]]]] = []
        for p in self._pieces:
            if not self._batches or self._batches[-1][0] is not p.kind:
                self._batches.append((p.kind, []))
            self._batches[-1][1].append((p.first, p.read, p.slots, p.numbers))
        self._forward_calls = [(kind.code["forward"], batch) for kind, batch in self._batches]
        self._backward_calls = [
            (kind.code["backward"], batch[::-1]) for kind, batch in reversed(self._batches)
        ]
        self._ready = False
        self.forward()
        self._replays = 0

    def __len__(self) -> int:
        """The number of nodes (not counting leaves)."""
        return self._nodes

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
        for code, batch in self._forward_calls:
            code(values, batch)
        self._ready = True
        return values[self._root]

    def backward(self) -> None:
        """Accumulate d(root)/d(leaf) into every leaf's ``.grad``, as ``backward()`` does.

        Uses the numbers of the last :meth:`forward` (run first if there was none, or
        it was interrupted).  The gradients are bit for bit those of building the
        graph and calling ``backward()``: the same operations in the same order.
        """
        if not self._ready:
            self.forward()
        leaves = self.leaves
        if not self._nodes:  # the root is a leaf
            leaves[0].grad += 1.0
            return
        grads: list[Any] = [0.0] * self._size  # a node's gradient starts at 0, as in backward()
        grads[: len(leaves)] = [leaf.grad for leaf in leaves]
        grads[self._root] = 1.0
        values = self._values
        for code, batch in self._backward_calls:
            code(values, grads, batch)
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
        spread: list[Any] = [0.0] * self._size
        for value, t in tangents.items():
            spread[self._leaf_index[value]] = as_float(t, "jvp")
        customs = {op: k for k, op in enumerate(self._custom_ops)}
        for kind, batch in self._batches:
            if "jvp" not in kind.code:  # compiled on first use: most tapes never need it
                _compile_piece_jvp(kind, customs, self._custom_ops)
            kind.code["jvp"](self._values, spread, batch)
        return spread[self._root]

    @property
    def _leaf_index(self) -> dict[Value, int]:
        return {leaf: i for i, leaf in enumerate(self.leaves)}

    def _shape(self) -> _Shape:
        return _shape_of(self._pieces, self)

    def check(self) -> None:
        """Build the graph again and raise :class:`TapeShapeError` if its shape changed."""
        if self._rebuild is None:
            raise ValueError("check: this tape was recorded from a Value, not a function")
        root = self._rebuild()
        new = _Shape.of(root)
        recorded = self._shape()
        where = recorded.first_difference(new)
        if where is None:
            return
        names = trace.node_names(root)
        nodes = _nodes_in_order(root)
        if where < len(nodes):
            node = nodes[where]
            shown = f"{names[node]} = {trace.formula(node, names)}"
            raise TapeShapeError(
                f"tape: the graph's shape changed at node {where + 1} of {len(nodes)}, "
                f"{shown}: it was recorded as {_line(recorded, where)}; record again "
                "(or rebuild at each step)"
            )
        raise TapeShapeError(
            f"tape: the graph has {len(nodes)} nodes, the tape {len(self)}: "
            "its shape changed; record again"
        )

    def __str__(self) -> str:
        return _program(self._shape(), shown=True)

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
        return _program(self._shape(), shown=False)

    @property
    def custom_ops(self) -> tuple[Op, ...]:
        """The custom ops the code calls as ``K[0]``, ``K[1]``... (by index, never by name)."""
        return self._custom_ops


def _nodes_in_order(root: Value) -> list[Value]:
    if root._kind is None:
        return []
    walk = tree_walk(root, backprop=False)
    if walk is None:
        return postorder(root, reset_grads=False)
    return list(reversed(walk))  # type: ignore[arg-type]


def _custom_ops(ops: Iterable[Op]) -> tuple[Op, ...]:
    seen: dict[Op, None] = {}
    for op in ops:
        if op.custom:
            seen.setdefault(op)
    return tuple(seen)


# --- The code that is printed: the whole program, one slot a name ---------------------------


def _node_code(shape: _Shape, i: int, customs: dict[Op, int]) -> Code:
    args = [f"v{a}" if isinstance(a, int) else _literal(a) for a in shape.operands(i)]
    out, spare = f"v{shape.out[i]}", f"v{shape.spare[i]}"
    return _code(shape.ops[i], args, out, spare, customs)


def _code(op: Op, args: list[str], out: str, spare: str, customs: dict[Op, int]) -> Code:
    if op.custom:
        return _custom_code(customs[op], args, out, spare)
    return EXPRESSIONS[op.base.name](args, out, spare)


def _line(shape: _Shape, i: int) -> str:
    customs = {op: k for k, op in enumerate(_custom_ops(shape.ops))}
    return "; ".join(_node_code(shape, i, customs).forward)


def _term(slope: str, g: str) -> str:
    # 1.0 * g is g, and -1.0 * g is -g, to the bit.
    return g if slope == "1.0" else f"-{g}" if slope == "-1.0" else f"{slope} * {g}"


def _chain_rule(
    code: Code, g: str, operands: Sequence[tuple[str, bool]], assign: Callable[[str], str]
) -> list[str]:
    """One node's backward lines: for each operand that is a slot, ``(its gradient's
    name, whether it is a slot)``, add (or set, as ``assign`` says) slope * g."""
    lines = list(code.prelude)
    if code.scale is not None:
        lines.append(f"q = {code.scale} * {g}")
        g = "q"
    for slope, (name, is_slot) in zip(code.slopes, operands):
        if is_slot:
            lines.append(f"{name} {assign(name)} {_term(slope, g)}")
    return lines


def _backward_lines(shape: _Shape, customs: dict[Op, int], shown: bool) -> list[list[str]]:
    """Per node in backward order, its chain-rule lines.  The tree route sets an
    intermediate gradient (its one consumer), the graph route starts it at 0.0 and
    adds, as backward() does; leaves add to what they hold."""
    leaves = len(shape.leaves)
    touched: set[int] = set()
    program = []

    def assign(name: str) -> str:
        a = int(name[1:])
        if a < leaves or a in touched:
            return "+="
        touched.add(a)
        return "=" if shape.tree else "+=" if shown else "= 0.0 +"

    for i in reversed(range(len(shape.ops))):
        operands = [(f"g{a}", isinstance(a, int)) for a in shape.operands(i)]
        program.append(
            _chain_rule(_node_code(shape, i, customs), f"g{shape.out[i]}", operands, assign)
        )
    return program


def _program(shape: _Shape, shown: bool) -> str:
    """``str(tape)`` (shown: with names in comments) or ``to_python()`` (no names at all)."""
    customs = {op: k for k, op in enumerate(_custom_ops(shape.ops))}
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


# --- The code that runs: one function per kind of piece, called once per piece ---------------
# In a piece's code, a{r} is the piece's own slot o + r, e{k} its k-th outside slot (a leaf
# or an earlier node), c{k} its k-th folded number when the pieces of its kind differ in it;
# g{r} and f{k} are their gradients, t{r} and u{k} their tangents; b{j} is the first slot of
# the piece's j-th own run of outside slots.


def _compile(source: list[str], scope: dict[str, Any]) -> dict[str, Any]:
    namespace: dict[str, Any] = dict(_NAMESPACE)
    namespace.update(scope)
    exec(compile("\n".join(source), "<micrograd tape>", "exec"), namespace)
    for value in namespace.values():
        code = getattr(value, "__code__", None)
        if code is not None and code.co_filename == "<micrograd tape>":
            value.__code__ = _no_locations(code)
    return namespace


def _no_locations(code: CodeType) -> CodeType:
    """The code without its table of source positions, which takes about as many bytes as
    the code itself and which nothing can use (there is no source file to show): each
    instruction is marked as having no position (one byte per 8 code units), as the
    compiler marks code it makes up.  The table's format is CPython 3.11's and later's."""
    if sys.version_info < (3, 11):
        return code
    units = len(code.co_code) // 2
    table = b"\xff" * (units // 8) + (bytes([0xF8 | (units % 8 - 1)]) if units % 8 else b"")
    return code.replace(co_linetable=table)


def _piece_codes(kind: _Piece, customs: dict[Op, int]) -> list[tuple[int, Code, Sequence[int]]]:
    """Each node of the kind as (own slot, code, operands), in forward order."""
    codes = []
    for r, op, spare, operands in kind.nodes():
        args = [
            f"a{a // 3}" if a % 3 == 0 else f"e{a // 3}" if a % 3 == 1 else _number(kind, a // 3)
            for a in operands
        ]
        codes.append((r, _code(op, args, f"a{r}", f"a{spare}", customs), operands))
    return codes


def _number(kind: _Piece, k: int) -> str:
    x = kind.shared_numbers[k]
    return f"c{k}" if x is _EACH else _literal(x)


def _slice(values: str, start: str, count: int) -> str:
    return f"{values}[{start}]" if count == 1 else f"{values}[{start}:{start} + {count}]"


def _arguments(kind: _Piece) -> list[str]:
    """Lines unpacking what each piece passes: its runs' first slots and its numbers."""
    numbers = [f"c{k}" for k, x in enumerate(kind.shared_numbers) if x is _EACH]
    runs = [f"b{j}" for j in range(len(kind.own_runs or ()))]
    return _unpack(runs, "B") + _unpack(numbers, "C")


def _reads(kind: _Piece, values: str, prefix: str, shared: bool) -> list[str]:
    """Lines reading outside slots from a list, as e{k} (or, from the gradients or
    tangents, f{k} or u{k}): the shared ones, once for all the pieces, or a piece's own."""
    lines = []
    if shared:
        for start, ks in kind.shared_runs:
            names = [f"{prefix}{k}" for k in ks]
            lines += _unpack(names, _slice(values, str(start), len(ks)), False)
    elif kind.own_runs is None:
        lines += _unpack([f"{prefix}{k}" for k in kind.own], f"read({values})", False)
    else:
        for j, ks in enumerate(kind.own_runs):
            lines += _unpack([f"{prefix}{k}" for k in ks], _slice(values, f"b{j}", len(ks)), False)
    return lines


def _writes(kind: _Piece, values: str, prefix: str, shared: bool) -> list[str]:
    """Lines writing f{k} back to the outside slots' gradients (shared, or a piece's own)."""
    lines = []
    if shared:
        runs = [(str(start), ks) for start, ks in kind.shared_runs]
    elif kind.own_runs is None:
        lines += _unpack([f"s{k}" for k in kind.own], "B")
        runs = [(f"s{k}", [k]) for k in kind.own]
    else:
        runs = [(f"b{j}", ks) for j, ks in enumerate(kind.own_runs)]
    for start, ks in runs:
        names = [f"{prefix}{k}" for k in ks]
        made = names[0] if len(ks) == 1 else f"({', '.join(names)})"
        lines.append(f"{_slice(values, start, len(ks))} = {made}")
    return lines


def _loop(head: list[str], body: list[str], tail: Sequence[str] = ()) -> list[str]:
    """A function: ``head`` (its def line, then lines run once), a loop over the pieces of
    the batch running ``body`` for each, then ``tail``."""
    return [
        head[0],
        *(f"    {line}" for line in head[1:]),
        "    for o, read, B, C in batch:",
        *(f"        {line}" for line in body),
        *(f"    {line}" for line in tail),
    ]


def _own(kind: _Piece, text: str, values: str) -> list[str]:
    """A line reading the piece's own slots that ``text`` uses (a{r}), in one slice."""
    used = set(map(int, re.findall(r"\ba(\d+)\b", text)))
    if not used:
        return []
    names = [f"a{r}" if r in used else "_" for r in range(kind.size)]
    return _unpack(names, f"{values}[o:o + {kind.size}]")


def _compile_piece(
    kind: _Piece, customs: dict[Op, int], custom_ops: tuple[Op, ...], tree: bool
) -> None:
    """Compile the kind's forward and backward functions (into ``kind.code``).

    Each runs a batch of pieces of the kind, one after another, reading the shared
    outside slots (and writing their gradients) once for the whole batch.
    """
    codes = _piece_codes(kind, customs)
    forward = [*_arguments(kind), *_reads(kind, "V", "e", shared=False)]
    for _, code, _ in codes:
        forward += code.forward
    made = ", ".join(f"a{r}" for r in range(kind.size))
    forward.append(f"V[o:o + {kind.size}] = ({made},)")

    # Backward: an own slot's gradient starts at 0.0 (or is set, on the tree route) unless
    # later pieces have added to it (grad_in); the outside slots' gradients are read from G,
    # added to (or set, for a node on the tree route: this is its one consumer), written back.
    leaf = kind.leaf
    touched = set(kind.grad_in)
    outside_seen: set[int] = set()

    def assign(name: str) -> str:
        k = int(name[1:])
        if name[0] == "f":
            first_time = k not in outside_seen
            outside_seen.add(k)
            return "=" if tree and not leaf[k] and first_time else "+="
        if k in touched:
            return "+="
        touched.add(k)
        return "=" if tree else "= 0.0 +"

    body: list[str] = []
    for r, code, operands in reversed(codes):
        names = [(f"g{a // 3}" if a % 3 == 0 else f"f{a // 3}", a % 3 != 2) for a in operands]
        body += _chain_rule(code, f"g{r}", names, assign)
    text = "\n".join(body)
    uses_outside = re.search(r"\be\d+\b", text) is not None
    each = [*_arguments(kind), *_own(kind, text, "V")]
    if uses_outside:
        each += _reads(kind, "V", "e", shared=False)
    each += _reads(kind, "G", "f", shared=False)
    for start, count in _consecutive(kind.grad_in):
        grads = [f"g{r}" for r in range(start, start + count)]
        each += _unpack(grads, _slice("G", f"o + {start}", count), False)
    each += [*body, *_writes(kind, "G", "f", shared=False)]
    once = _reads(kind, "V", "e", shared=True) if uses_outside else []
    once += _reads(kind, "G", "f", shared=True)
    source = _loop(["def forward(V, batch):", *_reads(kind, "V", "e", shared=True)], forward)
    source += _loop(
        ["def backward(V, G, batch):", *once], each, _writes(kind, "G", "f", shared=True)
    )
    namespace = _compile(source, {"K": custom_ops})
    kind.code["forward"], kind.code["backward"] = namespace["forward"], namespace["backward"]


def _consecutive(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted numbers as runs (first, count) of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for x in numbers:
        if runs and runs[-1][0] + runs[-1][1] == x:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((x, 1))
    return runs


def _compile_piece_jvp(kind: _Piece, customs: dict[Op, int], custom_ops: tuple[Op, ...]) -> None:
    """Compile the kind's forward-mode function: each slot's tangent from its operands'."""
    codes = _piece_codes(kind, customs)
    body: list[str] = []
    for r, code, operands in codes:
        body += code.prelude
        terms = [
            _term(slope, f"t{a // 3}" if a % 3 == 0 else f"u{a // 3}")
            for slope, a in zip(code.slopes, operands)
            if a % 3 != 2
        ]
        body += _sum_lines("0.0", terms, f"t{r}")
        if code.scale is not None:
            body.append(f"t{r} = {code.scale} * t{r}")
    text = "\n".join(body)
    made = {r for r, _, _ in codes}
    each = [*_arguments(kind), *_own(kind, text, "V")]
    each += [*_reads(kind, "V", "e", shared=False), *_reads(kind, "T", "u", shared=False), *body]
    tangents = ", ".join(f"t{r}" if r in made else "0.0" for r in range(kind.size))
    each.append(f"T[o:o + {kind.size}] = ({tangents},)")
    once = [*_reads(kind, "V", "e", shared=True), *_reads(kind, "T", "u", shared=True)]
    namespace = _compile(_loop(["def jvp(V, T, batch):", *once], each), {"K": custom_ops})
    kind.code["jvp"] = namespace["jvp"]


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
