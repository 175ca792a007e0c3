"""The engine: scalar Values that remember how they were made.

Every op on a :class:`Value` returns a new Value that records its operands and
its *local derivatives*, d(output)/d(operand), worked out at the forward pass.
:meth:`Value.backward` walks the graph from the output back to the leaves and
applies the chain rule: each operand's gradient grows by
``local derivative * gradient of the output``.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 4), b.grad
    (-2.9293, 2.0)

Reading this file: each op comes with its rule, the one place its derivative
is written.  A rule is plain arithmetic, so it computes on floats (the forward
pass stores its result) and on Values alike (``grad(..., create_graph=True)``
runs it on Values to build second derivatives).  The catalogue :data:`OPS` at
the end lists every op once: its name, its symbol and how a formula writes it.

Numbers mixed into an expression (``2 * v``, ``v + 1``) are folded into the op
instead of becoming Values of their own: ``v * 2`` has one parent, ``v``, and
keeps the 2 as :attr:`Value.constant`.
"""

from __future__ import annotations

import math
import numbers
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
from operator import add, mul
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type hints only
    from micrograd.trace import Step

__all__ = [
    "OPS",
    "Op",
    "Value",
    "custom_op",
    "is_grad_enabled",
    "linear",
    "linear_node",
    "no_grad",
    "sigmoid",
    "sum_left_to_right",
    "total",
]

Number = int | float


class Op:
    """One entry of the catalogue: what made a node, and how it differentiates.

    Attributes:
        name: the op's word: ``"mul"``, ``"tanh"``; node names use it (``mul2``).
        symbol: what micrograd 0.1.0 keeps in ``_op``: ``"*"``, ``"tanh"``.
        notation: how a formula writes it: ``"infix"`` (``a * b``),
            ``"prefix"`` (``-a``) or ``"call"`` (``tanh(a)``).
        arity: how many operands: 1, 2, or 0 for any number (fused ops).
        derivative: the rule.  ``derivative(a, out)`` for one operand,
            ``derivative(a, b, out) -> (da, db)`` for two, and
            ``derivative(operands, out) -> tuple`` for any number, where
            ``out`` is the op's output.  Floats or Values alike.
        constant_first: for a folded number on the left (``2 - x``).
        slopes: for an op whose rule is constant (``+``, ``-``), the rule's
            value, worked out once, so that building a node calls no rule;
            None for the others.
        custom: made by :func:`custom_op`.
        apply: the function that makes such a node from its operands
            (``Value.__mul__``, ``Value.tanh``, ``linear``...).

    >>> OPS["tanh"].derivative(0.5, 0.5)
    0.75
    """

    __slots__ = (
        "apply", "arity", "base", "constant_first", "custom", "derivative", "name", "notation",
        "slopes", "symbol",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        symbol: str,
        notation: str,
        arity: int,
        derivative: Callable[..., Any],
        apply: Callable[..., Value] | None = None,
        custom: bool = False,
        constant: bool = False,
    ) -> None:
        self.apply = apply
        self.name = name
        self.symbol = symbol
        self.notation = notation
        self.arity = arity
        self.derivative = derivative
        self.custom = custom
        self.constant_first = False
        self.base = self  # the catalogue entry; a reflected form points back to it
        # A constant rule ignores its arguments: NaN stands in for them.
        self.slopes: Any = derivative(*[math.nan] * (arity + 1)) if constant else None

    def reflected(self) -> Op:
        """The same op with a folded number as its *first* operand (``2 - x``)."""
        flipped = Op(self.name, self.symbol, self.notation, self.arity, self.derivative, self.apply)
        flipped.constant_first = True
        flipped.slopes = self.slopes
        flipped.base = self
        return flipped

    def __repr__(self) -> str:
        return f"Op({self.name!r}, symbol={self.symbol!r}, notation={self.notation!r})"


# --- Recording ----------------------------------------------------------------------

# Per thread and per async task: a no_grad() block in one thread leaves the others
# recording.  The counter of open blocks (in any thread) lets ops skip the lookup of
# the context variable in the usual case, when no block is open anywhere.
_recording: ContextVar[bool] = ContextVar("micrograd_recording", default=True)
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
    threads keep recording.

    >>> a = Value(3.0)
    >>> with no_grad():
    ...     b = a * a
    >>> b.parents
    ()
    """
    global _open_no_grad_blocks
    with _no_grad_lock:
        _open_no_grad_blocks += 1
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)
        with _no_grad_lock:
            _open_no_grad_blocks -= 1


# --- Nodes ---------------------------------------------------------------------------

_new_value = object.__new__
_MANY = object()  # _b of a node whose operands are all in the tuple _a
_BY_HAND = object()  # _b of a node built micrograd 0.1.0's way, with its own _backward


def _leaf(data: float) -> Value:
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._kind = None
    out._mark = None
    return out


def _unary(a: Value, data: float, op: Op) -> Value:
    """A node with one operand; its local derivative comes from the op's rule."""
    if _open_no_grad_blocks and not _recording.get():
        return _leaf(data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._a = a
    out._b = None
    out._da = op.derivative(a.data, data)
    out._kind = op
    out._mark = None
    return out


def _binary(a: Value, b: Value, data: float, op: Op) -> Value:
    """A node with two Value operands, in order."""
    if _open_no_grad_blocks and not _recording.get():
        return _leaf(data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._a = a
    out._b = b
    slopes = op.slopes
    if slopes is None:
        out._da, out._db = op.derivative(a.data, b.data, data)
    else:
        out._da, out._db = slopes
    out._kind = op
    out._mark = None
    return out


def _folded(a: Value, constant: float, data: float, op: Op) -> Value:
    """A node with one Value operand and a number folded in: ``a op constant``,
    or ``constant op a`` for a reflected op."""
    if _open_no_grad_blocks and not _recording.get():
        return _leaf(data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._a = a
    out._b = None
    slopes = op.slopes
    if slopes is not None:
        out._da = slopes[op.constant_first]  # the Value is operand 1 when the number is first
    elif op.constant_first:
        out._da = op.derivative(constant, a.data, data)[1]
    else:
        out._da = op.derivative(a.data, constant, data)[0]
    out._db = constant
    out._kind = op
    out._mark = None
    return out


def _nary(operands: tuple[Value, ...], data: float, op: Op, local: tuple, constant: Any) -> Value:
    """A node with any number of Value operands (fused ops, custom ops)."""
    if _open_no_grad_blocks and not _recording.get():
        return _leaf(data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._a = operands
    out._b = _MANY
    out._da = local
    out._db = constant
    out._kind = op
    out._mark = None
    return out


# The fast path for small ints (2 * x, 1 - x): they convert to float exactly.  Larger
# ones take the checks below, which catch those too large for a float.
_LARGEST_EXACT_INT = 2**53


def _number(data: object, op: str) -> float:
    """A real number as a Python float, or a clear error naming the op and the value."""
    if type(data) is float:
        return data
    if type(data) is int and -_LARGEST_EXACT_INT <= data <= _LARGEST_EXACT_INT:  # 2 * x, 1 - x
        return float(data)
    if isinstance(data, (Value, str, bytes, complex)):
        raise TypeError(f"{op}: expected a real number, got {data!r} ({type(data).__name__})")
    item = getattr(data, "item", None)  # numpy scalars, including numpy's bool
    if item is not None and type(data).__module__ == "numpy":
        data = item()
    if isinstance(data, numbers.Real):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(f"{op}: {_short(data)} is too large for a float") from None
    raise TypeError(f"{op}: expected a real number, got {_short(data)} ({type(data).__name__})")


def _short(x: object) -> str:
    text = (
        repr(x)
        if not isinstance(x, int) or x.bit_length() < 200
        else f"an int of {x.bit_length()} bits"
    )
    return text if len(text) <= 60 else text[:57] + "..."


def _pow_or_inf(a: float, b: float) -> float:
    """a ** b for a derivative: past the float range it is inf, as elsewhere in backward."""
    if a < 0 and not float(b).is_integer():
        return math.nan
    try:
        return a**b
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0 ** negative: the slope of a pole
        return math.inf


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


def _log(x: Any) -> Any:  # for rules: log of a float or of a Value
    return x.log() if isinstance(x, Value) else math.log(x)


def _sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Value) else math.sin(x)


def _cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Value) else math.cos(x)


def _sign(x: Any) -> float:
    """The slope of abs: sign(x), 0 at 0, NaN for NaN."""
    x = _data(x)
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan


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


class Value:
    """A scalar that records the ops that made it, so it can be differentiated.

    Args:
        data: the number.  Ints, bools and numpy scalars become floats; anything
            else raises TypeError.
        _children, _op: micrograd 0.1.0's way to build a node by hand, with
            its own ``_backward`` (see :attr:`_backward`).
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

    # _a, _b: the operands.  _b is None for one operand (then _a is it), a Value
    #   for two, _MANY when _a is a tuple of any number of them.
    # _da, _db: the local derivatives d(self)/d(_a) and d(self)/d(_b); for _MANY,
    #   _da is a tuple of them.  With one operand, _db holds a folded number.
    # _kind: the Op that made this node; None for a leaf.
    # _mark: the token of the latest backward pass that reached this node.  Each
    #   pass makes a new token, so one that was interrupted leaves nothing behind
    #   that the next could mistake for its own.
    # _label: the name given, unset until one is: most nodes never get one, and a
    #   store per node is a measurable share of building a graph.
    __slots__ = ("_a", "_b", "_da", "_db", "_kind", "_label", "_mark", "data", "grad")
    # For type checkers: what each slot holds depends on the kind of node, as above.
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
        self.data = _number(data, "Value")
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
            self._a = children
            self._b = _BY_HAND
            self._da = _do_nothing
            self._kind = _by_hand(_op)

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
        if b is _MANY or b is _BY_HAND:
            return self._a
        return (self._a, b)

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
        if self._kind is None or (self._b is not None and self._b is not _MANY):
            return None
        return getattr(self, "_db", None)

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self._kind is not None else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    # --- micrograd 0.1.0's private names ----------------------------------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd 0.1.0's name for the parents, as a set."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd 0.1.0's string for the op: as :attr:`op`, but 'ReLU' for relu and
        '**2' for a number exponent, as 0.1.0 writes them ('' for a leaf)."""
        kind = self._kind
        if kind is RELU:
            return "ReLU"
        if kind is POW and self._b is None:
            return f"**{self._db:g}"
        return self.op

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's chain-rule step, as micrograd 0.1.0 calls it: each parent's
        grad grows by local derivative * this node's grad.

        Assign a function to it, on a node built with ``Value(data, children, op)``,
        and ``backward()`` calls that function instead, as 0.1.0 does.

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.grad = 1.0
        >>> y._backward()
        >>> x.grad
        6.0
        """
        if self._b is _BY_HAND:
            return self._da
        return _ChainRuleStep(self)

    @_backward.setter
    def _backward(self, function: Callable[[], None]) -> None:
        if not callable(function):
            raise TypeError(f"_backward: expected a function, got {function!r}")
        if self._b is not _BY_HAND:
            parents = self.parents
            self._a = parents
            self._b = _BY_HAND
            self._kind = _by_hand(self.op)
        self._da = function

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph under this Value, built without recursion."""
        if id(self) in memo:
            return memo[id(self)]
        for node in reversed(_nodes_under(self)):  # operands before their consumers
            if id(node) in memo:
                continue
            copy = _new_value(Value)
            for slot in Value.__slots__:
                if hasattr(node, slot):
                    setattr(copy, slot, getattr(node, slot))
            copy._mark = None
            b = node._b if node._kind is not None else None
            if node._kind is not None:
                if b is _MANY or b is _BY_HAND:
                    copy._a = tuple(memo[id(p)] for p in node._a)
                else:
                    copy._a = memo[id(node._a)]
                    if b is not None:
                        copy._b = memo[id(b)]
            memo[id(node)] = copy
        return memo[id(self)]

    # --- Binary ops: the output, then d(out)/d(each operand) --------------------------
    # A number operand is folded into a one-operand node.  Anything else that is not
    # a real number is a TypeError naming the op.
    #
    # The ops hand-written graphs use most (+, *, tanh, relu) fill in their node
    # here, slot by slot, instead of calling _binary, _folded or _unary: one Python
    # call less per node is about a tenth of the time it takes to build a graph.

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
            c = _number(other, "+")
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

    @staticmethod
    def _add_rule(a: Any, b: Any, out: Any) -> tuple[Any, Any]:  # d(a + b) = (1, 1)
        return 1.0, 1.0

    def __radd__(self, other: Number) -> Value:  # other + self
        c = other if type(other) is float else _number(other, "+")
        return _folded(self, c, c + self.data, ADD_REFLECTED)

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(self, other, self.data - other.data, SUB)
        c = other if type(other) is float else _number(other, "-")
        return _folded(self, c, self.data - c, SUB)

    @staticmethod
    def _sub_rule(a: Any, b: Any, out: Any) -> tuple[Any, Any]:  # d(a - b) = (1, -1)
        return 1.0, -1.0

    def __rsub__(self, other: Number) -> Value:  # other - self
        c = other if type(other) is float else _number(other, "-")
        return _folded(self, c, c - self.data, SUB_REFLECTED)

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
            c = _number(other, "*")
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

    @staticmethod
    def _mul_rule(a: Any, b: Any, out: Any) -> tuple[Any, Any]:  # d(a * b) = (b, a)
        return b, a

    def __rmul__(self, other: Number) -> Value:  # other * self
        c = other if type(other) is float else _number(other, "*")
        return _folded(self, c, c * self.data, MUL_REFLECTED)

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(self, other, _divide(self.data, other.data), DIV)
        c = _number(other, "/")
        return _folded(self, c, _divide(self.data, c), DIV)

    @staticmethod
    def _div_rule(a: Any, b: Any, out: Any) -> tuple[Any, Any]:  # d(a / b) = (1/b, -out/b)
        return 1 / b, -out / b

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        c = _number(other, "/")
        return _folded(self, c, _divide(c, self.data), DIV_REFLECTED)

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(self, other, _power(self.data, other.data), POW)
        c = _number(other, "**")
        return _folded(self, c, _power(self.data, c), POW)

    @staticmethod
    def _pow_rule(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
        # d(a ** b)/da = b * a**(b-1), 0 when b == 0 (a**0 is the constant 1).
        # d(a ** b)/db = a**b * log(a) for a > 0; 0 at a == 0; undefined (NaN) below.
        # Past the float range, or at a pole (0 ** -0.5), the slope is inf on both paths.
        base, exponent = _data(a), _data(b)
        slope = _pow_or_inf(base, exponent - 1)
        on_values = isinstance(a, Value) or isinstance(b, Value)
        if exponent == 0 and (math.isinf(slope) or not on_values):
            d_base: Any = 0.0  # (as a Value, b * a**(b-1) keeps its slope in b)
        elif math.isinf(slope) or not on_values:
            d_base = b * slope
        else:
            d_base = b * a ** (b - 1)
        d_exponent = out * _log(a) if base > 0 else 0.0 if base == 0 else math.nan
        return d_base, d_exponent

    def __rpow__(self, other: Number) -> Value:  # other ** self
        c = _number(other, "**")
        return _folded(self, c, _power(c, self.data), POW_REFLECTED)

    # --- One-operand ops: the output, then d(out)/d(operand) --------------------------

    def __neg__(self) -> Value:
        return _unary(self, -self.data, NEG)

    @staticmethod
    def _neg_rule(a: Any, out: Any) -> Any:  # d(-a) = -1
        return -1.0

    def exp(self) -> Value:
        """e to the power of this Value.

        >>> Value(0.0).exp().data
        1.0
        """
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: overflow at {self.data} (exp > 1.8e308)") from None
        return _unary(self, out, EXP)

    @staticmethod
    def _exp_rule(a: Any, out: Any) -> Any:  # d exp(a) = exp(a)
        return out

    def log(self) -> Value:
        """The natural logarithm; the input must be positive.

        >>> Value(1.0).log().data
        0.0
        """
        a = self.data
        if not a > 0:
            if a != a:  # NaN stays NaN: never hidden, never an error
                return _unary(self, a, LOG)
            raise ValueError(f"log: needs a positive input, got {a}")
        return _unary(self, math.log(a), LOG)

    @staticmethod
    def _log_rule(a: Any, out: Any) -> Any:  # d log(a) = 1/a
        return 1 / a

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

    @staticmethod
    def _tanh_rule(a: Any, out: Any) -> Any:  # d tanh(a) = 1 - tanh(a)^2
        return 1 - out * out

    def sigmoid(self) -> Value:
        """The logistic function ``1 / (1 + e^-x)``, between 0 and 1.

        >>> Value(0.0).sigmoid().data
        0.5
        """
        return _unary(self, sigmoid(self.data), SIGMOID)

    @staticmethod
    def _sigmoid_rule(a: Any, out: Any) -> Any:  # d s(a) = s(a) * (1 - s(a))
        return out * (1 - out)

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

    @staticmethod
    def _relu_rule(a: Any, out: Any) -> Any:  # d relu(a) = 1 above 0, else 0 (0 at the kink)
        x = out if type(out) is float else _data(out)
        return 1.0 if x > 0 else 0.0 if x <= 0 else math.nan  # NaN for NaN

    def abs(self) -> Value:
        """The absolute value (also ``abs(v)``).

        >>> abs(Value(-2.5)).data
        2.5
        """
        return _unary(self, abs(self.data), ABS)

    __abs__ = abs

    @staticmethod
    def _abs_rule(a: Any, out: Any) -> Any:  # d |a| = sign(a), 0 at 0
        return _sign(a)

    def sin(self) -> Value:
        """The sine (radians).

        >>> Value(0.0).sin().data
        0.0
        """
        return _unary(self, math.sin(_finite(self.data, "sin")), SIN)

    @staticmethod
    def _sin_rule(a: Any, out: Any) -> Any:  # d sin(a) = cos(a)
        return _cos(a)

    def cos(self) -> Value:
        """The cosine (radians).

        >>> Value(0.0).cos().data
        1.0
        """
        return _unary(self, math.cos(_finite(self.data, "cos")), COS)

    @staticmethod
    def _cos_rule(a: Any, out: Any) -> Any:  # d cos(a) = -sin(a)
        return -_sin(a)

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
        if self._kind is None:
            self.grad += 1.0
        elif not _backward_tree(self):
            _backward_graph(self)

    # --- Shortcuts to micrograd.trace: stepping through backprop as text -------------
    # The trace layer sits above the engine; each shortcut imports it when called.

    def backward_steps(self, **limits: int | None) -> Iterator[Step]:
        """Backpropagation one node at a time: see :func:`micrograd.trace.backward_steps`.

        >>> x = Value(3.0, label="x")
        >>> y = x.tanh(); y.label = "y"
        >>> print(next(y.backward_steps()))
        y = tanh(x): dy/dy = 1.0000 -> dy/dx += 1.0000 * 0.0099 = 0.0099
        """
        from micrograd import trace

        return trace.backward_steps(self, **limits)

    def explain(self, **limits: int | None) -> str:
        """The chain rule as text, edge by edge: see :func:`micrograd.trace.explain`.

        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b; c.label = "c"
        >>> print(c.explain())
        c = a * b
          dc/da += dc/dc * dc/da = 1.0000 * -3.0000 = -3.0000
          dc/db += dc/dc * dc/db = 1.0000 * 2.0000 = 2.0000
        """
        from micrograd import trace

        return trace.explain(self, **limits)

    def tree(self, **limits: int | None) -> str:
        """The expression as an indented text tree: see :func:`micrograd.trace.tree`.

        >>> x = Value(3.0, label="x")
        >>> y = (x * 2).exp(); y.label = "y"
        >>> print(y.tree())
        y = exp(mul1)  data 403.4288  grad 0.0000
          mul1 = x * 2  data 6.0000  grad 0.0000
            x  data 3.0000  grad 0.0000
        """
        from micrograd import trace

        return trace.tree(self, **limits)


def _do_nothing() -> None:
    """The ``_backward`` of a hand-built node until one is assigned (as in 0.1.0)."""


class _ChainRuleStep:
    """``node._backward`` for a node the engine built: apply its one chain-rule step.

    An object rather than a closure, so that it keeps the node alive only while
    someone holds it (no reference cycle).
    """

    __slots__ = ("node",)

    def __init__(self, node: Value) -> None:
        self.node = node

    def __call__(self) -> None:
        node = self.node
        g = node.grad
        for parent, local in zip(node.parents, _local_derivatives(node)):
            parent.grad += local * g


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"/: division by zero ({a} / {b})")
    return a / b


def _power(a: float, b: float) -> float:
    """a ** b as a float, or a clear error naming '**'."""
    if a < 0 and math.isfinite(b) and not b.is_integer():
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


# --- Fused ops: many operands in one node ------------------------------------------------


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
    xs = tuple(x if type(x) is float else _number(x, "linear") for x in inputs)
    out = sum_left_to_right(map(mul, wd, xs), bias.data)
    local = _weighted_sum_slopes(wd, xs)
    if activation is not None:
        out = 0.0 if out <= 0 else out
        local = _through_relu(local, out)
    return _nary((*weights, bias), out, op, (*local[:n], local[-1]), xs)


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
    return _nary((*weights, *inputs, bias), out, LINEAR_RELU if relu else LINEAR, local, None)


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
    slope = Value._relu_rule(out, out)  # relu's rule reads only its output
    if slope == 1.0:
        return slopes
    return tuple([slope * d for d in slopes])


def _linear_relu(weights: Sequence[Value], inputs: Sequence[Value | Number], bias: Value) -> Value:
    return linear(weights, inputs, bias, activation="relu")


def total(values: Iterable[Value | Number]) -> Value:
    """The sum of many Values as one node (builtin ``sum`` makes a chain of
    ``+`` nodes).  Adds left to right, as ``sum`` does.

    >>> total([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    operands = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    out = sum_left_to_right((v.data for v in operands), 0.0)
    return _nary(operands, out, SUM, _sum_rule(operands, out), None)


def _sum_rule(operands: Sequence[Any], out: Any) -> tuple[Any, ...]:  # 1 for each
    return (1.0,) * len(operands)


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
        out = _number(result, f"{name} (forward)")
        local = tuple(
            _number(d, f"{name} (derivative)") for d in rule(tuple(v.data for v in operands), out)
        )
        return _nary(operands, out, op, local, None)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"The custom op {name!r}."
    return apply


_BY_HAND_OPS: dict[str, Op] = {}


def _by_hand(symbol: str) -> Op:
    """The Op of nodes built micrograd 0.1.0's way: named by the given symbol."""
    op = _BY_HAND_OPS.get(symbol)
    if op is None:

        def no_rule(*args: Any) -> Any:
            raise TypeError(
                f"{symbol or 'a hand-built node'}: built by hand with its own _backward, "
                "so it has no derivative rule for second derivatives"
            )

        op = _BY_HAND_OPS[symbol] = Op(symbol or "by_hand", symbol, "call", 0, no_rule, custom=True)
    return op


# --- The catalogue: every op once -------------------------------------------------------

ADD = Op("add", "+", "infix", 2, Value._add_rule, Value.__add__, constant=True)
SUB = Op("sub", "-", "infix", 2, Value._sub_rule, Value.__sub__, constant=True)
MUL = Op("mul", "*", "infix", 2, Value._mul_rule, Value.__mul__)
DIV = Op("div", "/", "infix", 2, Value._div_rule, Value.__truediv__)
POW = Op("pow", "**", "infix", 2, Value._pow_rule, Value.__pow__)
NEG = Op("neg", "neg", "prefix", 1, Value._neg_rule, Value.__neg__)
EXP = Op("exp", "exp", "call", 1, Value._exp_rule, Value.exp)
LOG = Op("log", "log", "call", 1, Value._log_rule, Value.log)
TANH = Op("tanh", "tanh", "call", 1, Value._tanh_rule, Value.tanh)
SIGMOID = Op("sigmoid", "sigmoid", "call", 1, Value._sigmoid_rule, Value.sigmoid)
RELU = Op("relu", "relu", "call", 1, Value._relu_rule, Value.relu)
ABS = Op("abs", "abs", "call", 1, Value._abs_rule, Value.abs)
SIN = Op("sin", "sin", "call", 1, Value._sin_rule, Value.sin)
COS = Op("cos", "cos", "call", 1, Value._cos_rule, Value.cos)
LINEAR = Op("linear", "linear", "call", 0, _linear_rule, linear)
LINEAR_RELU = Op("linear_relu", "linear+relu", "call", 0, _linear_relu_rule, _linear_relu)
SUM = Op("sum", "sum", "call", 0, _sum_rule, lambda *values: total(values))

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        *(ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, ABS, SIN, COS),
        *(LINEAR, LINEAR_RELU, SUM),
    )
}
"""Every built-in op, by name: the one list that traces, drawings, the command line
and the test strategies read."""

# A number on the left (2 + x, 2 - x, ...): the same ops, operands the other way round.
ADD_REFLECTED = ADD.reflected()
SUB_REFLECTED = SUB.reflected()
MUL_REFLECTED = MUL.reflected()
DIV_REFLECTED = DIV.reflected()
POW_REFLECTED = POW.reflected()


# --- Backpropagation -------------------------------------------------------------------


def _local_derivatives(node: Value) -> tuple[float, ...]:
    """d(node)/d(parent) for each parent, as floats, in operand order."""
    b = node._b
    if b is None:
        return (node._da,)
    if b is _MANY:
        return node._da
    if b is _BY_HAND:
        raise TypeError(
            f"{node.op or 'a hand-built node'}: built by hand with its own _backward, so "
            "only backward() can run it"
        )
    return (node._da, node._db)


def _operands(node: Value) -> tuple[Any, ...]:
    """The node's operands in order, Values and folded numbers alike: ``2 - x``
    gives ``(2.0, x)``; ``linear(ws, [1.0, 2.0], b)`` gives ``(*ws, 1.0, 2.0, b)``."""
    kind = node._kind
    if kind is None:
        return ()
    b = node._b
    if b is None:
        if kind.arity == 1:
            return (node._a,)
        return (node._db, node._a) if kind.constant_first else (node._a, node._db)
    if b is _MANY:
        numbers_in = node._db
        if numbers_in is None:
            return node._a
        n = len(numbers_in)  # linear of numbers: operands (w1..wn, bias), inputs folded
        return (*node._a[:n], *numbers_in, node._a[n])
    if b is _BY_HAND:
        return node._a
    return (node._a, b)


def _backward_tree(root: Value) -> bool:
    """Backpropagate in one depth-first pass, if no intermediate node is used
    twice (most hand-built graphs).  Returns False as soon as one is, having
    put back every leaf's gradient; the caller then takes the general route.

    Visits nodes in the order :func:`_tree_order` gives (keep the two in step).
    """
    mark = object()  # this pass's token
    touched: list[tuple[Value, float]] = []  # (leaf, its grad before), to put back
    waiting: list[Value] = []
    root.grad = g = 1.0
    root._mark = mark
    node = root
    while True:  # g is node.grad
        b = node._b
        if b is None:  # one operand
            a = node._a
            if a._kind is not None:  # an intermediate node: down the chain
                if a._mark is mark:
                    return _put_back(touched)
                a._mark = mark
                a.grad = g = node._da * g  # its one consumer: set, not add
                node = a
                continue
            if a._mark is not mark:  # a leaf: accumulates
                a._mark = mark
                touched.append((a, a.grad))
            a.grad += node._da * g
        elif b is _MANY:
            for a, local in zip(node._a, node._da):
                if a._kind is None:
                    if a._mark is not mark:
                        a._mark = mark
                        touched.append((a, a.grad))
                    a.grad += local * g
                elif a._mark is mark:
                    return _put_back(touched)
                else:
                    a._mark = mark
                    a.grad = local * g
                    waiting.append(a)
        elif b is _BY_HAND:
            return _put_back(touched)
        else:  # two operands
            a = node._a
            if a._kind is None:
                if a._mark is not mark:
                    a._mark = mark
                    touched.append((a, a.grad))
                a.grad += node._da * g
            elif a._mark is mark:
                return _put_back(touched)
            else:
                a._mark = mark
                a.grad = node._da * g
                waiting.append(a)
            if b._kind is None:
                if b._mark is not mark:
                    b._mark = mark
                    touched.append((b, b.grad))
                b.grad += node._db * g
            elif b._mark is mark:
                return _put_back(touched)
            else:
                b._mark = mark
                b.grad = node._db * g
                waiting.append(b)
        if not waiting:
            return True
        node = waiting.pop()
        g = node.grad


def _put_back(touched: list[tuple[Value, float]]) -> bool:
    for leaf, grad in touched:
        leaf.grad = grad
    return False


def _tree_order(root: Value) -> list[Value] | None:
    """The order :func:`_backward_tree` visits nodes in, or None if an
    intermediate node is used twice."""
    mark = object()
    order = []
    waiting = [root]
    while waiting:
        node = waiting.pop()
        if node._b is _BY_HAND:
            return None
        order.append(node)
        for parent in node.parents:
            if parent._kind is not None:
                if parent._mark is mark:
                    return None
                parent._mark = mark
                waiting.append(parent)
    return order


def _postorder(root: Value, reset_grads: bool) -> list[Value]:
    """The non-leaf nodes under root, each after its operands (depth first,
    operands in order, so close to the order they were made in).  With
    ``reset_grads``, each one's grad is set to 0 as it is found.

    Iterative.  A node is marked with this pass's token as it is entered (so a
    mark left by an interrupted pass is never taken for this one's).  A node with
    one or two operands goes straight down into its first operand still to do,
    leaving itself, a None and any later operand on the stack; a node with a
    tuple of operands pushes itself, a None and all of them.  A node is emitted
    when its None comes back up, or at once if it has nothing left to do.
    Going down without the stack matters: most nodes in a hand-written graph
    have one new operand.  The one- and two-operand cases are written out: one
    branch for both, with flags, made this pass about 15% slower.
    """
    token = object()
    many, by_hand = _MANY, _BY_HAND  # locals: read once a node
    order: list[Value] = []
    emit = order.append
    stack: list[Value | None] = []
    push = stack.append
    pop = stack.pop
    node = root
    root._mark = token
    while True:
        if reset_grads:  # intermediate nodes hold the gradient of this call only
            node.grad = 0.0
        b = node._b
        if b is None:  # one operand
            a = node._a
            if a._kind is not None and a._mark is not token:
                push(node)
                push(None)
                a._mark = token
                node = a
                continue
            emit(node)
        elif b is many or b is by_hand:  # a tuple of operands: pushed last first
            push(node)
            push(None)
            for a in reversed(node._a):
                if a._kind is not None and a._mark is not token:
                    push(a)
        else:  # two operands
            a = node._a
            if a._kind is not None and a._mark is not token:
                push(node)
                push(None)
                if b._kind is not None and b._mark is not token:
                    push(b)
                a._mark = token
                node = a
                continue
            if b._kind is not None and b._mark is not token:
                push(node)
                push(None)
                b._mark = token
                node = b
                continue
            emit(node)
        while stack:  # the next node to enter, emitting those now done
            waiting = pop()
            if waiting is None:
                emit(pop())  # type: ignore[arg-type]
            elif waiting._mark is not token:
                waiting._mark = token
                node = waiting
                break
        else:
            return order


def _graph_order(root: Value) -> list[Value]:
    """Every node before its operands: the reverse of :func:`_postorder`.
    :func:`_backward_graph` visits nodes in this order (keep the two in step)."""
    order = _postorder(root, reset_grads=False)
    order.reverse()
    return order


def _backward_graph(root: Value) -> None:
    """Backpropagate through any graph: order its nodes, then apply the chain
    rule at each one, every node after all the nodes that use it.

    The hot loop of a shared graph's backward pass: one or two operands, the
    usual cases, are written out, so that no tuple is made for them.
    """
    order = _postorder(root, reset_grads=True)
    many, by_hand = _MANY, _BY_HAND  # locals: read once a node
    root.grad = 1.0
    for node in reversed(order):
        # The chain rule: each operand's gradient grows by local derivative * g.
        g = node.grad
        b = node._b
        if b is None:  # one operand
            node._a.grad += node._da * g
        elif b is many:
            for a, local in zip(node._a, node._da):
                a.grad += local * g
        elif b is by_hand:  # micrograd 0.1.0's own step
            node._da()
        else:  # two operands
            node._a.grad += node._da * g
            b.grad += node._db * g


def backward_order(root: Value) -> list[Value]:
    """The non-leaf nodes under ``root``, root first, each before its parents:
    the order in which ``backward()`` visits them, a node only after every node
    that uses it.

    >>> a = Value(1.0, label="a")
    >>> b = (a * 2).exp()
    >>> [v.op for v in backward_order(b)]
    ['exp', '*']
    """
    if root._kind is None:
        return []
    order = _tree_order(root)
    return order if order is not None else _graph_order(root)


def _nodes_under(root: Value) -> list[Value]:
    """Every Value under root, leaves included, each before its operands (no recursion)."""
    order = backward_order(root)
    seen = set(order)
    leaves = []
    for node in order:
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                leaves.append(parent)
    return order + leaves if order else [root]


# Names that moved up a layer stay importable from here (micrograd.engine.node_names,
# micrograd.engine.grad, ...): resolved on first use, so this module imports nothing
# above itself when it is loaded.
_MOVED = {
    "grad": "micrograd.backprop",
    "node_names": "micrograd.trace",
    "Step": "micrograd.trace",
    "ParentUpdate": "micrograd.trace",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
