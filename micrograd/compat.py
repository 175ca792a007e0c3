"""micrograd 0.1.0's private names, so that code written for it runs unchanged.

Karpathy's lectures read and write ``_prev``, ``_op`` and ``_backward`` on
Values, and build nodes by hand: ``Value(data, (a, b), '+')`` with a
``_backward`` function of their own.  :class:`Micrograd010Names` gives
:class:`~micrograd.engine.Value` those names; the engine keeps none of them
itself.  It imports only the node layout (:mod:`micrograd.traversal`) and
:class:`~micrograd.op.Op`.

>>> from micrograd import Value
>>> a, b = Value(2.0), Value(3.0)
>>> c = a * b
>>> c._op, c._prev == {a, b}
('*', True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from micrograd.op import Op
from micrograd.traversal import BY_HAND

__all__ = ["ChainRuleStep", "Micrograd010Names", "by_hand", "make_by_hand"]


class Micrograd010Names:
    """``_prev``, ``_op`` and ``_backward``, as micrograd 0.1.0 has them on a Value."""

    __slots__ = ()

    @property
    def _prev(self: Any) -> set[Any]:
        """micrograd 0.1.0's name for the parents, as a set."""
        return set(self.parents)

    @property
    def _op(self: Any) -> str:
        """micrograd 0.1.0's string for the op: as :attr:`op`, but 'ReLU' for relu and
        '**2' for a number exponent, as 0.1.0 writes them ('' for a leaf)."""
        kind = self._kind
        if kind is None:
            return ""
        if kind.name == "relu":
            return "ReLU"
        if kind.name == "pow" and self._b is None and not kind.constant_first:  # x ** 2
            return f"**{self._db:g}"
        return str(kind.symbol)

    @property
    def _backward(self: Any) -> Callable[[], None]:
        """This node's chain-rule step, as micrograd 0.1.0 calls it: each parent's
        grad grows by local derivative * this node's grad.

        Assign a function to it, on a node built with ``Value(data, children, op)``,
        and ``backward()`` calls that function instead, as 0.1.0 does.

        >>> from micrograd import Value
        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.grad = 1.0
        >>> y._backward()
        >>> x.grad
        6.0
        """
        if self._b is BY_HAND:
            return self._da
        return ChainRuleStep(self)

    @_backward.setter
    def _backward(self: Any, function: Callable[[], None]) -> None:
        if not callable(function):
            raise TypeError(f"_backward: expected a function, got {function!r}")
        if self._b is not BY_HAND:
            make_by_hand(self, self.parents, self.op)
        self._da = function


def make_by_hand(node: Any, children: Iterable[Any], symbol: str) -> None:
    """Turn ``node`` into a node built by hand, as 0.1.0's ``Value(data, children, op)``
    does: its parents are ``children``, and its ``_backward`` does the work."""
    node._a = tuple(children)
    node._b = BY_HAND
    node._da = _do_nothing
    node._kind = by_hand(symbol)


def _do_nothing() -> None:
    """The ``_backward`` of a hand-built node until one is assigned (as in 0.1.0)."""


class ChainRuleStep:
    """``node._backward`` for a node the engine built: apply its one chain-rule step.

    An object rather than a closure, so that it keeps the node alive only while
    someone holds it (no reference cycle).
    """

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    def __call__(self) -> None:
        node = self.node
        g = node.grad
        for parent, local in zip(node.parents, node.local_derivatives):
            parent.grad += local * g


_BY_HAND_OPS: dict[str, Op] = {}


def by_hand(symbol: str) -> Op:
    """The Op of nodes built micrograd 0.1.0's way, named by the given symbol.

    >>> by_hand("+").name, by_hand("").name
    ('+', 'by_hand')
    """
    op = _BY_HAND_OPS.get(symbol)
    if op is None:

        def no_rule(*args: Any) -> Any:
            raise TypeError(
                f"{symbol or 'a hand-built node'}: built by hand with its own _backward, "
                "so it has no derivative rule for second derivatives"
            )

        op = _BY_HAND_OPS[symbol] = Op(symbol or "by_hand", symbol, "call", 0, no_rule, custom=True)
    return op
