"""The engine: scalar Values that remember how they were made.

Every op on a :class:`Value` returns a new Value that records its operands and
its *local derivatives*, d(output)/d(operand), worked out at the forward pass.
:meth:`Value.backward` orders the graph from the output back to the leaves and
applies the chain rule: each operand's gradient grows by
``local derivative * gradient of the output``.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 4), b.grad
    (-2.9293, 2.0)

Reading this file: each op computes its output, then states its local
derivatives in its catalogue entry (an :class:`~micrograd.op.Op`), the one place
its derivative is written.  A rule is plain arithmetic, so it computes on floats
(the forward pass stores its result) and on Values alike
(``grad(..., create_graph=True)`` runs it on Values for second derivatives).
:data:`OPS` lists every entry once.

Numbers mixed into an expression (``2 * v``, ``v + 1``) are folded into the op
instead of becoming Values of their own: ``v * 2`` has one parent, ``v``, and
keeps the 2 as :attr:`Value.constant`.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from operator import mul
from typing import Any

from micrograd import trace
from micrograd.compat import Micrograd010Names, make_by_hand
from micrograd.floats import (
    as_float,
    divide,
    finite,
    first_largest,
    pow_or_inf,
    power,
    sigmoid,
    sign,
    sum_left_to_right,
)
from micrograd.op import Op
from micrograd.trace import ParentUpdate, Step, node_names
from micrograd.traversal import BY_HAND, MANY, backward_order, nodes_under, postorder, tree_walk

__all__ = [
    "OPS",
    "Op",
    "ParentUpdate",
    "Step",
    "Value",
    "backward_order",
    "custom_op",
    "is_grad_enabled",
    "linear",
    "linear_node",
    "max_of",
    "no_grad",
    "node_names",
    "sigmoid",
    "sum_left_to_right",
    "total",
]

Number = int | float


class Value(Micrograd010Names):
    """A scalar that records the ops that made it, so it can be differentiated.

    Args:
        data: the number.  Ints, bools and numpy scalars become floats; anything
            else raises TypeError.
        _children, _op: micrograd 0.1.0's way to build a node by hand, with
            its own ``_backward`` (see :mod:`micrograd.compat`).
        label: a name, shown in drawings and traces.

    Attributes:
        data: the value, a float.
        grad: d(output)/d(this Value) after ``output.backward()``; starts at 0.0.
        label: the name given, or "".

    >>> x = Value(3, label="x")
    >>> y = x**2 + 1
    >>> y.backward()
    >>> x
    Value(data=3.0, grad=6.0, label='x')
    """

    # The node layout of micrograd.traversal: _kind is the Op that made this node (None
    # for a leaf); _a, _b its operands; _da, _db the local derivatives d(self)/d(_a) and
    # d(self)/d(_b) (for MANY, _da is a tuple of them; with one operand, _db holds a
    # folded number); _mark is scratch for one walk.  _label stays unset until a name
    # is given: most nodes never get one, and a store per node is a measurable cost.
    __slots__ = ("_a", "_b", "_da", "_db", "_kind", "_label", "_mark", "data", "grad")
    _a: Any
    _b: Any
    _da: Any
    _db: Any
    _kind: Op | None
    _mark: object

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = as_float(data, "Value")
        self.grad = 0.0
        if label:
            self.label = label
        self._kind = None
        self._mark = None
        children = tuple(_children)
        if children:  # micrograd 0.1.0: a node built by hand; its _backward does the work
            if not all(isinstance(c, Value) for c in children):
                raise TypeError(
                    f"Value: _children must be Values, got {_children!r} (to name a Value, "
                    "use label=...)"
                )
            make_by_hand(self, children, _op)

    # --- Ops: the output, then d(out)/d(each operand) in the op's entry -------------
    # A number operand is folded into a one-operand node; anything else that is not a
    # real number is a TypeError naming the op.  The ops hand-written graphs use most
    # (+, *, tanh, relu) fill in their node here, slot by slot, instead of calling
    # _node: one Python call less per node is about a tenth of building a graph.

    def __add__(self, other: Value | Number) -> Value:
        if type(other) is float:  # first: a number is the cheaper test
            c = other
        elif isinstance(other, Value):
            data = self.data + other.data
            if _open_no_grad_blocks and not _recording.get():
                return _leaf(data)
            out = _new_value(Value)
            out.data = data
            out.grad = 0.0
            out._a = self
            out._b = other
            out._da, out._db = ADD.slopes
            out._kind = ADD
            out._mark = None
            return out
        else:
            c = as_float(other, "+")
        data = self.data + c
        if _open_no_grad_blocks and not _recording.get():
            return _leaf(data)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out._a = self
        out._b = None
        out._da = ADD.slopes[0]
        out._db = c
        out._kind = ADD
        out._mark = None
        return out

    _ADD = Op("add", "+", "infix", 2, lambda a, b, out: (1.0, 1.0), __add__, constant=True,
              formula=("1", "1"))  # fmt: skip

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _node(self, other, self.data - other.data, SUB)
        c = other if type(other) is float else as_float(other, "-")
        return _node(self, c, self.data - c, SUB)

    _SUB = Op("sub", "-", "infix", 2, lambda a, b, out: (1.0, -1.0), __sub__, constant=True,
              formula=("1", "-1"))  # fmt: skip

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is float:  # first: a number is the cheaper test
            c = other
        elif isinstance(other, Value):
            a, b = self.data, other.data
            data = a * b
            if _open_no_grad_blocks and not _recording.get():
                return _leaf(data)
            out = _new_value(Value)
            out.data = data
            out.grad = 0.0
            out._a = self
            out._b = other
            out._da, out._db = MUL.derivative(a, b, data)
            out._kind = MUL
            out._mark = None
            return out
        else:
            c = as_float(other, "*")
        a = self.data
        data = a * c
        if _open_no_grad_blocks and not _recording.get():
            return _leaf(data)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out._a = self
        out._b = None
        out._da = MUL.derivative(a, c, data)[0]
        out._db = c
        out._kind = MUL
        out._mark = None
        return out

    _MUL = Op("mul", "*", "infix", 2, lambda a, b, out: (b, a), __mul__, formula=("{b}", "{a}"))

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _node(self, other, divide(self.data, other.data), DIV)
        c = as_float(other, "/")
        return _node(self, c, divide(self.data, c), DIV)

    _DIV = Op("div", "/", "infix", 2, lambda a, b, out: (1 / b, -out / b), __truediv__,
              formula=("1 / {b}", "-{out} / {b}"))  # fmt: skip

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _node(self, other, power(self.data, other.data), POW)
        c = as_float(other, "**")
        return _node(self, c, power(self.data, c), POW)

    def _pow_rule(a: Any, b: Any, out: Any) -> tuple[Any, Any]:  # a rule, not a method
        # d(a ** b)/da = b * a**(b-1), 0 when b == 0 (a**0 is the constant 1).
        # d(a ** b)/db = a**b * log(a) for a > 0; 0 at a == 0; undefined (NaN) below.
        # Past the float range, or at a pole (0 ** -0.5), the slope is inf on both paths.
        base, exponent = _data(a), _data(b)
        slope = pow_or_inf(base, exponent - 1)
        on_values = isinstance(a, Value) or isinstance(b, Value)
        if exponent == 0 and (math.isinf(slope) or not on_values):
            d_base: Any = 0.0  # (as a Value, b * a**(b-1) keeps its slope in b)
        elif math.isinf(slope) or not on_values:
            d_base = b * slope
        else:
            d_base = b * a ** (b - 1)
        d_exponent = out * _log(a) if base > 0 else 0.0 if base == 0 else math.nan
        return d_base, d_exponent

    _POW = Op("pow", "**", "infix", 2, _pow_rule, __pow__,
              formula=("{b} × {a}^({b} - 1)", "{out} × log({a})"))  # fmt: skip
    del _pow_rule

    # A number on the left (2 + x, 2 - x, ...): the same ops, operands the other way round.

    def __radd__(self, other: Number) -> Value:  # other + self
        c = other if type(other) is float else as_float(other, "+")
        return _node(self, c, c + self.data, ADD_REFLECTED)

    def __rsub__(self, other: Number) -> Value:  # other - self
        c = other if type(other) is float else as_float(other, "-")
        return _node(self, c, c - self.data, SUB_REFLECTED)

    def __rmul__(self, other: Number) -> Value:  # other * self
        c = other if type(other) is float else as_float(other, "*")
        return _node(self, c, c * self.data, MUL_REFLECTED)

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        c = as_float(other, "/")
        return _node(self, c, divide(c, self.data), DIV_REFLECTED)

    def __rpow__(self, other: Number) -> Value:  # other ** self
        c = as_float(other, "**")
        return _node(self, c, power(c, self.data), POW_REFLECTED)

    # --- One-operand ops ---------------------------------------------------------------

    def __neg__(self) -> Value:
        return _node(self, None, -self.data, NEG)

    _NEG = Op("neg", "neg", "prefix", 1, lambda a, out: -1.0, __neg__, formula="-1")

    def exp(self) -> Value:
        """e to the power of this Value.

        >>> Value(0.0).exp().data
        1.0
        """
        try:
            out = math.exp(self.data)
        except OverflowError:  # past the float range: inf, as for * and + (see floats.power)
            out = math.inf
        return _node(self, None, out, EXP)

    _EXP = Op("exp", "exp", "call", 1, lambda a, out: out, exp, formula="{out}")  # = exp(a)

    def log(self) -> Value:
        """The natural logarithm; the input must be positive.

        >>> Value(1.0).log().data
        0.0
        """
        a = self.data
        if not a > 0:
            if a != a:  # NaN stays NaN: never hidden, never an error
                return _node(self, None, a, LOG)
            raise ValueError(f"log: needs a positive input, got {a}")
        return _node(self, None, math.log(a), LOG)

    _LOG = Op("log", "log", "call", 1, lambda a, out: 1 / a, log, formula="1 / {a}")

    def tanh(self) -> Value:
        """The hyperbolic tangent, between -1 and 1 (stable: ±1.0 at ±1000).

        >>> Value(0.0).tanh().data
        0.0
        """
        a = self.data
        data = math.tanh(a)
        if _open_no_grad_blocks and not _recording.get():
            return _leaf(data)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out._a = self
        out._b = None
        out._da = TANH.derivative(a, data)
        out._kind = TANH
        out._mark = None
        return out

    _TANH = Op("tanh", "tanh", "call", 1, lambda a, out: 1 - out * out, tanh,
               formula="1 - {out}²")  # fmt: skip

    def sigmoid(self) -> Value:
        """The logistic function ``1 / (1 + e^-x)``, between 0 and 1.

        >>> Value(0.0).sigmoid().data
        0.5
        """
        return _node(self, None, sigmoid(self.data), SIGMOID)

    _SIGMOID = Op("sigmoid", "sigmoid", "call", 1, lambda a, out: out * (1 - out), sigmoid,
                  formula="{out} × (1 - {out})")  # fmt: skip

    def relu(self) -> Value:
        """``max(0, x)``: the rectified linear unit (NaN stays NaN).

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        a = self.data
        data = 0.0 if a <= 0 else a
        if _open_no_grad_blocks and not _recording.get():
            return _leaf(data)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out._a = self
        out._b = None
        out._da = RELU.derivative(a, data)
        out._kind = RELU
        out._mark = None
        return out

    def _relu_rule(a: Any, out: Any) -> Any:  # a rule, not a method
        # 1 above 0, else 0 (0 at the kink); NaN for NaN.  It reads only the output.
        x = out if type(out) is float else _data(out)
        return 1.0 if x > 0 else 0.0 if x <= 0 else math.nan

    _RELU = Op("relu", "relu", "call", 1, _relu_rule, relu, formula="1 if {out} > 0 else 0")
    del _relu_rule

    def abs(self) -> Value:
        """The absolute value (also ``abs(v)``).

        >>> abs(Value(-2.5)).data
        2.5
        """
        return _node(self, None, abs(self.data), ABS)

    __abs__ = abs
    _ABS = Op("abs", "abs", "call", 1, lambda a, out: sign(_data(a)), abs,
              formula="sign({a})")  # 0 at 0  # fmt: skip

    def sin(self) -> Value:
        """The sine (radians).

        >>> Value(0.0).sin().data
        0.0
        """
        return _node(self, None, math.sin(finite(self.data, "sin")), SIN)

    _SIN = Op("sin", "sin", "call", 1, lambda a, out: _cos(a), sin, formula="cos({a})")

    def cos(self) -> Value:
        """The cosine (radians).

        >>> Value(0.0).cos().data
        1.0
        """
        return _node(self, None, math.cos(finite(self.data, "cos")), COS)

    _COS = Op("cos", "cos", "call", 1, lambda a, out: -_sin(a), cos, formula="-sin({a})")

    # --- Backpropagation ------------------------------------------------------------

    def backward(self) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d(self)/d(it).

        Leaves (Values made by you, with no parents) *accumulate* across calls,
        as in PyTorch: call ``zero_grad()`` or set ``.grad = 0`` between steps.
        Intermediate nodes are reset first, so they hold the gradient of the
        latest call.

        >>> a = Value(2.0)
        >>> b = (a * 3) * 4
        >>> b.backward(); b.backward()
        >>> a.grad, b.parents[0].grad
        (24.0, 4.0)
        """
        if self._kind is None:  # a leaf: d(self)/d(self) = 1
            self.grad += 1.0
            return
        if tree_walk(self, backprop=True):  # no node used twice: ordered and applied in one walk
            return
        # Any graph: topological order, every node after all the nodes that use it
        # (intermediate nodes reset to 0 on the way: they hold this call's gradient only).
        order = postorder(self, reset_grads=True)
        self.grad = 1.0
        many, by_hand = MANY, BY_HAND  # locals: read once a node
        for node in reversed(order):
            # The chain rule, one node at a time: each operand's gradient grows by
            # local derivative * this node's gradient.  One and two operands, the
            # usual cases, are written out, so that no tuple is made for them.
            g = node.grad
            b = node._b
            if b is None:
                node._a.grad += node._da * g
            elif b is many:
                for a, local in zip(node._a, node._da):
                    a.grad += local * g
            elif b is by_hand:  # micrograd 0.1.0's own step
                node._da()
            else:
                node._a.grad += node._da * g
                b.grad += node._db * g

    # --- Reading a node ------------------------------------------------------------

    @property
    def label(self) -> str:
        """The name given to this Value, or "" (shown in drawings and traces)."""
        return getattr(self, "_label", "")

    @label.setter
    def label(self, name: str) -> None:
        self._label = name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in operand order; ``()`` for a leaf.

        >>> a, b = Value(1.0), Value(2.0)
        >>> (a - b).parents == (a, b), (a * 2).parents == (a,)
        (True, True)
        """
        if self._kind is None:
            return ()
        b = self._b
        if b is None:
            return (self._a,)
        if b is MANY or b is BY_HAND:
            return self._a
        return (self._a, b)

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each of :attr:`parents`, as the forward pass stored them.

        >>> x = Value(3.0)
        >>> (x * 2).local_derivatives, (x * x).local_derivatives
        ((2.0,), (3.0, 3.0))
        """
        b = self._b if self._kind is not None else MANY
        if b is None:
            return (self._da,)
        if b is MANY:
            return self._da if self._kind is not None else ()
        if b is BY_HAND:
            raise TypeError(
                f"{self.op or 'a hand-built node'}: built by hand with its own _backward, so "
                "only backward() can run it"
            )
        return (self._da, self._db)

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """The operands in order, Values and folded numbers alike: ``2 - x`` gives
        ``(2.0, x)``; ``linear(ws, [1.0, 2.0], b)`` gives ``(*ws, 1.0, 2.0, b)``.

        >>> x = Value(3.0, label="x")
        >>> (2 - x).operands
        (2.0, Value(data=3.0, grad=0.0, label='x'))
        """
        kind = self._kind
        if kind is None:
            return ()
        b = self._b
        if b is None:
            if kind.arity == 1:
                return (self._a,)
            return (self._db, self._a) if kind.constant_first else (self._a, self._db)
        if b is MANY and self._db is not None:  # linear of numbers: inputs folded
            n = len(self._db)
            return (*self._a[:n], *self._db, self._a[n])
        if b is MANY or b is BY_HAND:
            return self._a
        return (self._a, b)

    @property
    def op_entry(self) -> Op | None:
        """The catalogue entry of the op that made this Value (None for a leaf).

        >>> (Value(2.0) - 1).op_entry.name
        'sub'
        """
        kind = self._kind
        return None if kind is None else kind.base

    @property
    def op(self) -> str:
        """The op's symbol ('+', 'tanh', ...), or '' for a leaf.

        >>> (Value(1.0) * Value(2.0)).op, Value(1.0).op
        ('*', '')
        """
        kind = self._kind
        return kind.symbol if kind is not None else ""

    @property
    def constant(self) -> Any:
        """The number folded into this node (the 2 of ``v * 2``), else None.

        >>> (Value(1.0) * 2).constant, (Value(1.0) * Value(2.0)).constant
        (2.0, None)
        """
        if self._kind is None or (self._b is not None and self._b is not MANY):
            return None
        return getattr(self, "_db", None)

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self._kind is not None else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph under this Value, built without recursion."""
        if id(self) in memo:
            return memo[id(self)]
        for node in reversed(nodes_under(self)):  # operands before their consumers
            if id(node) in memo:
                continue
            copy = _new_value(Value)
            for slot in Value.__slots__:
                if hasattr(node, slot):
                    setattr(copy, slot, getattr(node, slot))
            copy._mark = None
            if node._kind is not None:
                b = node._b
                if b is MANY or b is BY_HAND:
                    copy._a = tuple(memo[id(p)] for p in node._a)
                else:
                    copy._a = memo[id(node._a)]
                    if b is not None:
                        copy._b = memo[id(b)]
            memo[id(node)] = copy
        return memo[id(self)]

    # --- Stepping through backprop as text: micrograd.trace -------------------------

    def backward_steps(
        self, max_steps: int | None = None, names: Mapping[Any, Any] | None = None
    ) -> Iterator[Step]:
        """Backpropagation one node at a time: see :func:`micrograd.trace.backward_steps`.

        ``names`` names some Values (``dict(model.named_parameters())``, or
        ``{value: name}``); the others keep their labels or automatic names.

        >>> x = Value(3.0, label="x")
        >>> y = x.tanh(); y.label = "y"
        >>> print(next(y.backward_steps()).lines()[1])
        dy/dx: local dy/dx = 1 - y² = 1 - 0.995055² = 0.009866, upstream × local = 1 × 0.009866 \
= 0.009866, total 0 + 0.009866 = 0.009866
        """
        return trace.backward_steps(self, max_steps=max_steps, names=names)

    def explain(
        self, max_lines: int | None = trace.MAX_LINES, names: Mapping[Any, Any] | None = None
    ) -> str:
        """The chain rule as text, edge by edge: see :func:`micrograd.trace.explain`.

        ``names`` names some Values, as for :meth:`backward_steps`.

        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b; c.label = "c"
        >>> print(c.explain())
        c = a * b: upstream dc/dc = 1
          dc/da: local dc/da = b = -3, upstream × local = 1 × (-3) = -3, total 0 + (-3) = -3
          dc/db: local dc/db = a = 2, upstream × local = 1 × 2 = 2, total 0 + 2 = 2
        """
        return trace.explain(self, max_lines=max_lines, names=names)

    def tree(
        self,
        max_lines: int | None = trace.MAX_LINES,
        max_depth: int | None = trace.MAX_DEPTH,
        names: Mapping[Any, Any] | None = None,
    ) -> str:
        """The expression as an indented text tree: see :func:`micrograd.trace.tree`.

        ``names`` names some Values, as for :meth:`backward_steps`:

        >>> w = Value(0.5)
        >>> print((w * 4).tree(names={"w": w}))
        mul1 = w * 4  data 2  grad 0
          w  data 0.5  grad 0

        >>> x = Value(3.0, label="x")
        >>> y = (x * 2).exp(); y.label = "y"
        >>> print(y.tree())
        y = exp(mul1)  data 403.4  grad 0
          mul1 = x * 2  data 6  grad 0
            x  data 3  grad 0
        """
        return trace.tree(self, max_lines=max_lines, max_depth=max_depth, names=names)


# The catalogue entries above, by the names the ops use (module globals: the fastest lookup).
ADD, SUB, MUL, DIV, POW = Value._ADD, Value._SUB, Value._MUL, Value._DIV, Value._POW
NEG, EXP, LOG, TANH, SIGMOID = Value._NEG, Value._EXP, Value._LOG, Value._TANH, Value._SIGMOID
RELU, ABS, SIN, COS = Value._RELU, Value._ABS, Value._SIN, Value._COS
ADD_REFLECTED, SUB_REFLECTED, MUL_REFLECTED = ADD.reflected(), SUB.reflected(), MUL.reflected()
DIV_REFLECTED, POW_REFLECTED = DIV.reflected(), POW.reflected()


# --- Building nodes ------------------------------------------------------------------------

_new_value = object.__new__


def _leaf(data: float) -> Value:
    """A Value with no parents: what every op makes inside ``no_grad()``."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._kind = None
    out._mark = None
    return out


def _node(a: Value, b: Value | float | None, data: float, op: Op) -> Value:
    """A node of ``op`` over ``a`` and ``b``: another Value, a folded number (``a op b``,
    or ``b op a`` for a reflected op), or None for a one-operand op.  Its local
    derivatives come from the op's rule, worked out here, once."""
    if _open_no_grad_blocks and not _recording.get():
        return _leaf(data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._a = a
    slopes = op.slopes
    if isinstance(b, Value):
        out._b = b
        out._da, out._db = slopes or op.derivative(a.data, b.data, data)
    else:
        out._b = None
        if b is None:
            out._da = op.derivative(a.data, data)
        elif slopes is not None:
            out._da = slopes[op.constant_first]  # the Value is operand 1 when the number is first
        elif op.constant_first:
            out._da = op.derivative(b, a.data, data)[1]
        else:
            out._da = op.derivative(a.data, b, data)[0]
        out._db = b
    out._kind = op
    out._mark = None
    return out


def _node_of_many(
    operands: tuple[Value, ...], data: float, op: Op, local: tuple, numbers_in: Any
) -> Value:
    """A node with any number of Value operands (fused ops, custom ops)."""
    if _open_no_grad_blocks and not _recording.get():
        return _leaf(data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._a = operands
    out._b = MANY
    out._da = local
    out._db = numbers_in
    out._kind = op
    out._mark = None
    return out


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


# Rules run on floats and on Values alike: these pick the float or the Value op.
def _log(x: Any) -> Any:
    return x.log() if isinstance(x, Value) else math.log(x)


def _sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Value) else math.sin(x)


def _cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Value) else math.cos(x)


# --- Recording: no_grad --------------------------------------------------------------------

# Per thread and per async task: a no_grad() block in one thread leaves the others
# recording.  The counter of open blocks (in any thread) lets ops skip the lookup of
# the context variable in the usual case, when no block is open anywhere.  Blocks are
# counted, not restored by token: two generators that each hold a block open can close
# them in either order, and recording is back on once both are closed.
_recording: ContextVar[bool] = ContextVar("micrograd_recording", default=True)
_blocks_open_here: ContextVar[int] = ContextVar("micrograd_no_grad_blocks", default=0)
_open_no_grad_blocks = 0
_no_grad_lock = threading.Lock()


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block (of this thread or async task).

    >>> is_grad_enabled()
    True
    """
    return _recording.get()


@contextmanager
def no_grad() -> Iterator[None]:
    """Ops inside this block record no parents: evaluation only, and faster.

    The switch is per thread and per async task (a context variable): other
    threads keep recording.  Recording comes back when the last open block of
    this thread or task ends, in whatever order the blocks end (two generators
    may each hold one open and close them out of order).

    >>> a = Value(3.0)
    >>> with no_grad():
    ...     b = a * a
    >>> b.parents
    ()
    """
    global _open_no_grad_blocks
    with _no_grad_lock:
        _open_no_grad_blocks += 1
    _blocks_open_here.set(_blocks_open_here.get() + 1)
    _recording.set(False)
    try:
        yield
    finally:
        still_open = max(0, _blocks_open_here.get() - 1)  # ended in another context: 0
        _blocks_open_here.set(still_open)
        if not still_open:
            _recording.set(True)
        with _no_grad_lock:
            _open_no_grad_blocks -= 1


# --- Fused ops: many operands in one node ---------------------------------------------


def linear(
    weights: Sequence[Value],
    inputs: Sequence[Value | Number],
    bias: Value,
    activation: str | None = None,
) -> Value:
    """``bias + w1*x1 + ... + wn*xn`` as one node: a neuron's weighted sum.

    The same number as the op-by-op expression (added left to right from the
    bias), but one node with ``2n + 1`` operands instead of ``2n`` nodes, so it
    is much faster to build and to backpropagate.  ``activation="relu"`` folds
    the ReLU into the same node.  Numbers among the inputs are folded in.

    >>> w = [Value(2.0), Value(-1.0)]
    >>> out = linear(w, [3.0, 4.0], Value(0.5))
    >>> out.backward()
    >>> out.data, [wi.grad for wi in w]
    (2.5, [3.0, 4.0])
    >>> linear(w, [3.0, 8.0], Value(0.5), activation="relu").data
    0.0
    """
    n = len(weights)
    if n != len(inputs) or not n:
        raise ValueError(f"linear: {n} weights and {len(inputs)} inputs (need n >= 1 of each)")
    if activation not in (None, "relu"):
        raise ValueError(f"linear: activation must be None or 'relu', got {activation!r}")
    try:  # the usual case first: all inputs are Values
        xd = [x.data for x in inputs]  # type: ignore[union-attr]
    except AttributeError:
        xd = None
    if xd is not None:
        return linear_node(weights, inputs, xd, bias, activation is not None)  # type: ignore[arg-type]
    op = LINEAR if activation is None else LINEAR_RELU
    wd = [w.data for w in weights]
    numbers_in = [x for x in inputs if not isinstance(x, Value)]
    if len(numbers_in) != n:  # a mix of Values and numbers: numbers become leaves
        leaves = [x if isinstance(x, Value) else Value(x) for x in inputs]
        return linear(weights, leaves, bias, activation)
    xs = tuple(x if type(x) is float else as_float(x, "linear") for x in inputs)
    out = sum_left_to_right(map(mul, wd, xs), bias.data)
    local = _weighted_sum_slopes(wd, xs)
    if activation is not None:
        out = 0.0 if out <= 0 else out
        local = _through_relu(local, out)
    return _node_of_many((*weights, bias), out, op, (*local[:n], local[-1]), xs)


def linear_node(
    weights: Sequence[Value],
    inputs: Sequence[Value],
    inputs_data: Sequence[float],
    bias: Value,
    relu: bool,
) -> Value:
    """linear() over Value inputs whose data has been read, with no checks: the
    caller has made them (``nn.Layer`` reads the inputs once for all its neurons)."""
    wd = [w.data for w in weights]
    out = sum_left_to_right(map(mul, wd, inputs_data), bias.data)
    local = _weighted_sum_slopes(wd, inputs_data)  # the rule's own parts, not repacked
    if relu:
        out = 0.0 if out <= 0 else out
        local = _through_relu(local, out)
    return _node_of_many(
        (*weights, *inputs, bias), out, LINEAR_RELU if relu else LINEAR, local, None
    )


def _linear_rule(operands: Sequence[Any], out: Any) -> tuple[Any, ...]:
    n = (len(operands) - 1) // 2  # operands (w1..wn, x1..xn, bias)
    return _weighted_sum_slopes(operands[:n], operands[n : 2 * n])


def _weighted_sum_slopes(weights: Sequence[Any], inputs: Sequence[Any]) -> tuple[Any, ...]:
    # d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1
    return (*inputs, *weights, 1.0)


def _linear_relu_rule(operands: Sequence[Any], out: Any) -> tuple[Any, ...]:
    return _through_relu(_linear_rule(operands, out), out)


def _through_relu(slopes: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
    # Each slope times relu's: exactly 1 or 0 (NaN for NaN).  0 * d keeps the sign
    # of d: -0.0 for a negative weight, as the explorer shows.
    slope = RELU.derivative(out, out)  # relu's rule reads only its output
    if slope == 1.0:
        return slopes
    return tuple([slope * d for d in slopes])


def _linear_relu(weights: Sequence[Value], inputs: Sequence[Value | Number], bias: Value) -> Value:
    return linear(weights, inputs, bias, activation="relu")


LINEAR = Op("linear", "linear", "call", 0, _linear_rule, linear, formula=("{x}", "{w}", "1"))
LINEAR_RELU = Op(
    "linear_relu", "linear+relu", "call", 0, _linear_relu_rule, _linear_relu,
    formula=("{x} if {out} > 0 else 0", "{w} if {out} > 0 else 0", "1 if {out} > 0 else 0"),
)  # fmt: skip


def total(values: Iterable[Value | Number]) -> Value:
    """The sum of many Values as one node (builtin ``sum`` makes a chain of
    ``+`` nodes).  Adds left to right, as ``sum`` does.

    >>> total([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    operands = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    out = sum_left_to_right((v.data for v in operands), 0.0)
    return _node_of_many(operands, out, SUM, _sum_rule(operands, out), None)


def _sum_rule(operands: Sequence[Any], out: Any) -> tuple[Any, ...]:  # 1 for each
    return (1.0,) * len(operands)


SUM = Op("sum", "sum", "call", 0, _sum_rule, lambda *values: total(values), formula=("1",))


def max_of(values: Iterable[Value | Number]) -> Value:
    """The largest of many Values, as one node whose operands are all of them.

    The first largest wins a tie, as in PyTorch's max-pooling, and a NaN
    operand makes the output NaN (Python's ``max`` would skip it, hiding it).
    The gradient flows to the chosen operand only: its local derivative is 1,
    the others' 0.  Unlike ``max(values)``, which returns one of the Values
    and so builds a graph whose shape follows the numbers, this node keeps
    every operand: a :func:`~micrograd.tape.record`-ed tape replays it right
    when the largest moves.

    >>> a, b, c = Value(1.0), Value(3.0), Value(2.0)
    >>> m = max_of([a, b, c])
    >>> m.backward()
    >>> m.data, (a.grad, b.grad, c.grad)
    (3.0, (0.0, 1.0, 0.0))
    """
    operands = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    if not operands:
        raise ValueError("max_of: needs at least one value, got none")
    datas = [v.data for v in operands]
    best = first_largest(datas)
    out = math.nan if best < 0 else datas[best]
    return _node_of_many(operands, out, MAX, _max_rule(operands, out), None)


def _max_rule(operands: Sequence[Any], out: Any) -> tuple[Any, ...]:  # 1 for the chosen one
    best = first_largest([_data(x) for x in operands])
    if best < 0:
        return (math.nan,) * len(operands)
    return tuple(1.0 if i == best else 0.0 for i in range(len(operands)))


MAX = Op("max", "max", "call", 0, _max_rule, lambda *values: max_of(values), chooses=True)


# --- Your own ops --------------------------------------------------------------------------


def custom_op(
    name: str,
    forward: Callable[..., float],
    derivative: Callable[..., Any],
) -> Callable[..., Value]:
    """Make a new op from a forward function and its local derivatives.

    Args:
        name: the op's name, shown in drawings and traces.
        forward: ``forward(*datas) -> float``, the output from the inputs' numbers.
        derivative: ``derivative(*inputs, out)``, one local derivative
            d(out)/d(input) per input, as a tuple (a bare number is fine for a
            one-input op).  ``inputs`` and ``out`` are floats, or Values under
            ``grad(..., create_graph=True)``: write it with operators and Value
            methods and second derivatives work too.

    Returns:
        A function of Values (or numbers) that returns a Value.

    A straight-through sign: forward is sign(x), backward pretends it was x.

    >>> sign = custom_op("sign", lambda x: math.copysign(1.0, x), lambda x, out: 1.0)
    >>> x = Value(-0.3)
    >>> y = sign(x) * 2
    >>> y.backward()
    >>> y.data, x.grad
    (-2.0, 2.0)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"custom_op: name must be a non-empty string, got {name!r}")

    def rule(operands: Sequence[Any], out: Any) -> tuple[Any, ...]:
        result = derivative(*operands, out)
        if isinstance(result, (numbers.Real, Value)) and not isinstance(result, bool):
            result = (result,)
        elif not isinstance(result, (tuple, list)):
            raise TypeError(
                f"{name}: derivative must return a tuple of numbers, got {type(result).__name__}"
            )
        if len(result) != len(operands):
            raise ValueError(
                f"{name}: derivative returned {len(result)} values for {len(operands)} inputs"
            )
        return tuple(result)

    op = Op(name, name, "call", 0, rule, custom=True)

    def apply(*inputs: Value | Number) -> Value:
        operands = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
        try:
            result = forward(*(v.data for v in operands))
        except TypeError as error:
            raise TypeError(f"{name}: called with {len(operands)} inputs: {error}") from None
        out = as_float(result, f"{name} (forward)")
        local = tuple(
            as_float(d, f"{name} (derivative)") for d in rule(tuple(v.data for v in operands), out)
        )
        return _node_of_many(operands, out, op, local, None)

    op.apply = apply  # the entry makes its nodes, as every entry does (a tape replays it)
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"The custom op {name!r}."
    return apply


# --- The catalogue: every op once ----------------------------------------------------------

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        *(ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, ABS, SIN, COS),
        *(LINEAR, LINEAR_RELU, SUM, MAX),
    )
}
"""Every built-in op, by name: the one list that traces, drawings, the command line
and the test strategies read."""
