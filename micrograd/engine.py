"""The autograd engine: scalar Values that remember how they were made.

Every arithmetic op on a :class:`Value` returns a new Value that records

* ``parents``: the Values it was computed from, in operand order, and
* its *local derivatives*: d(output)/d(parent) for each parent, evaluated at the
  forward pass.

:meth:`Value.backward` then walks the graph from the output back to the leaves
and applies the chain rule: each parent's gradient grows by
``local derivative * gradient of the output``.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 4), b.grad
    (-2.9293, 2.0)

For second derivatives each op also has a *derivative rule*, the same formula
written so it computes on Values as well as floats; :func:`grad` with
``create_graph=True`` uses those rules to build the gradient as a new graph
that can be differentiated again.

Numbers mixed into an expression (``2 * v``, ``v + 1``) are folded into the op
instead of becoming Values of their own: ``v * 2`` has one parent, ``v``, and
keeps the 2 as :attr:`Value.constant`.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from operator import add, mul
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # for type hints only: the engine imports no third-party package
    import graphviz

__all__ = [
    "Op",
    "ParentUpdate",
    "Step",
    "Value",
    "backward_order",
    "custom_op",
    "grad",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "node_names",
    "sigmoid",
    "sum_left_to_right",
    "total",
]

Number = int | float


class Op(NamedTuple):
    """How one kind of node differentiates, for second derivatives.

    ``derivative(inputs, out, constant)`` returns one local derivative per
    input.  ``inputs`` and ``out`` are floats or Values; ``constant`` is the
    number folded into the node, or None.  The first-order path does not call
    it: each op stores its local derivatives as floats at the forward pass.
    """

    name: str
    derivative: Callable[[tuple, Any, Any], tuple]
    constant_first: bool = False  # for display: "2 - x" rather than "x - 2"


# --- Derivative rules ---------------------------------------------------------
# One line per op: d(out)/d(input) given the inputs, the output and the folded
# constant c.  Written with operators and the helpers below, they compute on
# floats and on Values alike; the forward ops further down compute the very
# same formulas on floats, next to each forward computation.


def _is_value(x: object) -> bool:
    return isinstance(x, Value)


def _log(x):
    return x.log() if _is_value(x) else math.log(x)


def _sin(x):
    return x.sin() if _is_value(x) else math.sin(x)


def _cos(x):
    return x.cos() if _is_value(x) else math.cos(x)


def _sign(x) -> float:
    x = x.data if _is_value(x) else x
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _step(x) -> float:  # derivative of relu: 1 above 0, else 0 (0 at the kink)
    return 1.0 if (x.data if _is_value(x) else x) > 0 else 0.0


def _pow_base_rule(a: float, b: float) -> float:  # d(a**b)/da = b * a**(b-1)
    if b == 0:
        return 0.0
    if a == 0 and b < 1:
        return math.inf  # the slope of sqrt(a) at 0, say
    return b * _power(a, b - 1)


def _pow_exponent_rule(a, b, out):  # d(a**b)/db = a**b * log(a), 0 where a == 0
    base = a.data if _is_value(a) else a
    if base > 0:
        return out * _log(a)
    return 0.0 if base == 0 else math.nan


ADD = Op("+", lambda i, out, c: (1.0, 1.0))
SUB = Op("-", lambda i, out, c: (1.0, -1.0))
MUL = Op("*", lambda i, out, c: (i[1], i[0]))
DIV = Op("/", lambda i, out, c: (1 / i[1], -out / i[1]))
POW = Op("**", lambda i, out, c: (i[1] * i[0] ** (i[1] - 1), _pow_exponent_rule(*i, out)))
ADD_CONST = Op("+", lambda i, out, c: (1.0,))
SUB_CONST = Op("-", lambda i, out, c: (1.0,))
SUB_FROM_CONST = Op("-", lambda i, out, c: (-1.0,), constant_first=True)
MUL_CONST = Op("*", lambda i, out, c: (c,))
DIV_CONST_BY = Op("/", lambda i, out, c: (-out / i[0],), constant_first=True)
POW_CONST = Op("**", lambda i, out, c: (c * i[0] ** (c - 1),))
CONST_POW = Op("**", lambda i, out, c: (out * math.log(c) if c > 0 else 0.0,), constant_first=True)
NEG = Op("neg", lambda i, out, c: (-1.0,))
EXP = Op("exp", lambda i, out, c: (out,))
LOG = Op("log", lambda i, out, c: (1 / i[0],))
TANH = Op("tanh", lambda i, out, c: (1 - out * out,))
SIGMOID = Op("sigmoid", lambda i, out, c: (out * (1 - out),))
RELU = Op("relu", lambda i, out, c: (_step(out),))
ABS = Op("abs", lambda i, out, c: (_sign(i[0]),))
SIN = Op("sin", lambda i, out, c: (_cos(i[0]),))
COS = Op("cos", lambda i, out, c: (-_sin(i[0]),))
# Fused n-ary nodes (see linear() and total()).  For LINEAR the constant is the
# number of weights n: inputs are (w_1..w_n, x_1..x_n, bias).
LINEAR = Op("linear", lambda i, out, n: (*i[n : 2 * n], *i[:n], 1.0))
LINEAR_OF_NUMBERS = Op("linear", lambda i, out, xs: (*xs, 1.0))
LINEAR_RELU = Op(
    "linear+relu", lambda i, out, n: tuple(_step(out) * d for d in LINEAR.derivative(i, out, n))
)
LINEAR_OF_NUMBERS_RELU = Op(
    "linear+relu", lambda i, out, xs: tuple(_step(out) * d for d in (*xs, 1.0))
)
TOTAL = Op("sum", lambda i, out, c: (1.0,) * len(i))


# --- Recording ----------------------------------------------------------------

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block.

    >>> is_grad_enabled()
    True
    """
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Ops inside this block record no parents: evaluation only, and faster.

    >>> a = Value(3.0)
    >>> with no_grad():
    ...     b = a * a
    >>> b.parents
    ()
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


# micrograd.viz registers itself here when imported (the package imports it), so
# a Value can show its graph in Jupyter while this module imports no drawing code.
_viz: Any = None

_new_value = object.__new__


def _node(data: float, parents: tuple, op: Op, local, constant=None) -> Value:
    """A new non-leaf Value.  ``local`` holds d(data)/d(parent) as floats: a
    bare float for a single parent, a tuple otherwise."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._pending = 0
    out._mark = None
    if _grad_enabled:
        out.parents = parents
        out._op = op
        out._local = local
        out._constant = constant
    else:
        out.parents = ()
        out._op = None
        out._local = None
        out._constant = None
    return out


def sigmoid(x: float) -> float:
    """The logistic function ``1 / (1 + e^-x)`` of a float, stable for any x.

    >>> sigmoid(0.0), sigmoid(-1000.0), sigmoid(1000.0)
    (0.5, 0.0, 1.0)
    """
    if x >= 0:  # exp of a non-positive number only, so it never overflows
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


if sys.version_info >= (3, 12):

    def sum_left_to_right(numbers: Iterable[float], start: float = 0.0) -> float:
        """``start + n1 + n2 + ...``, added in that order with plain float addition.

        This is what builtin ``sum`` did before Python 3.12, and what a chain of
        ``+`` nodes does, so fused nodes give micrograd's numbers to the last bit.
        (From 3.12 on, ``sum`` of floats is compensated: more accurate, different.)

        >>> sum_left_to_right([1e16, 1.0, -1e16])
        0.0
        """
        return reduce(add, numbers, start)

else:  # builtin sum adds floats left to right, and is the fastest way to do it
    sum_left_to_right = sum


def _number(data: object, what: str) -> float:
    """A real number as a float, or a TypeError naming the op and the value."""
    if isinstance(data, float):
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    raise TypeError(f"{what}: expected a real number, got {data!r} ({type(data).__name__})")


class Value:
    """A scalar that records the ops that made it, so it can be differentiated.

    Args:
        data: the number.  Ints become floats; anything else that is not a real
            number raises TypeError.
        label: a name, shown in drawings and traces.

    Attributes:
        data: the value, a float.
        grad: d(output)/d(this Value) after ``output.backward()``; starts at 0.0.
        label: the name given, or "".
        parents: the Values this one was computed from, in operand order; ``()``
            for a leaf.

    >>> x = Value(3, label="x")
    >>> y = x**2 + 1
    >>> y.backward()
    >>> x
    Value(data=3.0, grad=6.0, label='x')
    """

    # _pending: during backward(), how many of this node's consumers have yet to
    # pass their gradient back; 0 at rest.
    # _mark: visit mark of the latest tree-shaped backward pass.
    __slots__ = (
        "_constant",
        "_local",
        "_mark",
        "_op",
        "_pending",
        "data",
        "grad",
        "label",
        "parents",
    )

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _number(data, "Value")
        self.grad = 0.0
        self.label = label
        self.parents: tuple[Value, ...] = ()
        self._op: Op | None = None
        self._local = None
        self._constant = None
        self._pending = 0
        self._mark = None

    @property
    def op(self) -> str:
        """The op that made this Value ('+', 'tanh', ...), or '' for a leaf.

        >>> (Value(1.0) * Value(2.0)).op, Value(1.0).op
        ('*', '')
        """
        return self._op.name if self._op else ""

    @property
    def constant(self) -> float | int | tuple | None:
        """The number folded into this node (the 2 of ``v * 2``), else None.

        >>> (Value(1.0) * 2).constant
        2.0
        """
        return self._constant

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self._op else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """Jupyter shows a Value as its graph (SVG), or as text when it can't be drawn."""
        bundle = {"text/plain": repr(self)}
        if _viz is not None:
            bundle.update(_viz.jupyter_bundle(self))
        return bundle

    # --- Binary ops: forward, then d(out)/d(each operand) ---------------------

    # A number operand is folded into a one-parent node (checked inline: this is
    # the hot path).  Anything else that is not a real number is a TypeError.

    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _node(self.data + other.data, (self, other), ADD, (1.0, 1.0))
        c = other if type(other) is float else _number(other, "+")
        return _node(self.data + c, (self,), ADD_CONST, 1.0, c)

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _node(self.data - other.data, (self, other), SUB, (1.0, -1.0))
        c = other if type(other) is float else _number(other, "-")
        return _node(self.data - c, (self,), SUB_CONST, 1.0, c)

    def __rsub__(self, other: Number) -> Value:  # other - self
        c = other if type(other) is float else _number(other, "-")
        return _node(c - self.data, (self,), SUB_FROM_CONST, -1.0, c)

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _node(self.data * other.data, (self, other), MUL, (other.data, self.data))
        c = other if type(other) is float else _number(other, "*")
        return _node(self.data * c, (self,), MUL_CONST, c, c)

    def __truediv__(self, other: Value | Number) -> Value:
        is_value = isinstance(other, Value)
        b = other.data if is_value else _number(other, "/")
        if b == 0:
            raise ZeroDivisionError(f"/: division by zero ({self.data} / {b})")
        out = self.data / b
        if is_value:
            return _node(out, (self, other), DIV, (1.0 / b, -out / b))
        return _node(out, (self,), MUL_CONST, 1.0 / b, 1.0 / b)

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        c = _number(other, "/")
        if self.data == 0:
            raise ZeroDivisionError(f"/: division by zero ({c} / {self.data})")
        out = c / self.data
        return _node(out, (self,), DIV_CONST_BY, -out / self.data, c)

    def __pow__(self, other: Value | Number) -> Value:
        is_value = isinstance(other, Value)
        a, b = self.data, other.data if is_value else _number(other, "**")
        out = _power(a, b)
        if is_value:
            local = (_pow_base_rule(a, b), _pow_exponent_rule(a, b, out))
            return _node(out, (self, other), POW, local)
        return _node(out, (self,), POW_CONST, _pow_base_rule(a, b), b)

    def __rpow__(self, other: Number) -> Value:  # other ** self
        base = _number(other, "**")
        out = _power(base, self.data)
        local = out * math.log(base) if base > 0 else 0.0
        return _node(out, (self,), CONST_POW, local, base)

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), NEG, -1.0)

    # Reflected forms: a number on the left of a Value.  + and * commute.
    __radd__ = __add__
    __rmul__ = __mul__

    # --- Unary ops ------------------------------------------------------------

    def exp(self) -> Value:
        """e to the power of this Value.

        >>> Value(0.0).exp().data
        1.0
        """
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: overflow at {self.data} (exp > 1.8e308)") from None
        return _node(out, (self,), EXP, out)  # d exp(a) = exp(a)

    def log(self) -> Value:
        """The natural logarithm; the input must be positive.

        >>> Value(1.0).log().data
        0.0
        """
        a = self.data
        if not a > 0:
            raise ValueError(f"log: needs a positive input, got {a}")
        return _node(math.log(a), (self,), LOG, 1.0 / a)  # d log(a) = 1/a

    def tanh(self) -> Value:
        """The hyperbolic tangent, between -1 and 1.

        >>> Value(0.0).tanh().data
        0.0
        """
        t = math.tanh(self.data)  # stable: +-1.0 at +-1000
        return _node(t, (self,), TANH, 1.0 - t * t)  # d tanh(a) = 1 - tanh(a)^2

    def sigmoid(self) -> Value:
        """The logistic function ``1 / (1 + e^-x)``, between 0 and 1.

        >>> Value(0.0).sigmoid().data
        0.5
        """
        s = sigmoid(self.data)
        return _node(s, (self,), SIGMOID, s * (1.0 - s))  # d s(a) = s(a)(1 - s(a))

    def relu(self) -> Value:
        """``max(0, x)``: the rectified linear unit.

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        a = self.data
        if a > 0:
            return _node(a, (self,), RELU, 1.0)  # d relu(a) = 1 for a > 0
        return _node(0.0, (self,), RELU, 0.0)  # and 0 for a <= 0 (0 at the kink)

    def abs(self) -> Value:
        """The absolute value (also ``abs(v)``).

        >>> abs(Value(-2.5)).data
        2.5
        """
        a = self.data
        return _node(abs(a), (self,), ABS, _sign(a))  # d |a| = sign(a), 0 at 0

    def sin(self) -> Value:
        """The sine (radians).

        >>> Value(0.0).sin().data
        0.0
        """
        a = _finite(self.data, "sin")
        return _node(math.sin(a), (self,), SIN, math.cos(a))  # d sin(a) = cos(a)

    def cos(self) -> Value:
        """The cosine (radians).

        >>> Value(0.0).cos().data
        1.0
        """
        a = _finite(self.data, "cos")
        return _node(math.cos(a), (self,), COS, -math.sin(a))  # d cos(a) = -sin(a)

    __abs__ = abs

    # --- micrograd 0.1.0 names ------------------------------------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd 0.1.0's name for the parents, as a set."""
        return set(self.parents)

    def _backward(self) -> None:
        """Apply this one node's chain-rule step, as micrograd 0.1.0 does:
        each parent's grad grows by local derivative * this node's grad."""
        for parent, local in zip(self.parents, self._local_derivatives()):
            parent.grad += local * self.grad

    def _local_derivatives(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as floats."""
        local = self._local
        return (local,) if len(self.parents) == 1 else tuple(local or ())

    # --- Backpropagation ------------------------------------------------------

    def backward(self) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d(self)/d(it).

        Leaves (Values made by you, with no parents) *accumulate* across calls,
        as in PyTorch: call ``zero_grad()`` or set ``.grad = 0`` between
        steps.  Intermediate nodes are reset first, so they hold the gradient
        of the latest call.  (Like the grads themselves, the bookkeeping lives
        on the nodes: don't backpropagate through one graph from two threads
        at once.)

        >>> a = Value(2.0)
        >>> b = (a * 3) * 4
        >>> b.backward(); b.backward()
        >>> a.grad, b.parents[0].grad
        (24.0, 4.0)
        """
        if not self.parents:
            self.grad += 1.0
            return
        # Most graphs built by hand are trees (no intermediate node used twice),
        # and a tree needs just one pass; the general case counts consumers first.
        # Both visit nodes in backward_order(), so the sums match it to the bit.
        if not _backward_tree(self):
            _backward_graph(self)

    # --- Seeing backprop ----------------------------------------------------------

    def backward_steps(self) -> Iterator[Step]:
        """Backpropagation as a generator: one :class:`Step` per non-leaf node, in backward order.

        Each step applies the chain rule at one node, updating its parents'
        ``.grad``, and describes what it did.  Run to the end, it leaves exactly
        the gradients that ``backward()`` gives (leaves accumulating, intermediate
        nodes reset first).  Stopped half-way, the gradients are partial: nodes not
        yet reached have passed nothing back.

        >>> n = Value(0.8814, label="n")
        >>> o = n.tanh(); o.label = "o"
        >>> for step in o.backward_steps():
        ...     print(step)
        o = tanh(n): do/do = 1.0000 -> do/dn += 1.0000 * 0.5000 = 0.5000
        """
        return _chain_rule_steps(self, None)

    def explain(self) -> str:
        """The whole chain-rule trace as text, one line per edge in the order the
        steps apply.  Touches no ``.grad``.

        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b; c.label = "c"
        >>> print(c.explain())
        c = a * b
          dc/da += dc/dc * dc/da = 1.0000 * -3.0000 = -3.0000
          dc/db += dc/dc * dc/db = 1.0000 * 2.0000 = 2.0000
        """
        return _explain_text(self)

    def tree(self) -> str:
        """The expression as an indented text tree, root first, with data and grad.

        A subexpression used twice is written out once; later it shows as
        ``(see above)``.  Needs no Graphviz.

        >>> x = Value(3.0, label="x")
        >>> y = (x * 2).exp(); y.label = "y"
        >>> print(y.tree())
        y = exp(mul1)  data 403.4288  grad 0.0000
          mul1 = x * 2  data 6.0000  grad 0.0000
            x  data 3.0000  grad 0.0000
        """
        return _tree_text(self)


def _discover(root: Value, reset_grads: bool) -> list[Value]:
    """The non-leaf nodes under root, each with ``_pending`` set to its number
    of consumers in this graph (Kahn's algorithm counts them down to 0 again).
    Leaves are skipped: they pass nothing further back.
    """
    order = [root]
    for node in order:  # the list grows as it is walked
        for parent in node.parents:
            if parent.parents:
                if parent._pending:
                    parent._pending += 1
                else:
                    parent._pending = 1
                    if reset_grads:
                        parent.grad = 0.0
                    order.append(parent)
    return order


def _backward_tree(root: Value) -> bool:
    """Backpropagate in one depth-first pass, assuming no intermediate node is
    used twice.  Returns False, having touched no leaf, as soon as one is.

    Visits nodes in the order of :func:`_tree_order` (keep the two in step).
    """
    mark = object()  # this pass's visit mark
    leaf_updates = []  # applied only once the graph proves to be a tree
    root.grad = 1.0
    stack = [root]
    while stack:
        node = stack.pop()
        parents = node.parents
        g = node.grad
        # Apply the chain rule: each parent's gradient gets local * g.
        if len(parents) == 1:
            parent = parents[0]
            if parent.parents:
                if parent._mark is mark:
                    return False
                parent._mark = mark
                parent.grad = node._local * g  # its one consumer: set, not add
                stack.append(parent)
            else:
                leaf_updates.append((parent, node._local * g))
        else:
            for parent, local in zip(parents, node._local):
                if parent.parents:
                    if parent._mark is mark:
                        return False
                    parent._mark = mark
                    parent.grad = local * g
                    stack.append(parent)
                else:
                    leaf_updates.append((parent, local * g))
    for leaf, contribution in leaf_updates:
        leaf.grad += contribution
    return True


def _tree_order(root: Value) -> list[Value] | None:
    """The order :func:`_backward_tree` visits nodes in, or None if the graph is not a tree."""
    mark = object()
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        for parent in node.parents:
            if parent.parents:
                if parent._mark is mark:
                    return None
                parent._mark = mark
                stack.append(parent)
    return order


def _backward_graph(root: Value) -> None:
    """Backpropagate through any graph: count each node's consumers, then
    visit a node once all of them have passed their gradient back."""
    order = _discover(root, reset_grads=True)
    root.grad = 1.0
    try:
        ready = [root]
        while ready:
            node = ready.pop()
            parents = node.parents
            g = node.grad
            locals_ = (node._local,) if len(parents) == 1 else node._local
            for parent, local in zip(parents, locals_):
                parent.grad += local * g
                if parent.parents:
                    parent._pending -= 1
                    if not parent._pending:
                        ready.append(parent)
    except BaseException:
        for node in order:  # leave every counter at rest for the next call
            node._pending = 0
        raise


def backward_order(root: Value) -> list[Value]:
    """The non-leaf nodes under ``root``, root first, each before its parents:
    the order in which backpropagation visits them, a node only after every
    node that uses it.

    >>> a = Value(1.0, label="a")
    >>> b = (a * 2).exp()
    >>> [v.op for v in backward_order(b)]
    ['exp', '*']
    """
    if not root.parents:
        return []
    order = _tree_order(root)
    if order is not None:  # a tree: depth-first order has each node after its one consumer
        return order
    _discover(root, reset_grads=False)
    order = []
    ready = [root]
    while ready:  # Kahn's algorithm: a node is ready once all its consumers are done
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            if parent.parents:
                parent._pending -= 1
                if not parent._pending:
                    ready.append(parent)
    return order


def _power(a: float, b: float) -> float:
    """a ** b as a float, or a clear error naming '**'."""
    if a < 0 and b != int(b):
        raise ValueError(f"**: a negative base needs a whole exponent, got {a} ** {b}")
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"**: 0 cannot be raised to a negative power ({a} ** {b})")
    try:
        return a**b
    except OverflowError:
        raise OverflowError(f"**: overflow at {a} ** {b}") from None


def _finite(a: float, op: str) -> float:
    if math.isinf(a):
        raise ValueError(f"{op}: needs a finite input, got {a}")
    return a


# --- Fused n-ary nodes ---------------------------------------------------------


def linear(
    weights: Sequence[Value],
    inputs: Sequence[Value | Number],
    bias: Value,
    activation: str | None = None,
) -> Value:
    """``bias + sum(w * x)`` as one node: a neuron's weighted sum.

    Same number as the op-by-op expression (summed in the same order), but one
    node with ``2n + 1`` parents instead of ``2n`` nodes, so it is much faster
    to build and to backpropagate.  ``activation="relu"`` folds the ReLU into
    the same node (its local factor is exactly 1 or 0, so the numbers match).

    >>> w = [Value(2.0), Value(-1.0)]
    >>> out = linear(w, [3.0, 4.0], Value(0.5))
    >>> out.backward()
    >>> out.data, [wi.grad for wi in w]
    (2.5, [3.0, 4.0])
    >>> linear(w, [3.0, 8.0], Value(0.5), activation="relu").data
    0.0
    """
    if len(weights) != len(inputs) or not weights:
        raise ValueError(
            f"linear: {len(weights)} weights and {len(inputs)} inputs (need n >= 1 of each)"
        )
    if activation not in (None, "relu"):
        raise ValueError(f"linear: activation must be None or 'relu', got {activation!r}")
    wd = [w.data for w in weights]
    try:  # the usual cases first: all Values, or all numbers
        xd = [x.data for x in inputs]
    except AttributeError:
        xd = None
    if xd is not None:
        out = sum_left_to_right(map(mul, wd, xd), bias.data)
        parents, local, constant = (*weights, *inputs, bias), (*xd, *wd, 1.0), len(wd)
        op = LINEAR if activation is None else LINEAR_RELU
    elif any(isinstance(x, Value) for x in inputs):  # a mix: numbers become leaves
        inputs = [x if isinstance(x, Value) else Value(x) for x in inputs]
        return linear(weights, inputs, bias, activation)
    else:
        xd = tuple(x if type(x) is float else _number(x, "linear") for x in inputs)
        out = sum_left_to_right(map(mul, wd, xd), bias.data)
        parents, local, constant = (*weights, bias), (*xd, 1.0), xd
        op = LINEAR_OF_NUMBERS if activation is None else LINEAR_OF_NUMBERS_RELU
    if activation is not None and not out > 0:  # relu: 0, and no slope, at and below 0
        return _node(0.0, parents, op, _zeros(len(local)), constant)
    return _node(out, parents, op, local, constant)


_ZEROS: dict[int, tuple[float, ...]] = {}


def _zeros(n: int) -> tuple[float, ...]:
    zeros = _ZEROS.get(n)
    if zeros is None:
        zeros = _ZEROS[n] = (0.0,) * n
    return zeros


def total(values: Iterable[Value | Number]) -> Value:
    """The sum of many Values as one node (builtin ``sum`` makes a chain of
    ``+`` nodes).  Adds left to right, as ``sum`` does.

    >>> total([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    values = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    out = sum_left_to_right((v.data for v in values), 0.0)
    return _node(out, values, TOTAL, 1.0 if len(values) == 1 else (1.0,) * len(values))


# --- Gradients as values ------------------------------------------------------


def grad(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """d(output)/d(input) for each input, leaving every ``.grad`` untouched.

    Args:
        output: the Value to differentiate.
        inputs: the Values to differentiate with respect to.
        create_graph: if True, the gradients are Values built from the ops'
            derivative rules, so they can be differentiated again (second
            derivatives, Hessian-vector products).  If False, floats.

    Returns:
        One gradient per input, in order (0 for an input output doesn't use).

    >>> x = Value(3.0)
    >>> y = x**3
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> dy.data, grad(dy, [x])
    (27.0, [18.0])
    """
    order = backward_order(output)
    grads: dict[Value, Any] = {output: Value(1.0) if create_graph else 1.0}
    for node in order:
        g = grads.get(node)
        if g is None:
            continue
        if create_graph:
            locals_ = node._op.derivative(node.parents, node, node._constant)
        else:
            locals_ = node._local_derivatives()
        for parent, local in zip(node.parents, locals_):
            contribution = local * g if create_graph else float(local) * g
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
    zero = (lambda: Value(0.0)) if create_graph else (lambda: 0.0)
    results = []
    for x in inputs:
        g = grads.get(x)
        if g is None:
            g = zero()
        elif create_graph and not isinstance(g, Value):
            g = Value(g)
        results.append(g)
    return results


# --- Your own ops -------------------------------------------------------------


def custom_op(
    name: str,
    forward: Callable[..., float],
    derivative: Callable[..., Sequence[Any]],
) -> Callable[..., Value]:
    """Make a new op from a forward function and its local derivatives.

    Args:
        name: the op's name, shown in drawings and traces.
        forward: ``forward(*datas) -> float``, the output from the inputs' numbers.
        derivative: ``derivative(*inputs, out) -> tuple``, one local derivative
            d(out)/d(input) per input.  ``inputs`` and ``out`` are floats, or
            Values under ``grad(..., create_graph=True)``: write it with
            operators and Value methods and second derivatives work too.

    Returns:
        A function of Values (or numbers) that returns a Value.

    A straight-through sign: forward is sign(x), backward pretends it was x.

    >>> sign = custom_op("sign", lambda x: math.copysign(1.0, x), lambda x, out: (1.0,))
    >>> x = Value(-0.3)
    >>> y = sign(x) * 2
    >>> y.backward()
    >>> y.data, x.grad
    (-2.0, 2.0)
    """

    def rule(inputs: tuple, out: Any, constant: Any) -> tuple:
        locals_ = tuple(derivative(*inputs, out))
        if len(locals_) != len(inputs):
            raise ValueError(
                f"{name}: derivative returned {len(locals_)} values for {len(inputs)} inputs"
            )
        return locals_

    op = Op(name, rule)

    def apply(*inputs: Value | Number) -> Value:
        values = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
        datas = [v.data for v in values]
        try:
            out = _number(forward(*datas), name)
        except TypeError as error:
            raise TypeError(f"{name}: forward must return a real number ({error})") from None
        locals_ = tuple(_number(d, f"{name} derivative") for d in rule(datas, out, None))
        return _node(out, values, op, locals_[0] if len(values) == 1 else locals_)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"The custom op {name!r}."
    return apply


# --- Stepping through backprop -----------------------------------------------------


class ParentUpdate(NamedTuple):
    """What one chain-rule step does to one parent."""

    parent: Value
    local: float  # d(node)/d(parent)
    contribution: float  # upstream * local
    grad_after: float  # the parent's gradient once the contribution is added


class Step(NamedTuple):
    """One step of backpropagation: a node passing its gradient to its parents.

    ``str(step)`` reads like ``o = tanh(n): dL/do = 1.0000 -> dL/dn += 1.0000 * 0.5000 = 0.5000``:
    the node's formula, its upstream gradient dL/d(node), and for each parent
    ``upstream * local derivative = the parent's gradient after adding it``.

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
        root, name = self.names[self.root], self.names[self.node]
        parts = [
            f"d{root}/d{self.names[u.parent]} += {self.upstream:.4f} * {u.local:.4f}"
            f" = {u.grad_after:.4f}"
            for u in self.updates
        ]
        head = f"{name} = {_formula(self.node, self.names)}: d{root}/d{name} = {self.upstream:.4f}"
        return f"{head} -> {'; '.join(parts)}"

    def explain_lines(self) -> list[str]:
        """One line per edge: ``dL/dn += dL/do * do/dn = 1.0000 * 0.5000 = 0.5000``.

        >>> n = Value(0.0, label="n")
        >>> o = n.exp(); o.label = "o"
        >>> next(o.backward_steps()).explain_lines()
        ['do/dn += do/do * do/dn = 1.0000 * 1.0000 = 1.0000']
        """
        root, name = self.names[self.root], self.names[self.node]
        return [
            f"d{root}/d{self.names[u.parent]} += d{root}/d{name} * d{name}/d{self.names[u.parent]}"
            f" = {self.upstream:.4f} * {u.local:.4f} = {u.grad_after:.4f}"
            for u in self.updates
        ]

    def draw(self, **options: Any) -> graphviz.Digraph:
        """The whole graph (a ``graphviz.Digraph``) with this step's node and
        its edges to its parents highlighted; options go to ``micrograd.viz.draw_dot``."""
        if _viz is None:
            raise RuntimeError("Step.draw needs micrograd.viz (import micrograd)")
        options.setdefault("highlight", (self.node, *(u.parent for u in self.updates)))
        return _viz.draw_dot(self.root, **options)


_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "neg": "neg"}


def node_names(root: Value) -> dict[Value, str]:
    """A name for every Value under root: its label, or its op and a number (``mul2``).

    Steps, traces, trees and drawings all use these names, so they match.

    >>> a = Value(1.0, label="a")
    >>> sorted(node_names((a * 2).exp()).values())
    ['a', 'exp1', 'mul2']
    """
    names: dict[Value, str] = {}
    taken = set()
    count = 0
    stack = [root]
    seen = {root}
    while stack:  # depth-first from the root, so numbers follow the graph
        node = stack.pop()
        if node.label and node.label not in taken:
            name = node.label
        else:
            count += 1
            name = f"{_OP_WORDS.get(node.op, node.op) or 'leaf'}{count}"
        names[node] = name
        taken.add(name)
        for parent in reversed(node.parents):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return names


def _formula(node: Value, names: dict[Value, str]) -> str:
    """How a node was made, in its parents' names: ``a * b``, ``a + 1``, ``tanh(n)``."""
    args = [names[p] for p in node.parents]
    op = node._op
    if op is None:
        return f"{node.data:.4f}"
    if op.name in ("+", "-", "*", "/", "**") and len(args) == 2:
        return f"{args[0]} {op.name} {args[1]}"
    constant = node._constant
    if op.name in ("+", "-", "*", "/", "**") and isinstance(constant, float):
        return (
            f"{constant:g} {op.name} {args[0]}"
            if op.constant_first
            else f"{args[0]} {op.name} {constant:g}"
        )
    if op is NEG:
        return f"-{args[0]}"
    return f"{op.name}({', '.join(args)})"


def _chain_rule_steps(root: Value, grads: dict[Value, float] | None) -> Iterator[Step]:
    """Backpropagation one node at a time, in the order ``backward()`` uses.

    With ``grads`` None it works on ``.grad`` exactly as ``backward()`` does;
    otherwise it keeps gradients in that dict and touches no ``.grad``.
    """
    order = backward_order(root)
    names = node_names(root)
    if grads is None:
        get = lambda v: v.grad

        def add(v: Value, x: float) -> float:
            v.grad += x
            return v.grad

        for node in order:
            node.grad = 0.0
        if not order:
            root.grad += 1.0
        else:
            root.grad = 1.0
    else:
        get = lambda v: grads.get(v, 0.0)

        def add(v: Value, x: float) -> float:
            grads[v] = grads.get(v, 0.0) + x
            return grads[v]

        grads[root] = 1.0
    for node in order:
        upstream = get(node)
        updates = []
        for parent, local in zip(node.parents, node._local_derivatives()):
            contribution = local * upstream
            updates.append(ParentUpdate(parent, local, contribution, add(parent, contribution)))
        yield Step(root, node, upstream, tuple(updates), names)


def _explain_text(root: Value) -> str:
    lines = []
    for step in _chain_rule_steps(root, {}):
        lines.append(f"{step.names[step.node]} = {_formula(step.node, step.names)}")
        lines.extend("  " + line for line in step.explain_lines())
    return "\n".join(lines)


def _tree_text(root: Value) -> str:
    names = node_names(root)
    lines = []
    shown = set()
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        name = names[node]
        numbers = f"data {node.data:.4f}  grad {node.grad:.4f}"
        if node in shown and node.parents:
            lines.append(f"{'  ' * depth}{name}  (see above)")
            continue
        shown.add(node)
        head = f"{name} = {_formula(node, names)}" if node.parents else name
        lines.append(f"{'  ' * depth}{head}  {numbers}")
        stack.extend((parent, depth + 1) for parent in reversed(node.parents))
    return "\n".join(lines)
